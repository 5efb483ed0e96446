// ConvTranspose2d through the convolution kernels it is the adjoint of (see kernels/conv_transpose.h).
#include "latent/kernels/conv_transpose.h"

#include "latent/core/error.h"
#include "latent/kernels/conv_kernels.h"

namespace latent {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

std::vector<int64_t> output_size(const torch::Tensor& x, const torch::Tensor& weight, torch::IntArrayRef stride,
                                 torch::IntArrayRef padding, torch::IntArrayRef output_padding, int64_t groups,
                                 torch::IntArrayRef dilation) {
  std::vector<int64_t> size = {x.size(0), weight.size(1) * groups};
  for (size_t d = 0; d < 2; ++d) {
    const auto i = static_cast<int64_t>(d);
    size.push_back((x.size(i + 2) - 1) * stride[d] - 2 * padding[d] + dilation[d] * (weight.size(i + 2) - 1) +
                   output_padding[d] + 1);
  }
  return size;
}

struct AdjointConvTranspose2dFunction : public torch::autograd::Function<AdjointConvTranspose2dFunction> {
  // x: (B, Cin, H, W), weight: (Cin, Cout / groups, kh, kw) -> (B, Cout, Ho, Wo)
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& weight,
                               const torch::Tensor& bias, torch::IntArrayRef stride, torch::IntArrayRef padding,
                               torch::IntArrayRef output_padding, int64_t groups, torch::IntArrayRef dilation) {
    const bool has_bias = bias.numel() > 0;
    const auto size = output_size(x, weight, stride, padding, output_padding, groups, dilation);
    const ConvGeometry g{stride.vec(), padding.vec(), dilation.vec(), groups};
    torch::Tensor y;
    if (size[1] >= kAdjointForwardMinChannels) {
      // y is the input-gradient of the convolution y -> x with the same weight; only image's shape is read.
      const auto image = torch::empty(size, x.options());
      y = batch_from_slices(x, size, [&](int64_t begin, int64_t end) {
        auto part =
            conv2d_grads(image.slice(0, begin, end), x.slice(0, begin, end), weight, g, {true, false, false}).input;
        return has_bias ? part.add_(bias.view({1, -1, 1, 1})) : part;
      });
    } else {
      // LibTorch's slow_conv_transpose2d computes image by image (a small im2col GEMM each), so each
      // image's values are the same whichever slice it is in.
      y = batch_from_slices(x, size, [&](int64_t begin, int64_t end) {
        return torch::conv_transpose2d(x.slice(0, begin, end), weight, has_bias ? bias : torch::Tensor(), stride,
                                       padding, output_padding, groups, dilation);
      });
    }
    ctx->save_for_backward({x, weight});
    save_geometry(ctx, g);
    ctx->saved_data["has_bias"] = has_bias;
    return y;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    // The gradients below are computed by kernels autograd cannot differentiate again.
    check(!torch::GradMode::is_enabled(), "conv_transpose2d kernel: double backward (create_graph) is not supported");
    const auto saved = ctx->get_saved_variables();
    const auto& x = saved[0];
    const auto& weight = saved[1];
    const auto g = saved_geometry(ctx);
    const auto& gy = grads[0];
    const std::array<bool, 3> mask = {ctx->needs_input_grad(0), ctx->needs_input_grad(1),
                                      ctx->saved_data["has_bias"].toBool() && ctx->needs_input_grad(2)};
    // ∂x is a convolution of ∂y, ∂W a convolution's weight gradient with ∂y as the image, ∂b ∂y's sum.
    const auto r = grads_from_slices(x, mask, [&](int64_t begin, int64_t end) {
      const auto gys = gy.slice(0, begin, end);
      ConvGrads part;
      if (mask[0]) part.input = torch::conv2d(gys, weight, {}, g.stride, g.padding, g.dilation, g.groups);
      if (mask[1]) part.weight = conv2d_grads(gys, x.slice(0, begin, end), weight, g, {false, true, false}).weight;
      if (mask[2]) part.bias = gys.sum({0, 2, 3});
      return part;
    });
    return {r.input,         r.weight,        r.bias,          torch::Tensor(),
            torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor adjoint_conv_transpose2d(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                                       torch::IntArrayRef stride, torch::IntArrayRef padding,
                                       torch::IntArrayRef output_padding, int64_t groups, torch::IntArrayRef dilation) {
  check(conv_kernels_take(x, weight), "adjoint_conv_transpose2d: needs a 4-D CPU input of the weight's dtype");
  return AdjointConvTranspose2dFunction::apply(x, weight, bias_or_empty(bias, weight), stride, padding, output_padding,
                                               groups, dilation);
}

}  // namespace latent
