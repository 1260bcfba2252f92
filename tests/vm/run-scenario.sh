#!/bin/bash
# run-scenario.sh: boot one scenario in one cell of the test matrix (a
# guest distribution with a kernel) in a QEMU guest.
#
# Usage: run-scenario.sh [--shell] [--results DIR] SCENARIO CELL
#   SCENARIO  path of a tests/vm/scenarios/*.vm file
#   CELL      DIST/KERNEL: bookworm/6.1, bookworm/6.12, trixie/7.3 or
#             trixie/6.12; a bare KERNEL (6.1, 6.12, 7.3) is the cell of
#             its own distribution (bookworm, bookworm, trixie)
#   --shell   keep the guest up with a root shell on this terminal; the
#             scenario's setup() runs, its run() does not (start it with
#             /usr/lib/daxtier-test/runner run). Quit QEMU with Ctrl-a x.
#   --results DIR  where tap.txt, journal.json and console.log go
#             (default: $DAXTIER_VM_RESULTS/NAME-DIST-KERNEL, or
#             tests/vm/results/NAME-DIST-KERNEL in the build tree)
#
# Scenario headers (comment lines at the top of the scenario file):
#   # vm-cells: bookworm/6.12 trixie/7.3   cells it runs in (default: all)
#   # vm-kernels: 6.1 6.12      or: the cells with these kernels
#   # vm-nvdimm: 2G@1 2G@2      emulated NVDIMMs, SIZE@NODE each
#   # vm-append: ARGS           extra kernel command line
#   # vm-timeout: SECONDS       whole-guest time limit (default 300)
#   # vm-memory: SIZE           DRAM on node 0 (default 2G)
#   # vm-nfit-test: yes         the kernel's nfit_test emulation (kernels 6.12
#                               and 7.3): boots the modules prepare.sh builds
#                               (nfit-test target) and places the NVDIMMs
#                               from 8 GiB, above nfit_test's fake ranges;
#                               implies vm-mce
#   # vm-mce: yes               a CPU with machine-check support (Intel), so
#                               that host_mce can inject machine checks
#   # vm-early: yes             daxtierd as shipped, before udev's coldplug
#                               (systemd/before-coldplug.conf); setup() then
#                               runs before coldplug too, so it can write
#                               the configuration but finds no devices.
#                               Without it the guest masks that drop-in and
#                               setup() runs after coldplug, before daxtierd
#   # vm-cxl: 512M:0xa1,512M:0xa2 1G:0xb1   emulated CXL type-3 volatile
#                               memory (qemu.sh: one word per host bridge and
#                               window, SIZE[:SERIAL] per device); boots
#                               QEMU 10 from bookworm-backports, machine q35
#   # vm-qemu-args: ARGS        extra QEMU arguments, after the NUMA nodes
#                               (e.g. -machine hmat=on -numa hmat-lb,...);
#                               with hmat=on in them, every node without
#                               CPUs gets initiator=0, as QEMU requires
#   # vm-asan: bookworm/6.12     cells (bookworm only) whose guest runs the
#                               daemon built with ASan+UBSan instead of the
#                               .deb (as DAXTIER_VM_INSTALL=asan); a
#                               sanitizer report in its journal fails the run
#   # vm-install: deb           daxtierd installed from its .deb (default);
#                 none          not installed: the package and a rebuilt one
#                               with a higher version are in
#                               /usr/lib/daxtier-test/debs/ for the
#                               scenario to install, remove, upgrade
#
# Every guest has a QEMU monitor on $work/monitor.sock, and a fourth serial
# port (ttyS3) on which the guest asks the host for things it cannot do
# itself (guest/lib.sh: host_mce); the host's answers and what it did are
# in the results' host.log.
#
# The guest runs daxtierd as installed from its Debian package, built for
# the cell's distribution from the source tree (build-deb.sh) and
# installed with apt-get into a copy of the guest image (cached per image
# and package).  DAXTIER_VM_INSTALL=make installs the build tree
# ($DAXTIER_BUILDDIR, default the source tree) with make install DESTDIR
# instead: quicker while developing, bookworm cells only.
# DAXTIER_VM_INSTALL=asan (bookworm cells only) installs a build with
# AddressSanitizer and UBSan (configure --enable-sanitizers, the runtimes
# linked statically: the guest has no libasan), made from a copy of the
# source tree in $DAXTIER_BUILDDIR/tests/vm/asan-build; its unit runs the
# daemon with ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:disable_coredump=0 (LeakSanitizer
# needs ptrace, which the unit's system call filter denies; the unit tests
# look for leaks) and UBSan findings fatal.  A sanitizer report in the
# guest's journal fails the run.
# Prints the scenario's TAP on stdout; exits 0 when the plan was complete
# and nothing failed.
set -euo pipefail
. "$(dirname "$0")/common.sh"

shell=0 results=""
while [ $# -gt 0 ]; do
        case "$1" in
        --shell) shell=1; shift ;;
        --results) results=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -e/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
        -*) die "unknown option $1" ;;
        *) break ;;
        esac
done
[ $# -eq 2 ] || die "usage: run-scenario.sh [--shell] [--results DIR] SCENARIO CELL"
scenario=$(realpath "$1") cell=$2
dist=$(cell_dist "$cell") kernel=$(cell_kernel "$cell")
case " $CELLS_ALL " in *" $dist/$kernel "*) ;; *) die "unknown cell $dist/$kernel (known: $CELLS_ALL)" ;; esac
name=$(basename "$scenario" .vm)
[ -f "$scenario" ] || die "no scenario $scenario"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is not installed"

header() { sed -n "s/^# vm-$1: *//p" "$scenario" | head -n1; }
to_bytes() { numfmt --from=iec "${1%B}"; }

nvdimms=$(header nvdimm)
append=$(header append)
timeout_s=$(header timeout); timeout_s=${timeout_s:-300}
dram=$(header memory); dram=${dram:-2G}
yes_no() {
        case "$(header "$1")" in
        yes) echo 1 ;;
        no|"") echo 0 ;;
        *) die "$name: # vm-$1: must be yes or no" ;;
        esac
}
nfit_test=$(yes_no nfit-test)
install=$(header install); install=${install:-deb}
case "$install" in deb|none) ;; *) die "$name: # vm-install: must be deb or none" ;; esac
install_mode=${DAXTIER_VM_INSTALL:-deb}
# vm-asan: the cells whose guest gets the ASan+UBSan build of the daemon
# (bookworm cells: it is built on this host), unless DAXTIER_VM_INSTALL says.
if [ -z "${DAXTIER_VM_INSTALL:-}" ] && [ "$install" = deb ]; then
        case " $(header asan) " in *" $dist/$kernel "*) install_mode=asan ;; esac
fi
case "$install_mode" in
deb) ;;
make|asan) [ "$dist" = bookworm ] || die "DAXTIER_VM_INSTALL=$install_mode builds on this host (bookworm): not for a $dist guest" ;;
*) die "DAXTIER_VM_INSTALL must be deb, make or asan" ;;
esac
mce=$(yes_no mce)
cxl=$(header cxl)
if [ "$nfit_test" = 1 ]; then
        case "$kernel" in
        6.12|7.3) ;;
        *) die "$name needs nfit_test (# vm-nfit-test: yes), which is built for kernels 6.12 and 7.3 only, not $kernel (give it # vm-kernels: 6.12 7.3)" ;;
        esac
        mce=1
fi
if [ "$mce" = 1 ] || [ "$nfit_test" = 1 ]; then
        command -v socat >/dev/null || die "socat is not installed (apt-get install socat)"
fi

builddir=${DAXTIER_BUILDDIR:-$(cd "$VM_DIR/../.." && pwd)}
srcdir=$(cd "$VM_DIR/../.." && pwd)
results=${results:-${DAXTIER_VM_RESULTS:-$builddir/tests/vm/results}/$name-$dist-$kernel}
rm -rf "$results"
mkdir -p "$results"

# DAXTIER_VM_INSTALL=asan: the sanitizer build, before the lock (it takes
# minutes); make install below installs it.
if [ "$install_mode" = asan ]; then
        asan=$builddir/tests/vm/asan-build
        mkdir -p "$asan"
        (cd "$srcdir" && git ls-files -z --cached --others --exclude-standard | cpio -0pdmu --quiet "$asan") ||
                die "cannot copy the source tree to $asan"
        if [ ! -f "$asan/config.status" ]; then
                (cd "$asan" && { [ -x configure ] || ./autogen.sh; } && ./configure -q --disable-vm-tests \
                        --enable-sanitizers CFLAGS="-g -O1 -fno-sanitize-recover=all" \
                        LDFLAGS="-static-libasan -static-libubsan") >"$results/asan-build.log" 2>&1 ||
                        { tail -n 30 "$results/asan-build.log" >&2; die "configure of the ASan build failed"; }
        fi
        nice make -s -C "$asan" -j"${MAKE_JOBS:-2}" >>"$results/asan-build.log" 2>&1 ||
                { tail -n 30 "$results/asan-build.log" >&2; die "the ASan build failed"; }
        builddir=$asan
fi

# A guest slot (common.sh's vm_lock: one guest at a time unless
# DAXTIER_VM_SLOTS says more).  A caller that holds the lock for a batch
# of guests (flock "$DAXTIER_VM_CACHE/.lock" with VM_LOCKED=1 in the
# environment) runs them back to back.
[ "${VM_LOCKED:-0}" = 1 ] || vm_lock
# Caches (images, kernels, QEMU 10, packages): one filler at a time, as
# guests in other slots (DAXTIER_VM_SLOTS) may need the same ones.
vm_prep_lock
VM_LOCKED=1 "$VM_DIR/prepare.sh" rootfs "$dist"
VM_LOCKED=1 "$VM_DIR/prepare.sh" kernel "$kernel"
rootfs=$(VM_LOCKED=1 "$VM_DIR/prepare.sh" rootfs-path "$dist")
kdir=$DAXTIER_VM_CACHE/kernel-$kernel
modules=$kdir/modules.cpio
if [ "$nfit_test" = 1 ]; then
        VM_LOCKED=1 "$VM_DIR/prepare.sh" nfit-test "$kernel"
        modules=$kdir/modules-nfit.cpio
fi
# CXL (qemu.sh): QEMU 10 instead of the host's, on a q35 machine.
qemu=(qemu-system-x86_64) machine=pc,nvdimm=on
if [ -n "$cxl" ]; then
        . "$VM_DIR/qemu.sh"
        command -v socat >/dev/null || die "socat is not installed (apt-get install socat)"
        qemu10_fetch
        qemu10_command
        qemu=("${QEMU10[@]}") machine=q35,nvdimm=on,cxl=on
        cxl_qemu_args "$cxl" || die "$name: bad # vm-cxl: $cxl"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/daxtier-vm.XXXXXX")
server=""
# shellcheck disable=SC2317
cleanup() {
        if [ -n "$server" ]; then
                kill "$server" 2>/dev/null || true
                wait "$server" 2>/dev/null || true
        fi
        rm -rf "$work"
}
trap cleanup EXIT

# overlay_make_install: the build tree, installed with make install into
# the overlay, and its unit enabled the way an administrator would
# (DAXTIER_VM_INSTALL=make).
overlay_make_install() {
        make -s -C "$builddir" install DESTDIR="$ov" >"$work/install.log" 2>&1 ||
                { cat "$work/install.log" >&2; die "make install failed in $builddir"; }
        # The guest has a merged /usr: a cpio entry for /lib would replace the link.
        for d in bin sbin lib lib64; do
                if [ -d "$ov/$d" ] && [ ! -L "$ov/$d" ]; then
                        mkdir -p "$ov/usr/$d"
                        cp -a "$ov/$d/." "$ov/usr/$d/"
                        rm -rf "${ov:?}/$d"
                fi
        done
        local unit
        unit=$(cd "$ov" && find . -name daxtierd.service -path '*systemd/system/*' | head -n1)
        [ -n "$unit" ] || die "make install did not install daxtierd.service"
        systemctl --root="$ov" enable daxtierd.service >/dev/null 2>&1 ||
                die "systemctl --root enable daxtierd.service failed"
}

# installed_cpio DEB: a cpio archive of what installing DEB with apt-get
# changes in the guest image (the package's files, the dpkg database, the
# unit's enablement links, the journal catalog database), to append to
# the image.  Made in an unpacked copy of the image (chroot, apt-get
# install ./DEB: every dependency is already in the image); cached per
# image and package in $DAXTIER_VM_CACHE/installed-DIST-IMAGEKEY-DEBHASH.cpio.
installed_cpio() {
        local deb=$1 key out tmp root start
        key=$(basename "$rootfs" .cpio)
        key=${key#rootfs-}
        out=$DAXTIER_VM_CACHE/installed-$key-$(sha256sum "$deb" | cut -c1-16).cpio
        if [ -s "$out" ]; then
                touch "$out"
                echo "$out"
                return 0
        fi
        start=$(date +%s)
        tmp=$(mktemp -d "$DAXTIER_VM_CACHE/installed.XXXXXX")
        root=$tmp/root
        mkdir -p "$root"
        (cd "$root" && cpio --extract --make-directories --preserve-modification-time --quiet) <"$rootfs"
        cp "$deb" "$root/tmp/"
        touch "$tmp/marker"
        sleep 0.01
        if ! unshare --mount --propagation private -- bash -c '
                mount -t proc proc "$1/proc" && mount --rbind /dev "$1/dev" &&
                DEBIAN_FRONTEND=noninteractive chroot "$1" apt-get install -q -y --no-install-recommends "/tmp/$2"
                ' install "$root" "${deb##*/}" >"$tmp/apt.log" 2>&1; then
                cat "$tmp/apt.log" >&2
                rm -rf "$tmp"
                die "apt-get install ./${deb##*/} failed in the $dist image"
        fi
        cp "$tmp/apt.log" "$results/package-install.log"
        rm -f "$root/tmp/${deb##*/}"
        rm -rf "$root"/var/cache/apt/*
        (cd "$root" && find . -cnewer "$tmp/marker" ! -path ./proc ! -path ./dev ! -path './tmp' -print0 |
                LC_ALL=C sort -z | cpio --null --create --format=newc --quiet) >"$tmp/installed.cpio"
        mv "$tmp/installed.cpio" "$out"
        rm -rf "$tmp"
        find "$DAXTIER_VM_CACHE" -maxdepth 1 -name "installed-$dist-*.cpio" ! -path "$out" -mmin +1440 -delete
        note "installed ${deb##*/} into the $dist image in $(( $(date +%s) - start )) s"
        echo "$out"
}

# The overlay: the scenario and its helpers (and the project, with
# DAXTIER_VM_INSTALL=make).
ov=$work/overlay
installed=""
if [ "$install" = none ]; then
        mkdir -p "$ov/usr/lib/daxtier-test/debs"
        deb=$(VM_LOCKED=1 "$VM_DIR/build-deb.sh" "$dist")
        cp "$deb" "$ov/usr/lib/daxtier-test/debs/"
        deb=$(VM_LOCKED=1 "$VM_DIR/build-deb.sh" --upgrade "$dist")
        cp "$deb" "$ov/usr/lib/daxtier-test/debs/"
elif [ "$install_mode" = make ]; then
        overlay_make_install
elif [ "$install_mode" = asan ]; then
        overlay_make_install
        install -D -m 0644 /dev/stdin "$ov/etc/systemd/system/daxtierd.service.d/asan.conf" <<'UNIT'
[Service]
# disable_coredump=0: its setrlimit() is denied by the unit's system call
# filter, and ASan dies when it fails.  A small quarantine: MemoryMax=.
Environment=ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:disable_coredump=0:quarantine_size_mb=16:print_summary=1
Environment=UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
UNIT
else
        deb=$(VM_LOCKED=1 "$VM_DIR/build-deb.sh" "$dist")
        installed=$(installed_cpio "$deb")
fi
vm_prep_unlock
install -D -m 0755 "$VM_DIR/guest/runner" "$ov/usr/lib/daxtier-test/runner"
install -D -m 0644 "$VM_DIR/guest/lib.sh" "$ov/usr/lib/daxtier-test/lib.sh"
install -D -m 0644 "$scenario" "$ov/usr/lib/daxtier-test/scenario"
# CXL: the guest's helpers and the probe of src/cxl-sysfs.c, when built.
install -D -m 0644 "$VM_DIR/guest/cxl-lib.sh" "$ov/usr/lib/daxtier-test/cxl-lib.sh"
if [ -x "$builddir/tests/vm/cxl-probe" ]; then install -D -m 0755 "$builddir/tests/vm/cxl-probe" "$ov/usr/lib/daxtier-test/cxl-probe"; fi
install -D -m 0644 "$VM_DIR/guest/daxtier-scenario-setup.service" "$ov/etc/systemd/system/daxtier-scenario-setup.service"
# Boot order (# vm-early:): setup() needs the devices coldplug adds, so it
# runs after coldplug, and daxtierd after setup(): that needs the shipped
# "before coldplug" drop-in masked.  An early scenario keeps it and runs
# setup() before coldplug instead.
if [ "$(header early)" = yes ]; then
        sed -i -e 's/^After=systemd-udev-trigger.service /After=/' \
                -e 's/^Before=daxtierd.service /Before=daxtierd.service systemd-udev-trigger.service /' \
                "$ov/etc/systemd/system/daxtier-scenario-setup.service"
else
        install -D -m 0644 /dev/null "$ov/etc/systemd/system/daxtierd.service.d/before-coldplug.conf"
fi
install -D -m 0644 "$VM_DIR/guest/daxtier-scenario.service" "$ov/etc/systemd/system/daxtier-scenario.service"
# The image is up to date: without these stamps (newer than /usr) trixie's
# systemd runs ldconfig, the journal catalog update and update-done at
# every boot (ConditionNeedsUpdate=), some 2 s under TCG.
mkdir -p "$ov/var"
touch "$ov/etc/.updated" "$ov/var/.updated"
mkdir -p "$ov/etc/systemd/system/sysinit.target.wants" "$ov/etc/systemd/system/multi-user.target.wants"
ln -s ../daxtier-scenario-setup.service "$ov/etc/systemd/system/sysinit.target.wants/"
if [ "$shell" = 1 ]; then
        install -D -m 0644 "$VM_DIR/guest/autologin.conf" "$ov/etc/systemd/system/serial-getty@ttyS0.service.d/autologin.conf"
        append="$append daxtier.shell=1"
else
        ln -s ../daxtier-scenario.service "$ov/etc/systemd/system/multi-user.target.wants/"
fi
# A seed for scenarios that draw random numbers (resilience.vm).
[ -n "${DAXTIER_SEED:-}" ] && append="$append daxtier.seed=$DAXTIER_SEED"
(cd "$ov" && find . -print0 | LC_ALL=C sort -z | cpio --null --create --format=newc --quiet --owner=0:0) >"$work/overlay.cpio"
cat "$rootfs" ${installed:+"$installed"} "$modules" "$work/overlay.cpio" >"$work/initrd.cpio"

# Memory layout: DRAM on node 0 with both CPUs; each NVDIMM on its own
# node without CPUs or DRAM, at 1 GiB-aligned addresses from 4 GiB up
# (from 8 GiB with nfit_test, whose emulated regions get fake physical
# addresses between 4 and 8 GiB: its rebuilt nfit and libnvdimm modules
# would take a QEMU NVDIMM there for one of its own).
cpu=qemu64
# Intel's machine-check architecture: QEMU's "mce" monitor command then
# raises what the kernel's MCE handler (and the NFIT's) expects.
[ "$mce" = 1 ] && cpu=qemu64,vendor=GenuineIntel,+mce,+mca
# CXL: without hypervisor=off the kernel fails to commit a region.
[ -n "$cxl" ] && cpu=$cpu,hypervisor=off
args=(-accel tcg -machine "$machine" -cpu "$cpu" -smp 2 -nodefaults -display none -no-reboot
      -object "memory-backend-ram,id=ram0,size=$dram"
      -numa "node,nodeid=0,cpus=0-1,memdev=ram0")
label=$((128 * 1024))
gib=$((1024 * 1024 * 1024))
nvbase=$((4 * gib))
[ "$nfit_test" = 1 ] && nvbase=$((8 * gib))
addr=$nvbase maxnode=0 i=0 nvtotal=0
declare -A have_node=([0]=1)
for spec in $nvdimms; do
        size=$(to_bytes "${spec%@*}") node=${spec#*@}
        [ "$node" -gt "$maxnode" ] && maxnode=$node
        truncate -s $((size + label)) "$work/nvdimm$i.img"
        args+=(-object "memory-backend-file,id=nvmem$i,share=on,mem-path=$work/nvdimm$i.img,size=$((size + label))"
               -device "nvdimm,id=nv$i,memdev=nvmem$i,label-size=128K,node=$node,addr=$addr")
        addr=$((addr + (size + label + gib - 1) / gib * gib))
        nvtotal=$((nvtotal + (size + label + gib - 1) / gib * gib))
        i=$((i + 1))
done
qemu_extra=$(header qemu-args)
initiator=""
[[ "$qemu_extra" == *hmat=on* ]] && initiator=",initiator=0"
for n in $(seq 1 "$maxnode"); do
        args+=(-numa "node,nodeid=$n$initiator")
done
# shellcheck disable=SC2206 # the header is a word list
args+=($qemu_extra)
# Hot-plug memory starts at 4 GiB (QEMU's pc machine keeps DRAM below
# 4 GiB while there is less than 3.5 GiB of it) and must reach the top of
# the last NVDIMM.
args+=(-m "$dram,slots=$((i + 2)),maxmem=$(( $(to_bytes "$dram") + nvbase - 4 * gib + nvtotal + 2 * gib ))")
# mitigations=off: the guest runs only the test, and under TCG the
# speculation mitigations cost much (with an Intel CPU model, page table
# isolation flushes QEMU's soft TLB on every system call).
args+=(-kernel "$kdir/vmlinuz" -initrd "$work/initrd.cpio"
       -append "console=ttyS0 rdinit=/lib/systemd/systemd panic=-1 systemd.show_status=auto mitigations=off $append")
args+=(-monitor "unix:$work/monitor.sock,server,nowait")
# CXL: the devices and windows, and QMP for cxl-inject-poison.
[ -n "$cxl" ] && args+=("${CXL_ARGS[@]}" -qmp "unix:$work/qmp.sock,server,nowait")

# monitor COMMAND: runs one command on QEMU's monitor and prints its
# output, if any.  The monitor greets with a banner line and echoes the
# command (redrawn with escape sequences) on the next: the output follows,
# up to the next "(qemu) " prompt.
monitor() {
        local out
        if ! out=$(printf '%s\n' "$1" | socat -t 1 - "UNIX-CONNECT:$work/monitor.sock" 2>&1); then
                echo "monitor: $out"
                return 0
        fi
        out=${out//$'\r'/}
        case "$out" in
        "QEMU "*" monitor "*) sed -e '1,2d' -e 's/(qemu) *$//' <<<"$out" | grep -v '^$' || true ;;
        *) echo "monitor: $out" ;;
        esac
}

# serve_guest: answers the guest's requests on its ttyS3, one line each,
# "REQUEST ARGS... ID"; the answer is "done ID" or "error ID MESSAGE".
#   mce PHYSADDR ID   an uncorrected, action-optional memory scrub error at
#                     PHYSADDR in bank 1, broadcast to every CPU
serve_guest() {
        local line words id out
        exec 3<>"$work/host.out" 4<>"$work/host.in"
        while IFS= read -r line <&3; do
                line=${line%$'\r'}
                read -r -a words <<<"$line"
                [ ${#words[@]} -ge 2 ] || continue
                id=${words[-1]}
                echo "$(date +%T) guest: $line" >>"$results/host.log"
                case "${words[0]}" in
                mce)
                        if [ ${#words[@]} != 3 ] || ! [[ "${words[1]}" =~ ^0x[0-9a-fA-F]+$ ]]; then
                                out="usage: mce 0xPHYSADDR ID"
                        elif [ "$mce" != 1 ]; then
                                out="this guest's CPU has no machine checks (# vm-mce: yes)"
                        else
                                out=$(monitor "mce -b 0 1 0xbd000000000000c0 0x5 ${words[1]} 0x86")
                        fi
                        ;;
                cxl-*) out=$(if [ -n "$cxl" ]; then cxl_request "$work/qmp.sock" "${words[@]:0:${#words[@]}-1}"; else echo "this guest has no CXL devices (# vm-cxl:)"; fi) ;;
                *) out="unknown request ${words[0]}" ;;
                esac
                if [ -z "$out" ]; then
                        echo "done $id" >&4
                else
                        echo "error $id ${out//$'\n'/ }" >&4
                fi
                echo "$(date +%T) host: ${out:-done}" >>"$results/host.log"
        done
}
mkfifo "$work/host.in" "$work/host.out"
args+=(-serial "pipe:$work/host")
touch "$results/host.log"
serve_guest &
server=$!

if [ "$shell" = 1 ]; then
        args=(-serial mon:stdio -serial "file:$results/tap.txt" -serial "file:$results/journal.json" "${args[@]}")
        note "shell on the console; Ctrl-a x quits; QEMU's monitor: socat - UNIX-CONNECT:$work/monitor.sock"
        rc=0
        "${qemu[@]}" "${args[@]}" || rc=$?
        exit "$rc"
fi
args=(-serial "file:$results/console.log" -serial "file:$results/tap.txt" -serial "file:$results/journal.json" "${args[@]}")
echo "${qemu[*]} ${args[*]}" >"$results/qemu.cmdline"
kinfo="$dist, $(cat "$kdir/package") ($(cat "$kdir/version"))"
[ "$nfit_test" = 1 ] && kinfo="$kinfo with nfit_test"
echo "$kinfo" >"$results/kernel"
# CXL: the QEMU packages booted.
[ -n "$cxl" ] && cp "$(qemu10_dir)/package" "$results/qemu"

# Debian's 6.12 and 7.3 kernels under multi-threaded TCG now and then
# die of an int3 Oops while the kernel patches its own code (alternatives,
# static keys: the other vCPU runs the half-patched text), in early boot
# or later (7.3 at "crng init done", beside another guest; some 3 boots
# in 260).  A boot whose kernel panicked before init ran, or with such an
# Oops before the scenario printed any TAP, is tried once more, and the
# TAP says so: nothing of the project was tested in it.
boot_guest() {
        rc=0
        timeout --kill-after=10 "$timeout_s" "${qemu[@]}" "${args[@]}" >"$results/qemu.log" 2>&1 || rc=$?
}
early_panic() {
        [ ! -s "$results/tap.txt" ] && grep -q 'Kernel panic' "$results/console.log" &&
                { ! grep -q 'as init process' "$results/console.log" || grep -q 'Oops: int3' "$results/console.log"; }
}
boot_guest
if early_panic; then
        mv "$results/console.log" "$results/console-early-panic.log"
        : >"$results/tap.txt"
        : >"$results/journal.json"
        boot_guest
        echo "# the first boot's kernel panicked before the scenario began ($(grep -m1 -o 'Oops: int3\|Kernel panic[^]]*' "$results/console-early-panic.log" | head -n1); console-early-panic.log); booted again"
fi
tr -d '\r' <"$results/tap.txt" >"$results/tap.clean" && mv "$results/tap.clean" "$results/tap.txt"
cat "$results/tap.txt"
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
        echo "not ok - guest timed out after $timeout_s s; console log tail:"
        tail -n 40 "$results/console.log" | sed 's/^/#   /'
        exit 1
fi
if [ "$rc" != 0 ]; then
        echo "not ok - qemu exited with status $rc"
        sed 's/^/#   /' "$results/qemu.log"
        tail -n 40 "$results/console.log" | sed 's/^/#   /'
        exit 1
fi
if ! grep -q '^1\.\.[0-9]' "$results/tap.txt"; then
        echo "not ok - the scenario printed no TAP plan; console log tail:"
        tail -n 40 "$results/console.log" | sed 's/^/#   /'
        exit 1
fi
if [ "$install_mode" = asan ]; then
        # Reports go to the daemon's stderr, which is its journal.
        reports=$(jq -r 'select(._SYSTEMD_UNIT == "daxtierd.service") | .MESSAGE | strings' "$results/journal.json" 2>/dev/null |
                grep -E 'ERROR: AddressSanitizer|runtime error:|SUMMARY: (Address|UndefinedBehavior)Sanitizer' || true)
        if [ -n "$reports" ]; then
                echo "not ok - sanitizer reports in daxtierd's journal:"
                echo "$reports" | head -n 40 | sed 's/^/#   /'
                exit 1
        fi
        echo "# ASan+UBSan build of daxtierd: no sanitizer report in its journal ($(jq -r 'select(._SYSTEMD_UNIT == "daxtierd.service") | .MESSAGE | strings' "$results/journal.json" 2>/dev/null | wc -l) lines)"
fi
! grep -q '^not ok' "$results/tap.txt"
