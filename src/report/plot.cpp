// Raster plots into an RGB buffer, saved as PNG through the image writer.
#include "latent/report/plot.h"

#include <algorithm>
#include <cmath>

#include "latent/core/error.h"
#include "latent/report/image_grid.h"

namespace latent {

namespace {

struct NamedColour {
  Rgb rgb;
  const char* name;
};

const std::vector<NamedColour>& palette() {
  static const std::vector<NamedColour> kPalette = {
      {{31, 119, 180}, "blue"},  {{255, 127, 14}, "orange"}, {{44, 160, 44}, "green"},  {{214, 39, 40}, "red"},
      {{148, 103, 189}, "purple"}, {{140, 86, 75}, "brown"},  {{227, 119, 194}, "pink"}, {{127, 127, 127}, "grey"},
      {{188, 189, 34}, "olive"}, {{23, 190, 207}, "cyan"},
  };
  return kPalette;
}

}  // namespace

Rgb class_colour(int64_t k) { return palette()[static_cast<size_t>(k % static_cast<int64_t>(palette().size()))].rgb; }
std::string class_colour_name(int64_t k) { return palette()[static_cast<size_t>(k % static_cast<int64_t>(palette().size()))].name; }

Canvas::Canvas(int64_t width, int64_t height, double x0, double x1, double y0, double y1, int64_t margin)
    : width_(width), height_(height), margin_(margin), x0_(x0), x1_(x1), y0_(y0), y1_(y1),
      pixels_(static_cast<size_t>(width * height * 3), 255) {
  check(width > 2 * margin + 1 && height > 2 * margin + 1, "plot: canvas too small");
  check(x1 > x0 && y1 > y0, "plot: empty data range");
}

namespace {
// Pixel offset of a data value, clamped to a few canvas sizes around the canvas so that values
// far outside the axes (or infinite) neither overflow nor make lines loop over huge ranges.
int64_t to_offset(double v, double lo, double hi, int64_t span) {
  const double px = (v - lo) / (hi - lo) * static_cast<double>(span);
  return static_cast<int64_t>(std::lround(std::clamp(px, -2.0 * static_cast<double>(span), 3.0 * static_cast<double>(span))));
}
}  // namespace

int64_t Canvas::to_px(double x) const { return margin_ + to_offset(x, x0_, x1_, width_ - 2 * margin_ - 1); }

int64_t Canvas::to_py(double y) const { return height_ - 1 - margin_ - to_offset(y, y0_, y1_, height_ - 2 * margin_ - 1); }

void Canvas::put(int64_t px, int64_t py, Rgb colour, double alpha) {
  if (px < 0 || py < 0 || px >= width_ || py >= height_) return;
  const size_t i = static_cast<size_t>((py * width_ + px) * 3);
  for (size_t c = 0; c < 3; ++c)
    pixels_[i + c] = static_cast<uint8_t>(std::lround(alpha * colour[c] + (1.0 - alpha) * pixels_[i + c]));
}

void Canvas::frame(Rgb colour) {
  const int64_t l = margin_ - 1, r = width_ - margin_, t = margin_ - 1, b = height_ - margin_;
  for (int64_t x = l; x <= r; ++x) put(x, t, colour), put(x, b, colour);
  for (int64_t y = t; y <= b; ++y) put(l, y, colour), put(r, y, colour);
}

void Canvas::dot(double x, double y, Rgb colour, int64_t radius) {
  if (!std::isfinite(x) || !std::isfinite(y)) return;
  const int64_t px = to_px(x), py = to_py(y);
  for (int64_t dy = -radius; dy <= radius; ++dy)
    for (int64_t dx = -radius; dx <= radius; ++dx) put(px + dx, py + dy, colour);
}

void Canvas::line(double xa, double ya, double xb, double yb, Rgb colour) {
  if (!std::isfinite(xa) || !std::isfinite(ya) || !std::isfinite(xb) || !std::isfinite(yb)) return;
  const int64_t ax = to_px(xa), ay = to_py(ya), bx = to_px(xb), by = to_py(yb);
  const int64_t steps = std::max<int64_t>({std::abs(bx - ax), std::abs(by - ay), 1});
  for (int64_t s = 0; s <= steps; ++s) {
    const double t = static_cast<double>(s) / static_cast<double>(steps);
    put(ax + std::lround(t * static_cast<double>(bx - ax)), ay + std::lround(t * static_cast<double>(by - ay)), colour);
  }
}

void Canvas::polyline(const std::vector<double>& xs, const std::vector<double>& ys, Rgb colour) {
  for (size_t i = 1; i < std::min(xs.size(), ys.size()); ++i) line(xs[i - 1], ys[i - 1], xs[i], ys[i], colour);
}

void Canvas::fill(double xa, double ya, double xb, double yb, Rgb colour, double alpha) {
  if (std::isnan(xa) || std::isnan(ya) || std::isnan(xb) || std::isnan(yb)) return;
  int64_t l = to_px(std::min(xa, xb)), r = to_px(std::max(xa, xb));
  int64_t t = to_py(std::max(ya, yb)), b = to_py(std::min(ya, yb));
  for (int64_t y = t; y <= b; ++y)
    for (int64_t x = l; x <= r; ++x) put(x, y, colour, alpha);
}

torch::Tensor Canvas::image() const {
  auto hwc = torch::from_blob(const_cast<uint8_t*>(pixels_.data()), {height_, width_, 3}, torch::kUInt8).clone();
  return hwc.permute({2, 0, 1}).to(torch::kFloat32).div(255.0);
}

void Canvas::save_png(const std::filesystem::path& path) const { write_image_png(path, image()); }

}  // namespace latent
