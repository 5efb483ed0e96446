// Losses with fewer passes over memory than LibTorch's general kernels, same values up to
// rounding. Used by the objectives; each falls back to LibTorch where its shortcut does not apply.
#pragma once

#include <torch/torch.h>

namespace latent {

// mean(BCE(sigmoid(logits), target)) over all elements, from the logits, as
// torch::binary_cross_entropy_with_logits(logits, target) computes it (no weights, mean).
// Forward: sum(softplus(x)) - dot(x, t) (three passes instead of about fourteen); backward:
// (sigmoid(x) - t) * grad / N. Differentiable in `logits` only: when `target` needs a
// gradient, LibTorch's own function is used. `probs`, when given, must be sigmoid(logits) as the
// model already computed it (AeOutput::recon): the backward pass then reuses it instead of
// computing torch::sigmoid again (bit for bit the same gradient when `probs` came from
// torch::sigmoid; within the few ulp of fast_sigmoid when it came from there).
torch::Tensor bce_with_logits_mean(const torch::Tensor& logits, const torch::Tensor& target,
                                   const torch::Tensor& probs = {});

}  // namespace latent
