// Learning-rate schedules and early stopping.
#include "latent/training/schedule.h"

#include <cmath>

#include "latent/core/error.h"

namespace latent {

StepLr::StepLr(double base_lr, int64_t step_size, double gamma) : base_lr_(base_lr), step_size_(step_size), gamma_(gamma) {
  check(step_size > 0, "training.step_size: must be positive");
}

double StepLr::step(int64_t epoch, double) { return base_lr_ * std::pow(gamma_, static_cast<double>(epoch / step_size_)); }

PlateauLr::PlateauLr(double lr, int64_t patience, double factor, double min_lr)
    : lr_(lr), patience_(patience), factor_(factor), min_lr_(min_lr) {
  check(factor > 0.0 && factor < 1.0, "training.plateau_factor: must be in (0, 1)");
}

double PlateauLr::step(int64_t, double loss) {
  if (!std::isnan(loss) && loss < best_ * (1.0 - kThreshold)) {
    best_ = loss;
    bad_epochs_ = 0;
  } else {
    ++bad_epochs_;
  }
  if (bad_epochs_ > patience_) {
    lr_ = std::max(lr_ * factor_, min_lr_);
    bad_epochs_ = 0;
  }
  return lr_;
}

std::unique_ptr<LrSchedule> make_lr_schedule(const TrainingSpec& spec) {
  if (spec.schedule == "none") return nullptr;
  if (spec.schedule == "step") return std::make_unique<StepLr>(spec.lr, spec.step_size, spec.gamma);
  if (spec.schedule == "plateau") return std::make_unique<PlateauLr>(spec.lr, spec.plateau_patience, spec.plateau_factor, spec.min_lr);
  throw Error("training.schedule: unknown schedule '" + spec.schedule + "' (none, step or plateau)");
}

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

bool EarlyStopping::update(double loss) {
  ++epochs_;
  if (!std::isnan(loss) && loss < best_) {
    best_ = loss;
    best_epoch_ = epochs_;
    bad_epochs_ = 0;
  } else {
    ++bad_epochs_;
  }
  return patience_ > 0 && bad_epochs_ >= patience_;
}

}  // namespace latent
