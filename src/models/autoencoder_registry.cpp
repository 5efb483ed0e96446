// The autoencoder registry: model.type -> factory. Families register themselves here.
#include <map>

#include "latent/core/error.h"
#include "latent/models/autoencoder.h"
#include "latent/models/conv_autoencoder.h"
#include "latent/models/dense_autoencoder.h"
#include "latent/models/init.h"
#include "latent/models/vae.h"

namespace latent {

namespace {

std::map<std::string, AutoencoderFactory>& registry() {
  static std::map<std::string, AutoencoderFactory> kRegistry = [] {
    std::map<std::string, AutoencoderFactory> r;
    r["dense_ae"] = [](const ModelSpec& spec, const std::vector<int64_t>& shape) -> std::shared_ptr<AutoencoderBase> {
      return std::make_shared<DenseAutoencoderImpl>(DenseAutoencoderOptions::from_spec(spec, shape));
    };
    r["dense_vae"] = [](const ModelSpec& spec, const std::vector<int64_t>& shape) -> std::shared_ptr<AutoencoderBase> {
      return std::make_shared<DenseVaeImpl>(VaeOptions::from_spec(spec, shape));
    };
    r["conv_vae"] = [](const ModelSpec& spec, const std::vector<int64_t>& shape) -> std::shared_ptr<AutoencoderBase> {
      return std::make_shared<ConvVaeImpl>(VaeOptions::from_spec(spec, shape));
    };
    r["conv_ae"] = [](const ModelSpec& spec, const std::vector<int64_t>& shape) -> std::shared_ptr<AutoencoderBase> {
      return std::make_shared<ConvAutoencoderImpl>(ConvAutoencoderOptions::from_spec(spec, shape));
    };
    return r;
  }();
  return kRegistry;
}

}  // namespace

void register_autoencoder(const std::string& type, AutoencoderFactory factory) { registry()[type] = std::move(factory); }

std::shared_ptr<AutoencoderBase> make_autoencoder(const ModelSpec& spec, const std::vector<int64_t>& input_shape) {
  auto it = registry().find(spec.type);
  if (it == registry().end()) {
    std::string names;
    for (const auto& [name, _] : registry()) names += (names.empty() ? "" : ", ") + name;
    throw Error("model.type: unknown autoencoder '" + spec.type + "' (known: " + names + ")");
  }
  auto model = it->second(spec, input_shape);
  apply_init(*model, spec.init);
  return model;
}

std::vector<std::string> autoencoder_types() {
  std::vector<std::string> names;
  for (const auto& [name, _] : registry()) names.push_back(name);
  return names;
}

}  // namespace latent
