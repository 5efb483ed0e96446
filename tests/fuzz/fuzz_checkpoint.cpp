// libFuzzer target: loading a damaged checkpoint must fail with latent::Error, never crash.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "latent/core/error.h"
#include "latent/studies/saved_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/latent-fuzz-checkpoint-" + std::to_string(getpid()) + ".pt";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    latent::load_autoencoder(path);
  } catch (const latent::Error&) {}
  return 0;
}
