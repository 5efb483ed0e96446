// Weight initialisation by torch.nn.init's functions, chosen by name.
#include "latent/models/weight_init.h"

#include <algorithm>

#include "latent/core/error.h"

namespace latent {

namespace {

torch::nn::init::NonlinearityType he_nonlinearity(const std::string& activation) {
  if (activation == "relu" || activation == "gelu") return torch::kReLU;
  if (activation == "leaky_relu") return torch::kLeakyReLU;
  if (activation == "tanh") return torch::kTanh;
  if (activation == "sigmoid") return torch::kSigmoid;
  throw UsageError("model.init: He initialisation has no gain for activation '" + activation +
                   "' (relu, gelu, leaky_relu, tanh or sigmoid)");
}

}  // namespace

const std::vector<std::string>& weight_init_names() {
  static const std::vector<std::string> kNames = {"default",        "he",     "he_uniform", "xavier",
                                                  "xavier_uniform", "normal", "uniform"};
  return kNames;
}

void check_weight_init(const WeightInitOptions& o) {
  const auto& names = weight_init_names();
  if (std::find(names.begin(), names.end(), o.name) == names.end())
    throw UsageError("model.init: unknown initialisation '" + o.name +
                     "' (default, he, he_uniform, xavier, xavier_uniform, normal or uniform)");
  if (o.name == "he" || o.name == "he_uniform") he_nonlinearity(o.activation);
  if (o.name == "normal" && !(o.std > 0.0))
    throw UsageError("model.init_std: must be positive, got " + std::to_string(o.std));
  if (o.name == "uniform" && !(o.range > 0.0))
    throw UsageError("model.init_range: must be positive, got " + std::to_string(o.range));
  if ((o.name == "xavier" || o.name == "xavier_uniform") && !(o.gain > 0.0))
    throw UsageError("model.init_gain: must be positive, got " + std::to_string(o.gain));
}

void init_weights(torch::nn::Module& model, const WeightInitOptions& o) {
  check_weight_init(o);
  if (o.name == "default") return;
  torch::NoGradGuard no_grad;
  // The model itself, then its descendants: modules(include_self = true) without needing the
  // model to be held by a shared_ptr yet (a constructor calls this).
  std::vector<torch::nn::Module*> modules = {&model};
  for (const auto& m : model.modules(/*include_self=*/false)) modules.push_back(m.get());
  for (auto* module : modules) {
    auto params = module->named_parameters(/*recurse=*/false);
    auto* weight = params.find("weight");
    if (weight == nullptr || !weight->defined() || weight->dim() < 2) continue;
    if (o.name == "he")
      torch::nn::init::kaiming_normal_(*weight, o.negative_slope, torch::kFanIn, he_nonlinearity(o.activation));
    else if (o.name == "he_uniform")
      torch::nn::init::kaiming_uniform_(*weight, o.negative_slope, torch::kFanIn, he_nonlinearity(o.activation));
    else if (o.name == "xavier")
      torch::nn::init::xavier_normal_(*weight, o.gain);
    else if (o.name == "xavier_uniform")
      torch::nn::init::xavier_uniform_(*weight, o.gain);
    else if (o.name == "normal")
      torch::nn::init::normal_(*weight, 0.0, o.std);
    else
      torch::nn::init::uniform_(*weight, -o.range, o.range);
    if (auto* bias = params.find("bias"); bias != nullptr && bias->defined()) bias->zero_();
  }
}

}  // namespace latent
