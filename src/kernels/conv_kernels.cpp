// LibTorch's convolution kernels with the batch split over the threads (see kernels/conv_kernels.h).
#include "latent/kernels/conv_kernels.h"

#include <ATen/Parallel.h>
#include <ATen/ThreadLocalState.h>

#include <functional>

#include "latent/core/system.h"

namespace latent {

namespace {

std::vector<int64_t> conv_output_size(const torch::Tensor& x, const torch::Tensor& weight, const ConvGeometry& g) {
  std::vector<int64_t> size = {x.size(0), weight.size(0)};
  for (int64_t d = 0; d < 2; ++d) {
    const auto i = static_cast<size_t>(d);
    size.push_back((x.size(d + 2) + 2 * g.padding[i] - g.dilation[i] * (weight.size(d + 2) - 1) - 1) / g.stride[i] + 1);
  }
  return size;
}

// Adds the slices' partial sums in slice order.
torch::Tensor sum_in_order(std::vector<torch::Tensor>& parts) {
  auto total = parts[0];
  for (size_t s = 1; s < parts.size(); ++s) total.add_(parts[s]);
  return total;
}

}  // namespace

int64_t batch_slices(const torch::Tensor& x) {
  if (!x.device().is_cpu() || x.dim() == 0 || at::in_parallel_region()) return 1;
  return std::max<int64_t>(1, std::min<int64_t>(at::get_num_threads(), x.size(0)));
}

void for_each_batch_slice(int64_t batch, int64_t slices, const std::function<void(int64_t, int64_t, int64_t)>& fn) {
  if (slices < 2) {
    fn(0, 0, batch);
    return;
  }
  // oneDNN sizes its work split by omp_get_max_threads(), not by whether it runs nested, and its
  // weight-gradient kernels then wait at a spinning barrier for threads a nested region never starts
  // (a hang, seen): hence the SerialScope on each thread.
  const at::ThreadLocalState state;
  at::parallel_for(0, slices, 1, [&](int64_t first, int64_t last) {
    at::ThreadLocalStateGuard guard(state);
    SerialScope serial(true);
    for (int64_t s = first; s < last; ++s) fn(s, batch * s / slices, batch * (s + 1) / slices);
  });
}

torch::Tensor batch_from_slices(const torch::Tensor& like, torch::IntArrayRef size,
                                const std::function<torch::Tensor(int64_t, int64_t)>& slice_output) {
  const int64_t batch = like.size(0), slices = batch_slices(like);
  if (slices < 2) return slice_output(0, batch);
  auto out = torch::empty(size, like.options().memory_format(like.suggest_memory_format()));
  for_each_batch_slice(batch, slices, [&](int64_t, int64_t begin, int64_t end) {
    out.slice(0, begin, end).copy_(slice_output(begin, end));
  });
  return out;
}

ConvGrads grads_from_slices(const torch::Tensor& like, std::array<bool, 3> mask,
                            const std::function<ConvGrads(int64_t, int64_t)>& slice_grads) {
  const int64_t batch = like.size(0), slices = batch_slices(like);
  if (slices < 2) return slice_grads(0, batch);
  ConvGrads out;
  if (mask[0]) out.input = torch::empty(like.sizes(), like.options().memory_format(like.suggest_memory_format()));
  std::vector<torch::Tensor> weight(static_cast<size_t>(slices)), bias(static_cast<size_t>(slices));
  for_each_batch_slice(batch, slices, [&](int64_t s, int64_t begin, int64_t end) {
    auto r = slice_grads(begin, end);
    if (mask[0]) out.input.slice(0, begin, end).copy_(r.input);
    weight[static_cast<size_t>(s)] = r.weight;
    bias[static_cast<size_t>(s)] = r.bias;
  });
  if (mask[1]) out.weight = sum_in_order(weight);
  if (mask[2]) out.bias = sum_in_order(bias);
  return out;
}

torch::Tensor split_conv2d(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                           const ConvGeometry& g) {
  return batch_from_slices(x, conv_output_size(x, weight, g), [&](int64_t begin, int64_t end) {
    return torch::conv2d(x.slice(0, begin, end), weight, bias, g.stride, g.padding, g.dilation, g.groups);
  });
}

ConvGrads conv2d_grads(const torch::Tensor& x, const torch::Tensor& gy, const torch::Tensor& weight,
                       const ConvGeometry& g, std::array<bool, 3> mask) {
  const int64_t cout = weight.size(0);
  const at::OptionalIntArrayRef bias_sizes =
      mask[2] ? at::OptionalIntArrayRef(at::IntArrayRef(&cout, 1)) : at::OptionalIntArrayRef();
  auto r = at::convolution_backward(gy, x, weight, bias_sizes, g.stride, g.padding, g.dilation, false, {0, 0}, g.groups,
                                    mask);
  return ConvGrads{std::get<0>(r), std::get<1>(r), std::get<2>(r)};
}

ConvGrads split_conv2d_backward(const torch::Tensor& x, const torch::Tensor& gy, const torch::Tensor& weight,
                                const ConvGeometry& g, std::array<bool, 3> mask) {
  return grads_from_slices(x, mask, [&](int64_t begin, int64_t end) {
    return conv2d_grads(x.slice(0, begin, end), gy.slice(0, begin, end), weight, g, mask);
  });
}

bool conv_kernels_take(const torch::Tensor& x, const torch::Tensor& weight) {
  return x.device().is_cpu() && weight.device().is_cpu() && x.dim() == 4 && x.scalar_type() == weight.scalar_type();
}

torch::Tensor bias_or_empty(const torch::Tensor& bias, const torch::Tensor& weight) {
  return bias.defined() ? bias : torch::empty({0}, weight.options());
}

void save_geometry(torch::autograd::AutogradContext* ctx, const ConvGeometry& g) {
  ctx->saved_data["stride"] = g.stride;
  ctx->saved_data["padding"] = g.padding;
  ctx->saved_data["dilation"] = g.dilation;
  ctx->saved_data["groups"] = g.groups;
}

ConvGeometry saved_geometry(torch::autograd::AutogradContext* ctx) {
  return {ctx->saved_data["stride"].toIntVector(), ctx->saved_data["padding"].toIntVector(),
          ctx->saved_data["dilation"].toIntVector(), ctx->saved_data["groups"].toInt()};
}

}  // namespace latent
