// Image augmentation for training inputs: random left-right flips, small random rotations and
// random shifts (torchvision's RandomCrop with zero padding), drawn per image from a caller-owned
// generator so a seeded run repeats.
#pragma once

#include <torch/types.h>

#include <vector>

#include "latent/core/keys.h"

namespace latent {

struct AugmentOptions {
  bool flip = false;            // flip each image left-right with probability 1/2
  double rotate_degrees = 0.0;  // rotate each image by a uniform angle in [-x, x] degrees
  int64_t shift = 0;            // move each image by a whole number of pixels in [-x, x] per axis
  double jitter = 0.0;          // brightness and contrast factors each uniform in [1 - x, 1 + x]
  bool enabled() const { return flip || rotate_degrees > 0.0 || shift > 0 || jitter > 0.0; }
  // The keys it reads: training.augment_flip, training.augment_rotate, training.augment_shift,
  // training.augment_jitter.
  static const std::vector<KeyDef>& keys();
  static AugmentOptions from_values(const KeyValues& values);
};

// x: (B, C, H, W) -> (B, C, H, W), rotated counter-clockwise by degrees[i] about the image
// centre (bilinear, zeros outside the image). degrees: (B,) on any device.
torch::Tensor rotate_images(const torch::Tensor& x, const torch::Tensor& degrees);

// x: (B, C, ..., W) -> the same shape, image (or volume) i mirrored along its last axis where
// flip[i] is true.
torch::Tensor flip_images(const torch::Tensor& x, const torch::Tensor& flip);

// x: (B, C, ...) -> (B, C, ...) for any number of spatial axes: image i moved by offsets[i][a]
// pixels along spatial axis a (positive: towards higher indices), zeros where nothing moved in
// (the same as padding by the largest offset and cropping, torchvision's RandomCrop(padding)).
// offsets: (B, spatial axes) integers.
torch::Tensor shift_images(const torch::Tensor& x, const torch::Tensor& offsets);

// x: (B, C, ...) -> the same shape, values in [0, 1]: image i's brightness scaled by brightness[i]
// (x b), then its contrast by contrast[i] (blended with its own mean: m + c (x - m), m over all its
// pixels and channels), clipped to [0, 1] after each, as torchvision's ColorJitter(brightness,
// contrast) in that order. brightness, contrast: (B,).
torch::Tensor jitter_images(const torch::Tensor& x, const torch::Tensor& brightness, const torch::Tensor& contrast);

// x: (B, C, H, W) or volumes (B, C, D, H, W) -> the same shape: flips, then rotations (images
// only), then shifts, then brightness and contrast as `options` asks, the random choices
// drawn from `gen` (CPU). Returns x itself when augmentation is off.
torch::Tensor augment_images(const torch::Tensor& x, const AugmentOptions& options, at::Generator& gen);

}  // namespace latent
