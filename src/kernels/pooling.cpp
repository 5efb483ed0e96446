// 2×2 max pooling with stride 2 in one pass (see kernels/pooling.h).
#include "latent/kernels/pooling.h"

#include <ATen/Parallel.h>

#include "latent/core/error.h"
#include "latent/core/system.h"
#include "latent/kernels/fast_math.h"

namespace latent {

namespace {

// One output row: the window's four inputs in LibTorch's scan order (row 0 left, right, row 1 left,
// right); a later value wins when it is greater or NaN, as in LibTorch's cpu_max_pool loop.
LATENT_VECTOR_CLONES void pool_row(const float* top, const float* bottom, float* out, int32_t* arg, int64_t width) {
  for (int64_t o = 0; o < width; ++o) {
    const float v1 = top[2 * o + 1], v2 = bottom[2 * o], v3 = bottom[2 * o + 1];
    float best = top[2 * o];
    int32_t at = 0;
    // Selects rather than branches: random data would mispredict them half the time.
    const bool t1 = (v1 > best) | (v1 != v1);
    best = t1 ? v1 : best;
    at = t1 ? 1 : at;
    const bool t2 = (v2 > best) | (v2 != v2);
    best = t2 ? v2 : best;
    at = t2 ? 2 : at;
    const bool t3 = (v3 > best) | (v3 != v3);
    best = t3 ? v3 : best;
    at = t3 ? 3 : at;
    out[o] = best;
    arg[o] = at;
  }
}

// The gradient of one output row into its two input rows (zeroed here, then added to as LibTorch's
// max_pool2d_with_indices_backward does, so a −0 gradient lands as +0 like theirs).
// The gradient's bits where the window's winner is, +0 elsewhere, by integer masks: the compiler
// vectorises that, not a float select.
inline float keep_if(uint32_t bits, bool keep) {
  return __builtin_bit_cast(float, bits&(0u - static_cast<uint32_t>(keep)));
}

LATENT_VECTOR_CLONES void unpool_row(const float* grad, const int32_t* arg, float* top, float* bottom, int64_t width) {
  for (int64_t o = 0; o < width; ++o) {
    const auto g = __builtin_bit_cast(uint32_t, grad[o]);
    const int32_t a = arg[o];
    top[2 * o] = 0.0f + keep_if(g, a == 0);
    top[2 * o + 1] = 0.0f + keep_if(g, a == 1);
    bottom[2 * o] = 0.0f + keep_if(g, a == 2);
    bottom[2 * o + 1] = 0.0f + keep_if(g, a == 3);
  }
}

// Rows of output per parallel task, at ~1 ns an output.
int64_t grain_rows(int64_t width) { return parallel_grain(1e9, width); }

class MaxPool2x2Function : public torch::autograd::Function<MaxPool2x2Function> {
 public:
  // x: (B, C, H, W) -> (B, C, H / 2, W / 2)
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x) {
    const int64_t h = x.size(2), w = x.size(3), rows = x.size(0) * x.size(1) * (h / 2);
    auto y = torch::empty({x.size(0), x.size(1), h / 2, w / 2}, x.options());
    auto arg = torch::empty(y.sizes(), x.options().dtype(torch::kInt));
    const float* in = x.data_ptr<float>();
    float* out = y.data_ptr<float>();
    int32_t* a = arg.data_ptr<int32_t>();
    at::parallel_for(0, rows, grain_rows(w / 2), [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r)
        pool_row(in + 2 * r * w, in + (2 * r + 1) * w, out + r * (w / 2), a + r * (w / 2), w / 2);
    });
    ctx->save_for_backward({arg});
    ctx->saved_data["width"] = w;
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto arg = ctx->get_saved_variables()[0];
    const int64_t w = ctx->saved_data["width"].toInt();
    const auto g = grads[0].contiguous();
    auto gx = torch::empty({arg.size(0), arg.size(1), arg.size(2) * 2, w}, g.options());
    const float* gy = g.data_ptr<float>();
    const int32_t* a = arg.data_ptr<int32_t>();
    float* out = gx.data_ptr<float>();
    const int64_t rows = arg.size(0) * arg.size(1) * arg.size(2);
    at::parallel_for(0, rows, grain_rows(w / 2), [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r)
        unpool_row(gy + r * (w / 2), a + r * (w / 2), out + 2 * r * w, out + (2 * r + 1) * w, w / 2);
    });
    return {gx};
  }
};

}  // namespace

bool max_pool2x2_takes(const torch::Tensor& x) {
  return is_dense_cpu_float(x) && x.dim() == 4 && x.size(2) % 2 == 0 && x.size(3) % 2 == 0 && x.numel() > 0;
}

torch::Tensor max_pool2x2(const torch::Tensor& x) {
  check(max_pool2x2_takes(x), "max_pool2x2: needs a non-empty contiguous float CPU (B, C, H, W) with H and W even");
  return MaxPool2x2Function::apply(x);
}

}  // namespace latent
