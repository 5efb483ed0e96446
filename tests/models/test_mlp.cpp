// MLP classifier: shapes and checkpoint keys, initialisation by name against PyTorch's draws,
// option errors, overfitting one batch, save/load and batch-vs-singles invariance, and the
// per-layer diagnostics (dead ReLU units, saturated tanh/sigmoid units, gradient norms).
#include <gtest/gtest.h>

#include <cmath>

#include "latent/core/error.h"
#include "latent/models/mlp.h"
#include "latent/models/weight_init.h"
#include "classifier_testing.h"
#include "test_util.h"

namespace latent {
namespace {

using testing::error_of;

MlpOptions small(std::vector<int64_t> input_shape, std::vector<int64_t> hidden, int64_t outputs) {
  MlpOptions o;
  o.input_shape = std::move(input_shape);
  o.hidden = std::move(hidden);
  o.outputs = outputs;
  return o;
}

std::vector<std::string> keys_of(torch::nn::Module& m) {
  std::vector<std::string> keys;
  for (const auto& p : m.named_parameters()) keys.push_back(p.key());
  for (const auto& b : m.named_buffers()) keys.push_back(b.key());
  return keys;
}

TEST(Mlp, ShapesParameterCountsAndKeys) {
  Mlp m{MlpOptions{}};  // 784-256-128-10
  EXPECT_EQ(m->forward(torch::rand({5, 1, 28, 28})).sizes(), (std::vector<int64_t>{5, 10}));
  EXPECT_EQ(m->forward(torch::rand({3, 784})).sizes(), (std::vector<int64_t>{3, 10}));
  int64_t n = 0;
  for (const auto& p : m->parameters()) n += p.numel();
  EXPECT_EQ(n, (784 * 256 + 256) + (256 * 128 + 128) + (128 * 10 + 10));  // 235,146
  EXPECT_EQ(keys_of(*m), (std::vector<std::string>{"layers.0.weight", "layers.0.bias", "layers.1.weight",
                                                   "layers.1.bias", "out.weight", "out.bias"}));
  auto o = small({6}, {4}, 3);
  o.batch_norm = true;
  Mlp bn(o);
  EXPECT_EQ(keys_of(*bn), (std::vector<std::string>{"layers.0.weight", "layers.0.bias", "norms.0.weight",
                                                    "norms.0.bias", "out.weight", "out.bias", "norms.0.running_mean",
                                                    "norms.0.running_var", "norms.0.num_batches_tracked"}));
  // No hidden layer: a linear classifier.
  Mlp linear(small({6}, {}, 3));
  EXPECT_EQ(linear->forward(torch::rand({2, 6})).sizes(), (std::vector<int64_t>{2, 3}));
  EXPECT_NE(error_of([&] {
              m->forward(torch::rand({2, 1, 27, 28}));
            }).find("756 values per example; the model takes 784"),
            std::string::npos);
}

// torch.manual_seed(0); a 4-3-2 MLP (nn.Sequential(Linear(4, 3), ReLU(), Linear(3, 2))) initialised
// by the torch.nn.init function over model.modules(), biases zeroed (reference script below, run
// with Debian's python3-torch 1.13): the first four weights of the first layer, the last two of the
// output layer.
//   for m in model.modules():
//     if isinstance(m, nn.Linear): nn.init.kaiming_normal_(m.weight, nonlinearity="relu"); nn.init.zeros_(m.bias)
struct InitCase {
  std::string activation, init;
  double negative_slope, std, gain, range;
  std::vector<double> first, last;
};

TEST(Mlp, SeededInitialisationDrawsPyTorchsWeights) {
  const std::vector<InitCase> cases = {
      {"relu",
       "default",
       0.01,
       0.01,
       1.0,
       0.05,
       {-0.00374341, 0.26822180, -0.41152257, -0.36796951},
       {-0.25141457, 0.20970349}},
      {"relu",
       "he",
       0.01,
       0.01,
       1.0,
       0.05,
       {0.74119371, -0.03146658, -0.51115644, 2.02680850},
       {-1.07289720, -1.37942469}},
      {"tanh",
       "he_uniform",
       0.01,
       0.01,
       1.0,
       0.05,
       {1.08009505, -0.23264815, 0.15272950, 1.30694234},
       {0.80778754, 0.08765260}},
      {"leaky_relu",
       "he",
       0.2,
       0.01,
       1.0,
       0.05,
       {0.72680020, -0.03085552, -0.50123012, 1.98744929},
       {-1.05206227, -1.35263717}},
      {"relu",
       "xavier",
       0.01,
       0.01,
       2.0,
       0.05,
       {1.12057948, -0.04757300, -0.77279592, 3.06424642},
       {-1.66212523, -2.13699555}},
      {"relu",
       "xavier_uniform",
       0.01,
       0.01,
       1.0,
       0.05,
       {0.69280207, -0.14922680, 0.09796482, 0.83830810},
       {0.53093219, 0.05761117}},
      {"relu",
       "normal",
       0.01,
       0.5,
       1.0,
       0.05,
       {0.52410311, -0.02225023, -0.36144221, 1.43317008},
       {-0.65701270, -0.84472167}},
      {"relu",
       "uniform",
       0.01,
       0.01,
       1.0,
       0.3,
       {0.22449353, -0.04835501, 0.03174423, 0.27164286},
       {0.14540178, 0.01577747}},
  };
  for (const auto& c : cases) {
    auto o = small({4}, {3}, 2);
    o.activation = c.activation;
    o.init.name = c.init;
    o.negative_slope = c.negative_slope;
    o.init.std = c.std;
    o.init.gain = c.gain;
    o.init.range = c.range;
    torch::manual_seed(0);
    Mlp m(o);
    auto first = m->layers[0]->as<torch::nn::Linear>()->weight.flatten();
    auto last = m->out->weight.flatten();
    for (int64_t i = 0; i < 4; ++i)
      EXPECT_NEAR(first[i].item<double>(), c.first[static_cast<size_t>(i)], 1e-6) << c.init << " " << i;
    for (int64_t i = 0; i < 2; ++i)
      EXPECT_NEAR(last[4 + i].item<double>(), c.last[static_cast<size_t>(i)], 1e-6) << c.init << " " << i;
    if (c.init == "default")
      EXPECT_NEAR(m->layers[0]->as<torch::nn::Linear>()->bias.sum().item<double>(), -1.01492691, 1e-6);
    else
      EXPECT_EQ(m->out->bias.abs().sum().item<double>(), 0.0) << c.init;
  }
}

TEST(Mlp, InitialisationLeavesBatchNormAlone) {
  auto o = small({20}, {30}, 3);
  o.batch_norm = true;
  o.init.name = "normal";
  o.init.std = 0.3;
  Mlp m(o);
  auto* bn = m->norms[0]->as<torch::nn::BatchNorm1d>();
  EXPECT_TRUE(torch::equal(bn->weight, torch::ones({30})));
  EXPECT_TRUE(torch::equal(bn->bias, torch::zeros({30})));
  EXPECT_NEAR(m->layers[0]->as<torch::nn::Linear>()->weight.std().item<double>(), 0.3, 0.03);  // 600 draws
}

TEST(Mlp, BadOptionsNameTheirKey) {
  auto usage = [](const MlpOptions& o) { return testing::usage_error_of<Mlp>(o); };
  auto o = small({4}, {3, 0}, 2);
  EXPECT_NE(usage(o).find("model.hidden: widths must be positive, got 0"), std::string::npos);
  o = small({4}, {3}, 2);
  o.activation = "elu";
  EXPECT_NE(usage(o).find("model.activation: unknown activation 'elu'"), std::string::npos);
  o = small({4}, {3}, 2);
  o.init.name = "glorot";
  EXPECT_NE(usage(o).find("model.init: unknown initialisation 'glorot'"), std::string::npos);
  o.init.name = "normal";
  o.init.std = 0.0;
  EXPECT_NE(usage(o).find("model.init_std: must be positive"), std::string::npos);
  o = small({4}, {3}, 2);
  o.dropout = 1.0;
  EXPECT_NE(usage(o).find("model.dropout: must be in [0, 1)"), std::string::npos);
  o = small({4}, {3}, 0);
  EXPECT_NE(usage(o).find("model.outputs: must be positive"), std::string::npos);
  o = small({4, 0}, {3}, 2);
  EXPECT_NE(usage(o).find("model.input_shape"), std::string::npos);
}

TEST(Mlp, OverfitsOneBatch) {
  for (const std::string activation : {"relu", "tanh", "sigmoid", "gelu", "leaky_relu"}) {
    torch::manual_seed(1);
    auto o = small({10}, {32}, 3);
    o.activation = activation;
    o.batch_norm = activation == "tanh";
    Mlp m(o);
    auto x = torch::randn({16, 10});
    auto y = torch::randint(0, 3, {16}, torch::kInt64);
    const auto [first, last] = testing::fit_one_batch(m, x, y, 300);
    EXPECT_GT(first, 0.5) << activation;
    EXPECT_LT(last, 0.05) << activation;
  }
}

// Trained a little in train mode so batch norm's running statistics are not the defaults.
Mlp trained_mlp_with_batch_norm_and_dropout() {
  torch::manual_seed(2);
  auto o = small({3, 4}, {16, 8}, 5);
  o.batch_norm = true;
  o.dropout = 0.3;
  Mlp m(o);
  m->train();
  for (int i = 0; i < 5; ++i) m->forward(torch::randn({8, 3, 4}) * 2 + 1);
  return m;
}

TEST(Mlp, SaveLoadRoundTripGivesIdenticalOutputs) {
  auto m = trained_mlp_with_batch_norm_and_dropout();
  torch::manual_seed(99);
  testing::expect_save_load_identical(m, Mlp(m->options()), torch::randn({6, 3, 4}));
}

TEST(Mlp, BatchEqualsSinglesInEvalMode) {
  auto m = trained_mlp_with_batch_norm_and_dropout();
  testing::expect_batch_equals_singles(m, torch::randn({5, 3, 4}), 1e-6);
}

TEST(MlpDiagnostics, SaturationThresholdsAreATenthOfThePeakSlope) {
  const double t = saturation_threshold("tanh"), s = saturation_threshold("sigmoid");
  EXPECT_NEAR(t, 1.8184464592320668, 1e-12);
  EXPECT_NEAR(s, 3.6368929184641337, 1e-12);
  EXPECT_NEAR(1.0 - std::tanh(t) * std::tanh(t), 0.1, 1e-12);  // tanh' peaks at 1
  const double sig = 1.0 / (1.0 + std::exp(-s));
  EXPECT_NEAR(sig * (1.0 - sig), 0.025, 1e-12);  // σ' peaks at 1/4
  EXPECT_NE(error_of([] { saturation_threshold("relu"); }).find("no saturation threshold"), std::string::npos);
}

// A 3-3-2 MLP whose first layer is the identity, so the pre-activations are the inputs.
Mlp identity_first_layer(const std::string& activation) {
  auto o = small({3}, {3}, 2);
  o.activation = activation;
  Mlp m(o);
  torch::NoGradGuard no_grad;
  auto* first = m->layers[0]->as<torch::nn::Linear>();
  first->weight.copy_(torch::eye(3));
  first->bias.zero_();
  return m;
}

TEST(MlpDiagnostics, DeadReluUnitsByHand) {
  auto m = identity_first_layer("relu");
  // Unit 0 positive on both rows, unit 1 on neither (dead), unit 2 on one.
  auto x = torch::tensor({{1.0f, -1.0f, -1.0f}, {2.0f, -2.0f, 1.0f}});
  auto trace = m->forward_trace(x);
  auto d = layer_diagnostics(*m, trace);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].layer, "layers.0");
  EXPECT_EQ(d[1].layer, "out");
  ASSERT_TRUE(d[0].dead_fraction.has_value());
  EXPECT_NEAR(*d[0].dead_fraction, 1.0 / 3, 1e-12);
  EXPECT_FALSE(d[0].saturated_fraction.has_value());
  // relu outputs 1 0 0 2 0 1: mean 2/3, population variance (1/9 + 4/9 + 4/9 + 16/9 + 4/9 + 1/9)/6 = 5/9.
  EXPECT_NEAR(d[0].activation_mean, 2.0 / 3, 1e-6);
  EXPECT_NEAR(d[0].activation_std, std::sqrt(5.0 / 9), 1e-6);
  // Before backward there are no gradients to measure.
  EXPECT_FALSE(d[0].grad_norm.has_value());
  EXPECT_FALSE(d[1].grad_norm.has_value());
  // After backward: ‖(∂W, ∂b)‖ of each layer. The dead unit's weight row gets no gradient.
  torch::nn::functional::cross_entropy(trace.logits, torch::tensor({0, 1}, torch::kInt64)).backward();
  d = layer_diagnostics(*m, trace);
  auto* first = m->layers[0]->as<torch::nn::Linear>();
  EXPECT_EQ(first->weight.grad()[1].abs().sum().item<float>(), 0.0f);
  const double expected0 =
      std::sqrt(first->weight.grad().pow(2).sum().item<double>() + first->bias.grad().pow(2).sum().item<double>());
  const double expected1 =
      std::sqrt(m->out->weight.grad().pow(2).sum().item<double>() + m->out->bias.grad().pow(2).sum().item<double>());
  ASSERT_TRUE(d[0].grad_norm.has_value());
  EXPECT_NEAR(*d[0].grad_norm, expected0, 1e-6);
  EXPECT_NEAR(*d[1].grad_norm, expected1, 1e-6);
  EXPECT_GT(*d[0].grad_norm, 0.0);
}

TEST(MlpDiagnostics, SaturatedTanhAndSigmoidUnitsByHand) {
  auto tanh_mlp = identity_first_layer("tanh");
  // |z| > 1.8184: 2.0, −3.0 and 1.9 of six.
  auto x = torch::tensor({{0.5f, 2.0f, -3.0f}, {1.0f, -1.0f, 1.9f}});
  auto d = layer_diagnostics(*tanh_mlp, tanh_mlp->forward_trace(x));
  ASSERT_TRUE(d[0].saturated_fraction.has_value());
  EXPECT_NEAR(*d[0].saturated_fraction, 0.5, 1e-12);
  EXPECT_FALSE(d[0].dead_fraction.has_value());
  auto sigmoid_mlp = identity_first_layer("sigmoid");
  EXPECT_NEAR(*layer_diagnostics(*sigmoid_mlp, sigmoid_mlp->forward_trace(x))[0].saturated_fraction, 0.0, 1e-12);
  // |z| > 3.6369: 4, −5 and 3.7 of six; 3.6 is not.
  auto y = torch::tensor({{4.0f, 0.0f, -5.0f}, {3.7f, 3.6f, 0.0f}});
  EXPECT_NEAR(*layer_diagnostics(*sigmoid_mlp, sigmoid_mlp->forward_trace(y))[0].saturated_fraction, 0.5, 1e-12);
  // gelu has neither measure.
  auto gelu_mlp = identity_first_layer("gelu");
  auto g = layer_diagnostics(*gelu_mlp, gelu_mlp->forward_trace(y));
  EXPECT_FALSE(g[0].dead_fraction.has_value());
  EXPECT_FALSE(g[0].saturated_fraction.has_value());
}

TEST(WeightInit, HeNeedsAKnownGain) {
  torch::nn::Linear layer(4, 3);
  WeightInitOptions o;
  o.name = "he";
  o.activation = "elu";
  EXPECT_NE(
      error_of([&] { init_weights(*layer, o); }).find("model.init: He initialisation has no gain for activation 'elu'"),
      std::string::npos);
  o.activation = "gelu";  // ReLU's gain
  torch::manual_seed(5);
  init_weights(*layer, o);
  auto gelu = layer->weight.clone();
  o.activation = "relu";
  torch::manual_seed(5);
  init_weights(*layer, o);
  EXPECT_TRUE(torch::equal(gelu, layer->weight));
}

}  // namespace
}  // namespace latent
