#!/usr/bin/env bash
# run-fuzz.sh — replays the committed seed corpora and crash reproducers of every libFuzzer harness, then
# fuzzes each for a bounded time from a scratch copy of its corpus (the committed one is left alone).
# Usage: tests/fuzz/run-fuzz.sh BUILD_DIR [SECONDS_PER_HARNESS (default 50)] [RUNS (default: unbounded)]
# Prints one line per harness ("fuzz-csv: 123456 executions, 0 crashes") and exits 1 when any harness
# crashed, leaked, timed out or ran out of memory; the reproducer then stays in BUILD_DIR/fuzz-artifacts.
set -uo pipefail
build=$1
seconds=${2:-50}
runs=${3:--1}
here=$(cd "$(dirname "$0")" && pwd)
artifacts="$build/fuzz-artifacts"
mkdir -p "$artifacts"
status=0
total=0
for name in csv idx experiment checkpoint template; do
  exe="$build/tests/fuzz/fuzz-$name"
  if [ ! -x "$exe" ]; then
    echo "fuzz-$name: not built"; status=1; continue
  fi
  # 1. the corpus and the crash reproducers, each input once
  if ! "$exe" -runs=0 -rss_limit_mb=2048 -timeout=60 "$here/corpus/$name" "$here/crashes/$name" \
       >"$artifacts/$name-replay.log" 2>&1; then
    echo "fuzz-$name: replay FAILED"; tail -30 "$artifacts/$name-replay.log"; status=1; continue
  fi
  # 2. fuzzing for a bounded time
  work=$(mktemp -d)
  cp -r "$here/corpus/$name/." "$work/"
  log="$artifacts/$name-fuzz.log"
  "$exe" -max_total_time="$seconds" -runs="$runs" -rss_limit_mb=2048 -timeout=30 -max_len=65536 \
    -artifact_prefix="$artifacts/$name-" -print_final_stats=1 "$work" >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  crashes=$(grep -c -E "^SUMMARY: " "$log") # one per crash, leak, timeout or out-of-memory
  echo "fuzz-$name: ${execs:-0} executions, $crashes crashes (exit $rc)"
  total=$((total + ${execs:-0}))
  if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
    # the sanitizer's report with its stack first (the tail alone loses it), then the end of the log
    grep -m1 -A45 -E "^==[0-9]+==ERROR|^==[0-9]+== ERROR|runtime error:" "$log"
    echo "..."; tail -15 "$log"; status=1
  fi
  rm -rf "$work"
done
echo "fuzzing: $total executions in all"
exit $status
