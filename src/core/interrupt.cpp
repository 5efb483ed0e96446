// Signal flag for graceful interruption.
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

}  // namespace

InterruptGuard::InterruptGuard() {
  if (g_guards > 0) {
    ++g_guards;
    return;
  }
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
}

int interrupt_signal() { return g_signal; }

std::string signal_name(int signal) {
  switch (signal) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGKILL:
      return "SIGKILL";
    default:
      return "signal " + std::to_string(signal);
  }
}

}  // namespace latent
