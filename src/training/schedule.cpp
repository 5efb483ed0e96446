// Learning-rate schedules and early stopping.
#include "latent/training/schedule.h"

#include <cmath>
#include <limits>

#include "latent/core/error.h"

namespace latent {

StepLr::StepLr(double base_lr, int64_t step_size, double gamma)
    : base_lr_(base_lr), step_size_(step_size), gamma_(gamma) {
  check(step_size > 0, "training.step_size: must be positive");
}

double StepLr::step(int64_t epoch, double) {
  return base_lr_ * std::pow(gamma_, static_cast<double>(epoch / step_size_));
}

PlateauLr::PlateauLr(double lr, int64_t patience, double factor, double min_lr, bool higher_is_better)
    : lr_(lr),
      patience_(patience),
      factor_(factor),
      min_lr_(min_lr),
      higher_(higher_is_better),
      best_(higher_is_better ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity()) {
  check(factor > 0.0 && factor < 1.0, "training.plateau_factor: must be in (0, 1)");
}

double PlateauLr::step(int64_t, double value) {
  // torch's relative threshold: better than best * (1 - t) in mode min, best * (1 + t) in mode max.
  const bool better = higher_ ? value > best_ * (1.0 + kThreshold) : value < best_ * (1.0 - kThreshold);
  if (!std::isnan(value) && better) {
    best_ = value;
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

MultiStepLr::MultiStepLr(double base_lr, std::vector<int64_t> milestones, double gamma)
    : base_lr_(base_lr), milestones_(std::move(milestones)), gamma_(gamma) {}

double MultiStepLr::step(int64_t epoch, double) {
  int64_t passed = 0;
  for (int64_t m : milestones_) passed += m <= epoch;
  return base_lr_ * std::pow(gamma_, static_cast<double>(passed));
}

CosineLr::CosineLr(double base_lr, int64_t epochs, double min_lr) : base_lr_(base_lr), epochs_(epochs), min_lr_(min_lr) {
  check(epochs > 0, "training.epochs: must be positive");
}

double CosineLr::step(int64_t epoch, double) {
  if (epoch >= epochs_) return min_lr_;
  return min_lr_ + (base_lr_ - min_lr_) * (1.0 + std::cos(M_PI * static_cast<double>(epoch) / epochs_)) / 2.0;
}

std::unique_ptr<LrSchedule> make_lr_schedule(const TrainingSpec& spec, bool higher_is_better) {
  if (spec.schedule == "none") return nullptr;
  if (spec.schedule == "step") return std::make_unique<StepLr>(spec.lr, spec.step_size, spec.gamma);
  if (spec.schedule == "multistep") return std::make_unique<MultiStepLr>(spec.lr, spec.milestones, spec.gamma);
  if (spec.schedule == "cosine") return std::make_unique<CosineLr>(spec.lr, spec.epochs, spec.min_lr);
  if (spec.schedule == "plateau")
    return std::make_unique<PlateauLr>(spec.lr, spec.plateau_patience, spec.plateau_factor, spec.min_lr,
                                       higher_is_better);
  throw Error("training.schedule: unknown schedule '" + spec.schedule + "' (none, step, multistep, cosine or plateau)");
}

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

bool EarlyStopping::update(double value) {
  ++epochs_;
  if (!std::isnan(value) && (higher_ ? value > best_ : value < best_)) {
    best_ = value;
    best_epoch_ = epochs_;
    bad_epochs_ = 0;
  } else {
    ++bad_epochs_;
  }
  return patience_ > 0 && bad_epochs_ >= patience_;
}

}  // namespace latent
