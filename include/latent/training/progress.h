// Progress reporting for long work: a bar per epoch on a terminal (batches, loss, samples/s,
// ETA), plain log lines otherwise. Written to stderr so stdout stays for results.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "latent/training/history.h"

namespace latent {

class Progress {
 public:
  virtual ~Progress() = default;
  virtual void begin_epoch(const std::string& label, int64_t epoch, int64_t epochs, int64_t batches) = 0;
  // Called after each batch: batches done, running mean loss, examples done so far this epoch.
  virtual void batch(int64_t done, double mean_loss, int64_t examples) = 0;
  virtual void end_epoch(const EpochRecord& record, int64_t examples) = 0;
  virtual void message(const std::string& line) = 0;
  // Whether batch() wants the running loss (reading it may synchronise a device).
  virtual bool wants_batches() const = 0;
};

enum class ProgressStyle { kAuto, kBar, kLines, kQuiet };

// kAuto: a bar when stderr is a terminal, lines otherwise.
std::unique_ptr<Progress> make_progress(ProgressStyle style = ProgressStyle::kAuto);

}  // namespace latent
