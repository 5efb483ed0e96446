// 2× nearest-neighbour upsampling (Upsample(scale_factor 2, nearest)), LibTorch's values and
// gradient, in one pass each.
//
// LibTorch 1.13's upsample_nearest2d on NCHW float tensors computes a source index per output
// element and its backward adds each output gradient into a zeroed input gradient one element at a
// time: ~6 ms a step for conv-dae's two upsamplings at batch 128 (bench/NOTES.md, change 25).
// upsample_nearest2x writes each input element to its 2×2 block; its backward sums each block's four
// gradients in LibTorch's order (top left, top right, bottom left, bottom right, onto +0), so output
// and gradient are LibTorch's bit for bit. Kernel `upsample2x` under LATENT_KERNELS;
// kernels/substitute.h routes a model's torch::nn::Upsample here.
#pragma once

#include <torch/nn/modules/upsampling.h>

namespace latent {

// Whether upsample_nearest2x takes x: a non-empty contiguous float CPU tensor (B, C, H, W).
bool upsample_nearest2x_takes(const torch::Tensor& x);

// x: (B, C, H, W) -> (B, C, 2H, 2W), nearest: LibTorch's values and gradient. An Error for what
// upsample_nearest2x_takes refuses.
torch::Tensor upsample_nearest2x(const torch::Tensor& x);

}  // namespace latent
