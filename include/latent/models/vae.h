// Variational autoencoders (dense and convolutional) with the reparameterization trick.
// A VAE is also an AutoencoderBase (forward() decodes the posterior mean), so every study
// that takes an autoencoder can take a VAE; forward_vae() gives the sampled VaeOutput.
#pragma once

#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <memory>
#include <string>
#include <vector>

#include "latent/models/autoencoder.h"

namespace latent {

// What a VAE returns for one batch: the reconstruction from a sampled z (and its
// pre-activation logits), the posterior mean and log-variance, and the sampled z.
struct VaeOutput {
  torch::Tensor recon;   // (B, *input_shape)
  torch::Tensor logits;  // (B, *input_shape), before the output activation
  torch::Tensor mu;      // (B, latent)
  torch::Tensor logvar;  // (B, latent)
  torch::Tensor z;       // (B, latent)
};

struct VaePosterior {
  torch::Tensor mu;
  torch::Tensor logvar;
};

// z = mu + exp(logvar / 2) * eps, eps ~ N(0, I) from the default generator (differentiable in mu and logvar).
torch::Tensor reparameterize(const torch::Tensor& mu, const torch::Tensor& logvar);

class VaeBase : public AutoencoderBase {
 public:
  virtual VaePosterior posterior(const torch::Tensor& x) = 0;
  virtual torch::Tensor decode_logits(const torch::Tensor& z) = 0;
  virtual int64_t latent_dim() const = 0;

  // Samples z from the posterior and decodes it.
  VaeOutput forward_vae(const torch::Tensor& x);
  // AutoencoderBase: the code is the posterior mean and the reconstruction decodes it (deterministic).
  AeOutput forward(const torch::Tensor& x) override;
  torch::Tensor encode(const torch::Tensor& x) override { return posterior(x).mu; }
  torch::Tensor decode(const torch::Tensor& z) override;
};

struct VaeOptions {
  std::vector<int64_t> input_shape = {1, 28, 28};
  std::vector<int64_t> hidden = {512};  // dense: hidden widths; conv: channels of the stride-2 convolutions
  int64_t latent = 2;
  std::string activation = "relu";
  std::string output = "sigmoid";

  static VaeOptions from_spec(const ModelSpec& spec, const std::vector<int64_t>& input_shape);
};

// Dense VAE: input -> hidden... -> (mu, logvar) heads; z -> mirrored hidden... -> input.
class DenseVaeImpl : public VaeBase {
 public:
  explicit DenseVaeImpl(VaeOptions options = {});
  VaePosterior posterior(const torch::Tensor& x) override;
  torch::Tensor decode_logits(const torch::Tensor& z) override;
  int64_t latent_dim() const override { return options_.latent; }
  const std::string& output_activation() const override { return options_.output; }

  torch::nn::Sequential encoder{nullptr};
  torch::nn::Linear mu_head{nullptr};
  torch::nn::Linear logvar_head{nullptr};
  torch::nn::Sequential decoder{nullptr};

 private:
  VaeOptions options_;
  int64_t input_dim_ = 0;
};
TORCH_MODULE(DenseVae);

// Convolutional VAE for (C, H, W) images with H and W divisible by 2^layers: stride-2 Conv2d
// (kernel 4, padding 1) per entry of `hidden`, Linear heads; decoder Linear then transposed convolutions.
// Plain torch::nn layers, run through kernels/substitute.h.
class ConvVaeImpl : public VaeBase {
 public:
  explicit ConvVaeImpl(VaeOptions options = {});
  VaePosterior posterior(const torch::Tensor& x) override;
  torch::Tensor decode_logits(const torch::Tensor& z) override;
  int64_t latent_dim() const override { return options_.latent; }
  const std::string& output_activation() const override { return options_.output; }

  torch::nn::Sequential encoder{nullptr};
  torch::nn::Linear mu_head{nullptr};
  torch::nn::Linear logvar_head{nullptr};
  torch::nn::Linear decoder_input{nullptr};
  torch::nn::Sequential decoder{nullptr};

 private:
  VaeOptions options_;
  std::vector<int64_t> bottom_shape_;  // (C_last, H / 2^L, W / 2^L)
};
TORCH_MODULE(ConvVae);

// Builds the family named by spec.type and checks that it is a VAE (dense_vae or conv_vae).
std::shared_ptr<VaeBase> make_vae(const ModelSpec& spec, const std::vector<int64_t>& input_shape);

}  // namespace latent
