#!/bin/bash
# build-deb.sh: build daxtierd's Debian package for a guest distribution,
# once per source state, and print the path of the .deb.
#
# Usage: build-deb.sh [--upgrade] DIST
#   DIST       bookworm: dpkg-buildpackage on the host (Debian 12, build
#              dependencies from scripts/setup-debian.sh);
#              trixie: in the cached trixie build chroot (prepare.sh
#              buildroot trixie), against trixie's libraries
#   --upgrade  the same source with a higher version (VERSION+upgrade1, a
#              changelog entry added in the copy) and one more comment line
#              in the shipped /etc/daxtierd.conf: what the package scenario
#              upgrades to (built with DEB_BUILD_OPTIONS=nocheck)
#
# The package is built from a copy of the source tree (git's tracked and
# untracked-but-not-ignored files as they are in the work tree, or a
# `make dist` tarball outside git), never in the tree itself.  Results go
# to $DAXTIER_DEB_DIR (default BUILDDIR/tests/vm/debs)/DIST[-upgrade]/
# with the build log, lintian.txt (lintian --pedantic of the package, by
# the host's lintian for bookworm, the chroot's for trixie; an error
# fails the build) and a key (a hash of the source state): the same key
# reuses the package.  Progress notes go to stderr.
set -euo pipefail
. "$(dirname "$0")/common.sh"
# Called from a scenario that `make check` runs: make's variables
# (TEST_LOGS=... of check-TESTS among them) travel in MAKEFLAGS and would
# make the package's own `make check` run the QEMU scenarios too.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

upgrade=0
if [ "${1:-}" = --upgrade ]; then
        upgrade=1
        shift
fi
[ $# -eq 1 ] || die "usage: build-deb.sh [--upgrade] DIST"
dist=$1
case " $DISTS_ALL " in *" $dist "*) ;; *) die "unknown distribution '$dist' (known: $DISTS_ALL)" ;; esac

srcdir=$(cd "$VM_DIR/../.." && pwd)
builddir=${DAXTIER_BUILDDIR:-$srcdir}
flavour=$dist
[ "$upgrade" = 1 ] && flavour=$dist-upgrade
out=${DAXTIER_DEB_DIR:-$builddir/tests/vm/debs}/$flavour

# The source state: what git sees (index, work tree changes, untracked
# files), or the mtimes of the tree outside git.  bench/ is left out: the
# package never contains it, and make bench rewrites its results, which
# would otherwise build the package again.
source_files() {
        git -C "$srcdir" ls-files -z --cached --others --exclude-standard |
                while IFS= read -r -d '' f; do
                        [ -e "$srcdir/$f" ] && [ "${f#tests/vm/results/}" = "$f" ] &&
                                [ "${f#tests/vm/debs/}" = "$f" ] && [ "${f#bench/}" = "$f" ] &&
                                printf '%s\0' "$f"
                done
}
source_key() {
        {
                echo "$flavour"
                if git -C "$srcdir" rev-parse --git-dir >/dev/null 2>&1; then
                        (cd "$srcdir" && source_files | xargs -0 -r sha256sum --)
                else
                        find "$srcdir" -path "$srcdir/tests/vm/results" -prune -o -type f -printf '%P %T@\n' | sort
                fi
                [ "$dist" = bookworm ] || VM_LOCKED=1 "$VM_DIR/prepare.sh" buildroot-path "$dist"
        } | sha256sum | cut -c1-16
}

# copy_source DIR: the source tree into DIR.
copy_source() {
        local dir=$1 tarball
        mkdir -p "$dir"
        if git -C "$srcdir" rev-parse --git-dir >/dev/null 2>&1; then
                (cd "$srcdir" && source_files | tar --null -T - -cf -) | tar -C "$dir" -xf -
        else
                [ -f "$builddir/Makefile" ] || die "outside git the package is built from make dist: configure $builddir first"
                make -s -C "$builddir" dist-gzip >&2
                tarball=$(ls -t "$builddir"/daxtierd-*.tar.gz | head -n1)
                tar -C "$dir" --strip-components=1 -xzf "$tarball"
        fi
}

# bump DIR: a changelog entry with a higher version, and a changed
# shipped configuration (so that dpkg meets an edited conffile whose
# shipped version changed as well).
bump() {
        local dir=$1 name version maint
        name=$(dpkg-parsechangelog -l "$dir/debian/changelog" -S Source)
        version=$(dpkg-parsechangelog -l "$dir/debian/changelog" -S Version)
        maint=$(dpkg-parsechangelog -l "$dir/debian/changelog" -S Maintainer)
        {
                echo "$name (${version}+upgrade1) unstable; urgency=medium"
                echo
                echo "  * Test rebuild with a higher version (tests/vm/build-deb.sh --upgrade)."
                echo
                echo " -- $maint  $(date -R)"
                echo
                cat "$dir/debian/changelog"
        } >"$dir/debian/changelog.new"
        mv "$dir/debian/changelog.new" "$dir/debian/changelog"
        echo "# (upgrade test: the shipped file changed in this version)" >>"$dir/conf/daxtierd.conf"
}

main() {
        local key tmp version start root rel opts deb
        key=$(source_key)
        deb=$(ls "$out"/daxtierd_*.deb 2>/dev/null | head -n1 || true)
        if [ -n "$deb" ] && [ "$(cat "$out/key" 2>/dev/null)" = "$key" ]; then
                echo "$deb"
                return 0
        fi
        start=$(date +%s)
        # debhelper builds (and runs the unit tests) in parallel only when
        # asked to.
        opts="parallel=$(nproc)"
        [ "$upgrade" = 1 ] && opts="$opts nocheck"
        if [ "$dist" = bookworm ]; then
                command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null ||
                        die "dpkg-buildpackage and debhelper are not installed (scripts/setup-debian.sh)"
                tmp=$(mktemp -d "${TMPDIR:-/tmp}/daxtier-deb.XXXXXX")
                rel=$tmp
        else
                VM_LOCKED=1 "$VM_DIR/prepare.sh" buildroot "$dist"
                root=$(VM_LOCKED=1 "$VM_DIR/prepare.sh" buildroot-path "$dist")
                mkdir -p "$root/build"
                tmp=$(mktemp -d "$root/build/daxtier-deb.XXXXXX")
                rel=/build/${tmp##*/}
        fi
        # shellcheck disable=SC2064
        trap "rm -rf '$tmp'" EXIT
        version=$(dpkg-parsechangelog -l "$srcdir/debian/changelog" -S Version)
        copy_source "$tmp/daxtierd-${version%-*}"
        [ "$upgrade" = 1 ] && bump "$tmp/daxtierd-${version%-*}"
        note "building the $flavour package of daxtierd (about a minute)"
        local cmd="cd $rel/daxtierd-${version%-*} && DEB_BUILD_OPTIONS='$opts' dpkg-buildpackage -us -uc -b"
        if [ "$dist" = bookworm ]; then
                if ! bash -c "$cmd" >"$tmp/build.log" 2>&1; then
                        tail -n 40 "$tmp/build.log" >&2
                        die "dpkg-buildpackage failed for $flavour"
                fi
        else
                # A mount namespace of its own: /proc and /dev for the
                # chroot, gone when the build ends.
                if ! unshare --mount --propagation private -- bash -c '
                        mount -t proc proc "$1/proc" && mount --rbind /dev "$1/dev" && chroot "$1" /bin/bash -c "$2"
                        ' build "$root" "$cmd" >"$tmp/build.log" 2>&1; then
                        tail -n 40 "$tmp/build.log" >&2
                        die "dpkg-buildpackage failed for $flavour in $root"
                fi
        fi
        # lintian: errors fail, the rest is kept in lintian.txt.
        local lint="cd $rel && lintian --pedantic --display-info daxtierd_*.deb"
        if [ "$dist" = bookworm ]; then
                bash -c "$lint" >"$tmp/lintian.txt" 2>&1 || true
        else
                unshare --mount --propagation private -- bash -c '
                        mount -t proc proc "$1/proc" && mount --rbind /dev "$1/dev" && chroot "$1" /bin/bash -c "$2"
                        ' lint "$root" "$lint" >"$tmp/lintian.txt" 2>&1 || true
        fi
        if grep -q '^E: ' "$tmp/lintian.txt"; then
                cat "$tmp/lintian.txt" >&2
                die "lintian found errors in the $flavour package"
        fi
        rm -rf "$out"
        mkdir -p "$out"
        cp "$tmp"/*.deb "$tmp/build.log" "$tmp/lintian.txt" "$out/"
        cp "$tmp"/*.buildinfo "$tmp"/*.changes "$out/" 2>/dev/null || true
        echo "$key" >"$out/key"
        rm -rf "$tmp"
        trap - EXIT
        deb=$(ls "$out"/daxtierd_*.deb | head -n1)
        note "$flavour package: ${deb##*/} in $(( $(date +%s) - start )) s; lintian: $(grep -c '^W: ' "$out/lintian.txt") warnings"
        echo "$deb"
}

[ "${VM_LOCKED:-0}" = 1 ] || vm_lock
main
