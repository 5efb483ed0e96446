// Image grids drawn with tensor ops and encoded as PNG by stb_image_write.
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#include "latent/report/image_grid.h"

#include <stb_image_write.h>

#include "latent/core/error.h"
#include "latent/core/fs.h"

namespace latent {

torch::Tensor image_grid(const std::vector<torch::Tensor>& rows, int64_t scale, int64_t pad) {
  check(!rows.empty(), "image grid: no rows");
  const auto c = rows[0].size(1), h = rows[0].size(2), w = rows[0].size(3);
  check(c == 1 || c == 3, "image grid: images must have 1 or 3 channels");
  int64_t cols = 0;
  for (const auto& r : rows) {
    check(r.dim() == 4 && r.size(1) == c && r.size(2) == h && r.size(3) == w, "image grid: rows differ in image shape");
    cols = std::max(cols, r.size(0));
  }
  const int64_t cell_h = h * scale, cell_w = w * scale;
  const int64_t H = static_cast<int64_t>(rows.size()) * (cell_h + pad) + pad, W = cols * (cell_w + pad) + pad;
  torch::Tensor canvas = torch::ones({c, H, W}, torch::kFloat32);
  for (size_t i = 0; i < rows.size(); ++i) {
    auto r = rows[i].detach().to(torch::kCPU, torch::kFloat32).clamp(0.0, 1.0);
    if (scale > 1) r = r.repeat_interleave(scale, 2).repeat_interleave(scale, 3);
    for (int64_t j = 0; j < r.size(0); ++j) {
      const int64_t y = pad + static_cast<int64_t>(i) * (cell_h + pad), x = pad + j * (cell_w + pad);
      canvas.slice(1, y, y + cell_h).slice(2, x, x + cell_w).copy_(r[j]);
    }
  }
  return canvas.mul(255.0).round().to(torch::kUInt8).permute({1, 2, 0}).contiguous();
}

namespace {

void write_png(const std::filesystem::path& path, const torch::Tensor& hwc) {
  const int h = static_cast<int>(hwc.size(0)), w = static_cast<int>(hwc.size(1)), c = static_cast<int>(hwc.size(2));
  int len = 0;
  unsigned char* png = stbi_write_png_to_mem(hwc.data_ptr<uint8_t>(), w * c, w, h, c, &len);
  if (!png) throw Error(path.string() + ": PNG encoding failed");
  std::string bytes(reinterpret_cast<const char*>(png), static_cast<size_t>(len));
  STBIW_FREE(png);
  write_file_atomic(path, bytes);
}

}  // namespace

void write_image_grid_png(const std::filesystem::path& path, const std::vector<torch::Tensor>& rows, int64_t scale,
                          int64_t pad) {
  write_png(path, image_grid(rows, scale, pad));
}

void write_image_png(const std::filesystem::path& path, const torch::Tensor& image) {
  check(image.dim() == 3, "write_image_png: expected (C, H, W)");
  write_png(path, image.detach()
                      .to(torch::kCPU, torch::kFloat32)
                      .clamp(0.0, 1.0)
                      .mul(255.0)
                      .round()
                      .to(torch::kUInt8)
                      .permute({1, 2, 0})
                      .contiguous());
}

}  // namespace latent
