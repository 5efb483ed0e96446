// The convolutional autoencoder family: shapes for several configs, gradients, overfitting
// one batch, clear errors for inputs it cannot take.
#include <gtest/gtest.h>

#include "latent/core/error.h"
#include "latent/core/eval_mode.h"
#include "latent/models/conv_autoencoder.h"
#include "latent/training/objective.h"
#include "loop_util.h"
#include "test_util.h"

namespace latent {
namespace {

using testing::error_of;

ModelSpec conv(std::vector<int64_t> channels, int64_t kernel = 3, double dropout = 0.0) {
  ModelSpec s;
  s.type = "conv_ae";
  s.channels = std::move(channels);
  s.kernel = kernel;
  s.dropout = dropout;
  return s;
}

TEST(ConvAutoencoder, ShapesForSeveralConfigs) {
  struct Case {
    std::vector<int64_t> channels;
    int64_t kernel;
    std::vector<int64_t> input;
    std::vector<int64_t> code;
  };
  const std::vector<Case> cases = {
      {{32, 64}, 3, {1, 28, 28}, {64, 7, 7}},
      {{8}, 5, {3, 12, 20}, {8, 6, 10}},
      {{4, 8, 16}, 3, {3, 16, 8}, {16, 2, 1}},
      {{6, 6}, 1, {1, 8, 8}, {6, 2, 2}},
  };
  for (const auto& c : cases) {
    auto m = make_autoencoder(conv(c.channels, c.kernel, 0.1), c.input);
    std::vector<int64_t> batch = {3};
    batch.insert(batch.end(), c.input.begin(), c.input.end());
    auto out = m->forward(torch::rand(batch));
    std::vector<int64_t> code = {3};
    code.insert(code.end(), c.code.begin(), c.code.end());
    EXPECT_EQ(out.code.sizes().vec(), code);
    EXPECT_EQ(out.recon.sizes().vec(), batch);
    EXPECT_EQ(out.logits.sizes().vec(), batch);
    EXPECT_GE(out.recon.min().item<float>(), 0.0f);
    EXPECT_LE(out.recon.max().item<float>(), 1.0f);
    EXPECT_EQ(m->decode(out.code).sizes().vec(), batch);
  }
}

TEST(ConvAutoencoder, ParameterCountAndCheckpointKeys) {
  auto m = make_autoencoder(conv({4, 8}), {1, 8, 8});
  int64_t n = 0;
  for (const auto& p : m->parameters()) n += p.numel();
  // encoder: conv 1->4, conv 4->8; decoder: convT 8->4, convT 4->4, conv 4->1 (3x3 kernels)
  EXPECT_EQ(n, (1 * 4 * 9 + 4) + (4 * 8 * 9 + 8) + (8 * 4 * 9 + 4) + (4 * 4 * 9 + 4) + (4 * 1 * 9 + 1));
  std::vector<std::string> keys;
  for (const auto& p : m->named_parameters()) keys.push_back(p.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"encoder.0.weight", "encoder.0.bias", "encoder.3.weight", "encoder.3.bias",
                                            "decoder.0.weight", "decoder.0.bias", "decoder.3.weight", "decoder.3.bias",
                                            "decoder.6.weight", "decoder.6.bias"}));
}

TEST(ConvAutoencoder, EveryParameterGetsAGradient) {
  torch::manual_seed(2);
  auto m = make_autoencoder(conv({4, 6}, 3, 0.2), {3, 8, 8});
  auto x = torch::rand({4, 3, 8, 8});
  ReconstructionObjective obj;
  obj.l1_code = 0.01;
  obj(m->forward(x), x, m->output_activation()).backward();
  for (const auto& p : m->named_parameters()) {
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    EXPECT_GT(p.value().grad().abs().sum().item<double>(), 0.0) << p.key();
  }
}

TEST(ConvAutoencoder, DropoutOnlyInTraining) {
  torch::manual_seed(4);
  auto m = make_autoencoder(conv({4}, 3, 0.5), {1, 4, 4});
  auto x = torch::rand({2, 1, 4, 4});
  m->train();
  EXPECT_FALSE(torch::equal(m->forward(x).recon, m->forward(x).recon));
  EvalMode guard(*m);
  EXPECT_TRUE(torch::equal(m->forward(x).recon, m->forward(x).recon));
}

TEST(ConvAutoencoder, OverfitsOneBatch) {
  torch::manual_seed(1);
  auto m = make_autoencoder(conv({16}), {1, 8, 8});
  // Random binary 4x4 patterns drawn as 2x2 blocks (16 free bits per 8x8 image) through one pooling block.
  auto x = (torch::rand({8, 1, 4, 4}) > 0.5).to(torch::kFloat32).repeat_interleave(2, 2).repeat_interleave(2, 3);
  ReconstructionObjective obj;
  obj.loss = "mse";
  const auto [first, last] = testing::adam_first_last(m->parameters(), 1e-2, 400,
                                                      [&] { return obj(m->forward(x), x, m->output_activation()); });
  EXPECT_GT(first, 0.2);
  EXPECT_LT(last, 0.01);
}

TEST(ConvAutoencoder, InputsItCannotTakeGiveClearErrors) {
  EXPECT_NE(error_of([] {
              make_autoencoder(conv({4, 8}), {1, 28, 30});
            }).find("not divisible by 4"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              make_autoencoder(conv({4, 8, 16}), {1, 28, 28});
            }).find("28x28 is not divisible by 8"),
            std::string::npos);
  EXPECT_NE(error_of([] { make_autoencoder(conv({4}), {2, 8, 8}); }).find("2 channels"), std::string::npos);
  EXPECT_NE(error_of([] { make_autoencoder(conv({4}), {64}); }).find("not (C, H, W)"), std::string::npos);
  EXPECT_NE(error_of([] { make_autoencoder(conv({4}, 4), {1, 8, 8}); }).find("model.kernel"), std::string::npos);
  auto m = make_autoencoder(conv({4}), {1, 8, 8});
  EXPECT_NE(error_of([&] {
              m->forward(torch::rand({2, 3, 8, 8}));
            }).find("(2, 3, 8, 8) does not fit"),
            std::string::npos);
  EXPECT_NE(error_of([&] { m->forward(torch::rand({2, 64})); }).find("takes (B, 1, 8, 8)"), std::string::npos);
}

}  // namespace
}  // namespace latent
