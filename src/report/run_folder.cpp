// Reading a run folder back: metrics.json, spec.toml, history.csv files and figures.
#include "latent/report/run_folder.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "latent/core/error.h"
#include "latent/core/fs.h"

namespace latent {

namespace {

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ',')) cells.push_back(cell);
  if (!line.empty() && line.back() == ',') cells.emplace_back();
  return cells;
}

double parse_cell(const std::string& cell, const fs::path& path, size_t line_no, const std::string& column) {
  if (cell.empty()) return NAN;
  try {
    size_t used = 0;
    const double v = std::stod(cell, &used);
    if (used == cell.size()) return v;
  } catch (const std::exception&) {}
  throw Error(path.string() + ": line " + std::to_string(line_no) + ": " + column + " '" + cell + "' is not a number");
}

std::vector<fs::path> figures_in(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string ext = e.path().extension().string();
    if (e.is_regular_file() && (ext == ".png" || ext == ".svg" || ext == ".txt")) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::vector<HistoryRow> read_history(const fs::path& path) {
  const std::string text = read_text_file(path);
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line)) throw Error(path.string() + ": empty file (expected a header line)");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  const auto header = split_csv_line(line);
  std::map<std::string, size_t> col;
  for (size_t i = 0; i < header.size(); ++i) col[header[i]] = i;
  if (!col.count("epoch") || !col.count("train_loss"))
    throw Error(path.string() + ": line 1: header without 'epoch' and 'train_loss' columns (not a history.csv)");
  std::vector<HistoryRow> rows;
  for (size_t line_no = 2; std::getline(in, line); ++line_no) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const auto cells = split_csv_line(line);
    if (cells.size() != header.size())
      throw Error(path.string() + ": line " + std::to_string(line_no) + ": " + std::to_string(cells.size()) +
                  " cells, the header has " + std::to_string(header.size()));
    auto get = [&](const std::string& name) {
      return col.count(name) ? parse_cell(cells[col[name]], path, line_no, name) : NAN;
    };
    HistoryRow r;
    const double epoch = get("epoch");
    if (!std::isfinite(epoch) || epoch < 0 || epoch != std::floor(epoch))
      throw Error(path.string() + ": line " + std::to_string(line_no) + ": epoch '" + cells[col["epoch"]] +
                  "' is not a whole number");
    r.epoch = static_cast<int64_t>(epoch);
    r.train_loss = get("train_loss");
    r.val_loss = get("val_loss");
    r.lr = get("lr");
    r.seconds = get("seconds");
    for (const auto& entry : col)
      if (const std::string& name = entry.first;
          name != "epoch" && name != "train_loss" && name != "val_loss" && name != "lr" && name != "seconds")
        r.extra[name] = get(name);
    rows.push_back(r);
  }
  return rows;
}

RunFolder read_run_folder(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw Error(dir.string() + ": not a folder");
  const fs::path metrics_path = dir / "metrics.json";
  if (!fs::exists(metrics_path, ec)) throw Error(metrics_path.string() + ": missing (not a finished run folder)");
  RunFolder run;
  run.dir = dir;
  try {
    run.metrics = nlohmann::json::parse(read_text_file(metrics_path));
  } catch (const nlohmann::json::exception& e) {
    throw Error(metrics_path.string() + ": not valid JSON (" + e.what() + ")");
  }
  if (!run.metrics.is_object() || !run.metrics.contains("variants") || !run.metrics["variants"].is_array())
    throw Error(metrics_path.string() + ": no 'variants' list (not a latent metrics.json)");
  if (run.metrics.contains("results"))
    run.results = ResultSchema::from_json(run.metrics["results"], metrics_path.string());

  // Each variant's resolved spec from spec.toml ([[variants]] entries by name).
  std::map<std::string, std::string> specs;
  const fs::path spec_path = dir / "spec.toml";
  if (fs::exists(spec_path, ec)) {
    toml::table root;
    try {
      root = toml::parse(read_text_file(spec_path), spec_path.string());
    } catch (const toml::parse_error& e) {
      throw Error(spec_path.string() + ": not valid TOML (" + std::string(e.description()) + ")");
    }
    if (auto d = root["description"].value<std::string>()) run.description = *d;
    if (auto* vs = root["variants"].as_array())
      for (auto& node : *vs)
        if (auto* t = node.as_table()) {
          std::ostringstream ss;
          ss << *t;
          specs[(*t)["name"].value_or(std::string())] = ss.str();
        }
  }

  const auto& variants = run.metrics["variants"];
  for (size_t i = 0; i < variants.size(); ++i) {
    const auto& m = variants[i];
    if (!m.is_object() || !m.contains("name") || !m["name"].is_string())
      throw Error(metrics_path.string() + ": variants[" + std::to_string(i) + "] has no name");
    VariantFolder v;
    v.name = m["name"].get<std::string>();
    v.metrics = m;
    const bool own_dir = m.contains("dir") && m["dir"].is_string();
    const std::string sub = own_dir ? m["dir"].get<std::string>() : std::string();
    if (sub.find("..") != std::string::npos || (!sub.empty() && sub.front() == '/'))
      throw Error(metrics_path.string() + ": variant '" + v.name + "' has a folder outside the run ('" + sub + "')");
    v.dir = own_dir ? dir / sub : dir;
    if (specs.count(v.name)) v.spec_toml = specs[v.name];
    if (fs::exists(v.dir / "history.csv", ec)) v.history = read_history(v.dir / "history.csv");
    v.figures = figures_in(v.dir / "figures");
    run.variants.push_back(std::move(v));
  }
  const bool multi =
      std::any_of(run.variants.begin(), run.variants.end(), [&](const VariantFolder& v) { return v.dir != dir; });
  if (multi) run.study_figures = figures_in(dir / "figures");
  return run;
}

std::vector<std::pair<std::string, nlohmann::json>> flatten_json(const nlohmann::json& j, const std::string& prefix) {
  std::vector<std::pair<std::string, nlohmann::json>> out;
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      auto sub = flatten_json(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key());
      out.insert(out.end(), sub.begin(), sub.end());
    }
  } else if (!j.is_null()) {
    out.emplace_back(prefix, j);
  }
  return out;
}

std::optional<MetricDecl> run_headline(const RunFolder& run) {
  if (!run.results) return std::nullopt;
  std::vector<nlohmann::json> variants;
  for (const auto& v : run.variants) variants.push_back(v.metrics);
  return run.results->headline_for(variants);
}

int best_variant(const RunFolder& run) {
  const auto headline = run_headline(run);
  if (!headline) return -1;
  std::vector<nlohmann::json> variants;
  for (const auto& v : run.variants) variants.push_back(v.metrics);
  return best_index(variants, *headline);
}

double HistoryRow::value(const std::string& column) const {
  if (column == "train_loss") return train_loss;
  if (column == "val_loss") return val_loss;
  if (column == "lr") return lr;
  if (column == "seconds") return seconds;
  auto it = extra.find(column);
  return it == extra.end() ? NAN : it->second;
}

}  // namespace latent
