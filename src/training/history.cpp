// History as CSV.
#include "latent/training/history.h"

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

std::string history_csv(const History& history) {
  std::string out = "epoch,train_loss,val_loss,lr,seconds";
  if (!history.empty())
    for (const auto& [name, value] : history.front().extra) out += "," + name;
  out += "\n";
  for (const auto& r : history) {
    out += std::to_string(r.epoch) + "," + num(r.train_loss) + "," + num(r.val_loss) + "," + num(r.lr) + "," + num(r.seconds);
    for (const auto& [name, value] : r.extra) out += "," + num(value);
    out += "\n";
  }
  return out;
}

void write_history_csv(const std::filesystem::path& path, const History& history) { write_file_atomic(path, history_csv(history)); }

}  // namespace latent
