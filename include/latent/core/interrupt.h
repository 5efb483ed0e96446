// Interruption. While an InterruptGuard lives, SIGINT and SIGTERM only raise a flag: the training
// loop finishes its batch, writes a checkpoint and throws Interrupted, which the CLI turns into
// exit code 128 + signal (130, 143). A second signal of the same kind stops the process at once.
#pragma once

#include <cstdint>
#include <string>

#include "latent/core/error.h"

namespace latent {

class Interrupted : public Error {
 public:
  Interrupted(int signal, const std::string& message) : Error(message), signal_(signal) {}
  int signal() const { return signal_; }
  int exit_code() const { return 128 + signal_; }

 private:
  int signal_;
};

// Installs the SIGINT/SIGTERM handlers and clears the flag; restores the previous handlers when it
// goes out of scope.
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
};

// The signal received since the guard was installed, or 0.
int interrupt_signal();

// "SIGINT", "SIGTERM", ...
std::string signal_name(int signal);

}  // namespace latent
