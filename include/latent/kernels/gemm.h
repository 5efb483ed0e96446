// latent's own single-precision matrix product for x86-64 CPUs with AVX-512: C = A·B + bias.
//
// Why: the dense layers' products are LibTorch's addmm through the machine's BLAS. Where that BLAS
// runs 8-wide AVX2 kernels on a CPU with full-width AVX-512 (OpenBLAS told to use its Haswell
// kernels, as on the 2026-11 benchmark machine; bench/NOTES.md, change 13), this kernel does the
// same products about 1.6-2× faster. It packs B into 16-column panels and keeps a 6-row × 32-column
// block of C in 12 AVX-512 registers for the whole K loop, with the bias as the starting value.
// The sums run over k in order with fused multiply-adds, so results differ from the BLAS's by
// float rounding only (tests/kernels). Kernel `gemm` under LATENT_KERNELS (kernels/registry.h); the
// Linear layers reach it through kernels/substitute.h's linear().
#pragma once

#include <torch/types.h>

namespace latent {

// Whether this build has the kernel and this CPU runs it (avx512f). Checked once.
bool gemm_available();

// What gemm takes as an operand: a defined, strided float CPU tensor, any strides.
bool gemm_reads(const torch::Tensor& t);

// C (M, N) = A (M, K) · B (K, N), plus bias (N) on every row when `bias` is defined. A and B: float
// CPU tensors of any strides; returns a new contiguous tensor. Not differentiable (gemm_linear below
// builds the gradients from it). Error when the CPU cannot run it or the arguments do not fit.
torch::Tensor gemm(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& bias = {});

// Below this many rows, packing W costs more than the product saves.
constexpr int64_t kGemmMinRows = 16;

// Whether gemm_linear takes x (B, in), weight (out, in) and bias (out, or undefined): float CPU
// tensors gemm reads, x 2-D with at least kGemmMinRows rows.
bool gemm_linear_takes(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias);

// y = x·Wᵀ + b through gemm, x (B, in) -> (B, out); when autograd asks, differentiable in x, W and b
// with the gradients from gemm too (dx = g·W, dW = gᵀ·x, db = Σ_rows g). An Error for what
// gemm_linear_takes refuses.
torch::Tensor gemm_linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias);

}  // namespace latent
