// The reconstruction study kind: autoencoders of any family trained with a reconstruction
// objective (plain, denoising, sparse), evaluated by PSNR / SSIM / BCE / MSE against a PCA
// baseline at the same latent size (dense models), with image grids.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <sstream>

#include "latent/core/error.h"
#include "latent/core/eval_mode.h"
#include "latent/core/fs.h"
#include "latent/data/batch.h"
#include "latent/data/dataset.h"
#include "latent/kernels/substitute.h"
#include "latent/metrics/reconstruction.h"
#include "latent/models/autoencoder.h"
#include "latent/models/pca.h"
#include "latent/report/chart.h"
#include "latent/report/image_grid.h"
#include "latent/studies/reconstruction.h"
#include "latent/studies/study.h"
#include "latent/studies/study_util.h"
#include "latent/studies/sweep_table.h"
#include "latent/training/augment.h"
#include "latent/training/checkpoint.h"
#include "latent/training/loop.h"
#include "latent/training/objective.h"

namespace latent {

namespace {

// Test-time noise is drawn from its own generator so every variant sees the same noisy inputs.
constexpr uint64_t kTestNoiseSeedOffset = 1000003;
// Augmentation draws from its own generator, seeded from the variant's seed.
constexpr uint64_t kAugmentSeedOffset = 2000003;

struct EvalResult {
  ReconstructionMetrics clean;     // reconstructions of clean inputs
  ReconstructionMetrics denoised;  // reconstructions of noisy inputs vs clean targets (denoising only)
  double noisy_psnr_db = 0;        // PSNR of the noisy inputs themselves
  double loss = 0;                 // the training objective on this set
  double pixel_accuracy = 0;       // outputs (of the inputs the objective sees) agreeing with the targets at 0.5
};

torch::Tensor test_noise_like(const torch::Tensor& x, double std, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  return torch::randn(x.sizes(), gen, torch::TensorOptions().dtype(x.scalar_type())).to(x.device()).mul_(std);
}

double test_noise_std(const Spec& spec) {
  const double evaluation = spec.get<double>("evaluation.noise_std");
  return evaluation > 0 ? evaluation : spec.get<double>("training.noise_std");
}

class ReconstructionStudy : public StudyRunner {
 public:
  void prepare(const Spec& base, const RunContext& ctx) override { load(base, ctx); }

  VariantResult run_variant(const Variant& variant, const RunContext& ctx) override {
    const Spec& spec = variant.spec;
    load(spec, ctx);
    const auto input_shape = data_.train.example_shape();
    auto model = make_autoencoder(ModelSpec::from_values(spec.values), input_shape);
    model->to(ctx.device);
    TrainSession session = model_session(model, spec, ctx.device);
    const auto objective = ReconstructionObjective::from_values(spec.values);
    const std::string& out_act = model->output_activation();
    const bool has_validation = data_.val.size() > 0;
    const TensorDataset& val = has_validation ? data_.val : data_.test;
    // Augmentation changes the clean image; noise (denoising) is added after it, and the
    // augmented clean image is the target.
    const AugmentOptions augment = AugmentOptions::from_values(spec.values);
    at::Generator& augment_gen =
        session.add_generator("augment", static_cast<uint64_t>(spec.seed) + kAugmentSeedOffset);

    // One step: the objective on the (augmented, corrupted) batch; pixel accuracy counted in
    // training mode, as Keras reports it.
    auto step = [&](const Batch& batch, TrainSession& s) {
      auto clean = augment_images(batch["x"], augment, augment_gen);
      auto out = model->forward(objective.corrupt(clean));
      torch::Tensor loss = objective(out, clean, out_act);
      s.minimize("model", loss);
      StepStats stats;
      stats.mean("loss", loss, static_cast<double>(batch.size()));
      stats.ratio("pixel_accuracy", count_same_side(out.recon, clean, 0.5), static_cast<double>(clean.numel()));
      return stats;
    };
    auto validate = [&](TrainSession&) -> std::vector<std::pair<std::string, double>> {
      const EvalResult r =
          evaluate(*model, val, spec, objective, spec.get<double>("training.noise_std"), /*full=*/false);
      return {{"loss", r.loss}, {"pixel_accuracy", r.pixel_accuracy}};
    };
    const LoopOptions options = variant_loop_options(spec, variant, ctx, input_shape, has_validation);
    const TensorSource train({{"x", data_.train.x}});
    History history = train_loop(session, train, step, validate, options, *ctx.progress);

    const double test_noise = test_noise_std(spec);
    EvalResult test = evaluate(*model, data_.test, spec, objective, test_noise, true);

    const fs::path dir = ctx.variant_dir;
    write_history_csv(dir / "history.csv", history);
    save_checkpoint(dir / "model.pt", *model, variant_checkpoint_meta(spec, variant.name, input_shape));

    // Figure: originals, (noisy inputs, denoised), reconstructions of the clean inputs.
    VariantResult result;
    make_dirs(dir / "figures");
    const int64_t k = std::min<int64_t>(spec.get<int64_t>("evaluation.grid_images"), data_.test.size());
    auto originals = data_.test.x.slice(0, 0, k);
    std::vector<torch::Tensor> rows = {originals};
    torch::Tensor recon;
    int64_t code_size = 0;
    {
      EvalMode guard(*model);
      if (test_noise > 0) {
        auto noisy = (originals + test_noise_like(originals, test_noise, seed_of(spec))).clamp(0.0, 1.0);
        rows.push_back(noisy);
        rows.push_back(model->forward(noisy).recon);
      }
      recon = model->forward(originals).recon;
      rows.push_back(recon);
      code_size = model->encode(originals.slice(0, 0, 1)).numel();
    }
    write_image_grid_png(dir / "figures" / "reconstructions.png", rows, spec.get<int64_t>("evaluation.grid_scale"));
    result.grid_rows = {originals, recon};

    nlohmann::json m = loop_metrics(variant.name, spec, history, data_.train.size(), data_.test.size());
    m["model"] = {{"type", spec.model_type()}, {"latent", code_size}, {"parameters", parameter_count(*model)}};
    if (spec.values.has("model.hidden")) m["model"]["hidden"] = spec.get<IntList>("model.hidden");
    if (spec.values.has("model.channels")) m["model"]["channels"] = spec.get<IntList>("model.channels");
    m["test"] = {{"psnr_db", test.clean.psnr_db}, {"bce", test.clean.bce},
                 {"mse", test.clean.mse},         {"pixel_accuracy", test.clean.pixel_accuracy},
                 {"ssim", test.clean.ssim},       {"loss", test.loss}};
    if (test_noise > 0) {
      m["test"]["noise_std"] = test_noise;
      m["test"]["noisy_input_psnr_db"] = test.noisy_psnr_db;
      m["test"]["denoised_psnr_db"] = test.denoised.psnr_db;
      m["test"]["denoised_bce"] = test.denoised.bce;
      m["test"]["denoised_mse"] = test.denoised.mse;
      m["test"]["denoised_ssim"] = test.denoised.ssim;
      m["test"]["denoising_gain_db"] = test.denoised.psnr_db - test.noisy_psnr_db;
    }
    if (spec.model_type() == "dense_ae")
      m["pca"] = pca_baseline(spec.get<int64_t>("model.latent"), spec.get<int64_t>("evaluation.batch_size"));
    m["noise_std"] = spec.get<double>("training.noise_std");
    m["loss"] = spec.get<std::string>("training.loss");
    m["checkpoint"] = "model.pt";
    result.metrics = m;
    ctx.progress->message(spec.study + "/" + variant.name + ": test PSNR " + format_fixed(test.clean.psnr_db, 2) +
                          " dB, BCE " + format_fixed(test.clean.bce, 4) + ", MSE " + format_fixed(test.clean.mse, 5));
    return result;
  }

  void finish(const std::vector<VariantResult>& results, const fs::path& run_dir, const Spec& base) override {
    make_dirs(run_dir / "figures");
    std::vector<torch::Tensor> rows;
    for (const auto& r : results) {
      if (r.grid_rows.size() != 2) continue;
      if (rows.empty()) rows.push_back(r.grid_rows[0]);
      rows.push_back(r.grid_rows[1]);
    }
    const int64_t scale = base.get<int64_t>("evaluation.grid_scale");
    if (!rows.empty()) write_image_grid_png(run_dir / "figures" / "reconstructions.png", rows, scale);

    size_t best = 0;
    for (size_t i = 1; i < results.size(); ++i)
      if (results[i].metrics["test"]["psnr_db"].get<double>() > results[best].metrics["test"]["psnr_db"].get<double>())
        best = i;
    std::ostringstream md;
    md << "# " << base.study << "\n\n";
    if (!base.description.empty()) md << base.description << "\n\n";
    md << "| variant | parameters | test PSNR (dB) | test SSIM | test BCE | test MSE | pixel acc. | train s | samples/s |\n";
    md << "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    for (size_t i = 0; i < results.size(); ++i) {
      const auto& m = results[i].metrics;
      md << "| " << m["name"].get<std::string>() << (i == best && results.size() > 1 ? " **(best)**" : "") << " | "
         << m["model"]["parameters"].get<int64_t>() << " | " << format_fixed(m["test"]["psnr_db"].get<double>(), 2)
         << " | " << format_fixed(m["test"]["ssim"].get<double>(), 4) << " | "
         << format_fixed(m["test"]["bce"].get<double>(), 4) << " | " << format_fixed(m["test"]["mse"].get<double>(), 5)
         << " | " << format_fixed(m["test"]["pixel_accuracy"].get<double>(), 4) << " | "
         << format_fixed(m["train_seconds"].get<double>(), 1) << " | "
         << format_fixed(m["samples_per_second"].get<double>(), 0) << " |\n";
    }
    // PCA at each latent size used by a dense variant: what a linear projection reaches.
    std::map<int64_t, nlohmann::json> pca_rows;
    for (const auto& r : results)
      if (r.metrics.contains("pca") && r.metrics["pca"].contains("psnr_db"))
        pca_rows[r.metrics["pca"]["components"].get<int64_t>()] = r.metrics["pca"];
    for (const auto& [k, p] : pca_rows)
      md << "| pca (" << k << " components) | " << p["parameters"].get<int64_t>() << " | "
         << format_fixed(p["psnr_db"].get<double>(), 2) << " | " << format_fixed(p["ssim"].get<double>(), 4) << " | "
         << format_fixed(p["bce"].get<double>(), 4) << " | " << format_fixed(p["mse"].get<double>(), 5) << " | "
         << format_fixed(p["pixel_accuracy"].get<double>(), 4) << " | "
         << format_fixed(p["fit_seconds"].get<double>(), 1) << " | - |\n";
    if (!pca_rows.empty())
      md << "\nPCA rows: the top principal components of the training images (fitted in closed form, outputs clipped to [0, 1]), "
            "a linear autoencoder baseline at the same code size.\n";

    bool any_noise = false;
    for (const auto& r : results) any_noise = any_noise || r.metrics["test"].contains("denoised_psnr_db");
    if (any_noise) {
      md << "\nOn noisy test inputs (clean images plus Gaussian noise of the given std, clipped to [0, 1]; the same noise for "
            "every variant with the same std and seed), scored against the clean images:\n\n";
      md << "| variant | trained with noise std | test noise std | noisy input PSNR (dB) | output PSNR (dB) | gain (dB) | output SSIM |\n";
      md << "|---|---:|---:|---:|---:|---:|---:|\n";
      for (const auto& r : results) {
        const auto& t = r.metrics["test"];
        if (!t.contains("denoised_psnr_db")) continue;
        md << "| " << r.metrics["name"].get<std::string>() << " | "
           << format_fixed(r.metrics["noise_std"].get<double>(), 2) << " | "
           << format_fixed(t["noise_std"].get<double>(), 2) << " | "
           << format_fixed(t["noisy_input_psnr_db"].get<double>(), 2) << " | "
           << format_fixed(t["denoised_psnr_db"].get<double>(), 2) << " | "
           << format_fixed(t["denoised_psnr_db"].get<double>() - t["noisy_input_psnr_db"].get<double>(), 2) << " | "
           << format_fixed(t["denoised_ssim"].get<double>(), 4) << " |\n";
      }
    }
    if (results.size() > 1) {
      const SweepTable sweep = make_sweep_table(results, study_kind("reconstruction").results);
      write_sweep_table(run_dir, sweep);
      md << "\n## Sweep\n\nOne row per variant: the spec keys that differ between variants, then the test metrics "
            "(also in sweep.csv and sweep.md).\n\n"
         << sweep.markdown;
    }
    md << "\nFigure: figures/reconstructions.png (top row: test originals; below: one row of reconstructions per variant).\n";
    // A sweep over the noise alone: PSNR of the denoised outputs and of the noisy inputs against
    // the noise variance (nothing in a build without charts).
    if (auto chart = noise_sweep_chart(results); chart && charts_available()) {
      write_chart(run_dir / "figures" / kNoiseSweepChart, *chart);
      md << "\nFigure: figures/" << kNoiseSweepChart
         << " (test PSNR of the denoised outputs and of the noisy inputs against the training noise variance).\n";
    }
    write_file_atomic(run_dir / "results.md", md.str());
  }

 private:
  static uint64_t seed_of(const Spec& spec) { return static_cast<uint64_t>(spec.seed) + kTestNoiseSeedOffset; }

  void load(const Spec& spec, const RunContext& ctx) {
    if (load_image_data(spec, ctx, data_, loaded_key_)) pca_cache_.clear();
  }

  // Evaluates the objective and reconstruction metrics on `set` in evaluation mode.
  EvalResult evaluate(AutoencoderBase& model, const TensorDataset& set, const Spec& spec,
                      const ReconstructionObjective& objective, double noise_std, bool full) {
    EvalMode guard(model);
    EvalResult r;
    ReconstructionSums clean, denoised, noisy;
    double loss_sum = 0;
    torch::Tensor agree = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(set.x.device()));
    const int64_t n = set.size(), bs = spec.get<int64_t>("evaluation.batch_size");
    const bool denoising = noise_std > 0;
    torch::Tensor noise = denoising ? test_noise_like(set.x, noise_std, seed_of(spec)) : torch::Tensor();
    for (int64_t begin = 0; begin < n; begin += bs) {
      const int64_t end = std::min(n, begin + bs);
      auto x = set.x.slice(0, begin, end);
      auto input = denoising ? (x + noise.slice(0, begin, end)).clamp(0.0, 1.0) : x;
      auto out = model.forward(input);
      loss_sum += objective(out, x, model.output_activation()).item<double>() * static_cast<double>(end - begin);
      agree.add_(((out.recon > 0.5) == (x > 0.5)).sum());
      if (!full) continue;
      if (denoising) {
        denoised.add(out.recon, x, model.output_activation() == "sigmoid" ? out.logits : torch::Tensor());
        noisy.add(input, x);
        out = model.forward(x);
      }
      clean.add(out.recon, x, model.output_activation() == "sigmoid" ? out.logits : torch::Tensor());
    }
    r.loss = loss_sum / static_cast<double>(n);
    r.pixel_accuracy = agree.item<double>() / static_cast<double>(set.x.numel());
    r.clean = clean.metrics();
    r.denoised = denoised.metrics();
    r.noisy_psnr_db = noisy.metrics().psnr_db;
    return r;
  }

  // PCA with k components fitted on the training images, scored on the clean test images;
  // cached per k while the data stay loaded.
  nlohmann::json pca_baseline(int64_t k, int64_t batch_size) {
    auto it = pca_cache_.find(k);
    if (it != pca_cache_.end()) return it->second;
    const auto start = std::chrono::steady_clock::now();
    const int64_t dim = data_.train.x.numel() / std::max<int64_t>(1, data_.train.size());
    nlohmann::json j;
    j["components"] = k;
    if (k > dim || data_.train.size() < 2) return j;
    Pca pca = Pca::fit(data_.train.x, k);
    const double fit_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ReconstructionSums sums;
    const int64_t n = data_.test.size();
    for (int64_t begin = 0; begin < n; begin += batch_size) {
      auto x = data_.test.x.slice(0, begin, std::min(n, begin + batch_size));
      sums.add(pca.reconstruct(x).clamp(0.0, 1.0), x);
    }
    const auto r = sums.metrics();
    j["psnr_db"] = r.psnr_db;
    j["ssim"] = r.ssim;
    j["bce"] = r.bce;
    j["mse"] = r.mse;
    j["pixel_accuracy"] = r.pixel_accuracy;
    j["parameters"] = k * dim + dim;
    j["fit_seconds"] = fit_seconds;
    pca_cache_[k] = j;
    return j;
  }

  DataSplits data_;
  std::string loaded_key_;
  std::map<int64_t, nlohmann::json> pca_cache_;
};

ResultSchema reconstruction_results() {
  ResultSchema s;
  const MetricDecl psnr{"test.psnr_db", "test PSNR", "dB", 2, true};
  const MetricDecl denoised{"test.denoised_psnr_db", "denoised PSNR", "dB", 2, true};
  s.headline = {denoised, psnr};  // a sweep of denoisers ranks by what they do with noisy inputs
  s.summary = {psnr,
               {"test.bce", "BCE", "", 4, false},
               {"test.mse", "MSE", "", 5, false},
               {"test.denoised_psnr_db", "denoised", "dB", 2, true},
               {"test.noisy_input_psnr_db", "from noisy", "dB", 2, true}};
  s.columns = {psnr,
               {"test.ssim", "test SSIM", "", 4, true},
               {"test.bce", "test BCE", "", 4, false},
               {"test.mse", "test MSE", "", 5, false},
               {"test.pixel_accuracy", "pixel accuracy", "", 4, true},
               {"test.noise_std", "test noise std", "", 3, false},
               {"test.noisy_input_psnr_db", "noisy input PSNR", "dB", 2, true},
               denoised,
               {"test.denoised_ssim", "denoised SSIM", "", 4, true},
               {"pca.psnr_db", "PCA PSNR", "dB", 2, true},
               {"pca.ssim", "PCA SSIM", "", 4, true},
               {"model.parameters", "parameters", "", 0, false},
               {"train_seconds", "training", "s", 1, false}};
  s.curves = {{"pixel_accuracy", "pixel accuracy (outputs and targets on the same side of 0.5)", true}};
  s.figures = {
      {"reconstructions.png",
       "Test originals (top row) and reconstructions (below; noisy inputs and their denoised outputs first for "
       "denoising variants)"},
      {kNoiseSweepChart,
       "Test PSNR of the denoised outputs and of the noisy inputs against the training noise variance"}};
  return s;
}

std::vector<KeyDef> reconstruction_keys() {
  std::vector<KeyDef> keys = image_data_keys();
  for (const auto& k : ReconstructionObjective::keys()) keys.push_back(k);
  for (const auto& k : AugmentOptions::keys()) keys.push_back(k);
  keys.push_back(integer_key("evaluation.grid_images", 10, "test images in the reconstruction grid", 1, 100));
  keys.push_back(integer_key("evaluation.grid_scale", 2, "pixel scale of figure grids", 1, 16));
  keys.push_back(
      float_key("evaluation.noise_std", 0.0,
                "std of the Gaussian noise on test inputs, e.g. to test a plain autoencoder on a denoiser's inputs (0: "
                "training.noise_std)",
                0.0, 10.0));
  return keys;
}

}  // namespace

std::optional<LineChart> noise_sweep_chart(const std::vector<VariantResult>& results) {
  if (results.size() < 2) return std::nullopt;
  struct Point {
    double variance, denoised, noisy;
  };
  std::vector<Point> points;
  for (const auto& r : results) {
    const auto& m = r.metrics;
    if (!m.contains("sweep") || !m["sweep"].is_object() || m["sweep"].empty()) return std::nullopt;
    for (const auto& item : m["sweep"].items())
      if (item.key() != "training.noise_variance" && item.key() != "training.noise_std") return std::nullopt;
    const auto denoised = metric_value(m, "test.denoised_psnr_db"), noisy = metric_value(m, "test.noisy_input_psnr_db");
    const auto std_dev = metric_value(m, "noise_std");
    if (!denoised || !noisy || !std_dev) return std::nullopt;
    double variance = *std_dev * *std_dev;
    const auto& given =
        m["sweep"].contains("training.noise_variance") ? m["sweep"]["training.noise_variance"] : nlohmann::json();
    if (given.is_string()) {
      char* end = nullptr;
      const std::string text = given.get<std::string>();
      const double v = std::strtod(text.c_str(), &end);
      if (end != text.c_str() && *end == '\0' && v > 0) variance = v;
    }
    points.push_back({variance, *denoised, *noisy});
  }
  std::stable_sort(points.begin(), points.end(),
                   [](const Point& a, const Point& b) { return a.variance < b.variance; });
  LineChart chart;
  chart.title = "Test PSNR against noise variance";
  chart.x_label = "noise variance (std squared)";
  chart.y_label = "PSNR (dB)";
  ChartSeries denoised, noisy;
  denoised.name = "denoised output";
  noisy.name = "noisy input";
  denoised.markers = noisy.markers = true;
  noisy.dashed = true;
  for (const auto& p : points) {
    denoised.x.push_back(p.variance), denoised.y.push_back(p.denoised);
    noisy.x.push_back(p.variance), noisy.y.push_back(p.noisy);
  }
  chart.series = {denoised, noisy};
  // x from 0, so the smallest variance does not sit on the axis; y padded by 5 % of its span.
  double y0 = points.front().denoised, y1 = y0;
  for (const auto& p : points) y0 = std::min({y0, p.denoised, p.noisy}), y1 = std::max({y1, p.denoised, p.noisy});
  const double pad = std::max(0.05 * (y1 - y0), 0.5);
  if (std::isfinite(y0) && std::isfinite(y1))
    chart.range = ChartRange{0.0, points.back().variance * 1.05, y0 - pad, y1 + pad};
  return chart;
}

StudyKind reconstruction_kind() {
  StudyKind k;
  k.name = "reconstruction";
  k.doc =
      "autoencoders trained to reconstruct images (plain, deep, convolutional, denoising, sparse), scored by PSNR/SSIM beside PCA";
  k.keys = reconstruction_keys();
  k.models = autoencoder_models(false);
  k.results = reconstruction_results();
  k.resolve = [](Spec& s) {
    ReconstructionObjective::resolve_noise(s.values, s.where("training.noise_variance"));
    check_image_data(s);
    check_bce_output(s);
  };
  k.make = [] { return std::make_unique<ReconstructionStudy>(); };
  return k;
}

}  // namespace latent
