// Result declarations: JSON form, headline choice and metric lookup.
#include "latent/report/results_schema.h"

#include <cmath>
#include <cstdio>

#include "latent/core/error.h"

namespace latent {

namespace {

nlohmann::json metric_json(const MetricDecl& m) {
  return {{"key", m.key},
          {"label", m.label},
          {"unit", m.unit},
          {"digits", m.digits},
          {"higher_is_better", m.higher_is_better}};
}

MetricDecl metric_from(const nlohmann::json& j) {
  MetricDecl m;
  m.key = j.at("key").get<std::string>();
  m.label = j.value("label", m.key);
  m.unit = j.value("unit", "");
  m.digits = j.value("digits", 4);
  m.higher_is_better = j.value("higher_is_better", true);
  return m;
}

nlohmann::json metric_list(const std::vector<MetricDecl>& list) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& m : list) a.push_back(metric_json(m));
  return a;
}

std::vector<MetricDecl> metrics_from(const nlohmann::json& j, const char* key) {
  std::vector<MetricDecl> out;
  if (j.contains(key))
    for (const auto& m : j.at(key)) out.push_back(metric_from(m));
  return out;
}

}  // namespace

nlohmann::json ResultSchema::to_json() const {
  nlohmann::json j;
  j["headline"] = metric_list(headline);
  j["summary"] = metric_list(summary);
  j["columns"] = metric_list(columns);
  j["curves"] = nlohmann::json::array();
  for (const auto& c : curves)
    j["curves"].push_back({{"name", c.name}, {"label", c.label}, {"higher_is_better", c.higher_is_better}});
  j["figures"] = nlohmann::json::array();
  for (const auto& f : figures) j["figures"].push_back({{"file", f.file}, {"caption", f.caption}});
  return j;
}

ResultSchema ResultSchema::from_json(const nlohmann::json& j, const std::string& where) {
  ResultSchema s;
  try {
    s.headline = metrics_from(j, "headline");
    s.summary = metrics_from(j, "summary");
    s.columns = metrics_from(j, "columns");
    if (j.contains("curves"))
      for (const auto& c : j.at("curves"))
        s.curves.push_back({c.at("name").get<std::string>(), c.value("label", c.at("name").get<std::string>()),
                            c.value("higher_is_better", true)});
    if (j.contains("figures"))
      for (const auto& f : j.at("figures"))
        s.figures.push_back({f.at("file").get<std::string>(), f.value("caption", "")});
  } catch (const nlohmann::json::exception& e) {
    throw Error(where + ": damaged 'results' declaration (" + std::string(e.what()) + ")");
  }
  return s;
}

std::optional<MetricDecl> ResultSchema::headline_for(const std::vector<nlohmann::json>& variants) const {
  if (variants.empty()) return std::nullopt;
  for (const auto& m : headline) {
    bool all = true;
    for (const auto& v : variants) all = all && metric_value(v, m.key).has_value();
    if (all) return m;
  }
  for (const auto& m : headline)
    for (const auto& v : variants)
      if (metric_value(v, m.key)) return m;
  return std::nullopt;
}

std::optional<bool> ResultSchema::column_higher_is_better(const std::string& column) const {
  for (const char* prefix : {"train_", "val_"}) {
    if (column.rfind(prefix, 0) != 0) continue;
    const std::string name = column.substr(std::string(prefix).size());
    if (name == "loss") return false;
    for (const auto& c : curves)
      if (c.name == name) return c.higher_is_better;
  }
  return std::nullopt;
}

std::vector<std::string> ResultSchema::history_columns() const {
  std::vector<std::string> out = {"train_loss", "val_loss"};
  for (const auto& c : curves) out.push_back("train_" + c.name), out.push_back("val_" + c.name);
  return out;
}

std::optional<double> metric_value(const nlohmann::json& variant, const std::string& key) {
  const nlohmann::json* node = &variant;
  size_t start = 0;
  while (true) {
    const size_t dot = key.find('.', start);
    const std::string part = key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!node->is_object() || !node->contains(part)) return std::nullopt;
    node = &(*node)[part];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (!node->is_number()) return std::nullopt;
  return node->get<double>();
}

std::string format_metric(const MetricDecl& metric, double value) {
  if (!std::isfinite(value)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", metric.digits, value);
  return metric.unit.empty() ? std::string(buf) : std::string(buf) + " " + metric.unit;
}

int best_index(const std::vector<nlohmann::json>& variants, const MetricDecl& metric) {
  int best = -1;
  double best_value = 0;
  for (size_t i = 0; i < variants.size(); ++i) {
    const auto v = metric_value(variants[i], metric.key);
    if (!v || !std::isfinite(*v)) continue;
    if (best < 0 || (metric.higher_is_better ? *v > best_value : *v < best_value))
      best = static_cast<int>(i), best_value = *v;
  }
  return best;
}

}  // namespace latent
