// LibTorch's Bernoulli draws a block at a time (see fast_random.h).
#include "latent/core/fast_random.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/MT19937RNGEngine.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <mutex>

#include "latent/core/error.h"
#include "latent/core/fast_math.h"

namespace latent {

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

void own_bernoulli(torch::Tensor& out, double p) {
  check(p >= 0.0 && p <= 1.0, "bernoulli_mask: p = " + std::to_string(p) + " is not in [0, 1]");
  const auto bound = static_cast<uint64_t>(std::ceil(std::ldexp(p, 53)));
  constexpr int64_t kChunk = 4096;  // elements per block of words (32 KiB on the stack)
  std::array<uint32_t, 2 * kChunk> words;
  auto generator = at::detail::getDefaultCPUGenerator();
  auto* impl = generator.get<at::CPUGeneratorImpl>();
  float* y = out.data_ptr<float>();
  const int64_t n = out.numel();
  std::lock_guard<std::mutex> lock(generator.mutex());
  auto engine = impl->engine();
  auto pod = engine.data();
  for (int64_t begin = 0; begin < n; begin += kChunk) {
    const int64_t count = std::min(kChunk, n - begin);
    draw(pod, words.data(), 2 * count);
    compare(words.data(), bound, y + begin, count);
  }
  engine.set_data(pod);
  impl->set_engine(engine);
}

bool same_state(const at::mt19937_data_pod& a, const at::mt19937_data_pod& b) {
  return a.seed_ == b.seed_ && a.left_ == b.left_ && a.seeded_ == b.seeded_ && a.next_ == b.next_ && a.state_ == b.state_;
}

// Draws 3,001 elements (across a block boundary of the stream) with LibTorch's bernoulli_ and with
// own_bernoulli from the same generator state; the state is restored after.
bool reproduces_libtorch() {
  auto generator = at::detail::getDefaultCPUGenerator();
  auto* impl = generator.get<at::CPUGeneratorImpl>();
  at::mt19937 saved;
  {
    std::lock_guard<std::mutex> lock(generator.mutex());
    saved = impl->engine();
  }
  auto theirs = torch::empty({3001});
  auto ours = torch::empty({3001});
  theirs.bernoulli_(0.3);
  at::mt19937 after_theirs;
  {
    std::lock_guard<std::mutex> lock(generator.mutex());
    after_theirs = impl->engine();
    impl->set_engine(saved);
  }
  own_bernoulli(ours, 0.3);
  std::lock_guard<std::mutex> lock(generator.mutex());
  const bool same = torch::equal(ours, theirs) && same_state(impl->engine().data(), after_theirs.data());
  impl->set_engine(saved);
  return same;
}

}  // namespace

bool fast_bernoulli_in_use() {
  static const bool in_use = reproduces_libtorch();
  return in_use;
}

void bernoulli_mask(torch::Tensor& out, double p) {
  if (!is_dense_cpu_float(out) || !fast_bernoulli_in_use()) {
    out.bernoulli_(p);
    return;
  }
  own_bernoulli(out, p);
}

}  // namespace latent
