#!/bin/bash
# qemu.sh: QEMU 10 and emulated CXL memory for the test guests.
#
# Debian 12's QEMU (7.2) cannot give a guest CXL type-3 *volatile* memory
# (QEMU >= 8 can).  bookworm-backports has qemu-system-x86 10.0: this
# fetches it once with apt-get download through an apt configuration of
# its own (the mirror is read from the host's apt sources at run time, as
# prepare.sh does for the kernels), unpacks it with dpkg -x into
#   $DAXTIER_VM_CACHE/qemu-10/root/   qemu-system-x86, -common, -data and
#                                     seabios of bookworm-backports
#   $DAXTIER_VM_CACHE/qemu-10/package the versions unpacked
# and runs it from there: -L for its firmware directories and
# QEMU_MODULE_DIR for its modules (the host's 7.2 modules in
# /usr/lib/x86_64-linux-gnu/qemu are still found after ours and may print
# a warning; the guests need none of them).
#
# Usage, as a script:  qemu.sh fetch        fetch and unpack (under the lock)
#                      qemu.sh args SPEC    print the CXL arguments, one a line
# Sourced (run-scenario.sh): qemu10_fetch, qemu10_command (sets the array
# QEMU10), cxl_qemu_args SPEC (appends to the array CXL_ARGS), cxl_request
# (answers a guest's CXL requests on QEMU's QMP socket).
#
# SPEC (a scenario's "# vm-cxl:" header): one word per CXL host bridge,
# each with its own fixed memory window that targets only it; a word lists
# the type-3 devices behind that bridge, one root port each, separated by
# commas, as SIZE[:SERIAL]:
#   # vm-cxl: 512M:0xa1,512M:0xa2    one bridge, two devices: one window
#                                    that can hold a 2-way interleaved region
#   # vm-cxl: 1G:0xb1 1G:0xb2        two bridges, one device each, two windows
# SIZE is a multiple of 256 MiB (the CXL decoders' granularity of sizes);
# SERIAL is the device's serial number as QEMU's sn= takes it (memN/serial
# in the guest); without one, device k (from 0, over all bridges) gets
# 0x100+k.  QEMU ids: host bridge cxl.B, root port rpB.P, device cxl-memK
# (QOM path /machine/peripheral/cxl-memK, for cxl-inject-poison).  Each
# window is as large as the devices behind its bridge together.
# shellcheck shell=bash

# Everything this file fetches, in the order it is unpacked.
QEMU10_SUITE=bookworm-backports
QEMU10_PACKAGES="qemu-system-x86 qemu-system-common qemu-system-data seabios"

qemu10_dir() { echo "$DAXTIER_VM_CACHE/qemu-10"; }

# qemu10_fetch: makes sure the unpacked QEMU 10 is in the cache.  Call it
# with the cache lock held (run-scenario.sh does).  Dies on failure.
qemu10_fetch() {
        local dir tmp d p mirror b apt missing
        dir=$(qemu10_dir)
        if [ -x "$dir/root/usr/bin/qemu-system-x86_64" ] && [ "${DAXTIER_VM_REFRESH:-0}" != 1 ]; then
                return 0
        fi
        mkdir -p "$DAXTIER_VM_CACHE"
        tmp=$(mktemp -d "$DAXTIER_VM_CACHE/qemu.XXXXXX")
        d=$tmp
        mirror=$(vm_mirror) || die "no Debian mirror found in /etc/apt/sources.list*"
        note "fetching QEMU 10 from $QEMU10_SUITE of $mirror (once)"
        mkdir -p "$d/apt/lists/partial" "$d/apt/cache/archives/partial"
        echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $QEMU10_SUITE main" >"$d/apt/sources.list"
        apt=(-o "Dir::Etc::SourceList=$d/apt/sources.list" -o Dir::Etc::SourceParts=/nonexistent
             -o "Dir::State=$d/apt" -o "Dir::State::status=/var/lib/dpkg/status" -o "Dir::Cache=$d/apt/cache"
             -o APT::Sandbox::User=root)
        if ! apt-get "${apt[@]}" -q update >/dev/null; then
                rm -rf "$tmp"
                die "apt-get update for $QEMU10_SUITE failed"
        fi
        if ! (cd "$tmp" && for p in $QEMU10_PACKAGES; do
                        apt-get "${apt[@]}" -q download "$p/$QEMU10_SUITE" >/dev/null || exit 1
                done); then
                rm -rf "$tmp"
                die "cannot download $QEMU10_PACKAGES from $QEMU10_SUITE"
        fi
        : >"$tmp/package"
        for b in "$tmp"/*.deb; do
                dpkg-deb -x "$b" "$tmp/root"
                echo "$(dpkg-deb -f "$b" Package) $(dpkg-deb -f "$b" Version)" >>"$tmp/package"
        done
        # Its shared libraries must all be on the host (Debian 12 has them
        # as of 10.0.2); name what is missing rather than fail in QEMU.
        missing=$(ldd "$tmp/root/usr/bin/qemu-system-x86_64" | awk '/not found/ { print $1 }' | paste -sd' ')
        if [ -n "$missing" ]; then
                rm -rf "$tmp"
                die "QEMU 10 needs libraries the host does not have: $missing (install them from bookworm)"
        fi
        rm -rf "$dir"
        mkdir -p "$dir"
        mv "$tmp/root" "$tmp/package" "$dir/"
        rm -rf "$tmp"
        note "QEMU 10: $("$dir/root/usr/bin/qemu-system-x86_64" --version | head -n1)"
}

# qemu10_command: sets the array QEMU10 to the command that runs the
# unpacked QEMU 10 with its own firmware and modules.
qemu10_command() {
        local r
        r=$(qemu10_dir)/root
        QEMU10=(env "QEMU_MODULE_DIR=$r/usr/lib/x86_64-linux-gnu/qemu" "$r/usr/bin/qemu-system-x86_64"
                -L "$r/usr/share/qemu" -L "$r/usr/share/seabios" -L /usr/share/qemu)
}

# cxl_to_bytes SIZE: bytes of an IEC size (512M, 1G).
cxl_to_bytes() { numfmt --from=iec "${1%B}"; }

# cxl_qemu_args SPEC: appends to the array CXL_ARGS the devices of SPEC
# (see the header) and their fixed memory windows.  Fails with a message
# on a malformed SPEC.
cxl_qemu_args() {
        local spec=$1 word dev size serial b=0 k=0 p total bytes windows=""
        local mib=$((1024 * 1024))
        CXL_ARGS=()
        for word in $spec; do
                CXL_ARGS+=(-device "pxb-cxl,bus_nr=$((12 + 16 * b)),bus=pcie.0,id=cxl.$b")
                total=0 p=0
                for dev in ${word//,/ }; do
                        size=${dev%%:*} serial=""
                        [ "$size" != "$dev" ] && serial=${dev#*:}
                        bytes=$(cxl_to_bytes "$size" 2>/dev/null) || { echo "vm-cxl: bad size '$size' in '$dev'" >&2; return 1; }
                        if [ "$bytes" -le 0 ] || [ $((bytes % (256 * mib))) != 0 ]; then
                                echo "vm-cxl: size '$size' is not a multiple of 256M" >&2
                                return 1
                        fi
                        if [ -z "$serial" ]; then
                                serial=$(printf '0x%x' $((0x100 + k)))
                        elif ! [[ "$serial" =~ ^(0x[0-9a-fA-F]+|[0-9]+)$ ]]; then
                                echo "vm-cxl: bad serial '$serial' in '$dev'" >&2
                                return 1
                        fi
                        CXL_ARGS+=(-device "cxl-rp,port=$p,bus=cxl.$b,id=rp$b.$p,chassis=$b,slot=$((k + 2))"
                                   -object "memory-backend-ram,id=cxl-vmem$k,size=$bytes"
                                   -device "cxl-type3,bus=rp$b.$p,volatile-memdev=cxl-vmem$k,id=cxl-mem$k,sn=$serial")
                        total=$((total + bytes))
                        p=$((p + 1)) k=$((k + 1))
                done
                [ "$p" -gt 0 ] || { echo "vm-cxl: host bridge $b has no devices" >&2; return 1; }
                windows="${windows:+$windows,}cxl-fmw.$b.targets.0=cxl.$b,cxl-fmw.$b.size=$total"
                b=$((b + 1))
        done
        [ "$b" -gt 0 ] || { echo "vm-cxl: no host bridge" >&2; return 1; }
        # All windows in one -M: QEMU refuses cxl-fmw.N spread over several.
        CXL_ARGS+=(-M "$windows")
}

# qmp SOCKET COMMAND-JSON: runs one QMP command on QEMU's QMP socket and
# prints QEMU's answer to it (the line with "return" or "error").
qmp() {
        local out
        out=$({ printf '{"execute":"qmp_capabilities"}\n'; sleep 0.3; printf '%s\n' "$2"; sleep 0.5; } |
              socat -t 1 - "UNIX-CONNECT:$1" 2>&1) || { echo "qmp: $out"; return 1; }
        grep -v -e '"QMP"' -e '^{"return": {}}$' <<<"$out" | grep -m1 -e '"return"' -e '"error"' || echo "qmp: no answer: $out"
}

# cxl_request SOCKET WORDS...: a guest's CXL request (without its id);
# prints nothing when done, else the error.
#   cxl-poison DEVICE DPA LENGTH   QMP cxl-inject-poison on the QEMU device
#                                  DEVICE (cxl-memK), DPA and LENGTH in
#                                  bytes (multiples of 64)
cxl_request() {
        local sock=$1 out
        shift
        case "$1" in
        cxl-poison)
                if [ $# != 4 ] || ! [[ "$2" =~ ^cxl-mem[0-9]+$ ]] || ! [[ "$3" =~ ^(0x[0-9a-fA-F]+|[0-9]+)$ ]] ||
                   ! [[ "$4" =~ ^(0x[0-9a-fA-F]+|[0-9]+)$ ]]; then
                        echo "usage: cxl-poison cxl-memK DPA LENGTH ID"
                        return 0
                fi
                out=$(qmp "$sock" "{\"execute\":\"cxl-inject-poison\",\"arguments\":{\"path\":\"/machine/peripheral/$2\",\"start\":$(($3)),\"length\":$(($4))}}")
                case "$out" in
                *'"return"'*) ;;
                *) echo "$out" ;;
                esac
                ;;
        cxl-media-event)
                # A General Media Event (uncorrectable ECC error on a host
                # read) in the device's Failure log: the device signals it,
                # the kernel reads it and emits the cxl_general_media event.
                if [ $# != 3 ] || ! [[ "$2" =~ ^cxl-mem[0-9]+$ ]] || ! [[ "$3" =~ ^(0x[0-9a-fA-F]+|[0-9]+)$ ]]; then
                        echo "usage: cxl-media-event cxl-memK DPA"
                        return 0
                fi
                out=$(qmp "$sock" "{\"execute\":\"cxl-inject-general-media-event\",\"arguments\":{\"path\":\"/machine/peripheral/$2\",\"log\":\"failure\",\"flags\":0,\"dpa\":$(($3)),\"descriptor\":1,\"type\":0,\"transaction-type\":1}}")
                case "$out" in
                *'"return"'*) ;;
                *) echo "$out" ;;
                esac
                ;;
        *) echo "unknown CXL request $1" ;;
        esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
        set -euo pipefail
        . "$(dirname "$0")/common.sh"
        case "${1:-}" in
        fetch) [ "${VM_LOCKED:-0}" = 1 ] || vm_lock; qemu10_fetch ;;
        args) cxl_qemu_args "${2:?SPEC}"; printf '%s\n' "${CXL_ARGS[@]}" ;;
        *) die "usage: qemu.sh fetch | args SPEC" ;;
        esac
fi
