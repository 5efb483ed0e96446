// The interface every autoencoder family implements, and the registry of families: each declares
// its model.type name and the model.* keys it reads, and builds itself from a ModelSpec.
#pragma once

#include <torch/nn/module.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "latent/core/keys.h"
#include "latent/models/model_spec.h"

namespace latent {

// What an autoencoder returns: the code, the decoder's pre-activation output and the
// reconstruction (the output activation applied to `logits`), both shaped like the input.
struct AeOutput {
  torch::Tensor code;
  torch::Tensor logits;
  torch::Tensor recon;
};

class AutoencoderBase : public torch::nn::Module {
 public:
  virtual AeOutput forward(const torch::Tensor& x) = 0;
  virtual torch::Tensor encode(const torch::Tensor& x) = 0;
  // Returns the reconstruction (output activation applied).
  virtual torch::Tensor decode(const torch::Tensor& code) = 0;
  // The output activation, "sigmoid" or "identity": losses use it to work on logits.
  virtual const std::string& output_activation() const = 0;
};

using AutoencoderFactory =
    std::function<std::shared_ptr<AutoencoderBase>(const ModelSpec&, const std::vector<int64_t>& input_shape)>;

struct AutoencoderFamily {
  std::string type;          // model.type
  std::string doc;           // one line for `latent spec`
  std::vector<KeyDef> keys;  // the model.* keys it reads besides model.type
  bool variational = false;  // a VaeBase (trained on the ELBO by the vae study kind)
  AutoencoderFactory factory;
};

// Every family, by model.type.
const std::vector<AutoencoderFamily>& autoencoder_families();

// Builds the family named by spec.type for inputs of `input_shape` (without the batch dim).
// Throws Error naming model.type when no family has that name.
std::shared_ptr<AutoencoderBase> make_autoencoder(const ModelSpec& spec, const std::vector<int64_t>& input_shape);

std::vector<std::string> autoencoder_types();

}  // namespace latent
