// Weight initialisation by name (model.init), applied to a model after it is built.
#pragma once

#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

namespace latent {

// Names accepted by model.init: "default" keeps each layer's own initialisation (LibTorch's, as
// PyTorch's: Kaiming-uniform with a = sqrt(5)); "kaiming" draws every weight of rank >= 2 from
// He's normal (fan_in, ReLU gain: std = sqrt(2 / fan_in)) and sets every bias to zero.
const std::vector<std::string>& init_names();

// Re-initialises `model`'s parameters as `name` says, module by module in registration order
// (the order of PyTorch's model.modules()), so a seeded run draws the same weights as PyTorch's
// nn.init.kaiming_normal_(weight, nonlinearity="relu") over the same modules. Throws Error for
// an unknown name.
void apply_init(torch::nn::Module& model, const std::string& name);

// Registers a convolution layer's `weight` (weight_shape) and `bias` (out_channels; an undefined
// "bias" entry when !with_bias, as LibTorch's ConvNd) on `layer` and initialises them as LibTorch's
// ConvNd does (kaiming_uniform_ with a = √5, bias from ±1/√fan_in; the same draws in the same order),
// for latent's own convolution layers (SplitConv2d, AdjointConvTranspose2d): a seeded model starts
// from the weights LibTorch's layer would have. Returns {weight, bias}.
std::pair<torch::Tensor, torch::Tensor> register_conv_parameters(torch::nn::Module& layer, torch::IntArrayRef weight_shape,
                                                                 int64_t out_channels, bool with_bias);

}  // namespace latent
