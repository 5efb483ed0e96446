// Micro-benchmarks of transposed convolutions at batch 256, LibTorch's ConvTranspose2d against the
// conv_transpose2d kernel (latent::adjoint_conv_transpose2d on the same layer's parameters), forward +
// backward and forward alone, at the shapes of W3 and of the studies' conv autoencoders and VAEs.
#include <benchmark/benchmark.h>

#include "latent/core/system.h"
#include "latent/kernels/conv_transpose.h"

namespace {

// As latent's programs do at start-up: freed blocks stay in the process (no fresh zeroed pages per call).
const bool kKeepFreed = (latent::keep_freed_memory(), true);

struct Shape {
  int64_t cin, cout, size, kernel, stride, padding, output_padding;
};
const std::vector<Shape> kShapes = {
    {32, 16, 7, 3, 2, 1, 1},   // W3 decoder, first layer
    {16, 1, 14, 3, 2, 1, 1},   // W3 decoder, last layer
    {64, 32, 7, 4, 2, 1, 0},   // conv VAE decoder
    {32, 1, 14, 4, 2, 1, 0},   // conv VAE decoder, last layer
    {16, 16, 14, 3, 1, 1, 0},  // conv_ae decoder block
};

// range(0): 0 = LibTorch, 1 = latent; range(1): index into kShapes; range(2): 1 = forward only.
void BM_ConvTranspose2d(benchmark::State& state) {
  const bool ours = state.range(0) == 1;
  const auto& s = kShapes[static_cast<size_t>(state.range(1))];
  const bool forward_only = state.range(2) == 1;
  torch::manual_seed(0);
  const auto opts = torch::nn::ConvTranspose2dOptions(s.cin, s.cout, s.kernel)
                        .stride(s.stride)
                        .padding(s.padding)
                        .output_padding(s.output_padding);
  torch::nn::ConvTranspose2d layer(opts);
  auto forward = [&](const torch::Tensor& x) {
    if (!ours) return layer->forward(x);
    return latent::adjoint_conv_transpose2d(x, layer->weight, layer->bias, *opts.stride(), *opts.padding(),
                                            *opts.output_padding(), opts.groups(), *opts.dilation());
  };
  const auto x = torch::randn({256, s.cin, s.size, s.size}).requires_grad_(!forward_only);
  const auto g = torch::randn_like(forward(x.detach()));
  for (auto _ : state) {
    auto y = forward(x);
    if (!forward_only) y.backward(g);
    benchmark::DoNotOptimize(y.data_ptr<float>());
  }
  state.SetItemsProcessed(state.iterations() * 256);
}
BENCHMARK(BM_ConvTranspose2d)->ArgsProduct({{0, 1}, {0, 1, 2, 3, 4}, {0, 1}})->Unit(benchmark::kMillisecond);

}  // namespace
