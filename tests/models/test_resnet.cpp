// ResNet family: forward and feature shapes for images and volumes at depth 18 and 50, torchvision's
// parameter counts and names, torchvision's seeded initial weights (reference/pytorch/resnet.py),
// option errors naming their model.* key, overfitting one batch, save/load and batch-vs-singles.
#include <gtest/gtest.h>

#include "latent/core/error.h"
#include "latent/core/eval_mode.h"
#include "latent/models/resnet.h"
#include "classifier_testing.h"
#include "test_util.h"

namespace latent {
namespace {

using testing::error_of;

int64_t parameter_count(ResNet& m) {
  int64_t n = 0;
  for (const auto& p : m->parameters()) n += p.numel();
  return n;
}

ResNetOptions resnet(std::vector<int64_t> input_shape, int64_t depth, int64_t outputs = 10, int64_t width = 64) {
  ResNetOptions o;
  o.input_shape = std::move(input_shape);
  o.depth = depth;
  o.outputs = outputs;
  o.width = width;
  return o;
}

TEST(ResNet, ImageShapesAtDepth18And50) {
  for (const int64_t depth : {18, 50}) {
    const int64_t channels = depth == 50 ? 2048 : 512;
    for (const int64_t c : {1, 3}) {
      ResNet m(resnet({c, 28, 28}, depth));  // auto: the small stem; 28 -> 28, 14, 7, 4
      EXPECT_EQ(m->forward(torch::rand({2, c, 28, 28})).sizes(), (std::vector<int64_t>{2, 10})) << depth;
      EXPECT_EQ(m->feature_shape(), (std::vector<int64_t>{channels, 4, 4})) << depth;
      EXPECT_TRUE(m->maxpool.is_empty());
    }
    ResNet big(resnet({3, 64, 64}, depth, 7));  // auto: the imagenet stem; 64 -> 32 -> 16, then 16, 8, 4, 2
    EXPECT_EQ(resnet_stem(big->options()), "imagenet");
    EXPECT_FALSE(big->maxpool.is_empty());
    EXPECT_EQ(big->feature_shape(), (std::vector<int64_t>{channels, 2, 2})) << depth;
    const auto x = torch::rand({2, 3, 64, 64});
    EXPECT_EQ(big->forward(x).sizes(), (std::vector<int64_t>{2, 7})) << depth;
    EXPECT_EQ(big->feature_maps(x).sizes(), (std::vector<int64_t>{2, channels, 2, 2})) << depth;
  }
}

TEST(ResNet, VolumeShapesAtDepth18And50) {
  // Narrow (width 16 and 8) to stay quick on a CPU; the layout is that of width 64.
  for (const int64_t depth : {18, 50}) {
    ResNet m(resnet({1, 28, 28, 28}, depth, 3, depth == 50 ? 8 : 16));
    const int64_t channels = depth == 50 ? 8 * 8 * 4 : 16 * 8;
    EXPECT_EQ(m->spatial_dims(), 3);
    EXPECT_NE(m->named_modules()["conv1"]->as<torch::nn::Conv3d>(), nullptr);
    EXPECT_NE(m->named_modules()["layer1.0.bn1"]->as<torch::nn::BatchNorm3d>(), nullptr);
    const auto x = torch::rand({2, 1, 28, 28, 28});
    EXPECT_EQ(m->forward(x).sizes(), (std::vector<int64_t>{2, 3})) << depth;
    EXPECT_EQ(m->feature_shape(), (std::vector<int64_t>{channels, 4, 4, 4})) << depth;
    EXPECT_EQ(m->feature_maps(x).sizes(), (std::vector<int64_t>{2, channels, 4, 4, 4})) << depth;
  }
  ResNetOptions big = resnet({1, 64, 64, 64}, 18, 2, 4);
  EXPECT_EQ(resnet_stem(big), "imagenet");
  EXPECT_EQ(ResNet(big)->feature_shape(), (std::vector<int64_t>{32, 2, 2, 2}));
}

TEST(ResNet, ParameterCountsAreTorchvisions) {
  // torchvision.models.resnet18() and resnet50(): 3 input channels, 1000 classes, the imagenet stem.
  ResNetOptions o = resnet({3, 224, 224}, 18, 1000);
  ResNet r18(o);
  EXPECT_EQ(parameter_count(r18), 11689512);
  o.depth = 50;
  ResNet r50(o);
  EXPECT_EQ(parameter_count(r50), 25557032);
  // MedMNIST's ResNet-18 for 28x28: torchvision's resnet18 with a 3x3 conv1 and 9 classes:
  // 11,689,512 - 7*7*3*64 + 3*3*3*64 - (512*1000 + 1000) + (512*9 + 9) = 11,173,449.
  ResNet small(resnet({3, 28, 28}, 18, 9));
  EXPECT_EQ(parameter_count(small), 11689512 - 7 * 7 * 3 * 64 + 3 * 3 * 3 * 64 - (512 * 1000 + 1000) + (512 * 9 + 9));
  EXPECT_EQ(parameter_count(small), 11173449);
  // The same with Conv3d and BatchNorm3d (1 channel, 11 classes), counted by reference/pytorch/resnet.py.
  ResNet v18(resnet({1, 28, 28, 28}, 18, 11));
  EXPECT_EQ(parameter_count(v18), 33145419);
  ResNet v50(resnet({1, 28, 28, 28}, 50, 11));
  EXPECT_EQ(parameter_count(v50), 46157387);
}

TEST(ResNet, NamesAreTorchvisions) {
  ResNet r18(resnet({3, 28, 28}, 18));
  std::vector<std::string> keys;
  for (const auto& p : r18->named_parameters()) keys.push_back(p.key());
  ASSERT_EQ(keys.size(), 62u);
  EXPECT_EQ(std::vector<std::string>(keys.begin(), keys.begin() + 10),
            (std::vector<std::string>{"conv1.weight", "bn1.weight", "bn1.bias", "layer1.0.conv1.weight",
                                      "layer1.0.bn1.weight", "layer1.0.bn1.bias", "layer1.0.conv2.weight",
                                      "layer1.0.bn2.weight", "layer1.0.bn2.bias", "layer1.1.conv1.weight"}));
  EXPECT_EQ(std::vector<std::string>(keys.begin() + 15, keys.begin() + 24),
            (std::vector<std::string>{"layer2.0.conv1.weight", "layer2.0.bn1.weight", "layer2.0.bn1.bias",
                                      "layer2.0.conv2.weight", "layer2.0.bn2.weight", "layer2.0.bn2.bias",
                                      "layer2.0.downsample.0.weight", "layer2.0.downsample.1.weight",
                                      "layer2.0.downsample.1.bias"}));
  EXPECT_EQ(keys.back(), "fc.bias");
  auto buffers = r18->named_buffers();
  EXPECT_NE(buffers.find("layer4.1.bn2.running_var"), nullptr);
  ResNet r50(resnet({3, 28, 28}, 50));
  EXPECT_EQ(r50->named_parameters().size(), 161u);
  EXPECT_EQ(r50->named_parameters()["layer1.0.downsample.0.weight"].sizes(), (std::vector<int64_t>{256, 64, 1, 1}));
  EXPECT_EQ(r50->named_parameters()["layer4.2.conv3.weight"].sizes(), (std::vector<int64_t>{2048, 512, 1, 1}));
}

// reference/pytorch/resnet.py: torch.manual_seed(0), torchvision's ResNet (transcribed) with a 3x3
// stride-1 conv1, no max-pool, 1 channel, 3 classes, eval mode (python3-torch 1.13): a few initial
// weights and the logits of sin(arange(512).view(2, 1, 16, 16) / 512).
TEST(ResNet, SeededInitialisationDrawsTorchvisionsWeights) {
  struct Expected {
    int64_t depth;
    double conv1[4], layer4[2], fc_weight[2], fc_bias[3], logits[6];
  };
  const Expected cases[] = {
      {18,
       {-0.04035239, -0.00367115, -0.06969605, -0.06707843},
       {-0.01388569, 0.02786679},
       {-0.01106905, -0.01549431},
       {-0.01391732, 0.04105983, 0.01492620},
       {0.06565601, 0.09497212, 0.00724046, 0.20007354, 0.19287284, -0.02807688}},
      {50,
       {-0.00020427, -0.01091343, 0.06031775, -0.00695132},
       {-0.03400396, 0.07013325},
       {0.01592838, 0.00740770},
       {-0.00582927, 0.01292669, 0.00478809},
       {-0.13535051, 0.06929696, -1.10173488, -0.18319571, 0.17470321, -2.80984163}},
  };
  for (const auto& e : cases) {
    torch::manual_seed(0);
    ResNet m(resnet({1, 16, 16}, e.depth, 3));
    auto params = m->named_parameters();
    auto conv1 = params["conv1.weight"].flatten();
    for (int64_t i = 0; i < 4; ++i) EXPECT_NEAR(conv1[i].item<double>(), e.conv1[i], 1e-7) << e.depth << " " << i;
    auto layer4 = params["layer4.1.conv1.weight"].flatten();
    EXPECT_NEAR(layer4[-2].item<double>(), e.layer4[0], 1e-7) << e.depth;
    EXPECT_NEAR(layer4[-1].item<double>(), e.layer4[1], 1e-7) << e.depth;
    auto fc = params["fc.weight"].flatten();
    for (int64_t i = 0; i < 2; ++i) EXPECT_NEAR(fc[i].item<double>(), e.fc_weight[i], 1e-7) << e.depth;
    for (int64_t i = 0; i < 3; ++i) EXPECT_NEAR(params["fc.bias"][i].item<double>(), e.fc_bias[i], 1e-7) << e.depth;
    EvalMode eval(*m);
    torch::NoGradGuard no_grad;
    auto y = m->forward((torch::arange(512, torch::kFloat32).view({2, 1, 16, 16}) / 512).sin()).flatten();
    for (int64_t i = 0; i < 6; ++i) EXPECT_NEAR(y[i].item<double>(), e.logits[i], 1e-4) << e.depth << " " << i;
  }
}

TEST(ResNet, BatchNormStartsAtOneAndZeroInitResidualZeroesTheLastOfEachBlock) {
  ResNetOptions o = resnet({1, 16, 16}, 18, 2, 8);
  ResNet plain(o);
  for (const auto& p : plain->named_parameters()) {
    const std::string& key = p.key();
    if (key.find("bn") == std::string::npos && key.find("downsample.1") == std::string::npos) continue;
    const double start = key.substr(key.size() - 4) == "bias" ? 0.0 : 1.0;
    EXPECT_TRUE(torch::all(p.value() == start).item<bool>()) << key;
  }
  o.zero_init_residual = true;
  for (const int64_t depth : {18, 50}) {
    o.depth = depth;
    const std::string last = depth == 50 ? "bn3.weight" : "bn2.weight";
    ResNet m(o);
    int zeroed = 0;
    for (const auto& p : m->named_parameters()) {
      const std::string& key = p.key();
      if (key.size() > 4 && key.substr(key.size() - 4) == "bias") continue;  // every bias starts at 0
      const bool is_last = key.size() > last.size() && key.compare(key.size() - last.size(), last.size(), last) == 0 &&
                           key.rfind("layer", 0) == 0;
      EXPECT_EQ(torch::all(p.value() == 0).item<bool>(), is_last) << key;
      zeroed += is_last;
    }
    EXPECT_EQ(zeroed, depth == 50 ? 16 : 8);
  }
}

TEST(ResNet, StemAndDropout) {
  EXPECT_EQ(resnet_stem(resnet({3, 63, 200}, 18)), "small");
  EXPECT_EQ(resnet_stem(resnet({3, 64, 64}, 18)), "imagenet");
  EXPECT_EQ(resnet_stem(resnet({1, 28, 28, 28}, 18)), "small");
  ResNetOptions o = resnet({3, 128, 128}, 18, 4, 8);
  o.stem = "small";  // no downsampling in the stem: 128, 64, 32, 16
  EXPECT_EQ(ResNet(o)->feature_shape(), (std::vector<int64_t>{64, 16, 16}));
  o.stem = "imagenet";
  o.input_shape = {3, 32, 32};  // 32 -> 16 -> 8, then 8, 4, 2, 1
  EXPECT_EQ(ResNet(o)->feature_shape(), (std::vector<int64_t>{64, 1, 1}));
  EXPECT_TRUE(ResNet(o)->dropout.is_empty());
  o.dropout = 0.5;
  ResNet d(o);
  ASSERT_FALSE(d->dropout.is_empty());
  std::vector<std::string> keys;
  for (const auto& p : d->named_parameters()) keys.push_back(p.key());
  EXPECT_EQ(keys.back(), "fc.bias");  // the Dropout has no parameters
}

TEST(ResNet, BadOptionsNameTheirKey) {
  auto usage = [](const ResNetOptions& o) { return testing::usage_error_of<ResNet>(o); };
  ResNetOptions o;
  o.depth = 34;
  EXPECT_NE(usage(o).find("model.depth: ResNet-18 or ResNet-50 (18 or 50), got 34"), std::string::npos);
  o = ResNetOptions{};
  o.width = 0;
  EXPECT_NE(usage(o).find("model.width: must be positive"), std::string::npos);
  o = ResNetOptions{};
  o.stem = "cifar";
  EXPECT_NE(usage(o).find("model.stem: 'cifar' (auto, small or imagenet)"), std::string::npos);
  o = ResNetOptions{};
  o.dropout = 1.0;
  EXPECT_NE(usage(o).find("model.dropout: must be in [0, 1)"), std::string::npos);
  o = ResNetOptions{};
  o.outputs = 0;
  EXPECT_NE(usage(o).find("model.outputs: must be positive"), std::string::npos);
  o = ResNetOptions{};
  o.input_shape = {28, 28};
  EXPECT_NE(usage(o).find("model.input_shape: a ResNet takes images (C, H, W) or volumes (C, D, H, W)"),
            std::string::npos);
  o.input_shape = {1, 28, 0};
  EXPECT_NE(usage(o).find("model.input_shape"), std::string::npos);
  o = ResNetOptions{};
  o.stem = "imagenet";  // 28 < 32
  EXPECT_NE(usage(o).find("model.input_shape: the 3x28x28 input is smaller than the imagenet stem and the stages "
                          "downsample (32 along each side); model.stem = small takes sides from 8"),
            std::string::npos);
  o = ResNetOptions{};
  o.input_shape = {1, 28, 6, 28};
  EXPECT_NE(usage(o).find("model.input_shape: the 1x28x6x28 input is smaller than the small stem"), std::string::npos);
  EXPECT_EQ(usage(resnet({1, 8, 8}, 18)), "");
  ResNet m(resnet({1, 8, 8}, 18, 2, 4));
  EXPECT_NE(error_of([&] {
              m->forward(torch::rand({2, 3, 8, 8}));
            }).find("resnet: an input of shape 2x3x8x8; the model takes (B, 1x8x8)"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              m->forward(torch::rand({2, 1, 8, 8, 8}));
            }).find("resnet: an input of shape 2x1x8x8x8"),
            std::string::npos);
}

double train_accuracy(ResNet& m, const torch::Tensor& x, const torch::Tensor& y) {
  torch::NoGradGuard no_grad;
  return m->forward(x).argmax(1).eq(y).to(torch::kFloat64).mean().item<double>();
}

TEST(ResNet, OverfitsOneBatch) {
  torch::manual_seed(3);
  ResNet m(resnet({1, 16, 16}, 18, 2, 32));  // half width (a quarter of the time), the small stem
  auto x = torch::rand({8, 1, 16, 16});
  auto y = torch::tensor({0, 1, 1, 0, 1, 0, 0, 1}, torch::kInt64);
  const auto [first, last] = testing::fit_one_batch(m, x, y, 30, 1e-3);
  EXPECT_GT(first, 0.3);
  EXPECT_LT(last, 0.05);
  // In training mode (the batch's statistics; after 30 steps the running ones still lag behind).
  EXPECT_EQ(train_accuracy(m, x, y), 1.0);
}

ResNet trained_resnet(const std::vector<int64_t>& input_shape) {
  torch::manual_seed(2);
  ResNetOptions o = resnet(input_shape, 18, 4, 8);
  o.dropout = 0.25;
  ResNet m(o);
  m->train();
  std::vector<int64_t> batch = {4};
  batch.insert(batch.end(), input_shape.begin(), input_shape.end());
  for (int i = 0; i < 5; ++i) m->forward(torch::rand(batch) * 3);
  return m;
}

TEST(ResNet, SaveLoadRoundTripGivesIdenticalOutputs) {
  auto m = trained_resnet({2, 12, 12});
  torch::manual_seed(99);
  testing::expect_save_load_identical(m, ResNet(m->options()), torch::rand({3, 2, 12, 12}));
}

TEST(ResNet, EvalModeDiffersFromTrainingOnlyByBatchNormAndDropout) {
  for (const auto& shape : {std::vector<int64_t>{2, 12, 12}, std::vector<int64_t>{1, 8, 8, 8}}) {
    auto m = trained_resnet(shape);
    std::vector<int64_t> batch = {5};
    batch.insert(batch.end(), shape.begin(), shape.end());
    const auto x = torch::rand(batch);
    testing::expect_batch_equals_singles(m, x, 1e-5);
    // In training mode the batch statistics and dropout make the rows depend on the batch and draw.
    torch::NoGradGuard no_grad;
    EXPECT_FALSE(torch::allclose(m->forward(x), m->forward(x)));
    EvalMode eval(*m);
    EXPECT_TRUE(torch::equal(m->forward(x), m->forward(x)));
  }
}

}  // namespace
}  // namespace latent
