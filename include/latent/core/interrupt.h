// Interruption and fault injection. While an InterruptGuard lives, SIGINT and SIGTERM only
// raise a flag: the training loop finishes its batch, writes a checkpoint and throws
// Interrupted, which the CLI turns into exit code 128 + signal (130, 143). A second signal
// of the same kind stops the process at once.
//
// LATENT_FAULT=WHAT@N injects a fault after the N-th training batch of a process (1-based),
// for the reliability tests: WHAT is kill (SIGKILL: no chance to clean up), term, int
// (the signals, raised as if sent from outside) or nan (the batch's loss becomes NaN).
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

// Installs the SIGINT/SIGTERM handlers, clears the flag and reads LATENT_FAULT (a malformed
// value throws UsageError naming it); restores the previous handlers when it goes out of scope.
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

enum class Fault { kNone, kNan };

// Counts a finished training batch and carries out the LATENT_FAULT (read when the guard was
// installed; none without a guard) injected at this count:
// raises the signal (kill/term/int) or returns Fault::kNan.
Fault training_batch_fault();

}  // namespace latent
