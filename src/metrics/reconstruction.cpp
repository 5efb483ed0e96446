// PSNR, SSIM, MSE, BCE and pixel agreement for reconstructions.
#include "latent/metrics/reconstruction.h"

#include <algorithm>

#include "latent/kernels/substitute.h"

namespace latent {

torch::Tensor psnr_per_image(const torch::Tensor& recon, const torch::Tensor& target, double data_range) {
  auto diff = (recon.to(torch::kFloat64) - target.to(torch::kFloat64)).reshape({recon.size(0), -1});
  auto mse = diff.pow(2).mean(1).clamp_min(kMinMseForPsnr);
  return 10.0 * torch::log10((data_range * data_range) / mse);
}

torch::Tensor gaussian_window(int64_t size, double sigma) {
  auto x = torch::arange(size, torch::kFloat64) - static_cast<double>(size - 1) / 2.0;
  auto g = torch::exp(-x.pow(2) / (2.0 * sigma * sigma));
  return g / g.sum();
}

torch::Tensor ssim_per_image(const torch::Tensor& recon, const torch::Tensor& target, double data_range) {
  TORCH_CHECK(recon.dim() == 4 && recon.sizes() == target.sizes(),
              "ssim: expected two (B, C, H, W) tensors of one shape");
  const int64_t c = recon.size(1), h = recon.size(2), w = recon.size(3);
  int64_t size = std::min<int64_t>({11, h, w});
  if (size % 2 == 0) --size;
  auto g = gaussian_window(size, 1.5).to(recon.device());
  // Separable filtering: one depthwise conv along H, one along W, valid positions only.
  auto gh = g.view({1, 1, size, 1}).repeat({c, 1, 1, 1});
  auto gw = g.view({1, 1, 1, size}).repeat({c, 1, 1, 1});
  namespace F = torch::nn::functional;
  const auto depthwise = F::Conv2dFuncOptions().groups(c);
  auto filt = [&](const torch::Tensor& t) { return F::conv2d(F::conv2d(t, gh, depthwise), gw, depthwise); };
  auto x = recon.to(torch::kFloat64), y = target.to(torch::kFloat64);
  const double c1 = (0.01 * data_range) * (0.01 * data_range), c2 = (0.03 * data_range) * (0.03 * data_range);
  auto mx = filt(x), my = filt(y);
  auto sxx = filt(x * x) - mx * mx, syy = filt(y * y) - my * my, sxy = filt(x * y) - mx * my;
  auto map = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2));
  return map.reshape({recon.size(0), -1}).mean(1);
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
  agree_sum += static_cast<double>(count_same_side(recon, target, 0.5).item<int64_t>());
  if (recon.dim() == 4) {
    ssim_sum += ssim_per_image(recon, target).sum().item<double>();
    ssim_images += recon.size(0);
  }
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
  m.ssim = s.ssim_images > 0 ? s.ssim_sum / static_cast<double>(s.ssim_images) : 0.0;
  return m;
}

}  // namespace latent
