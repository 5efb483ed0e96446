// ResNet family (He et al. 2015, torchvision's "v1.5": the stride of a bottleneck is on its 3x3
// conv) for images (C, H, W) and volumes (C, D, H, W): ResNet-18 (BasicBlock, [2, 2, 2, 2]) and
// ResNet-50 (Bottleneck, [3, 4, 6, 3], expansion 4). Parameter names, shapes, counts and initial
// weights are torchvision's: conv1, bn1, layer1.0.conv1, ..., layer2.0.downsample.0, ..., fc. The
// "small" stem (3x3 stride-1 conv1, no max-pool) is MedMNIST's benchmark model for 28x28 inputs;
// "imagenet" is torchvision's 7x7 stride-2 conv1 and 3x3 stride-2 max-pool. 3-D uses Conv3d,
// BatchNorm3d and MaxPool3d with cubic kernels, as MedMNIST's 3-D ResNets do.
#pragma once

#include <torch/nn/modules/container/any.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <string>
#include <vector>

namespace latent {

struct ResNetOptions {
  std::vector<int64_t> input_shape = {3, 28, 28};  // (C, H, W): 2-D; (C, D, H, W): 3-D
  int64_t depth = 18;                              // 18: BasicBlock [2, 2, 2, 2]; 50: Bottleneck [3, 4, 6, 3]
  int64_t width = 64;                              // channels of the stem and stage 1; stages double it
  int64_t outputs = 10;                            // classes or labels
  // auto: small when the smallest spatial side is below 64, else imagenet; small: conv1 3x3 stride 1,
  // no max-pool; imagenet: conv1 7x7 stride 2 padding 3, then max-pool 3x3 stride 2 padding 1.
  std::string stem = "auto";
  double dropout = 0.0;             // before fc; 0: no Dropout module
  bool zero_init_residual = false;  // the last BN of every block starts at weight 0 (torchvision's option)
};

// "small" or "imagenet": the stem that options.stem names, "auto" resolved from the input shape.
std::string resnet_stem(const ResNetOptions& options);

class ResNetImpl : public torch::nn::Module {
 public:
  // Throws UsageError naming the model.* key of a bad option (model.depth, model.width, model.stem,
  // model.dropout, model.outputs, model.input_shape); an input smaller than the stem and stages
  // downsample (8 with the small stem, 32 with the imagenet stem) is a model.input_shape error.
  // Weights as torchvision: convs kaiming_normal_(fan_out, relu), BN weight 1 and bias 0, fc
  // LibTorch's default; drawn in torchvision's order, so a seeded model starts from its weights.
  explicit ResNetImpl(ResNetOptions options = {});

  // x: (B, C, H, W) or (B, C, D, H, W) -> logits (B, outputs)
  torch::Tensor forward(const torch::Tensor& x);
  // x: (B, C, H, W) -> the last stage's maps (B, width * 8 * expansion, H', W');
  // x: (B, C, D, H, W) -> (B, width * 8 * expansion, D', H', W')
  torch::Tensor feature_maps(const torch::Tensor& x);

  const ResNetOptions& options() const { return options_; }
  // 2 for images, 3 for volumes.
  int64_t spatial_dims() const { return static_cast<int64_t>(options_.input_shape.size()) - 1; }
  // (channels, H', W') or (channels, D', H', W'): the shape feature_maps gives one example.
  std::vector<int64_t> feature_shape() const { return feature_shape_; }
  // 1 (BasicBlock) or 4 (Bottleneck): the last stage has width * 8 * expansion channels.
  int64_t expansion() const { return options_.depth == 50 ? 4 : 1; }

  // Conv2d or Conv3d, BatchNorm2d or 3d, MaxPool2d or 3d (imagenet stem only; empty otherwise).
  torch::nn::AnyModule conv1, bn1, maxpool;
  torch::nn::Sequential layer1{nullptr}, layer2{nullptr}, layer3{nullptr}, layer4{nullptr};
  torch::nn::Dropout dropout{nullptr};  // only when options.dropout > 0
  torch::nn::Linear fc{nullptr};

 private:
  ResNetOptions options_;
  std::vector<int64_t> feature_shape_;
};

TORCH_MODULE(ResNet);

}  // namespace latent
