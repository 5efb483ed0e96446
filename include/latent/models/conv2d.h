// Conv2d whose batch is split over the threads (conv_kernels.h), a drop-in for torch::nn::Conv2d.
//
// Same options, parameters (`weight`, `bias`), shapes and seeded initialisation as
// torch::nn::Conv2d, so checkpoints and initial weights are interchangeable with it. On the CPU the
// forward and backward passes run LibTorch's own convolution kernels on one batch slice per thread
// (split_conv2d, split_conv2d_backward); at one thread the values are torch::nn::Conv2d's bit for
// bit. Off the CPU it is torch::conv2d. Only zero padding; first-order gradients only.
#pragma once

#include <torch/torch.h>

namespace latent {

// x: (B, Cin, H, W), weight: (Cout, Cin / groups, kh, kw), bias: (Cout) or undefined -> (B, Cout, Ho, Wo)
torch::Tensor batch_split_conv2d(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                                 torch::IntArrayRef stride, torch::IntArrayRef padding, torch::IntArrayRef dilation,
                                 int64_t groups);

class SplitConv2dImpl : public torch::nn::Cloneable<SplitConv2dImpl> {
 public:
  explicit SplitConv2dImpl(torch::nn::Conv2dOptions options);
  void reset() override;
  // x: (B, Cin, H, W) -> (B, Cout, (H + 2·p − d·(k − 1) − 1) / s + 1, ...)
  torch::Tensor forward(const torch::Tensor& x);
  void pretty_print(std::ostream& stream) const override;

  torch::nn::Conv2dOptions options;
  torch::Tensor weight;
  torch::Tensor bias;
};
TORCH_MODULE(SplitConv2d);

}  // namespace latent
