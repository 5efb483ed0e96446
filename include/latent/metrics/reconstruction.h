// Reconstruction quality: PSNR and SSIM (per image, then averaged), MSE, BCE and pixel agreement.
#pragma once

#include <torch/types.h>

namespace latent {

// The floor on per-image MSE in PSNR, so a perfect reconstruction scores 100 dB, not infinity.
constexpr double kMinMseForPsnr = 1e-10;

// PSNR in dB of each image for data in [0, data_range]: 10 log10(range^2 / MSE_i).
// recon, target: (B, ...) -> (B,)
torch::Tensor psnr_per_image(const torch::Tensor& recon, const torch::Tensor& target, double data_range = 1.0);

// Gaussian-window SSIM (Wang et al. 2004) of each image for data in [0, data_range]: an
// 11x11 window with sigma 1.5 (shrunk to the largest odd size that fits smaller images),
// C1 = (0.01 range)^2, C2 = (0.03 range)^2, the SSIM map over the valid window positions
// averaged over positions and channels. recon, target: (B, C, H, W) -> (B,)
torch::Tensor ssim_per_image(const torch::Tensor& recon, const torch::Tensor& target, double data_range = 1.0);

// The normalised 1-D Gaussian window used by ssim_per_image: (size,) in double.
torch::Tensor gaussian_window(int64_t size, double sigma);

struct ReconstructionMetrics {
  double psnr_db = 0;
  double mse = 0;
  double bce = 0;
  double pixel_accuracy = 0;  // fraction of pixels where (recon > 0.5) == (target > 0.5)
  double ssim = 0;            // mean per-image SSIM (0 when the images are not (C, H, W))
};

// Sums accumulated over batches; `metrics()` turns them into per-image / per-pixel means.
struct ReconstructionSums {
  double psnr_sum = 0;   // sum over images of PSNR (dB)
  double se_sum = 0;     // sum of squared errors over all pixels
  double bce_sum = 0;    // sum of binary cross-entropy over all pixels
  double agree_sum = 0;  // pixels on the same side of 0.5 in target and reconstruction
  double ssim_sum = 0;   // sum over images of SSIM (only for (B, C, H, W) batches)
  int64_t ssim_images = 0;
  int64_t images = 0;
  int64_t pixels = 0;

  // recon in [0,1]; logits are used for a numerically stable BCE when given (may be undefined).
  void add(const torch::Tensor& recon, const torch::Tensor& target, const torch::Tensor& logits = {});
  ReconstructionMetrics metrics() const;
};

}  // namespace latent
