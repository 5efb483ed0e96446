// Reconstruction objectives.
#include "latent/training/objective.h"

#include "latent/core/error.h"
#include "latent/core/system.h"
#include "latent/kernels/substitute.h"

namespace latent {

ReconstructionObjective ReconstructionObjective::from_spec(const TrainingSpec& spec) {
  ReconstructionObjective o;
  o.loss = spec.loss;
  o.noise_std = spec.noise_std;
  o.l1_code = spec.l1_code;
  return o;
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
