// Fast element-wise kernels (see fast_math.h).
#include "latent/core/fast_math.h"

#include <ATen/Parallel.h>

#include <cstdint>

namespace latent {

namespace {

// exp(x) in float: x = n·ln2 + r with |r| ≤ ln2 / 2 (ln2 split in two parts for exactness), exp(r)
// by Cephes' degree-6 minimax polynomial, 2^n put into the exponent bits. Inputs are clamped to
// [−87.3, 88.7], so the result stays a normal float (exp(88.7) < FLT_MAX).
inline float exp_cephes(float x) {
  x = x < -87.3f ? -87.3f : (x > 88.7f ? 88.7f : x);
  const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;  // round to nearest
  float r = x - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = (p * r) * r + r + 1.0f;
  union {
    float f;
    int32_t i;
  } u{p};
  u.i += static_cast<int32_t>(n) * (int32_t{1} << 23);
  return u.f;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define LATENT_VECTOR_CLONES __attribute__((target_clones("avx512f", "arch=haswell", "default")))
#else
#define LATENT_VECTOR_CLONES
#endif

LATENT_VECTOR_CLONES void sigmoid_range(const float* x, float* y, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    const float v = x[i];
    const float s = 1.0f / (1.0f + exp_cephes(-v));
    y[i] = v != v ? v : s;  // NaN stays NaN (the clamp would turn it into a number)
  }
}

torch::Tensor sigmoid_kernel(const torch::Tensor& x) {
  auto y = torch::empty_like(x);
  const float* src = x.data_ptr<float>();
  float* dst = y.data_ptr<float>();
  at::parallel_for(0, x.numel(), 32768, [&](int64_t begin, int64_t end) { sigmoid_range(src, dst, begin, end); });
  return y;
}

struct FastSigmoid : public torch::autograd::Function<FastSigmoid> {
  // x: any shape -> same shape
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x) {
    auto y = sigmoid_kernel(x);
    ctx->save_for_backward({y});
    return y;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto y = ctx->get_saved_variables()[0];
    // LibTorch's own backward kernel (grad · (1 − y) · y in one pass; itself differentiable).
    return {at::sigmoid_backward(grads[0], y)};
  }
};

}  // namespace

torch::Tensor fast_sigmoid(const torch::Tensor& x) {
  const bool fast = x.device().is_cpu() && x.scalar_type() == torch::kFloat && x.is_contiguous() && x.numel() > 0;
  if (!fast) return torch::sigmoid(x);
  return FastSigmoid::apply(x);
}

}  // namespace latent
