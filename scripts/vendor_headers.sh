#!/usr/bin/env bash
# Copies latent's header-only dependencies (toml++, CLI11, nlohmann/json, stb) from this Debian
# machine into one folder, for building where no Debian package can be installed (e.g. a GPU
# machine with only a PyTorch wheel):  cmake ... -DLATENT_VENDOR_DIR=<that folder>
set -euo pipefail
out=${1:?usage: scripts/vendor_headers.sh OUTPUT_DIR}
mkdir -p "$out"
cp -r /usr/include/toml++ /usr/include/CLI /usr/include/nlohmann "$out/"
cp /usr/include/stb/stb_image_write.h /usr/include/stb/stb_image.h "$out/"
echo "vendored headers in $out"
