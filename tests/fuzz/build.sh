#!/bin/sh
# build.sh OUTDIR: builds the libFuzzer targets fuzz-policy, fuzz-badblocks,
# fuzz-size and fuzz-tiering-state into OUTDIR with ASan and UBSan.  Needs clang (with its
# libFuzzer runtime) and inih; works in an unconfigured tree.  See README.md.
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

mkdir -p "$out/obj"

# The pure library the daemon links (src/libdaxtier-pure.a in
# Makefile.am), as much of it as the targets reach, built once with the
# fuzzing flags: the targets link it rather than compile a file alone.
LIB_SOURCES="util.c vocab.c policy-value.c policy-load.c policy-ini.c policy-keys.c policy-match.c
        policy-dump.c poison.c tiering.c"
lib=$out/obj/libdaxtier-fuzz.a
rm -f "$lib"
for s in $LIB_SOURCES; do
        o=$out/obj/${s%.c}.o
        echo "  CC       $o"
        # shellcheck disable=SC2086 # the flag variables are word lists
        $CC -std=gnu11 -D_GNU_SOURCE $CFLAGS $SANITIZE -I"$top/src" $INIH_CFLAGS -c "$top/src/$s" -o "$o"
        ar rcs "$lib" "$o"
done

build() {
        name=$1
        shift
        echo "  CCLD     $out/$name"
        # shellcheck disable=SC2086 # the flag variables are word lists
        $CC -std=gnu11 -D_GNU_SOURCE $CFLAGS $SANITIZE -I"$top/src" $INIH_CFLAGS \
                "$top/tests/fuzz/$name.c" "$lib" $INIH_LIBS -o "$out/$name"
}

build fuzz-policy
build fuzz-badblocks
build fuzz-size
build fuzz-tiering-state
