#!/bin/bash
# run-tests.sh: every test.  Sets up a fresh Debian 12 machine, builds,
# runs `make check` (unit tests, and every real-kernel QEMU scenario in
# each cell of the distribution x kernel matrix, which builds and
# lintian-checks the Debian package of each distribution) and `make
# distcheck`, and ends with one summary line.
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
# Serial on purpose: two guests at once only slow each other down.
make check || status=1
lap "make check"
[ -f test-suite.log ] && sed -n '1,/^\.\. contents/p' test-suite.log | grep -E '^# (TOTAL|PASS|SKIP|XFAIL|FAIL|XPASS|ERROR):'
if [ "$status" != 0 ]; then
        # Show what failed, so that a CI log alone is enough to start.
        sed -n '/^\.\. contents/,$p' test-suite.log | grep -E '^(not ok|FAIL|ERROR|#  )' | head -n 200 || true
fi
# Unit tests under ASan+UBSan, valgrind and TSan; every fuzz target for
# FUZZ_SECONDS, 10 s here (7 targets: over a minute in all) (tests/sanitizers.sh prints one line per job).
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
FUZZ_SECONDS=${FUZZ_SECONDS:-10} tests/sanitizers.sh || status=1
lap sanitizers
# The packages' lintian verdicts (tests/vm/build-deb.sh fails on errors).
for l in tests/vm/debs/*/lintian.txt; do
        [ -f "$l" ] || continue
        echo "lintian $(basename "$(dirname "$l")"): $(grep -c '^E: ' "$l") errors, $(grep -c '^W: ' "$l") warnings$(grep '^W: ' "$l" | sed 's/^W: [^ ]* \([^ ]*\).*/ \1/' | sort -u | paste -sd, -)"
done
make distcheck >distcheck.log 2>&1 && echo "make distcheck: OK" || { tail -n 40 distcheck.log; echo "make distcheck: FAILED"; status=1; }
lap distcheck
echo "time:${times%,}; in all $SECONDS s"

pass=$(sed -n 's/^# PASS: *//p' test-suite.log)
fail=$(( $(sed -n 's/^# FAIL: *//p' test-suite.log) + $(sed -n 's/^# ERROR: *//p' test-suite.log) + $(sed -n 's/^# XPASS: *//p' test-suite.log) ))
skip=$(sed -n 's/^# SKIP: *//p' test-suite.log)
[ "$status" = 0 ] || [ "$fail" -gt 0 ] || fail=1
echo "tests: $pass passed, $fail failed, $skip skipped"
exit "$status"
