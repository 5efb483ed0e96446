// PCA baseline via the covariance eigendecomposition (torch::linalg_eigh).
#include "latent/models/pca.h"

#include "latent/core/error.h"

namespace latent {

Pca Pca::fit(const torch::Tensor& x, int64_t k) {
  torch::NoGradGuard no_grad;
  check(x.dim() >= 2 && x.size(0) >= 2, "pca: needs at least 2 examples");
  auto flat = x.reshape({x.size(0), -1}).to(torch::kFloat64);
  const int64_t d = flat.size(1);
  check(k >= 1 && k <= d,
        "pca: " + std::to_string(k) + " components asked of " + std::to_string(d) + "-dimensional data");
  Pca p;
  p.mean = flat.mean(0);
  auto centered = flat - p.mean;
  auto cov = centered.t().mm(centered) / static_cast<double>(flat.size(0) - 1);
  auto eig = torch::linalg_eigh(cov, "L");
  // Eigenvalues come in ascending order: the last k columns, reversed, are the top components.
  auto values = std::get<0>(eig), vectors = std::get<1>(eig);
  p.variances = values.slice(0, d - k, d).flip({0});
  p.components = vectors.slice(1, d - k, d).flip({1}).t().contiguous();
  return p;
}

// x: (N, ...) -> (N, k)
torch::Tensor Pca::encode(const torch::Tensor& x) const {
  auto flat = x.reshape({x.size(0), -1}).to(torch::kFloat64).to(components.device());
  return (flat - mean).mm(components.t());
}

// x: (N, ...) -> (N, ...)
torch::Tensor Pca::reconstruct(const torch::Tensor& x) const {
  auto recon = encode(x).mm(components) + mean;
  return recon.reshape(x.sizes()).to(x.scalar_type()).to(x.device());
}

}  // namespace latent
