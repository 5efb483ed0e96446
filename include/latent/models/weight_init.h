// Weight initialisation by torch.nn.init's functions, chosen by name (model.init of the classifier
// families): He (Kaiming) and Xavier (Glorot), normal or uniform, plain normal and plain uniform.
// Drawn module by module in registration order, so a seeded LibTorch model starts from the weights
// PyTorch draws for the same modules. (models/init.h's apply_init is the autoencoders' older
// "default | kaiming" switch; its "kaiming" is "he" here with a ReLU gain.)
#pragma once

#include <torch/nn/module.h>

#include <string>
#include <vector>

namespace latent {

struct WeightInitOptions {
  // default: each layer keeps LibTorch's own initialisation (PyTorch's: Kaiming-uniform, a = √5);
  // he: kaiming_normal_(fan_in, the activation's gain); he_uniform: kaiming_uniform_(the same);
  // xavier: xavier_normal_(gain); xavier_uniform: xavier_uniform_(gain);
  // normal: normal_(0, std); uniform: uniform_(−range, range).
  std::string name = "default";
  // The nonlinearity after the layers, for He's gain: relu and gelu √2 (calculate_gain has no
  // gelu; ReLU's is the usual choice), leaky_relu √(2 / (1 + slope²)), tanh 5/3, sigmoid 1.
  std::string activation = "relu";
  double negative_slope = 0.01;  // leaky_relu's slope
  double std = 0.01;             // normal
  double gain = 1.0;             // xavier (torch.nn.init's default 1)
  double range = 0.05;           // uniform
};

// He (normal) initialisation, the default of the MLP classifier.
inline WeightInitOptions he_init() {
  WeightInitOptions o;
  o.name = "he";
  return o;
}

// The accepted names, in the order above.
const std::vector<std::string>& weight_init_names();

// Throws UsageError naming model.init (or model.init_std, model.init_gain, model.init_range) for
// an unknown name, an activation He has no gain for, or a non-positive std or range.
void check_weight_init(const WeightInitOptions& options);

// Re-initialises, for every module in registration order (PyTorch's model.modules()), a parameter
// "weight" of rank >= 2 (Linear, ConvNd) as options.name says and sets that module's "bias" to
// zero; BatchNorm and other rank-1 weights are left alone. "default" changes nothing.
void init_weights(torch::nn::Module& model, const WeightInitOptions& options);

}  // namespace latent
