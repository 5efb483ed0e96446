// ConvTranspose2d computed through the convolution kernels it is the adjoint of.
//
// A transposed convolution is the input-gradient of a convolution: y = Wᵀ ⋆ x. Its own gradients
// are a convolution (∂x = conv2d(∂y, W)) and a convolution's weight gradient (∂W from x and ∂y).
// LibTorch 1.13 on the CPU runs ConvTranspose2d forward and backward through slow_conv_transpose2d,
// a per-image im2col + small GEMM loop, while its convolutions go to oneDNN, which is 2-6× faster at
// the autoencoders' shapes (bench/NOTES.md, `latent_bench --benchmark_filter=ConvTranspose`). This
// layer computes the backward pass always, and the forward pass when the output has at least
// kAdjointForwardMinChannels channels, through those convolution kernels (at::convolution_backward,
// conv2d); with fewer output channels the forward stays LibTorch's, which is faster there. The
// choice depends only on shapes, so results are reproducible run to run. At 2+ threads every one of
// these calls runs with the batch split over the threads (conv_kernels.h, bench/NOTES.md changes 20
// and 21).
//
// Kernel `conv_transpose2d` under LATENT_KERNELS: models build torch::nn::ConvTranspose2d and
// kernels/substitute.h routes it here on the CPU (zero padding only). First-order gradients only.
#pragma once

#include <torch/nn/modules/conv.h>

namespace latent {

// Output channels from which the forward pass goes through the convolution kernels.
constexpr int64_t kAdjointForwardMinChannels = 16;

// x: (B, Cin, H, W), weight: (Cin, Cout / groups, kh, kw), bias: (Cout) or undefined
//   -> (B, Cout, (H − 1)·sh − 2·ph + dh·(kh − 1) + oph + 1, ...), as torch::conv_transpose2d. An Error
//   for what conv_kernels_take refuses (x not 4-D, not on the CPU, or another dtype than weight).
torch::Tensor adjoint_conv_transpose2d(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                                       torch::IntArrayRef stride, torch::IntArrayRef padding,
                                       torch::IntArrayRef output_padding, int64_t groups, torch::IntArrayRef dilation);

}  // namespace latent
