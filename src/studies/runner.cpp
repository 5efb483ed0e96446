// Study orchestration: spec resolution, run folder, variants, metrics.json.
#include "latent/studies/runner.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <iomanip>
#include <sstream>

#include "latent/core/error.h"
#include "latent/core/interrupt.h"
#include "latent/core/fs.h"
#include "latent/core/system.h"
#include "latent/core/text.h"
#include "latent/report/html_report.h"
#include "latent/report/tensorboard.h"
#include "latent/studies/builtin.h"
#include "latent/studies/parallel_variants.h"
#include "latent/studies/study.h"
#include "latent/studies/sweep_table.h"
#include "latent/studies/variant_result.h"
#include "latent/training/train_state.h"

namespace latent {

SpecSource load_spec_source(const std::string& spec) {
  const std::string name = spec.empty() ? kDefaultStudy : spec;
  if (const char* text = find_builtin(name)) return {text, "configs/" + name + ".toml"};
  std::error_code ec;
  if (fs::is_regular_file(name, ec)) return {read_text_file(name), name};
  if (name.find('/') != std::string::npos || (name.size() > 5 && name.substr(name.size() - 5) == ".toml"))
    throw UsageError("SPEC: '" + name + "': no such file");
  throw UsageError("SPEC: '" + name + "' is neither a built-in study (see 'latent list') nor a TOML file");
}

StudySpec resolve_study(const RunOptions& options) {
  SpecSource source = load_spec_source(options.spec);
  std::vector<std::string> overrides = options.overrides;
  if (options.seed >= 0) overrides.push_back("seed=" + std::to_string(options.seed));
  StudySpec study = parse_study_spec(source.text, source.where, overrides);
  return options.variants.empty() ? study : select_variants(std::move(study), options.variants);
}

StudySpec select_variants(StudySpec study, const std::vector<std::string>& names) {
  std::vector<std::string> known;
  for (const auto& v : study.variants) known.push_back(v.name);
  for (const auto& name : names) {
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    const std::string near = nearest_name(name, known);
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    throw UsageError("--variant: study '" + study.base.study + "' has no variant '" + name + "'" +
                     (near.empty() ? "" : " (did you mean '" + near + "'?)") + "; its variants: " + list);
  }
  std::vector<Variant> kept;
  for (auto& v : study.variants)
    if (std::find(names.begin(), names.end(), v.name) != names.end()) kept.push_back(std::move(v));
  study.variants = std::move(kept);
  return study;
}

namespace {

std::string timestamp() {
  auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  localtime_r(&now, &tm);
  std::ostringstream ss;
  ss << std::put_time(&tm, "%Y%m%d-%H%M%S");
  return ss.str();
}

// ISO 8601 UTC, e.g. 2026-11-21T23:15:00Z.
std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  char buf[32];
  return std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm)) ? buf : "";
}

fs::path choose_run_dir(const RunOptions& options, const std::string& study) {
  if (!options.out_dir.empty()) return options.out_dir;
  fs::path base = fs::path("runs") / study / timestamp();
  fs::path dir = base;
  for (int i = 2; fs::exists(dir); ++i) dir = base.string() + "-" + std::to_string(i);
  return dir;
}

void check_writable(const fs::path& dir) {
  fs::path probe = dir / ".latent-write-test";
  try {
    write_file_atomic(probe, "");
  } catch (const Error&) {
    throw Error(dir.string() + ": output folder is not writable");
  }
  std::error_code ec;
  fs::remove(probe, ec);
}

// The options that decide a run's numbers besides its spec, for --resume.
void save_run_options(const fs::path& dir, const RunOptions& options, const torch::Device& device) {
  nlohmann::json j = {
      {"device", device.str()}, {"threads", current_threads()}, {"data_dir", options.data_dir}, {"jobs", options.jobs}};
  write_file_atomic(dir / "run.json", j.dump(2) + "\n");
}

// Fills the options left at their defaults from the run folder's run.json.
void restore_run_options(const fs::path& dir, RunOptions& options) {
  const fs::path path = dir / "run.json";
  if (!fs::exists(path)) return;
  try {
    auto j = nlohmann::json::parse(read_text_file(path));
    if (options.device == "cpu") options.device = j.value("device", "cpu");
    if (options.threads == 0) options.threads = j.value("threads", 0);
    if (options.data_dir.empty()) options.data_dir = j.value("data_dir", "");
    if (options.jobs == 1) options.jobs = j.value("jobs", 1);
  } catch (const nlohmann::json::exception& e) {
    throw Error(path.string() + ": damaged (" + std::string(e.what()) + ")");
  }
}

StudySpec resume_study(RunOptions& options, fs::path& run_dir) {
  run_dir = options.resume_dir;
  if (!fs::is_directory(run_dir)) throw UsageError("--resume: '" + run_dir.string() + "': no such run folder");
  if (fs::exists(run_dir / "metrics.json"))
    throw UsageError("--resume: '" + run_dir.string() + "' holds a finished run (it has metrics.json)");
  const fs::path spec_path = run_dir / "spec.toml";
  if (!fs::exists(spec_path))
    throw UsageError("--resume: '" + run_dir.string() + "' is not a run folder (no spec.toml)");
  restore_run_options(run_dir, options);
  return parse_study_spec(read_text_file(spec_path), spec_path.string(), {}, /*stored=*/true);
}

}  // namespace

RunSummary run_study(const RunOptions& given) {
  if (!given.worker_variant.empty()) return run_variant_worker(given);
  RunOptions options = given;
  const bool resuming = !options.resume_dir.empty();
  fs::path run_dir;
  StudySpec study = resuming ? resume_study(options, run_dir) : resolve_study(options);
  set_threads(options.threads);
  RunContext ctx;
  ctx.device = resolve_device(options.device);
  ctx.data_dir = options.data_dir;
  ctx.resume = resuming;
  ctx.observers = options.observers;
  auto runner = make_study_runner(study.base.kind);
  auto progress = make_progress(options.progress);
  ctx.progress = progress.get();
  InterruptGuard interrupts;

  if (!resuming) {
    run_dir = choose_run_dir(options, study.base.study);
    if (fs::exists(run_dir / "metrics.json"))
      throw UsageError("--out: '" + run_dir.string() + "' already holds a finished run (choose another folder)");
    make_dirs(run_dir);
    check_writable(run_dir);
    write_file_atomic(run_dir / "spec.toml", study_spec_to_toml(study));
    save_run_options(run_dir, options, ctx.device);
  } else {
    check_writable(run_dir);
  }

  const auto start = std::chrono::steady_clock::now();
  const std::string started = utc_now();
  progress->message("latent: " + std::string(resuming ? "resuming" : "study") + " " + study.base.study + " (" +
                    std::to_string(study.variants.size()) + " variant" + (study.variants.size() == 1 ? "" : "s") +
                    ") on " + ctx.device.str() + ", " + std::to_string(current_threads()) + " thread(s); run folder " +
                    run_dir.string());
  runner->prepare(study.base, ctx);
  std::vector<VariantResult> results;
  // An interruption anywhere below leaves a resumable folder: say how to continue.
  try {
    if (options.jobs > 1 && study.variants.size() > 1) {
      results = run_variants_in_processes(options, study, run_dir, resuming, *progress);
      for (size_t i = 0; i < results.size(); ++i) results[i].metrics["dir"] = study.variants[i].name;
    }
    // Sequentially, in this process, unless the workers above ran them.
    for (const auto& variant : results.empty() ? study.variants : std::vector<Variant>{}) {
      ctx.variant_dir = study.variants.size() == 1 ? run_dir : run_dir / variant.name;
      const fs::path result_path = ctx.variant_dir / kVariantResultFile;
      if (resuming && fs::exists(result_path)) {
        results.push_back(load_variant_result(result_path, ctx.device));
        progress->message(study.base.study + "/" + variant.name + ": finished before, kept");
        continue;
      }
      make_dirs(ctx.variant_dir);
      seed_everything(static_cast<uint64_t>(variant.spec.seed));
      VariantResult r = runner->run_variant(variant, ctx);
      if (study.variants.size() > 1) r.metrics["dir"] = variant.name;
      finish_variant(ctx.variant_dir, r);
      results.push_back(std::move(r));
      if (const int sig = interrupt_signal())
        throw Interrupted(sig, study.base.study + "/" + variant.name + ": interrupted by " + signal_name(sig) +
                                   " after the variant finished");
    }
  } catch (const Interrupted& e) {
    throw Interrupted(e.signal(), std::string(e.what()) + "; continue with: latent run --resume " + run_dir.string());
  }
  const auto swept = sweep_parameters(study);
  if (results.size() > 1)
    for (size_t i = 0; i < results.size(); ++i) results[i].metrics["sweep"] = swept[i];
  runner->finish(results, run_dir, study.base);

  nlohmann::json metrics;
  metrics["study"] = study.base.study;
  metrics["kind"] = study.base.kind;
  metrics["seed"] = study.base.seed;
  metrics["started"] = started;
  metrics["wall_seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (resuming) metrics["resumed"] = true;
  metrics["machine"] = {{"host", hostname()},  {"latent", latent_version()},   {"libtorch", torch_version()},
                        {"blas", blas_info()}, {"threads", current_threads()}, {"device", ctx.device.str()},
                        {"cpu", cpu_model()}};
  metrics["variants"] = nlohmann::json::array();
  std::vector<nlohmann::json> variant_metrics;
  for (const auto& r : results) metrics["variants"].push_back(r.metrics), variant_metrics.push_back(r.metrics);
  // What the kind's metrics are: the summary, compare, the sweep table and report.html read this.
  const ResultSchema& schema = study_kind(study.base.kind).results;
  metrics["results"] = schema.to_json();
  if (auto headline = schema.headline_for(variant_metrics)) metrics["results"]["headline_key"] = headline->key;
  write_file_atomic(run_dir / "metrics.json", metrics.dump(2) + "\n");
  write_run_events(run_dir);
  write_run_report(run_dir);
  return {run_dir, metrics};
}

}  // namespace latent
