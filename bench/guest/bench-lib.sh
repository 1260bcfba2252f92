# bench-lib.sh: helpers for benchmark scenarios in the test guest.
# shellcheck shell=bash
#
# bench/run.sh appends this file (and the BENCH_* settings) to a bench
# scenario before tests/vm/run-scenario.sh boots it, so a bench is an
# ordinary scenario whose run() prints measurements as TAP diagnostics:
#
#   # BENCH item=ITEM contender=NAME round=N key=value ...
#
# one line per measurement (times in ms, sizes in KiB); bench/run.sh
# collects them from tap.txt.  Assertions (ok / not ok) check only facts
# (every block online in the right zone), never a duration.
#
# Clock:      bench_now                 CLOCK_MONOTONIC, seconds.microseconds
#             bench_exec_at FILE CMD... writes the clock to FILE, execs CMD
#             bench_ms FROM TO          (TO - FROM) in ms, 1 decimal
#             bench_sleep SECONDS       sleep without forking
# Uevents:    bench_uevents_start       udevadm monitor --kernel --property
#                                       (dax and memory) into BENCH_UEVENTS
#             bench_uevents_mark        byte offset to read from later
#             bench_uevent_add MARK DEV   time of DEV's "add" after MARK
#             bench_uevent_first MARK ACTION SUBSYSTEM   first such event
#             bench_uevent_last_online MARK FIRST LAST
#                                       time of the last "online" of the
#                                       memory blocks FIRST..LAST after MARK
# Devices:    bench_first_dax           sets BENCH_DAX to the first dax device
#             bench_block_range DEV     "FIRST LAST" block numbers
#             bench_all_online FIRST LAST [ZONE]   (no forks)
#             bench_wait_online SECONDS FIRST LAST ZONE
#             bench_teardown DEV NS     offline, unbind kmem, disable NS
# Contenders: bench_contender_on NAME, bench_contender_off NAME
#             (daxtierd, daxtierd-block, daxctl, lower, lower-state)
# Daemon:     bench_pid_stat PID        "utime+stime ticks" of a process
#             bench_rss_split PID       "rss_anon_kb=N rss_file_kb=N"
#             bench_vcsw PID            voluntary ctxt switches, all threads
#             bench_rss_kb PID, bench_threads PID, bench_hz
# D-Bus:      bench_dbus_client [--user U] OUT CALL...   (background) loops
#                                       calls until SIGTERM, then writes
#                                       "CALLS RETURNS ERRORS P50 P99 MAX" to OUT
#             bench_dbus_wait OUT, bench_dbus_stop OUT
# Output:     bench_line KEY=VALUE...   one "# BENCH" line

BENCH_UEVENTS=/run/bench-uevents.log
BENCH_DIR=/run/bench
mkdir -p "$BENCH_DIR"

bench_now() {
        # clock_gettime(CLOCK_MONOTONIC) through the raw system call (228 on
        # x86_64): perl-base has no Time::HiRes, and the time must be on
        # the clock udevadm monitor prints.
        perl -e '$t = "\0" x 16; syscall(228, 1, $t) == 0 or die "clock_gettime: $!\n";
                 ($s, $n) = unpack("q2", $t); printf "%d.%06d\n", $s, $n / 1000'
}

bench_exec_at() {
        perl -e '$f = shift; $t = "\0" x 16; syscall(228, 1, $t) == 0 or die "clock_gettime: $!\n";
                 ($s, $n) = unpack("q2", $t); open(F, ">", $f) or die "$f: $!\n";
                 printf F "%d.%06d\n", $s, $n / 1000; close F; exec { $ARGV[0] } @ARGV or die "exec: $!\n"' "$@"
}

bench_ms() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "") print "NA"; else printf "%.1f\n", (b - a) * 1000 }'; }

exec {BENCH_SLEEP_FD}<> <(:)
bench_sleep() { read -r -t "$1" -u "$BENCH_SLEEP_FD" || true; }

bench_line() { echo "# BENCH $*"; }

bench_uevents_start() {
        : >"$BENCH_UEVENTS"
        stdbuf -oL udevadm monitor --kernel --property --subsystem-match=dax --subsystem-match=memory \
                >>"$BENCH_UEVENTS" 2>/dev/null &
        BENCH_UEVENTS_PID=$!
        bench_sleep 1
}

bench_uevents_mark() { stat -c %s "$BENCH_UEVENTS"; }

# KERNEL[123.456789] add      /devices/.../dax0.0 (dax)
bench_uevent_add() {
        tail -c +"$(($1 + 1))" "$BENCH_UEVENTS" 2>/dev/null | awk -v dev="$2" '
                /^KERNEL\[/ && $2 == "add" && $4 == "(dax)" {
                        n = split($3, p, "/"); if (p[n] != dev) next
                        t = $1; sub(/^KERNEL\[/, "", t); sub(/\]$/, "", t); print t; exit }'
}

bench_uevent_last_online() {
        tail -c +"$(($1 + 1))" "$BENCH_UEVENTS" | awk -v lo="$2" -v hi="$3" '
                /^KERNEL\[/ && $2 == "online" && $4 == "(memory)" {
                        n = split($3, p, "/"); b = p[n]; sub(/^memory/, "", b)
                        if (b + 0 < lo + 0 || b + 0 > hi + 0) next
                        t = $1; sub(/^KERNEL\[/, "", t); sub(/\]$/, "", t); last = t }
                END { if (last != "") print last }'
}

# bench_uevent_first MARK ACTION SUBSYSTEM: time of the first such event after MARK.
bench_uevent_first() {
        tail -c +"$(($1 + 1))" "$BENCH_UEVENTS" 2>/dev/null | awk -v a="$2" -v s="($3)" '
                /^KERNEL\[/ && $2 == a && $4 == s { t = $1; sub(/^KERNEL\[/, "", t); sub(/\]$/, "", t); print t; exit }'
}

# bench_uevent_count MARK ACTION SUBSYSTEM: how many such events after MARK.
bench_uevent_count() {
        tail -c +"$(($1 + 1))" "$BENCH_UEVENTS" | awk -v a="$2" -v s="($3)" '/^KERNEL\[/ && $2 == a && $4 == s { n++ } END { print n + 0 }'
}

# bench_first_dax: the first dax device there is (bash globbing, no forks).
bench_first_dax() {
        local d
        for d in /sys/bus/dax/devices/dax*; do
                [ -e "$d" ] && { BENCH_DAX=${d##*/}; return 0; }
        done
        return 1
}

bench_block_size() { printf '%d\n' "0x$(cat /sys/devices/system/memory/block_size_bytes)"; }

# bench_block_range DEV: the first and last memory block wholly inside
# the device (static pmem devices: one range, "resource" and "size").
bench_block_range() {
        local dev=/sys/bus/dax/devices/$1 bs start end
        bs=$(bench_block_size)
        if [ -d "$dev/mapping0" ]; then
                start=$(( $(cat "$dev/mapping0/start") ))
                end=$(( $(cat "$dev/mapping0/end") + 1 ))
        else
                start=$(( $(cat "$dev/resource") ))
                end=$(( start + $(cat "$dev/size") ))
        fi
        echo "$(( (start + bs - 1) / bs )) $(( end / bs - 1 ))"
}

# bench_all_online FIRST LAST [ZONE]: every block online (in ZONE, when
# given); bash builtins only, so that polling forks nothing beside the
# contender.
bench_all_online() {
        local b s z m=/sys/devices/system/memory
        for ((b = $1; b <= $2; b++)); do
                [ -r "$m/memory$b/state" ] || return 1
                read -r s <"$m/memory$b/state" || return 1
                [ "$s" = online ] || return 1
                [ -n "${3:-}" ] || continue
                read -r z <"$m/memory$b/valid_zones" || return 1
                [ "$z" = "$3" ] || return 1
        done
        return 0
}

bench_wait_online() {
        local deadline=$((SECONDS + $1))
        shift
        until bench_all_online "$@"; do
                [ "$SECONDS" -lt "$deadline" ] || return 1
                bench_sleep 0.05
        done
}

# bench_offline_blocks FIRST LAST: every online block of the range offline.
bench_offline_blocks() {
        local b s m=/sys/devices/system/memory
        for ((b = $1; b <= $2; b++)); do
                [ -r "$m/memory$b/state" ] || continue
                read -r s <"$m/memory$b/state"
                [ "$s" = online ] && echo offline >"$m/memory$b/state"
        done
        return 0
}

# bench_teardown DEV NS: back to a disabled devdax namespace, whoever
# onlined it: blocks offline (the kmem state attribute where there is
# one), kmem unbound and its new_id forgotten, the namespace disabled.
bench_teardown() {
        local dev=$1 ns=$2 range d=/sys/bus/dax/devices/$1
        if [ -e "$d" ]; then
                range=$(bench_block_range "$dev")
                if [ -w "$d/state" ]; then echo unplugged >"$d/state" 2>/dev/null || true; fi
                # shellcheck disable=SC2086
                bench_offline_blocks $range
                [ "$(dax_driver "$dev")" = kmem ] && echo "$dev" >/sys/bus/dax/drivers/kmem/unbind
        fi
        echo "$dev" >/sys/bus/dax/drivers/kmem/remove_id 2>/dev/null || true
        ndctl disable-namespace "$ns" >/dev/null 2>&1
        udevadm settle
}

# ---- contenders ------------------------------------------------------------

# The lower bound: a udev RUN script with only the writes the kernel
# needs (device_dax unbind, kmem new_id, which binds, online_movable per
# block; or, for lower-state, the kmem "state" attribute).
bench_install_lower() {
        install -d /usr/local/lib/bench
        cat >/usr/local/lib/bench/lower-bound <<'SH'
#!/bin/sh
# udev RUN: $1 the dax device; $2 "state" to online through the kmem state
# attribute, "at-bind" to have the kernel online the blocks in Movable as
# kmem adds them (auto_online_blocks, restored after the bind), else block
# by block; $3 "on" or "off" to set the device's memmap_on_memory first.
dev=$1 d=/sys/bus/dax/devices/$1 m=/sys/devices/system/memory
echo "$dev" >/sys/bus/dax/drivers/device_dax/unbind
case "$3" in on) echo 1 >"$d/memmap_on_memory" ;; off) echo 0 >"$d/memmap_on_memory" ;; esac
if [ "$2" = at-bind ]; then
        read -r aol <"$m/auto_online_blocks"
        echo online_movable >"$m/auto_online_blocks"
        echo "$dev" >/sys/bus/dax/drivers/kmem/new_id
        echo "$aol" >"$m/auto_online_blocks"
        exit 0
fi
echo "$dev" >/sys/bus/dax/drivers/kmem/new_id
if [ "$2" = state ] && [ -w "$d/state" ]; then
        read -r s <"$d/state"
        [ "$s" = offline ] && echo unplugged >"$d/state"
        echo online_movable >"$d/state"
        exit 0
fi
read -r bs <"$m/block_size_bytes"; bs=$((0x$bs))
start=$(($(cat "$d/resource"))); end=$((start + $(cat "$d/size")))
b=$(((start + bs - 1) / bs)); last=$((end / bs - 1))
while [ "$b" -le "$last" ]; do
        echo online_movable >"$m/memory$b/state"
        b=$((b + 1))
done
SH
        chmod 0755 /usr/local/lib/bench/lower-bound
}

# The upstream daxctl path: a udev rule that has systemd start a service
# per device that runs daxctl reconfigure-device --check-config, and a
# daxctl.conf.d entry for the namespace (Debian 12's shipped rule runs
# "daxctl -C", which exits 129: it is masked, as in every contender).
bench_install_daxctl() {
        local uuid=$1
        install -d /etc/daxctl.conf.d
        cat >/etc/daxctl.conf.d/bench.conf <<CONF
[reconfigure-device bench]
nvdimm.uuid = $uuid
mode = system-ram
online = true
movable = true
CONF
        cat >/etc/systemd/system/bench-daxctl@.service <<'UNIT'
[Unit]
Description=daxctl reconfigure-device --check-config %i (bench)
[Service]
Type=oneshot
ExecStart=/usr/bin/daxctl reconfigure-device --check-config %i
UNIT
        systemctl daemon-reload
}

bench_mask_shipped_rules() {
        local r
        for r in /lib/udev/rules.d/*daxctl*.rules /usr/lib/udev/rules.d/*daxctl*.rules; do
                [ -e "$r" ] && ln -sf /dev/null "/etc/udev/rules.d/$(basename "$r")"
        done
        udevadm control --reload
}

# [daemon] online_at_bind = no for the contenders that must not have the
# kernel online the blocks during the bind.
bench_no_at_bind() {
        install -d /etc/daxtierd.conf.d
        printf '[daemon]\nonline_at_bind = no\n' >/etc/daxtierd.conf.d/90-bench-no-at-bind.conf
}

bench_contender_on() {
        case "$1" in
        daxtierd)
                systemctl unset-environment DAXTIERD_KMEM_STATE
                systemctl start daxtierd ;;
        daxtierd-state)
                bench_no_at_bind
                systemctl unset-environment DAXTIERD_KMEM_STATE
                systemctl start daxtierd ;;
        daxtierd-block)
                bench_no_at_bind
                systemctl set-environment DAXTIERD_KMEM_STATE=0
                systemctl start daxtierd ;;
        daxctl)
                echo 'ACTION=="add", SUBSYSTEM=="dax", TAG+="systemd", ENV{SYSTEMD_WANTS}+="bench-daxctl@%k.service"' \
                        >/etc/udev/rules.d/90-bench.rules
                udevadm control --reload ;;
        lower)
                printf 'ACTION=="add", SUBSYSTEM=="dax", RUN+="/usr/local/lib/bench/lower-bound %%k block %s"\n' "${BENCH_MEMMAP:-}" \
                        >/etc/udev/rules.d/90-bench.rules
                udevadm control --reload ;;
        lower-state)
                printf 'ACTION=="add", SUBSYSTEM=="dax", RUN+="/usr/local/lib/bench/lower-bound %%k state %s"\n' "${BENCH_MEMMAP:-}" \
                        >/etc/udev/rules.d/90-bench.rules
                udevadm control --reload ;;
        lower-at-bind)
                printf 'ACTION=="add", SUBSYSTEM=="dax", RUN+="/usr/local/lib/bench/lower-bound %%k at-bind %s"\n' "${BENCH_MEMMAP:-}" \
                        >/etc/udev/rules.d/90-bench.rules
                udevadm control --reload ;;
        esac
}

bench_contender_off() {
        case "$1" in
        daxtierd|daxtierd-state|daxtierd-block)
                systemctl stop daxtierd
                rm -f /etc/daxtierd.conf.d/90-bench-no-at-bind.conf
                systemctl unset-environment DAXTIERD_KMEM_STATE ;;
        *)
                rm -f /etc/udev/rules.d/90-bench.rules
                udevadm control --reload
                udevadm settle
                # The daxctl service may still be checking what it did.
                local i
                for ((i = 0; i < 100; i++)); do
                        systemctl list-units --no-legend --state=activating 'bench-daxctl@*' | grep -q . || break
                        bench_sleep 0.1
                done ;;
        esac
}

# ---- processes ---------------------------------------------------------------

# utime + stime of a process (clock ticks, fields 14 and 15 of stat,
# counted after the command name, which may hold spaces).
bench_pid_stat() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
bench_hz() { getconf CLK_TCK; }
bench_vcsw() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^voluntary_ctxt_switches:/ { n += $2 } END { print n + 0 }'; }
bench_nvcsw() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^nonvoluntary_ctxt_switches:/ { n += $2 } END { print n + 0 }'; }
bench_rss_kb() { vm_rss_kb "$1"; }   # lib.sh's, which the runner sources
bench_threads() { awk '/^Threads:/ { print $2 }' "/proc/$1/status"; }

# ---- D-Bus clients -------------------------------------------------------------

# bench_dbus_client [--user USER] OUT CALL...: (in the background) one connection to the system
# bus making CALLs to daxtierd one after another, each waiting for its
# answer, until SIGTERM; then writes "CALLS RETURNS ERRORS P50_MS P99_MS
# MAX_MS" to OUT (latency of one pass over the CALLs).  A CALL is five
# words: PATH INTERFACE MEMBER SIGNATURE ARGUMENT, SIGNATURE "", "s" or
# "ss" (ARGUMENT "a,b").  The wire protocol as in lib.sh's dbus_call_loop.
bench_dbus_client() {
        local as=()
        if [ "${1:-}" = --user ]; then
                as=(runuser -u "$2" --)
                shift 2
        fi
        "${as[@]}" perl - /run/dbus/system_bus_socket "$@" <<'PERL'
use strict; use warnings; use Socket;
my ($path, $out, @spec) = @ARGV;
my @calls;
push @calls, [splice(@spec, 0, 5)] while @spec >= 5;
my $stop = 0;
$SIG{TERM} = sub { $stop = 1 };
sub now { my $t = "\0" x 16; syscall(228, 1, $t) == 0 or die "clock_gettime: $!\n"; my ($s, $n) = unpack("q2", $t); return $s + $n / 1e9 }
socket(my $s, AF_UNIX, SOCK_STREAM, 0) or die "socket: $!\n";
connect($s, pack_sockaddr_un($path)) or die "connect $path: $!\n";
binmode $s;
sub rd {
    my $n = shift; my $b = '';
    while (length($b) < $n) {
        my $r = sysread($s, $b, $n - length($b), length($b));
        next if !defined $r && $!{EINTR};
        die "read: " . (defined $r ? "end of stream" : $!) . "\n" unless $r;
    }
    return $b;
}
sub wr { my $m = shift; while (length $m) { my $w = syswrite($s, $m); if (!defined $w) { next if $!{EINTR}; die "write: $!\n" } substr($m, 0, $w) = '' } }
sub line { my $l = ''; $l .= rd(1) until $l =~ /\n$/; return $l }
wr("\0AUTH EXTERNAL " . unpack('H*', "$>") . "\r\n");
line() =~ /^OK/ or die "authentication refused\n";
wr("BEGIN\r\n");
sub pad { my ($b, $a) = @_; $$b .= "\0" x ((-length($$b)) % $a) }
sub str { my ($b, $v) = @_; pad($b, 4); $$b .= pack('V', length $v) . $v . "\0" }
sub sig { my ($b, $v) = @_; $$b .= pack('C', length $v) . $v . "\0" }
my $serial = 0;
sub call {
    my ($opath, $iface, $member, $sg, $arg) = @_;
    my $dest = $iface eq 'org.freedesktop.DBus' ? 'org.freedesktop.DBus' : 'org.daxtier.Daxtierd1';
    my $body = '';
    if ($sg eq 's') { str(\$body, $arg) } elsif ($sg eq 'ss') { str(\$body, $_) for split /,/, $arg }
    my $f = '';
    for ([1, 'o', $opath], [2, 's', $iface], [3, 's', $member], [6, 's', $dest], ($sg ne '' ? [8, 'g', $sg] : ())) {
        my ($code, $t, $v) = @$_;
        pad(\$f, 8); $f .= pack('C', $code); sig(\$f, $t);
        if ($t eq 'g') { sig(\$f, $v) } else { str(\$f, $v) }
    }
    my $m = pack('a1CCCVVV', 'l', 1, 0, 1, length $body, ++$serial, length $f) . $f;
    pad(\$m, 8);
    wr($m . $body);
}
sub answer {
    while (1) {
        my ($e, $type, $fl, $v, $blen, $ser, $flen) = unpack('a1CCCVVV', rd(16));
        rd($flen + ((-$flen) % 8) + $blen);
        return $type if $type == 2 || $type == 3;
    }
}
call('/org/freedesktop/DBus', 'org.freedesktop.DBus', 'Hello', '', '');
answer() == 2 or die "Hello failed\n";
open(my $pf, '>', "$out.pid") or die "$out.pid: $!\n";
print $pf "$$\n";
close $pf;
my ($n, $ok, $err, @lat) = (0, 0, 0);
until ($stop) {
    my $t0 = now();
    for my $c (@calls) {
        call(@$c);
        answer() == 2 ? $ok++ : $err++;
        $n++;
    }
    push @lat, (now() - $t0) * 1000;
}
@lat = sort { $a <=> $b } @lat;
my $p = sub { @lat ? $lat[int($_[0] / 100 * $#lat + 0.5)] : 0 };
open(my $o, '>', $out) or die "$out: $!\n";
printf $o "%d %d %d %.2f %.2f %.2f\n", $n, $ok, $err, $p->(50), $p->(99), @lat ? $lat[-1] : 0;
close $o;
PERL
}

# bench_dbus_wait OUT: waits until the client writing OUT is connected
# (OUT.pid; OUT must be in a directory its user can write, e.g. /tmp).
bench_dbus_wait() {
        local i
        for ((i = 0; i < 200; i++)); do [ -s "$1.pid" ] && return 0; bench_sleep 0.1; done
        return 1
}

# bench_dbus_stop OUT: ends the client writing OUT and prints its line.
bench_dbus_stop() {
        local i
        [ -s "$1.pid" ] && kill -TERM "$(cat "$1.pid")" 2>/dev/null
        for ((i = 0; i < 100; i++)); do [ -s "$1" ] && break; bench_sleep 0.1; done
        cat "$1" 2>/dev/null
        rm -f "$1" "$1.pid"
}

# bench_monitor_line PID VCSW0 DEVICES SECONDS: the idle line of the
# ndctl monitor started beside daxtierd (PID empty: it had exited).
bench_monitor_line() {
        if [ -z "$1" ] || ! kill -0 "$1" 2>/dev/null; then
                bench_line item=idle contender=ndctl-monitor devices="$3" seconds="$4" status=exited
                diag "ndctl monitor exited at once: $(journalctl -q -o cat _COMM=ndctl | grep -i 'monitor\|smart' | tail -n 2 | tr '\n' ' ')"
                return 0
        fi
        bench_line item=idle contender=ndctl-monitor devices="$3" seconds="$4" rss_kb="$(bench_rss_kb "$1")" \
                vcsw=$(( $(bench_vcsw "$1") - $2 )) status=running
        kill "$1" 2>/dev/null
        wait "$1" 2>/dev/null
}

# bench_rss_split PID: "rss_anon_kb=N rss_file_kb=N" (VmRSS's parts: the
# process's own memory, and mapped files such as its shared libraries).
bench_rss_split() { awk '/^RssAnon:/ { a = $2 } /^RssFile:/ { f = $2 } END { printf "rss_anon_kb=%d rss_file_kb=%d\n", a, f }' "/proc/$1/status"; }
