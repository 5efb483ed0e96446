// Optimizers built from the [training] section.
#pragma once

#include <torch/optim/optimizer.h>

#include <memory>

#include "latent/training/training_spec.h"

namespace latent {

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainingSpec& spec, std::vector<torch::Tensor> params);

}  // namespace latent
