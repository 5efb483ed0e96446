// LATENT_FAULT: faults injected after a given training batch (see fault_injection.h).
#include "fault_injection.h"

#include <csignal>
#include <cstdlib>
#include <limits>
#include <string>

#include "latent/core/error.h"

namespace latent {

namespace {

class FaultInjector : public LoopObserver {
 public:
  FaultInjector(std::string what, int64_t at) : what_(std::move(what)), at_(at) {}

  void after_batch(TrainSession&, StepStats& stats) override {
    if (++batches_ != at_) return;
    if (what_ == "nan") {
      if (auto* loss = stats.find("loss"))
        loss->value = torch::full_like(loss->value, std::numeric_limits<double>::quiet_NaN());
      return;
    }
    std::raise(what_ == "kill" ? SIGKILL : what_ == "term" ? SIGTERM : SIGINT);
  }

 private:
  std::string what_;
  int64_t at_;
  int64_t batches_ = 0;
};

}  // namespace

std::shared_ptr<LoopObserver> fault_injection_from_environment() {
  const char* env = std::getenv("LATENT_FAULT");
  if (env == nullptr || *env == '\0') return nullptr;
  const std::string s = env;
  const auto at = s.find('@');
  std::string what;
  int64_t n = 0;
  if (at != std::string::npos) {
    what = s.substr(0, at);
    char* end = nullptr;
    n = std::strtoll(s.c_str() + at + 1, &end, 10);
    if (end == s.c_str() + at + 1 || *end != '\0') n = 0;
  }
  if ((what != "kill" && what != "term" && what != "int" && what != "nan") || n <= 0)
    throw UsageError("LATENT_FAULT='" + s + "': expected kill@N, term@N, int@N or nan@N with N >= 1");
  return std::make_shared<FaultInjector>(what, n);
}

}  // namespace latent
