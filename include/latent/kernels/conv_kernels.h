// LibTorch's convolution kernels (oneDNN on the CPU) with the batch split over the threads.
//
// At 2+ threads each oneDNN convolution call runs as several OpenMP regions (layout reorders around
// the kernel): ~34 a step of the convolutional denoising autoencoder W3. Under the passive wait policy
// latent starts with (bench/NOTES.md, change 11) every region wakes the sleeping thread again, which
// left W3 barely faster at 2 threads than at 1. These functions cut the batch into one contiguous
// slice per thread and call the same LibTorch kernels on each slice inside one region, where nested
// regions run on the calling thread: one wake-up per call instead of several (change 21).
//
// Per image the work is the same. A weight (or bias) gradient is a sum over the batch: each slice's
// sum is computed by the kernel, and the slices' sums are then added in slice order, so a result
// depends on the thread count (as oneDNN's own reductions already do) but not on timing. At one
// thread, for a batch of one, off the CPU or inside a parallel region, each function is exactly the
// single LibTorch call it replaces. The layers on top: kernels/conv2d.h (kernel `conv2d`) and
// kernels/conv_transpose.h (kernel `conv_transpose2d`).
#pragma once

#include <torch/csrc/autograd/custom_function.h>
#include <torch/types.h>

#include <array>
#include <functional>
#include <vector>

namespace latent {

// How many slices the functions below cut x's batch into: one per thread, at most one per image; 1
// at one thread, off the CPU and inside a parallel region.
int64_t batch_slices(const torch::Tensor& x);

// Runs fn(slice, begin, end) for `slices` contiguous slices of [0, batch) (slice s from batch·s/slices),
// all inside one parallel region, each thread with the caller's thread-local state (grad mode,
// inference mode) and an OpenMP team size of 1 (SerialScope), so the LibTorch and oneDNN calls in fn
// run on that thread alone. One slice: fn(0, 0, batch) on the calling thread, nothing else.
void for_each_batch_slice(int64_t batch, int64_t slices, const std::function<void(int64_t, int64_t, int64_t)>& fn);

struct ConvGeometry {
  std::vector<int64_t> stride;
  std::vector<int64_t> padding;
  std::vector<int64_t> dilation;
  int64_t groups = 1;
};

struct ConvGrads {
  torch::Tensor input;   // (B, Cin, H, W) when asked
  torch::Tensor weight;  // weight's shape when asked
  torch::Tensor bias;    // (Cout) when asked
};

// A batch's output from per-slice ones: slice_output(begin, end) computes images [begin, end) of a
// tensor of `size` (batch first), each slice's written into one tensor with like's options and memory
// format. One slice (batch_slices(like) == 1): slice_output(0, B) itself, no copy.
torch::Tensor batch_from_slices(const torch::Tensor& like, torch::IntArrayRef size,
                                const std::function<torch::Tensor(int64_t, int64_t)>& slice_output);

// A batch's gradients from per-slice ones: slice_grads(begin, end) computes the masked parts for
// images [begin, end); the input parts are written into one tensor shaped like `like`, the weight and
// bias parts added in slice order. One slice: slice_grads(0, B) itself.
ConvGrads grads_from_slices(const torch::Tensor& like, std::array<bool, 3> mask,
                            const std::function<ConvGrads(int64_t, int64_t)>& slice_grads);

// One at::convolution_backward call for y = conv2d(x, weight, ·), no split: the masked gradients from
// gy = ∂L/∂y; mask = {input, weight, bias}. Only x's shape is read when just the input gradient is asked.
ConvGrads conv2d_grads(const torch::Tensor& x, const torch::Tensor& gy, const torch::Tensor& weight,
                       const ConvGeometry& g, std::array<bool, 3> mask);

// x: (B, Cin, H, W), weight: (Cout, Cin / groups, kh, kw), bias: (Cout) or undefined -> (B, Cout, Ho, Wo);
// torch::conv2d's values.
torch::Tensor split_conv2d(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                           const ConvGeometry& g);

// conv2d_grads with the batch split over the threads.
ConvGrads split_conv2d_backward(const torch::Tensor& x, const torch::Tensor& gy, const torch::Tensor& weight,
                                const ConvGeometry& g, std::array<bool, 3> mask);

// What the convolution kernels (batch_split_conv2d, adjoint_conv_transpose2d) share:
// - whether their autograd functions take x and weight (both on the CPU, x 4-D, one dtype);
bool conv_kernels_take(const torch::Tensor& x, const torch::Tensor& weight);
// - "no bias" as those functions carry it: an empty tensor, since autograd records every input's device;
torch::Tensor bias_or_empty(const torch::Tensor& bias, const torch::Tensor& weight);
// - the geometry a function keeps for its backward pass (in ctx->saved_data);
void save_geometry(torch::autograd::AutogradContext* ctx, const ConvGeometry& g);
ConvGeometry saved_geometry(torch::autograd::AutogradContext* ctx);

}  // namespace latent
