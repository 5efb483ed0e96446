// Conv2d with its batch split over the threads (see conv2d.h).
#include "latent/models/conv2d.h"

#include "latent/core/error.h"
#include "latent/models/conv_kernels.h"
#include "latent/models/init.h"

namespace latent {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Conv2dOptions::padding() is a c10::variant in LibTorch 1.13 and a std::variant in 2.x. An
// unqualified get_if<T>(&v) finds either by argument-dependent lookup; this never-chosen template
// only lets C++17 parse that call as a template call.
template <typename T>
void get_if();

// The padding as numbers, or nullptr for 'same' / 'valid'.
const torch::ExpandingArray<2>* numeric_padding(const torch::nn::Conv2dOptions& options) {
  return get_if<torch::ExpandingArray<2>>(&options.padding());
}

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
    check(!torch::GradMode::is_enabled(), "SplitConv2d: double backward (create_graph) is not supported");
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
  if (!conv_kernels_take(x, weight)) return torch::conv2d(x, weight, bias, stride, padding, dilation, groups);
  return SplitConv2dFunction::apply(x, weight, bias_or_empty(bias, weight), stride, padding, dilation, groups);
}

SplitConv2dImpl::SplitConv2dImpl(torch::nn::Conv2dOptions options_) : options(std::move(options_)) { reset(); }

void SplitConv2dImpl::reset() {
  check_conv_options("SplitConv2d", options);
  check(numeric_padding(options) != nullptr,
        "SplitConv2d: padding must be given as numbers ('same' / 'valid' are not supported)");
  const auto k = *options.kernel_size();
  const std::vector<int64_t> shape = {options.out_channels(), options.in_channels() / options.groups(), k[0], k[1]};
  std::tie(weight, bias) = register_conv_parameters(*this, shape, options.out_channels(), options.bias());
}

torch::Tensor SplitConv2dImpl::forward(const torch::Tensor& x) {
  return batch_split_conv2d(x, weight, bias, *options.stride(), **numeric_padding(options), *options.dilation(),
                            options.groups());
}

void SplitConv2dImpl::pretty_print(std::ostream& stream) const {
  stream << "latent::SplitConv2d(" << options.in_channels() << ", " << options.out_channels()
         << ", kernel_size=" << options.kernel_size() << ", stride=" << options.stride() << ")";
}

}  // namespace latent
