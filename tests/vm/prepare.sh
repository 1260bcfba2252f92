#!/bin/bash
# prepare.sh: build (once) what every guest boots from, in $DAXTIER_VM_CACHE:
#   rootfs-<dist>-<key>.cpio  Debian <dist> (bookworm or trixie) with systemd,
#                           built by mmdebstrap from the host's own apt
#                           sources (bookworm) or the host's mirror with the
#                           trixie suite; <key> hashes the package list,
#                           the distribution and build_rootfs below
#   kernel-<series>/        vmlinuz, modules.cpio (only the modules a guest
#                           needs) and version, for series 6.1 (bookworm),
#                           6.12 (bookworm-backports) and 7.3
#                           (trixie-backports)
#   buildroot-trixie-<key>/ a trixie chroot with daxtierd's build
#                           dependencies (debian/control), in which
#                           build-deb.sh builds the trixie package
#   kernel-{6.12,7.3}/nfit_test.cpio, modules-nfit.cpio
#                           the kernel's nfit_test modules, built from
#                           Debian's linux-source-SERIES (target nfit-test
#                           only: run-scenario.sh asks for it when a
#                           scenario needs it; see build_nfit_test)
# Usage: prepare.sh [rootfs [DIST]|rootfs-path [DIST]|kernel SERIES|
#                    buildroot DIST|buildroot-path DIST|nfit-test [SERIES]|all]
#   (default: all, which is every root filesystem and every kernel;
#   DIST defaults to bookworm)
# Prints nothing on success but "vm: ..." progress notes on stderr.
# DAXTIER_VM_REFRESH=1 fetches the kernels again (newest in the archive).
set -euo pipefail
. "$(dirname "$0")/common.sh"

# The image depends on the package list and on how build_rootfs builds it,
# not on the rest of this script: other targets can change without a new
# image.
rootfs_key() {
        { echo "$1"; cat "$VM_DIR/guest-packages.txt"; declare -f build_rootfs dist_sources; } |
                sha256sum | cut -c1-16
}

rootfs_path() {
        echo "$DAXTIER_VM_CACHE/rootfs-$1-$(rootfs_key "$1").cpio"
}

# dist_sources DIST: the apt source mmdebstrap builds a DIST tree from.
# Bookworm is the host's own distribution: no argument, so that
# mmdebstrap takes the host's apt sources as they are.  Any other
# distribution: its suite on the host's mirror, read at run time.
dist_sources() {
        local mirror
        case "$1" in
        bookworm) ;;
        trixie)
                mirror=$(vm_mirror) || die "no Debian mirror found in /etc/apt/sources.list*"
                echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $1 main"
                ;;
        *) die "unknown distribution '$1' (known: $DISTS_ALL)" ;;
        esac
}

build_rootfs() {
        local dist=$1 out tmp pkgs src
        out=$(rootfs_path "$dist")
        src=$(dist_sources "$dist")
        if [ -s "$out" ]; then
                touch "$out"    # in use: see the clean-up below
                return 0
        fi
        command -v mmdebstrap >/dev/null || die "mmdebstrap is not installed (apt-get install mmdebstrap)"
        note "building the $dist guest root filesystem $out (takes a few minutes, once)"
        tmp=$(mktemp -d "$DAXTIER_VM_CACHE/rootfs.XXXXXX")
        # shellcheck disable=SC2064
        trap "rm -rf '$tmp'" EXIT
        pkgs=$(grep -v -e '^#' -e '^$' "$VM_DIR/guest-packages.txt" | paste -sd, -)
        mmdebstrap --quiet --variant=minbase --include="$pkgs" \
                --dpkgopt='path-exclude=/usr/share/man/*' \
                --dpkgopt='path-exclude=/usr/share/doc/*' \
                --dpkgopt='path-exclude=/usr/share/locale/*' \
                --dpkgopt='path-exclude=/usr/share/info/*' \
                --dpkgopt='path-exclude=/usr/share/javascript/*' \
                --dpkgopt='path-exclude=/usr/bin/prometheus' \
                --customize-hook='chroot "$1" useradd --create-home --shell /bin/bash tester' \
                --customize-hook='chroot "$1" passwd --delete root' \
                --customize-hook='echo daxtier-guest > "$1/etc/hostname"' \
                --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/var/cache/debconf/*-old' \
                --customize-hook='chroot "$1" systemctl mask apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer fstrim.timer 2>/dev/null || true' \
                --customize-hook='chroot "$1" systemctl mask prometheus.service' \
                --customize-hook='chroot "$1" systemctl disable prometheus-node-exporter.service $(cd "$1/usr/lib/systemd/system" && ls prometheus-node-exporter-*.timer 2>/dev/null)' \
                "$dist" "$tmp/root" ${src:+"$src"} >&2
        (cd "$tmp/root" && find . -print0 | LC_ALL=C sort -z | cpio --null --create --format=newc --quiet) >"$tmp/rootfs.cpio"
        mv "$tmp/rootfs.cpio" "$out"
        rm -rf "$tmp"
        trap - EXIT
        # Images no run has used for a week only take space.  Younger ones
        # may belong to another checkout (branch) sharing this cache.
        find "$DAXTIER_VM_CACHE" -maxdepth 1 -name 'rootfs-*.cpio' ! -path "$out" -mtime +7 -delete
        find "$DAXTIER_VM_CACHE" -maxdepth 1 -name 'installed-*.cpio' -mtime +7 -delete
}

kernel_suite() {
        case "$1" in
        6.1) echo bookworm ;;
        6.12) echo bookworm-backports ;;
        7.3) echo trixie-backports ;;
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
        local series=$1 suite dir tmp mirror apt pkg deb kv m parts mods vmlinuz
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
        # From 7.x Debian splits the kernel: linux-image-KV only depends on
        # linux-binary-KV (vmlinuz under /usr/lib/modules/KV/),
        # linux-modules-KV (the modules) and linux-base-KV (modules.order,
        # modules.builtin).  Fetch those of them that it names, too.
        parts=$(apt-cache "${apt[@]}" show "$pkg/$suite" | sed -n 's/^Depends: //p' | head -n1 |
                grep -o "linux-\(base\|binary\|modules\)-${pkg#linux-image-}" | sort -u | paste -sd' ') || true
        # shellcheck disable=SC2086
        (cd "$tmp" && apt-get "${apt[@]}" -q download "$pkg" $parts >/dev/null)
        for deb in "$tmp"/linux-*.deb; do
                dpkg-deb -x "$deb" "$tmp/x"
        done
        deb=$(ls "$tmp"/linux-image-*.deb)
        # Modules under /lib/modules (up to 6.x) or /usr/lib/modules (7.x).
        mods=$tmp/x/lib/modules
        [ -d "$mods" ] || mods=$tmp/x/usr/lib/modules
        kv=$(ls "$mods")
        vmlinuz=$tmp/x/boot/vmlinuz-$kv
        [ -f "$vmlinuz" ] || vmlinuz=$mods/$kv/vmlinuz
        [ -f "$vmlinuz" ] || die "no vmlinuz in $pkg $parts"
        mkdir -p "$tmp/m/usr/lib/modules/$kv"
        local src="$mods/$kv"
        depmod -b "${mods%/lib/modules}" "$kv"
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
        cp "$vmlinuz" "$dir/vmlinuz"
        mv "$tmp/modules.cpio" "$dir/modules.cpio"
        echo "$kv" >"$dir/version"
        echo "$(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version)" >"$dir/package"
        rm -rf "$tmp"
        trap - EXIT
        note "kernel $series: $kv ($(wc -l <<<"$all") modules)"
}

# The kernel's own NVDIMM test modules (tools/testing/nvdimm: nfit_test and
# the libnvdimm, nfit and dax modules rebuilt with its hooks), built for a
# cached kernel (6.12 or 7.3) from Debian's linux-source and linux-headers
# packages of the same version.  Results, in kernel-SERIES/:
#   nfit_test.cpio     the built modules, in usr/lib/modules/KV/updates/
#   modules-nfit.cpio  modules.cpio plus those, with modules.dep etc. made
#                      for the union (the stock modules they replace are
#                      left out); booted instead of modules.cpio
#   nfit_test.key      the kernel package and release they were built for:
#                      another kernel builds them again
# A bookworm(-backports) kernel is built on the host (gcc-12, the prebuilt
# kbuild tools of linux-kbuild run on Debian 12); a trixie(-backports)
# kernel in the trixie build chroot (its gcc-14, and its linux-kbuild
# tools need trixie's C library), with the work directory bind-mounted at
# the same path.
NFIT_SERIES_ALL="6.12 7.3"

build_nfit_test() {
        local kseries=$1 dir tmp mirror apt kv key pkgver series hdr deps common kbuild
        local x src h gccver out m b n start suite root=""
        case " $NFIT_SERIES_ALL " in
        *" $kseries "*) ;;
        *) die "nfit_test is built for kernels $NFIT_SERIES_ALL, not $kseries" ;;
        esac
        suite=$(kernel_suite "$kseries")
        fetch_kernel "$kseries"
        dir=$DAXTIER_VM_CACHE/kernel-$kseries
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
        private_apt "$tmp" "$suite"
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
        # path (/usr/src/...; from 7.x it also sets KBUILD_OUTPUT to its
        # own absolute path), and their scripts and tools are symbolic
        # links into linux-kbuild: point all of them into the unpacked tree.
        h=$x/usr/src/$hdr
        sed -i -e "s|^include /usr/src/|include $x/usr/src/|" -e "s|^KBUILD_OUTPUT=/usr/src/|KBUILD_OUTPUT=$x/usr/src/|" "$h/Makefile"
        m=$(sed -n 's/^include //p' "$h/Makefile")
        [ -f "$m" ] || die "the headers' Makefile includes $m, which is not there"
        for b in "$h/scripts" "$h/tools" "$(dirname "$m")/scripts" "$(dirname "$m")/tools"; do
                if [ -L "$b" ] && [ "$(readlink "$b" | cut -c1)" = / ]; then
                        ln -sfn "$x$(readlink "$b")" "$b"
                fi
        done
        # nfit_make CMD: runs CMD where the kernel's tools run.
        if [ "${suite#trixie}" != "$suite" ]; then
                build_buildroot trixie
                root=$(buildroot_path trixie)
        fi
        nfit_make() {
                if [ -z "$root" ]; then
                        bash -c "$1"
                else
                        unshare --mount --propagation private -- bash -c '
                                mkdir -p "$1$3" && mount --bind "$3" "$1$3" &&
                                mount -t proc proc "$1/proc" && mount --rbind /dev "$1/dev" &&
                                chroot "$1" /bin/bash -c "$2"' nfit "$root" "$1" "$tmp"
                fi
        }
        out=$(nfit_make "$h/scripts/basic/fixdep" 2>&1) || true
        grep -q Usage <<<"$out" || die "the prebuilt kbuild tools of $kbuild do not run here: $out"
        gccver=$(grep -o 'gcc-[0-9][0-9]*' "$h/.kernelvariables" | head -n1)
        if [ -n "$gccver" ] && ! nfit_make "command -v x86_64-linux-gnu-$gccver" >/dev/null; then
                die "the kernel was built with $gccver, which is not installed (apt-get install $gccver)"
        fi
        # Without CONFIG_NVDIMM_SECURITY_TEST the emulated DIMMs' security
        # state machine is wrong; BTF for modules would need pahole.
        if ! nfit_make "make -C '$h' M='$src/tools/testing/nvdimm' -j$(nproc) CONFIG_DEBUG_INFO_BTF_MODULES= \
                KCFLAGS='-I$src/drivers/nvdimm -I$src/drivers/acpi/nfit -DCONFIG_NVDIMM_SECURITY_TEST=1'" \
                >"$tmp/build.log" 2>&1; then
                tail -n 30 "$tmp/build.log" >&2
                die "building tools/testing/nvdimm failed"
        fi
        if [ -n "$root" ]; then
                rmdir -p "$root$tmp" 2>/dev/null || true
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

# The build chroot for DIST's package (build-deb.sh): DIST's buildd
# variant plus the Build-Depends of debian/control and lintian (DIST's own
# lintian checks DIST's package), so that daxtierd is
# built against DIST's own libraries.  Cached as a directory, keyed by the
# build dependencies and this function; build-deb.sh builds in a copy of
# the source under its /build and removes that afterwards.
buildroot_key() {
        { echo "$1"; build_depends; declare -f build_buildroot dist_sources; } | sha256sum | cut -c1-16
}

buildroot_path() {
        echo "$DAXTIER_VM_CACHE/buildroot-$1-$(buildroot_key "$1")"
}

# debian/control's Build-Depends as package names (versions dropped;
# debhelper-compat is debhelper's virtual package).
build_depends() {
        sed -n '/^Build-Depends:/,/^[^ ]/p' "$VM_DIR/../../debian/control" | sed '$!b; /^[^ ]/d' |
                sed 's/^Build-Depends://' | tr ',' '\n' | sed -e 's/([^)]*)//g' -e 's/\[[^]]*\]//g' -e 's/ //g' |
                sed -e '/^$/d' -e "s/^debhelper-compat$/debhelper/" -e "s/|.*//" -e "s/<[^>]*>//g" | sort -u
}

build_buildroot() {
        local dist=$1 out tmp src pkgs start
        out=$(buildroot_path "$dist")
        if [ -d "$out" ]; then
                touch "$out"
                return 0
        fi
        src=$(dist_sources "$dist")
        start=$(date +%s)
        note "building the $dist build chroot $out (a few minutes, once)"
        tmp=$(mktemp -d "$DAXTIER_VM_CACHE/buildroot.XXXXXX")
        # shellcheck disable=SC2064
        trap "rm -rf '$tmp'" EXIT
        pkgs=$(build_depends | paste -sd, -)
        mmdebstrap --quiet --variant=buildd --include="$pkgs,fakeroot,lintian" \
                --dpkgopt='path-exclude=/usr/share/man/*' \
                --dpkgopt='path-exclude=/usr/share/doc/*' \
                --dpkgopt='path-exclude=/usr/share/locale/*' \
                --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*' \
                "$dist" "$tmp/root" ${src:+"$src"} >&2
        mv "$tmp/root" "$out"
        rm -rf "$tmp"
        trap - EXIT
        find "$DAXTIER_VM_CACHE" -maxdepth 1 -name "buildroot-$dist-*" ! -path "$out" -mtime +7 \
                -exec rm -rf {} +
        note "$dist build chroot: $(( $(date +%s) - start )) s"
}

main() {
        mkdir -p "$DAXTIER_VM_CACHE"
        case "${1:-all}" in
        rootfs) build_rootfs "${2:-bookworm}" ;;
        rootfs-path) rootfs_path "${2:-bookworm}" ;;
        kernel) fetch_kernel "${2:?series}" ;;
        buildroot) build_buildroot "${2:?distribution}" ;;
        buildroot-path) buildroot_path "${2:?distribution}" ;;
        nfit-test) build_nfit_test "${2:-6.12}" ;;
        all) for d in $DISTS_ALL; do build_rootfs "$d"; done; for k in $KERNELS_ALL; do fetch_kernel "$k"; done ;;
        *) die "usage: prepare.sh [rootfs [DIST]|rootfs-path [DIST]|kernel SERIES|buildroot DIST|buildroot-path DIST|nfit-test [SERIES]|all]" ;;
        esac
}

# Only one builder at a time; the lock is released when we exit.
[ "${VM_LOCKED:-0}" = 1 ] || vm_lock
main "$@"
