#!/bin/bash
# demo.sh: the main job.  Sets up a fresh Debian 12 machine, builds
# daxtierd, and boots a QEMU guest (Debian's 6.12 kernel; DEMO_KERNEL=6.1
# for bookworm's) whose emulated NVDIMM on NUMA node 1 becomes System RAM
# under the real daemon running under systemd.  Prints the guest's audit
# trail and the node's memory.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-debian.sh
scripts/build.sh
tests/vm/run-scenario.sh tests/vm/scenarios/demo.vm "${DEMO_KERNEL:-6.12}"
