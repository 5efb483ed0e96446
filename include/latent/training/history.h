// Per-epoch training history and its CSV form (epoch, train_loss, val_loss, lr, seconds, then
// any extra columns of the study).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace latent {

struct EpochRecord {
  int64_t epoch = 0;      // 1-based
  double train_loss = 0;  // mean training loss over the epoch's examples
  double val_loss = 0;    // NaN when there is no validation data
  double lr = 0;          // learning rate used during the epoch
  double seconds = 0;     // wall time of the epoch's training steps
  // Further columns a study adds (name, value), after the standard ones; the first record's
  // names are the CSV header, so every record carries the same names in the same order.
  std::vector<std::pair<std::string, double>> extra;
};

using History = std::vector<EpochRecord>;

// The epoch from which a run has stopped learning, or 0: its last kStalledEpochs epochs have the
// same training loss (to 1e-6 relative) and the same validation loss (to 1e-6, or none), which
// only a model whose outputs no longer change gives, e.g. a saturated or dead output layer.
constexpr int64_t kStalledEpochs = 3;
int64_t stalled_since(const History& history);

std::string history_csv(const History& history);
void write_history_csv(const std::filesystem::path& path, const History& history);

}  // namespace latent
