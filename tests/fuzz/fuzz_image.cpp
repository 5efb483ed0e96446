// libFuzzer target: the image reader (stb_image behind read_image) and fit_image must turn any
// bytes into a (C, H, W) image in [0, 1] with C = 1 or 3, or a latent::Error; never a crash or an
// allocation sized by a header that the data does not back.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "latent/core/error.h"
#include "latent/data/image_io.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/latent-fuzz-image-" + std::to_string(::getpid());
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    torch::Tensor image = latent::read_image(path);
    if (image.dim() != 3 || (image.size(0) != 1 && image.size(0) != 3)) __builtin_trap();
    if (image.numel() > 0 && (image.min().item<float>() < 0.0f || image.max().item<float>() > 1.0f)) __builtin_trap();
    for (int64_t c : {1, 3}) {
      try {
        torch::Tensor fitted = latent::fit_image(image, {c, 8, 8}, path);
        if (fitted.sizes() != torch::IntArrayRef({c, 8, 8})) __builtin_trap();
      } catch (const latent::Error&) {}
    }
  } catch (const latent::Error&) {}
  return 0;
}
