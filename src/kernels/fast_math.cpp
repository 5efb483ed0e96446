// Fast element-wise kernels (see kernels/fast_math.h).
#include "latent/kernels/fast_math.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <limits>
#include <vector>

#include "latent/core/error.h"
#include "latent/core/system.h"

namespace latent {

namespace {

// Parallel grains: kMinParallelTaskSeconds of work at each kernel's one-thread rate (AVX-512, batch
// 256 × 784: the sigmoid ~4.8e9 elements/s, the BCE sum ~1.8e9), so W1-sized batches stay on one thread.
constexpr auto kSigmoidGrain = static_cast<int64_t>(kMinParallelTaskSeconds * 4.8e9);
constexpr auto kBceGrainElements = static_cast<int64_t>(kMinParallelTaskSeconds * 1.8e9);
constexpr auto kCountGrain = static_cast<int64_t>(kMinParallelTaskSeconds * 8e9);  // count_same_side, ~8e9/s

// exp(x) in float: x = n·ln2 + r with |r| ≤ ln2 / 2 (ln2 split in two parts for exactness), exp(r)
// by Cephes' degree-6 minimax polynomial, 2^n put into the exponent bits. Inputs are clamped to
// [−87.3, 88.7], so the result stays a normal float (exp(88.7) < FLT_MAX) and n an integer in
// [−126, 128]. The clamp is written so that a NaN becomes −87.3 too (both comparisons false): left
// NaN, n would be NaN, and converting it to int32 and shifting it into the exponent is undefined
// behaviour (UBSan: signed overflow). Callers keep NaN inputs NaN themselves. For every other input,
// ±inf included, this clamp gives the previous one's value (checked over all 2^32 floats).
inline float exp_cephes(float x) {
  x = x > -87.3f ? x : -87.3f;
  x = x < 88.7f ? x : 88.7f;
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

LATENT_VECTOR_CLONES void sigmoid_range(const float* x, float* y, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    const float v = x[i];
    const float s = 1.0f / (1.0f + exp_cephes(-v));
    y[i] = v != v ? v : s;  // NaN stays NaN (the clamp would turn it into a number)
  }
}

// log(1 + e) for e in [0, 1] in float: Cephes' logf polynomial on f = e (e ≤ √2 − 1) or on
// f = (e − 1) / 2 with one ln 2 added (e > √2 − 1), so small e keep all their bits (no 1 + e).
inline float log1p_unit(float e) {
  const bool high = e > 0.41421356f;
  const float f = high ? (e - 1.0f) * 0.5f : e;
  const float k = high ? 1.0f : 0.0f;
  const float z = f * f;
  float y = 7.0376836292e-2f;
  y = y * f - 1.1514610310e-1f;
  y = y * f + 1.1676998740e-1f;
  y = y * f - 1.2420140846e-1f;
  y = y * f + 1.4249322787e-1f;
  y = y * f - 1.6668057665e-1f;
  y = y * f + 2.0000714765e-1f;
  y = y * f - 2.4999993993e-1f;
  y = y * f + 3.3333331174e-1f;
  y = y * f * z;
  y += -2.12194440e-4f * k;
  y += -0.5f * z;
  return f + y + 0.693359375f * k;
}

constexpr int64_t kBceBlock = 2048;  // elements summed in float before the sum moves to double
constexpr int64_t kBceGrainBlocks = std::max<int64_t>(1, kBceGrainElements / kBceBlock);

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// One block's sum of softplus(x) − x·t = max(x, 0) + log1p(exp(−|x|)) − x·t, in 16 float lanes.
// An infinite x takes LibTorch's value of its formula (1 − t)·x + m + log(e^−m + e^(−x − m)),
// m = max(−x, 0): (1 − t)·x for +inf, NaN for −inf (the formula above would give NaN for +inf and
// t = 0, where LibTorch's loss is +inf). Finite x never take that branch.
LATENT_VECTOR_CLONES double bce_block(const float* x, const float* t, int64_t n) {
  float term[kBceBlock];
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i];
    const float a = v < 0.0f ? -v : v;
    const float finite = (v > 0.0f ? v : 0.0f) + log1p_unit(exp_cephes(-a)) - v * t[i];
    term[i] = a == kInf ? (v > 0.0f ? (1.0f - t[i]) * v : kNaN) : finite;
  }
  float lane[16] = {};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int l = 0; l < 16; ++l) lane[l] += term[i + l];
  double sum = 0.0;
  for (; i < n; ++i) sum += term[i];
  for (float v : lane) sum += v;
  return sum;
}

// Σ over x[0, n) of softplus(x) − x·t: blocks of kBceBlock in order, their sums added in double.
double bce_range_sum(const float* x, const float* t, int64_t n) {
  double sum = 0.0;
  for (int64_t from = 0; from < n; from += kBceBlock)
    sum += bce_block(x + from, t + from, std::min(kBceBlock, n - from));
  return sum;
}

LATENT_VECTOR_CLONES int64_t same_side_range(const float* a, const float* b, float t, int64_t begin, int64_t end) {
  int64_t count = 0;
  for (int64_t i = begin; i < end; ++i) count += (a[i] > t) == (b[i] > t);
  return count;
}

}  // namespace

bool is_dense_cpu_float(const torch::Tensor& t) {
  return t.defined() && t.device().is_cpu() && t.layout() == torch::kStrided && t.scalar_type() == torch::kFloat &&
         t.is_contiguous();
}

double sum_bce_with_logits(const torch::Tensor& logits, const torch::Tensor& target) {
  check(is_dense_cpu_float(logits) && is_dense_cpu_float(target) && logits.numel() == target.numel(),
        "sum_bce_with_logits: needs contiguous float CPU tensors of one size");
  const float* x = logits.data_ptr<float>();
  const float* t = target.data_ptr<float>();
  const int64_t n = logits.numel();
  const int64_t blocks = (n + kBceBlock - 1) / kBceBlock;
  // One partial sum per block, added in block order: the same result for any thread count.
  std::vector<double> partial(static_cast<size_t>(blocks), 0.0);
  at::parallel_for(0, blocks, kBceGrainBlocks, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      const int64_t from = b * kBceBlock;
      partial[static_cast<size_t>(b)] = bce_block(x + from, t + from, std::min(kBceBlock, n - from));
    }
  });
  double sum = 0.0;
  for (double v : partial) sum += v;
  return sum;
}

torch::Tensor rows_bce_with_logits(const torch::Tensor& logits, const torch::Tensor& target) {
  check(
      is_dense_cpu_float(logits) && is_dense_cpu_float(target) && logits.sizes() == target.sizes() && logits.dim() >= 1,
      "rows_bce_with_logits: needs contiguous float CPU tensors of one shape (B, ...)");
  const int64_t rows = logits.size(0);
  const int64_t cols = rows > 0 ? logits.numel() / rows : 0;
  auto out = torch::empty({rows}, logits.options());
  const float* x = logits.data_ptr<float>();
  const float* t = target.data_ptr<float>();
  float* dst = out.data_ptr<float>();
  at::parallel_for(0, rows, std::max<int64_t>(1, kBceGrainElements / std::max<int64_t>(1, cols)),
                   [&](int64_t begin, int64_t end) {
                     for (int64_t r = begin; r < end; ++r)
                       dst[r] = static_cast<float>(bce_range_sum(x + r * cols, t + r * cols, cols));
                   });
  return out;
}

bool count_same_side_takes(const torch::Tensor& a, const torch::Tensor& b, double threshold) {
  return is_dense_cpu_float(a) && is_dense_cpu_float(b) && a.numel() == b.numel() &&
         static_cast<double>(static_cast<float>(threshold)) == threshold;
}

torch::Tensor count_same_side_kernel(const torch::Tensor& a, const torch::Tensor& b, double threshold) {
  check(count_same_side_takes(a, b, threshold),
        "count_same_side_kernel: needs contiguous float CPU tensors of one size and a float threshold");
  const float* pa = a.data_ptr<float>();
  const float* pb = b.data_ptr<float>();
  const auto t = static_cast<float>(threshold);
  std::atomic<int64_t> total{0};
  at::parallel_for(0, a.numel(), kCountGrain,
                   [&](int64_t begin, int64_t end) { total += same_side_range(pa, pb, t, begin, end); });
  return torch::scalar_tensor(total.load(), torch::kInt64);
}

bool sigmoid_kernel_takes(const torch::Tensor& x) {
  return is_dense_cpu_float(x) && !(torch::GradMode::is_enabled() && x.requires_grad());
}

torch::Tensor sigmoid_kernel(const torch::Tensor& x) {
  check(sigmoid_kernel_takes(x), "sigmoid_kernel: needs a contiguous float CPU tensor outside autograd");
  auto y = torch::empty_like(x);
  const float* src = x.data_ptr<float>();
  float* dst = y.data_ptr<float>();
  at::parallel_for(0, x.numel(), kSigmoidGrain,
                   [&](int64_t begin, int64_t end) { sigmoid_range(src, dst, begin, end); });
  return y;
}

}  // namespace latent
