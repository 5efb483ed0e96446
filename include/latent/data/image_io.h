// Reading PNG/JPEG (and the other formats stb_image knows) into (C, H, W) float tensors,
// resized and converted to what a model takes.
#pragma once

#include <torch/types.h>

#include <filesystem>
#include <vector>

namespace latent {

// Decodes an image file as (C, H, W) float in [0, 1] with C = 1 (gray) or 3 (RGB); an alpha
// channel is dropped. Throws Error naming the file when it is missing or not a readable image.
// Images over kMaxImagePixels (width x height) are rejected before their pixels are decoded.
constexpr int64_t kMaxImagePixels = int64_t{1} << 26;
torch::Tensor read_image(const std::filesystem::path& path);

// Fits an image to `shape` = (C, H, W): bilinear resize to H x W; gray replicated to RGB when
// C = 3; an RGB image for C = 1 only when its three channels are equal (a gray image stored as
// RGB), else Error naming the file. `path` names the image in messages.
torch::Tensor fit_image(const torch::Tensor& image, const std::vector<int64_t>& shape,
                        const std::filesystem::path& path);

}  // namespace latent
