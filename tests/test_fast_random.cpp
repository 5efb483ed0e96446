// core/fast_random's Bernoulli and normal draws against LibTorch's bernoulli_ and normal_ (values and
// the generator state they leave), and models/layers' dropout against torch::dropout.
#include <ATen/Config.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "latent/core/error.h"
#include "latent/core/fast_random.h"
#include "latent/models/layers.h"

namespace {

// Draws `n` Bernoulli(p) values by `draw` after seeding and `skip` earlier draws, then one more
// uniform tensor, so a generator left in another state shows up in the second tensor.
std::pair<torch::Tensor, torch::Tensor> after(int64_t skip, int64_t n, double p,
                                              const std::function<void(torch::Tensor&, double)>& draw) {
  torch::manual_seed(7);
  if (skip > 0) torch::rand({skip});
  auto mask = torch::empty({n});
  draw(mask, p);
  return {mask, torch::rand({5})};
}

TEST(FastRandom, InUseWhereLibTorchDrawsBernoulliFromItsMt19937) {
#if !AT_MKL_ENABLED()
  EXPECT_TRUE(latent::fast_bernoulli_in_use());
#else
  GTEST_SKIP() << "LibTorch with MKL: bernoulli_ draws another way; bernoulli_mask falls back to it";
#endif
}

TEST(FastRandom, BernoulliMaskIsLibTorchsBitForBitAndLeavesTheSameState) {
  auto theirs = [](torch::Tensor& t, double p) { t.bernoulli_(p); };
  auto ours = [](torch::Tensor& t, double p) { latent::bernoulli_mask(t, p); };
  // Sizes around the 624-word blocks (two words an element), starting fresh and mid-block.
  for (int64_t skip : {0, 1, 311, 623}) {
    for (int64_t n : {1, 2, 311, 312, 313, 1000, 4097, 100003}) {
      for (double p : {0.0, 0.1, 0.5, 0.9, 1.0}) {
        const auto a = after(skip, n, p, theirs);
        const auto b = after(skip, n, p, ours);
        const std::string what = "skip " + std::to_string(skip) + " n " + std::to_string(n) + " p " + std::to_string(p);
        ASSERT_TRUE(torch::equal(a.first, b.first)) << what;
        ASSERT_TRUE(torch::equal(a.second, b.second)) << what;
      }
    }
  }
  // A probability with bits below 2^-53's grid of the uniform draw: the comparison stays exact.
  const double p = 0.3 + 1e-17;
  EXPECT_TRUE(torch::equal(after(0, 5000, p, theirs).first, after(0, 5000, p, ours).first));
}

TEST(FastRandom, OtherTensorsAndBadProbabilities) {
  // A non-contiguous or double tensor goes to bernoulli_ itself: same values either way.
  torch::manual_seed(3);
  auto strided = torch::empty({40, 6}).t();
  latent::bernoulli_mask(strided, 0.4);
  torch::manual_seed(3);
  auto expected = torch::empty({40, 6}).t();
  expected.bernoulli_(0.4);
  EXPECT_TRUE(torch::equal(strided, expected));
  auto t = torch::empty({10});
  EXPECT_THROW(latent::bernoulli_mask(t, 1.5), latent::Error);
  EXPECT_THROW(latent::bernoulli_mask(t, -0.1), latent::Error);
}

TEST(FastRandom, NormalInUseWhereTheCpuHasAvx2AndFma) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
    GTEST_SKIP() << "no AVX2/FMA: LibTorch's normal_ takes another path and normal_fill falls back to it";
  EXPECT_TRUE(latent::fast_normal_in_use());
#else
  GTEST_SKIP() << "not x86-64";
#endif
}

TEST(FastRandom, NormalFillIsLibTorchsBitForBitAndLeavesTheSameState) {
  auto theirs = [](double mean, double std) {
    return [=](torch::Tensor& t, double) { t.normal_(mean, std); };
  };
  auto ours = [](double mean, double std) {
    return [=](torch::Tensor& t, double) { latent::normal_fill(t, mean, std); };
  };
  // Sizes at and around the blocks of 16 (a tail redraws the last 16), the 4,096-element chunks
  // and the 624-word blocks of the stream, below 16 (LibTorch's other path), and a denoising batch.
  for (int64_t skip : {0, 5, 623}) {
    for (int64_t n : {1, 15, 16, 17, 31, 32, 624, 625, 4095, 4096, 4097, 4111, 256 * 784}) {
      for (auto [mean, std] : {std::pair{0.0, 1.0}, {0.25, 1.5}, {-3.0, 0.0}}) {
        const auto a = after(skip, n, 0, theirs(mean, std));
        const auto b = after(skip, n, 0, ours(mean, std));
        const std::string what = "skip " + std::to_string(skip) + " n " + std::to_string(n) + " mean " +
                                 std::to_string(mean) + " std " + std::to_string(std);
        ASSERT_TRUE(torch::equal(a.first, b.first)) << what;
        ASSERT_TRUE(torch::equal(a.second, b.second)) << what;
      }
    }
  }
  // randn_like: torch::randn_like's values, contiguous even for a strided input.
  const auto like = torch::empty({28, 40}).t();
  torch::manual_seed(9);
  const auto a = latent::randn_like(like);
  torch::manual_seed(9);
  const auto b = torch::randn({40, 28});
  EXPECT_TRUE(a.is_contiguous());
  EXPECT_EQ(a.sizes(), like.sizes());
  EXPECT_TRUE(torch::equal(a, b));
}

TEST(FastRandom, NormalFillOtherTensorsGoToLibTorch) {
  for (auto make : std::vector<std::function<torch::Tensor()>>{
           [] { return torch::empty({40, 6}).t(); }, [] { return torch::empty({300}, torch::kFloat64); },
           [] { return torch::empty({300}).requires_grad_(); }}) {
    torch::manual_seed(4);
    auto ours = make();
    {
      torch::NoGradGuard no_grad;  // LibTorch refuses an in-place draw into a leaf that needs a gradient
      latent::normal_fill(ours, 0.5, 2.0);
    }
    torch::manual_seed(4);
    auto theirs = make();
    {
      torch::NoGradGuard no_grad;
      theirs.normal_(0.5, 2.0);
    }
    EXPECT_TRUE(torch::equal(ours, theirs));
  }
  auto t = torch::empty({100});
  EXPECT_THROW(latent::normal_fill(t, 0.0, -1.0), c10::Error);  // LibTorch's own error for std < 0
}

TEST(FastRandom, DropoutIsTorchDropoutInValuesAndGradient) {
  const auto x0 = torch::randn({64, 8, 14, 14});
  const auto gy = torch::randn_like(x0);
  for (double p : {0.1, 0.5}) {
    auto run = [&](bool ours) {
      torch::manual_seed(11);
      const auto x = x0.detach().requires_grad_();
      const auto y = ours ? latent::dropout(x, p, true) : torch::dropout(x, p, true);
      const auto g = torch::autograd::grad({y}, {x}, {gy})[0];
      return std::make_pair(y.detach(), g);
    };
    const auto a = run(true);
    const auto b = run(false);
    EXPECT_TRUE(torch::equal(a.first, b.first)) << p;
    EXPECT_TRUE(torch::equal(a.second, b.second)) << p;
    EXPECT_GT((a.first == 0).sum().item<int64_t>(), 0) << p;
  }
  EXPECT_TRUE(torch::equal(latent::dropout(x0, 0.5, false), x0));
  // Through a Sequential, as the conv autoencoder runs it, in training and in evaluation.
  torch::nn::Sequential seq(torch::nn::Dropout(0.3));
  torch::manual_seed(12);
  const auto y = latent::forward_sequential(seq, x0);
  torch::manual_seed(12);
  EXPECT_TRUE(torch::equal(y, seq->forward(x0)));
  seq->eval();
  EXPECT_TRUE(torch::equal(latent::forward_sequential(seq, x0), x0));
}

}  // namespace
