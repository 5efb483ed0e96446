// Combined sweep tables (sweep.csv, sweep.md) of multi-variant runs.
#include "latent/studies/sweep_table.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <set>

#include "latent/core/fs.h"
#include "latent/data/csv.h"
#include "latent/studies/study_util.h"

namespace latent {

namespace {

std::optional<double> lookup(const nlohmann::json& metrics, const std::vector<std::string>& path) {
  const nlohmann::json* node = &metrics;
  for (const auto& key : path) {
    if (!node->is_object() || !node->contains(key)) return std::nullopt;
    node = &(*node)[key];
  }
  if (!node->is_number()) return std::nullopt;
  return node->get<double>();
}

std::string full_precision(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.10g", v);
  return buf;
}

std::string md_cell(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

}  // namespace

std::vector<nlohmann::json> sweep_parameters(const StudySpec& study) {
  std::vector<std::vector<std::pair<std::string, std::string>>> values;
  for (const auto& v : study.variants) values.push_back(spec_values(v.spec));
  std::vector<nlohmann::json> out(values.size(), nlohmann::json::object());
  if (values.size() < 2) return out;
  for (size_t k = 0; k < values[0].size(); ++k) {
    bool differs = false;
    for (size_t i = 1; i < values.size(); ++i) differs = differs || values[i][k].second != values[0][k].second;
    if (!differs) continue;
    for (size_t i = 0; i < values.size(); ++i) out[i][values[i][k].first] = values[i][k].second;
  }
  return out;
}

SweepTable make_sweep_table(const std::vector<VariantResult>& results, const std::vector<SweepColumn>& columns,
                            const SweepColumn& rank_by, bool higher_is_better) {
  // Parameter columns: every key any variant lists under "sweep", in first-seen order.
  std::vector<std::string> keys;
  std::set<std::string> seen;
  for (const auto& r : results)
    if (r.metrics.contains("sweep"))
      for (const auto& [k, v] : r.metrics["sweep"].items())
        if (seen.insert(k).second) keys.push_back(k);

  SweepTable t;
  std::optional<double> best_value;
  for (size_t i = 0; i < results.size(); ++i) {
    auto v = lookup(results[i].metrics, rank_by.path);
    if (!v || !std::isfinite(*v)) continue;
    if (!best_value || (higher_is_better ? *v > *best_value : *v < *best_value)) best_value = v, t.best = static_cast<int64_t>(i);
  }

  std::string csv = "variant";
  std::string md = "| variant";
  std::string rule = "|---";
  for (const auto& k : keys) csv += "," + csv_field(k), md += " | `" + md_cell(k) + "`", rule += "|---";
  for (const auto& c : columns) csv += "," + csv_field(c.header), md += " | " + md_cell(c.header), rule += "|---:";
  csv += ",best\n";
  md += " |\n" + rule + "|\n";
  for (size_t i = 0; i < results.size(); ++i) {
    const auto& m = results[i].metrics;
    const std::string name = m.value("name", std::string("variant") + std::to_string(i));
    const bool best = static_cast<int64_t>(i) == t.best;
    csv += csv_field(name);
    md += "| " + md_cell(name) + (best ? " **(best)**" : "");
    for (const auto& k : keys) {
      std::string value = m.contains("sweep") && m["sweep"].contains(k) ? m["sweep"][k].get<std::string>() : "";
      csv += "," + csv_field(value);
      md += " | " + md_cell(value);
    }
    for (const auto& c : columns) {
      auto v = lookup(m, c.path);
      csv += "," + (v ? full_precision(*v) : std::string());
      md += " | " + (v ? format_fixed(*v, c.digits) : std::string("-"));
    }
    csv += best ? ",1\n" : ",0\n";
    md += " |\n";
  }
  t.csv = csv;
  t.markdown = md;
  if (t.best >= 0)
    t.markdown += "\nBest: " + md_cell(results[static_cast<size_t>(t.best)].metrics.value("name", std::string())) + " (" +
                  (higher_is_better ? "highest " : "lowest ") + rank_by.header + ").\n";
  return t;
}

void write_sweep_table(const std::filesystem::path& run_dir, const SweepTable& table) {
  write_file_atomic(run_dir / "sweep.csv", table.csv);
  write_file_atomic(run_dir / "sweep.md", table.markdown);
}

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
    const auto denoised = lookup(m, {"test", "denoised_psnr_db"}), noisy = lookup(m, {"test", "noisy_input_psnr_db"});
    const auto std_dev = lookup(m, {"noise_std"});
    if (!denoised || !noisy || !std_dev) return std::nullopt;
    double variance = *std_dev * *std_dev;
    const auto& given = m["sweep"].contains("training.noise_variance") ? m["sweep"]["training.noise_variance"] : nlohmann::json();
    if (given.is_string()) {
      char* end = nullptr;
      const std::string text = given.get<std::string>();
      const double v = std::strtod(text.c_str(), &end);
      if (end != text.c_str() && *end == '\0' && v > 0) variance = v;
    }
    points.push_back({variance, *denoised, *noisy});
  }
  std::stable_sort(points.begin(), points.end(), [](const Point& a, const Point& b) { return a.variance < b.variance; });
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
  if (std::isfinite(y0) && std::isfinite(y1)) chart.range = ChartRange{0.0, points.back().variance * 1.05, y0 - pad, y1 + pad};
  return chart;
}

}  // namespace latent
