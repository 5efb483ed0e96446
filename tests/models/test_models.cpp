// Autoencoder families and objectives: shapes, parameter counts, gradients, overfitting.
#include <gtest/gtest.h>

#include <cmath>

#include "latent/core/error.h"
#include "latent/core/eval_mode.h"
#include "latent/models/dense_autoencoder.h"
#include "latent/models/init.h"
#include "latent/training/objective.h"
#include "loop_util.h"

namespace latent {
namespace {

ModelSpec dense(std::vector<int64_t> hidden, int64_t latent) {
  ModelSpec s;
  s.hidden = std::move(hidden);
  s.latent = latent;
  return s;
}

TEST(DenseAutoencoder, ShapesAndParameterCounts) {
  auto shallow = make_autoencoder(dense({}, 32), {1, 28, 28});
  auto out = shallow->forward(torch::rand({5, 1, 28, 28}));
  EXPECT_EQ(out.code.sizes(), (std::vector<int64_t>{5, 32}));
  EXPECT_EQ(out.recon.sizes(), (std::vector<int64_t>{5, 1, 28, 28}));
  EXPECT_EQ(out.logits.sizes(), out.recon.sizes());
  int64_t n = 0;
  for (const auto& p : shallow->parameters()) n += p.numel();
  EXPECT_EQ(n, 784 * 32 + 32 + 32 * 784 + 784);  // 50,992

  auto deep = make_autoencoder(dense({512}, 32), {1, 28, 28});
  n = 0;
  for (const auto& p : deep->parameters()) n += p.numel();
  EXPECT_EQ(n, (784 * 512 + 512) + (512 * 32 + 32) + (32 * 512 + 512) + (512 * 784 + 784));  // 837,424

  auto five = make_autoencoder(dense({512, 256, 128, 64}, 15), {1, 28, 28});
  EXPECT_EQ(five->encode(torch::rand({2, 784})).sizes(), (std::vector<int64_t>{2, 15}));
}

TEST(DenseAutoencoder, CheckpointKeysAreMemberNames) {
  auto m = make_autoencoder(dense({8}, 4), {1, 4, 4});
  std::vector<std::string> keys;
  for (const auto& p : m->named_parameters()) keys.push_back(p.key());
  EXPECT_EQ(keys,
            (std::vector<std::string>{"encoder.0.weight", "encoder.0.bias", "encoder.2.weight", "encoder.2.bias",
                                      "decoder.0.weight", "decoder.0.bias", "decoder.2.weight", "decoder.2.bias"}));
}

TEST(DenseAutoencoder, AsymmetricDecoderAndIdentityOutput) {
  ModelSpec s = dense({16}, 4);
  s.decoder_hidden = {8, 12};
  s.output = "identity";
  auto m = make_autoencoder(s, {10});
  auto out = m->forward(torch::randn({3, 10}) * 5);
  EXPECT_EQ(out.recon.sizes(), (std::vector<int64_t>{3, 10}));
  EXPECT_TRUE(torch::equal(out.recon, out.logits));
  EXPECT_GT(out.recon.abs().max().item<float>(), 0.0f);
}

TEST(DenseAutoencoder, UnknownTypeIsAnError) {
  ModelSpec s;
  s.type = "transformer";
  EXPECT_THROW(make_autoencoder(s, {1, 28, 28}), Error);
}

// model.init = kaiming: He-normal weights (std sqrt(2 / fan_in)) and zero biases; default keeps
// LibTorch's Kaiming-uniform(a = sqrt(5)) weights, bounded by 1 / sqrt(fan_in), and its non-zero biases.
TEST(ModelInit, KaimingDrawsHeNormalWeightsAndZeroBiases) {
  torch::manual_seed(3);
  ModelSpec s = dense({800}, 400);
  s.init = "kaiming";
  auto m = make_autoencoder(s, {1000});
  for (const auto& p : m->named_parameters()) {
    const auto& w = p.value();
    if (p.key().find("bias") != std::string::npos) {
      EXPECT_EQ(w.abs().max().item<float>(), 0.0f) << p.key();
      continue;
    }
    const double expected = std::sqrt(2.0 / static_cast<double>(w.size(1)));  // (out, in): fan_in = in
    // n >= 320,000 draws: the sample std is within ~0.13% of sigma (1 sd), the mean within sigma / 565.
    EXPECT_NEAR(w.std().item<double>() / expected, 1.0, 0.01) << p.key();
    EXPECT_NEAR(w.mean().item<double>() / expected, 0.0, 0.01) << p.key();
  }

  torch::manual_seed(3);
  auto plain = make_autoencoder(dense({800}, 400), {1000});
  const auto w = plain->named_parameters()["encoder.0.weight"];
  EXPECT_LE(w.abs().max().item<double>(), 1.0 / std::sqrt(1000.0));
  EXPECT_GT(plain->named_parameters()["encoder.0.bias"].abs().max().item<float>(), 0.0f);
}

TEST(ModelInit, KaimingReachesConvolutionsAndTransposedConvolutions) {
  for (const std::string type : {"conv_ae", "conv_vae"}) {
    ModelSpec s;
    s.type = type;
    s.hidden = {8, 16};
    s.channels = {8, 16};
    s.latent = 4;
    s.init = "kaiming";
    auto m = make_autoencoder(s, {1, 8, 8});
    int64_t kernels = 0;
    for (const auto& p : m->named_parameters()) {
      if (p.key().find("bias") != std::string::npos) {
        EXPECT_EQ(p.value().abs().max().item<float>(), 0.0f) << type << " " << p.key();
      } else if (p.value().dim() == 4) {
        ++kernels;
        // Kaiming-uniform(a = sqrt(5)) stays within 1 / sqrt(fan_in); He-normal draws have std
        // sqrt(2) times that, so among >= 64 draws some exceed it (P(all inside) < 0.52^64).
        const auto fan_in = static_cast<double>(p.value()[0].numel());
        EXPECT_GT(p.value().abs().max().item<double>(), 1.0 / std::sqrt(fan_in)) << type << " " << p.key();
      }
    }
    EXPECT_GE(kernels, 4) << type;
  }
}

TEST(ModelInit, UnknownNameIsAnError) {
  auto m = make_autoencoder(dense({}, 4), {8});
  try {
    apply_init(*m, "xavier");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("model.init: unknown initialisation 'xavier'"), std::string::npos);
  }
}

TEST(DenseAutoencoder, BatchEqualsSingles) {
  torch::manual_seed(0);
  auto m = make_autoencoder(dense({16}, 8), {1, 6, 6});
  EvalMode guard(*m);
  auto x = torch::rand({4, 1, 6, 6});
  auto batch = m->forward(x).recon;
  for (int64_t i = 0; i < 4; ++i)
    EXPECT_TRUE(torch::allclose(m->forward(x.slice(0, i, i + 1)).recon, batch.slice(0, i, i + 1), 1e-6, 1e-6));
}

TEST(DenseAutoencoder, EvalModeRestoresTraining) {
  auto m = make_autoencoder(dense({}, 4), {8});
  m->train();
  {
    EvalMode guard(*m);
    EXPECT_FALSE(m->is_training());
    EXPECT_FALSE(torch::GradMode::is_enabled());
  }
  EXPECT_TRUE(m->is_training());
  EXPECT_TRUE(torch::GradMode::is_enabled());
}

TEST(DenseAutoencoder, EveryParameterGetsAGradient) {
  auto m = make_autoencoder(dense({32, 16}, 8), {1, 8, 8});
  auto x = torch::rand({6, 1, 8, 8});
  ReconstructionObjective obj;
  obj.l1_code = 0.1;
  obj(m->forward(x), x, m->output_activation()).backward();
  for (const auto& p : m->named_parameters()) {
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    EXPECT_GT(p.value().grad().abs().sum().item<double>(), 0.0) << p.key();
  }
}

// Central finite differences in double precision against autograd, for every parameter
// entry of a tiny model under the full objective (BCE + L1 on the code).
TEST(DenseAutoencoder, GradientMatchesFiniteDifferencesInDouble) {
  torch::manual_seed(3);
  ModelSpec s = dense({5}, 3);
  s.activation = "tanh";
  s.code_activation = "sigmoid";
  auto m = make_autoencoder(s, {4});
  m->to(torch::kFloat64);
  auto x = torch::rand({3, 4}, torch::kFloat64);
  ReconstructionObjective obj;
  obj.l1_code = 0.05;
  auto loss_of = [&] { return obj(m->forward(x), x, m->output_activation()); };
  m->zero_grad();
  loss_of().backward();
  torch::NoGradGuard no_grad;
  for (auto& p : m->named_parameters()) {
    auto flat = p.value().view(-1);
    auto grad = p.value().grad().view(-1);
    for (int64_t i = 0; i < flat.numel(); ++i) {
      const double old = flat[i].item<double>(), h = 1e-6;
      flat[i] = old + h;
      const double up = loss_of().item<double>();
      flat[i] = old - h;
      const double down = loss_of().item<double>();
      flat[i] = old;
      EXPECT_NEAR(grad[i].item<double>(), (up - down) / (2 * h), 1e-7) << p.key() << "[" << i << "]";
    }
  }
}

TEST(DenseAutoencoder, OverfitsOneBatch) {
  torch::manual_seed(1);
  auto m = make_autoencoder(dense({64}, 16), {1, 8, 8});
  auto x = (torch::rand({16, 1, 8, 8}) > 0.5).to(torch::kFloat32);
  ReconstructionObjective obj;
  const auto [first, last] = testing::adam_first_last(m->parameters(), 1e-2, 300,
                                                      [&] { return obj(m->forward(x), x, m->output_activation()); });
  EXPECT_GT(first, 0.6);
  EXPECT_LT(last, 0.05);
}

TEST(Objective, LossesOnHandComputedTensors) {
  AeOutput out;
  out.logits = torch::tensor({0.0, 2.0}, torch::kFloat64);
  out.recon = torch::sigmoid(out.logits);
  out.code = torch::tensor({{1.0, -2.0}}, torch::kFloat64);
  auto target = torch::tensor({1.0, 0.0}, torch::kFloat64);
  const double s2 = 1.0 / (1.0 + std::exp(-2.0));
  // BCE: mean(-log 0.5, -log(1 - sigmoid(2)))
  EXPECT_NEAR(reconstruction_loss("bce", out, target, "sigmoid").item<double>(), (std::log(2.0) - std::log(1 - s2)) / 2,
              1e-12);
  EXPECT_NEAR(reconstruction_loss("mse", out, target, "sigmoid").item<double>(), (0.25 + s2 * s2) / 2, 1e-12);
  EXPECT_NEAR(reconstruction_loss("l1", out, target, "sigmoid").item<double>(), (0.5 + s2) / 2, 1e-12);
  ReconstructionObjective sparse;
  sparse.loss = "mse";
  sparse.l1_code = 0.1;
  // + 0.1 * (|1| + |-2|) for the one example
  EXPECT_NEAR(sparse(out, target, "sigmoid").item<double>(), (0.25 + s2 * s2) / 2 + 0.3, 1e-12);
}

TEST(Objective, DenoisingNoiseIsFreshClippedAndCentred) {
  ReconstructionObjective obj;
  obj.noise_std = 0.5;
  auto clean = torch::full({20000}, 0.5);
  auto a = obj.corrupt(clean), b = obj.corrupt(clean);
  EXPECT_FALSE(torch::equal(a, b));
  EXPECT_GE(a.min().item<float>(), 0.0f);
  EXPECT_LE(a.max().item<float>(), 1.0f);
  EXPECT_NEAR(a.mean().item<double>(), 0.5, 0.02);  // symmetric clipping keeps the mean
  obj.noise_std = 0;
  EXPECT_TRUE(torch::equal(obj.corrupt(clean), clean));
}

}  // namespace
}  // namespace latent
