// Where latent's hand-written kernels take over from LibTorch: the one place that decides.
//
// Models build plain torch::nn layers, the objectives, metrics and optimizer factory call the
// functions below, and nothing else calls a kernel. Each function runs a kernel when two things hold:
// the switch turns it on and this CPU can run it (kernel_enabled, kernels/registry.h: LATENT_KERNELS),
// and the kernel takes this input (its own *_takes predicate: dtype, device, layout, shape, autograd).
// Otherwise it is the LibTorch operator the kernel replaces, called as torch::nn's layer or LibTorch's
// function calls it. docs/kernels.md lists the kernels and the rule for adding one.
#pragma once

#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/adam.h>
#include <torch/optim/optimizer.h>

#include <memory>
#include <vector>

namespace latent {

// seq->forward(x), each module in turn, with
//   Linear                                  -> gemm_linear       (kernel gemm)
//   Conv2d, zero padding given as numbers   -> batch_split_conv2d (kernel conv2d)
//   ConvTranspose2d, zero padding           -> adjoint_conv_transpose2d (kernel conv_transpose2d)
//   MaxPool2d(2): 2×2, stride 2, floor      -> max_pool2x2       (kernel max_pool2x2)
//   Upsample(scale 2, nearest)              -> upsample_nearest2x (kernel upsample2x)
//   ReLU (not in place)                     -> serial_relu       (kernel relu)
//   Dropout (not in place)                  -> dropout() below   (kernel bernoulli)
// where the kernel is enabled and takes the input; every other module, and every module the kernels
// do not take, is module.forward(x). The same parameters either way.
torch::Tensor forward_sequential(torch::nn::Sequential& seq, torch::Tensor x);

// layer->forward(x) for a Linear layer, through gemm_linear where kernel `gemm` is enabled and takes it.
// x: (B, in) -> (B, out).
torch::Tensor linear(const torch::Tensor& x, torch::nn::LinearImpl& layer);

// torch::relu(x), through serial_relu where kernel `relu` is enabled. x: any shape -> the same shape.
torch::Tensor relu_activation(const torch::Tensor& x);

// torch::dropout(x, p, train), the same values and gradient: where kernel `bernoulli` is enabled, the
// mask comes from bernoulli_mask (LibTorch's arithmetic around it: mask / (1 − p), times x).
torch::Tensor dropout(const torch::Tensor& x, double p, bool train);

// torch::sigmoid(x); outside autograd on a contiguous float CPU tensor, the Cephes-style kernel
// `sigmoid` (a few ulp from LibTorch's). Under autograd (training) LibTorch's own sigmoid, run on
// the calling thread for batch-sized tensors (core/system.h SerialScope).
torch::Tensor fast_sigmoid(const torch::Tensor& x);

// torch::binary_cross_entropy_with_logits(logits, target) (mean), through kernel `bce`
// (fused_bce_with_logits_mean; `probs`, when given, must be sigmoid(logits) as the model computed it).
torch::Tensor bce_with_logits_mean(const torch::Tensor& logits, const torch::Tensor& target,
                                   const torch::Tensor& probs = {});

// BCE(sigmoid(logits), target) summed over each example: (B, ...) -> (B,), through kernel `bce`
// (fused_bce_with_logits_per_example), else LibTorch's expression (libtorch_bce_per_example).
torch::Tensor bce_with_logits_per_example(const torch::Tensor& logits, const torch::Tensor& target);

// ((a > threshold) == (b > threshold)).sum() as a 0-dim int64 tensor on a's device, through kernel
// `count_same_side`.
torch::Tensor count_same_side(const torch::Tensor& a, const torch::Tensor& b, double threshold);

// out.bernoulli_(p) from the default CPU generator, through kernel `bernoulli` (the same values and
// generator state).
void bernoulli_mask(torch::Tensor& out, double p);

// out.normal_(mean, std) from the default CPU generator, through kernel `normal` (the same values and
// generator state).
void normal_fill(torch::Tensor& out, double mean = 0.0, double std = 1.0);

// torch::randn_like(x) (a contiguous tensor like x) with its values from normal_fill.
torch::Tensor randn_like(const torch::Tensor& x);

// An Adam optimizer over `params`: FusedAdam (kernel `adam`) when enabled, else torch::optim::Adam.
// Either has torch::optim::Adam's options, state and serialization.
std::unique_ptr<torch::optim::Optimizer> make_adam(std::vector<torch::Tensor> params,
                                                   const torch::optim::AdamOptions& options);

}  // namespace latent
