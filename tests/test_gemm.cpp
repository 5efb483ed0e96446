// core/gemm's AVX-512 product and models/layers' linear() and relu_activation(): hand-computed
// values, a double-precision reference with the float error bound, strides, threads, gradients, the
// fallback rules, and the dense models through them against LibTorch's modules.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "latent/core/error.h"
#include "latent/core/gemm.h"
#include "latent/models/dense_autoencoder.h"
#include "latent/models/layers.h"
#include "latent/models/vae.h"
#include "test_util.h"

namespace {

#define SKIP_WITHOUT_KERNEL() \
  if (!latent::gemm_kernel_enabled()) GTEST_SKIP() << "no AVX-512 (or LATENT_GEMM=blas): the BLAS path is LibTorch's own"

// |C - exact| <= 2 K u (|A| |B| + |bias|) element by element (u = 2^-24): the bound of a float sum of
// K products accumulated in order; a wrong index, panel or tail gives errors of the size of C.
void expect_within_float_bound(const torch::Tensor& c, const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& bias) {
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
  SKIP_WITHOUT_KERNEL();
  const auto a = torch::tensor({{1.0f, 2.0f}, {3.0f, 4.0f}, {-1.0f, 0.5f}});
  const auto b = torch::tensor({{5.0f, 6.0f, 0.0f}, {7.0f, 8.0f, -2.0f}});
  const auto bias = torch::tensor({1.0f, -1.0f, 0.25f});
  const auto c = latent::gemm(a, b, bias);
  // rows: [1·5+2·7+1, 1·6+2·8−1, 0−4+0.25], [15+28+1, 18+32−1, −8+0.25], [−5+3.5+1, −6+4−1, −1+0.25]
  const auto expected = torch::tensor({{20.0f, 21.0f, -3.75f}, {44.0f, 49.0f, -7.75f}, {-0.5f, -3.0f, -0.75f}});
  EXPECT_TRUE(torch::equal(c, expected)) << c;
  EXPECT_TRUE(torch::equal(latent::gemm(a, b), expected - bias));
}

TEST(Gemm, MatchesDoublePrecisionOverShapesAndTails) {
  SKIP_WITHOUT_KERNEL();
  torch::manual_seed(3);
  // Row counts around the 6-row tile, column counts around the 16-column panel and 2-panel tile,
  // depths from 1 to past the column-block size (8192 / K panels).
  for (int64_t m : {1, 5, 6, 7, 13, 64}) {
    for (int64_t n : {1, 15, 16, 17, 32, 33, 100}) {
      for (int64_t k : {1, 3, 32, 257}) {
        const auto a = torch::randn({m, k});
        const auto b = torch::randn({k, n});
        const auto bias = torch::randn({n});
        expect_within_float_bound(latent::gemm(a, b, bias), a, b, bias);
      }
    }
  }
  // Many column blocks (K = 784: 10 panels a block; N = 784: 49 panels).
  const auto a = torch::rand({50, 784});
  const auto b = torch::randn({784, 784}) * 0.05;
  expect_within_float_bound(latent::gemm(a, b), a, b, {});
}

TEST(Gemm, ReadsTransposedAndStridedOperands) {
  SKIP_WITHOUT_KERNEL();
  torch::manual_seed(4);
  const auto a = torch::randn({40, 70});
  const auto b = torch::randn({70, 50});
  const auto bias = torch::randn({50});
  const auto c = latent::gemm(a, b, bias);
  // The same matrices as transposed views, and as every-other-column views of wider tensors.
  EXPECT_TRUE(torch::equal(latent::gemm(a.t().contiguous().t(), b.t().contiguous().t(), bias), c));
  auto wide_a = torch::zeros({40, 140});
  wide_a.index_put_({torch::indexing::Slice(), torch::indexing::Slice(0, 140, 2)}, a);
  auto wide_b = torch::zeros({70, 100});
  wide_b.index_put_({torch::indexing::Slice(), torch::indexing::Slice(1, 100, 2)}, b);
  auto wide_bias = torch::zeros({100});
  wide_bias.index_put_({torch::indexing::Slice(0, 100, 2)}, bias);
  EXPECT_TRUE(torch::equal(latent::gemm(wide_a.slice(1, 0, 140, 2), wide_b.slice(1, 1, 100, 2), wide_bias.slice(0, 0, 100, 2)), c));
}

TEST(Gemm, ThreadCountDoesNotChangeTheResult) {
  SKIP_WITHOUT_KERNEL();
  torch::manual_seed(5);
  const auto a = torch::randn({1000, 300});
  const auto b = torch::randn({300, 90});
  const auto [one, two] = latent::testing::at_one_and_two_threads([&] { return latent::gemm(a, b); });
  EXPECT_TRUE(torch::equal(one, two));  // every element is the same ordered sum, whoever computes it
}

TEST(Gemm, EmptyAndMismatchedShapes) {
  SKIP_WITHOUT_KERNEL();
  EXPECT_EQ(latent::gemm(torch::zeros({0, 4}), torch::zeros({4, 3})).sizes(), (std::vector<int64_t>{0, 3}));
  // K = 0: the bias alone.
  EXPECT_TRUE(torch::equal(latent::gemm(torch::zeros({2, 0}), torch::zeros({0, 3}), torch::ones({3})), torch::ones({2, 3})));
  EXPECT_THROW(latent::gemm(torch::zeros({2, 4}), torch::zeros({5, 3})), latent::Error);
  EXPECT_THROW(latent::gemm(torch::zeros({2, 4}), torch::zeros({4, 3}), torch::zeros({4})), latent::Error);
  EXPECT_THROW(latent::gemm(torch::zeros({2, 4}, torch::kDouble), torch::zeros({4, 3}, torch::kDouble)), latent::Error);
}

TEST(Gemm, LinearValuesAndGradientsMatchLibTorch) {
  SKIP_WITHOUT_KERNEL();
  torch::manual_seed(6);
  for (bool with_bias : {true, false}) {
    torch::nn::Linear layer(torch::nn::LinearOptions(70, 33).bias(with_bias));
    const auto x = torch::randn({40, 70}, torch::requires_grad());
    const auto g = torch::randn({40, 33});
    // Reference: LibTorch's Linear (the BLAS); ours: the kernel and LinearFunction's backward.
    auto y_ref = layer->forward(x);
    const auto grads_ref = torch::autograd::grad({y_ref}, with_bias ? std::vector<torch::Tensor>{x, layer->weight, layer->bias}
                                                                    : std::vector<torch::Tensor>{x, layer->weight}, {g});
    auto y = latent::linear(x, *layer);
    ASSERT_TRUE(y.requires_grad());
    const auto grads = torch::autograd::grad({y}, with_bias ? std::vector<torch::Tensor>{x, layer->weight, layer->bias}
                                                            : std::vector<torch::Tensor>{x, layer->weight}, {g});
    EXPECT_TRUE(torch::allclose(y, y_ref, 1e-5, 1e-5));
    for (size_t i = 0; i < grads.size(); ++i)
      EXPECT_TRUE(torch::allclose(grads[i], grads_ref[i], 1e-5, 1e-5)) << "gradient " << i << " (bias " << with_bias << ")";
  }
}

TEST(Gemm, LinearFallsBackToLibTorchBitForBit) {
  torch::nn::Linear layer(8, 5);
  // Fewer rows than kGemmMinRows, and a double layer: LibTorch's own forward, identical values.
  const auto few = torch::randn({latent::kGemmMinRows - 1, 8});
  EXPECT_TRUE(torch::equal(latent::linear(few, *layer), layer->forward(few)));
  layer->to(torch::kDouble);
  const auto dbl = torch::randn({32, 8}, torch::kDouble);
  EXPECT_TRUE(torch::equal(latent::linear(dbl, *layer), layer->forward(dbl)));
}

TEST(Layers, ReluActivationIsLibTorchsReluBitForBit) {
  // Forward and backward, with and without a graph, at 1 and 2 threads, small and large tensors.
  torch::manual_seed(10);
  for (int64_t rows : {128, 1024}) {
    const auto x = torch::randn({rows, 600});
    const auto g = torch::randn({rows, 600});
    auto reference = [&] {
      auto v = x.clone().requires_grad_(true);
      torch::relu(v).backward(g);
      return v.grad();
    }();
    const auto [one, two] = latent::testing::at_one_and_two_threads([&] {
      auto v = x.clone().requires_grad_(true);
      auto y = latent::relu_activation(v);
      EXPECT_TRUE(torch::equal(y, torch::relu(x)));
      y.backward(g);
      return v.grad();
    });
    EXPECT_TRUE(torch::equal(one, reference)) << rows << " rows";
    EXPECT_TRUE(torch::equal(two, reference)) << rows << " rows";
    torch::NoGradGuard no_grad;
    EXPECT_TRUE(torch::equal(latent::relu_activation(x), torch::relu(x)));
  }
}

TEST(Gemm, DenseAutoencoderThroughTheKernelMatchesLibTorch) {
  SKIP_WITHOUT_KERNEL();
  torch::manual_seed(7);
  latent::DenseAutoencoderOptions o;
  o.hidden = {64, 32};
  o.latent = 8;
  latent::DenseAutoencoder model(o);
  const auto x = torch::rand({48, 1, 28, 28});
  torch::NoGradGuard no_grad;
  auto h = x.reshape({48, 784});
  for (auto& m : *model->encoder) h = m.forward(h);  // LibTorch's Linear modules one by one
  EXPECT_TRUE(torch::allclose(model->encode(x), h, 1e-5, 1e-5));
  auto out = model->forward(x);
  auto logits = model->decoder->forward(out.code).reshape({48, 1, 28, 28});
  EXPECT_TRUE(torch::allclose(out.logits, logits, 1e-5, 1e-5));
}

TEST(Gemm, DenseVaeThroughTheKernelMatchesLibTorch) {
  SKIP_WITHOUT_KERNEL();
  torch::manual_seed(12);
  latent::VaeOptions o;
  o.input_shape = {1, 28, 28};
  o.hidden = {64};
  o.latent = 4;
  latent::DenseVae model(o);
  const auto x = torch::rand({48, 1, 28, 28});
  torch::NoGradGuard no_grad;
  auto h = model->encoder->forward(x.reshape({48, 784}));  // LibTorch's modules
  const auto q = model->posterior(x);
  EXPECT_TRUE(torch::allclose(q.mu, model->mu_head->forward(h), 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(q.logvar, model->logvar_head->forward(h), 1e-5, 1e-5));
  const auto z = torch::randn({48, 4});
  EXPECT_TRUE(torch::allclose(model->decode_logits(z), model->decoder->forward(z).reshape({48, 1, 28, 28}), 1e-5, 1e-5));
}

}  // namespace
