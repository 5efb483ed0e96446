// The combined table of a multi-variant run: one row per variant, the spec keys that differ
// between variants as columns, then the kind's declared metrics (the headline first), the best
// variant by the headline marked. Written as
// sweep.csv (full precision) and sweep.md (Markdown) in the run folder.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "latent/report/results_schema.h"
#include "latent/studies/spec.h"
#include "latent/studies/study.h"

namespace latent {

// For every variant, the keys whose resolved values are not the same in all variants, as
// {key: value text}; empty objects when there is only one variant.
std::vector<nlohmann::json> sweep_parameters(const StudySpec& study);

struct SweepTable {
  std::string csv;
  std::string markdown;
  int64_t best = -1;  // row of the best variant (-1: no variant has the ranking metric)
};

// Builds the table from the variants' metrics (each may carry "sweep": {key: value} as set by
// sweep_parameters): the headline (ResultSchema::headline_for) and then the schema's columns that
// any variant has; a metric a variant lacks is an empty cell. The best row has the best headline.
// CSV headers are the metric keys with "test." dropped and dots as underscores ("psnr_db",
// "pca_psnr_db", "model_parameters").
SweepTable make_sweep_table(const std::vector<VariantResult>& results, const ResultSchema& schema);

// Writes sweep.csv and sweep.md into run_dir.
void write_sweep_table(const std::filesystem::path& run_dir, const SweepTable& table);

}  // namespace latent
