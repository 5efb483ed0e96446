// Bernoulli draws from LibTorch's default CPU generator, many at a time, bit for bit LibTorch's.
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
#pragma once

#include <torch/torch.h>

namespace latent {

// out.bernoulli_(p) for a contiguous float CPU tensor `out`, from the default CPU generator; any
// other tensor goes to out.bernoulli_(p) itself. p in [0, 1].
void bernoulli_mask(torch::Tensor& out, double p);

// Whether bernoulli_mask's own generator is in use (the once-per-process check passed).
bool fast_bernoulli_in_use();

}  // namespace latent
