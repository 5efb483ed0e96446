// latent's own single-precision matrix product for x86-64 CPUs with AVX-512: C = A·B + bias.
//
// Why: the dense layers' products are LibTorch's addmm through the machine's BLAS. Where that BLAS
// runs 8-wide AVX2 kernels on a CPU with full-width AVX-512 (OpenBLAS told to use its Haswell
// kernels, as on the 2026-11 benchmark machine; bench/NOTES.md, change 13), this kernel does the
// same products about 1.6-2× faster. It packs B into 16-column panels and keeps a 6-row × 32-column
// block of C in 12 AVX-512 registers for the whole K loop, with the bias as the starting value.
// The sums run over k in order with fused multiply-adds, so results differ from the BLAS's by
// float rounding only (tests/test_gemm.cpp).
#pragma once

#include <torch/torch.h>

namespace latent {

// True when this CPU runs the AVX-512 kernel (avx512f) and the environment does not ask for the
// BLAS (LATENT_GEMM=blas). Read once.
bool gemm_kernel_enabled();

// What gemm takes as an operand: a defined, strided float CPU tensor, any strides.
bool gemm_reads(const torch::Tensor& t);

// C (M, N) = A (M, K) · B (K, N), plus bias (N) on every row when `bias` is defined. A and B: float
// CPU tensors of any strides; returns a new contiguous tensor. Not differentiable (the dense
// layers' LinearFunction in models/layers.cpp builds the gradients from it). Error when the kernel
// is not enabled or the arguments do not fit.
torch::Tensor gemm(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& bias = {});

}  // namespace latent
