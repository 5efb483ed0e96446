// Adam and SGD from the spec.
#include "latent/training/optimizer.h"

#include "latent/core/error.h"
#include "latent/kernels/substitute.h"

namespace latent {

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainingSpec& spec, std::vector<torch::Tensor> params) {
  if (spec.optimizer == "adam")
    return make_adam(std::move(params), torch::optim::AdamOptions(spec.lr).weight_decay(spec.weight_decay));
  if (spec.optimizer == "sgd")
    return std::make_unique<torch::optim::SGD>(
        std::move(params), torch::optim::SGDOptions(spec.lr).momentum(spec.momentum).weight_decay(spec.weight_decay));
  throw Error("training.optimizer: unknown optimizer '" + spec.optimizer + "' (adam or sgd)");
}

}  // namespace latent
