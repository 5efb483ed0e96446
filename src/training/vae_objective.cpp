// The VAE objective (negative ELBO with beta and KL warm-up).
#include "latent/training/vae_objective.h"

#include <algorithm>

#include "latent/core/error.h"
#include "latent/kernels/substitute.h"

namespace latent {

torch::Tensor kl_divergence(const torch::Tensor& mu, const torch::Tensor& logvar) {
  return -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1);
}

torch::Tensor reconstruction_nll(const std::string& loss, const torch::Tensor& logits, const torch::Tensor& recon,
                                 const torch::Tensor& target) {
  if (loss == "bce") return bce_with_logits_per_example(logits, target);
  check(loss == "mse", "training.loss: '" + loss + "' is not a VAE reconstruction loss (bce or mse)");
  return (recon - target).pow(2).reshape({recon.size(0), -1}).sum(1);
}

const std::vector<KeyDef>& VaeObjective::keys() {
  static const std::vector<KeyDef> kKeys = {
      string_key("training.loss", "bce", "VAE reconstruction term: bce (Bernoulli NLL) or mse (squared error sum)",
                 {"bce", "mse"}),
      float_key("training.beta", 1.0, "VAE: weight of the KL term (beta-VAE when not 1)", 0.0, 1000.0),
      integer_key("training.kl_warmup_epochs", 0,
                  "VAE: epochs over which the KL weight rises linearly to training.beta (0: off)", 0, 1e6),
  };
  return kKeys;
}

VaeObjective VaeObjective::from_values(const KeyValues& values) {
  VaeObjective o;
  o.loss = values.get<std::string>("training.loss");
  o.beta = values.get<double>("training.beta");
  o.kl_warmup_epochs = values.get<int64_t>("training.kl_warmup_epochs");
  return o;
}

double VaeObjective::beta_at(int64_t steps_done, int64_t steps_per_epoch) const {
  if (kl_warmup_epochs <= 0) return beta;
  const double warmup_steps = static_cast<double>(kl_warmup_epochs * std::max<int64_t>(1, steps_per_epoch));
  return beta * std::min(1.0, static_cast<double>(steps_done + 1) / warmup_steps);
}

VaeTerms VaeObjective::operator()(const VaeOutput& out, const torch::Tensor& target, double beta_now) const {
  VaeTerms t;
  t.recon = reconstruction_nll(loss, out.logits, out.recon, target);
  t.kl = kl_divergence(out.mu, out.logvar);
  t.loss = (t.recon + beta_now * t.kl).mean();
  return t;
}

}  // namespace latent
