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

std::pair<torch::Tensor, torch::Tensor> register_conv_parameters(torch::nn::Module& layer, torch::IntArrayRef weight_shape,
                                                                 int64_t out_channels, bool with_bias) {
  auto weight = layer.register_parameter("weight", torch::empty(weight_shape));
  auto bias = with_bias ? layer.register_parameter("bias", torch::empty({out_channels}))
                        : layer.register_parameter("bias", torch::Tensor(), false);
  torch::NoGradGuard no_grad;
  torch::nn::init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    const auto fans = torch::nn::init::_calculate_fan_in_and_fan_out(weight);
    const double bound = 1.0 / std::sqrt(static_cast<double>(std::get<0>(fans)));
    torch::nn::init::uniform_(bias, -bound, bound);
  }
  return {weight, bias};
}

}  // namespace latent
