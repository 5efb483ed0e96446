// The [model] section of a spec as the autoencoder families read it. Each family declares which of
// these keys it reads (models/autoencoder.h); the others keep their defaults here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "latent/core/keys.h"

namespace latent {

struct ModelSpec {
  std::string type = "dense_ae";             // a name from the model registry
  std::vector<int64_t> hidden = {};          // encoder hidden widths, input side first
  std::vector<int64_t> decoder_hidden = {};  // decoder hidden widths, code side first; empty: mirror `hidden`
  int64_t latent = 32;                       // code size
  std::string activation = "relu";           // hidden-layer activation
  std::string code_activation = "relu";      // activation on the code
  std::string output = "sigmoid";            // output activation: sigmoid for [0,1] data, identity otherwise
  std::string init = "default";              // weight initialisation: default (each layer's own) or kaiming
  std::vector<int64_t> channels = {32, 64};  // conv_ae: encoder block widths, one 2x pooling each
  int64_t kernel = 3;                        // conv_ae: odd kernel size
  double dropout = 0.0;                      // conv_ae: dropout after hidden activations

  // The model.* keys present in `values` (model.type and those of its family); the rest stay default.
  static ModelSpec from_values(const KeyValues& values);
};

}  // namespace latent
