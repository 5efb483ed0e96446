// Micro-benchmarks of the dense autoencoder: one Adam training step and batched inference,
// at batch 256 on 28x28 inputs, for the 784-32-784 and 784-512-32-512-784 models.
#include <benchmark/benchmark.h>

#include "latent/core/eval_mode.h"
#include "latent/models/autoencoder.h"
#include "latent/training/objective.h"

namespace {

std::shared_ptr<latent::AutoencoderBase> model_for(int64_t hidden) {
  latent::ModelSpec spec;
  if (hidden > 0) spec.hidden = {hidden};
  return latent::make_autoencoder(spec, {1, 28, 28});
}

void BM_TrainStep(benchmark::State& state) {
  torch::manual_seed(0);
  auto model = model_for(state.range(0));
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(1e-3));
  latent::ReconstructionObjective objective;
  auto x = torch::rand({256, 1, 28, 28});
  for (auto _ : state) {
    opt.zero_grad();
    auto loss = objective(model->forward(x), x, model->output_activation());
    loss.backward();
    opt.step();
    benchmark::DoNotOptimize(loss.item<float>());
  }
  state.SetItemsProcessed(state.iterations() * 256);
}
BENCHMARK(BM_TrainStep)->Arg(0)->Arg(512)->Unit(benchmark::kMillisecond);

void BM_Inference(benchmark::State& state) {
  auto model = model_for(state.range(0));
  latent::EvalMode guard(*model);
  auto x = torch::rand({state.range(1), 1, 28, 28});
  for (auto _ : state) benchmark::DoNotOptimize(model->forward(x).recon.data_ptr<float>());
  state.SetItemsProcessed(state.iterations() * state.range(1));
}
BENCHMARK(BM_Inference)->Args({0, 1000})->Args({0, 1})->Args({512, 1000})->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
