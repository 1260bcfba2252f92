#!/bin/bash
# make check: the alert rules (promtool check rules, promtool test rules)
# and the unit tests' golden exposition text (promtool check metrics).
# contrib/prometheus/check.sh fetches promtool into the VM cache when it
# is not there; this test never skips.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
exec bash "$top/contrib/prometheus/check.sh" "$top/tests/unit/metrics.golden"
