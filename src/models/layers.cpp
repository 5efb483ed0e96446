// Activations by name.
#include "latent/models/layers.h"

#include "latent/core/error.h"
#include "latent/kernels/substitute.h"

namespace latent {

const std::vector<std::string>& activation_names() {
  static const std::vector<std::string> kNames = {"relu", "leaky_relu", "elu",     "selu",
                                                  "gelu", "tanh",       "sigmoid", "identity"};
  return kNames;
}

void append_activation(torch::nn::Sequential& seq, const std::string& name) {
  if (name == "relu")
    seq->push_back(torch::nn::ReLU());
  else if (name == "leaky_relu")
    seq->push_back(torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(0.2)));
  else if (name == "elu")
    seq->push_back(torch::nn::ELU());
  else if (name == "selu")
    seq->push_back(torch::nn::SELU());
  else if (name == "gelu")
    seq->push_back(torch::nn::GELU());
  else if (name == "tanh")
    seq->push_back(torch::nn::Tanh());
  else if (name == "sigmoid")
    seq->push_back(torch::nn::Sigmoid());
  else if (name != "identity")
    throw Error("unknown activation '" + name + "'");
}

torch::Tensor apply_activation(const torch::Tensor& x, const std::string& name) {
  if (name == "relu") return relu_activation(x);
  if (name == "leaky_relu") return torch::leaky_relu(x, 0.2);
  if (name == "elu") return torch::elu(x);
  if (name == "selu") return torch::selu(x);
  if (name == "gelu") return torch::gelu(x);
  if (name == "tanh") return torch::tanh(x);
  if (name == "sigmoid") return fast_sigmoid(x);
  if (name == "identity") return x;
  throw Error("unknown activation '" + name + "'");
}

}  // namespace latent
