// The anomaly study kind: autoencoders (vanilla, deep, sparse, denoising, VAE) trained on the
// normal rows of a labelled numeric table, scoring rows by reconstruction error, with the
// threshold chosen on a validation split; plus loading and streaming scoring of saved detectors.
#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>

#include "latent/core/error.h"
#include "latent/core/eval_mode.h"
#include "latent/core/fs.h"
#include "latent/data/batch.h"
#include "latent/data/csv.h"
#include "latent/data/fraud_synth.h"
#include "latent/kernels/substitute.h"
#include "latent/metrics/classification.h"
#include "latent/models/vae.h"
#include "latent/report/chart.h"
#include "latent/studies/anomaly.h"
#include "latent/studies/study.h"
#include "latent/studies/study_util.h"
#include "latent/training/checkpoint.h"
#include "latent/training/objective.h"
#include "latent/training/loop.h"
#include "latent/training/vae_objective.h"

namespace latent {

namespace {

constexpr int64_t kHistogramBins = 60;
constexpr double kMinStd = 1e-12;

std::vector<double> to_doubles(const torch::Tensor& t) {
  auto c = t.to(torch::kCPU, torch::kFloat64).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

std::vector<int64_t> to_ints(const torch::Tensor& t) {
  auto c = t.to(torch::kCPU, torch::kInt64).contiguous();
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

void histogram_figure(const fs::path& path, const std::vector<double>& scores, const std::vector<int64_t>& labels,
                      double threshold) {
  // log10 of the score on the x axis; each class's histogram scaled to its own peak.
  HistogramChart h;
  h.title = "Test reconstruction error by class";
  h.x_label = "log10(score)";
  h.y_label = "count / peak count";
  h.bins = kHistogramBins;
  h.scale_to_peak = true;
  h.groups = {{"normal", {}}, {"anomaly", {}}};
  for (size_t i = 0; i < scores.size(); ++i)
    h.groups[labels[i] ? 1 : 0].values.push_back(std::log10(std::max(scores[i], 1e-12)));
  h.markers = {{"threshold", std::log10(std::max(threshold, 1e-12))}};
  write_chart(path, h);
}

void curve_figure(const fs::path& path, const std::string& title, const std::string& x_label,
                  const std::string& y_label, const std::vector<double>& xs, const std::vector<double>& ys,
                  bool diagonal) {
  LineChart c;
  c.title = title;
  c.x_label = x_label;
  c.y_label = y_label;
  c.range = ChartRange{0.0, 1.0, 0.0, 1.02};
  c.series.push_back({"test set", xs, ys});
  if (diagonal) c.series.push_back({"chance", {0.0, 1.0}, {0.0, 1.0}, 7, true});
  c.legend = diagonal ? "bottom-right" : "bottom-left";
  write_chart(path, c);
}

void confusion_figure(const fs::path& path, const ConfusionMatrix& cm) {
  MatrixChart m;
  m.title = "Test confusion matrix at the threshold";
  m.x_label = "predicted";
  m.y_label = "true";
  m.row_names = m.col_names = {"normal", "anomaly"};
  m.values = {{static_cast<double>(cm.tn), static_cast<double>(cm.fp)},
              {static_cast<double>(cm.fn), static_cast<double>(cm.tp)}};
  write_chart(path, m);
}

class AnomalyStudy : public StudyRunner {
 public:
  void prepare(const Spec& base, const RunContext& ctx) override { load(base, ctx); }

  VariantResult run_variant(const Variant& variant, const RunContext& ctx) override {
    const Spec& spec = variant.spec;
    load(spec, ctx);
    const int64_t features = train_.size(1);
    auto model = make_autoencoder(ModelSpec::from_values(spec.values), {features});
    model->to(ctx.device);
    auto vae = std::dynamic_pointer_cast<VaeBase>(model);
    TrainSession session = model_session(model, spec, ctx.device);
    ReconstructionObjective objective = ReconstructionObjective::from_values(spec.values);
    objective.noise_std = 0.0;  // standardised data: noise is added here, without clipping to [0, 1]
    const VaeObjective vae_objective = VaeObjective::from_values(spec.values);
    const double noise = spec.get<double>("training.noise_std");
    const std::string& out_act = model->output_activation();
    auto step = [&](const Batch& batch, TrainSession& s) {
      const auto& x = batch["x"];
      auto input = noise > 0 ? x + noise * latent::randn_like(x) : x;
      torch::Tensor loss =
          vae ? vae_objective(vae->forward_vae(input), x, vae_objective.beta_at(s.global_step(), s.batches_per_epoch()))
                    .loss
              : objective(model->forward(input), x, out_act);
      s.minimize("model", loss);
      StepStats stats;
      stats.mean("loss", loss, static_cast<double>(batch.size()));
      return stats;
    };
    auto validate = [&](TrainSession&) -> std::vector<std::pair<std::string, double>> {
      return {{"loss", reconstruction_error(*model, val_normals_).mean().item<double>()}};
    };
    const LoopOptions options = variant_loop_options(spec, variant, ctx, {features}, true);
    History history = train_loop(session, TensorSource({{"x", train_}}), step, validate, options, *ctx.progress);
    const std::string score = spec.get<std::string>("evaluation.score");
    const std::string loss_name = spec.get<std::string>("training.loss");

    // Threshold on the validation split.
    const auto score_of = [&](const torch::Tensor& x) {
      return to_doubles(anomaly_score(*model, x, score, loss_name));
    };
    const auto val_scores = score_of(val_.x);
    const auto val_labels = to_ints(val_.y);
    std::vector<double> val_normal_scores;
    for (size_t i = 0; i < val_scores.size(); ++i)
      if (!val_labels[i]) val_normal_scores.push_back(val_scores[i]);
    std::string method = spec.get<std::string>("evaluation.threshold");
    if (method == "f1" && std::none_of(val_labels.begin(), val_labels.end(), [](int64_t y) { return y != 0; }))
      method = "percentile";
    const double threshold = method == "f1" ? f1_optimal_threshold(val_scores, val_labels)
                                            : percentile(val_normal_scores, spec.get<double>("evaluation.percentile"));

    const auto scores = score_of(test_.x);
    const auto labels = to_ints(test_.y);
    const ConfusionMatrix cm = confusion_at(scores, labels, threshold);
    const double auc = roc_auc(scores, labels), ap = average_precision(scores, labels);

    const fs::path dir = ctx.variant_dir;
    write_history_csv(dir / "history.csv", history);
    const CheckpointMeta meta = variant_checkpoint_meta(spec, variant.name, {features});
    save_checkpoint(dir / "model.pt", *model, meta,
                    {{"mean", mean_},
                     {"std", std_},
                     {"threshold", torch::tensor(threshold, torch::kFloat64)},
                     {"feature_names", strings_tensor(feature_names_)}});

    make_dirs(dir / "figures");
    histogram_figure(dir / "figures" / "error_histogram.svg", scores, labels, threshold);
    confusion_figure(dir / "figures" / "confusion.svg", cm);
    const auto curve = detection_curve(scores, labels);
    std::vector<double> fpr = {0.0}, tpr = {0.0}, rec, prec;
    for (const auto& p : curve) {
      fpr.push_back(p.fpr), tpr.push_back(p.tpr), rec.push_back(p.recall), prec.push_back(p.precision);
    }
    curve_figure(dir / "figures" / "roc.svg", "ROC curve (AUC " + format_fixed(auc, 4) + ")", "false-positive rate",
                 "true-positive rate", fpr, tpr, true);
    curve_figure(dir / "figures" / "pr.svg", "Precision-recall curve (AP " + format_fixed(ap, 4) + ")", "recall",
                 "precision", rec, prec, false);

    nlohmann::json m = loop_metrics(variant.name, spec, history, train_.size(0), test_.size());
    m["model"] = {{"type", spec.model_type()},
                  {"hidden", spec.get<IntList>("model.hidden")},
                  {"latent", spec.get<int64_t>("model.latent")},
                  {"parameters", parameter_count(*model)}};
    m["threshold"] = {{"method", method}, {"value", threshold}};
    m["score"] = score;
    m["test"] = {{"precision", cm.precision()},
                 {"recall", cm.recall()},
                 {"f1", cm.f1()},
                 {"roc_auc", auc},
                 {"pr_auc", ap},
                 {"confusion", {{"tp", cm.tp}, {"fp", cm.fp}, {"tn", cm.tn}, {"fn", cm.fn}}}};
    m["val_examples"] = val_.size();
    m["test_anomalies"] = cm.tp + cm.fn;
    m["checkpoint"] = "model.pt";
    VariantResult result;
    result.metrics = m;
    ctx.progress->message(spec.study + "/" + variant.name + ": test precision " + format_fixed(cm.precision(), 3) +
                          ", recall " + format_fixed(cm.recall(), 3) + ", F1 " + format_fixed(cm.f1(), 3) +
                          ", ROC-AUC " + format_fixed(auc, 4) + ", PR-AUC " + format_fixed(ap, 4));
    return result;
  }

  void finish(const std::vector<VariantResult>& results, const fs::path& run_dir, const Spec& base) override {
    std::ostringstream md;
    md << "# " << base.study << "\n\n";
    if (!base.description.empty()) md << base.description << "\n\n";
    md << "Data: " << data_name_ << "; " << train_.size(0) << " training normals, " << val_.size()
       << " validation rows, " << test_.size()
       << " test rows. Score recon_error = mean squared reconstruction error of the standardised row; neg_elbo (VAE) = "
          "reconstruction NLL at the posterior mean + KL, i.e. the negative ELBO with z = mu. Flagged when score > threshold.\n\n";
    md << "| variant | model | score | parameters | threshold | precision | recall | F1 | ROC-AUC | PR-AUC | TP | FP | TN | FN | train s |\n";
    md << "|---|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    for (const auto& r : results) {
      const auto& m = r.metrics;
      const auto& t = m["test"];
      auto num = [](const nlohmann::json& v, int d) {
        return v.is_number() ? format_fixed(v.get<double>(), d) : std::string("n/a");
      };
      md << "| " << m["name"].get<std::string>() << " | " << m["model"]["type"].get<std::string>() << " | "
         << m.value("score", "recon_error") << " | " << m["model"]["parameters"].get<int64_t>() << " | "
         << m["threshold"]["method"].get<std::string>() << " " << num(m["threshold"]["value"], 4) << " | "
         << num(t["precision"], 3) << " | " << num(t["recall"], 3) << " | " << num(t["f1"], 3) << " | "
         << num(t["roc_auc"], 4) << " | " << num(t["pr_auc"], 4) << " | " << t["confusion"]["tp"] << " | "
         << t["confusion"]["fp"] << " | " << t["confusion"]["tn"] << " | " << t["confusion"]["fn"] << " | "
         << num(m["train_seconds"], 1) << " |\n";
    }
    md << "\n## Figures (in each variant's folder)\n\n"
       << "- figures/error_histogram.svg: test scores on a log10 axis by class (each scaled to its own peak), the threshold as a dashed line.\n"
       << "- figures/roc.svg: ROC curve with chance as the dashed diagonal.\n"
       << "- figures/pr.svg: precision-recall curve.\n"
       << "- figures/confusion.svg: the test confusion matrix at the threshold.\n";
    write_file_atomic(run_dir / "results.md", md.str());
  }

 private:
  void load(const Spec& spec, const RunContext& ctx) {
    const std::string& path = spec.get<std::string>("data.path");
    const std::string& label = spec.get<std::string>("data.label");
    const int64_t synthetic_rows = spec.get<int64_t>("data.synthetic_rows");
    const double val_split = spec.get<double>("data.val_split"), test_split = spec.get<double>("data.test_split");
    const std::string key = path + "|" + label + "|" + std::to_string(synthetic_rows) + "|" +
                            std::to_string(val_split) + "|" + std::to_string(test_split) + "|" +
                            std::to_string(spec.seed) + "|" + ctx.device.str();
    if (key == loaded_key_) return;
    CsvChunk table;
    if (path.empty()) {
      FraudDataOptions o;
      o.rows = synthetic_rows;
      o.seed = static_cast<uint64_t>(spec.seed);
      table = make_fraud_table(o);
      feature_names_ = fraud_columns();
      feature_names_.pop_back();
      if (label != "Class")
        throw UsageError(spec.where("data.label") +
                         ": data.label: the synthetic credit-card table's label column is 'Class'");
      data_name_ =
          "synthetic credit-card table (" + std::to_string(o.rows) + " rows, seed " + std::to_string(o.seed) + ")";
    } else {
      CsvOptions o;
      o.label = label;
      table = read_csv(path, o, &feature_names_);
      data_name_ = path;
    }
    const int64_t n = table.rows();
    auto gen = at::detail::createCPUGenerator(static_cast<uint64_t>(spec.seed));
    auto order = torch::randperm(n, gen, torch::kInt64);
    const int64_t n_test = std::max<int64_t>(1, std::llround(static_cast<double>(n) * test_split));
    const int64_t n_val = std::max<int64_t>(1, std::llround(static_cast<double>(n - n_test) * val_split));
    if (n - n_test - n_val < 2)
      throw Error(data_name_ + ": too few rows (" + std::to_string(n) + ") for the test and validation splits");
    TensorDataset all{table.x, table.y};
    TensorDataset test = all.select(order.slice(0, 0, n_test));
    TensorDataset val = all.select(order.slice(0, n_test, n_test + n_val));
    TensorDataset rest = all.select(order.slice(0, n_test + n_val, n));
    auto train = rest.x.index({rest.y == 0});
    if (train.size(0) < 2) throw Error(data_name_ + ": fewer than 2 normal training rows");
    mean_ = train.mean(0);
    std_ = ((train - mean_).pow(2).sum(0) / static_cast<double>(train.size(0) - 1))
               .sqrt()
               .clamp_min(kMinStd);  // unbiased, per column
    auto standardise = [&](const torch::Tensor& x) { return ((x - mean_) / std_).to(ctx.device); };
    train_ = standardise(train);
    val_ = {standardise(val.x), val.y};
    test_ = {standardise(test.x), test.y};
    val_normals_ = val_.x.index({val_.y.to(ctx.device) == 0});
    loaded_key_ = key;
  }

  std::string loaded_key_, data_name_;
  std::vector<std::string> feature_names_;
  torch::Tensor mean_, std_, train_, val_normals_;
  TensorDataset val_, test_;
};

ResultSchema anomaly_results() {
  ResultSchema s;
  const MetricDecl pr_auc{"test.pr_auc", "PR-AUC", "", 4, true};
  const MetricDecl f1{"test.f1", "test F1", "", 4, true};
  const MetricDecl roc_auc{"test.roc_auc", "ROC-AUC", "", 4, true};
  s.headline = {pr_auc};
  s.summary = {f1, pr_auc, roc_auc};
  s.columns = {{"test.precision", "precision", "", 3, true},
               {"test.recall", "recall", "", 3, true},
               f1,
               roc_auc,
               pr_auc,
               {"threshold.value", "threshold", "", 4, true},
               {"model.parameters", "parameters", "", 0, false},
               {"train_seconds", "training", "s", 1, false}};
  s.figures = {{"error_histogram.svg", "Test scores by class on a log10 axis, the threshold dashed"},
               {"roc.svg", "ROC curve"},
               {"pr.svg", "Precision-recall curve"},
               {"confusion.svg", "Test confusion matrix at the threshold"}};
  return s;
}

std::vector<KeyDef> anomaly_keys() {
  constexpr double kBig = 1e9;
  std::vector<KeyDef> keys = {
      string_key("data.dataset", "csv", "csv: a numeric table with a 0/1 label column (1 = anomaly)", {"csv"}),
      string_key("data.path", "",
                 "the CSV file; empty: the built-in synthetic credit-card table (data.synthetic_rows rows)"),
      string_key("data.label", "", "name of the label column (1 = anomaly); required"),
      float_key("data.val_split", 0.0,
                "fraction of the non-test rows held out for validation (the threshold is chosen there; required > 0)",
                0.0, 0.9),
      float_key("data.test_split", 0.3, "fraction of all rows held out as the test set (a seeded split)", 0.01, 0.9),
      integer_key("data.synthetic_rows", 50000,
                  "with an empty data.path: rows of the built-in synthetic credit-card table", 100, kBig),
  };
  for (const auto& k : ReconstructionObjective::keys()) keys.push_back(k);
  for (const auto& k : VaeObjective::keys())
    if (k.key != "training.loss") keys.push_back(k);
  keys.push_back(string_key("evaluation.threshold", "f1",
                            "f1 (F1-optimal on labelled validation rows) or percentile (of validation normals' scores)",
                            {"f1", "percentile"}));
  keys.push_back(
      float_key("evaluation.percentile", 99.0, "percentile of normal validation scores used as threshold", 0.0, 100.0));
  keys.push_back(
      string_key("evaluation.score", "recon_error",
                 "anomaly score: recon_error (mean squared error of the standardised row) or neg_elbo (VAE models: "
                 "reconstruction NLL at the posterior mean + KL)",
                 {"recon_error", "neg_elbo"}));
  return keys;
}

}  // namespace

StudyKind anomaly_kind() {
  StudyKind k;
  k.name = "anomaly";
  k.doc =
      "autoencoders trained on the normal rows of a labelled table, flagging rows by their reconstruction error (P/R/F1, ROC/PR-AUC)";
  k.keys = anomaly_keys();
  for (auto& m : autoencoder_models(false))
    if (m.type == "dense_ae" || m.type == "dense_vae") k.models.push_back(m);
  k.results = anomaly_results();
  k.resolve = [](Spec& s) {
    ReconstructionObjective::resolve_noise(s.values, s.where("training.noise_variance"));
    check_bce_output(s);
    if (s.get<std::string>("data.label").empty())
      throw UsageError(s.where("data.label") +
                       ": data.label: the anomaly study needs the label column's name (1 = anomaly)");
    if (s.get<double>("data.val_split") <= 0)
      throw UsageError(s.where("data.val_split") +
                       ": data.val_split: the anomaly study needs a validation split (> 0) for its threshold");
    if (s.get<std::string>("evaluation.score") == "neg_elbo" && s.model_type() != "dense_vae")
      throw UsageError(s.where("evaluation.score") +
                       ": evaluation.score: neg_elbo needs a VAE (model.type dense_vae), not '" + s.model_type() + "'");
  };
  k.make = [] { return std::make_unique<AnomalyStudy>(); };
  return k;
}

torch::Tensor reconstruction_error(AutoencoderBase& model, const torch::Tensor& x, int64_t batch_size) {
  EvalMode guard(model);
  std::vector<torch::Tensor> parts;
  for (int64_t b = 0; b < x.size(0); b += batch_size) {
    auto xb = x.slice(0, b, std::min(x.size(0), b + batch_size));
    parts.push_back((model.forward(xb).recon - xb).pow(2).mean(1));
  }
  if (parts.empty()) return torch::zeros({0}, x.options());
  return torch::cat(parts);
}

torch::Tensor anomaly_score(AutoencoderBase& model, const torch::Tensor& x, const std::string& score,
                            const std::string& loss, int64_t batch_size) {
  if (score == "recon_error") return reconstruction_error(model, x, batch_size);
  auto* vae = dynamic_cast<VaeBase*>(&model);
  if (score != "neg_elbo" || vae == nullptr) throw Error("evaluation.score: '" + score + "' needs a VAE model");
  EvalMode guard(model);
  std::vector<torch::Tensor> parts;
  for (int64_t b = 0; b < x.size(0); b += batch_size) {
    auto xb = x.slice(0, b, std::min(x.size(0), b + batch_size));
    const VaePosterior q = vae->posterior(xb);
    auto logits = vae->decode_logits(q.mu);
    parts.push_back(reconstruction_nll(loss, logits, vae->decode(q.mu), xb) + kl_divergence(q.mu, q.logvar));
  }
  if (parts.empty()) return torch::zeros({0}, x.options());
  return torch::cat(parts);
}

torch::Tensor AnomalyDetector::score(const torch::Tensor& x) {
  return anomaly_score(*model, (x - mean) / std, spec.get<std::string>("evaluation.score"),
                       spec.get<std::string>("training.loss"));
}

AnomalyDetector load_anomaly_detector(const std::filesystem::path& path) {
  AnomalyDetector d;
  d.meta = read_checkpoint_meta(path);
  if (d.meta.kind != "anomaly")
    throw Error(path.string() + ": a '" + d.meta.kind + "' checkpoint, not an anomaly detector");
  d.spec = parse_spec(d.meta.spec_toml, path.string() + " (stored spec)");
  d.model = make_autoencoder(ModelSpec::from_values(d.spec.values), d.meta.input_shape);
  load_checkpoint_weights(path, *d.model);
  d.model->eval();
  auto extras = read_checkpoint_extras(path);
  for (const char* k : {"mean", "std", "threshold", "feature_names"})
    if (!extras.count(k)) throw Error(path.string() + ": anomaly checkpoint without '" + k + "'");
  d.mean = extras["mean"].to(torch::kFloat32);
  d.std = extras["std"].to(torch::kFloat32);
  d.threshold = extras["threshold"].item<double>();
  d.feature_names = strings_from_tensor(extras["feature_names"]);
  return d;
}

ScoreSummary score_csv(const std::filesystem::path& model_path, const std::filesystem::path& csv,
                       const std::filesystem::path& out, int64_t chunk_rows) {
  AnomalyDetector d = load_anomaly_detector(model_path);
  CsvOptions o;
  o.label = d.spec.get<std::string>("data.label");
  o.label_required = false;
  o.chunk_rows = chunk_rows;
  CsvReader reader(csv, o);
  if (reader.feature_names() != d.feature_names) {
    const auto& got = reader.feature_names();
    size_t i = 0;
    while (i < got.size() && i < d.feature_names.size() && got[i] == d.feature_names[i]) ++i;
    throw Error(csv.string() + ": columns differ from the model's: " +
                (i < got.size() ? "column " + std::to_string(i + 1) + " is '" + got[i] + "'" : "missing columns") +
                ", the model expects " +
                (i < d.feature_names.size() ? "'" + d.feature_names[i] + "'" : "no more columns") + " (" +
                std::to_string(d.feature_names.size()) + " features)");
  }
  ScoreSummary s;
  s.threshold = d.threshold;
  s.labelled = reader.has_label();
  const auto start = std::chrono::steady_clock::now();
  write_atomic_with(out, [&](const fs::path& tmp) {
    std::ofstream f(tmp, std::ios::binary);
    if (!f) throw Error(out.string() + ": cannot write");
    f << "row,score,flag" << (s.labelled ? ",label" : "") << "\n";
    CsvChunk chunk;
    char buf[64];
    while (reader.next(chunk)) {
      const auto scores = to_doubles(d.score(chunk.x));
      const auto labels = s.labelled ? to_ints(chunk.y) : std::vector<int64_t>();
      for (size_t i = 0; i < scores.size(); ++i) {
        const bool flag = scores[i] > d.threshold;
        s.flagged += flag;
        std::snprintf(buf, sizeof buf, "%lld,%.6g,%d", static_cast<long long>(s.rows + 1), scores[i], flag ? 1 : 0);
        f << buf;
        if (s.labelled) {
          f << "," << labels[i];
          const bool pos = labels[i] != 0;
          if (flag && pos)
            ++s.confusion.tp;
          else if (flag)
            ++s.confusion.fp;
          else if (pos)
            ++s.confusion.fn;
          else
            ++s.confusion.tn;
        }
        f << "\n";
        ++s.rows;
      }
    }
    f.flush();
    if (!f) throw Error(out.string() + ": write failed (disk full?)");
  });
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return s;
}

}  // namespace latent
