#!/bin/bash
# prepare.sh: build (once) what every guest boots from, in $DAXTIER_VM_CACHE:
#   rootfs-<key>.cpio       Debian bookworm with systemd, built by mmdebstrap
#                           from the host's own apt sources; <key> hashes the
#                           package list and build_rootfs below
#   kernel-<series>/        vmlinuz, modules.cpio (only the modules a guest
#                           needs) and version, for series 6.1 (bookworm)
#                           and 6.12 (bookworm-backports)
#   kernel-6.12/nfit_test.cpio, modules-nfit.cpio
#                           the kernel's nfit_test modules, built from
#                           Debian's linux-source-6.12 (target nfit-test
#                           only: run-scenario.sh asks for it when a
#                           scenario needs it; see build_nfit_test)
# Usage: prepare.sh [rootfs|kernel SERIES|nfit-test|all]   (default: all,
#   which is the root filesystem and both kernels)
# Prints nothing on success but "vm: ..." progress notes on stderr.
# DAXTIER_VM_REFRESH=1 fetches the kernels again (newest in the archive).
set -euo pipefail
. "$(dirname "$0")/common.sh"

# The image depends on the package list and on how build_rootfs builds it,
# not on the rest of this script: other targets can change without a new
# image.
rootfs_key() {
        { cat "$VM_DIR/guest-packages.txt"; declare -f build_rootfs; } | sha256sum | cut -c1-16
}

rootfs_path() {
        echo "$DAXTIER_VM_CACHE/rootfs-$(rootfs_key).cpio"
}

build_rootfs() {
        local out tmp pkgs
        out=$(rootfs_path)
        if [ -s "$out" ]; then
                touch "$out"    # in use: see the clean-up below
                return 0
        fi
        command -v mmdebstrap >/dev/null || die "mmdebstrap is not installed (apt-get install mmdebstrap)"
        note "building guest root filesystem $out (takes a few minutes, once)"
        tmp=$(mktemp -d "$DAXTIER_VM_CACHE/rootfs.XXXXXX")
        # shellcheck disable=SC2064
        trap "rm -rf '$tmp'" EXIT
        pkgs=$(grep -v -e '^#' -e '^$' "$VM_DIR/guest-packages.txt" | paste -sd, -)
        mmdebstrap --quiet --variant=minbase --include="$pkgs" \
                --dpkgopt='path-exclude=/usr/share/man/*' \
                --dpkgopt='path-exclude=/usr/share/doc/*' \
                --dpkgopt='path-exclude=/usr/share/locale/*' \
                --dpkgopt='path-exclude=/usr/share/info/*' \
                --customize-hook='chroot "$1" useradd --create-home --shell /bin/bash tester' \
                --customize-hook='chroot "$1" passwd --delete root' \
                --customize-hook='echo daxtier-guest > "$1/etc/hostname"' \
                --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/var/cache/debconf/*-old' \
                --customize-hook='chroot "$1" systemctl mask apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer fstrim.timer 2>/dev/null || true' \
                bookworm "$tmp/root" >&2
        (cd "$tmp/root" && find . -print0 | LC_ALL=C sort -z | cpio --null --create --format=newc --quiet) >"$tmp/rootfs.cpio"
        mv "$tmp/rootfs.cpio" "$out"
        rm -rf "$tmp"
        trap - EXIT
        # Images no run has used for a week only take space.  Younger ones
        # may belong to another checkout (branch) sharing this cache.
        find "$DAXTIER_VM_CACHE" -maxdepth 1 -name 'rootfs-*.cpio' ! -path "$out" -mtime +7 -delete
}

kernel_suite() {
        case "$1" in
        6.1) echo bookworm ;;
        6.12) echo bookworm-backports ;;
        *) die "unknown kernel series '$1' (known: $KERNELS_ALL)" ;;
        esac
}

# Modules a guest may need: NVDIMM, dax, CXL and the kernel key types that
# NVDIMM security uses; their dependencies are added from modules.dep.
KMOD_DIRS="kernel/drivers/nvdimm kernel/drivers/dax kernel/drivers/acpi/nfit kernel/drivers/cxl kernel/security/keys"

# private_apt DIR SUITE: an apt configuration of its own in DIR/apt that
# knows only SUITE of the host's mirror, so that downloads never touch the
# host's apt state; sets the array apt (options for apt-get/apt-cache) and
# mirror, and fetches the package lists.
private_apt() {
        local d=$1 suite=$2
        mirror=$(vm_mirror) || die "no Debian mirror found in /etc/apt/sources.list*"
        mkdir -p "$d/apt/lists/partial" "$d/apt/cache/archives/partial"
        echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" >"$d/apt/sources.list"
        apt=(-o "Dir::Etc::SourceList=$d/apt/sources.list" -o Dir::Etc::SourceParts=/nonexistent
             -o "Dir::State=$d/apt" -o "Dir::State::status=/var/lib/dpkg/status" -o "Dir::Cache=$d/apt/cache"
             -o APT::Sandbox::User=root)
        apt-get "${apt[@]}" -q update >/dev/null
}

fetch_kernel() {
        local series=$1 suite dir tmp mirror apt pkg deb kv m
        suite=$(kernel_suite "$series")
        dir="$DAXTIER_VM_CACHE/kernel-$series"
        if [ -s "$dir/modules.cpio" ] && [ "${DAXTIER_VM_REFRESH:-0}" != 1 ]; then
                return 0
        fi
        tmp=$(mktemp -d "$DAXTIER_VM_CACHE/kernel.XXXXXX")
        # shellcheck disable=SC2064
        trap "rm -rf '$tmp'" EXIT
        private_apt "$tmp" "$suite"
        note "fetching the $suite kernel from $mirror"
        pkg=$(apt-cache "${apt[@]}" show "linux-image-amd64/$suite" |
              sed -n 's/^Depends:.*\(linux-image-[^ ,]*-amd64\).*/\1/p' | head -n1)
        [ -n "$pkg" ] || die "cannot resolve linux-image-amd64 in $suite"
        (cd "$tmp" && apt-get "${apt[@]}" -q download "$pkg" >/dev/null)
        deb=$(ls "$tmp"/linux-image-*.deb)
        dpkg-deb -x "$deb" "$tmp/x"
        kv=$(ls "$tmp/x/lib/modules")
        mkdir -p "$tmp/m/usr/lib/modules/$kv"
        local src="$tmp/x/lib/modules/$kv"
        depmod -b "$tmp/x" "$kv"
        # The wanted modules and, transitively, what they depend on.
        local want
        want=$(cd "$src" && for d in $KMOD_DIRS; do if [ -d "$d" ]; then find "$d" -name "*.ko*"; fi; done)
        local all="" next
        while [ -n "$want" ]; do
                all=$(printf '%s\n%s\n' "$all" "$want" | sed '/^$/d' | sort -u)
                next=$(for m in $want; do sed -n "s|^$m:||p" "$src/modules.dep"; done | tr ' ' '\n' | sed '/^$/d' | sort -u)
                want=$(comm -13 <(echo "$all") <(echo "$next"))
        done
        for m in $all; do
                install -D -m 0644 "$src/$m" "$tmp/m/usr/lib/modules/$kv/$m"
        done
        cp "$src"/modules.builtin* "$src"/modules.order "$tmp/m/usr/lib/modules/$kv/"
        depmod -b "$tmp/m/usr" "$kv"
        (cd "$tmp/m" && find . -print0 | LC_ALL=C sort -z | cpio --null --create --format=newc --quiet) >"$tmp/modules.cpio"
        rm -rf "$dir"
        mkdir -p "$dir"
        cp "$tmp/x/boot/vmlinuz-$kv" "$dir/vmlinuz"
        mv "$tmp/modules.cpio" "$dir/modules.cpio"
        echo "$kv" >"$dir/version"
        echo "$(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version)" >"$dir/package"
        rm -rf "$tmp"
        trap - EXIT
        note "kernel $series: $kv ($(wc -l <<<"$all") modules)"
}

# The kernel's own NVDIMM test modules (tools/testing/nvdimm: nfit_test and
# the libnvdimm, nfit and dax modules rebuilt with its hooks), built for the
# cached 6.12 kernel from Debian's linux-source and linux-headers packages
# of the same version.  Results, in kernel-6.12/:
#   nfit_test.cpio     the built modules, in usr/lib/modules/KV/updates/
#   modules-nfit.cpio  modules.cpio plus those, with modules.dep etc. made
#                      for the union (the stock modules they replace are
#                      left out); booted instead of modules.cpio
#   nfit_test.key      the kernel package and release they were built for:
#                      another kernel builds them again
NFIT_SERIES=6.12

build_nfit_test() {
        local dir tmp mirror apt kv key pkgver series hdr deps common kbuild
        local x src h gccver out m b n start
        fetch_kernel "$NFIT_SERIES"
        dir=$DAXTIER_VM_CACHE/kernel-$NFIT_SERIES
        kv=$(cat "$dir/version")
        key="$(cat "$dir/package") $kv"
        if [ -s "$dir/modules-nfit.cpio" ] && [ -s "$dir/nfit_test.cpio" ] &&
           [ "$(cat "$dir/nfit_test.key" 2>/dev/null)" = "$key" ]; then
                return 0
        fi
        start=$(date +%s)
        pkgver=$(cut -d' ' -f2 "$dir/package")          # 6.12.95-1~bpo12+1
        series=$(sed 's/^\([0-9]*\.[0-9]*\).*/\1/' <<<"$pkgver")  # 6.12
        tmp=$(mktemp -d "$DAXTIER_VM_CACHE/nfit.XXXXXX")
        # shellcheck disable=SC2064
        trap "rm -rf '$tmp'" EXIT
        private_apt "$tmp" "$(kernel_suite "$NFIT_SERIES")"
        hdr=linux-headers-$kv
        deps=$(apt-cache "${apt[@]}" show "$hdr=$pkgver" 2>/dev/null | sed -n 's/^Depends: //p' | head -n1) ||
                true
        [ -n "$deps" ] || die "$hdr $pkgver is not in the archive any more: fetch the newest kernel with DAXTIER_VM_REFRESH=1"
        common=$(grep -o 'linux-headers-[^ ,]*-common' <<<"$deps" | head -n1)
        kbuild=$(grep -o 'linux-kbuild-[^ ,]*' <<<"$deps" | head -n1)
        [ -n "$common" ] && [ -n "$kbuild" ] || die "cannot find the -common headers and kbuild packages in: $deps"
        note "building nfit_test for $kv from linux-source-$series $pkgver (about a minute, once)"
        (cd "$tmp" && apt-get "${apt[@]}" -q download "linux-source-$series=$pkgver" "$hdr=$pkgver" \
                "$common=$pkgver" "$kbuild=$pkgver" >/dev/null) ||
                die "cannot download linux-source-$series, $hdr, $common and $kbuild $pkgver"
        x=$tmp/x
        for b in "$tmp"/*.deb; do
                dpkg-deb -x "$b" "$x"
        done
        rm -f "$tmp"/*.deb
        # Only the parts of the source that the test modules are built from.
        src=$tmp/src
        mkdir -p "$src"
        tar -xJf "$x/usr/src/linux-source-$series.tar.xz" -C "$src" --strip-components=1 \
                "linux-source-$series/tools/testing/nvdimm" "linux-source-$series/drivers/nvdimm" \
                "linux-source-$series/drivers/acpi/nfit" "linux-source-$series/drivers/dax"
        rm -f "$x/usr/src/linux-source-$series.tar.xz"
        # The headers' Makefile includes the -common headers by absolute
        # path (/usr/src/...), and their scripts and tools are symbolic
        # links into linux-kbuild: point all of them into the unpacked tree.
        h=$x/usr/src/$hdr
        sed -i "s|^include /usr/src/|include $x/usr/src/|" "$h/Makefile"
        m=$(sed -n 's/^include //p' "$h/Makefile")
        [ -f "$m" ] || die "the headers' Makefile includes $m, which is not there"
        for b in "$h/scripts" "$h/tools" "$(dirname "$m")/scripts" "$(dirname "$m")/tools"; do
                if [ -L "$b" ] && [ "$(readlink "$b" | cut -c1)" = / ]; then
                        ln -sfn "$x$(readlink "$b")" "$b"
                fi
        done
        out=$("$h/scripts/basic/fixdep" 2>&1) || true
        grep -q Usage <<<"$out" || die "the prebuilt kbuild tools of $kbuild do not run here: $out"
        gccver=$(grep -o 'gcc-[0-9][0-9]*' "$h/.kernelvariables" | head -n1)
        if [ -n "$gccver" ] && ! command -v "x86_64-linux-gnu-$gccver" >/dev/null; then
                die "the kernel was built with $gccver, which is not installed (apt-get install $gccver)"
        fi
        # Without CONFIG_NVDIMM_SECURITY_TEST the emulated DIMMs' security
        # state machine is wrong; BTF for modules would need pahole.
        if ! make -C "$h" M="$src/tools/testing/nvdimm" -j"$(nproc)" CONFIG_DEBUG_INFO_BTF_MODULES= \
                KCFLAGS="-I$src/drivers/nvdimm -I$src/drivers/acpi/nfit -DCONFIG_NVDIMM_SECURITY_TEST=1" \
                >"$tmp/build.log" 2>&1; then
                tail -n 30 "$tmp/build.log" >&2
                die "building tools/testing/nvdimm failed"
        fi
        mkdir -p "$tmp/n/usr/lib/modules/$kv/updates"
        find "$src/tools/testing/nvdimm" -name '*.ko' -exec cp {} "$tmp/n/usr/lib/modules/$kv/updates/" \;
        [ -f "$tmp/n/usr/lib/modules/$kv/updates/nfit_test.ko" ] || die "the build made no nfit_test.ko"
        strip --strip-debug "$tmp/n/usr/lib/modules/$kv/updates/"*.ko
        (cd "$tmp/n" && find . -print0 | LC_ALL=C sort -z | cpio --null --create --format=newc --quiet) >"$tmp/nfit_test.cpio"
        # The union with the kernel's selected modules, and its modules.dep.
        mkdir -p "$tmp/c"
        (cd "$tmp/c" && cpio --extract --make-directories --quiet) <"$dir/modules.cpio"
        cp -a "$tmp/n/usr/lib/modules/$kv/updates" "$tmp/c/usr/lib/modules/$kv/"
        for m in "$tmp/n/usr/lib/modules/$kv/updates/"*.ko; do
                b=$(basename "$m" .ko)
                find "$tmp/c/usr/lib/modules/$kv/kernel" -name "$b.ko*" -delete
        done
        depmod -b "$tmp/c/usr" "$kv"
        grep -q '^updates/nfit_test.ko:' "$tmp/c/usr/lib/modules/$kv/modules.dep" ||
                die "depmod did not take in updates/nfit_test.ko"
        (cd "$tmp/c" && find . -print0 | LC_ALL=C sort -z | cpio --null --create --format=newc --quiet) >"$tmp/modules-nfit.cpio"
        n=$(find "$tmp/n" -name '*.ko' | wc -l)
        mv "$tmp/nfit_test.cpio" "$tmp/modules-nfit.cpio" "$dir/"
        echo "$key" >"$dir/nfit_test.key"
        rm -rf "$tmp"
        trap - EXIT
        note "nfit_test for $kv: $n modules built in $(( $(date +%s) - start )) s"
}

main() {
        mkdir -p "$DAXTIER_VM_CACHE"
        case "${1:-all}" in
        rootfs) build_rootfs ;;
        rootfs-path) rootfs_path ;;
        kernel) fetch_kernel "${2:?series}" ;;
        nfit-test) build_nfit_test ;;
        all) build_rootfs; for k in $KERNELS_ALL; do fetch_kernel "$k"; done ;;
        *) die "usage: prepare.sh [rootfs|rootfs-path|kernel SERIES|nfit-test|all]" ;;
        esac
}

# Only one builder at a time; the lock is released when we exit.
[ "${VM_LOCKED:-0}" = 1 ] || vm_lock
main "$@"
