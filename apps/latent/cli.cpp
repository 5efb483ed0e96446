// The latent command line: subcommands run, list, info, spec, show, reconstruct, denoise, encode, sample, score,
// predict, make-fraud-data, report, compare, data (data_command.cpp) and word2vec, similar and analogy
// (word2vec_command.cpp). No tensor math here.
#include "cli.h"

#include <CLI/CLI.hpp>

#include <iomanip>
#include <iostream>
#include <sstream>

#include "latent/core/error.h"
#include "latent/core/interrupt.h"
#include "latent/core/system.h"
#include "latent/data/dataset.h"
#include "latent/data/fraud_synth.h"
#include "latent/kernels/registry.h"
#include "latent/report/html_report.h"
#include "latent/studies/anomaly.h"
#include "latent/studies/builtin.h"
#include "latent/studies/classification.h"
#include "latent/studies/inference.h"
#include "latent/studies/runner.h"
#include "latent/studies/spec.h"
#include "latent/studies/vae.h"
#include "latent/report/results_schema.h"
#include "data_command.h"
#include "fault_injection.h"
#include "word2vec_command.h"

namespace latent {

namespace {

std::string version_text() {
  std::ostringstream ss;
  ss << "latent " << latent_version() << " (LibTorch " << torch_version() << ")";
  return ss.str();
}

void print_info(std::ostream& out) {
  // latent's hand-written kernels (docs/kernels.md): on, off (by the switch) or unavailable on this CPU.
  // First, so that a bad LATENT_KERNELS stops here with its one-line error and nothing printed.
  std::ostringstream kernels;
  int on = 0;
  for (const auto& k : kernel_registry()) {
    const char* status = !kernel_available(k.kernel) ? "unavailable" : kernel_switched_on(k.kernel) ? "on" : "off";
    on += kernel_enabled(k.kernel) ? 1 : 0;
    kernels << "  " << std::left << std::setw(18) << k.name << std::setw(13) << status << k.description
            << (kernel_available(k.kernel) ? "" : " (needs " + k.needs + ")") << "\n";
  }
  out << "latent    " << latent_version() << "\n"
      << "libtorch  " << torch_version() << "\n"
      << "blas      " << blas_info() << (blas_is_openblas() ? "" : "  [warning: not OpenBLAS; training will be slow]")
      << "\n"
      << "threads   " << current_threads() << " (hardware: " << std::thread::hardware_concurrency() << ")\n"
      << "random    dropout masks "
      << (kernel_enabled(Kernel::kBernoulli) ? "drawn a block at a time" : "by LibTorch's bernoulli_")
      << ", Gaussian noise " << (kernel_enabled(Kernel::kNormal) ? "drawn a block at a time" : "by LibTorch's normal_")
      << " (LibTorch's values either way)\n"
      << "devices   " << devices_info() << "\n"
      << "data path ";
  bool first = true;
  for (const auto& d : data_search_path("")) {
    out << (first ? "" : ", ") << d.string();
    first = false;
  }
  out << "\n"
      << "kernels   " << kKernelSwitchVariable << "=" << kernel_switch_value() << ": " << on << " of "
      << kernel_registry().size() << " on; latent's loops on " << kernel_loop_threads() << " thread(s)\n"
      << kernels.str();
}

void print_list(std::ostream& out) {
  for (const auto& c : builtin_configs()) {
    StudySpec s = parse_study_spec(c.toml, std::string("configs/") + c.name + ".toml");
    out << std::left << std::setw(14) << c.name << " " << s.base.description
        << (std::string(c.name) == kDefaultStudy ? " (default)" : "") << "\n";
  }
}

// Every key (or one kind's), grouped by the kind or model type that declares it.
void print_spec_keys(std::ostream& out, bool markdown, const std::string& kind) {
  std::string owner;
  for (const auto& k : spec_schema(kind)) {
    if (k.owner != owner) {
      owner = k.owner;
      if (markdown)
        out << "\n### " << (owner == "every kind" ? "Every kind" : owner)
            << "\n\n| key | type | default | meaning |\n|---|---|---|---|\n";
      else
        out << "\n" << (owner == "every kind" ? "every kind" : owner) << ":\n";
    }
    if (markdown)
      out << "| `" << k.key << "` | " << k.type << " | `" << k.default_value << "` | " << k.doc << " |\n";
    else
      out << "  " << std::left << std::setw(33) << k.key << " " << std::setw(18) << k.type << " " << std::setw(16)
          << k.default_value << " " << k.doc << "\n";
  }
}

// One line per variant: the kind's declared summary metrics, then the training time.
void print_summary(std::ostream& out, const RunSummary& summary) {
  out << "\n";
  const auto schema = summary.metrics.contains("results")
                          ? ResultSchema::from_json(summary.metrics["results"], "metrics.json")
                          : ResultSchema{};
  for (const auto& v : summary.metrics["variants"]) {
    out << std::left << std::setw(18) << v["name"].get<std::string>();
    for (const auto& m : schema.summary)
      if (auto value = metric_value(v, m.key)) out << "  " << m.label << " " << format_metric(m, *value);
    out << "  (" << std::fixed << std::setprecision(1) << v.value("train_seconds", 0.0) << " s training)\n";
  }
  out << "results: " << summary.run_dir.string() << " (report.html, metrics.json, results.md, figures/)\n";
}

}  // namespace

int cli_main(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"latent: classic neural-network studies on LibTorch, one command each", "latent"};
  app.set_version_flag("--version", version_text());
  app.require_subcommand(1);
  app.fallthrough(false);

  RunOptions run;
  std::string device = "cpu";
  auto* run_cmd = app.add_subcommand("run", "Train and evaluate a study; results go to a run folder");
  auto* spec_opt = run_cmd->add_option(
      "spec", run.spec, "built-in study name (see 'latent list') or a TOML spec file; default: ae-fmnist");
  auto* set_opt =
      run_cmd->add_option("--set", run.overrides, "override a spec key, e.g. --set training.epochs=10 (repeatable)")
          ->take_all();
  auto* variant_opt = run_cmd->add_option("--variant", run.variants,
                                          "run only this variant of the study (repeatable; see 'latent show STUDY')");
  auto* out_opt = run_cmd->add_option("--out", run.out_dir, "run folder (default runs/<study>/<timestamp>)");
  auto* resume_opt =
      run_cmd->add_option("--resume", run.resume_dir,
                          "continue the interrupted run in RUN_DIR (its spec, seed, device, threads and data folder)");
  resume_opt->excludes(spec_opt)->excludes(set_opt)->excludes(out_opt)->excludes(variant_opt);
  run_cmd->add_option("--device", device, "cpu, cuda, cuda:N or auto")->capture_default_str();
  run_cmd->add_option("--threads", run.threads, "CPU threads for LibTorch and OpenBLAS (default: LibTorch's choice)")
      ->check(CLI::Range(1, 1024));
  run_cmd->add_option("--seed", run.seed, "random seed (overrides the spec's seed)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 62))
      ->excludes(resume_opt);
  run_cmd->add_option("--data-dir", run.data_dir,
                      "folder searched first for data sets (then $LATENT_DATA_DIR, ./data, /usr/share/datasets)");
  bool quiet = false, plain = false;
  run_cmd->add_flag("--quiet", quiet, "no progress output");
  run_cmd->add_flag("--plain", plain, "progress as plain log lines even on a terminal");
  run_cmd
      ->add_option("--jobs", run.jobs,
                   "variants run at a time, each in its own process with threads/N threads (default 1)")
      ->check(CLI::Range(1, 256));
  run_cmd->add_option("--worker-variant", run.worker_variant, "internal: run one variant as a --jobs worker")
      ->group("");
  run_cmd
      ->add_flag("--worker-resume", run.worker_resume,
                 "internal: the --jobs worker continues its variant's train_state.pt")
      ->group("");

  auto* list_cmd = app.add_subcommand("list", "List the built-in studies");
  auto* info_cmd = app.add_subcommand("info", "Show the LibTorch version, BLAS, threads and devices");
  bool markdown = false;
  std::string spec_kind;
  auto* spec_cmd = app.add_subcommand(
      "spec", "List every spec key with its type, default and meaning, by the kind or model that has it");
  spec_cmd->add_flag("--markdown", markdown, "print as Markdown tables");
  spec_cmd->add_option("--kind", spec_kind, "only the keys of this study kind and its model types");
  std::string show_name;
  auto* show_cmd = app.add_subcommand("show", "Print a study's resolved spec (defaults, file and --set applied)");
  show_cmd->add_option("spec", show_name, "built-in study name or TOML file");
  std::vector<std::string> show_sets;
  show_cmd->add_option("--set", show_sets, "override a spec key (repeatable)")->take_all();

  std::string sample_model, sample_out = "samples.png";
  int64_t sample_n = 64, sample_seed = 0, sample_scale = 2;
  auto* sample_cmd = app.add_subcommand("sample", "Draw new images from a trained VAE (model.pt of a vae study)");
  sample_cmd->add_option("model", sample_model, "VAE checkpoint (model.pt)")->required();
  sample_cmd->add_option("-n", sample_n, "number of images")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{10000}));
  sample_cmd->add_option("-o,--out", sample_out, "output PNG grid")->capture_default_str();
  sample_cmd->add_option("--seed", sample_seed, "seed of the prior draws")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 62));
  sample_cmd->add_option("--scale", sample_scale, "pixel scale of the grid")
      ->capture_default_str()
      ->check(CLI::Range(1, 16));

  std::string score_model, score_csv_path, score_out = "scores.csv";
  int64_t score_chunk = 65536;
  auto* score_cmd =
      app.add_subcommand("score", "Score every row of a CSV file with a trained anomaly detector (streaming)");
  score_cmd->add_option("model", score_model, "anomaly detector checkpoint (model.pt of an anomaly study)")->required();
  score_cmd
      ->add_option("data", score_csv_path, "CSV file with the model's feature columns (the label column is optional)")
      ->required();
  score_cmd->add_option("-o,--out", score_out, "output CSV: row,score,flag[,label]")->capture_default_str();
  score_cmd->add_option("--chunk-rows", score_chunk, "rows read and scored at a time (bounds memory)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 30));

  std::string predict_model, predict_out = "predictions.csv";
  std::vector<std::string> predict_inputs;
  int64_t predict_top = 3;
  auto* predict_cmd = app.add_subcommand(
      "predict", "Classify image files, folders of images or CSV/TSV rows with a trained classifier");
  predict_cmd->add_option("model", predict_model, "classifier checkpoint (model.pt of a classification study)")
      ->required();
  predict_cmd
      ->add_option("inputs", predict_inputs, "image files or folders (image models), CSV/TSV files (table models)")
      ->required();
  predict_cmd->add_option("-o,--out", predict_out, "output CSV: input,predicted,probability,top1,p1,...")
      ->capture_default_str();
  predict_cmd->add_option("--top-k", predict_top, "classes listed per input, most probable first")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{1000}));

  FraudDataOptions fraud;
  std::string fraud_out;
  auto* fraud_cmd = app.add_subcommand(
      "make-fraud-data",
      "Write a synthetic credit-card-like CSV (Time, V1..V28, Amount, Class; see docs/fraud-data.md)");
  fraud_cmd->add_option("-o,--out", fraud_out, "output CSV file")->required();
  fraud_cmd->add_option("--rows", fraud.rows, "number of rows")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{10}, int64_t{1} << 34));
  fraud_cmd->add_option("--seed", fraud.seed, "random seed")->capture_default_str();
  fraud_cmd->add_option("--fraud-rate", fraud.fraud_rate, "fraction of fraud rows")
      ->capture_default_str()
      ->check(CLI::Range(1e-6, 0.49));
  ImageInferenceOptions recon_opts;
  std::vector<std::string> recon_images;
  std::string recon_out;
  auto* reconstruct_cmd = app.add_subcommand("reconstruct", "Run images through a trained autoencoder; PNG out");
  reconstruct_cmd->add_option("model", recon_opts.model, "model.pt from a reconstruction study")->required();
  reconstruct_cmd
      ->add_option("images", recon_images, "PNG/JPEG files or folders of them (resized to the model's input)")
      ->required();
  reconstruct_cmd->add_option("-o,--out", recon_out, "output folder")->required();
  ImageInferenceOptions denoise_opts;
  std::vector<std::string> denoise_images;
  std::string denoise_out;
  int64_t denoise_seed = 0;
  auto* denoise_cmd = app.add_subcommand("denoise", "Denoise images with a trained (denoising) autoencoder; PNG out");
  denoise_cmd->add_option("model", denoise_opts.model, "model.pt from a reconstruction study")->required();
  denoise_cmd->add_option("images", denoise_images, "PNG/JPEG files or folders of them (resized to the model's input)")
      ->required();
  denoise_cmd->add_option("-o,--out", denoise_out, "output folder")->required();
  denoise_cmd
      ->add_option("--noise-std", denoise_opts.noise_std,
                   "first add Gaussian noise of this std (also saved as <name>-noisy.png)")
      ->check(CLI::Range(0.0, 10.0));
  denoise_cmd->add_option("--seed", denoise_seed, "seed of the added noise")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 62));
  EncodeOptions encode_opts;
  std::string encode_model, encode_out;
  auto* encode_cmd =
      app.add_subcommand("encode", "Write the latent codes of a data set as CSV (index, label, z0, z1, ...)");
  encode_cmd->add_option("model", encode_model, "model.pt from a reconstruction study")->required();
  encode_cmd
      ->add_option(
          "--data", encode_opts.data,
          "built-in study or TOML spec (its [data]), mnist, fashion-mnist, an IDX folder, or a folder of PNG/JPEG "
          "images (all of them, in name order, resized to the model's input; adds a file column)")
      ->required();
  encode_cmd
      ->add_option("--split", encode_opts.split,
                   "train or test (not for a folder of images, where every image is encoded)")
      ->check(CLI::IsMember({"train", "test"}))
      ->capture_default_str();
  encode_cmd->add_option("--data-dir", encode_opts.data_dir, "folder searched first for data sets");
  encode_cmd->add_option("-o,--out", encode_out, "CSV file to write")->required();

  std::string report_dir;
  auto* report_cmd =
      app.add_subcommand("report", "Rebuild report.html (and the training-curve charts) from a run folder's files");
  report_cmd->add_option("run_dir", report_dir, "run folder (holds metrics.json)")->required();
  std::vector<std::string> compare_dirs;
  std::string compare_out = "compare.html";
  auto* compare_cmd =
      app.add_subcommand("compare", "Put several runs side by side: one metrics table and overlaid training curves");
  compare_cmd->add_option("run_dirs", compare_dirs, "run folders")->required();
  compare_cmd->add_option("-o,--out", compare_out, "output HTML file")->capture_default_str();
  const auto data_cmd = add_data_command(app);
  const auto word2vec_cmd = add_word2vec_commands(app);

  if (argc > 1 && argv[1][0] != '-') {
    std::string names;
    bool known = false;
    for (const auto* sub : app.get_subcommands({})) {
      names += (names.empty() ? "" : ", ") + sub->get_name();
      known = known || sub->get_name() == argv[1];
    }
    if (!known) {
      err << "latent: error: unknown command '" << argv[1] << "' (commands: " << names << ")\n";
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {
      if (dynamic_cast<const CLI::CallForVersion*>(&e))
        out << e.what() << "\n";
      else
        out << app.help();
      return 0;
    }
    err << "latent: error: " << first_line(e.what()) << " (see 'latent --help')\n";
    return 2;
  }

  try {
    if (*run_cmd) {
      run.device = device;
      run.progress = quiet ? ProgressStyle::kQuiet : plain ? ProgressStyle::kLines : ProgressStyle::kAuto;
      if (auto fault = fault_injection_from_environment()) run.observers.push_back(fault);
      RunSummary summary = run_study(run);
      print_summary(out, summary);
    } else if (*list_cmd) {
      print_list(out);
    } else if (*info_cmd) {
      print_info(out);
    } else if (*spec_cmd) {
      print_spec_keys(out, markdown, spec_kind);
    } else if (*sample_cmd) {
      write_vae_samples(sample_model, sample_n, static_cast<uint64_t>(sample_seed), sample_out, sample_scale);
      out << "wrote " << sample_n << " samples to " << sample_out << "\n";
    } else if (*score_cmd) {
      ScoreSummary sum = score_csv(score_model, score_csv_path, score_out, score_chunk);
      out << "scored " << sum.rows << " rows in " << std::fixed << std::setprecision(2) << sum.seconds << " s ("
          << std::setprecision(0) << (sum.seconds > 0 ? static_cast<double>(sum.rows) / sum.seconds : 0.0)
          << " rows/s); flagged " << sum.flagged << " (score > " << std::setprecision(6) << sum.threshold << ")";
      if (sum.labelled)
        out << "; against the labels: precision " << std::setprecision(3) << sum.confusion.precision() << ", recall "
            << sum.confusion.recall() << ", F1 " << sum.confusion.f1();
      out << " -> " << score_out << "\n";
    } else if (*predict_cmd) {
      const PredictSummary sum = predict_to_csv(predict_model, predict_inputs, predict_out, predict_top);
      out << "predicted " << sum.rows << " inputs -> " << predict_out << "\n";
    } else if (*fraud_cmd) {
      write_fraud_csv(fraud_out, fraud);
      out << "wrote " << fraud.rows << " rows to " << fraud_out << "\n";
    } else if (*reconstruct_cmd || *denoise_cmd) {
      const bool denoise = denoise_cmd->parsed();
      ImageInferenceOptions o = denoise ? denoise_opts : recon_opts;
      for (const auto& i : denoise ? denoise_images : recon_images) o.images.emplace_back(i);
      o.out_dir = denoise ? denoise_out : recon_out;
      o.seed = static_cast<uint64_t>(denoise_seed);
      o.suffix = denoise ? "denoised" : "reconstructed";
      for (const auto& f : reconstruct_images(o)) out << f.string() << "\n";
    } else if (*encode_cmd) {
      encode_opts.model = encode_model;
      encode_opts.out = encode_out;
      encode_opts.split_given = encode_cmd->count("--split") > 0;
      const int64_t rows = encode_dataset(encode_opts);
      out << "wrote " << rows << " codes to " << encode_out << "\n";
    } else if (*report_cmd) {
      const auto written = write_run_report(report_dir);
      out << "wrote " << written.string() << "\n";
    } else if (*compare_cmd) {
      std::vector<std::filesystem::path> dirs(compare_dirs.begin(), compare_dirs.end());
      write_compare_report(dirs, compare_out);
      out << "wrote " << compare_out << "\n";
    } else if (data_cmd->parsed()) {
      data_cmd->run(out);
    } else if (word2vec_cmd->parsed()) {
      word2vec_cmd->run(out);
    } else if (*show_cmd) {
      SpecSource source = load_spec_source(show_name);
      out << study_spec_to_toml(parse_study_spec(source.text, source.where, show_sets));
    }
    return 0;
  } catch (const UsageError& e) {
    err << "latent: error: " << first_line(e.what()) << "\n";
    return 2;
  } catch (const Interrupted& e) {
    err << "latent: " << first_line(e.what()) << "\n";
    return e.exit_code();
  } catch (const Error& e) {
    err << "latent: error: " << first_line(e.what()) << "\n";
    return 1;
  } catch (const c10::Error& e) {
    err << "latent: error: " << first_line(e.what_without_backtrace()) << "\n";
    return 1;
  } catch (const std::exception& e) {
    err << "latent: error: " << first_line(e.what()) << "\n";
    return 1;
  }
}

}  // namespace latent
