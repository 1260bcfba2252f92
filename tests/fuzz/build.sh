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

mkdir -p "$out"

build() {
        name=$1
        shift
        echo "  CCLD     $out/$name"
        # shellcheck disable=SC2086 # the flag variables are word lists
        $CC -std=gnu11 -D_GNU_SOURCE $CFLAGS $SANITIZE -I"$top/src" $INIH_CFLAGS \
                "$top/tests/fuzz/$name.c" "$@" $INIH_LIBS -o "$out/$name"
}

build fuzz-policy "$top/src/policy.c"
build fuzz-badblocks "$top/src/poison.c"
build fuzz-size "$top/src/policy.c"
build fuzz-tiering-state "$top/src/tiering.c" "$top/src/util.c"
