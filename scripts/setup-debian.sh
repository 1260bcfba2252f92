#!/bin/bash
# setup-debian.sh: install everything daxtierd needs to build, to run its
# unit tests and to boot its QEMU test guests, on Debian 12 (as root).
# Installs only what is missing; safe to run again.
set -euo pipefail

PACKAGES=(
        # build
        build-essential autoconf automake pkg-config
        libsystemd-dev libudev-dev libnuma-dev libndctl-dev libdaxctl-dev
        libinih-dev libjson-c-dev check
        # real-kernel tests: guest image, kernels, QEMU
        qemu-system-x86 mmdebstrap kmod cpio systemd
        # host requests of the guests (machine checks through QEMU's monitor)
        socat
        # the Debian package (tests/vm/build-deb.sh: built on this host for
        # bookworm guests, in a trixie chroot made by mmdebstrap for trixie)
        dpkg-dev debhelper fakeroot lintian
        # nfit_test modules, built from Debian's linux-source-6.12 with its
        # linux-headers and prebuilt linux-kbuild tools (need libelf1)
        gcc-12 make xz-utils libelf1 binutils
        # make bench: the chart of bench/results.png
        gnuplot-nox
)

[ "$(id -u)" = 0 ] || { echo "setup-debian.sh: run as root (apt-get install)" >&2; exit 1; }
missing=()
for p in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
        echo "setup-debian.sh: installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q >/dev/null
        apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
