#!/bin/bash
# run-tests.sh: every test.  Sets up a fresh Debian 12 machine, builds,
# runs `make check` (unit tests, and every real-kernel QEMU scenario in
# each cell of the distribution x kernel matrix, which builds and
# lintian-checks the Debian package of each distribution), and beside it
# the sanitizer jobs and `make distcheck`, and ends with one summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
# Where the time goes, for the last line: "time: PHASE N s ...".
times="" t0=$SECONDS
lap() { times+=" $1 $((SECONDS - t0)) s,"; t0=$SECONDS; }
scripts/setup-debian.sh
lap setup
scripts/build.sh
lap build

status=0
# In the background, at low priority, on the CPU the guests leave idle:
# the unit tests under the sanitizers and the fuzz targets
# (tests/sanitizers.sh, nice 19: build directories of its own, no time
# limits but the fuzzers'; FUZZ_SECONDS, 10 s here, per target) and make
# distcheck (nice 10), from the tarball of this tree unpacked elsewhere
# (in this tree it would race make check), its unit tests' time limits
# (check's, 4 s by default) 30 times as long, as they run with what CPU
# the guests leave.
bg=$(mktemp -d "${TMPDIR:-/tmp}/daxtierd-ci.XXXXXX")
trap 'rm -rf "$bg"' EXIT
(FUZZ_SECONDS=${FUZZ_SECONDS:-10} nice -n 19 tests/sanitizers.sh >"$bg/sanitizers.log" 2>&1; echo $? >"$bg/sanitizers.rc") &
sanitizers_pid=$!
make -s dist >"$bg/dist.log" 2>&1 && mv daxtierd-*.tar.gz "$bg/" || { cat "$bg/dist.log"; status=1; }
(set -e; cd "$bg"; tar xf daxtierd-*.tar.gz; cd daxtierd-*/
 ./configure -q --disable-vm-tests && CK_TIMEOUT_MULTIPLIER=30 nice -n 10 make -j"$(nproc)" distcheck) >"$bg/distcheck.log" 2>&1 &
distcheck_pid=$!
lap "dist"
# Two guests at a time (DAXTIER_VM_SLOTS): a TCG guest keeps about 1.25
# of the 2 cores busy; two at once each ran about 1.5x slower than alone
# in a whole run, about 1.3x the throughput (tests/vm/README.md); the
# longest scenarios come first (Makefile.am).
export DAXTIER_VM_SLOTS=${DAXTIER_VM_SLOTS:-2}
make -j"$DAXTIER_VM_SLOTS" check || status=1
lap "make check"
[ -f test-suite.log ] && sed -n '1,/^\.\. contents/p' test-suite.log | grep -E '^# (TOTAL|PASS|SKIP|XFAIL|FAIL|XPASS|ERROR):'
if [ "$status" != 0 ]; then
        # Show what failed, so that a CI log alone is enough to start.
        sed -n '/^\.\. contents/,$p' test-suite.log | grep -E '^(not ok|FAIL|ERROR|#  )' | head -n 200 || true
fi
# The matrix: checks passed and failed per cell, and each scenario's wall
# time per cell (from the scenarios' logs).
cat tests/vm/scenarios/*.log 2>/dev/null | awk '
        /^(PASS|FAIL|ERROR|XFAIL|XPASS|SKIP): tests\/vm\/scenarios\// && match($0, /\[[a-z]+\/[0-9.]+\]/) {
                c = substr($0, RSTART + 1, RLENGTH - 2); n[c]++
                if ($1 == "PASS:") p[c]++; else if ($1 != "SKIP:") f[c]++
        }
        /^# [a-z0-9-]+ \[[a-z]+\/[0-9.]+\]: wall time [0-9]+ s/ {
                c = $3; gsub(/\[|\]|:/, "", c); w[c] += $6; b[c]++
        }
        END {
                for (c in n)
                        printf "matrix %s: %d checks passed, %d failed, in %d boots, %d s of guests\n",
                               c, p[c], f[c], b[c], w[c]
        }' | sort
grep -h '^# [a-z0-9-]* \[[a-z]*/[0-9.]*\]: wall time' tests/vm/scenarios/*.log 2>/dev/null |
        awk '{ gsub(/\[|\]|:/, "", $3); printf "%s %s %s\n", $2, $3, $6 }' | sort |
        awk '{ t[$1] = t[$1] sprintf(" %s=%ss", $2, $3) } END { for (s in t) printf "wall %s:%s\n", s, t[s] }' | sort
wait "$sanitizers_pid" || :
cat "$bg/sanitizers.log"
[ "$(cat "$bg/sanitizers.rc" 2>/dev/null)" = 0 ] || status=1
lap "sanitizers (after make check)"
# The packages' lintian verdicts (tests/vm/build-deb.sh fails on errors).
for l in tests/vm/debs/*/lintian.txt; do
        [ -f "$l" ] || continue
        echo "lintian $(basename "$(dirname "$l")"): $(grep -c '^E: ' "$l") errors, $(grep -c '^W: ' "$l") warnings$(grep '^W: ' "$l" | sed 's/^W: [^ ]* \([^ ]*\).*/ \1/' | sort -u | paste -sd, -)"
done
if wait "$distcheck_pid"; then
        echo "make distcheck: OK"
else
        tail -n 40 "$bg/distcheck.log"
        echo "make distcheck: FAILED"
        status=1
fi
cp "$bg/distcheck.log" distcheck.log
lap "distcheck (after the rest)"
echo "time:${times%,}; in all $SECONDS s"

pass=$(sed -n 's/^# PASS: *//p' test-suite.log)
fail=$(( $(sed -n 's/^# FAIL: *//p' test-suite.log) + $(sed -n 's/^# ERROR: *//p' test-suite.log) + $(sed -n 's/^# XPASS: *//p' test-suite.log) ))
skip=$(sed -n 's/^# SKIP: *//p' test-suite.log)
[ "$status" = 0 ] || [ "$fail" -gt 0 ] || fail=1
echo "tests: $pass passed, $fail failed, $skip skipped"
exit "$status"
