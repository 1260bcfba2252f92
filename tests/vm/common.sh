# Shared settings of the host side of the VM harness; sourced, not run.
# shellcheck shell=bash

: "${DAXTIER_VM_CACHE:=/var/cache/daxtierd-vm}"
VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KERNELS_ALL="6.1 6.12 7.3"
DISTS_ALL="bookworm trixie"
# The test matrix: guest distribution / kernel series.  CELLS_DEFAULT is
# what make check runs (DAXTIER_VM_CELLS overrides); trixie/6.12 boots
# trixie on bookworm-backports' 6.12 kernel, on request.
CELLS_DEFAULT="bookworm/6.1 bookworm/6.12 trixie/7.3"
CELLS_ALL="$CELLS_DEFAULT trixie/6.12"

# cell_dist CELL, cell_kernel CELL: the parts of DIST/KERNEL; a bare
# KERNEL is the cell of that kernel's own distribution (6.1 and 6.12:
# bookworm, 7.3: trixie).
cell_kernel() { echo "${1#*/}"; }
cell_dist() {
        case "$1" in
        */*) echo "${1%%/*}" ;;
        7.*) echo trixie ;;
        *) echo bookworm ;;
        esac
}

die() { echo "vm: $*" >&2; exit 1; }
note() { echo "vm: $*" >&2; }

# The Debian mirror is whatever the host's apt sources name: read it at
# run time so that no host name is ever written into the repository.
vm_mirror() {
        local f uri
        for f in /etc/apt/sources.list.d/*.sources; do
                [ -f "$f" ] || continue
                uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$f")
                [ -n "$uri" ] && { echo "$uri"; return 0; }
        done
        for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
                [ -f "$f" ] || continue
                uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\// && $i !~ /security/) { print $i; exit } }' "$f")
                [ -n "$uri" ] && { echo "$uri"; return 0; }
        done
        return 1
}

# vm_lock: a guest slot, held until the process exits.  DAXTIER_VM_SLOTS
# (default 1) guests may run at once: slot 0 is the lock file .lock, slot
# N .lockN.  With one slot this serialises everything that boots a guest
# or builds an image, and a caller that holds .lock for a batch of guests
# (VM_LOCKED=1 in their environment) runs them back to back.
vm_lock() {
        local slots=${DAXTIER_VM_SLOTS:-1} i f
        mkdir -p "$DAXTIER_VM_CACHE"
        case "$slots" in ''|*[!0-9]*|0) die "DAXTIER_VM_SLOTS must be a positive number, not '$slots'" ;; esac
        if [ "$slots" = 1 ]; then
                exec {VM_LOCK_FD}>"$DAXTIER_VM_CACHE/.lock"
                flock "$VM_LOCK_FD"
                return 0
        fi
        while :; do
                for ((i = 0; i < slots; i++)); do
                        f=$DAXTIER_VM_CACHE/.lock
                        [ "$i" = 0 ] || f=$f$i
                        exec {VM_LOCK_FD}>"$f"
                        flock -n "$VM_LOCK_FD" && return 0
                        exec {VM_LOCK_FD}>&-
                done
                sleep 1
        done
}

# vm_prep_lock, vm_prep_unlock: around what fills the shared caches (images,
# kernels, packages), which guests in other slots may be filling too.
vm_prep_lock() {
        mkdir -p "$DAXTIER_VM_CACHE"
        exec {VM_PREP_FD}>"$DAXTIER_VM_CACHE/.prep.lock"
        flock "$VM_PREP_FD"
}
vm_prep_unlock() { exec {VM_PREP_FD}>&-; }
