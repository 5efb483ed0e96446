// Study orchestration: spec resolution, run folder, variants, metrics.json.
#include "latent/studies/runner.h"

#include <chrono>
#include <ctime>
#include <iomanip>
#include <sstream>

#include "latent/core/error.h"
#include "latent/core/fs.h"
#include "latent/core/system.h"
#include "latent/report/html_report.h"
#include "latent/report/tensorboard.h"
#include "latent/studies/builtin.h"
#include "latent/studies/study.h"

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
  return parse_study_spec(source.text, source.where, overrides);
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

}  // namespace

RunSummary run_study(const RunOptions& options) {
  set_threads(options.threads);
  StudySpec study = resolve_study(options);
  RunContext ctx;
  ctx.device = resolve_device(options.device);
  ctx.data_dir = options.data_dir;
  auto runner = make_study_runner(study.base.kind);
  auto progress = make_progress(options.progress);
  ctx.progress = progress.get();

  const fs::path run_dir = choose_run_dir(options, study.base.study);
  if (fs::exists(run_dir / "metrics.json"))
    throw UsageError("--out: '" + run_dir.string() + "' already holds a finished run (choose another folder)");
  make_dirs(run_dir);
  check_writable(run_dir);
  write_file_atomic(run_dir / "spec.toml", study_spec_to_toml(study));

  const auto start = std::chrono::steady_clock::now();
  const std::string started = utc_now();
  progress->message("latent: study " + study.base.study + " (" + std::to_string(study.variants.size()) + " variant" +
                    (study.variants.size() == 1 ? "" : "s") + ") on " + ctx.device.str() + ", " + std::to_string(current_threads()) +
                    " thread(s); run folder " + run_dir.string());
  runner->prepare(study.base, ctx);
  std::vector<VariantResult> results;
  for (const auto& variant : study.variants) {
    ctx.variant_dir = study.variants.size() == 1 ? run_dir : run_dir / variant.name;
    make_dirs(ctx.variant_dir);
    seed_everything(static_cast<uint64_t>(variant.spec.seed));
    VariantResult r = runner->run_variant(variant, ctx);
    if (study.variants.size() > 1) r.metrics["dir"] = variant.name;
    results.push_back(std::move(r));
  }
  runner->finish(results, run_dir, study.base);

  nlohmann::json metrics;
  metrics["study"] = study.base.study;
  metrics["kind"] = study.base.kind;
  metrics["seed"] = study.base.seed;
  metrics["started"] = started;
  metrics["wall_seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  metrics["machine"] = {{"host", hostname()},          {"latent", latent_version()},     {"libtorch", torch_version()},
                        {"blas", blas_info()},         {"threads", current_threads()},  {"device", ctx.device.str()},
                        {"cpu", cpu_model()}};
  metrics["variants"] = nlohmann::json::array();
  for (const auto& r : results) metrics["variants"].push_back(r.metrics);
  write_file_atomic(run_dir / "metrics.json", metrics.dump(2) + "\n");
  write_run_events(run_dir);
  write_run_report(run_dir);
  return {run_dir, metrics};
}

}  // namespace latent
