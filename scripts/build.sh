#!/bin/bash
# build.sh: configure (once) and build the tree in place.  Sourced by
# demo.sh and run-tests.sh after setup-debian.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x configure ] || ./autogen.sh >/dev/null 2>&1
[ -f Makefile ] || ./configure -q
make -s -j"$(nproc)"
