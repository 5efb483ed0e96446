// Where latent's kernels take over from LibTorch (see kernels/substitute.h): for each entry point,
// the switch (kernel_enabled) and the kernel's own predicate decide; otherwise LibTorch's operator.
#include "latent/kernels/substitute.h"

#include "latent/core/system.h"
#include "latent/kernels/conv2d.h"
#include "latent/kernels/conv_kernels.h"
#include "latent/kernels/conv_transpose.h"
#include "latent/kernels/fast_math.h"
#include "latent/kernels/fast_random.h"
#include "latent/kernels/fused_adam.h"
#include "latent/kernels/fused_loss.h"
#include "latent/kernels/gemm.h"
#include "latent/kernels/pooling.h"
#include "latent/kernels/registry.h"
#include "latent/kernels/relu.h"
#include "latent/kernels/upsample.h"

namespace latent {

namespace {

// The options a Conv2d and a ConvTranspose2d module keep.
using ConvOptions = torch::nn::detail::ConvNdOptions<2>;

// The padding is a c10::variant in LibTorch 1.13 and a std::variant in 2.x. An unqualified
// get_if<T>(&v) finds either by argument-dependent lookup; this never-chosen template only lets
// C++17 parse that call as a template call.
template <typename T>
void get_if();

// The padding as numbers, or nullptr for 'same' / 'valid'.
const torch::ExpandingArray<2>* numeric_padding(const ConvOptions& options) {
  return get_if<torch::ExpandingArray<2>>(&options.padding());
}

// Whether the kernels compute the layer: zero padding given as numbers.
bool kernels_pad_like(const ConvOptions& o) {
  return numeric_padding(o) != nullptr && torch::enumtype::get_enum_name(o.padding_mode()) == "kZeros";
}

torch::Tensor conv2d(const torch::Tensor& x, torch::nn::Conv2dImpl& conv) {
  const auto& o = conv.options;
  if (kernel_enabled(Kernel::kConv2d) && kernels_pad_like(o) && conv_kernels_take(x, conv.weight))
    return batch_split_conv2d(x, conv.weight, conv.bias, *o.stride(), **numeric_padding(o), *o.dilation(), o.groups());
  return conv.forward(x);
}

torch::Tensor conv_transpose2d(const torch::Tensor& x, torch::nn::ConvTranspose2dImpl& conv) {
  const auto& o = conv.options;
  if (kernel_enabled(Kernel::kConvTranspose2d) && kernels_pad_like(o) && conv_kernels_take(x, conv.weight))
    return adjoint_conv_transpose2d(x, conv.weight, conv.bias, *o.stride(), **numeric_padding(o), *o.output_padding(),
                                    o.groups(), *o.dilation());
  return conv.forward(x);
}

// Whether `pool` is the 2×2, stride 2, unpadded, undilated, floor-mode pooling max_pool2x2 computes.
bool is_max_pool2x2(const torch::nn::MaxPool2dImpl& pool) {
  const auto& o = pool.options;
  auto all = [](const torch::ExpandingArray<2>& a, int64_t v) { return (*a)[0] == v && (*a)[1] == v; };
  return all(o.kernel_size(), 2) && all(o.stride(), 2) && all(o.padding(), 0) && all(o.dilation(), 1) && !o.ceil_mode();
}

torch::Tensor max_pool2d(const torch::Tensor& x, torch::nn::MaxPool2dImpl& pool) {
  if (kernel_enabled(Kernel::kMaxPool2x2) && is_max_pool2x2(pool) && max_pool2x2_takes(x)) return max_pool2x2(x);
  return pool.forward(x);
}

// Whether `up` is the scale-factor-2 nearest upsampling that upsample_nearest2x computes.
bool is_upsample_nearest2x(const torch::nn::UpsampleImpl& up) {
  const auto& o = up.options;
  return !o.size().has_value() && o.scale_factor().has_value() && *o.scale_factor() == std::vector<double>{2.0, 2.0} &&
         torch::enumtype::get_enum_name(o.mode()) == "kNearest";
}

torch::Tensor upsample(const torch::Tensor& x, torch::nn::UpsampleImpl& up) {
  if (kernel_enabled(Kernel::kUpsample2x) && is_upsample_nearest2x(up) && upsample_nearest2x_takes(x))
    return upsample_nearest2x(x);
  return up.forward(x);
}

}  // namespace

torch::Tensor forward_sequential(torch::nn::Sequential& seq, torch::Tensor x) {
  for (auto& module : *seq) {
    auto* m = module.ptr().get();
    if (auto* lin = m->as<torch::nn::LinearImpl>())
      x = linear(x, *lin);
    else if (auto* conv = m->as<torch::nn::Conv2dImpl>())
      x = conv2d(x, *conv);
    else if (auto* deconv = m->as<torch::nn::ConvTranspose2dImpl>())
      x = conv_transpose2d(x, *deconv);
    else if (auto* pool = m->as<torch::nn::MaxPool2dImpl>())
      x = max_pool2d(x, *pool);
    else if (auto* up = m->as<torch::nn::UpsampleImpl>())
      x = upsample(x, *up);
    else if (auto* relu = m->as<torch::nn::ReLUImpl>(); relu && !relu->options.inplace())
      x = relu_activation(x);
    else if (auto* drop = m->as<torch::nn::DropoutImpl>(); drop && !drop->options.inplace())
      x = latent::dropout(x, drop->options.p(), drop->is_training());
    else
      x = module.forward(x);
  }
  return x;
}

torch::Tensor linear(const torch::Tensor& x, torch::nn::LinearImpl& layer) {
  if (kernel_enabled(Kernel::kGemm) && gemm_linear_takes(x, layer.weight, layer.bias))
    return gemm_linear(x, layer.weight, layer.bias);
  return layer.forward(x);
}

torch::Tensor relu_activation(const torch::Tensor& x) {
  if (kernel_enabled(Kernel::kRelu)) return serial_relu(x);
  return torch::relu(x);
}

torch::Tensor dropout(const torch::Tensor& x, double p, bool train) {
  if (train && p > 0.0 && p < 1.0 && kernel_enabled(Kernel::kBernoulli) && bernoulli_mask_takes(x))
    return dropout_kernel(x, p);
  return torch::dropout(x, p, train);
}

torch::Tensor fast_sigmoid(const torch::Tensor& x) {
  // The kernel only where no graph is being built: training keeps LibTorch's sigmoid, so its trajectory
  // (and its agreement with PyTorch) does not move by the kernel's ulp differences (bench/NOTES.md, change 9).
  if (kernel_enabled(Kernel::kSigmoid) && sigmoid_kernel_takes(x)) return sigmoid_kernel(x);
  SerialScope serial(x);
  return torch::sigmoid(x);
}

torch::Tensor bce_with_logits_mean(const torch::Tensor& logits, const torch::Tensor& target,
                                   const torch::Tensor& probs) {
  if (kernel_enabled(Kernel::kBce) && fused_bce_mean_takes(logits, target))
    return fused_bce_with_logits_mean(logits, target, probs);
  return torch::binary_cross_entropy_with_logits(logits, target);
}

torch::Tensor bce_with_logits_per_example(const torch::Tensor& logits, const torch::Tensor& target) {
  if (kernel_enabled(Kernel::kBce) && fused_bce_per_example_takes(logits, target))
    return fused_bce_with_logits_per_example(logits, target);
  return libtorch_bce_per_example(logits, target);
}

torch::Tensor count_same_side(const torch::Tensor& a, const torch::Tensor& b, double threshold) {
  torch::NoGradGuard no_grad;
  if (kernel_enabled(Kernel::kCountSameSide) && count_same_side_takes(a, b, threshold))
    return count_same_side_kernel(a, b, threshold);
  return ((a > threshold) == (b > threshold)).sum();
}

void bernoulli_mask(torch::Tensor& out, double p) {
  if (kernel_enabled(Kernel::kBernoulli) && bernoulli_mask_takes(out)) return bernoulli_mask_kernel(out, p);
  out.bernoulli_(p);
}

void normal_fill(torch::Tensor& out, double mean, double std) {
  if (kernel_enabled(Kernel::kNormal) && normal_fill_takes(out, std)) return normal_fill_kernel(out, mean, std);
  out.normal_(mean, std);
}

torch::Tensor randn_like(const torch::Tensor& x) {
  auto out = torch::empty_like(x, torch::MemoryFormat::Contiguous);
  normal_fill(out);
  return out;
}

std::unique_ptr<torch::optim::Optimizer> make_adam(std::vector<torch::Tensor> params,
                                                   const torch::optim::AdamOptions& options) {
  if (kernel_enabled(Kernel::kAdam)) return std::make_unique<FusedAdam>(std::move(params), options);
  return std::make_unique<torch::optim::Adam>(std::move(params), options);
}

}  // namespace latent
