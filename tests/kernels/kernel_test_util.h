// What the kernel tests share: skipping a test whose kernel this CPU cannot run or the switch turns off.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "latent/kernels/registry.h"

namespace latent::testing {

// Why `kernel` cannot be tested here ("" when it can): this CPU (or LibTorch) cannot run it, or
// LATENT_KERNELS switches it off.
inline std::string kernel_skip_reason(Kernel kernel) {
  const auto& info = kernel_info(kernel);
  if (!kernel_available(kernel)) return info.name + ": this CPU or LibTorch cannot run it (needs " + info.needs + ")";
  if (!kernel_switched_on(kernel))
    return info.name + " is switched off (" + kKernelSwitchVariable + "=" + kernel_switch_value() + ")";
  return "";
}

}  // namespace latent::testing

// Skips the current test, saying why, unless `kernel` is enabled.
#define LATENT_REQUIRE_KERNEL(kernel)                                                                             \
  if (const auto latent_skip_reason = ::latent::testing::kernel_skip_reason(kernel); !latent_skip_reason.empty()) \
  GTEST_SKIP() << latent_skip_reason
