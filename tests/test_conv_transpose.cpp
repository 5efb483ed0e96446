// AdjointConvTranspose2d against LibTorch's ConvTranspose2d: values and gradients, in double and in
// float (the float path is the one oneDNN runs), for both forward routes, plus a finite-difference check.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "latent/core/error.h"
#include "latent/models/conv_transpose.h"
#include "test_util.h"

namespace {

struct Case {
  int64_t batch, cin, cout, h, w, k, stride, pad, out_pad, groups, dilation;
};

// The studies' shapes (3×3 stride 2 + output padding, 4×4 stride 2, 3×3 stride 1) with outputs on
// both sides of kAdjointForwardMinChannels, and odd ones: non-square, groups, dilation, padding 0.
const std::vector<Case> kCases = {
    {3, 8, 16, 7, 7, 3, 2, 1, 1, 1, 1},  {2, 6, 1, 6, 6, 4, 2, 1, 0, 1, 1},   {2, 4, 20, 5, 8, 3, 1, 1, 0, 1, 1},
    {1, 2, 3, 9, 4, 5, 2, 2, 1, 1, 1},   {2, 4, 16, 6, 5, 3, 2, 1, 0, 2, 1},  {2, 3, 4, 5, 5, 3, 1, 0, 0, 1, 2},
    {2, 16, 32, 4, 4, 4, 2, 1, 0, 1, 1},
};

torch::Tensor ours(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b, const Case& c) {
  return latent::adjoint_conv_transpose2d(x, w, b, {c.stride, c.stride}, {c.pad, c.pad}, {c.out_pad, c.out_pad},
                                          c.groups, {c.dilation, c.dilation});
}
torch::Tensor theirs(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b, const Case& c) {
  return torch::conv_transpose2d(x, w, b, {c.stride, c.stride}, {c.pad, c.pad}, {c.out_pad, c.out_pad}, c.groups,
                                 {c.dilation, c.dilation});
}

using latent::testing::rel_diff;

void compare_with_libtorch(torch::Dtype dtype, double tol) {
  const auto opts = torch::TensorOptions().dtype(dtype);
  torch::manual_seed(1);
  for (const auto& c : kCases) {
    const std::string what = "case cin " + std::to_string(c.cin) + " cout " + std::to_string(c.cout) + " k " +
                             std::to_string(c.k) + " groups " + std::to_string(c.groups);
    const auto x = torch::randn({c.batch, c.cin, c.h, c.w}, opts).requires_grad_();
    const auto w = torch::randn({c.cin, c.cout / c.groups, c.k, c.k}, opts).requires_grad_();
    const auto b = torch::randn({c.cout}, opts).requires_grad_();
    const auto y = ours(x, w, b, c);
    const auto ref = theirs(x, w, b, c);
    ASSERT_EQ(y.sizes(), ref.sizes()) << what;
    EXPECT_LT(rel_diff(y, ref), tol) << what;
    const auto g = torch::randn_like(ref);
    const auto ga = torch::autograd::grad({y}, {x, w, b}, {g});
    const auto gb = torch::autograd::grad({ref}, {x, w, b}, {g});
    for (size_t i = 0; i < 3; ++i) EXPECT_LT(rel_diff(ga[i], gb[i]), tol) << what << ", gradient " << i;
  }
}

TEST(AdjointConvTranspose, MatchesLibTorchInDouble) { compare_with_libtorch(torch::kDouble, 1e-13); }

TEST(AdjointConvTranspose, MatchesLibTorchInFloat) { compare_with_libtorch(torch::kFloat, 1e-5); }

TEST(AdjointConvTranspose, GradientByFiniteDifferences) {
  // Central differences on a scalar of the output: independent of LibTorch's transposed convolution.
  // 16 output channels, so the forward takes the convolution-kernel route too.
  const auto opts = torch::TensorOptions().dtype(torch::kDouble);
  torch::manual_seed(2);
  auto x = torch::randn({2, 3, 3, 3}, opts).requires_grad_();
  auto w = torch::randn({3, 16, 3, 3}, opts).requires_grad_();
  const auto probe = torch::randn({2, 16, 6, 6}, opts);
  auto f = [&] { return (latent::adjoint_conv_transpose2d(x, w, {}, {2, 2}, {1, 1}, {1, 1}, 1, {1, 1}) * probe).sum(); };
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

TEST(AdjointConvTranspose, ModuleIsADropInForConvTranspose2d) {
  // Same seed: same initial weights, same parameter names and shapes, same outputs.
  for (int64_t cout : {4, 16}) {
    const auto opts = torch::nn::ConvTranspose2dOptions(6, cout, 3).stride(2).padding(1).output_padding(1);
    torch::manual_seed(3);
    torch::nn::ConvTranspose2d reference(opts);
    torch::manual_seed(3);
    latent::AdjointConvTranspose2d layer(opts);
    const auto a = reference->named_parameters();
    const auto b = layer->named_parameters();
    ASSERT_EQ(a.keys(), b.keys());
    for (const auto& key : a.keys()) EXPECT_TRUE(torch::equal(a[key], b[key])) << key;
    const auto x = torch::randn({3, 6, 5, 5});
    EXPECT_LT(rel_diff(layer->forward(x), reference->forward(x)), 1e-5);
  }
  latent::AdjointConvTranspose2d no_bias(torch::nn::ConvTranspose2dOptions(2, 3, 4).bias(false));
  EXPECT_EQ(no_bias->parameters().size(), 1u);
  EXPECT_EQ(no_bias->forward(torch::randn({1, 2, 5, 5})).sizes(), (std::vector<int64_t>{1, 3, 8, 8}));
}

TEST(AdjointConvTranspose, FewOutputChannelsGiveLibTorchsValuesAtAnyThreadCount) {
  // Under 16 output channels the forward is LibTorch's, its batch split over the threads: every
  // image's values are those of one unsplit call, bit for bit, at 1 and 2 threads (odd batch too).
  torch::manual_seed(5);
  for (int64_t batch : {1, 7, 64}) {
    const auto opts = torch::nn::ConvTranspose2dOptions(16, 1, 3).stride(2).padding(1).output_padding(1);
    latent::AdjointConvTranspose2d layer(opts);
    const auto x = torch::randn({batch, 16, 14, 14});
    const auto expected = torch::conv_transpose2d(x, layer->weight, layer->bias, 2, 1, 1).detach();
    const auto [one, two] = latent::testing::at_one_and_two_threads([&] { return layer->forward(x).detach(); });
    EXPECT_TRUE(torch::equal(one, expected)) << batch;
    EXPECT_TRUE(torch::equal(two, expected)) << batch;
    torch::NoGradGuard no_grad;
    EXPECT_TRUE(torch::equal(layer->forward(x), expected)) << batch;
  }
}

TEST(AdjointConvTranspose, TwoThreadsSplitOnlyTheBatchSums) {
  // At 2 threads each route computes every image's output and input gradient by the same kernel on a
  // slice of the batch (bit for bit the 1-thread values); weight and bias gradients are sums over the
  // batch added slice by slice, equal up to float rounding.
  torch::manual_seed(6);
  for (int64_t cout : {1, 16}) {
    const auto x0 = torch::randn({9, 32, 7, 7});
    latent::AdjointConvTranspose2d layer(torch::nn::ConvTranspose2dOptions(32, cout, 3).stride(2).padding(1).output_padding(1));
    const auto gy = torch::randn({9, cout, 14, 14});
    const auto [one, two] = latent::testing::at_one_and_two_threads([&] {
      const auto x = x0.detach().requires_grad_();
      const auto y = layer->forward(x);
      auto grads = torch::autograd::grad({y}, {x, layer->weight, layer->bias}, {gy});
      return std::vector<torch::Tensor>{y.detach(), grads[0], grads[1], grads[2]};
    });
    EXPECT_TRUE(torch::equal(one[0], two[0])) << cout;
    EXPECT_TRUE(torch::equal(one[1], two[1])) << cout;
    EXPECT_LT(rel_diff(two[2], one[2]), 1e-5) << cout;
    EXPECT_LT(rel_diff(two[3], one[3]), 1e-5) << cout;
  }
}

TEST(AdjointConvTranspose, WorksUnderInferenceModeAndNoGrad) {
  torch::manual_seed(4);
  latent::AdjointConvTranspose2d layer(torch::nn::ConvTranspose2dOptions(8, 16, 3).stride(2).padding(1).output_padding(1));
  const auto x = torch::randn({2, 8, 7, 7});
  const auto expected = layer->forward(x).detach();
  {
    torch::NoGradGuard no_grad;
    EXPECT_TRUE(torch::equal(layer->forward(x), expected));
  }
  c10::InferenceMode inference;
  EXPECT_TRUE(torch::equal(layer->forward(x), expected));
}

TEST(AdjointConvTranspose, RefusesWhatItCannotCompute) {
  EXPECT_THROW(latent::AdjointConvTranspose2d(torch::nn::ConvTranspose2dOptions(2, 2, 3).padding_mode(torch::kCircular)),
               latent::Error);
  // Second-order gradients would come out wrong silently: refused instead.
  const auto x = torch::randn({1, 1, 3, 3}, torch::kDouble).requires_grad_();
  const auto w = torch::randn({1, 1, 3, 3}, torch::kDouble).requires_grad_();
  const auto y = latent::adjoint_conv_transpose2d(x, w, {}, {1, 1}, {1, 1}, {0, 0}, 1, {1, 1}).pow(2).sum();
  EXPECT_THROW(torch::autograd::grad({y}, {x}, {}, true, true), std::exception);
}

TEST(AdjointConvTranspose, CudaMatchesCpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  torch::manual_seed(5);
  latent::AdjointConvTranspose2d layer(torch::nn::ConvTranspose2dOptions(4, 16, 3).stride(2).padding(1).output_padding(1));
  const auto x = torch::randn({2, 4, 5, 5});
  const auto cpu = layer->forward(x);
  layer->to(torch::kCUDA);
  EXPECT_LT(rel_diff(layer->forward(x.to(torch::kCUDA)).cpu(), cpu), 1e-4);
}

}  // namespace
