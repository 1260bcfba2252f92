#!/bin/bash
# prepare.sh: build (once) what every guest boots from, in $DAXTIER_VM_CACHE:
#   rootfs-<key>.cpio       Debian bookworm with systemd, built by mmdebstrap
#                           from the host's own apt sources; <key> hashes the
#                           package list and build_rootfs below
#   kernel-<series>/        vmlinuz, modules.cpio (only the modules a guest
#                           needs) and version, for series 6.1 (bookworm)
#                           and 6.12 (bookworm-backports)
# Usage: prepare.sh [rootfs|kernel SERIES|all]   (default: all)
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

fetch_kernel() {
        local series=$1 suite dir tmp mirror apt pkg deb kv m
        suite=$(kernel_suite "$series")
        dir="$DAXTIER_VM_CACHE/kernel-$series"
        if [ -s "$dir/modules.cpio" ] && [ "${DAXTIER_VM_REFRESH:-0}" != 1 ]; then
                return 0
        fi
        mirror=$(vm_mirror) || die "no Debian mirror found in /etc/apt/sources.list*"
        tmp=$(mktemp -d "$DAXTIER_VM_CACHE/kernel.XXXXXX")
        # shellcheck disable=SC2064
        trap "rm -rf '$tmp'" EXIT
        mkdir -p "$tmp/apt/lists/partial" "$tmp/apt/cache/archives/partial"
        echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" >"$tmp/apt/sources.list"
        apt=(-o "Dir::Etc::SourceList=$tmp/apt/sources.list" -o Dir::Etc::SourceParts=/nonexistent
             -o "Dir::State=$tmp/apt" -o "Dir::State::status=/var/lib/dpkg/status" -o "Dir::Cache=$tmp/apt/cache"
             -o APT::Sandbox::User=root)
        note "fetching the $suite kernel from $mirror"
        apt-get "${apt[@]}" -q update >/dev/null
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

main() {
        mkdir -p "$DAXTIER_VM_CACHE"
        case "${1:-all}" in
        rootfs) build_rootfs ;;
        rootfs-path) rootfs_path ;;
        kernel) fetch_kernel "${2:?series}" ;;
        all) build_rootfs; for k in $KERNELS_ALL; do fetch_kernel "$k"; done ;;
        *) die "usage: prepare.sh [rootfs|rootfs-path|kernel SERIES|all]" ;;
        esac
}

# Only one builder at a time; the lock is released when we exit.
[ "${VM_LOCKED:-0}" = 1 ] || vm_lock
main "$@"
