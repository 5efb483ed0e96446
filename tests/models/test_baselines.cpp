// SSIM against a direct loop computation, and the PCA baseline on hand-made low-rank data.
#include <gtest/gtest.h>

#include <cmath>

#include "latent/core/error.h"
#include "latent/metrics/reconstruction.h"
#include "latent/models/pca.h"

namespace latent {
namespace {

TEST(Ssim, IdenticalImagesScoreOne) {
  auto x = torch::rand({3, 2, 16, 16}, torch::kFloat64);
  auto s = ssim_per_image(x, x);
  for (int64_t i = 0; i < 3; ++i) EXPECT_NEAR(s[i].item<double>(), 1.0, 1e-12);
}

TEST(Ssim, GaussianWindowIsNormalisedAndSymmetric) {
  auto g = gaussian_window(11, 1.5);
  EXPECT_NEAR(g.sum().item<double>(), 1.0, 1e-12);
  EXPECT_NEAR(g[0].item<double>(), g[10].item<double>(), 1e-15);
  // exp(-25 / 4.5) relative to the centre
  EXPECT_NEAR(g[0].item<double>() / g[5].item<double>(), std::exp(-25.0 / 4.5), 1e-12);
}

// SSIM written out as sums over every window position and pixel, with the 2-D window as
// the outer product of the 1-D Gaussian: the library's separable convolutions must agree.
double ssim_by_loops(const torch::Tensor& x, const torch::Tensor& y, int64_t size) {
  auto g = gaussian_window(size, 1.5);
  const int64_t h = x.size(0), w = x.size(1);
  const double c1 = 1e-4, c2 = 9e-4;
  double total = 0;
  int64_t positions = 0;
  for (int64_t i = 0; i + size <= h; ++i)
    for (int64_t j = 0; j + size <= w; ++j) {
      double mx = 0, my = 0, xx = 0, yy = 0, xy = 0;
      for (int64_t a = 0; a < size; ++a)
        for (int64_t b = 0; b < size; ++b) {
          const double wt = g[a].item<double>() * g[b].item<double>();
          const double u = x[i + a][j + b].item<double>(), v = y[i + a][j + b].item<double>();
          mx += wt * u, my += wt * v, xx += wt * u * u, yy += wt * v * v, xy += wt * u * v;
        }
      const double vx = xx - mx * mx, vy = yy - my * my, cxy = xy - mx * my;
      total += ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2));
      ++positions;
    }
  return total / static_cast<double>(positions);
}

TEST(Ssim, MatchesADirectLoopComputation) {
  torch::manual_seed(5);
  auto target = torch::rand({13, 14}, torch::kFloat64);
  auto recon = (target + 0.2 * torch::randn({13, 14}, torch::kFloat64)).clamp(0.0, 1.0);
  const double expected = ssim_by_loops(recon, target, 11);
  const double got = ssim_per_image(recon.view({1, 1, 13, 14}), target.view({1, 1, 13, 14}))[0].item<double>();
  EXPECT_NEAR(got, expected, 1e-12);
  EXPECT_LT(got, 0.95);
  EXPECT_GT(got, 0.0);
  // Images smaller than 11 pixels use the largest odd window that fits (here 7).
  auto small_t = target.slice(0, 0, 8).slice(1, 0, 7).contiguous(),
       small_r = recon.slice(0, 0, 8).slice(1, 0, 7).contiguous();
  EXPECT_NEAR(ssim_per_image(small_r.view({1, 1, 8, 7}), small_t.view({1, 1, 8, 7}))[0].item<double>(),
              ssim_by_loops(small_r, small_t, 7), 1e-12);
}

TEST(Ssim, AveragedInReconstructionSums) {
  torch::manual_seed(6);
  auto t = torch::rand({4, 1, 12, 12});
  auto r = (t + 0.1).clamp(0.0, 1.0);
  ReconstructionSums sums;
  sums.add(r.slice(0, 0, 1), t.slice(0, 0, 1));
  sums.add(r.slice(0, 1, 4), t.slice(0, 1, 4));
  EXPECT_NEAR(sums.metrics().ssim, ssim_per_image(r, t).mean().item<double>(), 1e-6);
}

TEST(Pca, RankKDataReconstructsExactlyWithKComponents) {
  torch::manual_seed(7);
  const int64_t n = 50, d = 12, k = 3;
  auto data = torch::randn({n, k}, torch::kFloat64).mm(torch::randn({k, d}, torch::kFloat64)) +
              torch::randn({d}, torch::kFloat64);
  auto pca = Pca::fit(data, k);
  EXPECT_EQ(pca.components.sizes().vec(), (std::vector<int64_t>{k, d}));
  EXPECT_TRUE(torch::allclose(pca.components.mm(pca.components.t()), torch::eye(k, torch::kFloat64), 1e-10, 1e-10));
  EXPECT_LT((pca.reconstruct(data) - data).abs().max().item<double>(), 1e-9);
  // One component fewer loses real variance.
  auto pca2 = Pca::fit(data, k - 1);
  EXPECT_GT((pca2.reconstruct(data) - data).pow(2).mean().item<double>(), 1e-3);
  // Variances in descending order; new points of the same subspace reconstruct exactly too.
  EXPECT_GE(pca.variances[0].item<double>(), pca.variances[1].item<double>());
  EXPECT_GE(pca.variances[1].item<double>(), pca.variances[2].item<double>());
}

TEST(Pca, HandComputedTwoDimensionalCase) {
  // Points on the line y = x through (1, 1): the first component is (1, 1)/sqrt(2), its
  // variance var([-2, 0, 2] * sqrt(2)) = 8 (sample variance with n - 1).
  auto data = torch::tensor({{-1.0, -1.0}, {1.0, 1.0}, {3.0, 3.0}}, torch::kFloat64);
  auto pca = Pca::fit(data, 1);
  EXPECT_NEAR(std::abs(pca.components[0][0].item<double>()), 1.0 / std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(pca.components[0][0].item<double>(), pca.components[0][1].item<double>(), 1e-12);
  EXPECT_NEAR(pca.variances[0].item<double>(), 8.0, 1e-12);
  EXPECT_TRUE(torch::allclose(pca.mean, torch::tensor({1.0, 1.0}, torch::kFloat64)));
  // (2, 0) projects to (1, 1) on that line.
  auto r = pca.reconstruct(torch::tensor({{2.0, 0.0}}, torch::kFloat64));
  EXPECT_NEAR(r[0][0].item<double>(), 1.0, 1e-12);
  EXPECT_NEAR(r[0][1].item<double>(), 1.0, 1e-12);
  EXPECT_THROW(Pca::fit(data, 3), Error);
}

}  // namespace
}  // namespace latent
