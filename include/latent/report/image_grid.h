// Image grids as PNG: rows of images (e.g. originals above reconstructions), and single images.
#pragma once

#include <torch/types.h>

#include <filesystem>
#include <vector>

namespace latent {

// Each row is (N, C, H, W) with values in [0, 1], C = 1 or 3; rows may differ in N (missing
// cells stay white) but not in C, H, W. `scale` repeats each pixel; `pad` pixels separate cells.
void write_image_grid_png(const std::filesystem::path& path, const std::vector<torch::Tensor>& rows, int64_t scale = 2,
                          int64_t pad = 2);

// One (C, H, W) image in [0, 1] as PNG.
void write_image_png(const std::filesystem::path& path, const torch::Tensor& image);

// The grid as an (H, W, C) uint8 tensor, before encoding.
torch::Tensor image_grid(const std::vector<torch::Tensor>& rows, int64_t scale = 2, int64_t pad = 2);

}  // namespace latent
