#!/usr/bin/env bash
# Packs what bench/gpu_check.sh needs on a GPU machine that has no Debian packages and no network
# (DEVELOPERS.md, "The machines"): the header-only dependencies, googletest's source and the
# Fashion-MNIST files, about 35 MB, into one ignored folder that the device tool carries along:
#   scripts/gpu_pack.sh [DIR]        (default build-gpu-pack)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build-gpu-pack}
fmnist=/usr/share/datasets/fashion-mnist
for need in /usr/src/googletest/CMakeLists.txt "$fmnist/train-images-idx3-ubyte.gz"; do
  [ -e "$need" ] || { echo "gpu_pack: $need is missing (run scripts/setup.sh first)" >&2; exit 1; }
done
rm -rf "$out"
mkdir -p "$out/fashion-mnist"
./scripts/vendor_headers.sh "$out/include" >/dev/null
cp -r /usr/src/googletest "$out/googletest"
cp "$fmnist"/*-ubyte.gz "$out/fashion-mnist/"
echo "gpu_pack: $(du -sh "$out" | cut -f1) in $out"
