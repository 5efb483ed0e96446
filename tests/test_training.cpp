// The training loop, the fused Adam and the fused losses: same numbers as LibTorch's Adam, as
// zeroing gradients and as LibTorch's binary cross-entropy.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "latent/training/fused_adam.h"
#include "latent/training/fused_loss.h"
#include "latent/training/history.h"
#include "latent/training/optimizer.h"
#include "latent/training/progress.h"
#include "test_util.h"

namespace latent {
namespace {

// Runs `steps` Adam steps on two copies of the same parameters with the same gradients and
// returns the largest absolute difference between the copies afterwards.
template <typename Reference>
double adam_gap(torch::Dtype dtype, double weight_decay, int steps) {
  torch::manual_seed(3);
  std::vector<torch::Tensor> a = {torch::randn({7, 33}, dtype), torch::randn({5}, dtype), torch::randn({40000}, dtype)};
  std::vector<torch::Tensor> b;
  for (auto& t : a) {
    t.set_requires_grad(true);
    b.push_back(t.detach().clone().set_requires_grad(true));
  }
  auto opts = torch::optim::AdamOptions(0.05).weight_decay(weight_decay);
  FusedAdam fused(a, opts);
  Reference reference(b, opts);
  for (int s = 0; s < steps; ++s) {
    for (size_t i = 0; i < a.size(); ++i) {
      auto g = torch::randn(a[i].sizes(), dtype);
      a[i].mutable_grad() = g.clone();
      b[i].mutable_grad() = g.clone();
    }
    fused.step();
    reference.step();
  }
  double gap = 0;
  for (size_t i = 0; i < a.size(); ++i) gap = std::max(gap, (a[i] - b[i]).abs().max().item<double>());
  return gap;
}

TEST(FusedAdam, MatchesLibTorchAdamInFloat) {
  // Parameters move by ~0.05 per step; float rounding in a different order stays ~1e-6.
  EXPECT_LT(adam_gap<torch::optim::Adam>(torch::kFloat, 0.0, 20), 1e-5);
  EXPECT_LT(adam_gap<torch::optim::Adam>(torch::kFloat, 0.1, 20), 1e-5);
}

TEST(FusedAdam, DoubleParametersTakeLibTorchsPathExactly) {
  EXPECT_EQ(adam_gap<torch::optim::Adam>(torch::kDouble, 0.1, 5), 0.0);
}

TEST(FusedAdam, MovesParametersAndKeepsAdamState) {
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

TEST(FusedAdam, MakeOptimizerBuildsItForAdam) {
  TrainingSpec spec;
  auto p = torch::zeros({2}, torch::requires_grad());
  auto opt = make_optimizer(spec, {p});
  EXPECT_NE(dynamic_cast<FusedAdam*>(opt.get()), nullptr);
}

// A double batch (6, 1, 5, 7) for the losses' comparisons with LibTorch: logits across softplus's
// threshold (20), needing a gradient, and targets in [0, 1] with whole examples at exactly 0 and 1.
std::pair<torch::Tensor, torch::Tensor> double_bce_batch(uint64_t seed) {
  torch::manual_seed(seed);
  auto logits = (torch::rand({6, 1, 5, 7}, torch::kDouble) * 50 - 25).requires_grad_(true);
  auto target = torch::rand({6, 1, 5, 7}, torch::kDouble);
  target.index_put_({0}, 0.0);
  target.index_put_({1}, 1.0);
  return {logits, target};
}

TEST(FusedLoss, BceWithLogitsMatchesLibTorchInDouble) {
  auto [logits, target] = double_bce_batch(5);
  auto reference_logits = logits.detach().clone().requires_grad_(true);
  auto ours = bce_with_logits_mean(logits, target);
  auto reference = torch::binary_cross_entropy_with_logits(reference_logits, target);
  EXPECT_NEAR(ours.item<double>(), reference.item<double>(), 1e-10);
  (ours * 3.0).backward();
  (reference * 3.0).backward();
  EXPECT_LT((logits.grad() - reference_logits.grad()).abs().max().item<double>(), 1e-14);
}

TEST(FusedLoss, BceWithLogitsReusesTheModelsSigmoid) {
  // Given the sigmoid the model computed, the loss and its gradient are those without it, bit for
  // bit, and the gradient still reaches the logits through the graph that made the sigmoid.
  torch::manual_seed(6);
  const auto w = torch::randn({8, 12}).requires_grad_(true);
  const auto x = torch::randn({5, 8});
  const auto target = torch::rand({5, 12});
  auto gradient = [&](bool reuse) {
    const auto logits = x.mm(w);
    const auto probs = torch::sigmoid(logits);
    auto loss = reuse ? bce_with_logits_mean(logits, target, probs) : bce_with_logits_mean(logits, target);
    auto g = torch::autograd::grad({loss}, {w})[0];
    return std::make_pair(loss.item<float>(), g);
  };
  const auto [with_probs, grad_with] = gradient(true);
  const auto [without, grad_without] = gradient(false);
  EXPECT_EQ(with_probs, without);
  EXPECT_TRUE(torch::equal(grad_with, grad_without));
  // They are used, not recomputed: the backward pass trusts what it is given (here, wrongly, 0.5).
  const auto half = torch::full({5, 12}, 0.5);
  const auto trusted = torch::autograd::grad({bce_with_logits_mean(x.mm(w), target, half)}, {w})[0];
  EXPECT_TRUE(torch::allclose(trusted, x.t().mm(half - target) / 60.0));
  // Probabilities of another shape are not used (the sigmoid is recomputed).
  const auto logits = x.mm(w);
  const auto wrong = torch::full({5, 11}, 0.5);
  const auto g = torch::autograd::grad({bce_with_logits_mean(logits, target, wrong)}, {w})[0];
  EXPECT_TRUE(torch::equal(g, grad_without));
}

TEST(FusedLoss, BceWithLogitsHandComputed) {
  // x = 0: log 2 whatever the target; x = 2, t = 1: log(1 + e^-2); x = -1, t = 0.25:
  // softplus(-1) + 0.25 = log(1 + e^-1) + 0.25.
  auto x = torch::tensor({0.0, 2.0, -1.0}, torch::kDouble);
  auto t = torch::tensor({0.3, 1.0, 0.25}, torch::kDouble);
  const double expected = (std::log(2.0) + std::log1p(std::exp(-2.0)) + std::log1p(std::exp(-1.0)) + 0.25) / 3;
  EXPECT_NEAR(bce_with_logits_mean(x, t).item<double>(), expected, 1e-15);
}

// LibTorch's per-example BCE, the expression bce_with_logits_per_example replaces.
torch::Tensor libtorch_bce_per_example(const torch::Tensor& logits, const torch::Tensor& target) {
  return torch::binary_cross_entropy_with_logits(logits, target, {}, {}, at::Reduction::None).reshape({logits.size(0), -1}).sum(1);
}

TEST(FusedLoss, BcePerExampleMatchesLibTorchInDouble) {
  // Doubles take LibTorch's own path: values and gradients to double rounding.
  auto [logits, target] = double_bce_batch(8);
  const auto upstream = torch::randn({6}, torch::kDouble);
  auto ours = bce_with_logits_per_example(logits, target);
  auto reference_logits = logits.detach().clone().requires_grad_(true);
  auto reference = libtorch_bce_per_example(reference_logits, target);
  ASSERT_EQ(ours.sizes(), (std::vector<int64_t>{6}));
  EXPECT_LT((ours - reference).abs().max().item<double>(), 1e-10);
  ours.backward(upstream);
  reference.backward(upstream);
  EXPECT_LT((logits.grad() - reference_logits.grad()).abs().max().item<double>(), 1e-14);
}

TEST(FusedLoss, BcePerExampleInFloatHasLibTorchsGradientBitForBit) {
  // Floats take the one-pass kernel: values within 1e-6 of the double sum, and the backward is
  // LibTorch's formula on the same floats, so the gradient is the same to the bit (at 1 and 2 threads).
  torch::manual_seed(9);
  const auto x = torch::randn({40, 1, 28, 28}) * 6;
  const auto t = torch::rand({40, 1, 28, 28});
  const auto upstream = torch::randn({40});
  const auto exact = libtorch_bce_per_example(x.to(torch::kDouble), t.to(torch::kDouble));
  auto run = [&](bool ours) {
    auto logits = x.clone().requires_grad_(true);
    auto value = ours ? bce_with_logits_per_example(logits, t) : libtorch_bce_per_example(logits, t);
    value.backward(upstream);
    return std::make_pair(value.detach(), logits.grad());
  };
  const auto [value, grad] = run(true);
  const auto [value_ref, grad_ref] = run(false);
  EXPECT_LT(((value.to(torch::kDouble) - exact).abs() / exact).max().item<double>(), 1e-6);
  EXPECT_TRUE(torch::equal(grad, grad_ref));
  const auto [one, two] = testing::at_one_and_two_threads([&] { return run(true).second; });
  EXPECT_TRUE(torch::equal(one, grad_ref));
  EXPECT_TRUE(torch::equal(two, grad_ref));
  // A target that needs a gradient gets LibTorch's function, which gives it one.
  auto target = t.clone().requires_grad_(true);
  bce_with_logits_per_example(x, target).sum().backward();
  ASSERT_TRUE(target.grad().defined());
}

History losses(const std::vector<std::pair<double, double>>& train_val) {
  History h;
  for (const auto& [train, val] : train_val) {
    EpochRecord r;
    r.epoch = static_cast<int64_t>(h.size()) + 1;
    r.train_loss = train;
    r.val_loss = val;
    h.push_back(r);
  }
  return h;
}

TEST(Trainer, StalledSinceNeedsThreeEpochsOfTheSameLosses) {
  const double nan = std::nan("");
  // conv-dae's L1 model at seed 45 (history.csv): dead from epoch 2.
  EXPECT_EQ(stalled_since(losses({{0.28747075, 0.28668309}, {0.28596922, 0.28668309}, {0.28596922, 0.28668309},
                                  {0.28596922, 0.28668309}})), 2);
  EXPECT_EQ(stalled_since(losses({{0.28596922, 0.28668309}, {0.28596922, 0.28668309}})), 0);  // two epochs are not enough
  EXPECT_EQ(stalled_since(losses({{0.3, nan}, {0.3 * (1 + 4e-7), nan}, {0.3, nan}})), 1);     // within 1e-6: the same
  EXPECT_EQ(stalled_since(losses({{0.3, nan}, {0.3 * (1 + 3e-6), nan}, {0.3, nan}})), 0);     // still moving
  EXPECT_EQ(stalled_since(losses({{0.3, 0.2}, {0.3, 0.21}, {0.3, 0.2}})), 0);                 // validation still moves
  EXPECT_EQ(stalled_since(losses({{0.3, 0.2}, {0.3, nan}, {0.3, 0.2}})), 0);
  // A slowly converging run (deep-ae's last epochs change the loss by ~1e-4 relative) is not stalled.
  EXPECT_EQ(stalled_since(losses({{0.26480, nan}, {0.26475, nan}, {0.26471, nan}})), 0);
}

}  // namespace
}  // namespace latent
