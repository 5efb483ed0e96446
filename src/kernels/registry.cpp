// The kernel list and the LATENT_KERNELS switch (see kernels/registry.h).
#include "latent/kernels/registry.h"

#include <cstdlib>

#include "latent/core/error.h"
#include "latent/kernels/fast_random.h"
#include "latent/kernels/gemm.h"

namespace latent {

namespace {

struct SwitchState {
  std::string value;
  std::vector<bool> on;
};

const SwitchState& environment_switch() {
  static const SwitchState state = [] {
    const char* env = std::getenv(kKernelSwitchVariable);
    SwitchState s;
    s.value = env != nullptr && *env != '\0' ? env : "all";
    s.on = parse_kernel_switch(s.value);
    return s;
  }();
  return state;
}

// The live ScopedKernelSwitches' states, innermost last.
std::vector<SwitchState>& overrides() {
  static std::vector<SwitchState> stack;
  return stack;
}

const SwitchState& current_switch() { return overrides().empty() ? environment_switch() : overrides().back(); }

std::string trimmed(const std::string& s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

std::string known_names() {
  std::string out;
  for (const auto& k : kernel_registry()) out += (out.empty() ? "" : ", ") + k.name;
  return out;
}

}  // namespace

const std::vector<KernelInfo>& kernel_registry() {
  static const std::vector<KernelInfo> kRegistry = {
      {Kernel::kGemm, "gemm", "Linear's products and gradients, AVX-512 register-blocked (not the BLAS)", "avx512f",
       gemm_available},
      {Kernel::kConv2d, "conv2d", "Conv2d, the batch split over the threads (LibTorch's kernel per slice)", "",
       nullptr},
      {Kernel::kConvTranspose2d, "conv_transpose2d", "ConvTranspose2d through the convolutions it is the adjoint of",
       "", nullptr},
      {Kernel::kMaxPool2x2, "max_pool2x2", "MaxPool2d(2) in one pass, LibTorch's values and gradient", "", nullptr},
      {Kernel::kUpsample2x, "upsample2x", "Upsample(2, nearest) in one pass, LibTorch's values and gradient", "",
       nullptr},
      {Kernel::kRelu, "relu", "ReLU, batch-sized tensors on the calling thread (LibTorch's relu)", "", nullptr},
      {Kernel::kSigmoid, "sigmoid", "sigmoid outside autograd, a Cephes-style expf (a few ulp from LibTorch's)", "",
       nullptr},
      {Kernel::kBce, "bce", "BCE on logits (mean, per example) summed in one pass", "", nullptr},
      {Kernel::kCountSameSide, "count_same_side", "pixel agreement ((a > t) == (b > t)).sum() in one pass", "",
       nullptr},
      {Kernel::kBernoulli, "bernoulli", "Dropout's mask, LibTorch's bernoulli_ values a block at a time",
       "LibTorch's MT19937 bernoulli_, checked once", bernoulli_mask_available},
      {Kernel::kNormal, "normal", "Gaussian noise, LibTorch's normal_ values a block at a time",
       "avx2, fma and LibTorch's AVX2 normal_, checked once", normal_fill_available},
      {Kernel::kAdam, "adam", "Adam's step in one pass over parameter, gradient and moments", "", nullptr},
  };
  return kRegistry;
}

const KernelInfo& kernel_info(Kernel kernel) { return kernel_registry()[static_cast<size_t>(kernel)]; }

std::vector<bool> parse_kernel_switch(const std::string& value, const std::string& source) {
  const auto& registry = kernel_registry();
  const std::string whole = trimmed(value);
  if (whole.empty() || whole == "all") return std::vector<bool>(registry.size(), true);
  if (whole == "off") return std::vector<bool>(registry.size(), false);
  auto refuse = [&](const std::string& why) {
    throw UsageError(source + "='" + value + "': " + why +
                     " (expected all, off, or a comma-separated list of: " + known_names() + ")");
  };
  std::vector<bool> on(registry.size(), false);
  size_t from = 0;
  while (true) {
    const auto comma = value.find(',', from);
    const std::string name = trimmed(value.substr(from, comma == std::string::npos ? std::string::npos : comma - from));
    if (name.empty()) refuse("an empty name in the list");
    if (name == "all" || name == "off") refuse("'" + name + "' stands alone, not in a list");
    bool found = false;
    for (size_t i = 0; i < registry.size(); ++i) {
      if (registry[i].name == name) {
        on[i] = true;
        found = true;
      }
    }
    if (!found) refuse("unknown kernel '" + name + "'");
    if (comma == std::string::npos) break;
    from = comma + 1;
  }
  return on;
}

std::string kernel_switch_value() { return current_switch().value; }

bool kernel_switched_on(Kernel kernel) { return current_switch().on[static_cast<size_t>(kernel)]; }

bool kernel_available(Kernel kernel) {
  const auto& info = kernel_info(kernel);
  return info.available == nullptr || info.available();
}

bool kernel_enabled(Kernel kernel) { return kernel_switched_on(kernel) && kernel_available(kernel); }

ScopedKernelSwitch::ScopedKernelSwitch(const std::string& value) {
  auto on = parse_kernel_switch(value, "kernel switch");
  overrides().push_back({trimmed(value).empty() ? "all" : trimmed(value), std::move(on)});
}

ScopedKernelSwitch::~ScopedKernelSwitch() { overrides().pop_back(); }

}  // namespace latent
