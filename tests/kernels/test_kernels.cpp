// Beside the conformance table: what each kernel promises that is not "ours against LibTorch's
// operator": hand-computed values, accuracy against double-precision references, strides, the inputs
// each refuses, the thread-local state the convolution split carries, finite differences.
#include <ATen/Config.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>

#include "kernel_test_util.h"
#include "latent/core/error.h"
#include "latent/kernels/conv2d.h"
#include "latent/kernels/conv_kernels.h"
#include "latent/kernels/conv_transpose.h"
#include "latent/kernels/fast_math.h"
#include "latent/kernels/fast_random.h"
#include "latent/kernels/fused_adam.h"
#include "latent/kernels/fused_loss.h"
#include "latent/kernels/gemm.h"
#include "test_util.h"

namespace latent {
namespace {

using testing::at_one_and_two_threads;

// ---- gemm ------------------------------------------------------------------------------------------

// |C - exact| <= 2 K u (|A| |B| + |bias|) element by element (u = 2^-24): the bound of a float sum of
// K products accumulated in order; a wrong index, panel or tail gives errors of the size of C.
void expect_within_float_bound(const torch::Tensor& c, const torch::Tensor& a, const torch::Tensor& b,
                               const torch::Tensor& bias) {
  auto exact = a.to(torch::kDouble).mm(b.to(torch::kDouble));
  auto scale = a.abs().to(torch::kDouble).mm(b.abs().to(torch::kDouble));
  if (bias.defined()) {
    exact = exact + bias.to(torch::kDouble);
    scale = scale + bias.abs().to(torch::kDouble);
  }
  const double u = std::ldexp(1.0, -24);
  const auto bound = 2.0 * static_cast<double>(a.size(1) + 1) * u * scale + 1e-30;
  const auto excess = ((c.to(torch::kDouble) - exact).abs() - bound).max().item<double>();
  EXPECT_LE(excess, 0.0) << "M " << a.size(0) << " K " << a.size(1) << " N " << b.size(1);
}

TEST(Gemm, HandComputedProductWithBias) {
  LATENT_REQUIRE_KERNEL(Kernel::kGemm);
  const auto a = torch::tensor({{1.0f, 2.0f}, {3.0f, 4.0f}, {-1.0f, 0.5f}});
  const auto b = torch::tensor({{5.0f, 6.0f, 0.0f}, {7.0f, 8.0f, -2.0f}});
  const auto bias = torch::tensor({1.0f, -1.0f, 0.25f});
  const auto c = gemm(a, b, bias);
  // rows: [1·5+2·7+1, 1·6+2·8−1, 0−4+0.25], [15+28+1, 18+32−1, −8+0.25], [−5+3.5+1, −6+4−1, −1+0.25]
  const auto expected = torch::tensor({{20.0f, 21.0f, -3.75f}, {44.0f, 49.0f, -7.75f}, {-0.5f, -3.0f, -0.75f}});
  EXPECT_TRUE(torch::equal(c, expected)) << c;
  EXPECT_TRUE(torch::equal(gemm(a, b), expected - bias));
}

TEST(Gemm, MatchesDoublePrecisionOverShapesAndTails) {
  LATENT_REQUIRE_KERNEL(Kernel::kGemm);
  torch::manual_seed(3);
  // Row counts around the 6-row tile, column counts around the 16-column panel and 2-panel tile,
  // depths from 1 to past the column-block size (8192 / K panels).
  for (int64_t m : {1, 5, 6, 7, 13, 64}) {
    for (int64_t n : {1, 15, 16, 17, 32, 33, 100}) {
      for (int64_t k : {1, 3, 32, 257}) {
        const auto a = torch::randn({m, k});
        const auto b = torch::randn({k, n});
        const auto bias = torch::randn({n});
        expect_within_float_bound(gemm(a, b, bias), a, b, bias);
      }
    }
  }
  // Many column blocks (K = 784: 10 panels a block; N = 784: 49 panels).
  const auto a = torch::rand({50, 784});
  const auto b = torch::randn({784, 784}) * 0.05;
  expect_within_float_bound(gemm(a, b), a, b, {});
}

TEST(Gemm, ReadsTransposedAndStridedOperands) {
  LATENT_REQUIRE_KERNEL(Kernel::kGemm);
  torch::manual_seed(4);
  const auto a = torch::randn({40, 70});
  const auto b = torch::randn({70, 50});
  const auto bias = torch::randn({50});
  const auto c = gemm(a, b, bias);
  // The same matrices as transposed views, and as every-other-column views of wider tensors.
  EXPECT_TRUE(torch::equal(gemm(a.t().contiguous().t(), b.t().contiguous().t(), bias), c));
  auto wide_a = torch::zeros({40, 140});
  wide_a.index_put_({torch::indexing::Slice(), torch::indexing::Slice(0, 140, 2)}, a);
  auto wide_b = torch::zeros({70, 100});
  wide_b.index_put_({torch::indexing::Slice(), torch::indexing::Slice(1, 100, 2)}, b);
  auto wide_bias = torch::zeros({100});
  wide_bias.index_put_({torch::indexing::Slice(0, 100, 2)}, bias);
  EXPECT_TRUE(
      torch::equal(gemm(wide_a.slice(1, 0, 140, 2), wide_b.slice(1, 1, 100, 2), wide_bias.slice(0, 0, 100, 2)), c));
}

TEST(Gemm, EmptyAndMismatchedShapes) {
  LATENT_REQUIRE_KERNEL(Kernel::kGemm);
  EXPECT_EQ(gemm(torch::zeros({0, 4}), torch::zeros({4, 3})).sizes(), (std::vector<int64_t>{0, 3}));
  // K = 0: the bias alone.
  EXPECT_TRUE(torch::equal(gemm(torch::zeros({2, 0}), torch::zeros({0, 3}), torch::ones({3})), torch::ones({2, 3})));
  EXPECT_THROW(gemm(torch::zeros({2, 4}), torch::zeros({5, 3})), Error);
  EXPECT_THROW(gemm(torch::zeros({2, 4}), torch::zeros({4, 3}), torch::zeros({4})), Error);
  EXPECT_THROW(gemm(torch::zeros({2, 4}, torch::kDouble), torch::zeros({4, 3}, torch::kDouble)), Error);
}

TEST(Gemm, LinearTakesBatchesOfFloatsOnly) {
  // Fewer rows than kGemmMinRows, doubles, a 3-D input: not taken (the substitution gives them to
  // LibTorch's Linear); asking anyway is an Error, never a wrong product.
  const auto w = torch::randn({5, 8});
  const auto b = torch::randn({5});
  EXPECT_TRUE(gemm_linear_takes(torch::randn({kGemmMinRows, 8}), w, b));
  EXPECT_TRUE(gemm_linear_takes(torch::randn({kGemmMinRows, 8}), w, {}));
  EXPECT_FALSE(gemm_linear_takes(torch::randn({kGemmMinRows - 1, 8}), w, b));
  EXPECT_FALSE(gemm_linear_takes(torch::randn({32, 8}, torch::kDouble), w.to(torch::kDouble), b.to(torch::kDouble)));
  EXPECT_FALSE(gemm_linear_takes(torch::randn({2, 16, 8}), w, b));
  EXPECT_THROW(gemm_linear(torch::randn({3, 8}), w, b), Error);
}

// ---- sigmoid, bce, count_same_side ------------------------------------------------------------------

TEST(FastMath, SigmoidIsAccurateEverywhere) {
  LATENT_REQUIRE_KERNEL(Kernel::kSigmoid);
  // Two million points over [−100, 100] (past both ends of float's exp) and the special values.
  auto x = torch::linspace(-100, 100, 2000001, torch::kFloat);
  const auto y = sigmoid_kernel(x).to(torch::kDouble);
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
  const auto special = sigmoid_kernel(torch::tensor({0.0f, inf, -inf, std::nanf("")}));
  EXPECT_EQ(special[0].item<float>(), 0.5f);
  EXPECT_EQ(special[1].item<float>(), 1.0f);
  EXPECT_LT(special[2].item<float>(), 1.2e-38f);
  EXPECT_TRUE(std::isnan(special[3].item<float>()));
}

TEST(FastMath, SigmoidTakesFloatsOutsideAutogradOnly) {
  // The kernel has no backward: an input that builds a graph is not taken, nor doubles or strided views.
  const auto x = torch::randn({4, 3});
  EXPECT_TRUE(sigmoid_kernel_takes(x));
  EXPECT_TRUE(sigmoid_kernel_takes(torch::empty({0, 3})));
  EXPECT_FALSE(sigmoid_kernel_takes(x.clone().requires_grad_(true)));
  {
    torch::NoGradGuard no_grad;
    EXPECT_TRUE(sigmoid_kernel_takes(x.clone().requires_grad_(true)));
  }
  EXPECT_FALSE(sigmoid_kernel_takes(x.to(torch::kDouble)));
  EXPECT_FALSE(sigmoid_kernel_takes(x.t()));
  EXPECT_THROW(sigmoid_kernel(x.t()), Error);
}

TEST(FastMath, SumBceWithLogitsIsAccurateElementByElement) {
  LATENT_REQUIRE_KERNEL(Kernel::kBce);
  // t = 0 leaves softplus(x): within 4 float ulp of the double value from x = −30 (2^−43) to 30.
  for (int i = -3000; i <= 3000; ++i) {
    const float x = static_cast<float>(i) / 100.0f;
    const double ours = sum_bce_with_logits(torch::tensor({x}), torch::tensor({0.0f}));
    const double xd = x;
    const double ref = std::max(xd, 0.0) + std::log1p(std::exp(-std::abs(xd)));
    EXPECT_LE(std::abs(ours - ref), 4 * std::ldexp(1.0, -24) * ref) << "x = " << x;
  }
  // Hand-computed: x = 0 gives log 2 for any t; x = 2, t = 1 gives log(1 + e^−2).
  EXPECT_NEAR(sum_bce_with_logits(torch::tensor({0.0f, 2.0f}), torch::tensor({0.3f, 1.0f})),
              std::log(2.0) + std::log1p(std::exp(-2.0)), 1e-6);
  // An infinite logit: LibTorch's +inf for +inf against t < 1, NaN for +inf against 1 and for −inf.
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(sum_bce_with_logits(torch::tensor({inf, 1.0f}), torch::tensor({0.0f, 0.5f})), inf);
  EXPECT_TRUE(std::isnan(sum_bce_with_logits(torch::tensor({inf}), torch::tensor({1.0f}))));
  EXPECT_TRUE(std::isnan(sum_bce_with_logits(torch::tensor({-inf}), torch::tensor({0.0f}))));
  EXPECT_TRUE(std::isnan(sum_bce_with_logits(torch::tensor({std::nanf("")}), torch::tensor({0.0f}))));
}

TEST(FastMath, SumBceWithLogitsIsNoLessAccurateThanLibTorchsFloat) {
  LATENT_REQUIRE_KERNEL(Kernel::kBce);
  // A decoder's output batch: logits spread over ±40, targets in [0, 1] with exact 0s and 1s.
  torch::manual_seed(3);
  auto x = torch::randn({256, 784}) * 10;
  auto t = torch::rand({256, 784});
  t.index_put_({0}, 0.0f);
  t.index_put_({1}, 1.0f);
  const double ours = sum_bce_with_logits(x, t);
  const double ref =
      torch::binary_cross_entropy_with_logits(x.to(torch::kDouble), t.to(torch::kDouble), {}, {}, at::Reduction::Sum)
          .item<double>();
  EXPECT_LT(std::abs(ours - ref) / ref, 1e-6);
  const double theirs = torch::binary_cross_entropy_with_logits(x, t, {}, {}, at::Reduction::Sum).item<double>();
  EXPECT_LE(std::abs(ours - ref), std::abs(theirs - ref) + 1e-6 * ref);
}

TEST(FastMath, SumBceWithLogitsRefusesWhatItCannotRead) {
  EXPECT_THROW(sum_bce_with_logits(torch::zeros({3}, torch::kDouble), torch::zeros({3}, torch::kDouble)), Error);
  EXPECT_THROW(sum_bce_with_logits(torch::zeros({3}), torch::zeros({4})), Error);
  EXPECT_THROW(sum_bce_with_logits(torch::zeros({4, 3}).t(), torch::zeros({3, 4})), Error);
}

TEST(FastMath, RowsBceWithLogitsIsEachRowsWholeSum) {
  LATENT_REQUIRE_KERNEL(Kernel::kBce);
  // Rows shorter and longer than a block (2048), images included: row r is sum_bce_with_logits of
  // row r alone (the same blocks in the same order), rounded once to float.
  torch::manual_seed(4);
  for (const auto& shape :
       {std::vector<int64_t>{5, 3000}, std::vector<int64_t>{7, 1, 4, 4}, std::vector<int64_t>{3, 2048}}) {
    const auto x = torch::randn(shape) * 8;
    const auto t = torch::rand(shape);
    const auto rows = rows_bce_with_logits(x, t);
    ASSERT_EQ(rows.sizes(), (std::vector<int64_t>{shape[0]}));
    ASSERT_EQ(rows.scalar_type(), torch::kFloat);
    for (int64_t r = 0; r < shape[0]; ++r)
      EXPECT_EQ(rows[r].item<float>(), static_cast<float>(sum_bce_with_logits(x[r].contiguous(), t[r].contiguous())))
          << "row " << r;
  }
  // Hand-computed: x = 0 gives log 2 whatever t; x = 2, t = 1 gives log(1 + e^-2).
  const auto hand =
      rows_bce_with_logits(torch::tensor({{0.0f, 0.0f}, {2.0f, 0.0f}}), torch::tensor({{0.3f, 1.0f}, {1.0f, 0.0f}}));
  EXPECT_NEAR(hand[0].item<float>(), 2 * std::log(2.0), 1e-6);
  EXPECT_NEAR(hand[1].item<float>(), std::log1p(std::exp(-2.0)) + std::log(2.0), 1e-6);
}

TEST(FastMath, RowsBceWithLogitsRefusesWhatItCannotRead) {
  EXPECT_THROW(rows_bce_with_logits(torch::zeros({3, 2}, torch::kDouble), torch::zeros({3, 2}, torch::kDouble)), Error);
  EXPECT_THROW(rows_bce_with_logits(torch::zeros({3, 2}), torch::zeros({2, 3})), Error);
  EXPECT_THROW(rows_bce_with_logits(torch::zeros({4, 3}).t(), torch::zeros({3, 4})), Error);
  EXPECT_THROW(rows_bce_with_logits(torch::zeros({}), torch::zeros({})), Error);
}

TEST(FastMath, CountSameSideHandComputed) {
  LATENT_REQUIRE_KERNEL(Kernel::kCountSameSide);
  // a > 0.5:  no  yes yes no  no(NaN) yes(exactly above) no(0.5 itself)
  // b > 0.5:  no  yes no  yes no      yes                 no
  const auto a = torch::tensor({0.1f, 0.9f, 0.7f, 0.2f, std::nanf(""), 0.5000001f, 0.5f});
  const auto b = torch::tensor({0.3f, 0.6f, 0.4f, 0.8f, 0.1f, 1.0f, 0.0f});
  const auto n = count_same_side_kernel(a, b, 0.5);
  EXPECT_EQ(n.scalar_type(), torch::kInt64);
  EXPECT_EQ(n.dim(), 0);
  EXPECT_EQ(n.item<int64_t>(), 5);
  // Not taken: strided, doubles, a threshold that is not a float.
  const auto strided = torch::rand({7, 3}).t();
  EXPECT_FALSE(count_same_side_takes(strided, strided.contiguous(), 0.5));
  EXPECT_FALSE(count_same_side_takes(a.to(torch::kDouble), b.to(torch::kDouble), 0.5));
  EXPECT_FALSE(count_same_side_takes(a, b, 0.1));
  EXPECT_THROW(count_same_side_kernel(a, b, 0.1), Error);
}

// ---- bce (fused losses) ----------------------------------------------------------------------------

TEST(FusedLoss, BceWithLogitsReusesTheModelsSigmoid) {
  LATENT_REQUIRE_KERNEL(Kernel::kBce);
  // Given the sigmoid the model computed, the loss and its gradient are those without it, bit for
  // bit, and the gradient still reaches the logits through the graph that made the sigmoid.
  torch::manual_seed(6);
  const auto w = torch::randn({8, 12}).requires_grad_(true);
  const auto x = torch::randn({5, 8});
  const auto target = torch::rand({5, 12});
  auto gradient = [&](bool reuse) {
    const auto logits = x.mm(w);
    const auto probs = torch::sigmoid(logits);
    auto loss = reuse ? fused_bce_with_logits_mean(logits, target, probs) : fused_bce_with_logits_mean(logits, target);
    auto g = torch::autograd::grad({loss}, {w})[0];
    return std::make_pair(loss.item<float>(), g);
  };
  const auto [with_probs, grad_with] = gradient(true);
  const auto [without, grad_without] = gradient(false);
  EXPECT_EQ(with_probs, without);
  EXPECT_TRUE(torch::equal(grad_with, grad_without));
  // They are used, not recomputed: the backward pass trusts what it is given (here, wrongly, 0.5).
  const auto half = torch::full({5, 12}, 0.5);
  const auto trusted = torch::autograd::grad({fused_bce_with_logits_mean(x.mm(w), target, half)}, {w})[0];
  EXPECT_TRUE(torch::allclose(trusted, x.t().mm(half - target) / 60.0));
  // Probabilities of another shape are not used (the sigmoid is recomputed).
  const auto logits = x.mm(w);
  const auto wrong = torch::full({5, 11}, 0.5);
  const auto g = torch::autograd::grad({fused_bce_with_logits_mean(logits, target, wrong)}, {w})[0];
  EXPECT_TRUE(torch::equal(g, grad_without));
}

TEST(FusedLoss, BceWithLogitsHandComputed) {
  LATENT_REQUIRE_KERNEL(Kernel::kBce);
  // x = 0: log 2 whatever the target; x = 2, t = 1: log(1 + e^-2); x = -1, t = 0.25:
  // softplus(-1) + 0.25 = log(1 + e^-1) + 0.25.
  auto x = torch::tensor({0.0, 2.0, -1.0}, torch::kDouble);
  auto t = torch::tensor({0.3, 1.0, 0.25}, torch::kDouble);
  const double expected = (std::log(2.0) + std::log1p(std::exp(-2.0)) + std::log1p(std::exp(-1.0)) + 0.25) / 3;
  EXPECT_NEAR(fused_bce_with_logits_mean(x, t).item<double>(), expected, 1e-15);
  EXPECT_NEAR(fused_bce_with_logits_mean(x.to(torch::kFloat), t.to(torch::kFloat)).item<float>(), expected, 1e-7);
}

TEST(FusedLoss, TakesLogitsAndTargetsOfOneKindWithoutTargetGradient) {
  const auto x = torch::randn({4, 3});
  const auto t = torch::rand({4, 3});
  EXPECT_TRUE(fused_bce_mean_takes(x, t));
  EXPECT_TRUE(fused_bce_per_example_takes(x, t));
  EXPECT_FALSE(fused_bce_mean_takes(x, t.clone().requires_grad_(true)));
  EXPECT_FALSE(fused_bce_per_example_takes(x, t.clone().requires_grad_(true)));
  EXPECT_FALSE(fused_bce_mean_takes(x, t.to(torch::kDouble)));
  EXPECT_FALSE(fused_bce_mean_takes(x, t.reshape({3, 4})));
  EXPECT_FALSE(fused_bce_mean_takes(torch::empty({0}), torch::empty({0})));
  EXPECT_FALSE(fused_bce_per_example_takes(torch::randn({}), torch::rand({})));
  EXPECT_THROW(fused_bce_with_logits_mean(x, t.clone().requires_grad_(true)), Error);
  EXPECT_THROW(fused_bce_with_logits_per_example(x, t.reshape({3, 4})), Error);
}

// ---- adam ------------------------------------------------------------------------------------------

TEST(FusedAdam, MovesParametersAndKeepsAdamState) {
  LATENT_REQUIRE_KERNEL(Kernel::kAdam);
  auto p = torch::zeros({3}, torch::requires_grad());
  FusedAdam opt({p}, torch::optim::AdamOptions(0.1));
  p.mutable_grad() = torch::tensor({1.0f, -2.0f, 0.0f});
  opt.step();
  // First Adam step: m_hat = g, v_hat = g^2, so p = -lr * g / (|g| + eps) = -lr * sign(g).
  auto expected = torch::tensor({-0.1f, 0.1f, 0.0f});
  EXPECT_TRUE(torch::allclose(p.detach(), expected, 1e-6, 1e-6)) << p;
  ASSERT_EQ(opt.state().size(), 1u);
  const auto& st = static_cast<const torch::optim::AdamParamState&>(*opt.state().begin()->second);
  EXPECT_EQ(st.step(), 1);
  EXPECT_TRUE(torch::allclose(st.exp_avg(), torch::tensor({0.1f, -0.2f, 0.0f})));
}

// ---- bernoulli, normal -----------------------------------------------------------------------------

TEST(FastRandom, BernoulliAvailableWhereLibTorchDrawsFromItsMt19937) {
#if !AT_MKL_ENABLED()
  EXPECT_TRUE(bernoulli_mask_available());
#else
  GTEST_SKIP() << "LibTorch with MKL: bernoulli_ draws another way, so the kernel is unavailable";
#endif
}

TEST(FastRandom, NormalAvailableWhereTheCpuHasAvx2AndFma) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
    GTEST_SKIP() << "no AVX2/FMA: LibTorch's normal_ takes another path, so the kernel is unavailable";
  EXPECT_TRUE(normal_fill_available());
#else
  GTEST_SKIP() << "not x86-64";
#endif
}

TEST(FastRandom, KernelsRefuseBadProbabilitiesAndTensorsTheyDoNotTake) {
  LATENT_REQUIRE_KERNEL(Kernel::kBernoulli);
  // LibTorch's bernoulli_ refuses these probabilities as well (no result to match).
  auto t = torch::empty({10});
  for (double p : {1.5, -0.1, std::nan("")}) {
    EXPECT_THROW(bernoulli_mask_kernel(t, p), Error) << p;
    EXPECT_THROW(t.bernoulli_(p), c10::Error) << p;
  }
  EXPECT_THROW(dropout_kernel(torch::randn({10}), 1.0), Error);
  EXPECT_FALSE(bernoulli_mask_takes(torch::empty({40, 6}).t()));
  EXPECT_FALSE(bernoulli_mask_takes(torch::empty({10}, torch::kDouble)));
  EXPECT_THROW(dropout_kernel(torch::randn({40, 6}).t(), 0.5), Error);
  // Under 16 elements LibTorch's normal_ draws another way; a negative or NaN std it refuses.
  EXPECT_TRUE(normal_fill_takes(torch::empty({16}), 1.0));
  EXPECT_FALSE(normal_fill_takes(torch::empty({15}), 1.0));
  EXPECT_FALSE(normal_fill_takes(torch::empty({300}), -1.0));
  EXPECT_FALSE(normal_fill_takes(torch::empty({300}), std::nan("")));
  EXPECT_FALSE(normal_fill_takes(torch::empty({300}).requires_grad_(), 1.0));
  EXPECT_FALSE(normal_fill_takes(torch::empty({40, 6}).t(), 1.0));
  auto few = torch::empty({15});
  EXPECT_THROW(normal_fill_kernel(few, 0.0, 1.0), Error);
}

// ---- conv2d, conv_transpose2d ----------------------------------------------------------------------

TEST(ConvKernels, BatchSlicesFollowTheThreadsAndTheBatch) {
  LATENT_REQUIRE_KERNEL(Kernel::kConv2d);
  const auto [one, two] = at_one_and_two_threads([] {
    return std::make_pair(batch_slices(torch::zeros({5, 1, 2, 2})), batch_slices(torch::zeros({1, 1, 2, 2})));
  });
  EXPECT_EQ(one, std::make_pair(int64_t{1}, int64_t{1}));
  EXPECT_EQ(two, std::make_pair(int64_t{2}, int64_t{1}));
  // Slices are contiguous, cover the batch once, and are the same whichever thread runs them.
  std::vector<std::pair<int64_t, int64_t>> seen(3);
  at_one_and_two_threads([&] {
    for_each_batch_slice(10, 3, [&](int64_t s, int64_t begin, int64_t end) {
      seen[static_cast<size_t>(s)] = {begin, end};
    });
    return 0;
  });
  EXPECT_EQ(seen, (std::vector<std::pair<int64_t, int64_t>>{{0, 3}, {3, 6}, {6, 10}}));
}

TEST(ConvKernels, TwoThreadsWorkUnderInferenceModeAndNoGrad) {
  LATENT_REQUIRE_KERNEL(Kernel::kConv2d);
  LATENT_REQUIRE_KERNEL(Kernel::kConvTranspose2d);
  // The split runs on OpenMP threads that do not share the caller's thread-local modes unless they
  // are carried over: an inference tensor written outside InferenceMode is an error.
  torch::manual_seed(4);
  const auto x = torch::randn({6, 8, 7, 7});
  const auto w_conv = torch::randn({16, 8, 3, 3}), b_conv = torch::randn({16});
  const auto w_wide = torch::randn({8, 16, 3, 3}), b_wide = torch::randn({16});
  const auto w_narrow = torch::randn({8, 1, 3, 3}), b_narrow = torch::randn({1});
  std::vector<std::function<torch::Tensor()>> layers = {
      [&] {
        return batch_split_conv2d(x, w_conv, b_conv, {1, 1}, {1, 1}, {1, 1}, 1);
      },
      [&] {
        return adjoint_conv_transpose2d(x, w_wide, b_wide, {2, 2}, {1, 1}, {1, 1}, 1, {1, 1});
      },
      [&] {
        return adjoint_conv_transpose2d(x, w_narrow, b_narrow, {2, 2}, {1, 1}, {1, 1}, 1, {1, 1});
      }};
  for (size_t i = 0; i < layers.size(); ++i) {
    const auto [expected, split] = at_one_and_two_threads([&] {
      c10::InferenceMode inference;
      return layers[i]();
    });
    EXPECT_TRUE(torch::equal(split, expected)) << "layer " << i;
    const auto [unused, no_grad] = at_one_and_two_threads([&] {
      torch::NoGradGuard guard;
      return layers[i]();
    });
    EXPECT_FALSE(no_grad.requires_grad()) << "layer " << i;
    EXPECT_TRUE(torch::equal(no_grad, expected)) << "layer " << i;
  }
}

TEST(ConvKernels, RefuseDoubleBackwardAndInputsTheyDoNotTake) {
  LATENT_REQUIRE_KERNEL(Kernel::kConv2d);
  LATENT_REQUIRE_KERNEL(Kernel::kConvTranspose2d);
  // Second-order gradients would come out wrong silently: refused instead.
  const auto x = torch::randn({2, 1, 3, 3}, torch::kDouble).requires_grad_();
  const auto w = torch::randn({1, 1, 3, 3}, torch::kDouble).requires_grad_();
  const auto y = batch_split_conv2d(x, w, {}, {1, 1}, {1, 1}, {1, 1}, 1).pow(2).sum();
  EXPECT_THROW(torch::autograd::grad({y}, {x}, {}, true, true), std::exception);
  const auto yt = adjoint_conv_transpose2d(x, w, {}, {1, 1}, {1, 1}, {0, 0}, 1, {1, 1}).pow(2).sum();
  EXPECT_THROW(torch::autograd::grad({yt}, {x}, {}, true, true), std::exception);
  // A 3-D input, or one of another dtype than the weight.
  EXPECT_FALSE(conv_kernels_take(torch::randn({1, 3, 3}), torch::randn({1, 1, 3, 3})));
  EXPECT_FALSE(conv_kernels_take(torch::randn({1, 1, 3, 3}), torch::randn({1, 1, 3, 3}, torch::kDouble)));
  EXPECT_THROW(batch_split_conv2d(torch::randn({1, 3, 3}), torch::randn({1, 1, 3, 3}), {}, {1, 1}, {1, 1}, {1, 1}, 1),
               Error);
}

TEST(ConvKernels, TransposeGradientByFiniteDifferences) {
  LATENT_REQUIRE_KERNEL(Kernel::kConvTranspose2d);
  // Central differences on a scalar of the output: independent of LibTorch's transposed convolution.
  // 16 output channels, so the forward takes the convolution-kernel route too.
  const auto opts = torch::TensorOptions().dtype(torch::kDouble);
  torch::manual_seed(2);
  auto x = torch::randn({2, 3, 3, 3}, opts).requires_grad_();
  auto w = torch::randn({3, 16, 3, 3}, opts).requires_grad_();
  const auto probe = torch::randn({2, 16, 6, 6}, opts);
  auto f = [&] { return (adjoint_conv_transpose2d(x, w, {}, {2, 2}, {1, 1}, {1, 1}, 1, {1, 1}) * probe).sum(); };
  const auto grads = torch::autograd::grad({f()}, {x, w});
  torch::NoGradGuard no_grad;
  const double eps = 1e-6;
  for (int which = 0; which < 2; ++which) {
    auto& t = which == 0 ? x : w;
    auto flat = t.view({-1});
    for (int64_t i = 0; i < flat.numel(); i += 7) {
      const double v = flat[i].item<double>();
      flat[i].fill_(v + eps);
      const double up = f().item<double>();
      flat[i].fill_(v - eps);
      const double down = f().item<double>();
      flat[i].fill_(v);
      EXPECT_NEAR(grads[which].view({-1})[i].item<double>(), (up - down) / (2 * eps), 1e-6);
    }
  }
}

}  // namespace
}  // namespace latent
