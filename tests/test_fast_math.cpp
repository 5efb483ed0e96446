// fast_sigmoid against a double-precision reference and against torch::sigmoid.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>

#include "latent/core/fast_math.h"

namespace {

TEST(FastMath, SigmoidIsAccurateEverywhere) {
  // Two million points over [−100, 100] (past both ends of float's exp) and the special values.
  auto x = torch::linspace(-100, 100, 2000001, torch::kFloat);
  const auto y = latent::fast_sigmoid(x).to(torch::kDouble);
  const auto ref = torch::sigmoid(x.to(torch::kDouble));
  // Relative error within 4 float ulp (2^-22) wherever the result is a normal float; below that
  // (x < −87), absolute error under the smallest normal float.
  const auto normal = ref > 1.2e-38;
  const auto rel = ((y - ref).abs() / ref).masked_select(normal);
  EXPECT_LT(rel.max().item<double>(), 4 * std::ldexp(1.0, -24));
  EXPECT_LT((y - ref).abs().masked_select(~normal).max().item<double>(), 1.2e-38);
  // No less accurate than LibTorch's own float sigmoid (Sleef), measured the same way.
  const auto theirs = torch::sigmoid(x).to(torch::kDouble);
  const auto their_rel = ((theirs - ref).abs() / ref).masked_select(normal);
  EXPECT_LE(rel.max().item<double>(), their_rel.max().item<double>());

  const float inf = std::numeric_limits<float>::infinity();
  const auto special = latent::fast_sigmoid(torch::tensor({0.0f, inf, -inf, std::nanf("")}));
  EXPECT_EQ(special[0].item<float>(), 0.5f);
  EXPECT_EQ(special[1].item<float>(), 1.0f);
  EXPECT_LT(special[2].item<float>(), 1.2e-38f);
  EXPECT_TRUE(std::isnan(special[3].item<float>()));
}

TEST(FastMath, SigmoidGradientIsLibTorchs) {
  // The backward is LibTorch's sigmoid_backward on our y, grad · (1 − y) · y; against autograd
  // through torch::sigmoid it differs only by the few ulp between the two y.
  torch::manual_seed(1);
  const auto x = (torch::randn({64, 33}) * 5).requires_grad_(true);
  const auto g = torch::randn({64, 33});
  const auto y = latent::fast_sigmoid(x);
  const auto grad = torch::autograd::grad({y}, {x}, {g})[0];
  const auto yd = y.detach().to(torch::kDouble);
  const auto by_hand = (g.to(torch::kDouble) * (1 - yd) * yd);
  EXPECT_LT((grad.to(torch::kDouble) - by_hand).abs().max().item<double>(),
            1e-6 * by_hand.abs().max().item<double>());
  const auto theirs = torch::autograd::grad({torch::sigmoid(x)}, {x}, {g})[0];
  EXPECT_TRUE(torch::allclose(grad, theirs, 1e-5, 1e-7));
  EXPECT_FALSE(torch::equal(grad, torch::zeros_like(grad)));
}

TEST(FastMath, SigmoidFallsBackWhereItHasNoKernel) {
  // Double, non-contiguous and empty inputs are LibTorch's sigmoid, exactly.
  torch::manual_seed(2);
  const auto d = torch::randn({5, 7}, torch::kDouble);
  EXPECT_TRUE(torch::equal(latent::fast_sigmoid(d), torch::sigmoid(d)));
  const auto t = torch::randn({6, 4}).t();
  ASSERT_FALSE(t.is_contiguous());
  EXPECT_TRUE(torch::equal(latent::fast_sigmoid(t), torch::sigmoid(t)));
  EXPECT_EQ(latent::fast_sigmoid(torch::empty({0, 3})).sizes(), (std::vector<int64_t>{0, 3}));
}

TEST(FastMath, SigmoidSplitAcrossThreadsIsTheSame) {
  // Element-wise, so the result cannot depend on how the range is split between threads.
  const auto x = torch::randn({300000});
  const int before = torch::get_num_threads();
  torch::set_num_threads(1);
  const auto one = latent::fast_sigmoid(x);
  torch::set_num_threads(2);
  const auto two = latent::fast_sigmoid(x);
  torch::set_num_threads(before);
  EXPECT_TRUE(torch::equal(one, two));
}

}  // namespace
