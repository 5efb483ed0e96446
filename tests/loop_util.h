// Training in tests: the training loop with one module, one optimizer and a step that minimises
// loss(x_batch) on the field "x"; and a bare Adam loop for the "overfits one batch" checks.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "latent/data/batch.h"
#include "latent/training/loop.h"
#include "latent/training/progress.h"
#include "latent/training/session.h"

namespace latent::testing {

// `steps` Adam steps (learning rate lr) on `parameters`, each minimising loss_of(); returns
// {first loss, last loss}: the tests' "overfits one batch" check.
inline std::pair<double, double> adam_first_last(const std::vector<torch::Tensor>& parameters, double lr, int steps,
                                                 const std::function<torch::Tensor()>& loss_of) {
  torch::optim::Adam opt(parameters, torch::optim::AdamOptions(lr));
  double first = 0, last = 0;
  for (int step = 0; step < steps; ++step) {
    opt.zero_grad();
    torch::Tensor loss = loss_of();
    loss.backward();
    opt.step();
    if (step == 0) first = loss.item<double>();
    last = loss.item<double>();
  }
  return {first, last};
}

using LossOf = std::function<torch::Tensor(const torch::Tensor& x)>;

inline History fit_simple(std::shared_ptr<torch::nn::Module> model, std::unique_ptr<torch::optim::Optimizer> optimizer,
                          const torch::Tensor& x, const LossOf& loss_of, const LoopOptions& options, Progress& progress,
                          const EvalFn& evaluate = nullptr) {
  TrainSession session(x.device());
  session.add_module("model", std::move(model));
  session.add_optimizer("model", std::move(optimizer));
  const TensorSource train({{"x", x}});
  auto step = [&](const Batch& batch, TrainSession& s) {
    torch::Tensor loss = loss_of(batch["x"]);
    s.minimize("model", loss);
    StepStats stats;
    stats.mean("loss", loss, static_cast<double>(batch.size()));
    return stats;
  };
  return train_loop(session, train, step, evaluate, options, progress);
}

}  // namespace latent::testing
