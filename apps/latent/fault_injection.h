// Fault injection for the reliability tests, as a loop observer the CLI installs when
// LATENT_FAULT is set, so the training loop itself has no such branch.
//
// LATENT_FAULT=WHAT@N injects a fault after the N-th training batch of a run (1-based, counted
// across its variants): WHAT is kill (SIGKILL: no chance to clean up), term, int (the signals,
// raised as if sent from outside; the loop then saves its state and stops) or nan (the batch's
// loss is recorded as NaN, so the epoch's training loss is not finite).
#pragma once

#include <memory>

#include "latent/training/loop.h"

namespace latent {

// The observer LATENT_FAULT asks for, or null when it is unset or empty; a malformed value is a
// UsageError naming it.
std::shared_ptr<LoopObserver> fault_injection_from_environment();

}  // namespace latent
