// Reconstruction objectives: the loss (BCE, MSE or L1), denoising corruption and the sparse
// L1 penalty on the code. One implementation, combinable, used by every autoencoder family.
#pragma once

#include <torch/types.h>

#include <string>
#include <vector>

#include "latent/models/autoencoder.h"
#include "latent/core/keys.h"

namespace latent {

struct ReconstructionObjective {
  std::string loss = "bce";
  double noise_std = 0.0;
  double l1_code = 0.0;

  // The keys it reads: training.loss, training.noise_std (training.noise_variance sets it), training.l1_code.
  static const std::vector<KeyDef>& keys();
  static ReconstructionObjective from_values(const KeyValues& values);
  // training.noise_variance, when set, gives training.noise_std its square root; both set and not
  // agreeing is a UsageError naming `where`.
  static void resolve_noise(KeyValues& values, const std::string& where);

  // Adds fresh zero-mean Gaussian noise (std noise_std) and clips to [0, 1]; identity when noise_std is 0.
  torch::Tensor corrupt(const torch::Tensor& clean) const;

  // Mean reconstruction loss per element, plus l1_code * mean |code| summed over code units.
  // For BCE with a sigmoid output the loss is computed from the logits (numerically stable).
  torch::Tensor operator()(const AeOutput& out, const torch::Tensor& target,
                           const std::string& output_activation) const;
};

// Reconstruction loss only (no penalty), as a mean per element.
torch::Tensor reconstruction_loss(const std::string& loss, const AeOutput& out, const torch::Tensor& target,
                                  const std::string& output_activation);

}  // namespace latent
