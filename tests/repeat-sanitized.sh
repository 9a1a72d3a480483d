#!/usr/bin/env bash
# repeat-sanitized.sh — runs tests many times in a row in the AddressSanitizer + UBSan build, with .ci/test's
# sanitizer environment, beside a bounded busy load, and stops at the first failure (its report is in the
# build's meson-logs/testlog.txt). For hunting flakes such as issue 14; not part of CI's run: 300 runs of
# the cli test take about ten minutes on two cores.
#
#   tests/repeat-sanitized.sh [-n RUNS] [-l BUSY_LOOPS] [-b BUILD_DIR] [TEST...]
#
# RUNS defaults to 300, BUSY_LOOPS (shell busy loops competing for the CPU, ended with the script and in
# any case after an hour) to the number of cores, BUILD_DIR to build-san, TEST to cli. A missing build
# directory is set up (meson setup BUILD_DIR -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false);
# meson test builds what the tests need before the first run.
set -uo pipefail
cd "$(dirname "$0")/.."

runs=300
loops=$(nproc)
build=build-san
while getopts n:l:b: opt; do
  case $opt in
    n) runs=$OPTARG ;;
    l) loops=$OPTARG ;;
    b) build=$OPTARG ;;
    *) sed -n '2,12p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(cli)

if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false >/dev/null || exit 1
fi

# The environment of .ci/test's sanitizer pass.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0
export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp
export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1

busy=()
stop_load () {
  for pid in "${busy[@]}"; do kill "$pid" 2>/dev/null; done
}
trap stop_load EXIT
for ((i = 0; i < loops; i++)); do
  bash -c 'end=$((SECONDS + 3600)); while [ $SECONDS -lt $end ]; do :; done' &
  busy+=($!)
done

start=$SECONDS
meson test -C "$build" --repeat "$runs" --maxfail 1 --print-errorlogs "${tests[@]}" \
  | tee "$build/repeat-sanitized.log" | grep -E '^ *[0-9]+/[0-9]+ .*(OK|FAIL|ERROR|TIMEOUT)' | tail -n 3
status=${PIPESTATUS[0]}
ok=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$build/repeat-sanitized.log" | tail -1)
fail=$(sed -n 's/^Fail: *\([0-9]*\).*/\1/p' "$build/repeat-sanitized.log" | tail -1)
suppressed=$(grep -c 'Suppressions used' "$build/meson-logs/testlog.txt")
echo "${tests[*]}: ${ok:-0} passed in a row, ${fail:-0} failed, of $runs runs in $((SECONDS - start)) s" \
     "beside $loops busy loops; LeakSanitizer suppressions used in $suppressed runs' logs" \
     "(load average now: $(cut -d' ' -f1-3 /proc/loadavg))"
exit "$status"
