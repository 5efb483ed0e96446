// Small CNN classifier family: shapes, parameter counts and checkpoint keys of the classic
// conv32-pool-conv64-pool-fc128-dropout recipe, global average pooling, option errors naming their
// model.* key, PyTorch's seeded draws, overfitting one batch, save/load and batch-vs-singles; the
// same for volumes (C, D, H, W) with Conv3d, BatchNorm3d and MaxPool3d.
#include <gtest/gtest.h>

#include "latent/core/error.h"
#include "latent/models/cnn.h"
#include "classifier_testing.h"
#include "test_util.h"

namespace latent {
namespace {

using testing::error_of;

TEST(Cnn, ClassicRecipeShapesCountsAndKeys) {
  Cnn m{CnnOptions{}};  // conv32-pool-conv64-pool-fc128-dropout on 1x28x28
  EXPECT_EQ(m->forward(torch::rand({2, 1, 28, 28})).sizes(), (std::vector<int64_t>{2, 10}));
  EXPECT_EQ(m->feature_shape(), (std::vector<int64_t>{64, 7, 7}));
  EXPECT_EQ(m->feature_maps(torch::rand({2, 1, 28, 28})).sizes(), (std::vector<int64_t>{2, 64, 7, 7}));
  int64_t n = 0;
  for (const auto& p : m->parameters()) n += p.numel();
  EXPECT_EQ(n, (9 * 32 + 32) + (32 * 9 * 64 + 64) + (64 * 7 * 7 * 128 + 128) + (128 * 10 + 10));  // 421,642
  std::vector<std::string> keys;
  for (const auto& p : m->named_parameters()) keys.push_back(p.key());
  // features: conv, relu, pool, conv, relu, pool; classifier: linear, relu, dropout, linear.
  EXPECT_EQ(keys, (std::vector<std::string>{"features.0.weight", "features.0.bias", "features.3.weight",
                                            "features.3.bias", "classifier.0.weight", "classifier.0.bias",
                                            "classifier.3.weight", "classifier.3.bias"}));
}

TEST(Cnn, ValidPaddingGlobalAveragePoolingAndBatchNorm) {
  CnnOptions o;
  o.padding = "valid";  // 28 -conv-> 26 -pool-> 13 -conv-> 11 -pool-> 5
  EXPECT_EQ(Cnn(o)->feature_shape(), (std::vector<int64_t>{64, 5, 5}));
  CnnOptions gap;
  gap.input_shape = {3, 16, 16};
  gap.channels = {8, 16};
  gap.batch_norm = true;
  gap.head = "gap";
  gap.fc = {};
  gap.outputs = 5;
  Cnn g(gap);
  EXPECT_EQ(g->forward(torch::rand({3, 3, 16, 16})).sizes(), (std::vector<int64_t>{3, 5}));
  std::vector<std::string> keys;
  for (const auto& p : g->named_parameters()) keys.push_back(p.key());
  // conv, bn, relu, pool per block; the head is one Linear(16, 5) on the pooled channels.
  EXPECT_EQ(keys,
            (std::vector<std::string>{"features.0.weight", "features.0.bias", "features.1.weight", "features.1.bias",
                                      "features.4.weight", "features.4.bias", "features.5.weight", "features.5.bias",
                                      "classifier.0.weight", "classifier.0.bias"}));
  EXPECT_EQ(g->classifier[0]->as<torch::nn::Linear>()->weight.sizes(), (std::vector<int64_t>{5, 16}));
}

TEST(Cnn, BadOptionsNameTheirKey) {
  auto usage = [](const CnnOptions& o) { return testing::usage_error_of<Cnn>(o); };
  CnnOptions o;
  o.channels = {};
  EXPECT_NE(usage(o).find("model.channels: at least one conv block"), std::string::npos);
  o.channels = {8, 8, 8, 8, 8};  // 28 -> 14 -> 7 -> 3 -> 1 -> 0
  EXPECT_NE(usage(o).find("model.channels: conv block 5 of 5 shrinks the 28x28 input below one pixel"),
            std::string::npos);
  o = CnnOptions{};
  o.kernel = 4;
  EXPECT_NE(usage(o).find("model.kernel: 'same' padding needs an odd kernel"), std::string::npos);
  o = CnnOptions{};
  o.head = "max";
  EXPECT_NE(usage(o).find("model.head: 'max' (flatten or gap)"), std::string::npos);
  o = CnnOptions{};
  o.dropout = -0.1;
  EXPECT_NE(usage(o).find("model.dropout"), std::string::npos);
  o = CnnOptions{};
  o.input_shape = {28, 28};
  EXPECT_NE(usage(o).find("model.input_shape: a CNN takes images (C, H, W)"), std::string::npos);
  o = CnnOptions{};
  o.padding = "full";
  EXPECT_NE(usage(o).find("model.padding: 'full'"), std::string::npos);
  o = CnnOptions{};
  o.init.name = "orthogonal";
  EXPECT_NE(usage(o).find("model.init: unknown initialisation 'orthogonal'"), std::string::npos);
  Cnn m{CnnOptions{}};
  EXPECT_NE(error_of([&] {
              m->forward(torch::rand({2, 3, 28, 28}));
            }).find("cnn: an input of shape 2x3x28x28; the model takes (B, 1x28x28)"),
            std::string::npos);
}

// torch.manual_seed(0); nn.Sequential(Conv2d(1, 2, 3, padding=1), ReLU(), MaxPool2d(2), Flatten(),
// Linear(8, 3), ReLU(), Linear(3, 2)), then kaiming_normal_(weight, nonlinearity="relu") and
// zeros_(bias) for every Conv2d and Linear in model.modules() (python3-torch 1.13): the first four
// conv weights, the last two output weights and the output for arange(16).view(1, 1, 4, 4) / 16.
TEST(Cnn, SeededHeInitialisationDrawsPyTorchsWeights) {
  CnnOptions o;
  o.input_shape = {1, 4, 4};
  o.channels = {2};
  o.fc = {3};
  o.dropout = 0.0;
  o.outputs = 2;
  o.init.name = "he";
  torch::manual_seed(0);
  Cnn m(o);
  auto conv = m->features[0]->as<torch::nn::Conv2d>()->weight.flatten();
  const double first[] = {-0.18627906, 0.09688573, 0.98144323, 0.80455160};
  for (int64_t i = 0; i < 4; ++i) EXPECT_NEAR(conv[i].item<double>(), first[i], 1e-6) << i;
  auto last = m->classifier[2]->as<torch::nn::Linear>()->weight.flatten();
  EXPECT_NEAR(last[4].item<double>(), -0.57503140, 1e-6);
  EXPECT_NEAR(last[5].item<double>(), -0.84526950, 1e-6);
  auto y = m->forward(torch::arange(16, torch::kFloat32).view({1, 1, 4, 4}) / 16);
  EXPECT_NEAR(y[0][0].item<double>(), -1.51298690, 1e-5);
  EXPECT_NEAR(y[0][1].item<double>(), -3.08028364, 1e-5);
}

CnnOptions tiny(bool batch_norm, double dropout) {
  CnnOptions o;
  o.input_shape = {1, 12, 12};
  o.channels = {4, 8};
  o.fc = {16};
  o.batch_norm = batch_norm;
  o.dropout = dropout;
  o.conv_dropout = dropout;
  o.outputs = 4;
  return o;
}

TEST(Cnn, OverfitsOneBatch) {
  for (const bool batch_norm : {false, true}) {
    torch::manual_seed(1);
    Cnn m(tiny(batch_norm, 0.0));
    auto x = torch::rand({8, 1, 12, 12});
    auto y = torch::tensor({0, 1, 2, 3, 3, 2, 1, 0}, torch::kInt64);
    const auto [first, last] = testing::fit_one_batch(m, x, y, 200);
    EXPECT_GT(first, 1.0) << batch_norm;
    EXPECT_LT(last, 0.05) << batch_norm;
  }
}

Cnn trained_cnn_with_batch_norm_and_dropout() {
  torch::manual_seed(2);
  Cnn m(tiny(true, 0.25));
  m->train();
  for (int i = 0; i < 5; ++i) m->forward(torch::rand({4, 1, 12, 12}) * 3);
  return m;
}

TEST(Cnn, SaveLoadRoundTripGivesIdenticalOutputs) {
  auto m = trained_cnn_with_batch_norm_and_dropout();
  torch::manual_seed(99);
  testing::expect_save_load_identical(m, Cnn(m->options()), torch::rand({3, 1, 12, 12}));
}

TEST(Cnn, BatchEqualsSinglesInEvalMode) {
  auto m = trained_cnn_with_batch_norm_and_dropout();
  testing::expect_batch_equals_singles(m, torch::rand({5, 1, 12, 12}), 1e-5);
}

CnnOptions tiny_volumes(bool batch_norm, double dropout) {
  CnnOptions o = tiny(batch_norm, dropout);
  o.input_shape = {1, 8, 8, 8};
  o.outputs = 2;
  return o;
}

TEST(Cnn, VolumesShapesCountsAndKeys) {
  CnnOptions o;
  o.input_shape = {1, 28, 28, 28};  // 28 -conv-> 28 -pool-> 14 -conv-> 14 -pool-> 7
  o.channels = {8, 16};
  o.fc = {32};
  Cnn m(o);
  EXPECT_EQ(m->spatial_dims(), 3);
  EXPECT_EQ(m->feature_shape(), (std::vector<int64_t>{16, 7, 7, 7}));
  const auto x = torch::rand({2, 1, 28, 28, 28});
  EXPECT_EQ(m->forward(x).sizes(), (std::vector<int64_t>{2, 10}));
  EXPECT_EQ(m->feature_maps(x).sizes(), (std::vector<int64_t>{2, 16, 7, 7, 7}));
  ASSERT_NE(m->features[0]->as<torch::nn::Conv3d>(), nullptr);
  EXPECT_NE(m->features[2]->as<torch::nn::MaxPool3d>(), nullptr);
  int64_t n = 0;
  for (const auto& p : m->parameters()) n += p.numel();
  EXPECT_EQ(n, (27 * 8 + 8) + (8 * 27 * 16 + 16) + (16 * 7 * 7 * 7 * 32 + 32) + (32 * 10 + 10));  // 179,674
  std::vector<std::string> keys;
  for (const auto& p : m->named_parameters()) keys.push_back(p.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"features.0.weight", "features.0.bias", "features.3.weight",
                                            "features.3.bias", "classifier.0.weight", "classifier.0.bias",
                                            "classifier.3.weight", "classifier.3.bias"}));
  CnnOptions gap = tiny_volumes(true, 0.0);
  gap.input_shape = {2, 6, 10, 12};  // D, H, W need not be equal: 6x10x12 -> 3x5x6 -> 1x2x3
  gap.head = "gap";
  gap.fc = {};
  Cnn g(gap);
  EXPECT_EQ(g->feature_shape(), (std::vector<int64_t>{8, 1, 2, 3}));
  EXPECT_NE(g->features[1]->as<torch::nn::BatchNorm3d>(), nullptr);
  EXPECT_EQ(g->forward(torch::rand({3, 2, 6, 10, 12})).sizes(), (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(g->classifier[0]->as<torch::nn::Linear>()->weight.sizes(), (std::vector<int64_t>{2, 8}));
}

TEST(Cnn, VolumesBadOptionsAndInputs) {
  CnnOptions o = tiny_volumes(false, 0.0);
  o.channels = {4, 4, 4, 4};  // 8 -> 4 -> 2 -> 1 -> 0
  EXPECT_NE(
      testing::usage_error_of<Cnn>(o).find("model.channels: conv block 4 of 4 shrinks the 8x8x8 input below one voxel"),
      std::string::npos);
  o.input_shape = {1, 8, 8, 8, 8};
  EXPECT_NE(testing::usage_error_of<Cnn>(o).find("model.input_shape: a CNN takes images (C, H, W) or volumes"),
            std::string::npos);
  Cnn m(tiny_volumes(false, 0.0));
  EXPECT_NE(error_of([&] {
              m->forward(torch::rand({2, 1, 8, 8}));
            }).find("cnn: an input of shape 2x1x8x8; the model takes (B, 1x8x8x8)"),
            std::string::npos);
}

TEST(Cnn, VolumesOverfitOneBatch) {
  for (const bool batch_norm : {false, true}) {
    torch::manual_seed(1);
    Cnn m(tiny_volumes(batch_norm, 0.0));
    auto x = torch::rand({8, 1, 8, 8, 8});
    auto y = torch::tensor({0, 1, 1, 0, 1, 0, 0, 1}, torch::kInt64);
    const auto [first, last] = testing::fit_one_batch(m, x, y, 100);
    EXPECT_GT(first, 0.5) << batch_norm;
    EXPECT_LT(last, 0.05) << batch_norm;
    torch::NoGradGuard no_grad;
    EXPECT_TRUE(torch::equal(m->forward(x).argmax(1), y)) << batch_norm;
  }
}

TEST(Cnn, VolumesBatchEqualsSinglesInEvalMode) {
  torch::manual_seed(2);
  Cnn m(tiny_volumes(true, 0.25));
  m->train();
  for (int i = 0; i < 5; ++i) m->forward(torch::rand({4, 1, 8, 8, 8}) * 3);
  testing::expect_batch_equals_singles(m, torch::rand({5, 1, 8, 8, 8}), 1e-5);
  torch::manual_seed(99);
  testing::expect_save_load_identical(m, Cnn(m->options()), torch::rand({3, 1, 8, 8, 8}));
}

}  // namespace
}  // namespace latent
