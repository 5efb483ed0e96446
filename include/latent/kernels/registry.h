// The list of latent's hand-written kernels and the one switch that turns them on and off.
//
// Every kernel under src/kernels has an entry here: its name, what it computes and what it replaces,
// what the CPU must have to run it. The environment variable LATENT_KERNELS chooses which run:
//   LATENT_KERNELS=all         every kernel this CPU can run (the default, also when unset or empty);
//   LATENT_KERNELS=off         none: every layer, loss, draw and optimizer step is LibTorch's own;
//   LATENT_KERNELS=gemm,adam   exactly the kernels named (comma-separated), where this CPU can run them.
// It is read once per process, at the first question; a bad value is a one-line UsageError naming the
// variable, the value and the known names. Whether a kernel then runs on a given call is decided in
// one place, kernels/substitute.h, which asks kernel_enabled() and the kernel's own "can this input
// be handled" predicate (docs/kernels.md).
#pragma once

#include <string>
#include <vector>

namespace latent {

enum class Kernel {
  kGemm,
  kConv2d,
  kConvTranspose2d,
  kMaxPool2x2,
  kUpsample2x,
  kRelu,
  kSigmoid,
  kBce,
  kCountSameSide,
  kBernoulli,
  kNormal,
  kAdam,
};

struct KernelInfo {
  Kernel kernel;
  std::string name;         // its name under LATENT_KERNELS
  std::string description;  // one line: what it computes, in place of which LibTorch operator
  std::string needs;        // what this CPU (and LibTorch) must have to run it; "" for any
  bool (*available)();      // whether they do (each answer computed once); nullptr: always
};

// Every kernel, in the order `latent info` lists them.
const std::vector<KernelInfo>& kernel_registry();
const KernelInfo& kernel_info(Kernel kernel);

// The environment variable of the switch.
constexpr const char* kKernelSwitchVariable = "LATENT_KERNELS";

// Which kernels a switch value turns on, indexed by Kernel: "" or "all" every one, "off" none, else a
// comma-separated list of names (spaces around a name ignored). Anything else (an unknown name, an
// empty item, "all" or "off" inside a list) is a UsageError naming `source` (the variable, or where
// the value came from), the value and the known names.
std::vector<bool> parse_kernel_switch(const std::string& value, const std::string& source = kKernelSwitchVariable);

// The switch in force: the innermost live ScopedKernelSwitch's value, else LATENT_KERNELS as read at
// the first call of any of these functions ("all" when unset).
std::string kernel_switch_value();

// Whether the switch turns `kernel` on (whether or not this CPU can run it).
bool kernel_switched_on(Kernel kernel);
// Whether this CPU and this LibTorch can run `kernel`.
bool kernel_available(Kernel kernel);
// Switched on and available: whether the substitution may use it.
bool kernel_enabled(Kernel kernel);

// For its lifetime, the switch is `value` (the same grammar as LATENT_KERNELS) instead of the
// environment's: for tests and benchmarks that compare a kernel with LibTorch in one process.
// Process-wide, nestable (the previous value comes back at destruction); set it from one thread
// while no other thread runs latent's layers.
class ScopedKernelSwitch {
 public:
  explicit ScopedKernelSwitch(const std::string& value);
  ~ScopedKernelSwitch();
  ScopedKernelSwitch(const ScopedKernelSwitch&) = delete;
  ScopedKernelSwitch& operator=(const ScopedKernelSwitch&) = delete;
};

}  // namespace latent
