#!/usr/bin/env bash
# glibc malloc settings vs training time on the fracture-cnn3d row (bench/NOTES.md, "MedMNIST-shaped
# rows"): one epoch of latent's 3-D CNN (latent run medmnist with fracture3d's model and batch) and of
# careful PyTorch (reference/pytorch/medmnist.py) on a synthetic FractureMNIST3D-shaped .npz, with
#   latent as built (keep_freed_memory: mallopt mmap 64 MiB / trim 256 MiB),
#   latent with glibc's defaults and with GLIBC_TUNABLES $BIG (LD_PRELOAD bench/nomallopt.c, which
#     turns latent's mallopt() into a no-op so that the environment's settings hold),
#   PyTorch with glibc's defaults, with latent's 64 MiB / 256 MiB and with $BIG as GLIBC_TUNABLES.
# Prints training seconds, minor page faults and system seconds of each process.
#   BUILD (default build), T (threads, default 1), ROUNDS (default "1 2"), SCALE (default 0.3 of
#   FractureMNIST3D's size: 308 training volumes), BIG (default mmap 256 MiB / trim 512 MiB).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=$(cd "${BUILD:-build}" && pwd)
T=${T:-1}
BIG=${BIG:-glibc.malloc.mmap_threshold=268435456:glibc.malloc.trim_threshold=536870912}
LATENT_SET=glibc.malloc.mmap_threshold=67108864:glibc.malloc.trim_threshold=268435456
export OMP_NUM_THREADS=$T OPENBLAS_NUM_THREADS=$T MKL_NUM_THREADS=$T
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cc -shared -fPIC -O2 -o "$TMP/nomallopt.so" bench/nomallopt.c
/usr/bin/python3 bench/medmnist_synth.py fracture "$TMP/synth-fracture.npz" --scale "${SCALE:-0.3}" --seed 42
NPZ=$TMP/synth-fracture.npz
seconds() { /usr/bin/python3 -c "import json, sys; print(json.load(open(sys.argv[1]))$2)" "$1"; }
lat() {
  rm -rf "$TMP/run"
  /usr/bin/time -o "$TMP/time" -f "faults %R sys %S" env "$@" "$BUILD/bin/latent" run medmnist \
    --set data.path="$NPZ" --set training.epochs=1 --set 'model.channels=[16,32,64]' --set 'model.fc=[64]' \
    --set training.batch_size=32 --threads "$T" --quiet --out "$TMP/run" >/dev/null
  echo "train $(seconds "$TMP/run/metrics.json" "['variants'][0]['train_seconds']")  $(cat "$TMP/time")"
}
pt() {
  /usr/bin/time -o "$TMP/time" -f "faults %R sys %S" env "$@" /usr/bin/python3 "$ROOT/reference/pytorch/medmnist.py" \
    "$NPZ" --channels 16,32,64 --fc 64 --batch-size 32 --threads "$T" >"$TMP/out"
  echo "train $(seconds "$TMP/out" "['train_seconds']")  $(cat "$TMP/time")"
}
echo "threads $T, load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in ${ROUNDS:-1 2}; do
  echo "round $r"
  echo "  latent as built (mallopt 64M/256M):    $(lat X=1)"
  echo "  latent, glibc defaults:                $(lat LD_PRELOAD="$TMP/nomallopt.so")"
  echo "  latent, GLIBC_TUNABLES=\$BIG:           $(lat LD_PRELOAD="$TMP/nomallopt.so" GLIBC_TUNABLES="$BIG")"
  echo "  pytorch careful, glibc defaults:       $(pt X=1)"
  echo "  pytorch careful, latent's 64M/256M:    $(pt GLIBC_TUNABLES=$LATENT_SET)"
  echo "  pytorch careful, GLIBC_TUNABLES=\$BIG:  $(pt GLIBC_TUNABLES="$BIG")"
done
echo "load after $(cut -d' ' -f1-3 /proc/loadavg)"
