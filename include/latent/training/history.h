// Per-epoch training history and its CSV form (epoch, train_loss, val_loss, lr, seconds).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace latent {

struct EpochRecord {
  int64_t epoch = 0;       // 1-based
  double train_loss = 0;   // mean training loss over the epoch's examples
  double val_loss = 0;     // NaN when there is no validation data
  double lr = 0;           // learning rate used during the epoch
  double seconds = 0;      // wall time of the epoch's training steps
};

using History = std::vector<EpochRecord>;

std::string history_csv(const History& history);
void write_history_csv(const std::filesystem::path& path, const History& history);

}  // namespace latent
