// Weight initialisation by name (model.init), applied to a model after it is built.
#pragma once

#include <torch/nn/module.h>

#include <string>
#include <utility>
#include <vector>

namespace latent {

// Names accepted by model.init: "default" keeps each layer's own initialisation (LibTorch's, as
// PyTorch's: Kaiming-uniform with a = sqrt(5)); "kaiming" draws every weight of rank >= 2 from
// He's normal (fan_in, ReLU gain: std = sqrt(2 / fan_in)) and sets every bias to zero.
const std::vector<std::string>& init_names();

// Re-initialises `model`'s parameters as `name` says, module by module in registration order
// (the order of PyTorch's model.modules()), so a seeded run draws the same weights as PyTorch's
// nn.init.kaiming_normal_(weight, nonlinearity="relu") over the same modules. Throws Error for
// an unknown name.
void apply_init(torch::nn::Module& model, const std::string& name);

}  // namespace latent
