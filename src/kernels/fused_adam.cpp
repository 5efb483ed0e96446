// Fused Adam step on the CPU (see kernels/fused_adam.h).
#include "latent/kernels/fused_adam.h"

#include <ATen/Parallel.h>

#include <cmath>
#include <sstream>
#include <type_traits>

#include "latent/core/system.h"
#include "latent/kernels/fast_math.h"

namespace latent {

namespace {

// Parallel grain: kMinParallelTaskSeconds of the update at its one-thread rate (~4.5e9 parameters/s,
// W2's 1.1 M parameters), so small models update on one thread.
constexpr auto kAdamGrain = static_cast<int64_t>(kMinParallelTaskSeconds * 4.5e9);

// The key torch::optim::Optimizer files a parameter's state under: the TensorImpl address as
// a string in LibTorch 1.x, the address itself in later versions.
template <typename Key>
Key state_key(c10::TensorImpl* impl) {
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream s;
    s << impl;
    return s.str();
  } else {
    return impl;
  }
}

// Scalars as torch::optim::Adam passes them to its kernels: computed in double, used as float.
struct AdamScalars {
  float beta1, one_minus_beta1, beta2, one_minus_beta2, weight_decay, eps, sqrt_bias_correction2, neg_step_size;
};

// p, g, m, v: n floats. The same operations, in the same order, as torch::optim::Adam's
// kernels: g += wd p; m = b1 m + (1 - b1) g (a fused multiply-add, as ATen's add_ with alpha);
// v = b2 v + (1 - b2) g g; p -= step * m / (sqrt(v) / sqrt(bc2) + eps).
// LATENT_VECTOR_CLONES (kernels/fast_math.h): AVX-512 and Haswell (AVX2 + FMA) clones too, so std::fma
// is one instruction and the loop vectorizes 16 or 8 wide (the file is compiled with
// -fno-math-errno -fno-trapping-math, without which sqrt kept the loop scalar: CMakeLists.txt).
LATENT_VECTOR_CLONES void adam_range(float* p, const float* g, float* m, float* v, int64_t begin, int64_t end,
                                     const AdamScalars& s) {
  for (int64_t i = begin; i < end; ++i) {
    const float gi = s.weight_decay != 0.0f ? std::fma(p[i], s.weight_decay, g[i]) : g[i];
    const float mi = std::fma(gi, s.one_minus_beta1, m[i] * s.beta1);
    const float vi = v[i] * s.beta2 + s.one_minus_beta2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] += s.neg_step_size * (mi / (std::sqrt(vi) / s.sqrt_bias_correction2 + s.eps));
  }
}

void adam_update(float* p, const float* g, float* m, float* v, int64_t n, const AdamScalars& s) {
  at::parallel_for(0, n, kAdamGrain, [&](int64_t begin, int64_t end) { adam_range(p, g, m, v, begin, end, s); });
}

}  // namespace

torch::Tensor FusedAdam::step(LossClosure closure) {
  // A closure recomputes the gradients inside step(), after the checks below would run.
  if (closure) return torch::optim::Adam::step(std::move(closure));
  using Key = typename std::decay_t<decltype(state_)>::key_type;
  for (auto& group : param_groups_) {
    const auto& options = static_cast<const torch::optim::AdamOptions&>(group.options());
    if (options.amsgrad()) return torch::optim::Adam::step(std::move(closure));
    for (const auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      bool ok = is_dense_cpu_float(p) && is_dense_cpu_float(p.grad());
      auto it = state_.find(state_key<Key>(p.unsafeGetTensorImpl()));
      if (ok && it != state_.end()) {
        const auto& st = static_cast<const torch::optim::AdamParamState&>(*it->second);
        ok = is_dense_cpu_float(st.exp_avg()) && is_dense_cpu_float(st.exp_avg_sq());
      }
      if (!ok) return torch::optim::Adam::step(std::move(closure));
    }
  }
  torch::NoGradGuard no_grad;
  for (auto& group : param_groups_) {
    const auto& options = static_cast<const torch::optim::AdamOptions&>(group.options());
    const double beta1 = std::get<0>(options.betas());
    const double beta2 = std::get<1>(options.betas());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      const Key key = state_key<Key>(p.unsafeGetTensorImpl());
      auto it = state_.find(key);
      if (it == state_.end()) {
        auto fresh = std::make_unique<torch::optim::AdamParamState>();
        fresh->step(0);
        fresh->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Contiguous));
        fresh->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Contiguous));
        it = state_.emplace(key, std::move(fresh)).first;
      }
      auto& state = static_cast<torch::optim::AdamParamState&>(*it->second);
      state.step(state.step() + 1);
      const double bias_correction1 = 1 - std::pow(beta1, static_cast<double>(state.step()));
      const double bias_correction2 = 1 - std::pow(beta2, static_cast<double>(state.step()));
      auto& m = state.exp_avg();
      auto& v = state.exp_avg_sq();
      const auto grad = p.grad();
      AdamScalars scalars;
      scalars.beta1 = static_cast<float>(beta1);
      scalars.one_minus_beta1 = static_cast<float>(1 - beta1);
      scalars.beta2 = static_cast<float>(beta2);
      scalars.one_minus_beta2 = static_cast<float>(1 - beta2);
      scalars.weight_decay = static_cast<float>(options.weight_decay());
      scalars.eps = static_cast<float>(options.eps());
      scalars.sqrt_bias_correction2 = static_cast<float>(std::sqrt(bias_correction2));
      scalars.neg_step_size = static_cast<float>(-options.lr() / bias_correction1);
      adam_update(p.data_ptr<float>(), grad.data_ptr<float>(), m.data_ptr<float>(), v.data_ptr<float>(), p.numel(),
                  scalars);
    }
  }
  return {};
}

}  // namespace latent
