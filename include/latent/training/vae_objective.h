// The VAE objective: negative ELBO = reconstruction NLL + beta * KL(q(z|x) || N(0, I)), per
// example in nats, with an optional linear KL warm-up. beta != 1 gives the beta-VAE.
#pragma once

#include <torch/types.h>

#include <string>
#include <vector>

#include "latent/models/vae.h"
#include "latent/core/keys.h"

namespace latent {

// KL(N(mu, exp(logvar)) || N(0, I)) per example: -0.5 * sum(1 + logvar - mu^2 - exp(logvar)).
// mu, logvar: (B, latent) -> (B,)
torch::Tensor kl_divergence(const torch::Tensor& mu, const torch::Tensor& logvar);

// Reconstruction negative log-likelihood per example, summed over all elements:
// "bce": Bernoulli NLL from the logits (targets in [0, 1]); "mse": squared error sum
// (a unit-variance Gaussian NLL without its constant). logits/target: (B, ...) -> (B,)
torch::Tensor reconstruction_nll(const std::string& loss, const torch::Tensor& logits, const torch::Tensor& recon,
                                 const torch::Tensor& target);

struct VaeTerms {
  torch::Tensor loss;   // mean over the batch of recon + beta * kl (with autograd graph)
  torch::Tensor recon;  // (B,) reconstruction NLL per example
  torch::Tensor kl;     // (B,) KL per example
};

struct VaeObjective {
  std::string loss = "bce";  // bce | mse
  double beta = 1.0;
  int64_t kl_warmup_epochs = 0;  // 0: full beta from the first step

  // The keys it reads: training.loss, training.beta, training.kl_warmup_epochs.
  static const std::vector<KeyDef>& keys();
  static VaeObjective from_values(const KeyValues& values);

  // beta after `steps_done` optimizer steps with `steps_per_epoch` steps an epoch: rises
  // linearly from beta/(warmup steps) at the first step to beta after kl_warmup_epochs epochs.
  double beta_at(int64_t steps_done, int64_t steps_per_epoch) const;

  VaeTerms operator()(const VaeOutput& out, const torch::Tensor& target, double beta_now) const;
};

}  // namespace latent
