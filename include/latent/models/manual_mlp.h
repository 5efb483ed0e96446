// A multilayer perceptron whose forward and backward passes are written out with plain tensor
// operations, no autograd: Linear layers with relu, tanh or sigmoid between them and softmax
// cross-entropy (mean over the batch) on top, any depth. Built from an Mlp's weights (same layer
// layout), so the two can be trained side by side from the same start and checked against each
// other.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>
#include <torch/utils.h>

#include <string>
#include <vector>

#include "latent/models/mlp.h"

namespace latent {

class ManualMlpImpl : public torch::nn::Module {
 public:
  // weights[l]: (out_l, in_l), biases[l]: (out_l), with in_{l+1} = out_l; the activation follows
  // every layer but the last. The tensors are copied. Throws Error for mismatched shapes or an
  // activation other than relu, tanh, sigmoid.
  ManualMlpImpl(const std::vector<torch::Tensor>& weights, const std::vector<torch::Tensor>& biases,
                std::string activation);

  // x: (B, *) with D values per example -> logits (B, K). Runs under NoGradGuard.
  torch::Tensor forward(const torch::Tensor& x);

  // The mean softmax cross-entropy of the batch against labels (B,) in [0, K), and its gradient
  // with respect to every weight and bias by hand-derived backpropagation, written into each
  // parameter's grad() (replacing what was there), so a torch::optim optimizer over parameters()
  // can step them. Returns the loss. x: (B, *) -> loss
  double backward(const torch::Tensor& x, const torch::Tensor& labels);

  // Plain gradient descent with the gradients from backward(): p -= lr · grad.
  void sgd_step(double lr);

  const std::string& activation() const { return activation_; }
  int64_t depth() const { return static_cast<int64_t>(weights_.size()); }
  const torch::Tensor& weight(int64_t layer) const { return weights_.at(static_cast<size_t>(layer)); }
  const torch::Tensor& bias(int64_t layer) const { return biases_.at(static_cast<size_t>(layer)); }

 private:
  // Per layer l: the layer's input a_l (a_0 = x) and output z_l = a_l·W_lᵀ + b_l; the last z is the logits.
  void forward_layers(const torch::Tensor& x, std::vector<torch::Tensor>& inputs, std::vector<torch::Tensor>& outputs);

  std::vector<torch::Tensor> weights_;  // registered as weight0, weight1, ...
  std::vector<torch::Tensor> biases_;   // registered as bias0, bias1, ...
  std::string activation_;
};

TORCH_MODULE(ManualMlp);

// A ManualMlp holding copies of mlp's weights (layers..., out), in mlp's dtype and device. Throws
// Error when mlp uses batch norm, dropout or an activation other than relu, tanh, sigmoid.
ManualMlp manual_copy_of(MlpImpl& mlp);

}  // namespace latent
