// Element-wise functions with a faster CPU kernel than LibTorch 1.13's, same accuracy: the sigmoid,
// the summed binary cross-entropy on logits (in all, or per example) and the count of elements
// agreeing at a threshold. Kernels `sigmoid`, `bce` (through kernels/fused_loss.h) and
// `count_same_side` under LATENT_KERNELS; callers reach them through kernels/substitute.h.
//
// LibTorch 1.13 (Debian's build) computes sigmoid with Sleef's 8-wide AVX2 expf. sigmoid_kernel uses
// a Cephes-style expf (range reduction by ln 2, degree-6 polynomial; ~1 ulp, as Sleef's u10) in a
// loop the compiler vectorises, compiled also for AVX-512 and AVX2 and picked at load time by CPU
// feature: about twice as fast on a 256×784 batch (bench/NOTES.md). Results agree with
// torch::sigmoid to a few ulp (tests/kernels), not bit for bit.
#pragma once

#include <torch/types.h>

// On x86-64 GCC/Clang, a loop kernel marked LATENT_VECTOR_CLONES is also compiled for AVX-512 and
// for Haswell (AVX2 + FMA), and the loader picks the clone the CPU supports.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define LATENT_VECTOR_CLONES __attribute__((target_clones("avx512f", "arch=haswell", "default")))
#else
#define LATENT_VECTOR_CLONES
#endif

namespace latent {

// What latent's CPU kernels read directly (fast_math, fused Adam, fused loss): a defined, dense,
// contiguous float tensor on the CPU.
bool is_dense_cpu_float(const torch::Tensor& t);

// Whether sigmoid_kernel takes x: a contiguous float CPU tensor outside autograd (no grad mode, or
// an input that needs no gradient: inference, evaluation), since the kernel has no backward.
bool sigmoid_kernel_takes(const torch::Tensor& x);

// 1 / (1 + exp(−x)) element by element (NaN stays NaN, ±inf give 1 and a value below the smallest
// normal float). An Error for what sigmoid_kernel_takes refuses.
torch::Tensor sigmoid_kernel(const torch::Tensor& x);

// Σ softplus(x) − x·t over all elements: the binary cross-entropy of sigmoid(x) against t, summed,
// computed as max(x, 0) + log1p(exp(−|x|)) − x·t in one pass (Cephes expf and logf, blocks of 2048
// summed in float, blocks added in double and in order, so any thread count gives the same sum).
// An infinite x gives LibTorch's term: (1 − t)·x for +inf, NaN for −inf; a NaN x gives NaN.
// Not differentiable (a plain number). `logits` and `target`: contiguous float CPU tensors with the
// same number of elements; anything else is an Error.
double sum_bce_with_logits(const torch::Tensor& logits, const torch::Tensor& target);

// The same sum for each example of a batch: logits and target (B, ...) -> (B,) float, row r's
// Σ softplus(x) − x·t over its elements (its blocks added in double, in order, as above), so any
// thread count gives the same values. Contiguous float CPU tensors of one shape; else an Error.
torch::Tensor rows_bce_with_logits(const torch::Tensor& logits, const torch::Tensor& target);

// Whether count_same_side_kernel takes a, b and threshold: contiguous float CPU tensors of one size
// and a threshold that is a float.
bool count_same_side_takes(const torch::Tensor& a, const torch::Tensor& b, double threshold);

// How many elements of a and b fall on the same side of `threshold`: (a > t) == (b > t), counted as
// ((a > t) == (b > t)).sum() counts it (NaN is not above any threshold), the pixel agreement of the
// reconstruction studies' accuracy, in one pass. A 0-dim int64 CPU tensor. An Error for what
// count_same_side_takes refuses.
torch::Tensor count_same_side_kernel(const torch::Tensor& a, const torch::Tensor& b, double threshold);

}  // namespace latent
