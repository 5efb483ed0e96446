// Weight initialisation by name: the registry's last step after building a model.
#include "latent/models/init.h"

#include <cmath>

#include "latent/core/error.h"

namespace latent {

const std::vector<std::string>& init_names() {
  static const std::vector<std::string> kNames = {"default", "kaiming"};
  return kNames;
}

void apply_init(torch::nn::Module& model, const std::string& name) {
  if (name == "default") return;
  if (name != "kaiming") throw Error("model.init: unknown initialisation '" + name + "' (default or kaiming)");
  torch::NoGradGuard no_grad;
  for (const auto& module : model.modules(/*include_self=*/true)) {
    for (auto& param : module->named_parameters(/*recurse=*/false)) {
      if (param.key() == "weight" && param.value().dim() >= 2)
        torch::nn::init::kaiming_normal_(param.value(), 0.0, torch::kFanIn, torch::kReLU);
      else if (param.key() == "bias")
        param.value().zero_();
    }
  }
}

}  // namespace latent
