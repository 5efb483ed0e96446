// Devices, threads, BLAS detection and versions.
#include "latent/core/system.h"

#include <dlfcn.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <unistd.h>
#if defined(_OPENMP)
#include <omp.h>
#endif

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>

#include "latent/core/error.h"

namespace latent {

torch::Device resolve_device(const std::string& name) {
  if (name == "cpu") return torch::kCPU;
  if (name == "auto") return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  if (name == "cuda" || name.rfind("cuda:", 0) == 0) {
    int index = 0;
    if (name.size() > 5) {
      try {
        size_t used = 0;
        index = std::stoi(name.substr(5), &used);
        if (used != name.size() - 5 || index < 0) throw std::invalid_argument(name);
      } catch (const std::exception&) {
        throw UsageError("--device: '" + name + "' is not a device (use cpu, cuda, cuda:N or auto)");
      }
    }
    if (!torch::cuda::is_available())
      throw Error("--device " + name + ": no CUDA device is available to this LibTorch build");
    if (index >= static_cast<int>(torch::cuda::device_count()))
      throw Error("--device " + name + ": only " + std::to_string(torch::cuda::device_count()) + " CUDA device(s)");
    return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
  }
  throw UsageError("--device: '" + name + "' is not a device (use cpu, cuda, cuda:N or auto)");
}

namespace {
using OpenblasSetThreads = void (*)(int);
using OpenblasGetConfig = char* (*)();
using OpenblasGetThreads = int (*)();
}  // namespace

void set_threads(int n) {
  if (n <= 0) return;
  torch::set_num_threads(n);
  if (auto fn = reinterpret_cast<OpenblasSetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) fn(n);
}

int current_threads() { return torch::get_num_threads(); }

void keep_freed_memory() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

void prefer_passive_openmp_wait(char** argv) {
#if defined(__linux__)
  if (std::getenv("OMP_WAIT_POLICY") != nullptr || std::getenv("GOMP_SPINCOUNT") != nullptr) return;
  if (setenv("OMP_WAIT_POLICY", "PASSIVE", 1) != 0) return;
  execv("/proc/self/exe", argv);
  // Still here: the exec failed; carry on with the runtime as it is (the variable stays set for
  // child processes, which then start with it).
#else
  (void)argv;
#endif
}

bool blas_is_openblas() { return dlsym(RTLD_DEFAULT, "openblas_get_config") != nullptr; }

std::string blas_info() {
  if (auto fn = reinterpret_cast<OpenblasGetConfig>(dlsym(RTLD_DEFAULT, "openblas_get_config"))) {
    std::string info = fn();
    if (auto threads = reinterpret_cast<OpenblasGetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads")))
      info += " (threads " + std::to_string(threads()) + ")";
    return info;
  }
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    auto pos = line.find('/');
    if (pos == std::string::npos) continue;
    std::string path = line.substr(pos);
    if (path.find("blas") != std::string::npos || path.find("mkl") != std::string::npos) return path;
  }
  return "unknown";
}

int kernel_loop_threads() {
  std::atomic<uint64_t> seen{0};
  at::parallel_for(0, 4096, 1, [&](int64_t, int64_t) { seen |= uint64_t{1} << (at::get_thread_num() % 64); });
  return __builtin_popcountll(seen.load());
}

SerialScope::SerialScope(bool active) {
#if defined(_OPENMP)
  // at::get_num_threads() first: a thread's first call sets its OpenMP team size from LibTorch's
  // setting, which would otherwise undo the 1 below.
  if (active && at::get_num_threads() > 1) {
    saved_ = omp_get_max_threads();
    omp_set_num_threads(1);
  }
#else
  (void)active;
#endif
}

SerialScope::~SerialScope() {
#if defined(_OPENMP)
  if (saved_ > 0) omp_set_num_threads(saved_);
#endif
}

std::string torch_version() {
  return std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
         std::to_string(TORCH_VERSION_PATCH);
}

std::string latent_version() { return LATENT_VERSION; }

std::string devices_info() {
  std::string out = "cpu";
  if (torch::cuda::is_available()) {
    auto n = torch::cuda::device_count();
    out += ", cuda (" + std::to_string(n) + " device" + (n == 1 ? "" : "s") + ")";
  } else {
    out += " (no CUDA device)";
  }
  return out;
}

std::string hostname() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "unknown";
  return buf;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) != 0) continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos) break;
    const auto start = line.find_first_not_of(' ', colon + 1);
    return start == std::string::npos ? "unknown" : line.substr(start);
  }
  return "unknown";
}

void seed_everything(uint64_t seed) {
  torch::manual_seed(seed);
  if (torch::cuda::is_available()) torch::cuda::manual_seed_all(seed);
}

namespace {

at::Generator default_generator(const torch::Device& device) {
  if (!device.is_cuda()) return at::detail::getDefaultCPUGenerator();
  return at::globalContext().defaultGenerator(
      c10::Device(c10::DeviceType::CUDA, device.has_index() ? device.index() : 0));
}

}  // namespace

torch::Tensor generator_state(const torch::Device& device) {
  auto generator = default_generator(device);
  std::lock_guard<std::mutex> lock(generator.mutex());
  return generator.get_state();
}

void set_generator_state(const torch::Tensor& state, const torch::Device& device) {
  auto generator = default_generator(device);
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(state);
}

IsolatedRandomScope::IsolatedRandomScope(const torch::Device& device, uint64_t seed)
    : device_(device), saved_(generator_state(device)) {
  auto generator = default_generator(device);
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_current_seed(seed);
}

IsolatedRandomScope::~IsolatedRandomScope() { set_generator_state(saved_, device_); }

}  // namespace latent
