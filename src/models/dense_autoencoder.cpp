// Dense autoencoder: Linear layers with a chosen activation, mirrored decoder by default.
#include "latent/models/dense_autoencoder.h"

#include <numeric>

#include "latent/core/error.h"
#include "latent/kernels/substitute.h"
#include "latent/models/layers.h"

namespace latent {

DenseAutoencoderOptions DenseAutoencoderOptions::from_spec(const ModelSpec& spec,
                                                           const std::vector<int64_t>& input_shape) {
  DenseAutoencoderOptions o;
  o.input_shape = input_shape;
  o.hidden = spec.hidden;
  o.decoder_hidden = spec.decoder_hidden;
  o.latent = spec.latent;
  o.activation = spec.activation;
  o.code_activation = spec.code_activation;
  o.output = spec.output;
  return o;
}

DenseAutoencoderImpl::DenseAutoencoderImpl(DenseAutoencoderOptions options) : options_(std::move(options)) {
  check(!options_.input_shape.empty(), "dense_ae: empty input shape");
  input_dim_ =
      std::accumulate(options_.input_shape.begin(), options_.input_shape.end(), int64_t{1}, std::multiplies<>());
  check(options_.latent > 0, "model.latent: must be positive");
  check(options_.output == "sigmoid" || options_.output == "identity",
        "model.output: '" + options_.output + "' (sigmoid or identity)");

  torch::nn::Sequential enc;
  int64_t width = input_dim_;
  for (int64_t h : options_.hidden) {
    check(h > 0, "model.hidden: widths must be positive");
    enc->push_back(torch::nn::Linear(width, h));
    append_activation(enc, options_.activation);
    width = h;
  }
  enc->push_back(torch::nn::Linear(width, options_.latent));
  append_activation(enc, options_.code_activation);

  std::vector<int64_t> dec_hidden = options_.decoder_hidden;
  if (dec_hidden.empty()) dec_hidden.assign(options_.hidden.rbegin(), options_.hidden.rend());
  torch::nn::Sequential dec;
  width = options_.latent;
  for (int64_t h : dec_hidden) {
    check(h > 0, "model.decoder_hidden: widths must be positive");
    dec->push_back(torch::nn::Linear(width, h));
    append_activation(dec, options_.activation);
    width = h;
  }
  dec->push_back(torch::nn::Linear(width, input_dim_));

  encoder = register_module("encoder", enc);
  decoder = register_module("decoder", dec);
}

// x: (B, C, H, W) or (B, D) -> (B, latent)
torch::Tensor DenseAutoencoderImpl::encode(const torch::Tensor& x) {
  return forward_sequential(encoder, x.reshape({x.size(0), input_dim_}));
}

// code: (B, latent) -> (B, *input_shape), before the output activation
torch::Tensor DenseAutoencoderImpl::decode_logits(const torch::Tensor& code) {
  std::vector<int64_t> shape = {code.size(0)};
  shape.insert(shape.end(), options_.input_shape.begin(), options_.input_shape.end());
  return forward_sequential(decoder, code).reshape(shape);
}

// code: (B, latent) -> (B, *input_shape)
torch::Tensor DenseAutoencoderImpl::decode(const torch::Tensor& code) {
  return apply_activation(decode_logits(code), options_.output);
}

// x: (B, *input_shape) -> {code (B, latent), logits and recon (B, *input_shape)}
AeOutput DenseAutoencoderImpl::forward(const torch::Tensor& x) {
  AeOutput out;
  out.code = encode(x);
  out.logits = decode_logits(out.code);
  out.recon = apply_activation(out.logits, options_.output);
  return out;
}

}  // namespace latent
