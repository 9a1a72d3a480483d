#!/usr/bin/env bash
# long-run.sh — the long fuzzing run: at least 10^6 executions per harness (or HOURS hours each at most),
# for the figures of a release note. Builds with clang into build-fuzz when needed.
# Usage: tests/fuzz/long-run.sh [RUNS (default 1000000)] [MAX_SECONDS_PER_HARNESS (default 14400)]
set -uo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-1000000}
max=${2:-14400}
[ -f build-fuzz/build.ninja ] || CC=clang meson setup build-fuzz -Dwerror=true -Dfuzz=true || exit 1
meson compile -C build-fuzz app/fittape-h5check tests/fuzz/fuzz-csv tests/fuzz/fuzz-idx tests/fuzz/fuzz-experiment \
  tests/fuzz/fuzz-checkpoint tests/fuzz/fuzz-template || exit 1
exec tests/fuzz/run-fuzz.sh build-fuzz "$max" "$runs"
