// Reconstruction objectives.
#include "latent/training/objective.h"

#include <cmath>

#include "latent/core/error.h"
#include "latent/core/system.h"
#include "latent/kernels/substitute.h"

namespace latent {

const std::vector<KeyDef>& ReconstructionObjective::keys() {
  static const std::vector<KeyDef> kKeys = {
      string_key("training.loss", "bce", "reconstruction loss: bce, mse or l1", {"bce", "mse", "l1"}),
      float_key("training.noise_std", 0.0, "denoising: std of the Gaussian noise added to training inputs (0: off)",
                0.0, 10.0),
      float_key("training.noise_variance", 0.0,
                "denoising: the noise given as a variance (sets training.noise_std = sqrt of it; 0: off)", 0.0, 100.0),
      float_key("training.l1_code", 0.0, "sparse: weight of the L1 penalty on the code (0: off)", 0.0, 100.0),
  };
  return kKeys;
}

ReconstructionObjective ReconstructionObjective::from_values(const KeyValues& values) {
  ReconstructionObjective o;
  o.loss = values.get<std::string>("training.loss");
  o.noise_std = values.get<double>("training.noise_std");
  o.l1_code = values.get<double>("training.l1_code");
  return o;
}

void ReconstructionObjective::resolve_noise(KeyValues& values, const std::string& where) {
  const double variance = values.get<double>("training.noise_variance");
  if (variance <= 0.0) return;
  const double std_dev = std::sqrt(variance);
  const double given = values.get<double>("training.noise_std");
  if (given > 0.0 && std::abs(given - std_dev) > 1e-9 * std_dev)
    throw UsageError(where + ": training.noise_variance: " + value_text(variance) +
                     " contradicts training.noise_std = " + value_text(given) + " (set only one)");
  values.set("training.noise_std", std_dev);
}

torch::Tensor ReconstructionObjective::corrupt(const torch::Tensor& clean) const {
  if (noise_std <= 0.0) return clean;
  SerialScope serial(clean);  // three elementwise passes over a batch: on one thread (core/system.h)
  return (clean + noise_std * latent::randn_like(clean)).clamp_(0.0, 1.0);
}

torch::Tensor reconstruction_loss(const std::string& loss, const AeOutput& out, const torch::Tensor& target,
                                  const std::string& output_activation) {
  if (loss == "bce") {
    if (output_activation == "sigmoid") return bce_with_logits_mean(out.logits, target, out.recon);
    return torch::binary_cross_entropy(out.recon.clamp(1e-7, 1.0 - 1e-7), target);
  }
  if (loss == "mse") return torch::mse_loss(out.recon, target);
  if (loss == "l1") return torch::l1_loss(out.recon, target);
  throw Error("training.loss: unknown loss '" + loss + "' (bce, mse or l1)");
}

torch::Tensor ReconstructionObjective::operator()(const AeOutput& out, const torch::Tensor& target,
                                                  const std::string& output_activation) const {
  auto value = reconstruction_loss(loss, out, target, output_activation);
  if (l1_code > 0.0) value = value + l1_code * out.code.abs().sum(1).mean();
  return value;
}

}  // namespace latent
