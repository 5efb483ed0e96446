// The combined table of a multi-variant run: one row per variant, the spec keys that differ
// between variants as columns, then chosen test metrics, the best variant marked. Written as
// sweep.csv (full precision) and sweep.md (Markdown) in the run folder.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "latent/report/chart.h"
#include "latent/studies/spec.h"
#include "latent/studies/study.h"

namespace latent {

// For every variant, the keys whose resolved values are not the same in all variants, as
// {key: value text}; empty objects when there is only one variant.
std::vector<nlohmann::json> sweep_parameters(const StudySpec& study);

// One metric column: a header and the path of the number in a variant's metrics.json entry
// (e.g. {"test", "psnr_db"}); `digits` after the point in sweep.md.
struct SweepColumn {
  std::string header;
  std::vector<std::string> path;
  int digits = 4;
};

struct SweepTable {
  std::string csv;
  std::string markdown;
  int64_t best = -1;  // row of the best variant (-1: no variant has the ranking metric)
};

// Builds the table from the variants' metrics (each may carry "sweep": {key: value} as set by
// sweep_parameters). The best row has the highest (or, with higher_is_better false, lowest)
// value of `rank_by`; a metric a variant lacks is an empty cell.
SweepTable make_sweep_table(const std::vector<VariantResult>& results, const std::vector<SweepColumn>& columns,
                            const SweepColumn& rank_by, bool higher_is_better = true);

// Writes sweep.csv and sweep.md into run_dir.
void write_sweep_table(const std::filesystem::path& run_dir, const SweepTable& table);

// For a sweep over the denoising noise alone (every variant's "sweep" keys are
// training.noise_variance and/or training.noise_std, and every variant has test.denoised_psnr_db
// and test.noisy_input_psnr_db): the chart of test PSNR against the training noise variance
// (training.noise_variance as given, else noise_std squared), one series for the denoised
// outputs and one for the noisy inputs, points in order of variance. nullopt for any other run.
std::optional<LineChart> noise_sweep_chart(const std::vector<VariantResult>& results);

// File name of that chart under the run folder's figures/.
constexpr const char* kNoiseSweepChart = "psnr_vs_variance.svg";

}  // namespace latent
