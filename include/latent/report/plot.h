// Minimal raster plots drawn into an RGB tensor and saved through the PNG writer: scatter
// plots, line curves and histograms with a frame. No text: the captions and colour keys
// go into results.md beside the figure.
#pragma once

#include <torch/torch.h>

#include <array>
#include <filesystem>
#include <string>
#include <vector>

namespace latent {

using Rgb = std::array<uint8_t, 3>;

// A colour per class (10 distinct colours, then repeating) and its name for captions.
Rgb class_colour(int64_t k);
std::string class_colour_name(int64_t k);

class Canvas {
 public:
  // A white width x height canvas; the plot area is inset by `margin` pixels and maps data
  // coordinates [x0, x1] x [y0, y1] (y up) onto it.
  Canvas(int64_t width, int64_t height, double x0, double x1, double y0, double y1, int64_t margin = 12);

  void frame(Rgb colour = {0, 0, 0});
  void dot(double x, double y, Rgb colour, int64_t radius = 1);
  void line(double xa, double ya, double xb, double yb, Rgb colour);
  void polyline(const std::vector<double>& xs, const std::vector<double>& ys, Rgb colour);
  // A filled rectangle in data coordinates; alpha in [0, 1] blends over what is there.
  void fill(double xa, double ya, double xb, double yb, Rgb colour, double alpha = 1.0);

  // (3, H, W) float in [0, 1].
  torch::Tensor image() const;
  void save_png(const std::filesystem::path& path) const;

 private:
  void put(int64_t px, int64_t py, Rgb colour, double alpha = 1.0);
  int64_t to_px(double x) const;
  int64_t to_py(double y) const;

  int64_t width_, height_, margin_;
  double x0_, x1_, y0_, y1_;
  std::vector<uint8_t> pixels_;  // H * W * 3
};

}  // namespace latent
