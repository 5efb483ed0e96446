// Hand-written forward and backward passes of a multilayer perceptron with softmax cross-entropy.
#include "latent/models/manual_mlp.h"

#include "latent/core/error.h"

namespace latent {

ManualMlpImpl::ManualMlpImpl(const std::vector<torch::Tensor>& weights, const std::vector<torch::Tensor>& biases,
                             std::string activation)
    : activation_(std::move(activation)) {
  check(activation_ == "relu" || activation_ == "tanh" || activation_ == "sigmoid",
        "manual mlp: activation '" + activation_ + "' (relu, tanh or sigmoid)");
  check(!weights.empty() && weights.size() == biases.size(),
        "manual mlp: needs one bias per weight and at least one layer");
  for (size_t l = 0; l < weights.size(); ++l) {
    const auto& w = weights[l];
    const auto& b = biases[l];
    check(w.dim() == 2 && b.dim() == 1 && b.size(0) == w.size(0),
          "manual mlp: layer " + std::to_string(l) + ": weight (out, in) and bias (out) expected");
    if (l > 0)
      check(w.size(1) == weights[l - 1].size(0),
            "manual mlp: layer " + std::to_string(l) + " takes " + std::to_string(w.size(1)) + " inputs but layer " +
                std::to_string(l - 1) + " gives " + std::to_string(weights[l - 1].size(0)));
    weights_.push_back(register_parameter("weight" + std::to_string(l), w.detach().clone()));
    biases_.push_back(register_parameter("bias" + std::to_string(l), b.detach().clone()));
  }
}

void ManualMlpImpl::forward_layers(const torch::Tensor& x, std::vector<torch::Tensor>& inputs,
                                   std::vector<torch::Tensor>& outputs) {
  const int64_t d = weights_.front().size(1);
  check(x.dim() >= 1 && x.size(0) > 0 && x.numel() / x.size(0) == d,
        "manual mlp: an input of " + std::to_string(x.dim() >= 1 && x.size(0) > 0 ? x.numel() / x.size(0) : 0) +
            " values per example; the model takes " + std::to_string(d));
  auto a = x.reshape({x.size(0), d});
  for (size_t l = 0; l < weights_.size(); ++l) {
    inputs.push_back(a);
    auto z = torch::addmm(biases_[l], a, weights_[l].t());  // a·Wᵀ + b, as LibTorch's Linear
    outputs.push_back(z);
    if (l + 1 < weights_.size()) a = mlp_activation(z, activation_);
  }
}

// x: (B, *) -> logits (B, K)
torch::Tensor ManualMlpImpl::forward(const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> inputs, outputs;
  forward_layers(x, inputs, outputs);
  return outputs.back();
}

// x: (B, *), labels (B,) -> mean cross-entropy; gradients into grad()
double ManualMlpImpl::backward(const torch::Tensor& x, const torch::Tensor& labels) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> inputs, outputs;
  forward_layers(x, inputs, outputs);
  const auto& logits = outputs.back();
  const int64_t batch = logits.size(0), classes = logits.size(1);
  check(labels.dim() == 1 && labels.size(0) == batch, "manual mlp: " + std::to_string(batch) +
                                                          " examples but labels of shape other than (" +
                                                          std::to_string(batch) + ",)");
  auto y = labels.to(logits.device(), torch::kInt64);
  check(y.min().item<int64_t>() >= 0 && y.max().item<int64_t>() < classes,
        "manual mlp: a label is outside [0, " + std::to_string(classes) + ")");

  // L = −(1/B) Σ_i log softmax(z_i)[y_i]; ∂L/∂z = (softmax(z) − onehot(y)) / B.
  auto log_p = torch::log_softmax(logits, 1);
  const double loss = -log_p.gather(1, y.unsqueeze(1)).mean().item<double>();
  auto g = log_p.exp();
  g.scatter_add_(1, y.unsqueeze(1), torch::full({batch, 1}, -1.0, g.options()));
  g.div_(static_cast<double>(batch));

  for (size_t l = weights_.size(); l-- > 0;) {
    // z_l = a_l·W_lᵀ + b_l: ∂L/∂W_l = gᵀ·a_l, ∂L/∂b_l = Σ_rows g, ∂L/∂a_l = g·W_l.
    weights_[l].mutable_grad() = g.t().mm(inputs[l]);
    biases_[l].mutable_grad() = g.sum(0);
    if (l == 0) break;
    auto da = g.mm(weights_[l]);
    // a_l = f(z_{l−1}): relu' = [z > 0] (0 at 0, as autograd), tanh' = 1 − a², sigmoid' = a(1 − a).
    const auto& a = inputs[l];
    const auto& z = outputs[l - 1];
    if (activation_ == "relu")
      g = da * (z > 0).to(da.scalar_type());
    else if (activation_ == "tanh")
      g = da * (1.0 - a * a);
    else
      g = da * a * (1.0 - a);
  }
  return loss;
}

void ManualMlpImpl::sgd_step(double lr) {
  torch::NoGradGuard no_grad;
  for (auto& p : parameters()) {
    check(p.grad().defined(), "manual mlp: sgd_step before backward");
    p.sub_(p.grad(), lr);
  }
}

ManualMlp manual_copy_of(MlpImpl& mlp) {
  const auto& o = mlp.options();
  check(!o.batch_norm && o.dropout == 0.0,
        "manual mlp: the MLP uses batch norm or dropout, which the hand-written passes do not have");
  std::vector<torch::Tensor> weights, biases;
  for (const auto& layer : *mlp.layers) {
    auto* linear = layer->as<torch::nn::Linear>();
    weights.push_back(linear->weight);
    biases.push_back(linear->bias);
  }
  weights.push_back(mlp.out->weight);
  biases.push_back(mlp.out->bias);
  return ManualMlp(weights, biases, o.activation);
}

}  // namespace latent
