// Signal flag for graceful interruption, and LATENT_FAULT injection.
#include "latent/core/interrupt.h"

#include <csignal>
#include <cstdlib>
#include <cstring>

namespace latent {

namespace {

volatile std::sig_atomic_t g_signal = 0;
struct sigaction g_old_int {};
struct sigaction g_old_term {};
int g_guards = 0;

extern "C" void on_signal(int sig) {
  if (g_signal == sig) {
    // Second time: the user insists. Default action, now.
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    return;
  }
  g_signal = sig;
}

struct FaultPlan {
  std::string what;  // "" when none
  int64_t at = 0;
};

FaultPlan parse_fault() {
  const char* env = std::getenv("LATENT_FAULT");
  if (env == nullptr || *env == '\0') return {};
  const std::string s = env;
  const auto at = s.find('@');
  FaultPlan plan;
  if (at != std::string::npos) {
    plan.what = s.substr(0, at);
    char* end = nullptr;
    plan.at = std::strtoll(s.c_str() + at + 1, &end, 10);
    if (end == s.c_str() + at + 1 || *end != '\0') plan.at = 0;
  }
  if ((plan.what != "kill" && plan.what != "term" && plan.what != "int" && plan.what != "nan") || plan.at <= 0)
    throw UsageError("LATENT_FAULT='" + s + "': expected kill@N, term@N, int@N or nan@N with N >= 1");
  return plan;
}

FaultPlan g_plan;
int64_t g_batches = 0;

}  // namespace

InterruptGuard::InterruptGuard() {
  if (g_guards > 0) {
    ++g_guards;
    return;
  }
  g_plan = parse_fault();
  g_batches = 0;
  ++g_guards;
  g_signal = 0;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &g_old_int);
  sigaction(SIGTERM, &sa, &g_old_term);
}

InterruptGuard::~InterruptGuard() {
  if (--g_guards > 0) return;
  sigaction(SIGINT, &g_old_int, nullptr);
  sigaction(SIGTERM, &g_old_term, nullptr);
  g_signal = 0;
  g_plan = {};
}

int interrupt_signal() { return g_signal; }

std::string signal_name(int signal) {
  switch (signal) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGKILL: return "SIGKILL";
    default: return "signal " + std::to_string(signal);
  }
}

Fault training_batch_fault() {
  if (g_plan.what.empty() || ++g_batches != g_plan.at) return Fault::kNone;
  if (g_plan.what == "nan") return Fault::kNan;
  std::raise(g_plan.what == "kill" ? SIGKILL : g_plan.what == "term" ? SIGTERM : SIGINT);
  return Fault::kNone;
}

}  // namespace latent
