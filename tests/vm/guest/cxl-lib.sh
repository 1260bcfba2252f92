# cxl-lib.sh: guest helpers for scenarios with emulated CXL memory
# (# vm-cxl:, see tests/vm/qemu.sh); sourced by such scenarios after lib.sh:
#   . /usr/lib/daxtier-test/cxl-lib.sh
# shellcheck shell=bash
#
# Topology:   cxl_memdevs                 memN names, one a line
#             cxl_host_bridge_of MEM      its host bridge id (root decoders' target_list)
#             cxl_dax_zones               zones of every CXL dax device's blocks
#             cxl_endpoints_ready N       N memdevs have endpoints (for wait_for)
#             cxl_serial MEM              its serial, as a number (161)
#             cxl_mem_of_serial SERIAL    memN whose serial is SERIAL (0xa1)
#             cxl_endpoint_of MEM         its endpoint port (endpointN)
#             cxl_next_decoder MEM        the endpoint decoder a new region
#                                         must use next (decoders are
#                                         allocated in order)
#             cxl_root_decoders           root decoders that can hold RAM
#             cxl_region_dax REGION       the dax device of a region
#             cxl_regions                 regionN names, one a line
# Regions:    cxl_create_ram_region ROOT GRANULARITY PER_DEVICE MEM...
#             creates, commits and binds a RAM region through sysfs (the
#             way an administrator without a new enough cxl tool does,
#             for regions that are not daxtierd's); prints its name
# Poison:     host_cxl_poison QEMU_ID DPA LENGTH   the host injects poison
#             (QMP cxl-inject-poison) into QEMU's device cxl-memK
#             cxl_poison_list MEM          triggers the memdev's poison
#             list and prints the cxl_poison events, one a line
#             (dpa=... dpa_length=... source=... hpa=... region=...)

CXL_SYS=/sys/bus/cxl/devices

cxl_memdevs() { ls "$CXL_SYS" | grep '^mem[0-9]*$' | sort -V; }

cxl_serial() { printf '%d\n' "$(cat "$CXL_SYS/$1/serial")"; }

cxl_mem_of_serial() {
        local m want
        want=$(printf '%d' "$1")
        for m in $(cxl_memdevs); do
                [ "$(cxl_serial "$m")" = "$want" ] && { echo "$m"; return 0; }
        done
        return 1
}

cxl_endpoint_of() {
        local e
        for e in "$CXL_SYS"/endpoint*; do
                [ "$(basename "$(readlink -f "$e/uport")")" = "$1" ] && { basename "$e"; return 0; }
        done
        return 1
}

cxl_next_decoder() {
        local ep d id last=-1 first=""
        ep=$(cxl_endpoint_of "$1") || return 1
        for d in $(ls -d "$CXL_SYS/$ep"/decoder*.* | sort -V); do
                id=${d##*.}
                [ -z "$first" ] && first=$id
                [ $(($(cat "$d/dpa_size"))) -gt 0 ] && last=$id
        done
        d=$(basename "$(ls -d "$CXL_SYS/$ep"/decoder*.* | sort -V | head -n1)")
        echo "${d%.*}.$((last + 1))"
}

cxl_root_decoders() {
        local d
        for d in "$CXL_SYS"/root*/decoder*; do
                [ "$(cat "$d/cap_ram" 2>/dev/null)" = 1 ] && basename "$d"
        done
}

cxl_regions() { ls "$CXL_SYS" | grep '^region[0-9]*$' | sort -V; }

cxl_region_dax() {
        local d
        for d in /sys/bus/dax/devices/*; do
                readlink -f "$d" | grep -q "/$1/dax_region" && { basename "$d"; return 0; }
        done
        return 1
}

cxl_create_ram_region() {
        local root=$1 gran=$2 per=$3 region ways i=0 m dec
        shift 3
        ways=$#
        region=$(cat "$CXL_SYS/$root/create_ram_region") || return 1
        echo "$region" >"$CXL_SYS/$root/create_ram_region" || return 1
        echo "$gran" >"$CXL_SYS/$region/interleave_granularity" || return 1
        echo "$ways" >"$CXL_SYS/$region/interleave_ways" || return 1
        for m in "$@"; do
                dec=$(cxl_next_decoder "$m") || return 1
                echo ram >"$CXL_SYS/$dec/mode" || return 1
                echo "$per" >"$CXL_SYS/$dec/dpa_size" || return 1
        done
        echo $((per * ways)) >"$CXL_SYS/$region/size" || return 1
        for m in "$@"; do
                dec=$(cxl_next_decoder "$m")
                # the decoder just sized is the one before the next free one
                dec="${dec%.*}.$((${dec##*.} - 1))"
                echo "$dec" >"$CXL_SYS/$region/target$i" || return 1
                i=$((i + 1))
        done
        echo 1 >"$CXL_SYS/$region/commit" || return 1
        echo "$region" >/sys/bus/cxl/drivers/cxl_region/bind 2>/dev/null || true
        echo "$region"
}

host_cxl_poison() { host_request cxl-poison "$1" "$(printf '0x%x' "$(($2))")" "$(($3))"; }
# host_cxl_media_event cxl-memK DPA: a General Media Event (uncorrectable
# ECC error) for DPA in the device's Failure event log (qemu.sh).
host_cxl_media_event() { host_request cxl-media-event "$1" "$(printf '0x%x' "$(($2))")"; }

cxl_poison_list() {
        local t=/sys/kernel/tracing/instances/daxtier-test
        mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing
        [ -d "$t" ] || mkdir "$t"
        echo 1 >"$t/events/cxl/cxl_poison/enable"
        : >"$t/trace"
        echo 1 >"$CXL_SYS/$1/trigger_poison_list"
        sleep 0.5
        grep -o 'cxl_poison: .*' "$t/trace" | sed 's/^cxl_poison: //'
        echo 0 >"$t/events/cxl/cxl_poison/enable"
}

# cxl_host_bridge_of MEM: the host bridge id (as root decoders' target_list
# name it) above MEM: root0's dportN that links where MEM's endpoint's
# parent port has its uport.
cxl_host_bridge_of() {
        local ep port up d
        ep=$(cxl_endpoint_of "$1") || return 1
        port=$(basename "$(dirname "$(readlink -f "$CXL_SYS/$ep")")")
        up=$(readlink -f "$CXL_SYS/$port/uport")
        for d in "$CXL_SYS"/root*/dport*; do
                [ "$(readlink -f "$d")" = "$up" ] && { basename "$d" | sed 's/^dport//'; return 0; }
        done
        return 1
}

# cxl_dax_zones: the zone (or "offline") of every block of every dax
# device under a CXL region, one a line.
cxl_dax_zones() {
        local d
        for d in /sys/bus/dax/devices/*; do
                readlink -f "$d" | grep -q '/region[0-9]*/dax_region' && dax_zones "$(basename "$d")"
        done
}

# cxl_endpoints_ready N: at least N memdevs have their endpoint port (the
# cxl_mem driver has probed them), for wait_for.
cxl_endpoints_ready() { [ "$(ls -d "$CXL_SYS"/endpoint* 2>/dev/null | wc -l)" -ge "$1" ]; }
