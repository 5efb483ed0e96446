// Element-wise functions with a faster CPU kernel than LibTorch 1.13's, same accuracy.
//
// LibTorch 1.13 (Debian's build) computes sigmoid with Sleef's 8-wide AVX2 expf. fast_sigmoid uses
// a Cephes-style expf (range reduction by ln 2, degree-6 polynomial; ~1 ulp, as Sleef's u10) in a
// loop the compiler vectorises, compiled also for AVX-512 and AVX2 and picked at load time by CPU
// feature: about twice as fast on a 256×784 batch (bench/NOTES.md). Results agree with
// torch::sigmoid to a few ulp (tests/test_fast_math.cpp), not bit for bit.
#pragma once

#include <torch/torch.h>

namespace latent {

// 1 / (1 + exp(−x)), differentiable (backward: grad · y · (1 − y), as LibTorch's). Contiguous float
// CPU tensors take the fast kernel; anything else goes to torch::sigmoid.
torch::Tensor fast_sigmoid(const torch::Tensor& x);

}  // namespace latent
