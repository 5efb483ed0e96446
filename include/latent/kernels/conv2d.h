// Conv2d with the batch split over the threads (conv_kernels.h): kernel `conv2d` under LATENT_KERNELS.
//
// The forward and backward passes run LibTorch's own convolution kernels on one batch slice per
// thread (split_conv2d, split_conv2d_backward); at one thread the values are torch::nn::Conv2d's bit
// for bit, at two the output and input gradient still are and the weight and bias gradients differ
// by the order of the slices' sums. Models build torch::nn::Conv2d; kernels/substitute.h routes it
// here (zero padding given as numbers only). First-order gradients only.
#pragma once

#include <torch/nn/modules/conv.h>

namespace latent {

// x: (B, Cin, H, W), weight: (Cout, Cin / groups, kh, kw), bias: (Cout) or undefined -> (B, Cout, Ho, Wo),
// torch::conv2d's values with zero padding. An Error for what conv_kernels_take refuses (x not 4-D,
// not on the CPU, or another dtype than weight).
torch::Tensor batch_split_conv2d(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                                 torch::IntArrayRef stride, torch::IntArrayRef padding, torch::IntArrayRef dilation,
                                 int64_t groups);

}  // namespace latent
