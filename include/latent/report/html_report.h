// report.html: one self-contained page per run folder (images and charts inline as data: URIs,
// no external URL, opens offline), built only from the files in the folder, so it can be
// rebuilt at any time (`latent report RUN_DIR`). And a page comparing several runs.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace latent {

// Draws each variant's training curves (figures/training_loss.svg, figures/learning_rate.svg)
// from its history.csv, then writes run_dir/report.html. Returns the report's path.
std::filesystem::path write_run_report(const std::filesystem::path& run_dir);

// One page for several runs: a metrics table (rows = run / variant, columns = metric keys) and
// overlaid training curves.
void write_compare_report(const std::vector<std::filesystem::path>& run_dirs, const std::filesystem::path& out);

std::string html_escape(const std::string& text);
std::string base64_encode(const std::string& bytes);

}  // namespace latent
