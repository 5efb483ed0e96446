// Binary cross-entropy on logits with fewer passes over memory than LibTorch's general kernels, same
// values up to rounding: kernel `bce` under LATENT_KERNELS. The objectives reach it through
// kernels/substitute.h (bce_with_logits_mean, bce_with_logits_per_example), which otherwise call
// LibTorch's binary_cross_entropy_with_logits.
#pragma once

#include <torch/types.h>

namespace latent {

// Whether the fused losses take logits and target: one shape, dtype and device, a target that needs
// no gradient (they are differentiable in the logits only), and (for the mean) at least one element,
// (per example) at least one dimension.
bool fused_bce_mean_takes(const torch::Tensor& logits, const torch::Tensor& target);
bool fused_bce_per_example_takes(const torch::Tensor& logits, const torch::Tensor& target);

// mean(BCE(sigmoid(logits), target)) over all elements, from the logits, as
// torch::binary_cross_entropy_with_logits(logits, target) computes it (no weights, mean).
// Forward: Σ softplus(x) − x·t in one pass (sum_bce_with_logits, kernels/fast_math.h) for contiguous
// float CPU tensors, else sum(softplus(x)) - dot(x, t); backward: (sigmoid(x) - t) * grad / N.
// `probs`, when given, must be sigmoid(logits) as the model already computed it (AeOutput::recon):
// the backward pass then reuses it instead of computing torch::sigmoid again, which gives the same
// gradient bit for bit (in training the models' sigmoid is torch::sigmoid: the sigmoid kernel does
// not run under autograd). An Error for what fused_bce_mean_takes refuses.
torch::Tensor fused_bce_with_logits_mean(const torch::Tensor& logits, const torch::Tensor& target,
                                         const torch::Tensor& probs = {});

// BCE(sigmoid(logits), target) summed over each example's elements: (B, ...) -> (B,), what
// binary_cross_entropy_with_logits(logits, target, reduction none).reshape({B, -1}).sum(1) computes
// (the VAE's reconstruction term). Forward: rows_bce_with_logits (kernels/fast_math.h) for contiguous
// float CPU tensors, else that LibTorch expression; backward: (sigmoid(x) - t) * grad[b], LibTorch's
// own formula, bit for bit. Both run on the calling thread for batches under kSerialOpElements. An
// Error for what fused_bce_per_example_takes refuses.
torch::Tensor fused_bce_with_logits_per_example(const torch::Tensor& logits, const torch::Tensor& target);

// The LibTorch expression fused_bce_with_logits_per_example replaces: logits, target (B, ...) -> (B,).
torch::Tensor libtorch_bce_per_example(const torch::Tensor& logits, const torch::Tensor& target);

}  // namespace latent
