// Reading a finished run folder back (spec.toml, metrics.json, each variant's history.csv and
// figures/), for reports, comparisons and TensorBoard files made after the run. Errors name the
// file at fault.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace latent {

struct HistoryRow {
  int64_t epoch = 0;
  double train_loss = 0, val_loss = 0, lr = 0, seconds = 0;  // NaN where the CSV cell is empty or the column absent
  double train_pixel_accuracy = 0, val_pixel_accuracy = 0;    // reconstruction studies; NaN elsewhere
};

// history.csv: header with at least epoch and train_loss; val_loss, lr, seconds and any other
// columns are optional. Throws Error naming the file and line on a malformed row.
std::vector<HistoryRow> read_history(const std::filesystem::path& path);

struct VariantFolder {
  std::string name;
  std::filesystem::path dir;            // the run folder itself for a single-variant run
  nlohmann::json metrics;               // this variant's entry of metrics.json
  std::string spec_toml;                // its resolved spec (from spec.toml), empty when absent
  std::vector<HistoryRow> history;      // empty when there is no history.csv
  std::vector<std::filesystem::path> figures;  // figures/*.png|svg|txt, sorted by name
};

struct RunFolder {
  std::filesystem::path dir;
  nlohmann::json metrics;  // metrics.json
  std::string description;
  std::vector<VariantFolder> variants;
  std::vector<std::filesystem::path> study_figures;  // run-level figures/ of a multi-variant run
};

// Throws Error when `dir` is not a folder or metrics.json is missing or not valid.
RunFolder read_run_folder(const std::filesystem::path& dir);

// "test.psnr_db" -> value for every number, string or boolean in the JSON (objects flattened
// with dots; arrays kept whole as compact JSON text).
std::vector<std::pair<std::string, nlohmann::json>> flatten_json(const nlohmann::json& j, const std::string& prefix = "");

// The test metric that ranks variants (first present in every variant of denoised_psnr_db, psnr_db, elbo_nats,
// pr_auc, f1, accuracy, then loss) and whether higher is better; empty key when none.
struct RankMetric {
  std::string key;
  bool higher_is_better = true;
};
RankMetric rank_metric(const std::vector<VariantFolder>& variants);
// Index of the best variant by rank_metric, or -1.
int best_variant(const std::vector<VariantFolder>& variants, const RankMetric& metric);

}  // namespace latent
