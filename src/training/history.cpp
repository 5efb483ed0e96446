// History as CSV, and whether a run has stopped learning.
#include "latent/training/history.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "latent/core/fs.h"

namespace latent {

namespace {
std::string num(double v) {
  if (std::isnan(v)) return "";
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.8g", v);
  return buf;
}
}  // namespace

int64_t stalled_since(const History& history) {
  if (static_cast<int64_t>(history.size()) < kStalledEpochs) return 0;
  const auto same = [](double a, double b) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
    return std::abs(a - b) <= 1e-6 * std::max(std::abs(a), std::abs(b));
  };
  const EpochRecord& last = history.back();
  for (auto it = history.end() - kStalledEpochs; it != history.end(); ++it)
    if (!same(it->train_loss, last.train_loss) || !same(it->val_loss, last.val_loss)) return 0;
  return (history.end() - kStalledEpochs)->epoch;
}

std::string history_csv(const History& history) {
  std::string out = "epoch,train_loss,val_loss,lr,seconds";
  if (!history.empty())
    for (const auto& [name, value] : history.front().extra) out += "," + name;
  out += "\n";
  for (const auto& r : history) {
    out += std::to_string(r.epoch) + "," + num(r.train_loss) + "," + num(r.val_loss) + "," + num(r.lr) + "," +
           num(r.seconds);
    for (const auto& [name, value] : r.extra) out += "," + num(value);
    out += "\n";
  }
  return out;
}

void write_history_csv(const std::filesystem::path& path, const History& history) {
  write_file_atomic(path, history_csv(history));
}

}  // namespace latent
