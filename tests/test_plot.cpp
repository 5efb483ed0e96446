// Raster plots: values outside the axes or not finite are clipped or skipped, never overflow
// (regression: a PR curve with NaN/inf points overflowed a pixel coordinate under UBSan).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "latent/report/plot.h"

namespace latent {
namespace {

// img: (3, H, W) in [0, 1] -> pixels that are not white
int64_t non_white(const torch::Tensor& img) { return (img.sum(0) < 3.0 - 1e-6).sum().item<int64_t>(); }

TEST(Plot, NonFiniteAndFarAwayPointsAreSafe) {
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  Canvas c(64, 64, 0.0, 1.0, 0.0, 1.0);
  c.line(0.0, nan, 1.0, 1.0, {0, 0, 0});
  c.line(0.0, 0.0, inf, 1.0, {0, 0, 0});
  c.dot(nan, 0.5, {0, 0, 0});
  EXPECT_EQ(non_white(c.image()), 0);
  // A point far outside the axes still draws the visible part of the line, in bounded time.
  c.line(0.0, 0.5, 1e300, 0.5, {0, 0, 0});
  const int64_t drawn = non_white(c.image());
  EXPECT_GT(drawn, 0);
  EXPECT_LE(drawn, 64);
  c.polyline({0.0, 0.5, 1.0}, {0.0, nan, 1.0}, {0, 0, 0});
  EXPECT_EQ(non_white(c.image()), drawn);
}

}  // namespace
}  // namespace latent
