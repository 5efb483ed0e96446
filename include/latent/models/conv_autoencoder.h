// Convolutional autoencoder: Conv2d -> ReLU -> MaxPool blocks down to a feature-map code, transposed
// convolutions -> ReLU -> Upsample blocks back up, a final Conv2d and the output activation. Plain
// torch::nn layers, run through kernels/substitute.h's forward_sequential.
#pragma once

#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/pimpl.h>

#include <string>
#include <vector>

#include "latent/models/autoencoder.h"

namespace latent {

struct ConvAutoencoderOptions {
  std::vector<int64_t> input_shape = {1, 28, 28};  // (C, H, W); C is 1 or 3
  std::vector<int64_t> channels = {32, 64};        // encoder block widths, input side first; one 2x pooling each
  int64_t kernel = 3;                              // odd kernel size, "same" padding
  double dropout = 0.0;                            // dropout after every hidden activation (0: none)
  std::string output = "sigmoid";

  static ConvAutoencoderOptions from_spec(const ModelSpec& spec, const std::vector<int64_t>& input_shape);
};

class ConvAutoencoderImpl : public AutoencoderBase {
 public:
  explicit ConvAutoencoderImpl(ConvAutoencoderOptions options = {});

  AeOutput forward(const torch::Tensor& x) override;
  torch::Tensor encode(const torch::Tensor& x) override;
  torch::Tensor decode(const torch::Tensor& code) override;
  torch::Tensor decode_logits(const torch::Tensor& code);
  const std::string& output_activation() const override { return options_.output; }
  const ConvAutoencoderOptions& options() const { return options_; }
  // Shape of one code: (channels.back(), H / 2^n, W / 2^n).
  std::vector<int64_t> code_shape() const;

  torch::nn::Sequential encoder{nullptr};
  torch::nn::Sequential decoder{nullptr};

 private:
  void check_input(const torch::Tensor& x) const;

  ConvAutoencoderOptions options_;
};

TORCH_MODULE(ConvAutoencoder);

}  // namespace latent
