// Multilayer perceptron classifier and its per-layer diagnostics.
#include "latent/models/mlp.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>

#include "latent/core/error.h"
#include "latent/models/weight_init.h"

namespace latent {

const std::vector<std::string>& mlp_activation_names() {
  static const std::vector<std::string> kNames = {"relu", "tanh", "sigmoid", "gelu", "leaky_relu"};
  return kNames;
}

torch::Tensor mlp_activation(const torch::Tensor& z, const std::string& name, double negative_slope) {
  if (name == "relu") return torch::relu(z);
  if (name == "tanh") return torch::tanh(z);
  if (name == "sigmoid") return torch::sigmoid(z);
  if (name == "gelu") return torch::gelu(z);
  if (name == "leaky_relu") return torch::leaky_relu(z, negative_slope);
  throw Error("mlp: unknown activation '" + name + "'");
}

MlpImpl::MlpImpl(MlpOptions options) : options_(std::move(options)) {
  const auto& o = options_;
  if (o.input_shape.empty() ||
      std::any_of(o.input_shape.begin(), o.input_shape.end(), [](int64_t d) { return d <= 0; }))
    throw UsageError("model.input_shape: every dimension must be positive");
  input_dim_ = std::accumulate(o.input_shape.begin(), o.input_shape.end(), int64_t{1}, std::multiplies<>());
  for (int64_t h : o.hidden)
    if (h <= 0) throw UsageError("model.hidden: widths must be positive, got " + std::to_string(h));
  const auto& acts = mlp_activation_names();
  if (std::find(acts.begin(), acts.end(), o.activation) == acts.end())
    throw UsageError("model.activation: unknown activation '" + o.activation +
                     "' (relu, tanh, sigmoid, gelu or leaky_relu)");
  if (!(o.negative_slope >= 0.0)) throw UsageError("model.negative_slope: must be >= 0");
  if (!(o.dropout >= 0.0 && o.dropout < 1.0))
    throw UsageError("model.dropout: must be in [0, 1), got " + std::to_string(o.dropout));
  if (o.outputs < 1) throw UsageError("model.outputs: must be positive, got " + std::to_string(o.outputs));
  WeightInitOptions init = o.init;
  init.activation = o.activation;
  init.negative_slope = o.negative_slope;
  check_weight_init(init);

  torch::nn::ModuleList linear_layers, norm_layers;
  int64_t width = input_dim_;
  for (int64_t h : o.hidden) {
    linear_layers->push_back(torch::nn::Linear(width, h));
    if (o.batch_norm) norm_layers->push_back(torch::nn::BatchNorm1d(h));
    width = h;
  }
  layers = register_module("layers", linear_layers);
  norms = register_module("norms", norm_layers);
  out = register_module("out", torch::nn::Linear(width, o.outputs));
  init_weights(*this, init);
}

// x: (B, *input_shape) or (B, D) -> logits (B, outputs), pre-activations (B, width) per hidden layer
MlpTrace MlpImpl::forward_trace(const torch::Tensor& x) {
  check(x.dim() >= 1 && x.size(0) > 0, "mlp: empty batch");
  const int64_t features = x.numel() / x.size(0);
  if (features != input_dim_)
    throw Error("mlp: an input of " + std::to_string(features) + " values per example; the model takes " +
                std::to_string(input_dim_));
  MlpTrace trace;
  auto h = x.reshape({x.size(0), input_dim_});
  for (size_t i = 0; i < layers->size(); ++i) {
    auto z = layers[i]->as<torch::nn::Linear>()->forward(h);
    if (options_.batch_norm) z = norms[i]->as<torch::nn::BatchNorm1d>()->forward(z);
    trace.pre_activations.push_back(z);
    h = mlp_activation(z, options_.activation, options_.negative_slope);
    if (options_.dropout > 0.0) h = torch::dropout(h, options_.dropout, is_training());
  }
  trace.logits = out->forward(h);
  return trace;
}

// x: (B, *input_shape) or (B, D) -> logits (B, outputs)
torch::Tensor MlpImpl::forward(const torch::Tensor& x) { return forward_trace(x).logits; }

double saturation_threshold(const std::string& activation) {
  const double tanh_threshold = std::atanh(std::sqrt(0.9));
  if (activation == "tanh") return tanh_threshold;
  if (activation == "sigmoid") return 2.0 * tanh_threshold;
  throw Error("mlp: no saturation threshold for activation '" + activation + "' (tanh or sigmoid)");
}

namespace {

std::optional<double> grad_norm(const torch::nn::Module& layer) {
  double sum = 0.0;
  bool any = false;
  for (const auto& p : layer.parameters()) {
    if (!p.grad().defined()) continue;
    any = true;
    sum += p.grad().detach().to(torch::kFloat64).pow(2).sum().item<double>();
  }
  if (!any) return std::nullopt;
  return std::sqrt(sum);
}

void moments(const torch::Tensor& a, LayerDiagnostics& d) {
  auto v = a.detach().to(torch::kFloat64);
  d.activation_mean = v.mean().item<double>();
  d.activation_std = v.std(/*unbiased=*/false).item<double>();
}

}  // namespace

std::vector<LayerDiagnostics> layer_diagnostics(MlpImpl& mlp, const MlpTrace& trace) {
  const auto& o = mlp.options();
  check(trace.pre_activations.size() == mlp.layers->size(), "mlp: the trace is not of this model");
  torch::NoGradGuard no_grad;
  std::vector<LayerDiagnostics> out;
  for (size_t i = 0; i < trace.pre_activations.size(); ++i) {
    const auto z = trace.pre_activations[i].detach();
    LayerDiagnostics d;
    d.layer = "layers." + std::to_string(i);
    if (o.activation == "relu")
      d.dead_fraction = (z > 0).any(0).logical_not().to(torch::kFloat64).mean().item<double>();
    if (o.activation == "tanh" || o.activation == "sigmoid")
      d.saturated_fraction = (z.abs() > saturation_threshold(o.activation)).to(torch::kFloat64).mean().item<double>();
    moments(mlp_activation(z, o.activation, o.negative_slope), d);
    d.grad_norm = grad_norm(*mlp.layers[i]);
    out.push_back(d);
  }
  LayerDiagnostics last;
  last.layer = "out";
  moments(trace.logits, last);
  last.grad_norm = grad_norm(*mlp.out);
  out.push_back(last);
  return out;
}

}  // namespace latent
