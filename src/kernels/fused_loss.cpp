// Fused binary cross-entropy on logits (see kernels/fused_loss.h).
#include "latent/kernels/fused_loss.h"

#include "latent/core/error.h"
#include "latent/core/system.h"
#include "latent/kernels/fast_math.h"

namespace latent {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct BceWithLogitsMean : public torch::autograd::Function<BceWithLogitsMean> {
  // logits, target: same shape -> scalar
  // probs: sigmoid(logits) when the caller has it, else an empty tensor.
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& logits, const torch::Tensor& target,
                               const torch::Tensor& probs) {
    ctx->save_for_backward({logits, target, probs});
    const double n = static_cast<double>(logits.numel());
    // BCE(sigmoid(x), t) = softplus(x) - x t, summed: one pass of latent's own kernel for
    // contiguous float CPU tensors (LibTorch's softplus alone costs ~5 sigmoids), else LibTorch's.
    if (is_dense_cpu_float(logits) && is_dense_cpu_float(target))
      return torch::scalar_tensor(sum_bce_with_logits(logits, target) / n, logits.options());
    auto x = logits.reshape({-1});
    auto t = target.reshape({-1});
    // softplus is log1p(exp(x)) (x itself past 20).
    auto total = torch::softplus(x).sum().sub_(torch::dot(x, t));
    return total.div_(n);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_output) {
    const auto saved = ctx->get_saved_variables();
    const auto& x = saved[0];
    const auto& t = saved[1];
    const auto& probs = saved[2];
    SerialScope serial(x);
    auto grad = (probs.numel() > 0 ? probs - t : torch::sigmoid(x).sub_(t));
    grad.mul_(grad_output[0] / static_cast<double>(x.numel()));
    return {grad, torch::Tensor(), torch::Tensor()};
  }
};

// Whether a and b have one shape, dtype and device: what the fused losses need of their inputs.
bool alike(const torch::Tensor& a, const torch::Tensor& b) {
  return a.sizes() == b.sizes() && a.scalar_type() == b.scalar_type() && a.device() == b.device();
}

// Per example: logits, target (B, ...) -> (B,).
struct BceWithLogitsPerExample : public torch::autograd::Function<BceWithLogitsPerExample> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& logits, const torch::Tensor& target) {
    ctx->save_for_backward({logits, target});
    if (is_dense_cpu_float(logits) && is_dense_cpu_float(target)) return rows_bce_with_logits(logits, target);
    SerialScope serial(logits);
    return libtorch_bce_per_example(logits, target);
  }

  // LibTorch's backward of the expression above: (sigmoid(x) - t) * g, g broadcast over each example.
  static variable_list backward(AutogradContext* ctx, variable_list grad_output) {
    const auto saved = ctx->get_saved_variables();
    const auto& x = saved[0];
    const auto& t = saved[1];
    SerialScope serial(x);
    std::vector<int64_t> per_example(static_cast<size_t>(x.dim()), 1);
    per_example[0] = x.size(0);
    auto grad = torch::sigmoid(x).sub_(t).mul_(grad_output[0].reshape(per_example));
    return {grad, torch::Tensor()};
  }
};

}  // namespace

torch::Tensor libtorch_bce_per_example(const torch::Tensor& logits, const torch::Tensor& target) {
  return torch::binary_cross_entropy_with_logits(logits, target, {}, {}, at::Reduction::None)
      .reshape({logits.size(0), -1})
      .sum(1);
}

bool fused_bce_mean_takes(const torch::Tensor& logits, const torch::Tensor& target) {
  return logits.numel() > 0 && alike(logits, target) && !target.requires_grad();
}

bool fused_bce_per_example_takes(const torch::Tensor& logits, const torch::Tensor& target) {
  return logits.dim() >= 1 && alike(logits, target) && !target.requires_grad();
}

torch::Tensor fused_bce_with_logits_per_example(const torch::Tensor& logits, const torch::Tensor& target) {
  check(
      fused_bce_per_example_takes(logits, target),
      "fused_bce_with_logits_per_example: logits and target of one shape, dtype and device, the target without gradient");
  return BceWithLogitsPerExample::apply(logits, target);
}

torch::Tensor fused_bce_with_logits_mean(const torch::Tensor& logits, const torch::Tensor& target,
                                         const torch::Tensor& probs) {
  check(
      fused_bce_mean_takes(logits, target),
      "fused_bce_with_logits_mean: non-empty logits and target of one shape, dtype and device, the target without gradient");
  const bool reuse = probs.defined() && alike(probs, logits);
  // The autograd function records every input's device, so "no probabilities" travels as an empty tensor.
  return BceWithLogitsMean::apply(logits, target, reuse ? probs : torch::empty({0}, logits.options()));
}

}  // namespace latent
