// Reading a finished run folder back (spec.toml, metrics.json, each variant's history.csv and
// figures/), for reports, comparisons and TensorBoard files made after the run. Errors name the
// file at fault.
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "latent/report/results_schema.h"

namespace latent {

struct HistoryRow {
  int64_t epoch = 0;
  double train_loss = 0, val_loss = 0, lr = 0, seconds = 0;  // NaN where the CSV cell is empty or the column absent
  std::map<std::string, double> extra;  // the kind's other columns (train_<curve>, val_<curve>, ...)
  // A column by name (the four above or an extra one); NaN when absent.
  double value(const std::string& column) const;
};

// history.csv: header with at least epoch and train_loss; val_loss, lr, seconds and any other
// columns are optional. Throws Error naming the file and line on a malformed row.
std::vector<HistoryRow> read_history(const std::filesystem::path& path);

struct VariantFolder {
  std::string name;
  std::filesystem::path dir;                   // the run folder itself for a single-variant run
  nlohmann::json metrics;                      // this variant's entry of metrics.json
  std::string spec_toml;                       // its resolved spec (from spec.toml), empty when absent
  std::vector<HistoryRow> history;             // empty when there is no history.csv
  std::vector<std::filesystem::path> figures;  // figures/*.png|svg|txt, sorted by name
};

struct RunFolder {
  std::filesystem::path dir;
  nlohmann::json metrics;               // metrics.json
  std::optional<ResultSchema> results;  // the kind's declaration in metrics.json ("results"); none in older run folders
  std::string description;
  std::vector<VariantFolder> variants;
  std::vector<std::filesystem::path> study_figures;  // run-level figures/ of a multi-variant run
};

// Throws Error when `dir` is not a folder or metrics.json is missing or not valid.
RunFolder read_run_folder(const std::filesystem::path& dir);

// "test.psnr_db" -> value for every number, string or boolean in the JSON (objects flattened
// with dots; arrays kept whole as compact JSON text).
std::vector<std::pair<std::string, nlohmann::json>> flatten_json(const nlohmann::json& j,
                                                                 const std::string& prefix = "");

// The metric that ranks the run's variants (its kind's headline, ResultSchema::headline_for), or
// nullopt (no declaration, or no candidate every variant has).
std::optional<MetricDecl> run_headline(const RunFolder& run);
// Index of the best variant by that metric, or -1.
int best_variant(const RunFolder& run);

}  // namespace latent
