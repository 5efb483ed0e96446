// libFuzzer target: the IDX parser must reject any malformed bytes with latent::Error, never crash.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "latent/core/error.h"
#include "latent/data/idx.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);
  try {
    latent::IdxArray a = latent::parse_idx(bytes, "fuzz");
    int64_t total = 1;
    for (auto d : a.dims) total *= d;
    if (static_cast<int64_t>(a.bytes.size()) != total) __builtin_trap();
  } catch (const latent::Error&) {}
  return 0;
}
