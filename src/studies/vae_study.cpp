// The vae study kind: variational autoencoders trained on the negative ELBO (beta, KL
// warm-up), evaluated by the test ELBO per image in nats, with the latent scatter, the
// decoded manifold, prior samples and reconstructions as figures.
#include <cmath>
#include <sstream>

#include "latent/core/error.h"
#include "latent/core/eval_mode.h"
#include "latent/core/fs.h"
#include "latent/core/system.h"
#include "latent/data/batch.h"
#include "latent/data/dataset.h"
#include "latent/models/vae.h"
#include "latent/report/image_grid.h"
#include "latent/report/chart.h"
#include "latent/studies/study.h"
#include "latent/studies/study_util.h"
#include "latent/studies/vae.h"
#include "latent/training/checkpoint.h"
#include "latent/training/loop.h"
#include "latent/training/vae_objective.h"

namespace latent {

namespace {

constexpr uint64_t kSampleSeedOffset = 7919;
// The posterior draws of every evaluation (each epoch's validation and the final test ELBO) come
// from the default generator started at seed + this, and leave training's draws where they were
// (IsolatedRandomScope): reference/pytorch/vae.py evaluates with the same draws.
constexpr uint64_t kEvalSeedOffset = 3000017;
constexpr int64_t kManifoldSide = 15;
constexpr double kManifoldExtent = 3.0;

struct ElboSums {
  double recon = 0, kl = 0;
  int64_t n = 0;
};

// Rows of a square-ish grid from (N, C, H, W) images.
std::vector<torch::Tensor> grid_rows(const torch::Tensor& images, int64_t cols) {
  std::vector<torch::Tensor> rows;
  for (int64_t b = 0; b < images.size(0); b += cols)
    rows.push_back(images.slice(0, b, std::min(images.size(0), b + cols)));
  return rows;
}

class VaeStudy : public StudyRunner {
 public:
  void prepare(const Spec& base, const RunContext& ctx) override { load(base, ctx); }

  VariantResult run_variant(const Variant& variant, const RunContext& ctx) override {
    const Spec& spec = variant.spec;
    load(spec, ctx);
    const auto input_shape = data_.train.example_shape();
    auto model = make_vae(ModelSpec::from_values(spec.values), input_shape);
    model->to(ctx.device);
    TrainSession session = model_session(model, spec, ctx.device);
    const auto objective = VaeObjective::from_values(spec.values);
    const bool has_validation = data_.val.size() > 0;
    const TensorDataset& val = has_validation ? data_.val : data_.test;
    const int64_t eval_batch = spec.get<int64_t>("evaluation.batch_size");
    // The KL weight follows the global batch index (warm-up), which the session keeps across a resume.
    auto step = [&](const Batch& batch, TrainSession& s) {
      const auto& x = batch["x"];
      const double beta = objective.beta_at(s.global_step(), s.batches_per_epoch());
      torch::Tensor loss = objective(model->forward_vae(x), x, beta).loss;
      s.minimize("model", loss);
      StepStats stats;
      stats.mean("loss", loss, static_cast<double>(batch.size()));
      return stats;
    };
    auto validate = [&](TrainSession&) -> std::vector<std::pair<std::string, double>> {
      auto sums = evaluate(*model, val, objective, eval_batch, eval_seed(spec));
      return {{"loss", (sums.recon + objective.beta * sums.kl) / static_cast<double>(sums.n)}};
    };
    const LoopOptions options = variant_loop_options(spec, variant, ctx, input_shape, has_validation);
    History history = train_loop(session, TensorSource({{"x", data_.train.x}}), step, validate, options, *ctx.progress);

    const ElboSums test = evaluate(*model, data_.test, objective, eval_batch, eval_seed(spec));
    const double recon = test.recon / static_cast<double>(test.n), kl = test.kl / static_cast<double>(test.n);

    const fs::path dir = ctx.variant_dir;
    write_history_csv(dir / "history.csv", history);
    save_checkpoint(dir / "model.pt", *model, variant_checkpoint_meta(spec, variant.name, input_shape));

    VariantResult result;
    nlohmann::json figures = write_figures(*model, spec, dir, result);

    nlohmann::json m = loop_metrics(variant.name, spec, history, data_.train.size(), data_.test.size());
    m["model"] = {{"type", spec.model_type()},
                  {"hidden", spec.get<IntList>("model.hidden")},
                  {"latent", spec.get<int64_t>("model.latent")},
                  {"parameters", parameter_count(*model)}};
    m["test"] = {{"elbo_nats", -(recon + kl)},
                 {"neg_elbo_nats", recon + kl},
                 {"recon_nats", recon},
                 {"kl_nats", kl},
                 {"loss", spec.get<std::string>("training.loss")}};
    m["beta"] = spec.get<double>("training.beta");
    m["kl_warmup_epochs"] = spec.get<int64_t>("training.kl_warmup_epochs");
    m["checkpoint"] = "model.pt";
    m["figures"] = figures;
    result.metrics = m;
    ctx.progress->message(spec.study + "/" + variant.name + ": test ELBO " + format_fixed(-(recon + kl), 2) +
                          " nats/image (reconstruction " + format_fixed(recon, 2) + ", KL " + format_fixed(kl, 2) +
                          ")");
    return result;
  }

  void finish(const std::vector<VariantResult>& results, const fs::path& run_dir, const Spec& base) override {
    std::ostringstream md;
    md << "# " << base.study << "\n\n";
    if (!base.description.empty()) md << base.description << "\n\n";
    md << "Test ELBO per image in nats (one posterior sample per image; higher is better) = -(reconstruction + KL).\n\n";
    md << "| variant | model | latent | parameters | test ELBO | reconstruction | KL | train s | samples/s |\n";
    md << "|---|---|---:|---:|---:|---:|---:|---:|---:|\n";
    for (const auto& r : results) {
      const auto& m = r.metrics;
      md << "| " << m["name"].get<std::string>() << " | " << m["model"]["type"].get<std::string>() << " | "
         << m["model"]["latent"].get<int64_t>() << " | " << m["model"]["parameters"].get<int64_t>() << " | "
         << format_fixed(m["test"]["elbo_nats"].get<double>(), 2) << " | "
         << format_fixed(m["test"]["recon_nats"].get<double>(), 2) << " | "
         << format_fixed(m["test"]["kl_nats"].get<double>(), 2) << " | "
         << format_fixed(m["train_seconds"].get<double>(), 1) << " | "
         << format_fixed(m["samples_per_second"].get<double>(), 0) << " |\n";
    }
    md << "\n## Figures (in each variant's folder)\n\n"
       << "- figures/reconstructions.png: test originals (top row) above their reconstructions (decoded posterior means).\n"
       << "- figures/samples.png: images decoded from z ~ N(0, I).\n"
       << "- figures/manifold.png (latent 2 only): decoded z over a " << kManifoldSide << "x" << kManifoldSide
       << " grid of [-" << kManifoldExtent << ", " << kManifoldExtent << "]^2, z1 left to right, z2 bottom to top.\n"
       << "- figures/latent_scatter.png (latent 2 only): posterior means of the test set coloured by class (legend in the figure), "
          "axes z1 and z2 over the range in metrics.json (figures.scatter_range).\n";
    write_file_atomic(run_dir / "results.md", md.str());
  }

 private:
  static uint64_t eval_seed(const Spec& spec) { return static_cast<uint64_t>(spec.seed) + kEvalSeedOffset; }

  ElboSums evaluate(VaeBase& model, const TensorDataset& set, const VaeObjective& objective, int64_t bs,
                    uint64_t seed) {
    EvalMode guard(model);
    IsolatedRandomScope draws(set.x.device(), seed);
    ElboSums s;
    torch::Tensor recon_sum = torch::zeros({}, torch::kFloat64), kl_sum = torch::zeros({}, torch::kFloat64);
    for (int64_t begin = 0; begin < set.size(); begin += bs) {
      auto x = set.x.slice(0, begin, std::min(set.size(), begin + bs));
      auto t = objective(model.forward_vae(x), x, 1.0);
      recon_sum += t.recon.sum().to(torch::kCPU, torch::kFloat64);
      kl_sum += t.kl.sum().to(torch::kCPU, torch::kFloat64);
      s.n += x.size(0);
    }
    s.recon = recon_sum.item<double>();
    s.kl = kl_sum.item<double>();
    return s;
  }

  nlohmann::json write_figures(VaeBase& model, const Spec& spec, const fs::path& dir, VariantResult& result) {
    EvalMode guard(model);
    nlohmann::json figures;
    make_dirs(dir / "figures");
    const int64_t scale = spec.get<int64_t>("evaluation.grid_scale");
    const int64_t k = std::min<int64_t>(spec.get<int64_t>("evaluation.grid_images"), data_.test.size());
    auto originals = data_.test.x.slice(0, 0, k);
    auto recon = model.forward(originals).recon;
    write_image_grid_png(dir / "figures" / "reconstructions.png", {originals, recon}, scale);
    result.grid_rows = {originals, recon};
    figures["reconstructions"] = "figures/reconstructions.png";

    auto samples = sample_prior(model, 64, static_cast<uint64_t>(spec.seed) + kSampleSeedOffset);
    write_image_grid_png(dir / "figures" / "samples.png", grid_rows(samples, 8), scale);
    figures["samples"] = "figures/samples.png";
    if (model.latent_dim() != 2) return figures;

    // Manifold: z1 left to right, z2 bottom to top.
    auto axis = torch::linspace(-kManifoldExtent, kManifoldExtent, kManifoldSide);
    std::vector<torch::Tensor> rows;
    for (int64_t r = 0; r < kManifoldSide; ++r) {
      auto z2 = axis[kManifoldSide - 1 - r].expand({kManifoldSide});
      auto z = torch::stack({axis, z2}, 1).to(data_.test.x.device());
      rows.push_back(model.decode(z));
    }
    write_image_grid_png(dir / "figures" / "manifold.png", rows, 1, 0);
    figures["manifold"] = "figures/manifold.png";

    // Latent scatter of the test set's posterior means.
    std::vector<torch::Tensor> mus;
    const int64_t bs = spec.get<int64_t>("evaluation.batch_size");
    for (int64_t begin = 0; begin < data_.test.size(); begin += bs)
      mus.push_back(model.encode(data_.test.x.slice(0, begin, std::min(data_.test.size(), begin + bs))));
    auto mu = torch::cat(mus).to(torch::kCPU, torch::kFloat64).contiguous();
    auto labels =
        data_.test.y.defined() ? data_.test.y.to(torch::kCPU).contiguous() : torch::zeros({mu.size(0)}, torch::kInt64);
    const double lo = std::min(-kManifoldExtent, torch::quantile(mu, 0.005).item<double>());
    const double hi = std::max(kManifoldExtent, torch::quantile(mu, 0.995).item<double>());
    ScatterChart scatter;
    scatter.title = "Test-set posterior means";
    scatter.x_label = "z1";
    scatter.y_label = "z2";
    scatter.range = ChartRange{lo, hi, lo, hi};
    auto m = mu.accessor<double, 2>();
    auto y = labels.accessor<int64_t, 1>();
    for (int64_t i = 0; i < mu.size(0); ++i) {
      scatter.x.push_back(m[i][0]);
      scatter.y.push_back(m[i][1]);
      scatter.classes.push_back(y[i]);
    }
    for (int64_t c = 0; c < num_classes_; ++c)
      scatter.class_names.push_back(c < static_cast<int64_t>(class_names_.size()) ? class_names_[static_cast<size_t>(c)]
                                                                                  : "class " + std::to_string(c));
    write_chart(dir / "figures" / "latent_scatter.png", scatter);
    figures["latent_scatter"] = "figures/latent_scatter.png";
    figures["scatter_range"] = {lo, hi};
    return figures;
  }

  void load(const Spec& spec, const RunContext& ctx) {
    if (!load_image_data(spec, ctx, data_, loaded_key_)) return;
    class_names_ = data_.class_names;
    num_classes_ =
        std::max<int64_t>(static_cast<int64_t>(class_names_.size()),
                          data_.test.y.defined() && data_.test.y.numel() ? data_.test.y.max().item<int64_t>() + 1 : 1);
  }

  DataSplits data_;
  std::vector<std::string> class_names_;
  int64_t num_classes_ = 1;
  std::string loaded_key_;
};

ResultSchema vae_results() {
  ResultSchema s;
  const MetricDecl elbo{"test.elbo_nats", "test ELBO", "nats", 2, true};
  s.headline = {elbo};
  s.summary = {elbo, {"test.recon_nats", "reconstruction", "nats", 2, false}, {"test.kl_nats", "KL", "nats", 2, false}};
  s.columns = {elbo,
               {"test.recon_nats", "reconstruction", "nats", 2, false},
               {"test.kl_nats", "KL", "nats", 2, false},
               {"model.latent", "latent", "", 0, true},
               {"model.parameters", "parameters", "", 0, false},
               {"train_seconds", "training", "s", 1, false}};
  s.figures = {{"reconstructions.png", "Test originals (top row) and their reconstructions (decoded posterior means)"},
               {"samples.png", "Images decoded from z ~ N(0, I)"},
               {"manifold.png", "Decoded latent manifold (z1 left to right, z2 bottom to top)"},
               {"latent_scatter.png", "Test-set posterior means coloured by class"}};
  return s;
}

}  // namespace

StudyKind vae_kind() {
  StudyKind k;
  k.name = "vae";
  k.doc =
      "variational autoencoders trained on the negative ELBO (beta, KL warm-up), scored by the test ELBO in nats, with latent figures";
  k.keys = image_data_keys();
  for (const auto& key : VaeObjective::keys()) k.keys.push_back(key);
  k.keys.push_back(integer_key("evaluation.grid_images", 10, "test images in the reconstruction grid", 1, 100));
  k.keys.push_back(integer_key("evaluation.grid_scale", 2, "pixel scale of figure grids", 1, 16));
  k.models = autoencoder_models(true);
  k.results = vae_results();
  k.resolve = [](Spec& s) {
    check_image_data(s);
    check_bce_output(s);
  };
  k.make = [] { return std::make_unique<VaeStudy>(); };
  return k;
}

LoadedVae load_vae(const std::filesystem::path& path) {
  LoadedVae out;
  out.meta = read_checkpoint_meta(path);
  out.spec = parse_spec(out.meta.spec_toml, path.string() + " (stored spec)");
  if (out.spec.model_type() != "dense_vae" && out.spec.model_type() != "conv_vae")
    throw Error(path.string() + ": a '" + out.spec.model_type() +
                "' model, not a variational autoencoder (dense_vae or conv_vae)");
  out.model = make_vae(ModelSpec::from_values(out.spec.values), out.meta.input_shape);
  load_checkpoint_weights(path, *out.model);
  out.model->eval();
  return out;
}

torch::Tensor sample_prior(VaeBase& model, int64_t n, uint64_t seed) {
  check(n > 0, "samples: n must be positive");
  EvalMode guard(model);
  auto gen = at::detail::createCPUGenerator(seed);
  auto device = model.parameters().front().device();
  auto z = torch::randn({n, model.latent_dim()}, gen, torch::TensorOptions().dtype(torch::kFloat32)).to(device);
  return model.decode(z).clamp(0.0, 1.0);
}

torch::Tensor write_vae_samples(const std::filesystem::path& model_path, int64_t n, uint64_t seed,
                                const std::filesystem::path& out_png, int64_t scale) {
  auto loaded = load_vae(model_path);
  auto samples = sample_prior(*loaded.model, n, seed);
  check(samples.dim() == 4, model_path.string() + ": the model does not produce images (input shape is not (C, H, W))");
  const auto cols = static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(n))));
  write_image_grid_png(out_png, grid_rows(samples, cols), scale);
  return samples;
}

}  // namespace latent
