// Convolutional autoencoder: pooling encoder, transposed-convolution + upsampling decoder.
#include "latent/models/conv_autoencoder.h"

#include "latent/core/error.h"
#include "latent/kernels/substitute.h"
#include "latent/models/layers.h"

namespace latent {

namespace {

std::string shape_tuple(const std::vector<int64_t>& s) {
  std::string out = "(";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + ")";
}

}  // namespace

ConvAutoencoderOptions ConvAutoencoderOptions::from_spec(const ModelSpec& spec,
                                                         const std::vector<int64_t>& input_shape) {
  ConvAutoencoderOptions o;
  o.input_shape = input_shape;
  o.channels = spec.channels;
  o.kernel = spec.kernel;
  o.dropout = spec.dropout;
  o.output = spec.output;
  return o;
}

ConvAutoencoderImpl::ConvAutoencoderImpl(ConvAutoencoderOptions options) : options_(std::move(options)) {
  const auto& s = options_.input_shape;
  check(s.size() == 3, "conv_ae: input shape " + shape_tuple(s) + " is not (C, H, W) images");
  check(s[0] == 1 || s[0] == 3, "conv_ae: input images have " + std::to_string(s[0]) + " channels (1 or 3 supported)");
  check(!options_.channels.empty(), "model.channels: conv_ae needs at least one block");
  for (int64_t c : options_.channels) check(c > 0, "model.channels: widths must be positive, got " + std::to_string(c));
  check(options_.kernel > 0 && options_.kernel % 2 == 1,
        "model.kernel: " + std::to_string(options_.kernel) + " must be odd and positive");
  check(options_.dropout >= 0.0 && options_.dropout < 1.0, "model.dropout: must be in [0, 1)");
  check(options_.output == "sigmoid" || options_.output == "identity",
        "model.output: '" + options_.output + "' (sigmoid or identity)");
  const int64_t factor = int64_t{1} << options_.channels.size();
  check(s[1] % factor == 0 && s[2] % factor == 0,
        "conv_ae: input size " + std::to_string(s[1]) + "x" + std::to_string(s[2]) + " is not divisible by " +
            std::to_string(factor) + " (2^" + std::to_string(options_.channels.size()) + " for " +
            std::to_string(options_.channels.size()) + " pooling blocks in model.channels)");

  const int64_t k = options_.kernel, pad = k / 2;
  torch::nn::Sequential enc;
  int64_t in = s[0];
  for (int64_t c : options_.channels) {
    enc->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(in, c, k).padding(pad)));
    enc->push_back(torch::nn::ReLU());
    if (options_.dropout > 0) enc->push_back(torch::nn::Dropout(options_.dropout));
    enc->push_back(torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(2)));
    in = c;
  }
  torch::nn::Sequential dec;
  const int64_t n = static_cast<int64_t>(options_.channels.size());
  for (int64_t i = n - 1; i >= 0; --i) {
    const int64_t out = i > 0 ? options_.channels[static_cast<size_t>(i - 1)] : options_.channels[0];
    dec->push_back(torch::nn::ConvTranspose2d(torch::nn::ConvTranspose2dOptions(in, out, k).padding(pad)));
    dec->push_back(torch::nn::ReLU());
    if (options_.dropout > 0) dec->push_back(torch::nn::Dropout(options_.dropout));
    dec->push_back(torch::nn::Upsample(
        torch::nn::UpsampleOptions().scale_factor(std::vector<double>{2.0, 2.0}).mode(torch::kNearest)));
    in = out;
  }
  dec->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(in, s[0], k).padding(pad)));

  encoder = register_module("encoder", enc);
  decoder = register_module("decoder", dec);
}

std::vector<int64_t> ConvAutoencoderImpl::code_shape() const {
  const int64_t factor = int64_t{1} << options_.channels.size();
  return {options_.channels.back(), options_.input_shape[1] / factor, options_.input_shape[2] / factor};
}

void ConvAutoencoderImpl::check_input(const torch::Tensor& x) const {
  const auto& s = options_.input_shape;
  if (x.dim() == 4 && x.size(1) == s[0] && x.size(2) == s[1] && x.size(3) == s[2]) return;
  throw Error("conv_ae: input of shape " + shape_tuple(x.sizes().vec()) + " does not fit the model, which takes (B, " +
              std::to_string(s[0]) + ", " + std::to_string(s[1]) + ", " + std::to_string(s[2]) + ")");
}

// x: (B, C, H, W) -> (B, channels.back(), H / 2^n, W / 2^n)
torch::Tensor ConvAutoencoderImpl::encode(const torch::Tensor& x) {
  check_input(x);
  return forward_sequential(encoder, x);
}

// code: (B, channels.back(), H / 2^n, W / 2^n) -> (B, C, H, W), before the output activation
torch::Tensor ConvAutoencoderImpl::decode_logits(const torch::Tensor& code) {
  return forward_sequential(decoder, code);
}

// code: (B, channels.back(), H / 2^n, W / 2^n) -> (B, C, H, W)
torch::Tensor ConvAutoencoderImpl::decode(const torch::Tensor& code) {
  return apply_activation(decode_logits(code), options_.output);
}

// x: (B, C, H, W) -> {code (B, channels.back(), H / 2^n, W / 2^n), logits and recon (B, C, H, W)}
AeOutput ConvAutoencoderImpl::forward(const torch::Tensor& x) {
  AeOutput out;
  out.code = encode(x);
  out.logits = decode_logits(out.code);
  out.recon = apply_activation(out.logits, options_.output);
  return out;
}

}  // namespace latent
