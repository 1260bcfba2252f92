#!/bin/sh
# build.sh OUTDIR: builds every libFuzzer target (tests/fuzz/fuzz-*.c)
# into OUTDIR with ASan and UBSan.  Needs clang (with its libFuzzer
# runtime) and the daemon's build dependencies (pkg-config names below);
# works in an unconfigured tree.  See README.md.
set -eu

if [ $# -ne 1 ]; then
        echo "usage: $0 OUTDIR" >&2
        exit 2
fi
out=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
CC=${CC:-clang}
# UBSan findings abort like ASan ones, or libFuzzer would only log them.
SANITIZE=${SANITIZE:--fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all}
CFLAGS=${CFLAGS:--g -O1}
INIH_CFLAGS=$(pkg-config --cflags inih)
INIH_LIBS=$(pkg-config --libs inih)
# The daemon's I/O modules need these too.
SYS_CFLAGS=$(pkg-config --cflags libsystemd libudev libndctl libdaxctl json-c)
SYS_LIBS="$(pkg-config --libs libsystemd libudev libndctl libdaxctl json-c) -lnuma"
# What configure would put in config.h and the command line for them
# (the quotes are meant literally: the values are C strings).
# shellcheck disable=SC2089,SC2090
SYS_DEFS="-DPACKAGE_VERSION=\"fuzz\" -DSYSCONFDIR=\"/etc\" -DPKGLIBEXECDIR=\"/usr/libexec/daxtierd\""

mkdir -p "$out/obj"

# The pure library the daemon links (src/libdaxtier-pure.a in
# Makefile.am), as much of it as the targets reach, built once with the
# fuzzing flags: the targets link it rather than compile a file alone.
LIB_SOURCES="util.c vocab.c policy-value.c policy-load.c policy-ini.c policy-keys.c policy-match.c
        policy-dump.c poison.c tiering.c tiering-state.c"
lib=$out/obj/libdaxtier-fuzz.a
rm -f "$lib"
for s in $LIB_SOURCES; do
        o=$out/obj/${s%.c}.o
        echo "  CC       $o"
        # shellcheck disable=SC2086 # the flag variables are word lists
        $CC -std=gnu11 -D_GNU_SOURCE $CFLAGS $SANITIZE -I"$top/src" $INIH_CFLAGS -c "$top/src/$s" -o "$o"
        ar rcs "$lib" "$o"
done

# The rest of the daemon (everything in src/ but the two programs' main
# files), for the targets that reach the sysfs, kernel, carve and bus
# modules.  A glob rather than a list, so that moving code between files
# does not break the build; only the objects a target needs are linked.
dlib=$out/obj/libdaxtier-daemon-fuzz.a
rm -f "$dlib"
for f in "$top"/src/*.c; do
        s=$(basename "$f")
        # shellcheck disable=SC2086,SC2116 # echo joins the list's lines
        case " $(echo $LIB_SOURCES) daxtierd.c daxtierctl.c " in
        *" $s "*) continue ;;
        esac
        o=$out/obj/${s%.c}.o
        echo "  CC       $o"
        # shellcheck disable=SC2086,SC2090 # the flag variables are word lists
        $CC -std=gnu11 -D_GNU_SOURCE $CFLAGS $SANITIZE -I"$top/src" $INIH_CFLAGS $SYS_CFLAGS $SYS_DEFS -c "$f" -o "$o"
        ar rcs "$dlib" "$o"
done

build() {
        name=$1
        shift
        echo "  CCLD     $out/$name"
        # shellcheck disable=SC2086 # the flag variables are word lists
        $CC -std=gnu11 -D_GNU_SOURCE $CFLAGS $SANITIZE -I"$top/src" $INIH_CFLAGS $SYS_CFLAGS \
                "$top/tests/fuzz/$name.c" "$@" "$dlib" "$lib" "$dlib" "$lib" $INIH_LIBS $SYS_LIBS -o "$out/$name"
}

build fuzz-policy
build fuzz-badblocks
build fuzz-size
build fuzz-tiering-state
build fuzz-sysfs
build fuzz-bus-path
# The state file's reader opens a fixed path under /run: the target
# redirects it (see fuzz-run-state.c).
build fuzz-run-state -Wl,--wrap=fopen -Wl,--wrap=fopen64
