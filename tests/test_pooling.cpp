// max_pool2x2 against LibTorch's max_pool2d: values, the winner among ties, NaNs and −inf, and the
// gradient, bit for bit, at 1 and 2 threads, with and without autograd.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <limits>

#include "latent/models/layers.h"
#include "latent/models/pooling.h"
#include "test_util.h"

namespace {

// {output, ∂x} for a fixed output gradient, by max_pool2x2 (ours) or torch::max_pool2d.
std::pair<torch::Tensor, torch::Tensor> pool(bool ours, const torch::Tensor& x0, const torch::Tensor& gy) {
  const auto x = x0.detach().requires_grad_();
  const auto y = ours ? latent::max_pool2x2(x) : torch::max_pool2d(x, 2);
  return {y.detach(), torch::autograd::grad({y}, {x}, {gy})[0]};
}

// Values with many ties (a few levels), some NaNs, −inf and −0, so every branch of the choice runs.
torch::Tensor awkward(int64_t b, int64_t c, int64_t h, int64_t w) {
  auto x = torch::randint(0, 4, {b, c, h, w}).to(torch::kFloat) - 1.5;
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  auto flat = x.view({-1});
  for (int64_t i = 0; i < flat.numel(); i += 7) flat[i] = nan;
  for (int64_t i = 3; i < flat.numel(); i += 11) flat[i] = -inf;
  for (int64_t i = 5; i < flat.numel(); i += 13) flat[i] = -0.0f;
  return x;
}

TEST(MaxPool2x2, LibTorchsValuesAndGradientBitForBit) {
  torch::manual_seed(1);
  for (const auto& x : {torch::randn({8, 16, 28, 28}), awkward(3, 5, 6, 10), torch::randn({1, 1, 2, 2}),
                        torch::full({2, 3, 4, 4}, -std::numeric_limits<float>::infinity())}) {
    auto gy = torch::randn({x.size(0), x.size(1), x.size(2) / 2, x.size(3) / 2});
    gy.view({-1})[0] = -0.0f;
    const auto [one, two] = latent::testing::at_one_and_two_threads([&] { return pool(true, x, gy); });
    const auto expected = pool(false, x, gy);
    for (const auto& got : {one, two}) {
      EXPECT_TRUE(torch::equal(got.first.isnan(), expected.first.isnan()));
      EXPECT_TRUE(torch::equal(torch::nan_to_num(got.first), torch::nan_to_num(expected.first)));
      // Same bits, so −0 and +0 are told apart as well.
      EXPECT_TRUE(torch::equal(got.second.view(torch::kInt), expected.second.view(torch::kInt)));
    }
    torch::NoGradGuard no_grad;
    EXPECT_TRUE(torch::equal(torch::nan_to_num(latent::max_pool2x2(x)), torch::nan_to_num(torch::max_pool2d(x, 2))));
  }
}

TEST(MaxPool2x2, OtherPoolingsAndTensorsAreLibTorchs) {
  torch::nn::MaxPool2d two(2), three(3), strided(torch::nn::MaxPool2dOptions(2).stride(1)),
      ceil(torch::nn::MaxPool2dOptions(2).ceil_mode(true));
  EXPECT_TRUE(latent::is_max_pool2x2(*two));
  EXPECT_FALSE(latent::is_max_pool2x2(*three));
  EXPECT_FALSE(latent::is_max_pool2x2(*strided));
  EXPECT_FALSE(latent::is_max_pool2x2(*ceil));
  const auto odd = torch::randn({2, 3, 5, 7});
  EXPECT_TRUE(torch::equal(latent::max_pool2x2(odd), torch::max_pool2d(odd, 2)));
  const auto strided_input = torch::randn({2, 3, 8, 8}).transpose(2, 3);
  EXPECT_TRUE(torch::equal(latent::max_pool2x2(strided_input), torch::max_pool2d(strided_input, 2)));
  // Through a Sequential as the conv autoencoder runs it.
  torch::nn::Sequential seq(torch::nn::MaxPool2d(2), torch::nn::MaxPool2d(3));
  const auto x = torch::randn({2, 4, 12, 12});
  EXPECT_TRUE(torch::equal(latent::forward_sequential(seq, x), seq->forward(x)));
}

}  // namespace
