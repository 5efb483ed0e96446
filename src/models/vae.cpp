// Variational autoencoders: dense and convolutional, sharing the reparameterization trick.
#include "latent/models/vae.h"

#include <numeric>

#include "latent/core/error.h"
#include "latent/kernels/substitute.h"
#include "latent/models/layers.h"

namespace latent {

torch::Tensor reparameterize(const torch::Tensor& mu, const torch::Tensor& logvar) {
  return mu + torch::exp(0.5 * logvar) * latent::randn_like(mu);
}

// x: (B, *input_shape) -> {recon, logits (B, *input_shape), mu, logvar, z (B, latent)}
VaeOutput VaeBase::forward_vae(const torch::Tensor& x) {
  VaeOutput out;
  auto q = posterior(x);
  out.mu = q.mu;
  out.logvar = q.logvar;
  out.z = reparameterize(q.mu, q.logvar);
  out.logits = decode_logits(out.z);
  out.recon = apply_activation(out.logits, output_activation());
  return out;
}

// x: (B, *input_shape) -> {code = mu (B, latent), logits and recon of mu (B, *input_shape)}
AeOutput VaeBase::forward(const torch::Tensor& x) {
  AeOutput out;
  out.code = posterior(x).mu;
  out.logits = decode_logits(out.code);
  out.recon = apply_activation(out.logits, output_activation());
  return out;
}

// z: (B, latent) -> (B, *input_shape)
torch::Tensor VaeBase::decode(const torch::Tensor& z) {
  return apply_activation(decode_logits(z), output_activation());
}

VaeOptions VaeOptions::from_spec(const ModelSpec& spec, const std::vector<int64_t>& input_shape) {
  VaeOptions o;
  o.input_shape = input_shape;
  o.hidden = spec.hidden;
  o.latent = spec.latent;
  o.activation = spec.activation;
  o.output = spec.output;
  return o;
}

namespace {

void check_common(const VaeOptions& o, const std::string& family) {
  check(!o.input_shape.empty(), family + ": empty input shape");
  check(o.latent > 0, "model.latent: must be positive");
  check(o.output == "sigmoid" || o.output == "identity", "model.output: '" + o.output + "' (sigmoid or identity)");
  for (int64_t h : o.hidden) check(h > 0, "model.hidden: widths must be positive");
}

std::vector<int64_t> batch_shape(int64_t b, const std::vector<int64_t>& shape) {
  std::vector<int64_t> out = {b};
  out.insert(out.end(), shape.begin(), shape.end());
  return out;
}

}  // namespace

DenseVaeImpl::DenseVaeImpl(VaeOptions options) : options_(std::move(options)) {
  check_common(options_, "dense_vae");
  input_dim_ =
      std::accumulate(options_.input_shape.begin(), options_.input_shape.end(), int64_t{1}, std::multiplies<>());
  torch::nn::Sequential enc;
  int64_t width = input_dim_;
  for (int64_t h : options_.hidden) {
    enc->push_back(torch::nn::Linear(width, h));
    append_activation(enc, options_.activation);
    width = h;
  }
  if (options_.hidden.empty()) enc->push_back(torch::nn::Identity());
  encoder = register_module("encoder", enc);
  mu_head = register_module("mu_head", torch::nn::Linear(width, options_.latent));
  logvar_head = register_module("logvar_head", torch::nn::Linear(width, options_.latent));

  torch::nn::Sequential dec;
  width = options_.latent;
  for (auto it = options_.hidden.rbegin(); it != options_.hidden.rend(); ++it) {
    dec->push_back(torch::nn::Linear(width, *it));
    append_activation(dec, options_.activation);
    width = *it;
  }
  dec->push_back(torch::nn::Linear(width, input_dim_));
  decoder = register_module("decoder", dec);
}

// x: (B, *input_shape) -> mu, logvar (B, latent)
VaePosterior DenseVaeImpl::posterior(const torch::Tensor& x) {
  auto h = forward_sequential(encoder, x.reshape({x.size(0), input_dim_}));
  return {linear(h, *mu_head), linear(h, *logvar_head)};
}

// z: (B, latent) -> (B, *input_shape)
torch::Tensor DenseVaeImpl::decode_logits(const torch::Tensor& z) {
  return forward_sequential(decoder, z).reshape(batch_shape(z.size(0), options_.input_shape));
}

ConvVaeImpl::ConvVaeImpl(VaeOptions options) : options_(std::move(options)) {
  if (options_.hidden.empty()) options_.hidden = {32, 64};
  check_common(options_, "conv_vae");
  check(options_.input_shape.size() == 3, "conv_vae: needs (C, H, W) images");
  const int64_t c = options_.input_shape[0];
  int64_t h = options_.input_shape[1], w = options_.input_shape[2];
  const int64_t factor = int64_t{1} << options_.hidden.size();
  check(h % factor == 0 && w % factor == 0, "conv_vae: image size " + std::to_string(h) + "x" + std::to_string(w) +
                                                " is not divisible by " + std::to_string(factor) +
                                                " (one halving per entry of model.hidden)");
  torch::nn::Sequential enc;
  int64_t channels = c;
  for (int64_t ch : options_.hidden) {
    enc->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, ch, 4).stride(2).padding(1)));
    append_activation(enc, options_.activation);
    channels = ch;
  }
  h /= factor;
  w /= factor;
  bottom_shape_ = {channels, h, w};
  const int64_t flat = channels * h * w;
  encoder = register_module("encoder", enc);
  mu_head = register_module("mu_head", torch::nn::Linear(flat, options_.latent));
  logvar_head = register_module("logvar_head", torch::nn::Linear(flat, options_.latent));
  decoder_input = register_module("decoder_input", torch::nn::Linear(options_.latent, flat));
  torch::nn::Sequential dec;
  for (size_t i = options_.hidden.size(); i-- > 0;) {
    const int64_t out_ch = i == 0 ? c : options_.hidden[i - 1];
    dec->push_back(torch::nn::ConvTranspose2d(
        torch::nn::ConvTranspose2dOptions(options_.hidden[i], out_ch, 4).stride(2).padding(1)));
    if (i != 0) append_activation(dec, options_.activation);
  }
  decoder = register_module("decoder", dec);
}

// x: (B, C, H, W) -> mu, logvar (B, latent)
VaePosterior ConvVaeImpl::posterior(const torch::Tensor& x) {
  auto h = forward_sequential(encoder, x).flatten(1);
  return {linear(h, *mu_head), linear(h, *logvar_head)};
}

// z: (B, latent) -> (B, C, H, W)
torch::Tensor ConvVaeImpl::decode_logits(const torch::Tensor& z) {
  auto h =
      apply_activation(linear(z, *decoder_input), options_.activation).reshape(batch_shape(z.size(0), bottom_shape_));
  return forward_sequential(decoder, h);
}

std::shared_ptr<VaeBase> make_vae(const ModelSpec& spec, const std::vector<int64_t>& input_shape) {
  auto model = std::dynamic_pointer_cast<VaeBase>(make_autoencoder(spec, input_shape));
  if (!model) throw Error("model.type: '" + spec.type + "' is not a variational autoencoder (dense_vae or conv_vae)");
  return model;
}

}  // namespace latent
