// Epoch-based learning-rate schedules (step decay; reduce-on-plateau, which LibTorch 1.13
// lacks) and early stopping on a validation loss. Both follow torch.optim's semantics.
#pragma once

#include <torch/optim/optimizer.h>

#include <limits>
#include <memory>

#include "latent/training/training_spec.h"

namespace latent {

class LrSchedule {
 public:
  virtual ~LrSchedule() = default;
  // Called after each epoch (1-based) with that epoch's monitored loss; returns the learning
  // rate for the next epoch.
  virtual double step(int64_t epoch, double loss) = 0;
};

// lr = base_lr * gamma^floor(epoch / step_size), as torch.optim.lr_scheduler.StepLR.
class StepLr : public LrSchedule {
 public:
  StepLr(double base_lr, int64_t step_size, double gamma);
  double step(int64_t epoch, double loss) override;

 private:
  double base_lr_;
  int64_t step_size_;
  double gamma_;
};

// lr = base_lr * gamma^(number of milestones <= epoch), as torch.optim.lr_scheduler.MultiStepLR.
class MultiStepLr : public LrSchedule {
 public:
  MultiStepLr(double base_lr, std::vector<int64_t> milestones, double gamma);
  double step(int64_t epoch, double loss) override;

 private:
  double base_lr_;
  std::vector<int64_t> milestones_;
  double gamma_;
};

// lr = min_lr + (base_lr - min_lr) (1 + cos(pi epoch / epochs)) / 2, as
// torch.optim.lr_scheduler.CosineAnnealingLR(T_max = epochs, eta_min = min_lr) within its first
// T_max epochs (min_lr after them).
class CosineLr : public LrSchedule {
 public:
  CosineLr(double base_lr, int64_t epochs, double min_lr);
  double step(int64_t epoch, double loss) override;

 private:
  double base_lr_;
  int64_t epochs_;
  double min_lr_;
};

// torch.optim.lr_scheduler.ReduceLROnPlateau with a relative threshold of 1e-4 and no cooldown, in
// mode "min" (a loss) or "max" (higher_is_better, e.g. an accuracy): after more than `patience`
// epochs without a value below best * (1 - 1e-4) (mode max: above best * (1 + 1e-4)),
// lr = max(lr * factor, min_lr) and the count restarts. A NaN value counts as no improvement.
class PlateauLr : public LrSchedule {
 public:
  static constexpr double kThreshold = 1e-4;
  PlateauLr(double lr, int64_t patience, double factor, double min_lr, bool higher_is_better = false);
  double step(int64_t epoch, double loss) override;

 private:
  double lr_;
  int64_t patience_;
  double factor_;
  double min_lr_;
  bool higher_;
  double best_;
  int64_t bad_epochs_ = 0;
};

// training.schedule: nullptr for "none". The plateau schedule watches a value whose direction is
// `higher_is_better` (training.monitor's).
std::unique_ptr<LrSchedule> make_lr_schedule(const TrainingSpec& spec, bool higher_is_better = false);

// Sets the learning rate of every parameter group.
void set_learning_rate(torch::optim::Optimizer& optimizer, double lr);

// Stop when `patience` epochs in a row bring no value better than the best so far (lower, or
// higher when higher_is_better).
class EarlyStopping {
 public:
  explicit EarlyStopping(int64_t patience, bool higher_is_better = false)
      : patience_(patience), higher_(higher_is_better), best_(higher_is_better ? -kInf : kInf) {}
  // Records an epoch's value; true when training should stop now.
  bool update(double value);
  double best() const { return best_; }
  int64_t best_epoch() const { return best_epoch_; }

 private:
  static constexpr double kInf = std::numeric_limits<double>::infinity();
  int64_t patience_;
  bool higher_;
  double best_;
  int64_t epochs_ = 0;
  int64_t best_epoch_ = 0;
  int64_t bad_epochs_ = 0;
};

}  // namespace latent
