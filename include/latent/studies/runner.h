// Running a study end to end: resolve the spec, create the run folder, run every variant,
// write spec.toml, metrics.json and results.md. Files are written atomically.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "latent/studies/spec.h"
#include "latent/training/loop.h"
#include "latent/training/progress.h"

namespace latent {

struct RunOptions {
  std::string spec;                    // built-in study name or a TOML file path; empty: the default study
  std::vector<std::string> overrides;  // --set key=value
  std::vector<std::string> variants;   // --variant NAME: run only these of the study's variants (spec order)
  std::string out_dir;                 // --out; empty: runs/<study>/<timestamp>
  std::string device = "cpu";          // cpu | cuda | cuda:N | auto
  int threads = 0;                     // 0: LibTorch's default
  int64_t seed = -1;                   // -1: the spec's seed
  std::string data_dir;                // --data-dir
  ProgressStyle progress = ProgressStyle::kAuto;
  // --resume RUN_DIR: continue an interrupted run in its folder, with its spec.toml and the
  // device, threads and data folder it was started with (run.json; options left at their
  // defaults here take those). Finished variants are kept, the interrupted one continues
  // from its train_state.pt.
  std::string resume_dir;
  int jobs = 1;                // --jobs: variants run at a time, each in a child process (parallel_variants.h)
  std::string worker_variant;  // --worker-variant (internal): run only this variant, as a --jobs child
  bool worker_resume = false;  // --worker-resume (internal): the child continues the variant's train_state.pt
  // Watch every training loop of the run (tests and tools: fault injection, apps/latent/fault_injection.h).
  std::vector<std::shared_ptr<LoopObserver>> observers;
};

struct RunSummary {
  std::filesystem::path run_dir;
  nlohmann::json metrics;
};

// Resolves a SPEC argument to TOML text and a name for messages.
struct SpecSource {
  std::string text;
  std::string where;
};
SpecSource load_spec_source(const std::string& spec);

StudySpec resolve_study(const RunOptions& options);

// Keeps only the named variants (the spec's order); an unknown name is a UsageError with a
// did-you-mean and the study's variant names.
StudySpec select_variants(StudySpec study, const std::vector<std::string>& names);

// Runs (or resumes) a study. SIGINT/SIGTERM during training save the training state and
// throw Interrupted, whose message says how to resume.
RunSummary run_study(const RunOptions& options);

}  // namespace latent
