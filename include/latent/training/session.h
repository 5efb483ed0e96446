// A training session: what one training run is made of, by name — the modules being trained, the
// optimizers that step them (each with its parameter groups and learning rates), their schedules,
// the random streams the study draws from and the study's own state tensors. The loop
// (training/loop.h) checkpoints and restores all of it, so any combination resumes exactly: one
// model and one optimizer for an autoencoder or a classifier, a generator and a discriminator with
// one optimizer each for a GAN, a frozen backbone and a head for transfer learning.
//
// The study's step (loop.h) does its own forward and backward and calls minimize() for each
// optimizer it steps: minimize clears that optimizer's gradients, runs backward, then the gradient
// hooks (clipping, a data-parallel all-reduce), then the optimizer's step.
#pragma once

#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "latent/training/schedule.h"

namespace latent {

class TrainSession {
 public:
  explicit TrainSession(torch::Device device = torch::kCPU) : device_(device) {}

  const torch::Device& device() const { return device_; }

  // Modules, in the order added (their checkpoint names).
  template <class M>
  std::shared_ptr<M> add_module(const std::string& name, std::shared_ptr<M> module) {
    add_module_ptr(name, module);
    return module;
  }
  torch::nn::Module& module(const std::string& name) const;
  const std::vector<std::pair<std::string, std::shared_ptr<torch::nn::Module>>>& modules() const { return modules_; }

  // Optimizers, in the order added. The first is the run's "lr" column; others add lr_<name>.
  torch::optim::Optimizer& add_optimizer(const std::string& name, std::unique_ptr<torch::optim::Optimizer> optimizer);
  torch::optim::Optimizer& optimizer(const std::string& name) const;
  const std::vector<std::pair<std::string, std::unique_ptr<torch::optim::Optimizer>>>& optimizers() const {
    return optimizers_;
  }

  // A schedule for an optimizer, stepped by the loop after every epoch with the monitored value.
  void add_schedule(const std::string& optimizer, std::unique_ptr<LrSchedule> schedule);
  const std::vector<std::pair<std::string, std::unique_ptr<LrSchedule>>>& schedules() const { return schedules_; }

  // A random stream of the study's own (augmentation, test noise), seeded here; its state is
  // checkpointed. LibTorch's default generator (shuffles, dropout, noise drawn with the default
  // generator) is always checkpointed too.
  at::Generator& add_generator(const std::string& name, uint64_t seed);
  at::Generator& generator(const std::string& name);
  const std::vector<std::pair<std::string, at::Generator>>& generators() const { return generators_; }

  // A tensor of the study's own that lives across batches (a carried hidden state, a fixed noise
  // batch): created as `initial` when absent; checkpointed.
  torch::Tensor& state(const std::string& name, const torch::Tensor& initial = {});
  bool has_state(const std::string& name) const;
  const std::vector<std::pair<std::string, torch::Tensor>>& states() const { return states_; }

  // Where the loop is: the epoch (1-based), the batch within it (0-based), batches an epoch, and the
  // batches done before this one in the whole run.
  int64_t epoch() const { return epoch_; }
  int64_t batch() const { return batch_; }
  int64_t batches_per_epoch() const { return batches_per_epoch_; }
  int64_t global_step() const { return (epoch_ - 1) * batches_per_epoch_ + batch_; }
  void set_position(int64_t epoch, int64_t batch, int64_t batches_per_epoch);

  // Clears the gradients of `optimizer`'s parameters, runs loss.backward(), clips the gradients
  // (set_clip_norm), runs the gradient hooks and the optimizer's step. `retain_graph` keeps the
  // graph for a second backward through it.
  void minimize(const std::string& optimizer, const torch::Tensor& loss, bool retain_graph = false);

  // Each optimizer's gradients are clipped to this total L2 norm before its step (0: off;
  // training.clip_norm, set by the loop).
  void set_clip_norm(double max_norm) { clip_norm_ = max_norm; }

  // Called by minimize() between backward (and clipping) and step with the optimizer's name and object: gradient
  // clipping, a data-parallel gradient all-reduce. In the order added.
  using GradientHook = std::function<void(const std::string& name, torch::optim::Optimizer& optimizer)>;
  void add_gradient_hook(GradientHook hook) { hooks_.push_back(std::move(hook)); }

  // train() or eval() on every module.
  void set_training(bool on);

 private:
  void add_module_ptr(const std::string& name, std::shared_ptr<torch::nn::Module> module);

  torch::Device device_;
  std::vector<std::pair<std::string, std::shared_ptr<torch::nn::Module>>> modules_;
  std::vector<std::pair<std::string, std::unique_ptr<torch::optim::Optimizer>>> optimizers_;
  std::vector<std::pair<std::string, std::unique_ptr<LrSchedule>>> schedules_;
  std::vector<std::pair<std::string, at::Generator>> generators_;
  std::vector<std::pair<std::string, torch::Tensor>> states_;
  std::vector<GradientHook> hooks_;
  double clip_norm_ = 0.0;
  int64_t epoch_ = 1, batch_ = 0, batches_per_epoch_ = 1;
};

// Clips the optimizer's gradients to a total L2 norm of `max_norm` (torch.nn.utils.clip_grad_norm_).
void clip_gradients(torch::optim::Optimizer& optimizer, double max_norm);

}  // namespace latent
