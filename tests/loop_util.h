// Running the training loop in tests: one module, one optimizer, a step that minimises
// loss(x_batch) on the field "x".
#pragma once

#include <torch/torch.h>

#include <functional>
#include <memory>

#include "latent/data/batch.h"
#include "latent/training/loop.h"
#include "latent/training/progress.h"
#include "latent/training/session.h"

namespace latent::testing {

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
