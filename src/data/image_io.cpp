// Image files through stb_image, resizing through bilinear interpolation.
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#include "latent/data/image_io.h"

#include <stb_image.h>

#include "latent/core/error.h"

namespace latent {

torch::Tensor read_image(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw Error(path.string() + ": no such image file");
  int w = 0, h = 0, c = 0;
  // The header's size is checked before anything is allocated for the pixels.
  if (!stbi_info(path.string().c_str(), &w, &h, &c)) throw Error(path.string() + ": not a readable image (" + stbi_failure_reason() + ")");
  if (static_cast<int64_t>(w) * h > kMaxImagePixels)
    throw Error(path.string() + ": a " + std::to_string(w) + " x " + std::to_string(h) + " image, larger than the limit of " +
                std::to_string(kMaxImagePixels) + " pixels");
  unsigned char* pixels = stbi_load(path.string().c_str(), &w, &h, &c, 0);
  if (!pixels) throw Error(path.string() + ": not a readable image (" + stbi_failure_reason() + ")");
  auto hwc = torch::from_blob(pixels, {h, w, c}, torch::kUInt8).clone();
  stbi_image_free(pixels);
  auto image = hwc.permute({2, 0, 1}).to(torch::kFloat32).div_(255.0);
  if (c == 2) image = image.slice(0, 0, 1);  // gray + alpha
  if (c == 4) image = image.slice(0, 0, 3);  // RGB + alpha
  return image.contiguous();
}

torch::Tensor fit_image(const torch::Tensor& image, const std::vector<int64_t>& shape, const std::filesystem::path& path) {
  check(image.dim() == 3, path.string() + ": expected a (C, H, W) image");
  if (shape.size() != 3 || (shape[0] != 1 && shape[0] != 3)) {
    std::string s;
    for (auto d : shape) s += (s.empty() ? "" : ", ") + std::to_string(d);
    throw Error("the model takes inputs of shape (" + s + "), not images");
  }
  auto x = image;
  if (shape[0] == 3 && x.size(0) == 1) x = x.expand({3, x.size(1), x.size(2)});
  if (shape[0] == 1 && x.size(0) == 3) {
    if (!torch::equal(x[0], x[1]) || !torch::equal(x[0], x[2]))
      throw Error(path.string() + ": a colour (RGB) image, but the model takes 1-channel (grayscale) images");
    x = x.slice(0, 0, 1);
  }
  if (x.size(1) != shape[1] || x.size(2) != shape[2]) {
    namespace F = torch::nn::functional;
    x = F::interpolate(x.unsqueeze(0), F::InterpolateFuncOptions()
                                           .size(std::vector<int64_t>{shape[1], shape[2]})
                                           .mode(torch::kBilinear)
                                           .align_corners(false))
            .squeeze(0)
            .clamp(0.0, 1.0);
  }
  return x.contiguous();
}

}  // namespace latent
