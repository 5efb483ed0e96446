// Bernoulli and normal draws from LibTorch's default CPU generator, many at a time, bit for bit
// LibTorch's.
//
// LibTorch 1.13's Tensor::bernoulli_(p) on the CPU (Debian's build, without MKL) draws one element at
// a time: two 32-bit outputs of the generator's MT19937, the first as the high word of a 64-bit
// value whose low 53 bits make a uniform double u in [0, 1); the element is 1 when u < p. Through
// TensorIterator's serial loop that took ~4.8 ns an element here, and dropout's mask (one bernoulli_
// per layer and step) was a quarter of conv-dae's training time (bench/NOTES.md, change 22).
// bernoulli_mask produces the same MT19937 stream a block of 624 words at a time (the twist and the
// tempering in loops the compiler vectorises) and writes the same 0/1 values, leaving the generator
// exactly where bernoulli_ would have left it: masks and every later draw are LibTorch's bit for bit.
// A LibTorch that draws Bernoulli values another way (a build with MKL uses its own generator) would
// break that, so bernoulli_mask_available() checks it once per process on a small tensor (restoring
// the generator's state after); where the values or the final state differ, the kernel is
// unavailable and the substitution (kernels/substitute.h) calls out.bernoulli_(p).
//
// normal_fill does the same for Tensor::normal_ (torch::randn_like, the denoising objectives' noise):
// LibTorch 1.13 fills a float tensor with one uniform u = (word & 0xFFFFFF) * 2^-24 per element, one
// generator word at a time under its lock (~2 ns an element here), then turns each block of 16 into
// 16 normals by Box-Muller in AVX2 (log and sincos from ATen's avx_mathfun.h), and for a size that is
// not a multiple of 16 draws 16 more and redoes the last 16 elements. normal_fill makes the words a
// block at a time and runs the same Box-Muller code, compiled as LibTorch compiles it
// (src/kernels/box_muller_avx2.cpp), with the same once-per-process check.
//
// Kernels `bernoulli` and `normal` under LATENT_KERNELS (kernels/registry.h); dropout and the noise
// of the objectives and the VAE reach them through kernels/substitute.h.
#pragma once

#include <torch/types.h>

namespace latent {

// Whether bernoulli_mask_kernel reproduces LibTorch's bernoulli_ here (checked once per process).
bool bernoulli_mask_available();

// Whether bernoulli_mask_kernel takes `out`: a contiguous float CPU tensor.
bool bernoulli_mask_takes(const torch::Tensor& out);

// out.bernoulli_(p)'s values from the default CPU generator, leaving it as bernoulli_ would. An
// Error for p outside [0, 1] (NaN included) and for what bernoulli_mask_takes refuses.
void bernoulli_mask_kernel(torch::Tensor& out, double p);

// torch::dropout(x, p, true)'s values and gradient with the mask from bernoulli_mask_kernel, in
// LibTorch's arithmetic (mask / (1 − p), times x). x: what bernoulli_mask_takes takes, any shape ->
// the same shape; p in (0, 1), else an Error.
torch::Tensor dropout_kernel(const torch::Tensor& x, double p);

// Whether normal_fill_kernel reproduces LibTorch's normal_ here: the CPU has AVX2 and FMA, this build
// has the AVX2 Box-Muller step, and the once-per-process check passed.
bool normal_fill_available();

// Whether normal_fill_kernel takes `out` and std: a contiguous float CPU tensor of at least 16
// elements (LibTorch draws fewer another way) that needs no gradient, and std >= 0.
bool normal_fill_takes(const torch::Tensor& out, double std);

// out.normal_(mean, std)'s values from the default CPU generator, leaving it as normal_ would. An
// Error for what normal_fill_takes refuses.
void normal_fill_kernel(torch::Tensor& out, double mean, double std);

}  // namespace latent
