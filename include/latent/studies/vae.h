// Trained VAEs outside a study run: loading one from its checkpoint and drawing samples
// from the prior (what `latent sample` does).
#pragma once

#include <filesystem>
#include <memory>

#include "latent/models/vae.h"
#include "latent/studies/spec.h"
#include "latent/training/checkpoint.h"

namespace latent {

struct LoadedVae {
  CheckpointMeta meta;
  Spec spec;
  std::shared_ptr<VaeBase> model;  // on the CPU, in eval mode
};

// Throws Error naming the file when it is not a VAE checkpoint.
LoadedVae load_vae(const std::filesystem::path& path);

// Decodes n draws z ~ N(0, I) (generator seeded with `seed`): (n, *input_shape) in [0, 1].
torch::Tensor sample_prior(VaeBase& model, int64_t n, uint64_t seed);

// Loads the VAE at `model_path`, samples n images and writes them as a grid of
// ceil(sqrt(n)) columns to `out_png`. Returns the samples.
torch::Tensor write_vae_samples(const std::filesystem::path& model_path, int64_t n, uint64_t seed,
                                const std::filesystem::path& out_png, int64_t scale = 2);

}  // namespace latent
