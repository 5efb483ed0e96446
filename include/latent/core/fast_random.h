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
// break that, so the first call checks it once per process on a small tensor (restoring the
// generator's state after) and, if the values or the final state differ, bernoulli_mask is
// out.bernoulli_(p) from then on.
//
// normal_fill does the same for Tensor::normal_ (torch::randn_like, the denoising objectives' noise):
// LibTorch 1.13 fills a float tensor with one uniform u = (word & 0xFFFFFF) * 2^-24 per element, one
// generator word at a time under its lock (~2 ns an element here), then turns each block of 16 into
// 16 normals by Box-Muller in AVX2 (log and sincos from ATen's avx_mathfun.h), and for a size that is
// not a multiple of 16 draws 16 more and redoes the last 16 elements. normal_fill makes the words a
// block at a time and runs the same Box-Muller code, compiled as LibTorch compiles it
// (src/core/box_muller_avx2.cpp), with the same once-per-process check and fallback.
#pragma once

#include <torch/torch.h>

namespace latent {

// out.bernoulli_(p) for a contiguous float CPU tensor `out`, from the default CPU generator; any
// other tensor goes to out.bernoulli_(p) itself. p in [0, 1].
void bernoulli_mask(torch::Tensor& out, double p);

// Whether bernoulli_mask's own generator is in use (the once-per-process check passed).
bool fast_bernoulli_in_use();

// out.normal_(mean, std) for a contiguous float CPU tensor `out` of at least 16 elements that needs no
// gradient, from the default CPU generator; any other tensor goes to out.normal_(mean, std) itself.
void normal_fill(torch::Tensor& out, double mean = 0.0, double std = 1.0);

// torch::randn_like(x) (a contiguous tensor like x) with its values from normal_fill.
torch::Tensor randn_like(const torch::Tensor& x);

// Whether normal_fill's own generator is in use: the CPU has AVX2 and FMA, this build has the AVX2
// Box-Muller step, and the once-per-process check passed.
bool fast_normal_in_use();

}  // namespace latent
