// The machine a run happens on: devices, threads, BLAS and library versions.
#pragma once

#include <torch/torch.h>

#include <string>

namespace latent {

// Parses "cpu", "cuda", "cuda:N" or "auto"; throws UsageError for anything else and Error
// when CUDA is asked for but not present.
torch::Device resolve_device(const std::string& name);

// Sets LibTorch's intra-op threads and, when OpenBLAS is loaded, its thread count too.
// n <= 0 keeps the defaults.
void set_threads(int n);
int current_threads();

// Keeps freed tensor memory in the process (glibc malloc: no mmap/munmap for blocks under
// 64 MiB, no trimming below 256 MiB), so a training step's batch-sized tensors reuse pages
// instead of faulting in fresh zeroed ones every step. For programs (the CLI, benchmarks),
// called once at start-up; a no-op off glibc.
void keep_freed_memory();

// "OpenBLAS 0.3.21 DYNAMIC_ARCH ..." when OpenBLAS is the loaded BLAS, else the path of the
// BLAS library found in the process, else "unknown".
std::string blas_info();
bool blas_is_openblas();

std::string torch_version();
std::string latent_version();
// Devices visible to LibTorch, e.g. "cpu" or "cpu, cuda:0 (1 device)".
std::string devices_info();
std::string hostname();
// The CPU's model name from /proc/cpuinfo, or "unknown".
std::string cpu_model();

// Seeds LibTorch's CPU (and CUDA, when present) generators.
void seed_everything(uint64_t seed);

}  // namespace latent
