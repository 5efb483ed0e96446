#!/usr/bin/env bash
# Runs each libFuzzer target for a bounded time on a copy of its seed corpus; crashes are
# saved as tests/fuzz/findings/<target>/crash-* and make the script fail.
set -uo pipefail
build=${1:-build-fuzz}
seconds=${2:-60}
cd "$(dirname "$0")/../.."
status=0
for target in idx spec checkpoint image csv npy; do
  work=$(mktemp -d)
  cp -r tests/fuzz/corpus/$target/. "$work/"
  mkdir -p tests/fuzz/findings/$target
  echo "fuzz: $target for ${seconds}s"
  log="$work.log"
  ASAN_OPTIONS=detect_leaks=0 "$build/bin/fuzz_$target" "$work" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
    -artifact_prefix=tests/fuzz/findings/$target/ -print_final_stats=1 >"$log" 2>&1
  rc=$?
  grep -E "stat::number_of_executed_units|ERROR|SUMMARY|Done" "$log"
  if [ $rc -ne 0 ]; then status=1; tail -30 "$log"; fi
  rm -rf "$work" "$log"
done
exit $status
