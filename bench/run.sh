#!/usr/bin/env bash
# `make bench`: latent vs PyTorch side by side on W1-W5 (bench/driver.py writes bench/results.md),
# then scoring throughput (bench/score_rows.py writes bench/score.md), then, with BENCH_MICRO=1,
# the Google Benchmark micro-benchmarks.
#   RUNS (default 5), THREADS (default 1,2), WORKLOADS (default w1,w2,w3,w4,w5) pass through;
#   WORKLOADS_AT (e.g. 2=w1,w4: fewer workloads at a thread count; default: all of them at each).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
args=(--build "$BUILD" --runs "${RUNS:-5}" --threads "${THREADS:-1,2}" --workloads "${WORKLOADS:-w1,w2,w3,w4,w5}"
      --workloads-at "${WORKLOADS_AT-}")
/usr/bin/python3 bench/driver.py "${args[@]}"
# Scoring throughput (`latent score` rows/s vs PyTorch) -> bench/score.md.
/usr/bin/python3 bench/score_rows.py --build "$BUILD" --runs "${RUNS:-5}"
if [[ "${BENCH_MICRO:-0}" == 1 ]]; then
  "$BUILD/bin/latent_bench" --benchmark_min_time=0.5
fi
