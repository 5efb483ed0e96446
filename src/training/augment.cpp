// Image augmentation: flips by index, rotations by affine_grid + grid_sample, shifts by copying
// the overlapping window.
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
      float_key("training.augment_jitter", 0.0,
                "augmentation: scale each training image's brightness and then its contrast by factors uniform in "
                "[1 - x, 1 + x], clipped to [0, 1] (torchvision's ColorJitter(x, x)), every batch (0: off)",
                0.0, 0.9),
      integer_key("training.augment_shift", 0,
                  "augmentation: move each training image by a random whole number of pixels in [-x, x] along each "
                  "axis, zeros filling in (torchvision's RandomCrop with padding x), every batch (0: off)",
                  0, 64),
  };
  return kKeys;
}

AugmentOptions AugmentOptions::from_values(const KeyValues& values) {
  AugmentOptions o;
  o.flip = values.get<bool>("training.augment_flip");
  o.rotate_degrees = values.get<double>("training.augment_rotate");
  o.shift = values.get<int64_t>("training.augment_shift");
  o.jitter = values.get<double>("training.augment_jitter");
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
  check(x.dim() >= 4, "augmentation: expected images (B, C, H, W) or volumes (B, C, D, H, W)");
  std::vector<int64_t> shape(static_cast<size_t>(x.dim()), 1);
  shape[0] = x.size(0);
  auto mask = flip.to(x.device(), torch::kBool).view(shape);
  return torch::where(mask, x.flip({x.dim() - 1}), x);
}

torch::Tensor jitter_images(const torch::Tensor& x, const torch::Tensor& brightness, const torch::Tensor& contrast) {
  check(x.dim() >= 3 && brightness.numel() == x.size(0) && contrast.numel() == x.size(0),
        "augmentation: jitter factors must be (B,) for x (B, C, ...)");
  std::vector<int64_t> shape(static_cast<size_t>(x.dim()), 1);
  shape[0] = x.size(0);
  auto b = brightness.to(x.device(), x.scalar_type()).view(shape);
  auto c = contrast.to(x.device(), x.scalar_type()).view(shape);
  auto out = (x * b).clamp(0.0, 1.0);
  auto mean = out.flatten(1).mean(1).view(shape);
  return (mean + c * (out - mean)).clamp(0.0, 1.0);
}

torch::Tensor shift_images(const torch::Tensor& x, const torch::Tensor& offsets) {
  check(x.dim() >= 3, "augmentation: expected images (B, C, ...)");
  const int64_t spatial = x.dim() - 2;
  check(offsets.dim() == 2 && offsets.size(0) == x.size(0) && offsets.size(1) == spatial,
        "augmentation: shift offsets must be (B, spatial axes)");
  auto o = offsets.to(torch::kCPU, torch::kInt64).contiguous();
  auto a = o.accessor<int64_t, 2>();
  auto out = torch::zeros_like(x);
  for (int64_t i = 0; i < x.size(0); ++i) {
    auto src = x[i], dst = out[i];  // (C, ...)
    bool empty = false;
    for (int64_t d = 0; d < spatial && !empty; ++d) {
      const int64_t n = x.size(d + 2), s = a[i][d];
      const int64_t len = n - std::abs(s);
      if (len <= 0) {
        empty = true;  // moved out of the frame entirely
        break;
      }
      src = src.narrow(d + 1, std::max<int64_t>(0, -s), len);
      dst = dst.narrow(d + 1, std::max<int64_t>(0, s), len);
    }
    if (!empty) dst.copy_(src);
  }
  return out;
}

torch::Tensor augment_images(const torch::Tensor& x, const AugmentOptions& options, at::Generator& gen) {
  if (!options.enabled()) return x;
  torch::NoGradGuard no_grad;
  const int64_t b = x.size(0);
  auto out = x;
  if (options.flip) out = flip_images(out, torch::rand({b}, gen, torch::kFloat32) < 0.5);
  if (options.rotate_degrees > 0.0) {
    check(x.dim() == 4, "training.augment_rotate: rotations are for images (B, C, H, W), not volumes");
    auto degrees = (torch::rand({b}, gen, torch::kFloat64) * 2.0 - 1.0) * options.rotate_degrees;
    out = rotate_images(out, degrees);
  }
  if (options.shift > 0)
    out = shift_images(out, torch::randint(-options.shift, options.shift + 1, {b, x.dim() - 2}, gen, torch::kInt64));
  if (options.jitter > 0.0) {
    auto factor = [&] { return 1.0 + (torch::rand({b}, gen, torch::kFloat64) * 2.0 - 1.0) * options.jitter; };
    auto brightness = factor();
    out = jitter_images(out, brightness, factor());
  }
  return out;
}

}  // namespace latent
