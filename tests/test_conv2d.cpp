// SplitConv2d and the batch-split convolution kernels (conv_kernels.h) against LibTorch's Conv2d:
// values and all three gradients at 1 and 2 threads, in double and float, bit for bit where the work
// per image is the same, plus the thread-local state the split carries onto its threads.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "latent/core/error.h"
#include "latent/models/conv2d.h"
#include "latent/models/conv_kernels.h"
#include "latent/models/conv_transpose.h"
#include "test_util.h"

namespace {

using latent::testing::at_one_and_two_threads;

struct Case {
  int64_t batch, cin, cout, h, w, k, stride, pad, groups, dilation;
};

// The studies' shapes (3×3 stride 2 and 1, 4×4 stride 2, one input channel) and odd ones: batches
// that do not halve, non-square images, groups, dilation, no padding, a batch of one.
const std::vector<Case> kCases = {
    {8, 1, 16, 28, 28, 3, 2, 1, 1, 1}, {7, 16, 32, 14, 14, 3, 2, 1, 1, 1}, {5, 3, 8, 16, 16, 4, 2, 1, 1, 1},
    {3, 4, 6, 9, 5, 3, 1, 1, 2, 1},    {4, 3, 5, 8, 8, 3, 1, 0, 1, 2},     {1, 2, 4, 6, 6, 3, 1, 1, 1, 1},
};

std::string describe(const Case& c) {
  return "batch " + std::to_string(c.batch) + " cin " + std::to_string(c.cin) + " cout " + std::to_string(c.cout) +
         " k " + std::to_string(c.k) + " groups " + std::to_string(c.groups);
}

torch::Tensor ours(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b, const Case& c) {
  return latent::batch_split_conv2d(x, w, b, {c.stride, c.stride}, {c.pad, c.pad}, {c.dilation, c.dilation}, c.groups);
}
torch::Tensor theirs(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b, const Case& c) {
  return torch::conv2d(x, w, b, {c.stride, c.stride}, {c.pad, c.pad}, {c.dilation, c.dilation}, c.groups);
}

using latent::testing::rel_diff;

// {output, ∂x, ∂w, ∂b} of one convolution for a fixed output gradient.
std::vector<torch::Tensor> run(bool split, const torch::Tensor& x0, const torch::Tensor& w0, const torch::Tensor& b0,
                               const torch::Tensor& gy, const Case& c) {
  const auto x = x0.detach().requires_grad_();
  const auto w = w0.detach().requires_grad_();
  const auto b = b0.detach().requires_grad_();
  const auto y = split ? ours(x, w, b, c) : theirs(x, w, b, c);
  auto grads = torch::autograd::grad({y}, {x, w, b}, {gy});
  return {y.detach(), grads[0], grads[1], grads[2]};
}

void compare_with_libtorch(torch::Dtype dtype, double tol) {
  const auto opts = torch::TensorOptions().dtype(dtype);
  torch::manual_seed(1);
  for (const auto& c : kCases) {
    const auto x = torch::randn({c.batch, c.cin, c.h, c.w}, opts);
    const auto w = torch::randn({c.cout, c.cin / c.groups, c.k, c.k}, opts);
    const auto b = torch::randn({c.cout}, opts);
    const auto gy = torch::randn_like(theirs(x, w, b, c));
    const auto [one, two] = at_one_and_two_threads([&] {
      return std::make_pair(run(true, x, w, b, gy, c), run(false, x, w, b, gy, c));
    });
    for (const auto& [threads, pair] : {std::make_pair(1, one), std::make_pair(2, two)}) {
      for (size_t i = 0; i < 4; ++i)
        EXPECT_LT(rel_diff(pair.first[i], pair.second[i]), tol)
            << describe(c) << " at " << threads << " threads, " << (i == 0 ? "output" : "gradient " + std::to_string(i));
    }
  }
}

TEST(SplitConv2d, MatchesLibTorchInDoubleAtOneAndTwoThreads) { compare_with_libtorch(torch::kDouble, 1e-13); }

TEST(SplitConv2d, MatchesLibTorchInFloatAtOneAndTwoThreads) { compare_with_libtorch(torch::kFloat, 1e-5); }

TEST(SplitConv2d, OneThreadIsLibTorchBitForBitAndTwoThreadsSplitOnlyTheBatchSums) {
  // At one thread the layer makes LibTorch's own calls. At two, every image's output and input
  // gradient are computed by the same kernel on a slice of the batch, so they are the unsplit values
  // bit for bit; the weight and bias gradients are sums over the batch added slice by slice, which
  // rounds differently (and stays within float's precision).
  torch::manual_seed(2);
  const Case c{64, 16, 32, 14, 14, 3, 2, 1, 1, 1};
  const auto x = torch::randn({c.batch, c.cin, c.h, c.w});
  const auto w = torch::randn({c.cout, c.cin, c.k, c.k});
  const auto b = torch::randn({c.cout});
  const auto gy = torch::randn_like(theirs(x, w, b, c));
  const auto [one, two] = at_one_and_two_threads([&] { return run(true, x, w, b, gy, c); });
  const auto reference = run(false, x, w, b, gy, c);
  for (size_t i = 0; i < 4; ++i) EXPECT_TRUE(torch::equal(one[i], reference[i])) << "1 thread, " << i;
  EXPECT_TRUE(torch::equal(two[0], reference[0]));
  EXPECT_TRUE(torch::equal(two[1], reference[1]));
  EXPECT_LT(rel_diff(two[2], reference[2]), 1e-5);
  EXPECT_LT(rel_diff(two[3], reference[3]), 1e-5);
}

TEST(SplitConv2d, ModuleIsADropInForConv2d) {
  // Same seed: same initial weights, same parameter names and shapes, same outputs; and a state saved
  // from one loads into the other.
  const auto opts = torch::nn::Conv2dOptions(6, 8, 3).stride(2).padding(1);
  torch::manual_seed(3);
  torch::nn::Conv2d reference(opts);
  torch::manual_seed(3);
  latent::SplitConv2d layer(opts);
  const auto a = reference->named_parameters();
  const auto b = layer->named_parameters();
  ASSERT_EQ(a.keys(), b.keys());
  for (const auto& key : a.keys()) EXPECT_TRUE(torch::equal(a[key], b[key])) << key;
  const auto x = torch::randn({3, 6, 10, 10});
  EXPECT_LT(rel_diff(layer->forward(x), reference->forward(x)), 1e-6);

  const latent::testing::TempDir dir;
  const auto path = dir / "conv.pt";
  torch::save(reference, path.string());
  torch::manual_seed(9);
  latent::SplitConv2d loaded(opts);
  torch::load(loaded, path.string());
  EXPECT_TRUE(torch::equal(loaded->weight, reference->weight));
  EXPECT_TRUE(torch::equal(loaded->bias, reference->bias));

  latent::SplitConv2d no_bias(torch::nn::Conv2dOptions(2, 3, 3).bias(false));
  EXPECT_EQ(no_bias->parameters().size(), 1u);
  EXPECT_EQ(no_bias->forward(torch::randn({2, 2, 5, 5})).sizes(), (std::vector<int64_t>{2, 3, 3, 3}));
}

TEST(SplitConv2d, TwoThreadsWorkUnderInferenceModeAndNoGrad) {
  // The split runs on OpenMP threads that do not share the caller's thread-local modes unless
  // they are carried over: an inference tensor written outside InferenceMode is an error.
  torch::manual_seed(4);
  latent::SplitConv2d conv(torch::nn::Conv2dOptions(8, 16, 3).padding(1));
  latent::AdjointConvTranspose2d wide(torch::nn::ConvTranspose2dOptions(8, 16, 3).stride(2).padding(1).output_padding(1));
  latent::AdjointConvTranspose2d narrow(torch::nn::ConvTranspose2dOptions(8, 1, 3).stride(2).padding(1).output_padding(1));
  const auto x = torch::randn({6, 8, 7, 7});
  std::vector<std::function<torch::Tensor()>> layers = {[&] { return conv->forward(x); },
                                                        [&] { return wide->forward(x); },
                                                        [&] { return narrow->forward(x); }};
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

TEST(SplitConv2d, BatchSlicesFollowTheThreadsAndTheBatch) {
  const auto [one, two] = at_one_and_two_threads([] {
    return std::make_pair(latent::batch_slices(torch::zeros({5, 1, 2, 2})), latent::batch_slices(torch::zeros({1, 1, 2, 2})));
  });
  EXPECT_EQ(one, std::make_pair(int64_t{1}, int64_t{1}));
  EXPECT_EQ(two, std::make_pair(int64_t{2}, int64_t{1}));
  // Slices are contiguous, cover the batch once, and are the same whichever thread runs them.
  std::vector<std::pair<int64_t, int64_t>> seen(3);
  at_one_and_two_threads([&] {
    latent::for_each_batch_slice(10, 3, [&](int64_t s, int64_t begin, int64_t end) {
      seen[static_cast<size_t>(s)] = {begin, end};
    });
    return 0;
  });
  EXPECT_EQ(seen, (std::vector<std::pair<int64_t, int64_t>>{{0, 3}, {3, 6}, {6, 10}}));
}

TEST(SplitConv2d, RefusesWhatItCannotCompute) {
  EXPECT_THROW(latent::SplitConv2d(torch::nn::Conv2dOptions(2, 2, 3).padding_mode(torch::kCircular)), latent::Error);
  EXPECT_THROW(latent::SplitConv2d(torch::nn::Conv2dOptions(2, 2, 3).padding(torch::kSame)), latent::Error);
  EXPECT_THROW(latent::SplitConv2d(torch::nn::Conv2dOptions(4, 2, 3).groups(3)), latent::Error);
  // Second-order gradients would come out wrong silently: refused instead.
  const auto x = torch::randn({2, 1, 3, 3}, torch::kDouble).requires_grad_();
  const auto w = torch::randn({1, 1, 3, 3}, torch::kDouble).requires_grad_();
  const auto y = latent::batch_split_conv2d(x, w, {}, {1, 1}, {1, 1}, {1, 1}, 1).pow(2).sum();
  EXPECT_THROW(torch::autograd::grad({y}, {x}, {}, true, true), std::exception);
}

TEST(SplitConv2d, CudaMatchesCpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  torch::manual_seed(5);
  latent::SplitConv2d layer(torch::nn::Conv2dOptions(4, 16, 3).stride(2).padding(1));
  const auto x = torch::randn({4, 4, 8, 8});
  const auto cpu = layer->forward(x);
  layer->to(torch::kCUDA);
  EXPECT_LT(rel_diff(layer->forward(x.to(torch::kCUDA)).cpu(), cpu), 1e-4);
}

}  // namespace
