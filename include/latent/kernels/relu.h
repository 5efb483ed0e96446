// ReLU that keeps batch-sized tensors on the calling thread: kernel `relu` under LATENT_KERNELS.
//
// LibTorch's own kernels split any loop past 32,768 elements over the threads, so at 2 threads a ReLU
// on one batch of a small model paid a wake-up larger than its work (bench/NOTES.md, changes 17 and
// 19). serial_relu runs LibTorch's relu and, under autograd, its backward formula (threshold_backward
// on the result) inside a SerialScope (core/system.h) for tensors under kSerialOpElements: the same
// numbers, forward and backward, on one thread. kernels/substitute.h routes torch::nn::ReLU and the
// "relu" activation here.
#pragma once

#include <torch/nn/modules/activation.h>

namespace latent {

// torch::relu(x), values and gradient bit for bit. x: any shape -> the same shape.
torch::Tensor serial_relu(const torch::Tensor& x);

}  // namespace latent
