// Multilayer perceptron classifier: input -> [Linear -> BatchNorm? -> activation -> Dropout?]... ->
// Linear -> logits, with weights initialised by name (models/weight_init.h), and the per-layer
// diagnostics an initialisation × activation study plots per epoch (dead ReLU units, saturated
// sigmoid/tanh units, gradient norms).
#pragma once

#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <optional>
#include <string>
#include <vector>

#include "latent/models/weight_init.h"

namespace latent {

struct MlpOptions {
  std::vector<int64_t> input_shape = {1, 28, 28};  // one example's shape; flattened
  std::vector<int64_t> hidden = {256, 128};        // hidden layer widths (empty: a linear classifier)
  std::string activation = "relu";                 // relu | tanh | sigmoid | gelu | leaky_relu
  double negative_slope = 0.01;                    // leaky_relu (PyTorch's default)
  WeightInitOptions init = he_init();              // its activation and slope are set from the model's
  double dropout = 0.0;                            // after each hidden activation
  bool batch_norm = false;                         // BatchNorm1d between each hidden Linear and its activation
  int64_t outputs = 10;                            // classes (softmax) or labels (sigmoid)
};

// The activations an Mlp accepts.
const std::vector<std::string>& mlp_activation_names();

// The activation `name` (one of mlp_activation_names()) applied with LibTorch's operators: relu,
// tanh, sigmoid, gelu (exact, erf), leaky_relu(negative_slope). z: any shape -> the same shape.
torch::Tensor mlp_activation(const torch::Tensor& z, const std::string& name, double negative_slope = 0.01);

// A forward pass that keeps what each hidden layer's activation saw.
struct MlpTrace {
  torch::Tensor logits;                        // (B, outputs)
  std::vector<torch::Tensor> pre_activations;  // per hidden layer (B, width), after BatchNorm
};

class MlpImpl : public torch::nn::Module {
 public:
  // Builds the layers (LibTorch's default initialisation draws here, in layer order, as PyTorch's
  // constructors do), then re-initialises them by options.init. Throws UsageError naming the
  // model.* key of a bad option.
  explicit MlpImpl(MlpOptions options = {});

  // x: (B, *input_shape) or (B, D) -> logits (B, outputs)
  torch::Tensor forward(const torch::Tensor& x);
  // x: (B, *input_shape) or (B, D) -> logits (B, outputs) and each hidden layer's pre-activation
  MlpTrace forward_trace(const torch::Tensor& x);

  const MlpOptions& options() const { return options_; }
  int64_t input_dim() const { return input_dim_; }

  torch::nn::ModuleList layers{nullptr};  // the hidden Linear layers
  torch::nn::ModuleList norms{nullptr};   // one BatchNorm1d per hidden layer; empty without batch_norm
  torch::nn::Linear out{nullptr};         // last hidden width -> outputs

 private:
  MlpOptions options_;
  int64_t input_dim_ = 0;
};

TORCH_MODULE(Mlp);

// A unit counts as saturated where its activation's derivative is below 10% of its peak:
// tanh' = 1 − tanh² < 0.1 for |z| > atanh(√0.9) = 1.8184; σ' = σ(1 − σ) < 0.025 for
// |z| > 2·atanh(√0.9) = 3.6369. There a unit passes back less than a tenth of the gradient it
// could, which is what saturation costs training. Throws Error for other activations.
double saturation_threshold(const std::string& activation);

struct LayerDiagnostics {
  std::string layer;  // "layers.0", "layers.1", ..., "out"
  // relu only: the fraction of the layer's units whose pre-activation is <= 0 for every example
  // of the batch (no gradient reaches their weights from it).
  std::optional<double> dead_fraction;
  // tanh and sigmoid only: the fraction of (example, unit) pre-activations beyond
  // saturation_threshold().
  std::optional<double> saturated_fraction;
  // Mean and standard deviation (population) of the layer's output over the batch: the hidden
  // activation's output; "out": the logits.
  double activation_mean = 0.0;
  double activation_std = 0.0;
  // ‖(∂L/∂W, ∂L/∂b)‖₂ over the layer's weight and bias, when backward has filled their grad().
  std::optional<double> grad_norm;
};

// Per hidden layer then the output layer, from a trace of the batch (forward_trace) and the
// gradients now in the model's parameters (call after backward for gradient norms).
std::vector<LayerDiagnostics> layer_diagnostics(MlpImpl& mlp, const MlpTrace& trace);

}  // namespace latent
