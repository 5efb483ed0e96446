// LibTorch's Bernoulli and normal draws a block at a time (see kernels/fast_random.h).
#include "latent/kernels/fast_random.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/MT19937RNGEngine.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <mutex>

#include "latent/core/error.h"
#include "latent/kernels/fast_math.h"

namespace latent {

namespace detail {
// Defined in box_muller_avx2.cpp, the one file compiled with AVX2 and FMA: whether this build has the
// step, and LibTorch's normal_fill_16_AVX2 applied to `blocks` consecutive blocks of 16 uniforms.
bool box_muller_avx2_built();
void box_muller_avx2(float* data, int64_t blocks, float mean, float std);
}  // namespace detail

namespace {

constexpr int kN = at::MERSENNE_STATE_N;  // 624
constexpr int kM = at::MERSENNE_STATE_M;  // 397

// at::mt19937's next_state(): the state's next block of 624 words, in place. In the first loop
// s[i + 1] and s[i + kM] are still the old words, in the second s[i - (kN - kM)] is already new (227
// words back), so both vectorise.
LATENT_VECTOR_CLONES void twist(uint32_t* s) {
  for (int i = 0; i < kN - kM; ++i) {
    const uint32_t y = (s[i] & at::UMASK) | (s[i + 1] & at::LMASK);
    s[i] = s[i + kM] ^ (y >> 1) ^ ((s[i + 1] & 1u) ? at::MATRIX_A : 0u);
  }
  for (int i = kN - kM; i < kN - 1; ++i) {
    const uint32_t y = (s[i] & at::UMASK) | (s[i + 1] & at::LMASK);
    s[i] = s[i - (kN - kM)] ^ (y >> 1) ^ ((s[i + 1] & 1u) ? at::MATRIX_A : 0u);
  }
  const uint32_t y = (s[kN - 1] & at::UMASK) | (s[0] & at::LMASK);
  s[kN - 1] = s[kM - 1] ^ (y >> 1) ^ ((s[0] & 1u) ? at::MATRIX_A : 0u);
}

// at::mt19937's output function on n state words.
LATENT_VECTOR_CLONES void temper(const uint32_t* s, uint32_t* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    uint32_t y = s[i];
    y ^= (y >> 11);
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= (y >> 18);
    out[i] = y;
  }
}

// The next n outputs of the engine whose state is `pod`, advancing it as n calls of
// at::mt19937::operator() would: that call decrements left_ and twists when it reaches 0, then reads
// state_[next_++], so the words state_[next_, next_ + left_ − 1) are ready without a twist.
void draw(at::mt19937_data_pod& pod, uint32_t* out, int64_t n) {
  while (n > 0) {
    if (pod.left_ == 1) {
      twist(pod.state_.data());
      pod.left_ = kN + 1;
      pod.next_ = 0;
    }
    const int64_t take = std::min<int64_t>(n, pod.left_ - 1);
    temper(pod.state_.data() + pod.next_, out, take);
    pod.next_ += static_cast<uint32_t>(take);
    pod.left_ -= static_cast<int>(take);
    out += take;
    n -= take;
  }
}

// Element e is 1 when the low 53 bits of (words[2e] << 32 | words[2e + 1]), times 2^−53, are below
// p: for integers v, v·2^−53 < p ⇔ v < ceil(p·2^53) (both scalings by 2^53 are exact).
LATENT_VECTOR_CLONES void compare(const uint32_t* words, uint64_t bound, float* out, int64_t n) {
  constexpr uint64_t kMask = (uint64_t{1} << 53) - 1;
  for (int64_t e = 0; e < n; ++e) {
    const uint64_t v = ((static_cast<uint64_t>(words[2 * e]) << 32) | words[2 * e + 1]) & kMask;
    out[e] = v < bound ? 1.0f : 0.0f;
  }
}

// Runs fill(pod) on the default CPU generator's MT19937 state under the generator's lock, then
// stores the advanced state back.
template <class Fill>
void with_default_engine(Fill fill) {
  auto generator = at::detail::getDefaultCPUGenerator();
  auto* impl = generator.get<at::CPUGeneratorImpl>();
  std::lock_guard<std::mutex> lock(generator.mutex());
  auto engine = impl->engine();
  auto pod = engine.data();
  fill(pod);
  engine.set_data(pod);
  impl->set_engine(engine);
}

void own_bernoulli(torch::Tensor& out, double p) {
  check(p >= 0.0 && p <= 1.0, "bernoulli_mask_kernel: p = " + std::to_string(p) + " is not in [0, 1]");
  const auto bound = static_cast<uint64_t>(std::ceil(std::ldexp(p, 53)));
  float* y = out.data_ptr<float>();
  const int64_t n = out.numel();
  with_default_engine([&](at::mt19937_data_pod& pod) {
    constexpr int64_t kChunk = 4096;  // elements per block of words (32 KiB on the stack)
    std::array<uint32_t, 2 * kChunk> words;
    for (int64_t begin = 0; begin < n; begin += kChunk) {
      const int64_t count = std::min(kChunk, n - begin);
      draw(pod, words.data(), 2 * count);
      compare(words.data(), bound, y + begin, count);
    }
  });
}

// LibTorch's uniform float in [0, 1) from one word: its low 24 bits times 2^-24 (exact).
LATENT_VECTOR_CLONES void unit_floats(const uint32_t* words, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(static_cast<int32_t>(words[i] & 0xFFFFFFu)) * 0x1p-24f;
}

void own_normal(torch::Tensor& out, float mean, float std) {
  float* y = out.data_ptr<float>();
  const int64_t n = out.numel();
  with_default_engine([&](at::mt19937_data_pod& pod) {
    constexpr int64_t kChunk = 4096;  // a multiple of 16, so chunks hold whole Box-Muller blocks
    std::array<uint32_t, kChunk> words;
    for (int64_t begin = 0; begin < n; begin += kChunk) {
      const int64_t count = std::min(kChunk, n - begin);
      draw(pod, words.data(), count);
      unit_floats(words.data(), y + begin, count);
      detail::box_muller_avx2(y + begin, count / 16, mean, std);
    }
    if (n % 16 != 0) {  // as LibTorch: 16 fresh uniforms for the last 16 elements, then their block
      draw(pod, words.data(), 16);
      unit_floats(words.data(), y + n - 16, 16);
      detail::box_muller_avx2(y + n - 16, 1, mean, std);
    }
  });
}

bool same_state(const at::mt19937_data_pod& a, const at::mt19937_data_pod& b) {
  return a.seed_ == b.seed_ && a.left_ == b.left_ && a.seeded_ == b.seeded_ && a.next_ == b.next_ &&
         a.state_ == b.state_;
}

// Fills 3,001 elements (across a block boundary of the stream; for normal_, a size with a tail that
// is not a whole block of 16) with LibTorch's `theirs` and with `ours` from the same generator state,
// and compares the values and the state after; the state is restored after.
template <class Theirs, class Ours>
bool reproduces_libtorch(Theirs theirs_fill, Ours ours_fill) {
  auto generator = at::detail::getDefaultCPUGenerator();
  auto* impl = generator.get<at::CPUGeneratorImpl>();
  at::mt19937 saved;
  {
    std::lock_guard<std::mutex> lock(generator.mutex());
    saved = impl->engine();
  }
  auto theirs = torch::empty({3001});
  auto ours = torch::empty({3001});
  theirs_fill(theirs);
  at::mt19937 after_theirs;
  {
    std::lock_guard<std::mutex> lock(generator.mutex());
    after_theirs = impl->engine();
    impl->set_engine(saved);
  }
  ours_fill(ours);
  std::lock_guard<std::mutex> lock(generator.mutex());
  const bool same = torch::equal(ours, theirs) && same_state(impl->engine().data(), after_theirs.data());
  impl->set_engine(saved);
  return same;
}

bool cpu_has_avx2_fma() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

}  // namespace

bool bernoulli_mask_available() {
  static const bool available =
      reproduces_libtorch([](torch::Tensor& t) { t.bernoulli_(0.3); }, [](torch::Tensor& t) { own_bernoulli(t, 0.3); });
  return available;
}

bool normal_fill_available() {
  // A mean and std other than 0 and 1, so the check covers the step's last multiply-add too.
  static const bool available = detail::box_muller_avx2_built() && cpu_has_avx2_fma() &&
                                reproduces_libtorch([](torch::Tensor& t) { t.normal_(0.25, 1.5); },
                                                    [](torch::Tensor& t) { own_normal(t, 0.25f, 1.5f); });
  return available;
}

bool bernoulli_mask_takes(const torch::Tensor& out) { return is_dense_cpu_float(out); }

void bernoulli_mask_kernel(torch::Tensor& out, double p) {
  check(bernoulli_mask_takes(out), "bernoulli_mask_kernel: needs a contiguous float CPU tensor");
  own_bernoulli(out, p);
}

torch::Tensor dropout_kernel(const torch::Tensor& x, double p) {
  check(p > 0.0 && p < 1.0, "dropout_kernel: p = " + std::to_string(p) + " is not in (0, 1)");
  // A strided x would get LibTorch's mask in its own memory order, not this one's.
  check(bernoulli_mask_takes(x), "dropout_kernel: needs a contiguous float CPU tensor");
  // at::native::dropout on the CPU: noise = bernoulli(1 − p) / (1 − p), then x * noise.
  auto noise = torch::empty(x.sizes(), x.options());
  bernoulli_mask_kernel(noise, 1.0 - p);
  noise.div_(1.0 - p);
  return x * noise;
}

bool normal_fill_takes(const torch::Tensor& out, double std) {
  return is_dense_cpu_float(out) && out.numel() >= 16 && !out.requires_grad() && std >= 0.0;
}

void normal_fill_kernel(torch::Tensor& out, double mean, double std) {
  check(normal_fill_takes(out, std),
        "normal_fill_kernel: needs a contiguous float CPU tensor of 16 or more elements without gradient, std >= 0");
  own_normal(out, static_cast<float>(mean), static_cast<float>(std));
}

}  // namespace latent
