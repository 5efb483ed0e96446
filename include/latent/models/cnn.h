// Small convolutional classifier family: conv blocks (Conv2d -> BatchNorm2d? -> ReLU -> MaxPool2d,
// then Dropout?) followed by flatten or global average pooling, fully connected hidden layers
// (ReLU, Dropout) and a Linear layer to the logits. channels {32, 64}, fc {128}, dropout 0.5 is
// the classic "conv32-pool-conv64-pool-fc128-dropout". An input_shape (C, D, H, W) makes the same
// model for volumes: Conv3d, BatchNorm3d and MaxPool3d with cubic kernels and windows.
#pragma once

#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/pimpl.h>

#include <string>
#include <vector>

#include "latent/models/weight_init.h"

namespace latent {

struct CnnOptions {
  std::vector<int64_t> input_shape = {1, 28, 28};  // (C, H, W): 2-D; (C, D, H, W): 3-D
  std::vector<int64_t> channels = {32, 64};        // output channels of each conv block
  int64_t kernel = 3;                              // square (cubic) kernel, stride 1
  std::string padding = "same";                    // same (kernel / 2, kernel odd) | valid (0)
  int64_t pool = 2;                                // MaxPool window = stride after each block; 1: none
  bool batch_norm = false;                         // BatchNorm between each conv and its ReLU
  double conv_dropout = 0.0;                       // Dropout after each conv block
  std::string head = "flatten";                    // flatten | gap (global average pooling)
  std::vector<int64_t> fc = {128};                 // hidden widths after flatten / gap (ReLU, Dropout)
  double dropout = 0.5;                            // after each fc hidden layer
  int64_t outputs = 10;                            // classes or labels
  WeightInitOptions init;                          // LibTorch's default; He uses ReLU's gain
};

class CnnImpl : public torch::nn::Module {
 public:
  // Throws UsageError naming the model.* key of a bad option, including blocks that would shrink
  // the input below one pixel.
  explicit CnnImpl(CnnOptions options = {});

  // x: (B, C, H, W) or (B, C, D, H, W) -> logits (B, outputs)
  torch::Tensor forward(const torch::Tensor& x);
  // x: (B, C, H, W) -> the last block's feature maps (B, channels.back(), H', W');
  // x: (B, C, D, H, W) -> (B, channels.back(), D', H', W')
  torch::Tensor feature_maps(const torch::Tensor& x);

  const CnnOptions& options() const { return options_; }
  // 2 for images, 3 for volumes: input_shape's rank less the channels.
  int64_t spatial_dims() const { return static_cast<int64_t>(options_.input_shape.size()) - 1; }
  // (channels.back(), H', W') or (channels.back(), D', H', W'): the shape feature_maps gives one example.
  std::vector<int64_t> feature_shape() const { return feature_shape_; }

  torch::nn::Sequential features{nullptr};    // the conv blocks
  torch::nn::Sequential classifier{nullptr};  // fc hidden layers and the output layer

 private:
  CnnOptions options_;
  std::vector<int64_t> feature_shape_;
};

TORCH_MODULE(Cnn);

}  // namespace latent
