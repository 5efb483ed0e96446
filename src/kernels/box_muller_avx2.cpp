// LibTorch 1.13's Box-Muller step for normal_ on float tensors (normal_fill_16_AVX2 in ATen's
// cpu/DistributionTemplates.h), compiled as LibTorch compiles it: with AVX2 and FMA, contraction of
// a*b+c into FMAs allowed, on the log and sincos of ATen's own avx_mathfun.h. CMakeLists.txt gives this
// file those flags; latent::normal_fill_kernel (kernels/fast_random.cpp) runs only where the CPU has AVX2 and
// FMA and only after checking, once per process, that it reproduces LibTorch's normal_ bit for bit.
// It includes no LibTorch header but that one: an inline function of theirs compiled here with AVX2
// could be the copy the linker keeps for every file.
#include <cstdint>

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__) && __has_include(<ATen/native/cpu/avx_mathfun.h>)
#define LATENT_BOX_MULLER_AVX2 1
#include <ATen/native/cpu/Intrinsics.h>
#define CPU_CAPABILITY_AVX2
// The header's constants and functions go into a namespace of this file's own, so that nothing of
// it is shared with LibTorch's copies at link time.
namespace latent::detail::avx_mathfun {
#include <ATen/native/cpu/avx_mathfun.h>
}
#undef CPU_CAPABILITY_AVX2
#endif

namespace latent::detail {

#ifdef LATENT_BOX_MULLER_AVX2
bool box_muller_avx2_built() { return true; }

void box_muller_avx2(float* data, int64_t blocks, float mean, float std) {
  using namespace avx_mathfun;
  const __m256 two_pi = _mm256_set1_ps(2.0f * 3.14159265358979323846);  // 2.0f * c10::pi<double>, as LibTorch
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 minus_two = _mm256_set1_ps(-2.0f);
  const __m256 mean_v = _mm256_set1_ps(mean);
  const __m256 std_v = _mm256_set1_ps(std);
  for (int64_t b = 0; b < blocks; ++b, data += 16) {
    const __m256 u1 = _mm256_sub_ps(one, _mm256_loadu_ps(data));  // [0, 1) -> (0, 1] for the log
    const __m256 u2 = _mm256_loadu_ps(data + 8);
    const __m256 radius = _mm256_sqrt_ps(_mm256_mul_ps(minus_two, log256_ps(u1)));
    const __m256 theta = _mm256_mul_ps(two_pi, u2);
    __m256 sin_theta, cos_theta;
    sincos256_ps(theta, &sin_theta, &cos_theta);
    _mm256_storeu_ps(data, _mm256_fmadd_ps(_mm256_mul_ps(radius, cos_theta), std_v, mean_v));
    _mm256_storeu_ps(data + 8, _mm256_fmadd_ps(_mm256_mul_ps(radius, sin_theta), std_v, mean_v));
  }
}
#else
bool box_muller_avx2_built() { return false; }

void box_muller_avx2(float*, int64_t, float, float) {}
#endif

}  // namespace latent::detail
