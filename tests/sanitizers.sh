#!/bin/bash
# sanitizers.sh [JOB...]: the unit tests and the fuzz targets under the
# sanitizers, each job in a build directory of its own under a temporary
# directory (the source tree is left alone).  Jobs, all by default:
#
#   asan      a build with --enable-sanitizers (ASan, LSan, UBSan; UBSan
#             findings fatal): every unit test, in one process each
#             (CK_FORK=no) so that LeakSanitizer sees every test
#   valgrind  a plain build (-O1 -g): every unit test under valgrind
#             memcheck; any error, or a definite or indirect leak, fails
#   tsan      a ThreadSanitizer build: the unit tests named
#             tests/unit/test-worker* when there are any, else every unit
#             test (a race report fails)
#   fuzz      each libFuzzer target of tests/fuzz for FUZZ_SECONDS
#             (default 30) from its seeds; a crash, leak, timeout or
#             broken invariant fails
#
# Prints one summary line per job, "sanitizers: JOB: PASS|FAIL ...", and
# exits non-zero when any job failed.  A failing job's logs are shown;
# KEEP=1 keeps the temporary directory (printed) for a closer look.
# Installs what it needs with apt-get when it is missing (as root), like
# scripts/setup-debian.sh, which has the build dependencies.

# The functions are called indirectly ("job_$j", trap): not unreachable.
# shellcheck disable=SC2317
set -euo pipefail

# What the jobs need beyond scripts/setup-debian.sh: clang and its
# sanitizer and libFuzzer runtimes, valgrind, and gcc's TSan runtime.
PACKAGES=(clang libclang-rt-dev valgrind libtsan2)

top=$(cd "$(dirname "$0")/.." && pwd)
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
JOBS=${MAKE_JOBS:-2}
jobs=("$@")
[ ${#jobs[@]} -gt 0 ] || jobs=(asan valgrind tsan fuzz)
for j in "${jobs[@]}"; do
        case $j in
        asan|valgrind|tsan|fuzz) ;;
        *) echo "usage: $0 [asan|valgrind|tsan|fuzz]..." >&2; exit 2 ;;
        esac
done

install_missing() {
        local missing=() p
        for p in "${PACKAGES[@]}"; do
                dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || missing+=("$p")
        done
        [ ${#missing[@]} -gt 0 ] || return 0
        if [ "$(id -u)" != 0 ]; then
                echo "sanitizers.sh: missing ${missing[*]}; run as root to install them" >&2
                exit 1
        fi
        echo "sanitizers.sh: installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q >/dev/null
        apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}
command -v dpkg-query >/dev/null && install_missing

tmp=$(mktemp -d "${TMPDIR:-/tmp}/daxtierd-sanitizers.XXXXXX")
cleanup() {
        if [ "${KEEP:-0}" = 1 ]; then echo "sanitizers.sh: kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

# A pristine copy of the sources to configure from: automake refuses a
# VPATH build of a tree that is itself configured, and an in-tree build
# of the caller must not be touched.
src=$tmp/src
mkdir -p "$src"
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
        (cd "$top" && git ls-files -z --cached --others --exclude-standard | cpio -0pdm --quiet "$src")
else
        (cd "$top" && tar --exclude=./config.status --exclude='*.o' -cf - .) | (cd "$src" && tar -xf -)
fi
(cd "$src" && { [ -x configure ] || ./autogen.sh >"$tmp/autogen.log" 2>&1; }) ||
        { cat "$tmp/autogen.log"; echo "sanitizers.sh: autogen.sh failed"; exit 1; }

status=0
summary=()
report() {      # JOB VERDICT TEXT
        summary+=("sanitizers: $1: $2 $3")
        echo "sanitizers: $1: $2 $3"
        [ "$2" = PASS ] || status=1
}

# configure + build in $tmp/NAME; the rest are configure arguments.
build_tree() {
        local name=$1 b=$tmp/$1
        shift
        mkdir -p "$b"
        (cd "$b" && "$src/configure" -q --disable-vm-tests "$@" >"$b/configure.log" 2>&1 &&
                make -j"$JOBS" >"$b/make.log" 2>&1 && make -j"$JOBS" check TESTS= >>"$b/make.log" 2>&1) ||
                { tail -n 40 "$b/configure.log" "$b/make.log" 2>/dev/null; return 1; }
}

# The unit test programs of a build (the check_PROGRAMS, however many).
unit_tests() {
        (cd "$tmp/$1" && for t in tests/unit/test-*; do
                [ -x "$t" ] && [ -f "$t" ] && echo "$t"
        done)
}

# Runs TESTS in build NAME through make check; prints "N tests" or fails.
run_tests() {
        local name=$1 b=$tmp/$1
        shift
        local tests="$*" n
        n=$(echo "$tests" | wc -w)
        [ "$n" -gt 0 ] || { echo "no unit tests built"; return 1; }
        (cd "$b" && make check VM_TESTS= TESTS="$tests" "${MAKE_ARGS[@]}" >"$b/check.log" 2>&1)
        local rc=$?
        # A report that did not end the program (there should be none) fails too.
        if grep -l -E 'runtime error:|ERROR: (Address|Leak|Thread|UndefinedBehavior)Sanitizer|WARNING: ThreadSanitizer|ERROR SUMMARY: [1-9]|definitely lost: [1-9]|indirectly lost: [1-9]' \
                "$b"/tests/unit/*.log >/dev/null 2>&1; then
                rc=1
        fi
        if [ "$rc" != 0 ]; then
                tail -n 20 "$b/check.log"
                for l in "$b"/tests/unit/*.log; do
                        grep -q -E '^(FAIL|ERROR)|runtime error:|Sanitizer|ERROR SUMMARY: [1-9]|(definitely|indirectly) lost: [1-9]' "$l" ||
                                continue
                        echo "--- $l"
                        head -n 120 "$l"
                done
                return 1
        fi
        echo "$n tests"
}

job_asan() {
        local t0=$SECONDS out tests
        build_tree asan --enable-sanitizers CFLAGS="-g -O1 -fno-sanitize-recover=all" ||
                { report asan FAIL "(build failed)"; return; }
        MAKE_ARGS=()
        mapfile -t tests < <(unit_tests asan)
        if out=$(CK_FORK=no ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1 \
                UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 run_tests asan "${tests[@]}"); then
                report asan PASS "(${out##*$'\n'}, ASan+LSan+UBSan, no reports, $((SECONDS - t0)) s)"
        else
                echo "$out"
                report asan FAIL "($((SECONDS - t0)) s)"
        fi
}

job_valgrind() {
        local t0=$SECONDS out tests
        build_tree valgrind CFLAGS="-g -O1" || { report valgrind FAIL "(build failed)"; return; }
        # Unit tests have no extension: automake runs each as LOG_COMPILER LOG_FLAGS TEST.
        MAKE_ARGS=(LOG_COMPILER=valgrind
                LOG_FLAGS="--quiet --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --error-exitcode=1 --track-origins=yes")
        mapfile -t tests < <(unit_tests valgrind)
        if out=$(CK_FORK=no run_tests valgrind "${tests[@]}"); then
                report valgrind PASS "(${out##*$'\n'}, memcheck: no errors, no leaks, $((SECONDS - t0)) s)"
        else
                echo "$out"
                report valgrind FAIL "($((SECONDS - t0)) s)"
        fi
}

job_tsan() {
        local t0=$SECONDS out tests which
        build_tree tsan CFLAGS="-g -O1 -fsanitize=thread" LDFLAGS="-fsanitize=thread" ||
                { report tsan FAIL "(build failed)"; return; }
        mapfile -t tests < <(unit_tests tsan | grep '/test-worker' || true)
        which="test-worker*"
        [ ${#tests[@]} -gt 0 ] || { mapfile -t tests < <(unit_tests tsan); which="no test-worker yet: every unit test"; }
        # TSan needs a memory layout without too much ASLR entropy (older
        # runtimes abort with "unexpected memory mapping"): no ASLR.
        MAKE_ARGS=()
        setarch -R true 2>/dev/null && MAKE_ARGS=(LOG_COMPILER=setarch LOG_FLAGS=-R)
        if out=$(CK_FORK=no TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 run_tests tsan "${tests[@]}"); then
                report tsan PASS "(${out##*$'\n'}, $which, no races, $((SECONDS - t0)) s)"
        else
                echo "$out"
                report tsan FAIL "($which, $((SECONDS - t0)) s)"
        fi
}

job_fuzz() {
        local t0=$SECONDS f name short seeds dict log execs cov detail="" failed=0
        local out=$tmp/fuzz
        if ! "$src/tests/fuzz/build.sh" "$out" >"$tmp/fuzz-build.log" 2>&1; then
                tail -n 40 "$tmp/fuzz-build.log"
                report fuzz FAIL "(build failed)"
                return
        fi
        mkdir -p "$tmp/artifacts"
        for f in "$src"/tests/fuzz/fuzz-*.c; do
                name=$(basename "$f" .c)
                short=${name#fuzz-}
                seeds=$src/tests/fuzz/seeds/$short
                mkdir -p "$tmp/corpus/$short"
                [ -d "$seeds" ] && cp "$seeds"/* "$tmp/corpus/$short/"
                dict=()
                [ -f "$src/tests/fuzz/$short.dict" ] && dict=(-dict="$src/tests/fuzz/$short.dict")
                log=$tmp/$name.log
                # Work in a directory of its own: targets may write files,
                # and those under $TMPDIR stay behind when a finding ends them.
                mkdir -p "$tmp/run-$short"
                if (cd "$tmp/run-$short" && TMPDIR=$tmp/run-$short "$out/$name" "${dict[@]}" -max_total_time="$FUZZ_SECONDS" -timeout=25 \
                        -print_final_stats=1 -artifact_prefix="$tmp/artifacts/$name-" "$tmp/corpus/$short") >"$log" 2>&1; then
                        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
                        cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
                        detail+=" $short=${execs:-?}(cov ${cov:-?})"
                        echo "sanitizers: fuzz: $name: ${execs:-?} executions in ${FUZZ_SECONDS} s, coverage ${cov:-?}, corpus $(find "$tmp/corpus/$short" -type f | wc -l)"
                else
                        failed=1
                        detail+=" $short=FAILED"
                        grep -v -E '^#[0-9]+' "$log" | tail -n 60
                        for a in "$tmp/artifacts/$name-"*; do
                                [ -e "$a" ] || continue
                                echo "sanitizers: fuzz: $name: finding $(basename "$a") (base64):"
                                head -c 4096 "$a" | base64
                        done
                fi
        done
        if [ "$failed" = 0 ]; then
                report fuzz PASS "(executions:$detail; ${FUZZ_SECONDS} s each, $((SECONDS - t0)) s)"
        else
                report fuzz FAIL "($detail; $((SECONDS - t0)) s)"
        fi
}

for j in "${jobs[@]}"; do
        echo "sanitizers: $j: running"
        "job_$j"
done
echo
printf '%s\n' "${summary[@]}"
exit $status
