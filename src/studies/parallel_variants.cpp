// Variants in child processes (`latent run --jobs N`): fork + exec of the latent program, one
// variant per child, results handed back through files in the variant's folder.
#include "latent/studies/parallel_variants.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <thread>

#include "latent/core/error.h"
#include "latent/core/fs.h"
#include "latent/core/interrupt.h"
#include "latent/core/system.h"
#include "latent/studies/variant_result.h"

namespace latent {

namespace fs = std::filesystem;

namespace {

constexpr const char* kLogFile = "worker.log";

// The last non-empty line of a log, without the "latent: error: " prefix.
std::string last_error_line(const fs::path& log) {
  std::ifstream in(log);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  const std::string prefix = "latent: error: ";
  if (last.compare(0, prefix.size(), prefix) == 0) last = last.substr(prefix.size());
  return last.empty() ? "no output" : last;
}

struct Child {
  pid_t pid = -1;
  size_t index = 0;
};

// Starts `argv` with stdout and stderr going to `log`; returns the child's pid.
pid_t spawn(const std::vector<std::string>& argv, const fs::path& log) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const std::string log_path = log.string();
  const pid_t pid = fork();
  if (pid < 0) throw Error(std::string("--jobs: cannot start a worker process (") + std::strerror(errno) + ")");
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec. The child gets its own process
    // group, so a Ctrl-C reaches only the parent, which passes it on once; and SIGTERM when the
    // parent dies, so no orphan keeps writing into the run folder.
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    const int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
    }
    execv(args[0], args.data());
    const char msg[] = "latent: error: --jobs: cannot run the worker program\n";
    if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) _exit(127);
    _exit(127);
  }
  return pid;
}

}  // namespace

fs::path worker_executable() {
  if (const char* env = std::getenv("LATENT_WORKER_EXE"); env && *env) return env;
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw Error("--jobs: cannot find the running program (/proc/self/exe: " + ec.message() + ")");
  return self;
}

std::vector<VariantResult> run_variants_in_processes(const RunOptions& options, const StudySpec& study,
                                                     const fs::path& run_dir, bool resume, Progress& progress) {
  const size_t n = study.variants.size();
  const size_t jobs = std::min<size_t>(static_cast<size_t>(std::max(1, options.jobs)), n);
  const int total_threads = options.threads > 0 ? options.threads : current_threads();
  const int threads = std::max(1, total_threads / static_cast<int>(jobs));
  const std::string exe = worker_executable().string();
  const fs::path abs_run_dir = fs::absolute(run_dir);

  auto argv_for = [&](const Variant& v) {
    // The resolved spec the parent saved: the same variants, seeds included, fresh or resumed.
    std::vector<std::string> a = {exe, "run", (abs_run_dir / "spec.toml").string()};
    a.insert(a.end(), {"--out", abs_run_dir.string(), "--worker-variant", v.name, "--threads", std::to_string(threads),
                       "--device", options.device, "--plain"});
    if (resume) a.push_back("--worker-resume");
    if (!options.data_dir.empty()) a.insert(a.end(), {"--data-dir", options.data_dir});
    return a;
  };

  std::vector<Child> running;
  std::vector<bool> done(n, false);
  size_t next = 0, finished = 0;
  if (resume)
    for (size_t i = 0; i < n; ++i)
      if (fs::exists(run_dir / study.variants[i].name / kVariantResultFile)) {
        done[i] = true;
        ++finished;
        progress.message(study.base.study + "/" + study.variants[i].name + ": finished before, kept");
      }
  auto stop_all = [&]() {
    for (const auto& c : running) kill(c.pid, SIGTERM);
    for (const auto& c : running) waitpid(c.pid, nullptr, 0);
    running.clear();
  };
  progress.message("latent: " + std::to_string(n) + " variants, " + std::to_string(jobs) + " at a time, " +
                   std::to_string(threads) + " thread(s) each; logs in <variant>/" + kLogFile);
  try {
    while (finished < n) {
      if (const int sig = interrupt_signal()) {
        // Let every child finish its batch and save its training state.
        for (const auto& c : running) kill(c.pid, sig);
        for (const auto& c : running) waitpid(c.pid, nullptr, 0);
        running.clear();
        throw Interrupted(sig, study.base.study + ": interrupted by " + signal_name(sig) +
                                   "; the running variants saved their training state");
      }
      while (next < n && done[next]) ++next;
      while (running.size() < jobs && next < n) {
        const Variant& v = study.variants[next];
        const fs::path dir = run_dir / v.name;
        make_dirs(dir);
        running.push_back({spawn(argv_for(v), dir / kLogFile), next});
        ++next;
        while (next < n && done[next]) ++next;
      }
      bool reaped = false;
      for (size_t i = 0; i < running.size(); ++i) {
        int status = 0;
        const pid_t r = waitpid(running[i].pid, &status, WNOHANG);
        if (r == 0) continue;
        const Child child = running[i];
        running.erase(running.begin() + static_cast<std::ptrdiff_t>(i));
        reaped = true;
        const std::string& name = study.variants[child.index].name;
        const fs::path log = run_dir / name / kLogFile;
        if (r < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
          const std::string why = r < 0                 ? std::strerror(errno)
                                  : WIFSIGNALED(status) ? "killed by signal " + std::to_string(WTERMSIG(status))
                                                        : last_error_line(log);
          stop_all();
          throw Error("variant " + name + " failed: " + why + " (log: " + log.string() + ")");
        }
        done[child.index] = true;
        ++finished;
        progress.message("latent: variant " + name + " finished (" + std::to_string(finished) + "/" +
                         std::to_string(n) + ")");
        break;
      }
      if (!reaped) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  } catch (...) {
    stop_all();
    throw;
  }

  std::vector<VariantResult> results;
  for (const auto& v : study.variants)
    results.push_back(load_variant_result(run_dir / v.name / kVariantResultFile, torch::kCPU));
  return results;
}

RunSummary run_variant_worker(const RunOptions& options) {
  set_threads(options.threads);
  if (options.out_dir.empty()) throw UsageError("--worker-variant: needs --out");
  // The parent's resolved spec.toml, read as written by latent.
  SpecSource source = load_spec_source(options.spec);
  StudySpec study = parse_study_spec(source.text, source.where, options.overrides, /*stored=*/true);
  const Variant* variant = nullptr;
  for (const auto& v : study.variants)
    if (v.name == options.worker_variant) variant = &v;
  if (!variant)
    throw UsageError("--worker-variant: '" + options.worker_variant + "' is not a variant of " + study.base.study);
  RunContext ctx;
  ctx.device = resolve_device(options.device);
  ctx.data_dir = options.data_dir;
  ctx.resume = options.worker_resume;
  ctx.observers = options.observers;
  InterruptGuard interrupts;
  auto progress = make_progress(options.progress);
  ctx.progress = progress.get();
  ctx.variant_dir = fs::path(options.out_dir) / variant->name;
  make_dirs(ctx.variant_dir);
  auto runner = make_study_runner(study.base.kind);
  runner->prepare(study.base, ctx);
  seed_everything(static_cast<uint64_t>(variant->spec.seed));
  VariantResult r = runner->run_variant(*variant, ctx);
  finish_variant(ctx.variant_dir, r);
  nlohmann::json metrics;
  metrics["variants"] = nlohmann::json::array({r.metrics});
  return {options.out_dir, metrics};
}

}  // namespace latent
