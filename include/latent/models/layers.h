// Small building blocks shared by model families: activations by name. Running a model's layers
// (and so any kernel that replaces one) is kernels/substitute.h's forward_sequential and linear.
#pragma once

#include <torch/nn/modules/container/sequential.h>

#include <string>
#include <vector>

namespace latent {

// Names accepted wherever a spec asks for an activation.
const std::vector<std::string>& activation_names();

// Appends the activation `name` to `seq` (nothing for "identity"); throws Error for an unknown name.
void append_activation(torch::nn::Sequential& seq, const std::string& name);

// Applies the activation `name` functionally (relu and sigmoid through kernels/substitute.h).
torch::Tensor apply_activation(const torch::Tensor& x, const std::string& name);

}  // namespace latent
