// Micro-benchmarks of element-wise kernels on the output layer of the dense autoencoders
// (batch × 784) and on one large tensor: torch::sigmoid against latent::fast_sigmoid, with and
// without the backward pass, and the summed BCE on logits as the fused loss computed it before
// (softplus, sum, dot) against latent::sum_bce_with_logits.
#include <benchmark/benchmark.h>

#include "latent/kernels/fast_math.h"
#include "latent/kernels/substitute.h"

namespace {

// range(0): 0 = LibTorch, 1 = latent; range(1): rows of 784; range(2): 1 = with backward.
void BM_Sigmoid(benchmark::State& state) {
  const bool ours = state.range(0) == 1;
  const bool backward = state.range(2) == 1;
  torch::manual_seed(0);
  const auto x = (torch::randn({state.range(1), 784}) * 4).requires_grad_(backward);
  const auto g = torch::randn({state.range(1), 784});
  for (auto _ : state) {
    auto y = ours ? latent::fast_sigmoid(x) : torch::sigmoid(x);
    if (backward) {
      auto dx = torch::autograd::grad({y}, {x}, {g})[0];
      benchmark::DoNotOptimize(dx.data_ptr<float>());
    }
    benchmark::DoNotOptimize(y.data_ptr<float>());
  }
  state.SetItemsProcessed(state.iterations() * state.range(1) * 784);
}
BENCHMARK(BM_Sigmoid)->ArgsProduct({{0, 1}, {256, 10000}, {0, 1}})->Unit(benchmark::kMicrosecond);

// range(0): 0 = LibTorch's softplus(x).sum() − dot(x, t), 1 = latent; range(1): rows of 784.
void BM_BceWithLogitsSum(benchmark::State& state) {
  const bool ours = state.range(0) == 1;
  torch::manual_seed(0);
  const auto x = torch::randn({state.range(1), 784}) * 4;
  const auto t = torch::rand({state.range(1), 784});
  for (auto _ : state) {
    if (ours) {
      benchmark::DoNotOptimize(latent::sum_bce_with_logits(x, t));
    } else {
      auto total = torch::softplus(x.reshape({-1})).sum().sub_(torch::dot(x.reshape({-1}), t.reshape({-1})));
      benchmark::DoNotOptimize(total.data_ptr<float>());
    }
  }
  state.SetItemsProcessed(state.iterations() * state.range(1) * 784);
}
BENCHMARK(BM_BceWithLogitsSum)->ArgsProduct({{0, 1}, {256, 10000}})->Unit(benchmark::kMicrosecond);

}  // namespace
