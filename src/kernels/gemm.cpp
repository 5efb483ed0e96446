// The AVX-512 matrix product of kernels/gemm.h: packing, the register-blocked tile, the loop order;
// and the Linear layer's product and gradients through it.
#include "latent/kernels/gemm.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "latent/core/error.h"
#include "latent/core/system.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#endif

namespace latent {

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define LATENT_HAVE_GEMM_KERNEL 1
#define LATENT_AVX512 __attribute__((target("avx512f")))
#else
#define LATENT_HAVE_GEMM_KERNEL 0
#endif

bool gemm_available() {
#if LATENT_HAVE_GEMM_KERNEL
  static const bool available = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") != 0;
  }();
  return available;
#else
  return false;
#endif
}

#if LATENT_HAVE_GEMM_KERNEL
namespace {

constexpr int64_t kLanes = 16;  // floats per AVX-512 register: one panel is 16 columns of B
constexpr int kRows = 6;        // rows of C per tile
constexpr int kPanels = 2;      // panels per tile: 6 × 2 accumulators of 16 floats

// GCC 12's avx512fintrin.h starts the unpack and shuffle intrinsics from a deliberately undefined
// register (`__m512 __Y = __Y;`), which -Wmaybe-uninitialized reports wherever they are inlined.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

// A 16 × 16 block in registers transposed: r[i] holds row i on entry and column i on return
// (unpack within 128-bit lanes, then 64-bit pairs, then 128-bit lanes twice).
LATENT_AVX512 inline void transpose16(__m512 r[kLanes]) {
  __m512 t[kLanes], u[kLanes];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 4; ++i) {
    u[4 * i] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
    u[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
    u[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
    u[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
  }
  for (int c = 0; c < 4; ++c) {
    t[c] = _mm512_shuffle_f32x4(u[c], u[c + 4], 0x88);
    t[c + 4] = _mm512_shuffle_f32x4(u[c], u[c + 4], 0xDD);
    t[c + 8] = _mm512_shuffle_f32x4(u[c + 8], u[c + 12], 0x88);
    t[c + 12] = _mm512_shuffle_f32x4(u[c + 8], u[c + 12], 0xDD);
  }
  for (int c = 0; c < 8; ++c) {
    r[c] = _mm512_shuffle_f32x4(t[c], t[c + 8], 0x88);
    r[c + 8] = _mm512_shuffle_f32x4(t[c], t[c + 8], 0xDD);
  }
}

// B (K, N) with strides (sk, sn) -> panels[q][k][lane] = B[k][16 q + lane], zero past column N.
// Full panels of a row-major B copy 16 floats a row; of B = Wᵀ (W row-major, sk = 1) they
// transpose 16 × 16 blocks of W in registers.
LATENT_AVX512 void pack_panels(const float* b, int64_t k_size, int64_t n_size, int64_t sk, int64_t sn, float* panels) {
  const int64_t count = (n_size + kLanes - 1) / kLanes;
  for (int64_t q = 0; q < count; ++q) {
    float* dst = panels + q * k_size * kLanes;
    const int64_t width = std::min(kLanes, n_size - q * kLanes);
    const float* src = b + q * kLanes * sn;
    int64_t k = 0;
    if (width == kLanes && sn == 1) {
      for (; k < k_size; ++k) _mm512_storeu_ps(dst + k * kLanes, _mm512_loadu_ps(src + k * sk));
    } else if (width == kLanes && sk == 1) {
      for (; k + kLanes <= k_size; k += kLanes) {
        __m512 r[kLanes];
        for (int64_t l = 0; l < kLanes; ++l) r[l] = _mm512_loadu_ps(src + l * sn + k);
        transpose16(r);
        for (int64_t j = 0; j < kLanes; ++j) _mm512_storeu_ps(dst + (k + j) * kLanes, r[j]);
      }
    }
    for (; k < k_size; ++k) {
      float* row = dst + k * kLanes;
      for (int64_t l = 0; l < width; ++l) row[l] = src[k * sk + l * sn];
      for (int64_t l = width; l < kLanes; ++l) row[l] = 0.0f;
    }
  }
}

#pragma GCC diagnostic pop

// C[r][16 p + lane] = bias + Σ_k A[r][k] · panels[p][k][lane] for R rows and P panels, summed over k
// in order with fused multiply-adds; only the first `cols` columns are stored.
template <int R, int P>
LATENT_AVX512 inline void tile(const float* a, int64_t sam, int64_t sak, const float* panels, int64_t k_size,
                               const float* bias, float* c, int64_t ldc, int64_t cols) {
  __m512 acc[R][P];
  for (int p = 0; p < P; ++p) {
    const __m512 start = _mm512_loadu_ps(bias + p * kLanes);
    for (int r = 0; r < R; ++r) acc[r][p] = start;
  }
  for (int64_t k = 0; k < k_size; ++k) {
    __m512 w[P];
    for (int p = 0; p < P; ++p) w[p] = _mm512_loadu_ps(panels + (p * k_size + k) * kLanes);
    for (int r = 0; r < R; ++r) {
      const __m512 x = _mm512_set1_ps(a[r * sam + k * sak]);
      for (int p = 0; p < P; ++p) acc[r][p] = _mm512_fmadd_ps(x, w[p], acc[r][p]);
    }
  }
  for (int p = 0; p < P; ++p) {
    const int64_t width = std::min(kLanes, cols - p * kLanes);
    if (width <= 0) break;
    const __mmask16 mask = width == kLanes ? __mmask16(0xFFFF) : __mmask16((1u << width) - 1u);
    for (int r = 0; r < R; ++r) _mm512_mask_storeu_ps(c + r * ldc + p * kLanes, mask, acc[r][p]);
  }
}

// R rows of a contiguous C (n_size columns) across panels [first, last): pairs of panels, then a
// single one.
template <int R>
LATENT_AVX512 void row_block(const float* a, int64_t sam, int64_t sak, const float* panels, int64_t k_size,
                             const float* bias, float* c, int64_t n_size, int64_t first, int64_t last) {
  int64_t q = first;
  for (; q + kPanels <= last; q += kPanels)
    tile<R, kPanels>(a, sam, sak, panels + q * k_size * kLanes, k_size, bias + q * kLanes, c + q * kLanes, n_size,
                     n_size - q * kLanes);
  for (; q < last; ++q)
    tile<R, 1>(a, sam, sak, panels + q * k_size * kLanes, k_size, bias + q * kLanes, c + q * kLanes, n_size,
               n_size - q * kLanes);
}

LATENT_AVX512 void rows(int64_t rows_left, const float* a, int64_t sam, int64_t sak, const float* panels,
                        int64_t k_size, const float* bias, float* c, int64_t n_size, int64_t first, int64_t last) {
  switch (rows_left) {
    case 1:
      return row_block<1>(a, sam, sak, panels, k_size, bias, c, n_size, first, last);
    case 2:
      return row_block<2>(a, sam, sak, panels, k_size, bias, c, n_size, first, last);
    case 3:
      return row_block<3>(a, sam, sak, panels, k_size, bias, c, n_size, first, last);
    case 4:
      return row_block<4>(a, sam, sak, panels, k_size, bias, c, n_size, first, last);
    case 5:
      return row_block<5>(a, sam, sak, panels, k_size, bias, c, n_size, first, last);
    default:
      return row_block<kRows>(a, sam, sak, panels, k_size, bias, c, n_size, first, last);
  }
}

}  // namespace
#endif

bool gemm_reads(const torch::Tensor& t) {
  return t.defined() && t.device().is_cpu() && t.scalar_type() == torch::kFloat && t.layout() == torch::kStrided;
}

torch::Tensor gemm(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& bias) {
  check(gemm_available(), "gemm: the AVX-512 kernel is not available on this CPU");
  auto fits = [](const torch::Tensor& t, int64_t dim) { return gemm_reads(t) && t.dim() == dim; };
  check(fits(a, 2) && fits(b, 2), "gemm: A and B must be 2-D float CPU tensors");
  const int64_t m_size = a.size(0), k_size = a.size(1), n_size = b.size(1);
  check(b.size(0) == k_size, "gemm: A is " + std::to_string(m_size) + "x" + std::to_string(k_size) + ", B is " +
                                 std::to_string(b.size(0)) + "x" + std::to_string(n_size));
  check(!bias.defined() || (fits(bias, 1) && bias.size(0) == n_size),
        "gemm: bias must be a float CPU vector of N values");
  auto c = torch::empty({m_size, n_size}, a.options().memory_format(torch::MemoryFormat::Contiguous));
#if LATENT_HAVE_GEMM_KERNEL
  if (m_size == 0 || n_size == 0) return c;
  const int64_t panel_count = (n_size + kLanes - 1) / kLanes;
  // Not value-initialised: pack_panels writes every element.
  std::unique_ptr<float[]> panels(new float[static_cast<size_t>(panel_count * std::max<int64_t>(k_size, 1) * kLanes)]);
  pack_panels(b.data_ptr<float>(), k_size, n_size, b.stride(0), b.stride(1), panels.get());
  std::vector<float> start(static_cast<size_t>(panel_count * kLanes), 0.0f);
  if (bias.defined()) {
    auto bc = bias.contiguous();
    std::copy(bc.data_ptr<float>(), bc.data_ptr<float>() + n_size, start.begin());
  }
  // Columns in blocks whose panels (k_size × 16 floats each) fill about half of a 1 MiB L2, so one
  // block stays cached while the rows of A stream past it.
  const int64_t block = std::max<int64_t>(kPanels, (8192 / std::max<int64_t>(k_size, 1)) / kPanels * kPanels);
  const float* pa = a.data_ptr<float>();
  const int64_t sam = a.stride(0), sak = a.stride(1);
  float* pc = c.data_ptr<float>();
  const int64_t row_blocks = (m_size + kRows - 1) / kRows;
  // Row blocks split across threads, kMinParallelTaskSeconds of work a task at ~1e11 multiply-adds/s
  // (one core), so a W1-sized product (256×784×32, 6.4M) stays on one thread.
  const int64_t grain = parallel_grain(1e11, kRows * k_size * n_size);
  at::parallel_for(0, row_blocks, grain, [&](int64_t begin, int64_t end) {
    for (int64_t first = 0; first < panel_count; first += block) {
      const int64_t last = std::min(panel_count, first + block);
      for (int64_t rb = begin; rb < end; ++rb) {
        const int64_t m = rb * kRows;
        rows(std::min<int64_t>(kRows, m_size - m), pa + m * sam, sam, sak, panels.get(), k_size, start.data(),
             pc + m * n_size, n_size, first, last);
      }
    }
  });
#endif
  return c;
}

namespace {

// x (B, in), W (out, in), b (out) -> x·Wᵀ + b; backward: dx = g·W, dW = gᵀ·x, db = Σ_rows g.
class LinearFunction : public torch::autograd::Function<LinearFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& weight, const torch::Tensor& bias) {
    ctx->save_for_backward({x, weight});
    return gemm(x, weight.t(), bias);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto& x = saved[0];
    const auto& weight = saved[1];
    const auto& g = grads[0];
    torch::Tensor dx, dw, db;
    if (ctx->needs_input_grad(0)) dx = gemm(g, weight);
    if (ctx->needs_input_grad(1)) dw = gemm(g.t(), x);
    if (ctx->needs_input_grad(2)) {
      SerialScope serial(g);
      db = g.sum(0);
    }
    return {dx, dw, db};
  }
};

}  // namespace

bool gemm_linear_takes(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  return x.dim() == 2 && x.size(0) >= kGemmMinRows && gemm_reads(x) && gemm_reads(weight) &&
         (!bias.defined() || gemm_reads(bias));
}

torch::Tensor gemm_linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  check(gemm_linear_takes(x, weight, bias), "gemm_linear: x must be (B >= 16, in) and all operands float CPU tensors");
  const bool needs_grad = torch::GradMode::is_enabled() &&
                          (x.requires_grad() || weight.requires_grad() || (bias.defined() && bias.requires_grad()));
  // A bias-free layer passes zeros (no gradient asked): autograd's apply() takes defined tensors only.
  if (needs_grad)
    return LinearFunction::apply(x, weight, bias.defined() ? bias : torch::zeros({weight.size(0)}, x.options()));
  return gemm(x, weight.t(), bias);
}

}  // namespace latent
