// 2× nearest-neighbour upsampling in one pass (see kernels/upsample.h).
#include "latent/kernels/upsample.h"

#include <ATen/Parallel.h>

#include "latent/core/error.h"
#include "latent/core/system.h"
#include "latent/kernels/fast_math.h"

namespace latent {

namespace {

// One input row into its two output rows.
LATENT_VECTOR_CLONES void upsample_row(const float* in, float* top, float* bottom, int64_t width) {
  for (int64_t i = 0; i < width; ++i) {
    const float v = in[i];
    top[2 * i] = v;
    top[2 * i + 1] = v;
  }
  for (int64_t o = 0; o < 2 * width; ++o) bottom[o] = top[o];
}

// One input row's gradient from its two output rows: each 2×2 block added onto +0 in LibTorch's
// order (its backward zeroes the input gradient, then adds the outputs in row-major order).
LATENT_VECTOR_CLONES void downsum_row(const float* top, const float* bottom, float* out, int64_t width) {
  for (int64_t i = 0; i < width; ++i) {
    float s = 0.0f;
    s += top[2 * i];
    s += top[2 * i + 1];
    s += bottom[2 * i];
    s += bottom[2 * i + 1];
    out[i] = s;
  }
}

// Input rows per parallel task, at ~1 ns an output (four outputs an input).
int64_t grain_rows(int64_t width) { return parallel_grain(1e9, 4 * width); }

class UpsampleNearest2xFunction : public torch::autograd::Function<UpsampleNearest2xFunction> {
 public:
  // x: (B, C, H, W) -> (B, C, 2H, 2W)
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x) {
    const int64_t w = x.size(3), rows = x.size(0) * x.size(1) * x.size(2);
    auto y = torch::empty({x.size(0), x.size(1), 2 * x.size(2), 2 * w}, x.options());
    const float* in = x.data_ptr<float>();
    float* out = y.data_ptr<float>();
    at::parallel_for(0, rows, grain_rows(w), [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) upsample_row(in + r * w, out + 4 * r * w, out + (4 * r + 2) * w, w);
    });
    ctx->saved_data["sizes"] = x.sizes().vec();
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto sizes = ctx->saved_data["sizes"].toIntVector();
    const auto g = grads[0].contiguous();
    auto gx = torch::empty(sizes, g.options());
    const int64_t w = sizes[3], rows = sizes[0] * sizes[1] * sizes[2];
    const float* gy = g.data_ptr<float>();
    float* out = gx.data_ptr<float>();
    at::parallel_for(0, rows, grain_rows(w), [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) downsum_row(gy + 4 * r * w, gy + (4 * r + 2) * w, out + r * w, w);
    });
    return {gx};
  }
};

}  // namespace

bool upsample_nearest2x_takes(const torch::Tensor& x) { return is_dense_cpu_float(x) && x.dim() == 4 && x.numel() > 0; }

torch::Tensor upsample_nearest2x(const torch::Tensor& x) {
  check(upsample_nearest2x_takes(x), "upsample_nearest2x: needs a non-empty contiguous float CPU (B, C, H, W)");
  return UpsampleNearest2xFunction::apply(x);
}

}  // namespace latent
