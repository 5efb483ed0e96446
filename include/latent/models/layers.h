// Small building blocks shared by model families: activations by name, and the dense layers'
// product (LibTorch's Linear, or core/gemm's AVX-512 kernel where it runs), a ReLU that keeps small
// batches on one thread, dropout with a faster mask, and a Sequential runner that uses them.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

namespace latent {

// Names accepted wherever a spec asks for an activation.
const std::vector<std::string>& activation_names();

// Appends the activation `name` to `seq` (nothing for "identity"); throws Error for an unknown name.
void append_activation(torch::nn::Sequential& seq, const std::string& name);

// Applies the activation `name` functionally.
torch::Tensor apply_activation(const torch::Tensor& x, const std::string& name);

// y = x·Wᵀ + b for `layer`'s weight and bias. x: (B, in) -> (B, out). A float CPU batch of at least
// kGemmMinRows rows goes through core/gemm's kernel when gemm_kernel_enabled(), with gradients for
// x, W and b built from the same kernel when autograd needs them; anything else (CUDA, doubles,
// single rows, no AVX-512, LATENT_GEMM=blas) is layer.forward(x) itself.
torch::Tensor linear(const torch::Tensor& x, torch::nn::LinearImpl& layer);
constexpr int64_t kGemmMinRows = 16;  // below this, packing W costs more than the product saves

// torch::relu(x), forward and backward the same numbers, each run on the calling thread for tensors
// under kSerialOpElements (core/system.h): batch-sized activations are smaller than a parallel
// region's cost. x: any shape -> the same shape.
torch::Tensor relu_activation(const torch::Tensor& x);

// torch::dropout(x, p, train), the same values and gradient: LibTorch's own arithmetic (a mask
// scaled by 1 / (1 − p), times x) with the mask drawn by core/fast_random's bernoulli_mask, which
// gives LibTorch's mask bit for bit, ~9× faster. x: any shape -> the same shape.
torch::Tensor dropout(const torch::Tensor& x, double p, bool train);

// seq->forward(x), with every Linear in `seq` applied through linear() above, every ReLU through
// relu_activation(), every Dropout (not in place) through dropout(), every 2×2 stride-2 MaxPool2d
// through max_pool2x2() (models/pooling.h) and every scale-2 nearest Upsample of a 4-D tensor through
// upsample_nearest2x() (models/upsample.h).
torch::Tensor forward_sequential(torch::nn::Sequential& seq, torch::Tensor x);

}  // namespace latent
