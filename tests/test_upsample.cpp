// models/upsample's 2× nearest upsampling against LibTorch's Upsample: values and gradient bits.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <limits>

#include "latent/models/layers.h"
#include "latent/models/upsample.h"
#include "test_util.h"

namespace {

torch::nn::Upsample nearest2x() {
  return torch::nn::Upsample(torch::nn::UpsampleOptions().scale_factor(std::vector<double>{2.0, 2.0}).mode(torch::kNearest));
}

// {y, ∂x} of one upsampling for a fixed output gradient.
std::pair<torch::Tensor, torch::Tensor> run(bool ours, const torch::Tensor& x0, const torch::Tensor& gy) {
  const auto x = x0.detach().requires_grad_();
  auto up = nearest2x();
  const auto y = ours ? latent::upsample_nearest2x(x) : up->forward(x);
  const auto g = torch::autograd::grad({y}, {x}, {gy})[0];
  return {y.detach(), g};
}

// Equal bit for bit, NaNs and the sign of zero included.
bool same_bits(const torch::Tensor& a, const torch::Tensor& b) {
  return a.sizes() == b.sizes() && torch::equal(a.contiguous().view(torch::kInt), b.contiguous().view(torch::kInt));
}

TEST(UpsampleNearest2x, ValuesAndGradientAreLibTorchsBitForBit) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  for (const auto& shape : std::vector<std::vector<int64_t>>{{3, 5, 7, 7}, {2, 4, 14, 14}, {1, 1, 1, 1}, {2, 3, 5, 33}}) {
    torch::manual_seed(13);
    const auto x = torch::randn(shape);
    auto gy = torch::randn({shape[0], shape[1], 2 * shape[2], 2 * shape[3]});
    // 2×2 blocks of gradients whose sum depends on the order of the additions (1 in LibTorch's
    // row-major order, 0 pairwise), of negative zeros (+0 after adding onto +0), and with infinities
    // and a NaN.
    auto block = [&](int64_t b, std::vector<float> v) {
      if (2 * b + 1 >= gy.size(3)) return;
      gy[0][0].index_put_({torch::indexing::Slice(0, 2), torch::indexing::Slice(2 * b, 2 * b + 2)}, torch::tensor(v).view({2, 2}));
    };
    block(0, {1e8f, 1.0f, -1e8f, 1.0f});
    block(1, {-0.0f, -0.0f, -0.0f, -0.0f});
    block(2, {inf, -inf, 1.0f, nan});
    const auto [one, two] = latent::testing::at_one_and_two_threads([&] {
      const auto a = run(true, x, gy);
      const auto b = run(false, x, gy);
      return std::make_pair(same_bits(a.first, b.first), same_bits(a.second, b.second));
    });
    EXPECT_TRUE(one.first && one.second) << "1 thread, " << x.sizes();
    EXPECT_TRUE(two.first && two.second) << "2 threads, " << x.sizes();
  }
}

TEST(UpsampleNearest2x, OtherTensorsAndModulesGoToLibTorch) {
  auto up = nearest2x();
  // Strided and double inputs: LibTorch's own result.
  const auto strided = torch::randn({2, 3, 6, 5}).transpose(2, 3);
  EXPECT_TRUE(torch::equal(latent::upsample_nearest2x(strided), up->forward(strided)));
  const auto dbl = torch::randn({1, 2, 3, 3}, torch::kDouble);
  EXPECT_TRUE(torch::equal(latent::upsample_nearest2x(dbl), up->forward(dbl)));
  // Only scale 2, nearest, by scale factor is recognised.
  EXPECT_TRUE(latent::is_upsample_nearest2x(*up));
  EXPECT_FALSE(latent::is_upsample_nearest2x(
      *torch::nn::Upsample(torch::nn::UpsampleOptions().scale_factor(std::vector<double>{2.0, 2.0}).mode(torch::kBilinear))));
  EXPECT_FALSE(latent::is_upsample_nearest2x(
      *torch::nn::Upsample(torch::nn::UpsampleOptions().scale_factor(std::vector<double>{3.0, 3.0}).mode(torch::kNearest))));
  EXPECT_FALSE(latent::is_upsample_nearest2x(
      *torch::nn::Upsample(torch::nn::UpsampleOptions().size(std::vector<int64_t>{8, 8}).mode(torch::kNearest))));
  // Through a Sequential, as the conv autoencoder runs it.
  torch::nn::Sequential seq(torch::nn::ReLU(), nearest2x());
  const auto x = torch::randn({2, 3, 4, 4});
  EXPECT_TRUE(torch::equal(latent::forward_sequential(seq, x), seq->forward(x)));
}

}  // namespace
