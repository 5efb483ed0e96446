// The reconstruction study kind: autoencoders of any family trained with a reconstruction
// objective (plain, denoising, sparse), evaluated by PSNR / SSIM / BCE / MSE against a PCA
// baseline at the same latent size (dense models), with image grids.
#include <chrono>
#include <cmath>
#include <map>
#include <mutex>
#include <sstream>

#include "latent/core/error.h"
#include "latent/core/eval_mode.h"
#include "latent/core/fs.h"
#include "latent/data/dataset.h"
#include "latent/kernels/substitute.h"
#include "latent/metrics/reconstruction.h"
#include "latent/models/autoencoder.h"
#include "latent/models/pca.h"
#include "latent/report/chart.h"
#include "latent/report/image_grid.h"
#include "latent/studies/study.h"
#include "latent/studies/study_util.h"
#include "latent/studies/sweep_table.h"
#include "latent/training/checkpoint.h"
#include "latent/training/objective.h"
#include "latent/training/optimizer.h"
#include "latent/training/schedule.h"
#include "latent/training/augment.h"
#include "latent/training/trainer.h"

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

class ReconstructionStudy : public StudyRunner {
 public:
  void prepare(const Spec& base, const RunContext& ctx) override { load(base, ctx); }

  VariantResult run_variant(const Variant& variant, const RunContext& ctx) override {
    const Spec& spec = variant.spec;
    load(spec, ctx);
    const auto input_shape = data_.train.example_shape();
    auto model = make_autoencoder(spec.model, input_shape);
    model->to(ctx.device);
    auto optimizer = make_optimizer(spec.training, model->parameters());
    const auto objective = ReconstructionObjective::from_spec(spec.training);
    const std::string& out_act = model->output_activation();

    const TensorDataset& val = data_.val.size() > 0 ? data_.val : data_.test;
    // Augmentation changes the clean image; noise (denoising) is added after it, and the
    // augmented clean image is the target.
    const AugmentOptions augment = AugmentOptions::from_spec(spec.training);
    at::Generator augment_gen = at::detail::createCPUGenerator(static_cast<uint64_t>(spec.seed) + kAugmentSeedOffset);
    // Per-epoch pixel accuracy: training as a running count over the epoch's batches (in
    // training mode, as Keras reports it), validation in evaluation mode.
    torch::Tensor train_agree = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(ctx.device));
    double train_pixels = 0;
    double train_accuracy = std::nan(""), val_accuracy = std::nan("");
    auto batch_loss = [&](const TensorDataset& batch) {
      auto clean = augment_images(batch.x, augment, augment_gen);
      auto out = model->forward(objective.corrupt(clean));
      {
        torch::NoGradGuard no_grad;
        train_agree.add_(count_same_side(out.recon, clean, 0.5));
        train_pixels += static_cast<double>(clean.numel());
      }
      return objective(out, clean, out_act);
    };
    auto validate = [&]() {
      const EvalResult r = evaluate(*model, val, spec, objective, spec.training.noise_std, /*full=*/false);
      train_accuracy = train_pixels > 0 ? train_agree.item<double>() / train_pixels : std::nan("");
      val_accuracy = r.pixel_accuracy;
      train_agree.zero_();
      train_pixels = 0;
      return r.loss;
    };
    const double test_noise = spec.evaluation.noise_std > 0 ? spec.evaluation.noise_std : spec.training.noise_std;
    auto schedule = make_lr_schedule(spec.training);

    FitOptions fit_options = variant_fit_options(spec, variant, ctx, input_shape);
    fit_options.schedule = schedule.get();
    fit_options.schedule_on_val = data_.val.size() > 0;
    fit_options.epoch_extras = [&]() -> std::vector<std::pair<std::string, double>> {
      return {{"train_pixel_accuracy", train_accuracy}, {"val_pixel_accuracy", val_accuracy}};
    };
    // The augmentation generator and the epoch's running pixel count survive an interruption.
    fit_options.save_extra_state = [&]() {
      std::lock_guard<std::mutex> lock(augment_gen.mutex());
      return TensorMap{{"train_agree", train_agree.to(torch::kCPU)},
                       {"train_pixels", torch::tensor(train_pixels, torch::kFloat64)},
                       {"augment_rng", augment_gen.get_state()}};
    };
    fit_options.load_extra_state = [&](const TensorMap& m) {
      for (const char* key : {"train_agree", "train_pixels", "augment_rng"})
        check(m.count(key) > 0, fit_options.state_path.string() + ": training state without the study's '" + key + "'");
      train_agree.copy_(m.at("train_agree"));
      train_pixels = m.at("train_pixels").item<double>();
      std::lock_guard<std::mutex> lock(augment_gen.mutex());
      augment_gen.set_state(m.at("augment_rng"));
    };
    History history = fit(*model, *optimizer, data_.train, batch_loss, validate, fit_options, *ctx.progress);

    double train_seconds = 0;
    for (const auto& r : history) train_seconds += r.seconds;
    EvalResult test = evaluate(*model, data_.test, spec, objective, test_noise, true);

    const fs::path dir = ctx.variant_dir;
    write_history_csv(dir / "history.csv", history);
    CheckpointMeta meta;
    meta.kind = spec.kind;
    meta.model_type = spec.model.type;
    meta.variant = variant.name;
    meta.input_shape = input_shape;
    meta.spec_toml = spec_to_toml(spec);
    save_checkpoint(dir / "model.pt", *model, meta);

    // Figure: originals, (noisy inputs, denoised), reconstructions of the clean inputs.
    VariantResult result;
    make_dirs(dir / "figures");
    const int64_t k = std::min<int64_t>(spec.evaluation.grid_images, data_.test.size());
    auto originals = data_.test.x.slice(0, 0, k);
    std::vector<torch::Tensor> rows = {originals};
    torch::Tensor recon;
    {
      EvalMode guard(*model);
      if (test_noise > 0) {
        auto noisy = (originals + test_noise_like(originals, test_noise, seed_of(spec))).clamp(0.0, 1.0);
        rows.push_back(noisy);
        rows.push_back(model->forward(noisy).recon);
      }
      recon = model->forward(originals).recon;
      rows.push_back(recon);
    }
    write_image_grid_png(dir / "figures" / "reconstructions.png", rows, spec.evaluation.grid_scale);
    result.grid_rows = {originals, recon};

    int64_t parameters = 0;
    for (const auto& p : model->parameters()) parameters += p.numel();
    nlohmann::json m;
    m["name"] = variant.name;
    m["model"] = {{"type", spec.model.type}, {"hidden", spec.model.hidden}, {"latent", spec.model.latent}, {"parameters", parameters}};
    m["test"] = {{"psnr_db", test.clean.psnr_db},
                 {"bce", test.clean.bce},
                 {"mse", test.clean.mse},
                 {"pixel_accuracy", test.clean.pixel_accuracy},
                 {"ssim", test.clean.ssim},
                 {"loss", test.loss}};
    if (test_noise > 0) {
      m["test"]["noise_std"] = test_noise;
      m["test"]["noisy_input_psnr_db"] = test.noisy_psnr_db;
      m["test"]["denoised_psnr_db"] = test.denoised.psnr_db;
      m["test"]["denoised_bce"] = test.denoised.bce;
      m["test"]["denoised_mse"] = test.denoised.mse;
      m["test"]["denoised_ssim"] = test.denoised.ssim;
      m["test"]["denoising_gain_db"] = test.denoised.psnr_db - test.noisy_psnr_db;
    }
    if (spec.model.type == "dense_ae") m["pca"] = pca_baseline(spec.model.latent, spec.evaluation.batch_size);
    m["epochs"] = spec.training.epochs;
    m["epochs_run"] = static_cast<int64_t>(history.size());
    m["final_lr"] = history.back().lr;
    m["final_train_loss"] = history.back().train_loss;
    m["train_seconds"] = train_seconds;
    m["samples_per_second"] = train_seconds > 0 ? static_cast<double>(data_.train.size() * spec.training.epochs) / train_seconds : 0.0;
    m["train_examples"] = data_.train.size();
    m["test_examples"] = data_.test.size();
    m["noise_std"] = spec.training.noise_std;
    m["loss"] = spec.training.loss;
    m["checkpoint"] = "model.pt";
    result.metrics = m;
    ctx.progress->message(spec.study + "/" + variant.name + ": test PSNR " + fixed(test.clean.psnr_db, 2) + " dB, BCE " +
                          fixed(test.clean.bce, 4) + ", MSE " + fixed(test.clean.mse, 5));
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
    if (!rows.empty()) write_image_grid_png(run_dir / "figures" / "reconstructions.png", rows, base.evaluation.grid_scale);

    size_t best = 0;
    for (size_t i = 1; i < results.size(); ++i)
      if (results[i].metrics["test"]["psnr_db"].get<double>() > results[best].metrics["test"]["psnr_db"].get<double>()) best = i;
    std::ostringstream md;
    md << "# " << base.study << "\n\n";
    if (!base.description.empty()) md << base.description << "\n\n";
    md << "| variant | parameters | test PSNR (dB) | test SSIM | test BCE | test MSE | pixel acc. | train s | samples/s |\n";
    md << "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    for (size_t i = 0; i < results.size(); ++i) {
      const auto& m = results[i].metrics;
      md << "| " << m["name"].get<std::string>() << (i == best && results.size() > 1 ? " **(best)**" : "") << " | "
         << m["model"]["parameters"].get<int64_t>() << " | " << fixed(m["test"]["psnr_db"].get<double>(), 2) << " | "
         << fixed(m["test"]["ssim"].get<double>(), 4) << " | " << fixed(m["test"]["bce"].get<double>(), 4) << " | " << fixed(m["test"]["mse"].get<double>(), 5) << " | "
         << fixed(m["test"]["pixel_accuracy"].get<double>(), 4) << " | " << fixed(m["train_seconds"].get<double>(), 1) << " | "
         << fixed(m["samples_per_second"].get<double>(), 0) << " |\n";
    }
    // PCA at each latent size used by a dense variant: what a linear projection reaches.
    std::map<int64_t, nlohmann::json> pca_rows;
    for (const auto& r : results)
      if (r.metrics.contains("pca") && r.metrics["pca"].contains("psnr_db")) pca_rows[r.metrics["pca"]["components"].get<int64_t>()] = r.metrics["pca"];
    for (const auto& [k, p] : pca_rows)
      md << "| pca (" << k << " components) | " << p["parameters"].get<int64_t>() << " | " << fixed(p["psnr_db"].get<double>(), 2) << " | "
         << fixed(p["ssim"].get<double>(), 4) << " | " << fixed(p["bce"].get<double>(), 4) << " | " << fixed(p["mse"].get<double>(), 5)
         << " | " << fixed(p["pixel_accuracy"].get<double>(), 4) << " | " << fixed(p["fit_seconds"].get<double>(), 1) << " | - |\n";
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
        md << "| " << r.metrics["name"].get<std::string>() << " | " << fixed(r.metrics["noise_std"].get<double>(), 2) << " | "
           << fixed(t["noise_std"].get<double>(), 2) << " | " << fixed(t["noisy_input_psnr_db"].get<double>(), 2) << " | "
           << fixed(t["denoised_psnr_db"].get<double>(), 2) << " | "
           << fixed(t["denoised_psnr_db"].get<double>() - t["noisy_input_psnr_db"].get<double>(), 2) << " | "
           << fixed(t["denoised_ssim"].get<double>(), 4) << " |\n";
      }
    }
    if (results.size() > 1) {
      const SweepTable sweep = reconstruction_sweep_table(results);
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
  static std::string fixed(double v, int digits) {
    std::ostringstream ss;
    ss.setf(std::ios::fixed);
    ss.precision(digits);
    ss << v;
    return ss.str();
  }

  // The combined table: clean-input metrics, the denoising ones when any variant has them, the
  // PCA baseline when any variant has one; best by denoised PSNR when every variant was scored
  // on noisy inputs, else by PSNR.
  static SweepTable reconstruction_sweep_table(const std::vector<VariantResult>& results) {
    bool all_noise = true, any_noise = false, any_pca = false;
    for (const auto& r : results) {
      const bool noise = r.metrics["test"].contains("denoised_psnr_db");
      all_noise = all_noise && noise;
      any_noise = any_noise || noise;
      any_pca = any_pca || (r.metrics.contains("pca") && r.metrics["pca"].contains("psnr_db"));
    }
    std::vector<SweepColumn> columns = {{"psnr_db", {"test", "psnr_db"}, 2}, {"ssim", {"test", "ssim"}, 4},
                                        {"bce", {"test", "bce"}, 4},         {"mse", {"test", "mse"}, 5},
                                        {"pixel_accuracy", {"test", "pixel_accuracy"}, 4}};
    if (any_noise) {
      columns.push_back({"test_noise_std", {"test", "noise_std"}, 3});
      columns.push_back({"noisy_input_psnr_db", {"test", "noisy_input_psnr_db"}, 2});
      columns.push_back({"denoised_psnr_db", {"test", "denoised_psnr_db"}, 2});
      columns.push_back({"denoised_ssim", {"test", "denoised_ssim"}, 4});
    }
    if (any_pca) {
      columns.push_back({"pca_psnr_db", {"pca", "psnr_db"}, 2});
      columns.push_back({"pca_ssim", {"pca", "ssim"}, 4});
    }
    columns.push_back({"parameters", {"model", "parameters"}, 0});
    columns.push_back({"train_seconds", {"train_seconds"}, 1});
    const SweepColumn rank = all_noise ? SweepColumn{"denoised_psnr_db", {"test", "denoised_psnr_db"}, 2}
                                       : SweepColumn{"psnr_db", {"test", "psnr_db"}, 2};
    return make_sweep_table(results, columns, rank);
  }

  static uint64_t seed_of(const Spec& spec) { return static_cast<uint64_t>(spec.seed) + kTestNoiseSeedOffset; }

  void load(const Spec& spec, const RunContext& ctx) {
    if (load_image_data(spec, ctx, data_, loaded_key_)) pca_cache_.clear();
  }

  // Evaluates the objective and reconstruction metrics on `set` in evaluation mode.
  EvalResult evaluate(AutoencoderBase& model, const TensorDataset& set, const Spec& spec, const ReconstructionObjective& objective,
                      double noise_std, bool full) {
    EvalMode guard(model);
    EvalResult r;
    ReconstructionSums clean, denoised, noisy;
    double loss_sum = 0;
    torch::Tensor agree = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(set.x.device()));
    const int64_t n = set.size(), bs = spec.evaluation.batch_size;
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

}  // namespace

std::unique_ptr<StudyRunner> make_reconstruction_study() { return std::make_unique<ReconstructionStudy>(); }

}  // namespace latent
