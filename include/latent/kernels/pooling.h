// 2×2 max pooling with stride 2, LibTorch's values, indices' choice and gradient, in one pass.
//
// LibTorch 1.13's max_pool2d_with_indices on NCHW float tensors took 9-15 ns an output here (7-12 ms
// for conv-dae's 128×32×28×28 activation, 13% of its training time; bench/NOTES.md, change 23).
// max_pool2x2 computes the same maxima with the same choice among equal values and NaNs (the first
// maximum in row-major window order; a NaN wins, the last one when there are several), keeps the
// winner's position in the window (0-3, an int32) instead of an int64 index, and its backward writes
// each output gradient to that position (added to zero, as LibTorch's backward does), so output and
// gradient are LibTorch's bit for bit. Kernel `max_pool2x2` under LATENT_KERNELS; kernels/substitute.h
// routes a model's torch::nn::MaxPool2d here.
#pragma once

#include <torch/nn/modules/pooling.h>

namespace latent {

// Whether max_pool2x2 takes x: a contiguous float CPU tensor (B, C, H, W), H and W even, not empty.
bool max_pool2x2_takes(const torch::Tensor& x);

// x: (B, C, H, W) -> (B, C, H / 2, W / 2), torch::max_pool2d(x, 2)'s values and gradient. An Error for
// what max_pool2x2_takes refuses.
torch::Tensor max_pool2x2(const torch::Tensor& x);

}  // namespace latent
