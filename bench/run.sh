#!/usr/bin/env bash
# `make bench`: runs latent's benchmark programs and prints their tables.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
"$BUILD/bin/latent_bench" --benchmark_min_time=0.5
