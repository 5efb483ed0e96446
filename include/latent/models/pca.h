// PCA as a linear autoencoder baseline: fitted on flattened training examples, it encodes to
// the top-k principal components and reconstructs from them.
#pragma once

#include <torch/types.h>

namespace latent {

struct Pca {
  torch::Tensor mean;        // (D,) float64
  torch::Tensor components;  // (k, D) float64, orthonormal rows, largest variance first
  torch::Tensor variances;   // (k,) float64, the explained variance of each component

  // Fits the top-k components of x: (N, ...) flattened to (N, D), through the eigendecomposition
  // of the covariance matrix. Throws Error when k is not in [1, D] or N < 2.
  static Pca fit(const torch::Tensor& x, int64_t k);

  // x: (N, ...) -> (N, k)
  torch::Tensor encode(const torch::Tensor& x) const;
  // x: (N, ...) -> (N, ...) projected onto the components, in x's dtype (not clipped).
  torch::Tensor reconstruct(const torch::Tensor& x) const;
};

}  // namespace latent
