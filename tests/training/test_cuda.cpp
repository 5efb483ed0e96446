// CPU vs CUDA invariance pairs, one per model family and for the training step's own kernels (the
// fused loss, the fused Adam, the trainer): the same weights and inputs on both devices give the
// same losses and gradients to float precision. latent's CPU kernels fall back to LibTorch's ops on
// other devices, so these check that every family runs there at all. Skipped without a CUDA device
// (CI has none; bench/gpu_check.sh runs them on a GPU machine).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "latent/data/dataset.h"
#include "latent/models/autoencoder.h"
#include "latent/models/model_spec.h"
#include "latent/models/vae.h"
#include "latent/training/objective.h"
#include "latent/training/optimizer.h"
#include "loop_util.h"
#include "latent/training/vae_objective.h"
#include "test_util.h"

namespace latent {
namespace {

using testing::rel_diff;

#define LATENT_NEEDS_CUDA() \
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device"

ModelSpec spec_of(const std::string& type) {
  ModelSpec s;
  s.type = type;
  s.latent = 8;
  if (type == "dense_ae" || type == "dense_vae") s.hidden = {64};
  if (type == "conv_ae" || type == "conv_vae") s.channels = {8, 16};
  return s;
}

// {loss, every parameter's gradient} of one batch on `device`: the reconstruction objective on
// forward() (deterministic for every family, the VAE's decoding its posterior mean), plus for a VAE
// the ELBO objective's KL term of the posterior.
std::vector<torch::Tensor> loss_and_grads(AutoencoderBase& model, const torch::Tensor& x, const torch::Device& device) {
  model.to(device);
  model.zero_grad();
  const auto xd = x.to(device);
  ReconstructionObjective objective;
  objective.l1_code = 0.01;
  auto loss = objective(model.forward(xd), xd, "sigmoid");
  if (auto* vae = dynamic_cast<VaeBase*>(&model)) {
    const auto q = vae->posterior(xd);
    loss = loss + kl_divergence(q.mu, q.logvar).mean();
  }
  loss.backward();
  std::vector<torch::Tensor> out = {loss.detach().cpu()};
  for (const auto& p : model.parameters()) out.push_back(p.grad().cpu());
  return out;
}

TEST(Cuda, EveryModelFamilyGivesTheCpusLossAndGradients) {
  LATENT_NEEDS_CUDA();
  for (const std::string type : {"dense_ae", "conv_ae", "dense_vae", "conv_vae"}) {
    torch::manual_seed(21);
    auto model = make_autoencoder(spec_of(type), {1, 28, 28});
    const auto x = torch::rand({16, 1, 28, 28});
    const auto cpu = loss_and_grads(*model, x, torch::kCPU);
    const auto cuda = loss_and_grads(*model, x, torch::kCUDA);
    ASSERT_EQ(cpu.size(), cuda.size()) << type;
    for (size_t i = 0; i < cpu.size(); ++i) EXPECT_LT(rel_diff(cuda[i], cpu[i]), 1e-4) << type << " tensor " << i;
  }
}

TEST(Cuda, AdamStepsMatch) {
  LATENT_NEEDS_CUDA();
  TrainingSpec spec;
  spec.weight_decay = 1e-3;
  auto run = [&](const torch::Device& device) {
    torch::manual_seed(3);
    auto w = torch::randn({300, 70}).to(device).requires_grad_();
    auto optimizer = make_optimizer(spec, {w});
    for (int step = 0; step < 5; ++step) {
      optimizer->zero_grad();
      (w * w).sum().mul(0.5).add((w.sin() * (step + 1)).sum()).backward();
      optimizer->step();
    }
    return w.detach().cpu();
  };
  EXPECT_LT(rel_diff(run(torch::kCUDA), run(torch::kCPU)), 1e-5);
}

TEST(Cuda, OneEpochOfTrainingMatches) {
  LATENT_NEEDS_CUDA();
  const auto x = torch::rand({200, 1, 28, 28});
  auto run = [&](const torch::Device& device) {
    torch::manual_seed(8);
    auto model = make_autoencoder(spec_of("dense_ae"), {1, 28, 28});
    model->to(device);
    LoopOptions lo;
    lo.training.epochs = 2;
    lo.training.batch_size = 32;
    auto optimizer = make_optimizer(lo.training, model->parameters());
    const ReconstructionObjective objective;
    auto progress = make_progress(ProgressStyle::kQuiet);
    torch::manual_seed(9);  // the shuffle draws from the CPU generator on both devices
    const auto history = testing::fit_simple(
        model, std::move(optimizer), x.to(device),
        [&](const torch::Tensor& b) { return objective(model->forward(b), b, "sigmoid"); }, lo, *progress);
    return std::make_pair(history.back().train_loss, model->forward(x.to(device)).recon.detach().cpu());
  };
  const auto cpu = run(torch::kCPU);
  const auto cuda = run(torch::kCUDA);
  EXPECT_NEAR(cuda.first, cpu.first, 1e-4 * cpu.first);
  EXPECT_LT(rel_diff(cuda.second, cpu.second), 1e-3);
}

}  // namespace
}  // namespace latent
