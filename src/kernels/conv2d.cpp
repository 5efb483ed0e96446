// Conv2d with its batch split over the threads (see kernels/conv2d.h).
#include "latent/kernels/conv2d.h"

#include "latent/core/error.h"
#include "latent/kernels/conv_kernels.h"

namespace latent {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct SplitConv2dFunction : public torch::autograd::Function<SplitConv2dFunction> {
  // x: (B, Cin, H, W), weight: (Cout, Cin / groups, kh, kw) -> (B, Cout, Ho, Wo)
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& weight,
                               const torch::Tensor& bias, torch::IntArrayRef stride, torch::IntArrayRef padding,
                               torch::IntArrayRef dilation, int64_t groups) {
    const bool has_bias = bias.numel() > 0;
    const ConvGeometry g{stride.vec(), padding.vec(), dilation.vec(), groups};
    auto y = split_conv2d(x, weight, has_bias ? bias : torch::Tensor(), g);
    ctx->save_for_backward({x, weight});
    save_geometry(ctx, g);
    ctx->saved_data["has_bias"] = has_bias;
    return y;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    // The gradients below are computed by kernels autograd cannot differentiate again.
    check(!torch::GradMode::is_enabled(), "conv2d kernel: double backward (create_graph) is not supported");
    const auto saved = ctx->get_saved_variables();
    const auto g = saved_geometry(ctx);
    const bool bias_grad = ctx->saved_data["has_bias"].toBool() && ctx->needs_input_grad(2);
    auto r = split_conv2d_backward(saved[0], grads[0], saved[1], g,
                                   {ctx->needs_input_grad(0), ctx->needs_input_grad(1), bias_grad});
    return {r.input, r.weight, r.bias, torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor batch_split_conv2d(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                                 torch::IntArrayRef stride, torch::IntArrayRef padding, torch::IntArrayRef dilation,
                                 int64_t groups) {
  check(conv_kernels_take(x, weight), "batch_split_conv2d: needs a 4-D CPU input of the weight's dtype");
  return SplitConv2dFunction::apply(x, weight, bias_or_empty(bias, weight), stride, padding, dilation, groups);
}

}  // namespace latent
