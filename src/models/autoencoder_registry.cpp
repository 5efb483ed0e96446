// The autoencoder families: model.type -> the keys each reads and its factory.
#include "latent/core/error.h"
#include "latent/models/autoencoder.h"
#include "latent/models/conv_autoencoder.h"
#include "latent/models/dense_autoencoder.h"
#include "latent/models/init.h"
#include "latent/models/layers.h"
#include "latent/models/vae.h"

namespace latent {

namespace {

// Keys every autoencoder family reads.
std::vector<KeyDef> with_common(std::vector<KeyDef> keys) {
  keys.push_back(string_key("model.output", "sigmoid", "output activation: sigmoid ([0,1] data) or identity",
                            {"sigmoid", "identity"}));
  keys.push_back(string_key(
      "model.init", "default",
      "weight initialisation: default (each layer's own, as PyTorch's) or kaiming (He normal, fan_in, ReLU gain; "
      "zero biases)",
      init_names()));
  return keys;
}

KeyDef latent_key() { return integer_key("model.latent", 32, "code (latent) size", 1, 1e6); }
KeyDef activation_key() {
  return string_key("model.activation", "relu", "hidden-layer activation", activation_names());
}

}  // namespace

const std::vector<AutoencoderFamily>& autoencoder_families() {
  static const std::vector<AutoencoderFamily> kFamilies = {
      {"dense_ae", "dense autoencoder: Linear layers, mirrored decoder by default",
       with_common({widths_key("model.hidden", {}, "encoder hidden layer widths, input side first"),
                    widths_key("model.decoder_hidden", {},
                               "decoder hidden widths, code side first (empty: mirror of model.hidden)"),
                    latent_key(), activation_key(),
                    string_key("model.code_activation", "relu", "activation on the code", activation_names())}),
       false,
       [](const ModelSpec& spec, const std::vector<int64_t>& shape) -> std::shared_ptr<AutoencoderBase> {
         return std::make_shared<DenseAutoencoderImpl>(DenseAutoencoderOptions::from_spec(spec, shape));
       }},
      {"conv_ae", "convolutional autoencoder: Conv2d-ReLU-MaxPool blocks, transposed-convolution + upsampling decoder",
       with_common({widths_key("model.channels", {32, 64},
                               "encoder block widths (Conv2d-ReLU-MaxPool each; input sides must divide by 2^blocks)"),
                    integer_key("model.kernel", 3, "kernel size (odd; same padding)", 1, 31),
                    float_key("model.dropout", 0.0, "dropout after every hidden activation (0: off)", 0.0, 0.95)}),
       false,
       [](const ModelSpec& spec, const std::vector<int64_t>& shape) -> std::shared_ptr<AutoencoderBase> {
         return std::make_shared<ConvAutoencoderImpl>(ConvAutoencoderOptions::from_spec(spec, shape));
       }},
      {"dense_vae", "dense variational autoencoder: hidden layers, (mu, logvar) heads, mirrored decoder",
       with_common(
           {widths_key("model.hidden", {}, "encoder hidden layer widths, input side first (the decoder mirrors them)"),
            latent_key(), activation_key()}),
       true,
       [](const ModelSpec& spec, const std::vector<int64_t>& shape) -> std::shared_ptr<AutoencoderBase> {
         return std::make_shared<DenseVaeImpl>(VaeOptions::from_spec(spec, shape));
       }},
      {"conv_vae",
       "convolutional variational autoencoder: stride-2 convolutions, (mu, logvar) heads, transposed-convolution decoder",
       with_common(
           {widths_key("model.hidden", {}, "channels of the stride-2 convolutions, input side first (empty: 32, 64)"),
            latent_key(), activation_key()}),
       true,
       [](const ModelSpec& spec, const std::vector<int64_t>& shape) -> std::shared_ptr<AutoencoderBase> {
         return std::make_shared<ConvVaeImpl>(VaeOptions::from_spec(spec, shape));
       }},
  };
  return kFamilies;
}

std::shared_ptr<AutoencoderBase> make_autoencoder(const ModelSpec& spec, const std::vector<int64_t>& input_shape) {
  for (const auto& f : autoencoder_families())
    if (f.type == spec.type) {
      auto model = f.factory(spec, input_shape);
      apply_init(*model, spec.init);
      return model;
    }
  throw Error("model.type: unknown autoencoder '" + spec.type + "' (known: " + [] {
    std::string names;
    for (const auto& f : autoencoder_families()) names += (names.empty() ? "" : ", ") + f.type;
    return names;
  }() + ")");
}

std::vector<std::string> autoencoder_types() {
  std::vector<std::string> names;
  for (const auto& f : autoencoder_families()) names.push_back(f.type);
  return names;
}

}  // namespace latent
