#!/bin/sh
# Compiles every public header on its own (no precompiled header, nothing included before it), so a
# header that leans on <torch/torch.h> or on another header its includer happened to include first
# fails here. Usage: scripts/check_headers.sh [BUILD_DIR]  (default build; needs a configured build
# for LibTorch's include folders). Prints each header that does not compile and exits 1 if any.
set -u
build=${1:-build}
make_flags="$build"/CMakeFiles/latent_core.dir/flags.make
[ -f "$make_flags" ] || { echo "check_headers: no $make_flags (configure $build first)" >&2; exit 2; }
flags="$(sed -n 's/^CXX_INCLUDES = //p' "$make_flags") $(sed -n 's/^CXX_DEFINES = //p' "$make_flags")"
failed=0
for header in include/latent/*/*.h; do
  if ! echo "#include \"${header#include/}\"" | eval g++ -std=c++17 -fsyntax-only -x c++ -I include "$flags" - 2>/tmp/check_headers.err; then
    echo "$header does not compile on its own:"; head -5 /tmp/check_headers.err; failed=1
  fi
done
exit $failed
