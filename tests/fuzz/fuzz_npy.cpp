// libFuzzer target: the .npy parser must reject any malformed bytes with latent::Error, never crash,
// and whatever it accepts is a C-contiguous tensor with no more elements than input bytes.
#include <torch/types.h>

#include <cstddef>
#include <cstdint>

#include "latent/core/error.h"
#include "latent/data/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    torch::Tensor t = latent::parse_npy(data, size, "fuzz");
    if (!t.is_contiguous() || t.numel() > static_cast<int64_t>(size)) __builtin_trap();  // every element has a byte
  } catch (const latent::Error&) {}
  return 0;
}
