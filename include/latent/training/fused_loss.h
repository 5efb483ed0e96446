// Losses with fewer passes over memory than LibTorch's general kernels, same values up to
// rounding. Used by the objectives; each falls back to LibTorch where its shortcut does not apply.
#pragma once

#include <torch/torch.h>

namespace latent {

// mean(BCE(sigmoid(logits), target)) over all elements, from the logits, as
// torch::binary_cross_entropy_with_logits(logits, target) computes it (no weights, mean).
// Forward: Σ softplus(x) − x·t in one pass (sum_bce_with_logits, core/fast_math.h) for contiguous
// float CPU tensors, else sum(softplus(x)) - dot(x, t); backward:
// (sigmoid(x) - t) * grad / N. Differentiable in `logits` only: when `target` needs a
// gradient, LibTorch's own function is used. `probs`, when given, must be sigmoid(logits) as the
// model already computed it (AeOutput::recon): the backward pass then reuses it instead of
// computing torch::sigmoid again, which gives the same gradient bit for bit (in training the
// models' sigmoid is torch::sigmoid: fast_sigmoid defers to it under autograd).
torch::Tensor bce_with_logits_mean(const torch::Tensor& logits, const torch::Tensor& target,
                                   const torch::Tensor& probs = {});

// BCE(sigmoid(logits), target) summed over each example's elements: (B, ...) -> (B,), what
// binary_cross_entropy_with_logits(logits, target, reduction none).reshape({B, -1}).sum(1) computes
// (the VAE's reconstruction term). Forward: rows_bce_with_logits (core/fast_math.h) for contiguous
// float CPU tensors, else that LibTorch expression; backward: (sigmoid(x) - t) * grad[b], LibTorch's
// own formula, bit for bit. Both run on the calling thread for batches under kSerialOpElements.
// Differentiable in `logits` only: when `target` needs a gradient, the LibTorch expression is used.
torch::Tensor bce_with_logits_per_example(const torch::Tensor& logits, const torch::Tensor& target);

}  // namespace latent
