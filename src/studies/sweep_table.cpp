// Combined sweep tables (sweep.csv, sweep.md) of multi-variant runs.
#include "latent/studies/sweep_table.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>

#include "latent/core/fs.h"
#include "latent/data/csv.h"
#include "latent/studies/study_util.h"

namespace latent {

namespace {

std::string full_precision(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.10g", v);
  return buf;
}

// "test.psnr_db" -> "psnr_db", "pca.psnr_db" -> "pca_psnr_db".
std::string column_name(const std::string& key) {
  std::string out = key.rfind("test.", 0) == 0 ? key.substr(5) : key;
  std::replace(out.begin(), out.end(), '.', '_');
  return out;
}

std::string md_cell(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

}  // namespace

std::vector<nlohmann::json> sweep_parameters(const StudySpec& study) {
  // Keys by name: variants of different model types have different keys ("-" where a key is absent).
  std::vector<std::map<std::string, std::string>> values;
  std::vector<std::string> keys;
  std::set<std::string> seen;
  for (const auto& v : study.variants) {
    values.emplace_back();
    for (const auto& [key, text] : spec_values(v.spec)) {
      values.back()[key] = text;
      if (seen.insert(key).second) keys.push_back(key);
    }
  }
  std::vector<nlohmann::json> out(values.size(), nlohmann::json::object());
  if (values.size() < 2) return out;
  auto text_of = [&](size_t i, const std::string& key) {
    auto it = values[i].find(key);
    return it == values[i].end() ? std::string("-") : it->second;
  };
  for (const auto& key : keys) {
    bool differs = false;
    for (size_t i = 1; i < values.size(); ++i) differs = differs || text_of(i, key) != text_of(0, key);
    if (!differs) continue;
    for (size_t i = 0; i < values.size(); ++i) out[i][key] = text_of(i, key);
  }
  return out;
}

SweepTable make_sweep_table(const std::vector<VariantResult>& results, const ResultSchema& schema) {
  // Parameter columns: every key any variant lists under "sweep", in first-seen order.
  std::vector<std::string> keys;
  std::set<std::string> seen;
  for (const auto& r : results)
    if (r.metrics.contains("sweep"))
      for (const auto& [k, v] : r.metrics["sweep"].items())
        if (seen.insert(k).second) keys.push_back(k);

  std::vector<nlohmann::json> metrics;
  for (const auto& r : results) metrics.push_back(r.metrics);
  const auto headline = schema.headline_for(metrics);
  std::vector<MetricDecl> columns;
  if (headline) columns.push_back(*headline);
  for (const auto& c : schema.columns) {
    const bool present = std::any_of(metrics.begin(), metrics.end(),
                                     [&](const nlohmann::json& m) { return metric_value(m, c.key).has_value(); });
    const bool again = std::any_of(columns.begin(), columns.end(), [&](const MetricDecl& d) { return d.key == c.key; });
    if (present && !again) columns.push_back(c);
  }
  SweepTable t;
  if (headline) t.best = best_index(metrics, *headline);

  std::string csv = "variant";
  std::string md = "| variant";
  std::string rule = "|---";
  for (const auto& k : keys) csv += "," + csv_field(k), md += " | `" + md_cell(k) + "`", rule += "|---";
  for (const auto& c : columns) {
    csv += "," + csv_field(column_name(c.key));
    md += " | " + md_cell(c.label + (c.unit.empty() ? "" : " (" + c.unit + ")"));
    rule += "|---:";
  }
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
      auto v = metric_value(m, c.key);
      csv += "," + (v ? full_precision(*v) : std::string());
      md += " | " + (v ? format_fixed(*v, c.digits) : std::string("-"));
    }
    csv += best ? ",1\n" : ",0\n";
    md += " |\n";
  }
  t.csv = csv;
  t.markdown = md;
  if (t.best >= 0)
    t.markdown += "\nBest: " + md_cell(results[static_cast<size_t>(t.best)].metrics.value("name", std::string())) +
                  " (" + (headline->higher_is_better ? "highest " : "lowest ") + headline->label + ").\n";
  return t;
}

void write_sweep_table(const std::filesystem::path& run_dir, const SweepTable& table) {
  write_file_atomic(run_dir / "sweep.csv", table.csv);
  write_file_atomic(run_dir / "sweep.md", table.markdown);
}

}  // namespace latent
