// Dense (fully connected) autoencoder of any depth: input -> hidden... -> code -> hidden... -> input.
#pragma once

#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/pimpl.h>

#include <string>
#include <vector>

#include "latent/models/autoencoder.h"

namespace latent {

struct DenseAutoencoderOptions {
  std::vector<int64_t> input_shape = {1, 28, 28};
  std::vector<int64_t> hidden = {};
  std::vector<int64_t> decoder_hidden = {};  // empty: mirror of `hidden`
  int64_t latent = 32;
  std::string activation = "relu";
  std::string code_activation = "relu";
  std::string output = "sigmoid";

  static DenseAutoencoderOptions from_spec(const ModelSpec& spec, const std::vector<int64_t>& input_shape);
};

class DenseAutoencoderImpl : public AutoencoderBase {
 public:
  explicit DenseAutoencoderImpl(DenseAutoencoderOptions options = {});

  AeOutput forward(const torch::Tensor& x) override;
  torch::Tensor encode(const torch::Tensor& x) override;
  torch::Tensor decode(const torch::Tensor& code) override;
  torch::Tensor decode_logits(const torch::Tensor& code);
  const std::string& output_activation() const override { return options_.output; }
  const DenseAutoencoderOptions& options() const { return options_; }

  torch::nn::Sequential encoder{nullptr};
  torch::nn::Sequential decoder{nullptr};

 private:
  DenseAutoencoderOptions options_;
  int64_t input_dim_ = 0;
};

TORCH_MODULE(DenseAutoencoder);

}  // namespace latent
