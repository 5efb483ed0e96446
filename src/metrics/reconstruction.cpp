// PSNR, MSE, BCE and pixel agreement for reconstructions.
#include "latent/metrics/reconstruction.h"

namespace latent {

torch::Tensor psnr_per_image(const torch::Tensor& recon, const torch::Tensor& target, double data_range) {
  auto diff = (recon.to(torch::kFloat64) - target.to(torch::kFloat64)).reshape({recon.size(0), -1});
  auto mse = diff.pow(2).mean(1).clamp_min(kMinMseForPsnr);
  return 10.0 * torch::log10((data_range * data_range) / mse);
}

void ReconstructionSums::add(const torch::Tensor& recon, const torch::Tensor& target, const torch::Tensor& logits) {
  torch::NoGradGuard no_grad;
  psnr_sum += psnr_per_image(recon, target).sum().item<double>();
  se_sum += (recon - target).pow(2).sum().item<double>();
  torch::Tensor bce;
  if (logits.defined())
    bce = torch::binary_cross_entropy_with_logits(logits, target, {}, {}, at::Reduction::Sum);
  else
    bce = torch::binary_cross_entropy(recon.clamp(0.0, 1.0), target, {}, at::Reduction::Sum);
  bce_sum += bce.item<double>();
  agree_sum += ((recon > 0.5) == (target > 0.5)).sum().item<double>();
  images += recon.size(0);
  pixels += recon.numel();
}

ReconstructionMetrics ReconstructionSums::metrics() const {
  const ReconstructionSums& s = *this;
  ReconstructionMetrics m;
  if (s.images == 0 || s.pixels == 0) return m;
  m.psnr_db = s.psnr_sum / static_cast<double>(s.images);
  m.mse = s.se_sum / static_cast<double>(s.pixels);
  m.bce = s.bce_sum / static_cast<double>(s.pixels);
  m.pixel_accuracy = s.agree_sum / static_cast<double>(s.pixels);
  return m;
}

}  // namespace latent
