// Image augmentation: flips by index, rotations by affine_grid + grid_sample.
#include "latent/training/augment.h"

#include <cmath>

#include "latent/core/error.h"

namespace latent {

const std::vector<KeyDef>& AugmentOptions::keys() {
  static const std::vector<KeyDef> kKeys = {
      bool_key("training.augment_flip", false,
               "augmentation: flip each training image left-right with probability 1/2, every batch"),
      float_key(
          "training.augment_rotate", 0.0,
          "augmentation: rotate each training image by a uniform random angle in [-x, x] degrees, every batch (0: off)",
          0.0, 180.0),
  };
  return kKeys;
}

AugmentOptions AugmentOptions::from_values(const KeyValues& values) {
  AugmentOptions o;
  o.flip = values.get<bool>("training.augment_flip");
  o.rotate_degrees = values.get<double>("training.augment_rotate");
  return o;
}

torch::Tensor rotate_images(const torch::Tensor& x, const torch::Tensor& degrees) {
  check(x.dim() == 4, "augmentation: expected images (B, C, H, W)");
  const int64_t b = x.size(0);
  const double h = static_cast<double>(x.size(2)), w = static_cast<double>(x.size(3));
  auto rad = degrees.to(x.device(), torch::kFloat64) * (M_PI / 180.0);
  auto c = torch::cos(rad), s = torch::sin(rad);
  // affine_grid maps output to input positions in coordinates normalised to [-1, 1] per side;
  // in pixels the input position is R(angle) times the output position, so for H != W the
  // off-diagonal terms carry the aspect ratio.
  auto zeros = torch::zeros_like(c);
  auto theta = torch::stack({torch::stack({c, -s * (h / w), zeros}, 1), torch::stack({s * (w / h), c, zeros}, 1)}, 1)
                   .to(x.scalar_type());  // (B, 2, 3)
  namespace F = torch::nn::functional;
  auto grid = F::affine_grid(theta, {b, x.size(1), x.size(2), x.size(3)}, /*align_corners=*/false);
  return F::grid_sample(
      x, grid, F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kZeros).align_corners(false));
}

torch::Tensor flip_images(const torch::Tensor& x, const torch::Tensor& flip) {
  check(x.dim() == 4, "augmentation: expected images (B, C, H, W)");
  auto mask = flip.to(x.device(), torch::kBool).view({x.size(0), 1, 1, 1});
  return torch::where(mask, x.flip({3}), x);
}

torch::Tensor augment_images(const torch::Tensor& x, const AugmentOptions& options, at::Generator& gen) {
  if (!options.enabled()) return x;
  torch::NoGradGuard no_grad;
  const int64_t b = x.size(0);
  auto out = x;
  if (options.flip) out = flip_images(out, torch::rand({b}, gen, torch::kFloat32) < 0.5);
  if (options.rotate_degrees > 0.0) {
    auto degrees = (torch::rand({b}, gen, torch::kFloat64) * 2.0 - 1.0) * options.rotate_degrees;
    out = rotate_images(out, degrees);
  }
  return out;
}

}  // namespace latent
