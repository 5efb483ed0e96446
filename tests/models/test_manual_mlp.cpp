// The hand-written MLP (forward and backward without autograd) against the autograd Mlp with the
// same weights: gradients in double precision for every activation × initialisation and several
// depths, the same logits, the same training under one Adam; plus overfitting, save/load,
// batch-vs-singles and the layouts it refuses.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>

#include "latent/core/error.h"
#include "latent/models/manual_mlp.h"
#include "latent/models/mlp.h"
#include "latent/models/weight_init.h"
#include "classifier_testing.h"
#include "test_util.h"

namespace latent {
namespace {

using testing::error_of;
using testing::rel_diff;

MlpOptions layout(std::vector<int64_t> hidden, const std::string& activation, const std::string& init) {
  MlpOptions o;
  o.input_shape = {6};
  o.hidden = std::move(hidden);
  o.outputs = 4;
  o.activation = activation;
  o.init.name = init;
  o.init.std = 0.5;  // normal: large enough that sigmoid and tanh units see more than their linear part
  o.init.range = 0.5;
  return o;
}

// max over parameters of max |manual − autograd| / max |autograd|.
double worst_gradient_error(MlpOptions o, uint64_t seed) {
  torch::manual_seed(seed);
  Mlp mlp(o);
  mlp->to(torch::kFloat64);
  auto manual = manual_copy_of(*mlp);
  auto x = torch::randn({9, 6}, torch::kFloat64) * 2;
  auto y = torch::randint(0, 4, {9}, torch::kInt64);
  auto loss = torch::nn::functional::cross_entropy(mlp->forward(x), y);
  loss.backward();
  const double manual_loss = manual->backward(x, y);
  EXPECT_NEAR(manual_loss, loss.item<double>(), 1e-12);
  auto auto_params = mlp->parameters();
  auto manual_params = manual->parameters();
  EXPECT_EQ(auto_params.size(), manual_params.size());
  double worst = 0.0;
  for (size_t i = 0; i < auto_params.size(); ++i) {
    EXPECT_EQ(auto_params[i].sizes(), manual_params[i].sizes());
    EXPECT_GT(auto_params[i].grad().abs().max().item<double>(), 0.0) << i;
    worst = std::max(worst, rel_diff(manual_params[i].grad(), auto_params[i].grad()));
  }
  return worst;
}

TEST(ManualMlp, GradientsMatchAutogradInDoubleForEveryActivationAndInit) {
  double worst = 0.0;
  for (const std::string activation : {"relu", "tanh", "sigmoid"})
    for (const auto& init : weight_init_names())
      for (const auto& hidden : std::vector<std::vector<int64_t>>{{7, 5}, {}, {5}, {8, 7, 6, 5}}) {
        const double e = worst_gradient_error(layout(hidden, activation, init), 11);
        EXPECT_LE(e, 1e-10) << activation << " " << init << " depth " << hidden.size();
        worst = std::max(worst, e);
      }
  RecordProperty("worst_relative_gradient_error", std::to_string(worst));
  std::cout << "[ManualMlp] worst relative gradient error over activations x inits x depths: " << worst << "\n";
}

TEST(ManualMlp, LogitsEqualTheAutogradMlpsBitForBit) {
  for (const std::string activation : {"relu", "tanh", "sigmoid"}) {
    torch::manual_seed(4);
    Mlp mlp(layout({7, 5}, activation, "he"));
    auto manual = manual_copy_of(*mlp);
    auto x = torch::randn({5, 6});
    torch::NoGradGuard no_grad;
    EXPECT_TRUE(torch::equal(manual->forward(x), mlp->forward(x))) << activation;
  }
}

// Both models start from the same weights and take the same torch::optim::Adam steps, the
// autograd one from loss.backward(), the manual one from its own backward().
double trained_apart(torch::Dtype dtype, const std::string& activation, int steps, double* loss_gap) {
  torch::manual_seed(6);
  Mlp mlp(layout({16, 8}, activation, "xavier"));
  mlp->to(dtype);
  auto manual = manual_copy_of(*mlp);
  auto x = torch::randn({32, 6}, dtype);
  auto y = torch::randint(0, 4, {32}, torch::kInt64);
  torch::optim::Adam opt_a(mlp->parameters(), torch::optim::AdamOptions(1e-2));
  torch::optim::Adam opt_m(manual->parameters(), torch::optim::AdamOptions(1e-2));
  *loss_gap = 0.0;
  for (int step = 0; step < steps; ++step) {
    opt_a.zero_grad();
    auto loss = torch::nn::functional::cross_entropy(mlp->forward(x), y);
    loss.backward();
    opt_a.step();
    opt_m.zero_grad();
    const double manual_loss = manual->backward(x, y);
    opt_m.step();
    *loss_gap = std::max(*loss_gap, std::abs(manual_loss - loss.item<double>()));
  }
  double worst = 0.0;
  auto a = mlp->parameters();
  auto m = manual->parameters();
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, rel_diff(m[i], a[i]));
  return worst;
}

TEST(ManualMlp, TrainsLikeTheAutogradMlpUnderTheSameAdam) {
  for (const std::string activation : {"relu", "tanh", "sigmoid"}) {
    double loss_gap = 0.0;
    // Double: the two differ only by rounding, so after 50 steps every weight agrees to 1e-10.
    const double weights64 = trained_apart(torch::kFloat64, activation, 50, &loss_gap);
    EXPECT_LE(weights64, 1e-10) << activation;
    EXPECT_LE(loss_gap, 1e-12) << activation;
    std::cout << "[ManualMlp] " << activation << " after 50 Adam steps: float64 weights " << weights64 << ", losses "
              << loss_gap;
    // Float: rounding differences (float's 1e-7) are carried through Adam's normalised steps;
    // measured after 50 steps: weights within 5e-7 relative, losses within 2.4e-7; asserted with
    // a 20x / 4x margin.
    const double weights32 = trained_apart(torch::kFloat32, activation, 50, &loss_gap);
    EXPECT_LE(weights32, 1e-5) << activation;
    EXPECT_LE(loss_gap, 1e-6) << activation;
    std::cout << "; float32 weights " << weights32 << ", losses " << loss_gap << "\n";
  }
}

TEST(ManualMlp, OverfitsOneBatchWithItsOwnSgd) {
  torch::manual_seed(1);
  Mlp mlp(layout({32}, "tanh", "xavier"));
  auto manual = manual_copy_of(*mlp);
  auto x = torch::randn({16, 6});
  auto y = torch::randint(0, 4, {16}, torch::kInt64);
  double first = 0, last = 0;
  for (int step = 0; step < 400; ++step) {
    last = manual->backward(x, y);
    if (step == 0) first = last;
    manual->sgd_step(0.5);
  }
  EXPECT_GT(first, 1.0);
  EXPECT_LT(last, 0.05);
}

TEST(ManualMlp, SaveLoadRoundTripAndBatchEqualsSingles) {
  torch::manual_seed(2);
  Mlp mlp(layout({7, 5}, "sigmoid", "he_uniform"));
  auto manual = manual_copy_of(*mlp);
  Mlp other(layout({7, 5}, "sigmoid", "he_uniform"));  // different weights, same layout
  auto x = torch::randn({5, 6});
  testing::expect_save_load_identical(manual, manual_copy_of(*other), x);
  testing::expect_batch_equals_singles(manual, x, 1e-6);
  std::vector<std::string> keys;
  for (const auto& p : manual->named_parameters()) keys.push_back(p.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"weight0", "bias0", "weight1", "bias1", "weight2", "bias2"}));
}

TEST(ManualMlp, RefusesWhatItDoesNotImplement) {
  auto o = layout({5}, "relu", "he");
  o.batch_norm = true;
  Mlp bn(o);
  EXPECT_NE(error_of([&] { manual_copy_of(*bn); }).find("batch norm or dropout"), std::string::npos);
  Mlp gelu(layout({5}, "gelu", "he"));
  EXPECT_NE(error_of([&] { manual_copy_of(*gelu); }).find("activation 'gelu' (relu, tanh or sigmoid)"),
            std::string::npos);
  Mlp plain(layout({5}, "relu", "he"));
  auto manual = manual_copy_of(*plain);
  EXPECT_NE(error_of([&] {
              manual->backward(torch::randn({3, 6}), torch::tensor({0, 4, 1}, torch::kInt64));
            }).find("outside [0, 4)"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              manual->forward(torch::randn({3, 5}));
            }).find("5 values per example; the model takes 6"),
            std::string::npos);
  EXPECT_NE(error_of([&] { manual->sgd_step(0.1); }).find("sgd_step before backward"), std::string::npos);
  EXPECT_NE(error_of([] {
              ManualMlp(std::vector<torch::Tensor>{torch::zeros({3, 4}), torch::zeros({2, 5})},
                        std::vector<torch::Tensor>{torch::zeros({3}), torch::zeros({2})}, "relu");
            }).find("layer 1 takes 5 inputs but layer 0 gives 3"),
            std::string::npos);
}

}  // namespace
}  // namespace latent
