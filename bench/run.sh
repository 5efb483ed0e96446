#!/usr/bin/env bash
# `make bench`: latent vs PyTorch side by side on W1-W5 (bench/driver.py writes bench/results.md),
# then the classifier studies mlp-fmnist and cnn-fmnist and the MedMNIST-shaped rows derma-cnn,
# derma-resnet18 and fracture-cnn3d (synthetic .npz files), one epoch each, as whole `latent run`s
# beside careful and tutorial PyTorch (bench/classifiers.py writes bench/classifiers.md and
# bench/medmnist.md), then
# scoring throughput (bench/score_rows.py writes bench/score.md), then, with BENCH_MICRO=1, the
# Google Benchmark micro-benchmarks.
#   RUNS (default 5; the classifier step: 3 unless RUNS is set), THREADS (default 1,2),
#   WORKLOADS (default w1,w2,w3,w4,w5) pass through;
#   WORKLOADS_AT (e.g. 2=w1,w4: fewer workloads at a thread count; default: all of them at each);
#   CLASSIFIER_BENCH=0 skips the classifier step; CLASSIFIER_EPOCHS (default 1) sets its epochs;
#   CLASSIFIER_STUDIES (default: all five) picks its rows; MEDMNIST_SCALE (default 1) shrinks the
#   synthetic MedMNIST-shaped sets (0.1: a quick check). derma-resnet18 is the long row: a ResNet-18
#   epoch on 7,007 images takes minutes per process at 1 thread.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
args=(--build "$BUILD" --runs "${RUNS:-5}" --threads "${THREADS:-1,2}" --workloads "${WORKLOADS:-w1,w2,w3,w4,w5}"
      --workloads-at "${WORKLOADS_AT-}")
/usr/bin/python3 bench/driver.py "${args[@]}"
# Classifier studies (whole `latent run`s vs PyTorch careful/tutorial): the Fashion-MNIST rows ->
# bench/classifiers.md, the MedMNIST-shaped rows -> bench/medmnist.md.
if [[ "${CLASSIFIER_BENCH:-1}" != 0 ]]; then
  studies=${CLASSIFIER_STUDIES:-mlp-fmnist,cnn-fmnist,derma-cnn,derma-resnet18,fracture-cnn3d}
  fmnist=$(tr , '\n' <<<"$studies" | grep -E -- '-fmnist$' | paste -sd, || true)
  medmnist=$(tr , '\n' <<<"$studies" | grep -vE -- '-fmnist$' | paste -sd, || true)
  for part in "fmnist:classifiers" "medmnist:medmnist"; do
    list=${part%%:*}; list=${!list}; name=${part##*:}
    [[ -n "$list" ]] || continue
    /usr/bin/python3 bench/classifiers.py --build "$BUILD" --runs "${RUNS:-3}" --threads "${THREADS:-1,2}" \
      --epochs "${CLASSIFIER_EPOCHS:-1}" --medmnist-scale "${MEDMNIST_SCALE:-1}" --studies "$list" \
      --out "bench/$name.md" --raw "bench/$name.json"
  done
fi
# Scoring throughput (`latent score` rows/s vs PyTorch) -> bench/score.md.
/usr/bin/python3 bench/score_rows.py --build "$BUILD" --runs "${RUNS:-5}"
# Word2Vec training speed beside the original word2vec.c (WORD2VEC=PATH or `word2vec` on PATH; without
# it latent's rows only) -> bench/word2vec.md. WORD2VEC_BENCH=0 skips it.
if [[ "${WORD2VEC_BENCH:-1}" != 0 ]]; then
  /usr/bin/python3 bench/word2vec.py --build "$BUILD" --runs "${RUNS:-3}" --threads "${THREADS:-1,2}" \
    ${WORD2VEC:+--word2vec "$WORD2VEC"}
fi
if [[ "${BENCH_MICRO:-0}" == 1 ]]; then
  "$BUILD/bin/latent_bench" --benchmark_min_time=0.5
fi
