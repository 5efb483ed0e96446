// Reconstruction metrics against hand-computed values.
#include <gtest/gtest.h>

#include <cmath>

#include "latent/metrics/reconstruction.h"

namespace latent {
namespace {

TEST(Psnr, HandComputedValues) {
  // Image 0: every pixel off by 0.1 -> MSE 0.01 -> 20 dB. Image 1: off by 0.5 on half the
  // pixels -> MSE 0.125 -> 10 log10(8) = 9.0309 dB.
  auto target = torch::zeros({2, 1, 2, 2}, torch::kFloat64);
  auto recon = target.clone();
  recon[0].fill_(0.1);
  recon[1][0][0].fill_(0.5);
  auto p = psnr_per_image(recon, target);
  EXPECT_NEAR(p[0].item<double>(), 20.0, 1e-9);
  EXPECT_NEAR(p[1].item<double>(), 10.0 * std::log10(8.0), 1e-9);
}

TEST(Psnr, PerfectReconstructionIsCapped) {
  auto x = torch::rand({3, 4});
  EXPECT_NEAR(psnr_per_image(x, x)[0].item<double>(), 100.0, 1e-9);
}

TEST(Psnr, DataRange) {
  auto target = torch::zeros({1, 4});
  auto recon = torch::full({1, 4}, 25.5);
  // MSE 650.25, range 255 -> 10 log10(65025 / 650.25) = 20 dB.
  EXPECT_NEAR(psnr_per_image(recon, target, 255.0)[0].item<double>(), 20.0, 1e-9);
}

TEST(ReconstructionSums, MeansOverBatches) {
  ReconstructionSums s;
  auto t1 = torch::tensor({{0.0f, 1.0f}});
  auto r1 = torch::tensor({{0.25f, 0.5f}});
  s.add(r1, t1);
  auto t2 = torch::tensor({{1.0f, 1.0f}});
  auto r2 = torch::tensor({{0.75f, 0.75f}});
  s.add(r2, t2);
  auto m = s.metrics();
  // MSE: (0.0625 + 0.25 + 0.0625 + 0.0625) / 4
  EXPECT_NEAR(m.mse, 0.4375 / 4, 1e-7);
  // BCE: -(log 0.75 + log 0.5 + 2 log 0.75) / 4
  EXPECT_NEAR(m.bce, -(3 * std::log(0.75) + std::log(0.5)) / 4, 1e-6);
  // PSNR: mean of 10 log10(1 / 0.15625) and 10 log10(1 / 0.0625)
  EXPECT_NEAR(m.psnr_db, (10 * std::log10(1 / 0.15625) + 10 * std::log10(16.0)) / 2, 1e-6);
  // Pixel agreement at 0.5: (0 vs 0.25 yes, 1 vs 0.5 no, yes, yes) -> 3/4
  EXPECT_NEAR(m.pixel_accuracy, 0.75, 1e-12);
}

TEST(ReconstructionSums, BceFromLogitsMatchesProbabilities) {
  auto logits = torch::tensor({{-2.0f, 0.5f, 3.0f}});
  auto target = torch::tensor({{0.0f, 1.0f, 0.3f}});
  ReconstructionSums a, b;
  a.add(torch::sigmoid(logits), target, logits);
  b.add(torch::sigmoid(logits), target);
  EXPECT_NEAR(a.metrics().bce, b.metrics().bce, 1e-6);
}

}  // namespace
}  // namespace latent
