# lib.sh: helpers for scenarios running inside the test guest; sourced.
# shellcheck shell=bash
#
# TAP:        ok "desc" | not_ok "desc" [details] | skip "desc" "why"
#             check "desc" COMMAND...      ok if COMMAND succeeds
#             assert_eq "desc" EXPECTED GOT
#             assert_ge "desc" MINIMUM GOT  (integers)
#             assert_match "desc" REGEX GOT
#             diag "text"
# Waiting:    wait_for SECONDS COMMAND...   polls every 0.2 s; 0 when met
# NVDIMMs:    create_devdax REGION SIZE [NAME]   prints the new dax device
#             init_labels                         labels every NVDIMM
#             init_labels_of REGION...            labels the NVDIMMs of these regions
#             region_of_size BYTES                the region of that size
#             region_namespaces REGION            its namespaces with a size, JSON lines
# Memory:     node_memtotal_kb NODE
#             dax_blocks DEV          memory block numbers of a dax device
#             dax_online_blocks DEV   how many of them are online
#             dax_zones DEV           "Movable" etc., one line per block
#             dax_attr DEV ATTR       cat /sys/bus/dax/devices/DEV/ATTR
# Journal:    dt_records [--since CURSOR] [FIELD=VALUE...]  JSON lines
#             dt_field FIELD [--since CURSOR] [FIELD=VALUE...]
#             dt_count [--since CURSOR] [FIELD=VALUE...]
#             dt_count_ge N [--since CURSOR] [FIELD=VALUE...]  for wait_for
#             dt_transitions DEV [--since CURSOR]   "from>to ..."
#             journal_cursor                        for --since
#             MID_*: the MESSAGE_IDs of daxtierd's record kinds
# Daemon:     daxtierd_state DEV     the last DAXTIER_TO/STATE of a device
#             state_is DEV STATE, write_config < conf, all_blocks_in DEV ZONE
# nfit_test:  nfit_test_setup        (# vm-nfit-test: yes) loads nfit_test,
#                                    waits for its first scrub and labels
#                                    nfit_test.0's DIMMs
#             nfit_regions [BUS]     pmem regions of a bus (nfit_test.0)
#             nfit_devdax REGION SIZE   a devdax namespace (-a 4k); prints
#                                    its dax device
# Buses:      nd_bus PROVIDER        ndbusN of "ACPI.NFIT", "nfit_test.0"...
#             bus_regions PROVIDER   its regions
#             dax_namespace DEV      the namespace of a pmem dax device
#             region_badblocks REGION  its badblocks file
#             badblocks_sectors REGION how many 512-byte sectors it lists
#             badblocks_at_least REGION N, no_badblocks REGION  (for wait_for)
# Host:       host_mce PHYSADDR      the host injects a machine check (memory
#                                    error at PHYSADDR; # vm-mce: yes) and
#                                    answers; fails after 30 s without one
# D-Bus:      bus_error [--user USER] DBUS-SEND-ARGS...  the error name of
#                                    daxtierd's answer, "ok" or "client-refused"
#             dbus_call_loop [--user USER] MIN_S MIN_CALLS MAX_S CALL...
#                                    a flood of calls from one connection;
#                                    prints "CALLS RETURNS ERRORS"
#             vm_rss_kb PID          VmRSS of a process in KiB


TEST_STATE=/run/daxtier-test
mkdir -p "$TEST_STATE"
[ -f "$TEST_STATE/count" ] || echo 0 >"$TEST_STATE/count"
[ -f "$TEST_STATE/failed" ] || echo 0 >"$TEST_STATE/failed"

# Under TCG every program started costs some 150 ms (jq 1.6: about
# 900 ms), so the helpers below that run for every check or in loops use
# the shell's builtins, and one awk where they must filter.
_tap_next() {
        local n
        read -r n <"$TEST_STATE/count"
        n=$((n + 1))
        echo "$n" >"$TEST_STATE/count"
        echo "$n"
}

# _prefix PREFIX TEXT: each line of TEXT after PREFIX.
_prefix() {
        local line
        while IFS= read -r line; do
                printf '%s%s\n' "$1" "$line"
        done <<<"$2"
}

ok() { echo "ok $(_tap_next) - $1"; }

not_ok() {
        local failed line
        echo "not ok $(_tap_next) - $1"
        read -r failed <"$TEST_STATE/failed"
        echo $((failed + 1)) >"$TEST_STATE/failed"
        shift
        for line in "$@"; do
                _prefix '#   ' "$line"
        done
        return 0
}

skip() { echo "ok $(_tap_next) - $1 # SKIP $2"; }

diag() { _prefix '# ' "$*"; }

check() {
        local desc=$1 out
        shift
        if out=$("$@" 2>&1); then
                ok "$desc"
        else
                not_ok "$desc" "command failed: $*" "$out"
        fi
}

assert_eq() {
        if [ "$2" = "$3" ]; then
                ok "$1"
        else
                not_ok "$1" "expected: $2" "     got: $3"
        fi
}

assert_ge() {
        if [ -n "$3" ] && [ "$3" -ge "$2" ] 2>/dev/null; then
                ok "$1"
        else
                not_ok "$1" "expected at least: $2" "               got: $3"
        fi
}

assert_match() {
        if [[ "$3" =~ $2 ]]; then
                ok "$1"
        else
                not_ok "$1" "expected to match: $2" "              got: $3"
        fi
}

done_testing() {
        local n
        read -r n <"$TEST_STATE/count"
        echo "1..$n"
}

wait_for() {
        local timeout=$1 deadline
        shift
        deadline=$((${EPOCHREALTIME/./} + timeout * 1000000))
        while ! "$@" >/dev/null 2>&1; do
                [ "${EPOCHREALTIME/./}" -lt "$deadline" ] || return 1
                sleep 0.2
        done
        return 0
}

init_labels() {
        ndctl disable-region all >/dev/null
        ndctl init-labels -f all >/dev/null
        ndctl enable-region all >/dev/null
}

# region_of_size SIZE: the NVDIMM region of SIZE bytes (region numbers,
# and the nodes Linux numbers, need not follow the order of the NVDIMMs).
region_of_size() {
        local r
        for r in /sys/bus/nd/devices/region*; do
                [ "$(cat "$r/size" 2>/dev/null)" = "$1" ] && { basename "$r"; return 0; }
        done
        return 1
}

# init_labels_of REGION...: labels only the DIMMs of these regions; the
# others stay label-less.
init_labels_of() {
        local r dimms=""
        for r in "$@"; do
                dimms="$dimms $(ndctl list -D -r "$r" | jq -r '.[].dev')"
                ndctl disable-region "$r" >/dev/null
        done
        # shellcheck disable=SC2086
        ndctl init-labels -f $dimms >/dev/null
        for r in "$@"; do
                ndctl enable-region "$r" >/dev/null
        done
}

# create_devdax REGION SIZE [NAME]: a new devdax namespace; prints its dax
# device name once the dax device exists.
create_devdax() {
        local region=$1 size=$2 name=${3:-} json dev
        json=$(ndctl create-namespace --region="$region" --mode=devdax --size="$size" \
                ${name:+--name="$name"} 2>/dev/null) || return 1
        dev=$(jq -r '.daxregion.devices[0].chardev' <<<"$json")
        wait_for 20 test -e "/sys/bus/dax/devices/$dev" || return 1
        echo "$dev"
}

# region_namespaces REGION: the namespaces of a region that hold capacity,
# as JSON lines {dev, size, name, resource} read from sysfs (size in bytes).
region_namespaces() {
        local d size name res
        for d in /sys/bus/nd/devices/"$1"/namespace*.*; do
                [ -e "$d/size" ] || continue
                read -r size <"$d/size"
                [ "$size" != 0 ] || continue
                name="" res=""
                IFS= read -r name <"$d/alt_name" 2>/dev/null || :
                read -r res <"$d/resource" 2>/dev/null || :
                name=${name//\\/\\\\}
                name=${name//\"/\\\"}
                printf '{"dev":"%s","size":%d,"name":"%s","resource":"%s"}\n' "${d##*/}" "$size" "$name" "$res"
        done
}

# create_devdax_full REGION: reconfigure the region's whole (label-less)
# namespace as devdax, as a user without labels would.
create_devdax_full() {
        local region=$1 json dev ns
        ns=$(ndctl list -r "$region" -N | jq -r '.[0].dev')
        json=$(ndctl create-namespace -f -e "$ns" --mode=devdax 2>/dev/null) || return 1
        dev=$(jq -r '.daxregion.devices[0].chardev' <<<"$json")
        wait_for 20 test -e "/sys/bus/dax/devices/$dev" || return 1
        echo "$dev"
}

node_memtotal_kb() {
        awk '/MemTotal/ { print $4 }' "/sys/devices/system/node/node$1/meminfo" 2>/dev/null || echo 0
}

dax_attr() { cat "/sys/bus/dax/devices/$1/$2"; }

block_size() {
        local bs
        read -r bs </sys/devices/system/memory/block_size_bytes
        echo $((16#$bs))
}

# The memory blocks wholly inside the device's ranges, as kmem adds them.
dax_blocks() {
        local dev=/sys/bus/dax/devices/$1 bs start end m b found=0
        read -r bs </sys/devices/system/memory/block_size_bytes
        bs=$((16#$bs))
        # mappingN/ directories; a dynamic device also has a file "mapping".
        for m in "$dev"/mapping[0-9]*; do
                [ -d "$m" ] || continue
                found=1
                read -r start <"$m/start"
                read -r end <"$m/end"
                start=$((start)) end=$((end + 1))
                for ((b = (start + bs - 1) / bs; b <= end / bs - 1; b++)); do echo "$b"; done
        done
        if [ "$found" = 0 ]; then
                read -r start <"$dev/resource"
                read -r end <"$dev/size"
                start=$((start)) end=$((start + end))
                for ((b = (start + bs - 1) / bs; b <= end / bs - 1; b++)); do echo "$b"; done
        fi
}

# _block_state N: the state of memory block N ("" when it is not there).
_block_state() {
        _state=""
        [ -e "/sys/devices/system/memory/memory$1/state" ] &&
                read -r _state <"/sys/devices/system/memory/memory$1/state" 2>/dev/null
        return 0
}

dax_online_blocks() {
        local b n=0 _state
        for b in $(dax_blocks "$1"); do
                _block_state "$b"
                [ "$_state" = online ] && n=$((n + 1))
        done
        echo "$n"
}

dax_zones() {
        local b z _state
        for b in $(dax_blocks "$1"); do
                _block_state "$b"
                if [ "$_state" = online ]; then
                        read -r z <"/sys/devices/system/memory/memory$b/valid_zones"
                        echo "$z"
                else
                        echo offline
                fi
        done
}

dax_driver() {
        local l
        l=$(readlink "/sys/bus/dax/devices/$1/driver" 2>/dev/null) || { echo none; return 0; }
        echo "${l##*/}"
}

# The journal helpers below read `journalctl -o json`, one compact
# object per line ("FIELD":"value"), and select with one awk: a record
# matches when each FIELD=VALUE appears in it as "FIELD":"VALUE", which
# is exact in that form (a quote inside a value is escaped).  Without a
# cursor, journalctl's own index picks the records by the same matches
# first.  No journalctl match with --after-cursor: systemd 252 then skips
# the first matching record after the cursor.
# JGET_AWK: an awk function for scenarios' own programs over such lines:
# jget("FIELD") is 1 when the line has FIELD as a string, its value
# (unescaped) then in V.
JGET_AWK='
function jget(k,   i, n, c, r, h, v, j) {
        i = index($0, "\"" k "\":\"")
        if (!i) return 0
        i += length(k) + 4
        n = length($0)
        r = ""
        for (; i <= n; i++) {
                c = substr($0, i, 1)
                if (c == "\"") { V = r; return 1 }
                if (c == "\\") {
                        c = substr($0, ++i, 1)
                        if (c == "n") c = "\n"
                        else if (c == "t") c = "\t"
                        else if (c == "r") c = "\r"
                        else if (c == "u") {
                                h = tolower(substr($0, i + 1, 4))
                                v = 0
                                for (j = 1; j <= 4; j++) v = v * 16 + index("0123456789abcdef", substr(h, j, 1)) - 1
                                c = v < 128 ? sprintf("%c", v) : "\\u" h
                                i += 4
                        }
                }
                r = r c
        }
        return 0
}'
_DT_AWK=$JGET_AWK'
BEGIN { np = split(ENVIRON["DT_PATS"], P, "\034") - 1 }
{
        for (p = 1; p <= np; p++)
                if (!index($0, P[p])) next
        if (mode == "records") print
        else if (mode == "count") cnt++
        else if (mode == "field") { if (jget(field)) print V }
        else if (mode == "state") { if (jget("DAXTIER_TO") || jget("DAXTIER_STATE")) { last = V; seen = 1 } }
        else if (mode == "transitions" && jget("DAXTIER_FROM")) {
                f = V
                V = ""
                jget("DAXTIER_TO")
                out = out (out == "" ? "" : " ") f ">" V
        }
}
END {
        if (mode == "count") print cnt + 0
        else if (mode == "state" && seen) print last
        else if (mode == "transitions") print out
}'

# _dt_scan MODE FIELD [--since CURSOR] [FIELD=VALUE...]
_dt_scan() {
        local mode=$1 field=$2 since="" kv v pats=""
        shift 2
        if [ "${1:-}" = --since ]; then
                since=$2
                shift 2
        fi
        local -a matches=(_SYSTEMD_UNIT=daxtierd.service "$@")
        for kv in "${matches[@]}"; do
                v=${kv#*=}
                v=${v//\\/\\\\}
                v=${v//\"/\\\"}
                pats+="\"${kv%%=*}\":\"$v\""$'\034'
        done
        if [ -n "$since" ]; then
                journalctl -q -o json --no-pager --after-cursor="$since" 2>/dev/null
        else
                journalctl -q -o json --no-pager "${matches[@]}" 2>/dev/null
        fi | DT_PATS=$pats awk -v mode="$mode" -v field="$field" "$_DT_AWK"
}

# dt_records [--since CURSOR] [FIELD=VALUE...]: daxtierd's journal records
# (one JSON object per line) in which every FIELD equals VALUE.
dt_records() { _dt_scan records "" "$@"; }

# dt_field FIELD [--since CURSOR] [FIELD=VALUE...]: that field of each record.
dt_field() {
        local field=$1
        shift
        _dt_scan field "$field" "$@"
}

# dt_count [--since CURSOR] [FIELD=VALUE...]
dt_count() { _dt_scan count "" "$@"; }

# dt_count_ge N [--since CURSOR] [FIELD=VALUE...]: at least N such records.
# For wait_for, which runs its command again each time: a "$(dt_count ...)"
# among wait_for's arguments would be counted once, before waiting.
dt_count_ge() {
        local n=$1
        shift
        [ "$(dt_count "$@")" -ge "$n" ]
}

# dt_transitions DEV [--since CURSOR]: "from>to from>to ..." of a device.
dt_transitions() {
        local dev=$1
        shift
        _dt_scan transitions "" "$@" DAXTIER_DEVICE="$dev"
}

# The state daxtierd last recorded for a device: DAXTIER_TO of its last
# transition, or DAXTIER_STATE of its "found" record.
daxtierd_state() { _dt_scan state "" DAXTIER_DEVICE="$1"; }

state_is() { [ "$(daxtierd_state "$1")" = "$2" ]; }

# Writes the daemon's configuration from stdin.
write_config() { cat >/etc/daxtierd.conf; }

# A cursor for "records since now" checks.
journal_cursor() { journalctl -n 1 -o export --no-pager | sed -n 's/^__CURSOR=//p'; }

# The MESSAGE_IDs of daxtierd's record kinds (catalog/daxtierd.catalog).
MID_FOUND=45b4f1ae89c6485d9657931e7640c45d
MID_TRANSITION=36cc4317794f4e698ed89ea14c71e185
MID_ONLINE=054c184d721947bdb50c6e84a3dfcd58
MID_DEVDAX=0c53fcd9c1804df59e4144dcac0ce24c
MID_UNMANAGED=3706ca1e379944ea92c0e907bf99d722
MID_REFUSED=4c64a2b54e4045a79d60bfcfd1fe0624
MID_FAILED=bc340585fe904f42b131634e0dcb5b57
MID_REZONED=ce03c6bdaeb24cbdade2bed37989381c
MID_AUTO_ONLINE=aa8522a1350b41a68a386c24cf5c4bcc
MID_MEMMAP=ad9bf17ea3c641ad86a46550e501df4d
MID_BLOCK_STUCK=4473891df382414185e91a4611ef210b
MID_POLICY_LOADED=6870fcbc8c824e2c9cef24c261fd2978
MID_POLICY_REJECTED=fdb30883a1ea4bc09448c851a74ae7e8
MID_CONFIG_ERROR=a075839f9728447f9653f0e0231054e7
MID_REGION_CARVED=9f3918ea5efc4dd299712e25ffa015d9
MID_REGION_SATISFIED=d8895de84b84419bb89121cbf1fb869a
MID_REGION_REFUSED=4d46da31990a4d10a0422ffa75a5d5ce
MID_REGION_FAILED=bd6d71c0688747b79352e9dd21e200b1
MID_CXL_REGION_CREATED=a304cc6a7e454d0aada7b398ee94a2a8

# Every block of DEV online in ZONE ("Movable"/"Normal")?
all_blocks_in() {
        local dev=$1 zone=$2 z n=0
        for z in $(dax_zones "$dev"); do
                [ "$z" = "$zone" ] || return 1
                n=$((n + 1))
        done
        [ "$n" -gt 0 ]
}
MID_SECURITY_PASSED=9b3f2c61d5a84e0fa1c7e2d4b6a80f13
MID_SECURITY_LOST=e41c7a9d2b5f4c8e9a3d6b1f0c2e7a54
MID_SCRUB_DONE=7ce4fd2c79704d2faff3b4e156570dcb
MID_SCRUB_UNSUPPORTED=f7df9ec8064e4535abd53ce2513f20b7
MID_SCRUB_FAILED=918209cfc28c42868cb448977c7bda5e
MID_SCRUB_TIMED_OUT=1d6abcef9b8048cbbf571fdb5ee49220
MID_POISON_CLEARED=4d17e8ee02aa4e8a86769b01ac594778
MID_POISON_SKIPPED=0b81a6aa54044cfcb72aae103f104f03
MID_RUNTIME_POISON=4dcb1c0ce5474b00a7a6a5b016ce0a21
MID_TIERING_KNOB=49744dd9302742ccad6727eea0fb5563
MID_TIERING_UNSUPPORTED=b951e19ca6fa4a29b7954f5e588fa15f


# ndctl prints one object where there is one, else an array: always lines.
nd_items() { jq -c 'if type == "array" then .[] else . end'; }

# nd_bus PROVIDER: the bus device (ndbusN) of a provider.
nd_bus() {
        local b
        for b in /sys/bus/nd/devices/ndbus*; do
                [ "$(cat "$b/provider" 2>/dev/null)" = "$1" ] && { basename "$b"; return 0; }
        done
        return 1
}

# bus_regions PROVIDER: its regions (regionN), one a line, in number order.
bus_regions() {
        local bus
        bus=$(nd_bus "$1") || return 1
        ls -d "/sys/bus/nd/devices/$bus"/region* 2>/dev/null | xargs -rn1 basename | sort -V
}

# nfit_regions [PROVIDER]: its pmem regions (default nfit_test.0).
nfit_regions() {
        ndctl list -R -b "${1:-nfit_test.0}" -t pmem 2>/dev/null | nd_items | jq -r .dev | sort -V
}

# nfit_test_setup: the kernel's nfit_test emulation (ARS, error injection,
# clear-error and DIMM security on two extra buses, nfit_test.0 and
# nfit_test.1).  Needs "# vm-nfit-test: yes".
nfit_test_setup() {
        [ -d "/lib/modules/$(uname -r)/updates" ] || {
                echo "nfit_test_setup: no nfit_test modules (# vm-nfit-test: yes)" >&2
                return 1
        }
        modprobe nfit_test || return 1
        wait_for 60 nd_bus nfit_test.0 || return 1
        wait_for 60 nd_bus nfit_test.1 || return 1
        ndctl wait-scrub nfit_test.0 >/dev/null || return 1
        ndctl disable-region -b nfit_test.0 all >/dev/null || return 1
        ndctl init-labels -f -b nfit_test.0 all >/dev/null || return 1
        ndctl enable-region -b nfit_test.0 all >/dev/null
}

# nfit_devdax REGION SIZE: a new devdax namespace with 4 KiB alignment (the
# nfit_test regions are too small for 2 MiB); prints its dax device name.
nfit_devdax() {
        local json dev
        json=$(ndctl create-namespace -r "$1" -m devdax -a 4k -s "$2") || return 1
        dev=$(jq -r '.daxregion.devices[0].chardev' <<<"$json")
        wait_for 20 test -e "/sys/bus/dax/devices/$dev" || return 1
        echo "$dev"
}

# dax_namespace DEV: the namespace (namespaceN.M) that a pmem dax device is on.
dax_namespace() {
        ndctl list -N -X 2>/dev/null | nd_items |
                jq -r --arg d "$1" 'select(.daxregion.devices[]?.chardev == $d) | .dev'
}

region_badblocks() { cat "/sys/bus/nd/devices/$1/badblocks"; }

badblocks_sectors() { awk '{ n += $2 } END { print n + 0 }' "/sys/bus/nd/devices/$1/badblocks"; }

# badblocks_at_least REGION N: for wait_for (which runs its command anew
# each time, unlike a "$(...)" in its arguments).
badblocks_at_least() { [ "$(badblocks_sectors "$1")" -ge "$2" ]; }
no_badblocks() { [ "$(badblocks_sectors "$1")" = 0 ]; }

# host_request REQUEST...: one request to the host on ttyS3 (run-scenario.sh
# serves them); succeeds when the host answers "done", fails with the
# host's message or after 30 s.
host_request() {
        local id reply fd rc=1
        id=$$-$RANDOM
        stty -F /dev/ttyS3 raw -echo 2>/dev/null || { echo "host_request: no /dev/ttyS3" >&2; return 1; }
        exec {fd}<>/dev/ttyS3
        printf '%s %s\n' "$*" "$id" >&"$fd"
        while :; do
                if ! IFS= read -r -t 30 reply <&"$fd"; then
                        echo "host_request: no answer to '$*' in 30 s" >&2
                        break
                fi
                reply=${reply%$'\r'}
                case "$reply" in
                "done $id") rc=0; break ;;
                "error $id "*) echo "host: ${reply#"error $id "}" >&2; break ;;
                esac
        done
        exec {fd}>&-
        return "$rc"
}

# host_mce PHYSADDR: the host makes QEMU raise a machine check on every
# CPU: an uncorrected, action-optional memory scrub error at PHYSADDR (hex
# or decimal), as a platform's patrol scrubber would report poison.
host_mce() {
        host_request mce "$(printf '0x%x' "$(($1))")"
}

# dt_has [--since CURSOR] [FIELD=VALUE...]: at least one such record.
# For wait_for, which runs its command again each time (a "$(...)" in
# wait_for's arguments would be worked out only once).
dt_has() { [ "$(dt_count "$@")" -ge 1 ]; }

# has_online_blocks DEV: at least one block of DEV is online.
has_online_blocks() { [ "$(dax_online_blocks "$1")" -gt 0 ]; }

# ---- D-Bus: hostile calls and floods ------------------------------------

# bus_error [--user USER] ARGS...: the D-Bus error name that daxtierd's
# answer to one call carries ("ok" for a method return), asked through
# dbus-send, as USER if given (busctl does not print error names).  ARGS
# are dbus-send's after --dest, e.g.
#   bus_error /org/daxtier/Daxtierd1 org.daxtier.Daxtierd1.Manager.GetDevice string:x
# "client-refused" when dbus-send itself would not send the message.
# BUS_REPLY_TIMEOUT (ms, default 30000) bounds the wait for an answer.
bus_error() {
        local out as=()
        if [ "${1:-}" = --user ]; then
                as=(runuser -u "$2" --)
                shift 2
        fi
        if out=$("${as[@]}" dbus-send --system --print-reply --reply-timeout="${BUS_REPLY_TIMEOUT:-30000}" --dest=org.daxtier.Daxtierd1 "$@" 2>&1); then
                echo ok
        elif [[ "$out" =~ ^Error\ ([A-Za-z0-9_.]+) ]]; then
                echo "${BASH_REMATCH[1]}"
        else
                echo client-refused
        fi
}

# vm_rss_kb PID: VmRSS of a process in KiB.
vm_rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# dbus_call_loop [--user USER] MIN_SECONDS MIN_CALLS MAX_SECONDS CALL...:
# one connection to the system bus (as USER if given) making method calls
# to daxtierd, one after another, each waiting for its answer, for
# MIN_SECONDS and at least MIN_CALLS calls (never longer than
# MAX_SECONDS).  A CALL is five words: PATH INTERFACE MEMBER SIGNATURE
# ARGUMENT, SIGNATURE "", "s" or "u"; the CALLs are made in turn.  Prints
# "CALLS RETURNS ERRORS".  One process makes thousands of calls a second,
# unlike busctl or dbus-send, which start one process a call: it speaks
# the wire protocol itself (perl-base is in every Debian).
dbus_call_loop() {
        local as=()
        if [ "${1:-}" = --user ]; then
                as=(runuser -u "$2" --)
                shift 2
        fi
        "${as[@]}" perl - /run/dbus/system_bus_socket "$@" <<'PERL'
use strict; use warnings; use Socket;
my ($path, $min_secs, $min_calls, $max_secs, @spec) = @ARGV;
my @calls;
push @calls, [splice(@spec, 0, 5)] while @spec >= 5;
die "no calls\n" unless @calls;
socket(my $s, AF_UNIX, SOCK_STREAM, 0) or die "socket: $!\n";
connect($s, pack_sockaddr_un($path)) or die "connect $path: $!\n";
binmode $s;
sub rd {
    my $n = shift; my $b = '';
    while (length($b) < $n) {
        my $r = sysread($s, $b, $n - length($b), length($b));
        die "read: " . (defined $r ? "end of stream" : $!) . "\n" unless $r;
    }
    return $b;
}
sub line { my $l = ''; $l .= rd(1) until $l =~ /\n$/; return $l }
syswrite($s, "\0AUTH EXTERNAL " . unpack('H*', "$>") . "\r\n");
line() =~ /^OK/ or die "authentication refused\n";
syswrite($s, "BEGIN\r\n");
sub pad { my ($b, $a) = @_; $$b .= "\0" x ((-length($$b)) % $a) }
sub str { my ($b, $v) = @_; pad($b, 4); $$b .= pack('V', length $v) . $v . "\0" }
sub sig { my ($b, $v) = @_; $$b .= pack('C', length $v) . $v . "\0" }
my $serial = 0;
sub call {
    my ($opath, $iface, $member, $sg, $arg) = @_;
    my $dest = $iface eq 'org.freedesktop.DBus' ? 'org.freedesktop.DBus' : 'org.daxtier.Daxtierd1';
    my $body = '';
    if ($sg eq 's') { str(\$body, $arg) } elsif ($sg eq 'u') { $body = pack('V', $arg) }
    my $f = '';
    for ([1, 'o', $opath], [2, 's', $iface], [3, 's', $member], [6, 's', $dest], ($sg ne '' ? [8, 'g', $sg] : ())) {
        my ($code, $t, $v) = @$_;
        pad(\$f, 8); $f .= pack('C', $code); sig(\$f, $t);
        if ($t eq 'g') { sig(\$f, $v) } else { str(\$f, $v) }
    }
    my $m = pack('a1CCCVVV', 'l', 1, 0, 1, length $body, ++$serial, length $f) . $f;
    pad(\$m, 8);
    $m .= $body;
    my $w = syswrite($s, $m);
    die "write: $!\n" unless defined $w && $w == length $m;
    return $serial;
}
# The type of the answer to a call: 2 method return, 3 error (signals,
# such as NameAcquired, are skipped).
sub answer {
    my $want = shift;
    while (1) {
        my ($e, $type, $fl, $v, $blen, $ser, $flen) = unpack('a1CCCVVV', rd(16));
        my $rest = rd($flen + ((-$flen) % 8) + $blen);
        return $type if $type == 2 || $type == 3;
    }
}
answer(call('/org/freedesktop/DBus', 'org.freedesktop.DBus', 'Hello', '', '')) == 2 or die "Hello failed\n";
my ($n, $ok, $err) = (0, 0, 0);
my $t0 = time;
while ((time - $t0 < $min_secs || $n < $min_calls) && time - $t0 < $max_secs) {
    for my $c (@calls) {
        answer(call(@$c)) == 2 ? $ok++ : $err++;
        $n++;
    }
}
print "$n $ok $err\n";
PERL
}
