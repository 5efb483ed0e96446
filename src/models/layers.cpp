// Activations by name; the dense layers' product through core/gemm; dropout and the Sequential runner.
#include "latent/models/layers.h"

#include "latent/core/error.h"
#include "latent/core/fast_math.h"
#include "latent/core/fast_random.h"
#include "latent/core/gemm.h"
#include "latent/core/system.h"
#include "latent/models/pooling.h"
#include "latent/models/upsample.h"

namespace latent {

const std::vector<std::string>& activation_names() {
  static const std::vector<std::string> kNames = {"relu", "leaky_relu", "elu", "selu", "gelu", "tanh", "sigmoid", "identity"};
  return kNames;
}

void append_activation(torch::nn::Sequential& seq, const std::string& name) {
  if (name == "relu") seq->push_back(torch::nn::ReLU());
  else if (name == "leaky_relu") seq->push_back(torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(0.2)));
  else if (name == "elu") seq->push_back(torch::nn::ELU());
  else if (name == "selu") seq->push_back(torch::nn::SELU());
  else if (name == "gelu") seq->push_back(torch::nn::GELU());
  else if (name == "tanh") seq->push_back(torch::nn::Tanh());
  else if (name == "sigmoid") seq->push_back(torch::nn::Sigmoid());
  else if (name != "identity") throw Error("unknown activation '" + name + "'");
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

namespace {

// x (B, in), W (out, in), b (out) -> x·Wᵀ + b; backward: dx = g·W, dW = gᵀ·x, db = Σ_rows g.
class LinearFunction : public torch::autograd::Function<LinearFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& weight,
                               const torch::Tensor& bias) {
    ctx->save_for_backward({x, weight});
    return gemm(x, weight.t(), bias);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto& x = saved[0];
    const auto& weight = saved[1];
    const auto& g = grads[0];
    torch::Tensor dx, dw, db;
    if (ctx->needs_input_grad(0)) dx = gemm(g, weight);
    if (ctx->needs_input_grad(1)) dw = gemm(g.t(), x);
    if (ctx->needs_input_grad(2)) {
      SerialScope serial(g);
      db = g.sum(0);
    }
    return {dx, dw, db};
  }
};

// relu with LibTorch's own forward and backward (threshold_backward on the result, as autograd's
// formula), each run on the calling thread when the tensor is under kSerialOpElements.
class ReluFunction : public torch::autograd::Function<ReluFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x) {
    SerialScope serial(x);
    auto y = torch::relu(x);
    ctx->save_for_backward({y});
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::variable_list grads) {
    const auto y = ctx->get_saved_variables()[0];
    SerialScope serial(y);
    return {torch::threshold_backward(grads[0], y, 0)};
  }
};

bool kernel_takes(const torch::Tensor& x, const torch::nn::LinearImpl& layer) {
  return gemm_kernel_enabled() && x.dim() == 2 && x.size(0) >= kGemmMinRows && gemm_reads(x) && gemm_reads(layer.weight) &&
         (!layer.bias.defined() || gemm_reads(layer.bias));
}

}  // namespace

torch::Tensor linear(const torch::Tensor& x, torch::nn::LinearImpl& layer) {
  if (!kernel_takes(x, layer)) return layer.forward(x);
  const bool needs_grad = torch::GradMode::is_enabled() &&
                          (x.requires_grad() || layer.weight.requires_grad() || (layer.bias.defined() && layer.bias.requires_grad()));
  // A bias-free layer passes zeros (no gradient asked): autograd's apply() takes defined tensors only.
  if (needs_grad)
    return LinearFunction::apply(x, layer.weight, layer.bias.defined() ? layer.bias : torch::zeros({layer.weight.size(0)}, x.options()));
  return gemm(x, layer.weight.t(), layer.bias);
}

torch::Tensor relu_activation(const torch::Tensor& x) {
  if (torch::GradMode::is_enabled() && x.requires_grad()) return ReluFunction::apply(x);
  SerialScope serial(x);
  return torch::relu(x);
}

torch::Tensor dropout(const torch::Tensor& x, double p, bool train) {
  if (!train || p <= 0.0 || p >= 1.0 || !is_dense_cpu_float(x)) return torch::dropout(x, p, train);
  // at::native::dropout on the CPU: noise = bernoulli(1 − p) / (1 − p), then x * noise.
  auto noise = torch::empty(x.sizes(), x.options());
  bernoulli_mask(noise, 1.0 - p);
  noise.div_(1.0 - p);
  return x * noise;
}

torch::Tensor forward_sequential(torch::nn::Sequential& seq, torch::Tensor x) {
  for (auto& module : *seq) {
    if (auto* lin = module.ptr()->as<torch::nn::LinearImpl>()) x = linear(x, *lin);
    else if (module.ptr()->as<torch::nn::ReLUImpl>()) x = relu_activation(x);
    else if (auto* pool = module.ptr()->as<torch::nn::MaxPool2dImpl>(); pool && is_max_pool2x2(*pool))
      x = max_pool2x2(x);
    else if (auto* up = module.ptr()->as<torch::nn::UpsampleImpl>(); up && x.dim() == 4 && is_upsample_nearest2x(*up))
      x = upsample_nearest2x(x);
    else if (auto* drop = module.ptr()->as<torch::nn::DropoutImpl>(); drop && !drop->options.inplace())
      x = latent::dropout(x, drop->options.p(), drop->is_training());
    else x = module.forward(x);
  }
  return x;
}

}  // namespace latent
