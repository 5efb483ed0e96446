// The machine a run happens on: devices, threads, BLAS and library versions.
#pragma once

#include <torch/types.h>

#include <algorithm>
#include <cstdint>
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

// libgomp's worker threads spin after every parallel region unless OMP_WAIT_POLICY=PASSIVE, on
// the cores OpenBLAS's own threads then need: on a 2-core machine that made 2-thread training 2-5×
// slower than 1 thread (bench/NOTES.md, change 11). libgomp reads the variable once, when it loads
// (before main), so when neither OMP_WAIT_POLICY nor GOMP_SPINCOUNT is set this sets
// OMP_WAIT_POLICY=PASSIVE and re-executes the program (/proc/self/exe, the same arguments and
// environment otherwise): same process id, once. A value the user set is kept. For programs (the CLI,
// benchmarks), first thing in main; returns (doing nothing) off Linux or if the exec fails. Tools
// that follow a process (valgrind, heaptrack) lose it at the exec unless told to trace children:
// set OMP_WAIT_POLICY yourself when running latent under them.
void prefer_passive_openmp_wait(char** argv);

// "OpenBLAS 0.3.21 DYNAMIC_ARCH ..." when OpenBLAS is the loaded BLAS, else the path of the
// BLAS library found in the process, else "unknown".
std::string blas_info();
bool blas_is_openblas();

// How many threads latent's own kernels (kernels/gemm, fast_math, fused Adam) split a loop over at the
// current thread setting. at::parallel_for is a serial loop in a file built without OpenMP, so in
// such a build this is 1 whatever --threads says.
int kernel_loop_threads();

// The least serial work a parallel task of latent's own kernels gets: about 100 µs. Waking a
// passive OpenMP thread (OMP_WAIT_POLICY=PASSIVE, see above) and joining it costs ~40 µs on the
// 2-core machines measured, so a loop split into smaller tasks runs slower on 2 threads than on one
// (bench/NOTES.md, change 15). Each kernel's grain is this time at its measured one-thread rate.
constexpr double kMinParallelTaskSeconds = 100e-6;

// Items per parallel task for a loop whose item is `work_per_item` units of work, done at
// `units_per_second` on one thread: kMinParallelTaskSeconds of work a task, at least one item.
constexpr int64_t parallel_grain(double units_per_second, int64_t work_per_item) {
  return std::max<int64_t>(
      1, static_cast<int64_t>(kMinParallelTaskSeconds * units_per_second) / std::max<int64_t>(1, work_per_item));
}

// LibTorch's own kernels split any loop past 32,768 elements, so at 2 threads its ops on one W1 batch
// (256 × 784) each paid a wake-up larger than their work. Below kSerialOpElements (~100 µs of a
// LibTorch elementwise op or reduction on one core here) latent runs the LibTorch ops of its hot paths
// (the loss's backward, a bias's gradient, the training sigmoid, cutting a batch) inside a
// SerialScope: while it lives, the calling thread's OpenMP team size is 1 (omp_set_num_threads,
// restored after), which LibTorch's at::parallel_for reads, so they run inline. Elementwise results
// are the same either way; a reduction's are then those of a 1-thread run (bench/NOTES.md, change 17).
constexpr int64_t kSerialOpElements = int64_t{1} << 19;

class SerialScope {
 public:
  explicit SerialScope(bool active);
  explicit SerialScope(const torch::Tensor& t) : SerialScope(t.defined() && t.numel() < kSerialOpElements) {}
  ~SerialScope();
  SerialScope(const SerialScope&) = delete;
  SerialScope& operator=(const SerialScope&) = delete;

 private:
  int saved_ = 0;  // the team size to restore; 0 when inactive
};

std::string torch_version();
std::string latent_version();
// Devices visible to LibTorch, e.g. "cpu" or "cpu, cuda:0 (1 device)".
std::string devices_info();
std::string hostname();
// The CPU's model name from /proc/cpuinfo, or "unknown".
std::string cpu_model();

// Seeds LibTorch's CPU (and CUDA, when present) generators.
void seed_everything(uint64_t seed);

// The state of LibTorch's default generator for `device` (the CPU's, or a CUDA device's), read and
// written under the generator's lock.
torch::Tensor generator_state(const torch::Device& device = torch::kCPU);
void set_generator_state(const torch::Tensor& state, const torch::Device& device = torch::kCPU);

// For its lifetime, the default generator of `device` (LibTorch's global one, from which training
// draws its shuffles, dropout masks, noise and a VAE's posterior samples) starts from `seed`; on
// exit it gets back the state it had. Evaluation that samples runs in one, so that validating every
// epoch does not change what training draws next (a run with and without validation trains the same
// model), and the same model always gets the same figure.
class IsolatedRandomScope {
 public:
  IsolatedRandomScope(const torch::Device& device, uint64_t seed);
  ~IsolatedRandomScope();
  IsolatedRandomScope(const IsolatedRandomScope&) = delete;
  IsolatedRandomScope& operator=(const IsolatedRandomScope&) = delete;

 private:
  torch::Device device_;
  torch::Tensor saved_;
};

}  // namespace latent
