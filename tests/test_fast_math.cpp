// fast_sigmoid against a double-precision reference and against torch::sigmoid.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "latent/core/error.h"
#include "latent/core/fast_math.h"
#include "test_util.h"

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

TEST(FastMath, SigmoidUnderAutogradIsLibTorchs) {
  // Building a graph (training): torch::sigmoid itself, values and gradient bit for bit.
  torch::manual_seed(1);
  const auto x = (torch::randn({64, 33}) * 5).requires_grad_(true);
  const auto g = torch::randn({64, 33});
  const auto y = latent::fast_sigmoid(x);
  EXPECT_TRUE(torch::equal(y, torch::sigmoid(x)));
  const auto grad = torch::autograd::grad({y}, {x}, {g})[0];
  EXPECT_TRUE(torch::equal(grad, torch::autograd::grad({torch::sigmoid(x)}, {x}, {g})[0]));
  // The same input without a graph (evaluation, inference) takes the fast kernel: no grad_fn.
  {
    torch::NoGradGuard no_grad;
    EXPECT_FALSE(latent::fast_sigmoid(x).requires_grad());
    EXPECT_TRUE(torch::allclose(latent::fast_sigmoid(x), torch::sigmoid(x), 1e-6, 0));
  }
  {
    c10::InferenceMode inference;
    const auto xi = x.detach().clone();
    EXPECT_TRUE(torch::allclose(latent::fast_sigmoid(xi), torch::sigmoid(xi), 1e-6, 0));
  }
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
  const auto [one, two] = latent::testing::at_one_and_two_threads([&] { return latent::fast_sigmoid(x); });
  EXPECT_TRUE(torch::equal(one, two));
}

TEST(FastMath, SumBceWithLogitsIsAccurateElementByElement) {
  // t = 0 leaves softplus(x): within 4 float ulp of the double value from x = −30 (2^−43) to 30.
  for (int i = -3000; i <= 3000; ++i) {
    const float x = static_cast<float>(i) / 100.0f;
    const double ours = latent::sum_bce_with_logits(torch::tensor({x}), torch::tensor({0.0f}));
    const double xd = x;
    const double ref = std::max(xd, 0.0) + std::log1p(std::exp(-std::abs(xd)));
    EXPECT_LE(std::abs(ours - ref), 4 * std::ldexp(1.0, -24) * ref) << "x = " << x;
  }
  // Hand-computed: x = 0 gives log 2 for any t; x = 2, t = 1 gives log(1 + e^−2).
  EXPECT_NEAR(latent::sum_bce_with_logits(torch::tensor({0.0f, 2.0f}), torch::tensor({0.3f, 1.0f})),
              std::log(2.0) + std::log1p(std::exp(-2.0)), 1e-6);
}

TEST(FastMath, SumBceWithLogitsMatchesLibTorchOverABatch) {
  // A decoder's output batch: logits spread over ±40, targets in [0, 1] with exact 0s and 1s.
  torch::manual_seed(3);
  auto x = torch::randn({256, 784}) * 10;
  auto t = torch::rand({256, 784});
  t.index_put_({0}, 0.0f);
  t.index_put_({1}, 1.0f);
  const double ours = latent::sum_bce_with_logits(x, t);
  const double ref = torch::binary_cross_entropy_with_logits(x.to(torch::kDouble), t.to(torch::kDouble), {}, {},
                                                             at::Reduction::Sum)
                         .item<double>();
  EXPECT_LT(std::abs(ours - ref) / ref, 1e-6);
  const double theirs =
      torch::binary_cross_entropy_with_logits(x, t, {}, {}, at::Reduction::Sum).item<double>();
  EXPECT_LE(std::abs(ours - ref), std::abs(theirs - ref) + 1e-6 * ref);
}

TEST(FastMath, SumBceWithLogitsIsTheSameForAnyThreadCount) {
  // Blocks are summed in order, so the split between threads cannot change the rounding.
  const auto x = torch::randn({300001}) * 5;
  const auto t = torch::rand({300001});
  const auto [one, two] = latent::testing::at_one_and_two_threads([&] { return latent::sum_bce_with_logits(x, t); });
  EXPECT_EQ(one, two);
}

TEST(FastMath, SumBceWithLogitsRefusesWhatItCannotRead) {
  EXPECT_THROW(latent::sum_bce_with_logits(torch::zeros({3}, torch::kDouble), torch::zeros({3}, torch::kDouble)),
               latent::Error);
  EXPECT_THROW(latent::sum_bce_with_logits(torch::zeros({3}), torch::zeros({4})), latent::Error);
  EXPECT_THROW(latent::sum_bce_with_logits(torch::zeros({4, 3}).t(), torch::zeros({3, 4})), latent::Error);
}

TEST(FastMath, RowsBceWithLogitsIsEachRowsWholeSum) {
  // Rows shorter and longer than a block (2048), images included: row r is sum_bce_with_logits of
  // row r alone (the same blocks in the same order), rounded once to float.
  torch::manual_seed(4);
  for (const auto& shape : {std::vector<int64_t>{5, 3000}, std::vector<int64_t>{7, 1, 4, 4}, std::vector<int64_t>{3, 2048}}) {
    const auto x = torch::randn(shape) * 8;
    const auto t = torch::rand(shape);
    const auto rows = latent::rows_bce_with_logits(x, t);
    ASSERT_EQ(rows.sizes(), (std::vector<int64_t>{shape[0]}));
    ASSERT_EQ(rows.scalar_type(), torch::kFloat);
    for (int64_t r = 0; r < shape[0]; ++r)
      EXPECT_EQ(rows[r].item<float>(), static_cast<float>(latent::sum_bce_with_logits(x[r].contiguous(), t[r].contiguous())))
          << "row " << r;
  }
  // Hand-computed: x = 0 gives log 2 whatever t; x = 2, t = 1 gives log(1 + e^-2).
  const auto hand = latent::rows_bce_with_logits(torch::tensor({{0.0f, 0.0f}, {2.0f, 0.0f}}), torch::tensor({{0.3f, 1.0f}, {1.0f, 0.0f}}));
  EXPECT_NEAR(hand[0].item<float>(), 2 * std::log(2.0), 1e-6);
  EXPECT_NEAR(hand[1].item<float>(), std::log1p(std::exp(-2.0)) + std::log(2.0), 1e-6);
}

TEST(FastMath, RowsBceWithLogitsIsTheSameForAnyThreadCount) {
  const auto x = torch::randn({512, 784}) * 5;
  const auto t = torch::rand({512, 784});
  const auto [one, two] = latent::testing::at_one_and_two_threads([&] { return latent::rows_bce_with_logits(x, t); });
  EXPECT_TRUE(torch::equal(one, two));
}

TEST(FastMath, RowsBceWithLogitsRefusesWhatItCannotRead) {
  EXPECT_THROW(latent::rows_bce_with_logits(torch::zeros({3, 2}, torch::kDouble), torch::zeros({3, 2}, torch::kDouble)), latent::Error);
  EXPECT_THROW(latent::rows_bce_with_logits(torch::zeros({3, 2}), torch::zeros({2, 3})), latent::Error);
  EXPECT_THROW(latent::rows_bce_with_logits(torch::zeros({4, 3}).t(), torch::zeros({3, 4})), latent::Error);
  EXPECT_THROW(latent::rows_bce_with_logits(torch::zeros({}), torch::zeros({})), latent::Error);
}

TEST(FastMath, CountSameSideHandComputed) {
  // a > 0.5:  no  yes yes no  no(NaN) yes(exactly above) no(0.5 itself)
  // b > 0.5:  no  yes no  yes no      yes                 no
  const auto a = torch::tensor({0.1f, 0.9f, 0.7f, 0.2f, std::nanf(""), 0.5000001f, 0.5f});
  const auto b = torch::tensor({0.3f, 0.6f, 0.4f, 0.8f, 0.1f, 1.0f, 0.0f});
  const auto n = latent::count_same_side(a, b, 0.5);
  EXPECT_EQ(n.scalar_type(), torch::kInt64);
  EXPECT_EQ(n.dim(), 0);
  EXPECT_EQ(n.item<int64_t>(), 5);
}

TEST(FastMath, CountSameSideMatchesLibTorchAndThreads) {
  // Over a batch big enough to split (2 threads), against the LibTorch expression it replaces, and
  // for what the kernel does not read (strided, double) the expression itself.
  torch::manual_seed(7);
  const auto a = torch::rand({1000, 1001});
  const auto b = torch::rand({1000, 1001});
  const int64_t expected = ((a > 0.5) == (b > 0.5)).sum().item<int64_t>();
  const auto [one, two] = latent::testing::at_one_and_two_threads(
      [&] { return latent::count_same_side(a, b, 0.5).item<int64_t>(); });
  EXPECT_EQ(one, expected);
  EXPECT_EQ(two, expected);
  EXPECT_EQ(latent::count_same_side(a.t(), b.t(), 0.5).item<int64_t>(), expected);
  EXPECT_EQ(latent::count_same_side(a.to(torch::kDouble), b.to(torch::kDouble), 0.5).item<int64_t>(), expected);
}

}  // namespace
