#!/bin/bash
# bench/run.sh: the benchmarks (make bench).  Boots each bench scenario
# (bench/scenarios/*.vm) in each cell through the real-kernel harness
# (tests/vm/run-scenario.sh), keeps the "# BENCH" lines of each run in
# bench/data/NAME-DIST-KERNEL.dat, then regenerates bench/RESULTS.md and
# bench/results.png from every data file there (bench/report.sh).
#
# Usage: bench/run.sh [SCENARIO-NAME...]     (default: every bench scenario)
# Environment:
#   BENCH_CELLS   cells to run in (default: tests/vm's default matrix,
#                 "bookworm/6.1 bookworm/6.12 trixie/7.3"); a scenario's
#                 "# bench-cells:" header narrows it
#   BENCH_ROUNDS  rounds of each interleaved comparison (default 5; a
#                 scenario's "# bench-rounds: VAR=DEFAULT" header names
#                 another variable, e.g. BENCH_SCALE_ROUNDS=1)
#   BENCH_*       every other BENCH_ variable is handed to the guest
#                 (BENCH_IDLE_SECONDS, BENCH_STORM_CYCLES, ...)
#   BENCH_REPORT_ONLY=1   only regenerate RESULTS.md and results.png
# Raw results (TAP, journal, console) go to bench/results/NAME-DIST-KERNEL
# in the build tree.  A failed run keeps its old data file.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/.." && pwd)
. "$srcdir/tests/vm/common.sh"
builddir=${DAXTIER_BUILDDIR:-$srcdir}
export BENCH_ROUNDS=${BENCH_ROUNDS:-5}
cells=${BENCH_CELLS:-$CELLS_DEFAULT}
results=$builddir/bench/results
datadir=$here/data
mkdir -p "$results" "$datadir"

header() { sed -n "s/^# $2: *//p" "$1" | head -n1; }

# machine_meta: the host, written into each data file.
machine_meta() {
        echo "#meta host_cpus $(nproc)"
        echo "#meta host_ram $(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
        echo "#meta host_cpu_model $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
        echo "#meta emulation TCG (software emulation, -accel tcg, 2 vCPUs)"
}

run_one() {
        local scenario=$1 cell=$2 name dist kernel tmp out rc=0 start rv
        name=$(basename "$scenario" .vm)
        dist=$(cell_dist "$cell") kernel=$(cell_kernel "$cell")
        tmp=$(mktemp -d "${TMPDIR:-/tmp}/daxtier-bench.XXXXXX")
        # The scenario, the guest helpers and the settings in one file: the
        # harness installs one scenario file into the guest.
        {
                cat "$scenario"
                echo
                cat "$here/guest/bench-lib.sh"
                echo
                env | grep '^BENCH_[A-Z_]*=' | grep -v '^BENCH_CELLS=' | while IFS='=' read -r k v; do
                        printf '%s=%q\n' "$k" "$v"
                done
        } >"$tmp/$name.vm"
        out=$results/$name-$dist-$kernel
        start=$(date +%s)
        echo "bench: $name in $cell (rounds: $BENCH_ROUNDS), started $(date -u +%H:%M:%S) UTC" >&2
        "$srcdir/tests/vm/run-scenario.sh" --results "$out" "$tmp/$name.vm" "$cell" >"$tmp/tap.txt" 2>"$tmp/stderr" || rc=$?
        rm -f "$tmp/$name.vm"
        echo "bench: $name in $cell: $(grep -c '^ok' "$tmp/tap.txt") ok, $(grep -c '^not ok' "$tmp/tap.txt") not ok, $(grep -c '^# BENCH ' "$tmp/tap.txt") measurements, $(( $(date +%s) - start )) s" >&2
        grep '^not ok' -A3 "$tmp/tap.txt" >&2 || true
        if ! grep -q '^# BENCH ' "$tmp/tap.txt"; then
                echo "bench: $name in $cell measured nothing (exit $rc); its data file is kept as it was" >&2
                tail -n 20 "$tmp/stderr" >&2
                rm -rf "$tmp"
                return 1
        fi
        {
                echo "#meta cell $cell"
                echo "#meta scenario $name"
                echo "#meta date $(date -u '+%Y-%m-%d %H:%M UTC')"
                echo "#meta kernel $(cat "$out/kernel" 2>/dev/null)"
                if [ -s "$out/qemu" ]; then
                        echo "#meta qemu $(tr '\n' ' ' <"$out/qemu")"
                else
                        echo "#meta qemu $(qemu-system-x86_64 --version | head -n1)"
                fi
                # "# bench-rounds: VAR=DEFAULT": the scenario counts its rounds in VAR.
                rv=$(header "$scenario" bench-rounds)
                if [ -n "$rv" ]; then
                        echo "#meta rounds $(printenv "${rv%%=*}" || echo "${rv#*=}")"
                else
                        echo "#meta rounds $BENCH_ROUNDS"
                fi
                echo "#meta status $([ "$rc" = 0 ] && echo complete || echo "incomplete (harness exit $rc: see bench/results/$name-$dist-$kernel)")"
                machine_meta
                grep '^# BENCH ' "$tmp/tap.txt" | sed 's/^# BENCH //'
        } >"$datadir/$name-$dist-$kernel.dat"
        rm -rf "$tmp"
        return "$rc"
}

if [ "${BENCH_REPORT_ONLY:-0}" != 1 ]; then
        command -v gnuplot >/dev/null || die "gnuplot is not installed (scripts/setup-debian.sh installs gnuplot-nox)"
        scenarios=()
        if [ $# -gt 0 ]; then
                for n in "$@"; do scenarios+=("$here/scenarios/${n%.vm}.vm"); done
        else
                scenarios=("$here"/scenarios/*.vm)
        fi
        failed=0
        for s in "${scenarios[@]}"; do
                [ -f "$s" ] || die "no bench scenario $s"
                want=$(header "$s" bench-cells)
                for cell in $cells; do
                        [ -z "$want" ] || [[ " $want " == *" $cell "* ]] || continue
                        run_one "$s" "$cell" || failed=$((failed + 1))
                done
        done
fi
"$here/report.sh" "$datadir" "$here/RESULTS.md" "$here/results.png"
echo "bench: wrote $here/RESULTS.md and $here/results.png" >&2
[ "${failed:-0}" = 0 ]
