// What a study kind's results are, declared by the kind and written into metrics.json ("results"),
// so that `latent run`'s summary, `compare`, the sweep table and report.html read a run's metrics
// by declaration instead of by names hard-coded outside the kind: the headline metric that ranks
// variants (and its direction), the summary line, the table columns, the per-epoch curves the kind
// adds to history.csv and the captions of the figures it writes.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace latent {

// One number of a variant's metrics.json entry.
struct MetricDecl {
  std::string key;    // dotted path in the variant's entry, e.g. "test.psnr_db"
  std::string label;  // as shown, e.g. "test PSNR"
  std::string unit;   // e.g. "dB"; empty for none
  int digits = 4;     // after the point
  bool higher_is_better = true;
};

// A per-epoch quantity the kind adds to history.csv, as train_<name> and/or val_<name>.
struct CurveDecl {
  std::string name;   // e.g. "pixel_accuracy"
  std::string label;  // e.g. "pixel accuracy (outputs and targets on the same side of 0.5)"
  bool higher_is_better = true;
};

// A figure the kind writes (in a variant's figures/ or the run's), by file name.
struct FigureDecl {
  std::string file;
  std::string caption;
};

struct ResultSchema {
  // Candidates for the metric that ranks variants, in order: the first every variant has is the
  // run's headline (a denoising sweep ranks by denoised PSNR, others by PSNR).
  std::vector<MetricDecl> headline;
  std::vector<MetricDecl> summary;  // `latent run`'s line per variant, in order; values a variant lacks are left out
  std::vector<MetricDecl> columns;  // comparison tables, after the headline
  std::vector<CurveDecl> curves;    // besides the loss, which every kind has
  std::vector<FigureDecl> figures;

  nlohmann::json to_json() const;
  // Reads what to_json wrote; `where` names the file in errors.
  static ResultSchema from_json(const nlohmann::json& j, const std::string& where);

  // The headline of a run whose variants' metrics are `variants`: the first candidate they all
  // have as a number, else the first any of them has; nullopt when none.
  std::optional<MetricDecl> headline_for(const std::vector<nlohmann::json>& variants) const;
  // The direction of a history column ("val_loss", "train_pixel_accuracy"): loss columns are
  // lower-is-better, a curve's as declared; nullopt for a column the kind does not write.
  std::optional<bool> column_higher_is_better(const std::string& column) const;
  // Every history column the kind's runs have: train_loss, val_loss, then train_/val_ per curve.
  std::vector<std::string> history_columns() const;
};

// The number at a dotted key of a variant's metrics, or nullopt (absent, or not a number).
std::optional<double> metric_value(const nlohmann::json& variant, const std::string& key);

// "17.37 dB" (digits after the point, the unit after a space); "n/a" when not finite.
std::string format_metric(const MetricDecl& metric, double value);

// The index of the best variant by `metric` among those with a finite value; -1 when none.
int best_index(const std::vector<nlohmann::json>& variants, const MetricDecl& metric);

}  // namespace latent
