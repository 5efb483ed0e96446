// Rebuilding a trained model from its checkpoint file alone (spec + weights), for the
// inference commands and for other C++ programs.
#pragma once

#include <filesystem>
#include <memory>

#include "latent/models/autoencoder.h"
#include "latent/studies/spec.h"
#include "latent/training/checkpoint.h"

namespace latent {

struct LoadedAutoencoder {
  CheckpointMeta meta;
  Spec spec;
  std::shared_ptr<AutoencoderBase> model;  // on the CPU, in eval mode
};

// Throws Error naming the file when it is not an autoencoder checkpoint of this format.
LoadedAutoencoder load_autoencoder(const std::filesystem::path& path);

}  // namespace latent
