// Image augmentation for training inputs: random left-right flips and small random rotations,
// drawn per image from a caller-owned generator so a seeded run repeats.
#pragma once

#include <torch/types.h>

#include <vector>

#include "latent/core/keys.h"

namespace latent {

struct AugmentOptions {
  bool flip = false;            // flip each image left-right with probability 1/2
  double rotate_degrees = 0.0;  // rotate each image by a uniform angle in [-x, x] degrees
  bool enabled() const { return flip || rotate_degrees > 0.0; }
  // The keys it reads: training.augment_flip, training.augment_rotate.
  static const std::vector<KeyDef>& keys();
  static AugmentOptions from_values(const KeyValues& values);
};

// x: (B, C, H, W) -> (B, C, H, W), rotated counter-clockwise by degrees[i] about the image
// centre (bilinear, zeros outside the image). degrees: (B,) on any device.
torch::Tensor rotate_images(const torch::Tensor& x, const torch::Tensor& degrees);

// x: (B, C, H, W) -> (B, C, H, W), image i mirrored left-right where flip[i] is true.
torch::Tensor flip_images(const torch::Tensor& x, const torch::Tensor& flip);

// x: (B, C, H, W) -> (B, C, H, W): flips then rotations as `options` asks, the random choices
// drawn from `gen` (CPU). Returns x itself when augmentation is off.
torch::Tensor augment_images(const torch::Tensor& x, const AugmentOptions& options, at::Generator& gen);

}  // namespace latent
