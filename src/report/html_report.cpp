// report.html and the comparison page: HTML built from a run folder's files, every picture
// inline as a base64 data: URI, all text escaped. A section is written only when it has content.
#include "latent/report/html_report.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>

#include "latent/core/error.h"
#include "latent/core/fs.h"
#include "latent/report/chart.h"
#include "latent/report/run_folder.h"

namespace latent {

namespace {

constexpr const char* kLossChart = "training_loss.svg";
constexpr const char* kLrChart = "learning_rate.svg";

const char* kStyle = R"(
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 1200px; padding: 0 1em; color: #222; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.best td { background: #eaf5e4; font-weight: 600; }
.scroll { overflow-x: auto; }
figure { display: inline-block; margin: 0.5em 1em 1em 0; vertical-align: top; }
figure img { max-width: 100%; border: 1px solid #eee; }
figure img.grid { image-rendering: pixelated; }
figcaption { font-size: 0.85em; color: #555; max-width: 720px; }
pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; font-size: 0.85em; }
footer { margin-top: 3em; font-size: 0.8em; color: #777; }
)";

// Marks the page when opened with ?selftest: every image must have loaded (used by the tests
// in a headless browser).
const char* kSelfTest = R"(
if (location.search.indexOf('selftest') >= 0) {
  window.addEventListener('load', function () {
    var imgs = document.images, bad = [];
    for (var i = 0; i < imgs.length; i++)
      if (!imgs[i].complete || imgs[i].naturalWidth === 0) bad.push(imgs[i].alt || ('image ' + i));
    var out = document.createElement('pre');
    out.id = 'latent-selftest';
    out.textContent = 'SELFTEST images=' + imgs.length + ' broken=' + bad.length + (bad.length ? ' [' + bad.join(', ') + ']' : '') + ' END';
    document.body.appendChild(out);
  });
}
)";

std::string read_bytes(const fs::path& p) { return read_text_file(p); }

std::string mime_of(const fs::path& p) { return p.extension() == ".svg" ? "image/svg+xml" : "image/png"; }

std::string data_uri(const std::string& mime, const std::string& bytes) {
  return "data:" + mime + ";base64," + base64_encode(bytes);
}

std::string img_tag(const std::string& alt, const std::string& uri, bool grid) {
  return "<img alt=\"" + html_escape(alt) + "\"" + (grid ? " class=\"grid\"" : "") + " src=\"" + uri + "\">";
}

std::string figure_html(const fs::path& file, const std::string& caption) {
  const std::string name = file.filename().string();
  if (file.extension() == ".txt")
    return "<figure><pre>" + html_escape(read_text_file(file)) + "</pre><figcaption>" + html_escape(caption) +
           " (figures/" + html_escape(name) + ")</figcaption></figure>\n";
  return "<figure>" + img_tag(name, data_uri(mime_of(file), read_bytes(file)), file.extension() == ".png") +
         "<figcaption>" + html_escape(caption) + " (figures/" + html_escape(name) + ")</figcaption></figure>\n";
}

std::string format_value(const nlohmann::json& v) {
  if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (!std::isfinite(d)) return std::isnan(d) ? "NaN" : (d > 0 ? "inf" : "-inf");
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", d);
    return buf;
  }
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

std::string cell(const nlohmann::json& v) {
  return std::string(v.is_number() ? "<td class=\"num\">" : "<td>") + html_escape(format_value(v)) + "</td>";
}

// The training-curve charts of a run: the loss, the learning rate and one per declared curve.
struct CurveChart {
  std::string file;
  std::string title;  // chart title (the variant's name is added)
  std::string y_label;
  std::string caption;
  std::vector<std::pair<std::string, std::string>> series;  // (series name, history column)
};

std::vector<CurveChart> curve_charts(const RunFolder& run) {
  std::vector<CurveChart> out = {
      {kLossChart,
       "Training curves",
       "loss",
       "Training and validation loss per epoch",
       {{"train", "train_loss"}, {"validation", "val_loss"}}},
      {kLrChart, "Learning rate", "learning rate", "Learning rate per epoch", {{"learning rate", "lr"}}}};
  if (run.results)
    for (const auto& c : run.results->curves)
      out.push_back({c.name + ".svg",
                     c.label,
                     c.name,
                     c.label + " per epoch",
                     {{"train", "train_" + c.name}, {"validation", "val_" + c.name}}});
  return out;
}

// The figures section of a variant (or of the study): the kind's declared figures first with their
// captions, then any others by name; training curves left out.
std::string figures_html(const RunFolder& run, const std::vector<fs::path>& figures) {
  std::ostringstream out;
  std::set<std::string> done;
  for (const auto& c : curve_charts(run)) done.insert(c.file);
  if (run.results)
    for (const auto& k : run.results->figures)
      for (const auto& f : figures)
        if (f.filename() == k.file && !done.count(k.file)) out << figure_html(f, k.caption), done.insert(k.file);
  for (const auto& f : figures)
    if (!done.count(f.filename().string())) out << figure_html(f, f.stem().string());
  return out.str();
}

bool any_finite(const std::vector<HistoryRow>& h, const std::string& column) {
  for (const auto& r : h)
    if (std::isfinite(r.value(column))) return true;
  return false;
}

ChartSeries history_series(const std::string& name, const std::vector<HistoryRow>& h, const std::string& column) {
  ChartSeries s;
  s.name = name;
  for (const auto& r : h) s.x.push_back(static_cast<double>(r.epoch)), s.y.push_back(r.value(column));
  s.markers = h.size() < 30;
  return s;
}

LineChart epoch_chart(const std::string& title, const std::string& y_label) {
  LineChart c;
  c.title = title;
  c.x_label = "epoch";
  c.y_label = y_label;
  c.integer_x = true;
  return c;
}

// figures/training_loss.svg, learning_rate.svg and one chart per curve the kind declares, of one variant.
void write_training_curves(const RunFolder& run, const VariantFolder& v) {
  if (v.history.empty()) return;
  make_dirs(v.dir / "figures");
  for (const auto& c : curve_charts(run)) {
    LineChart chart = epoch_chart(c.title + ": " + v.name, c.y_label);
    for (const auto& [name, column] : c.series)
      if (any_finite(v.history, column)) chart.series.push_back(history_series(name, v.history, column));
    if (!chart.series.empty()) write_chart(v.dir / "figures" / c.file, chart);
  }
}

std::string curves_html(const RunFolder& run, const VariantFolder& v) {
  std::string out;
  for (const auto& c : curve_charts(run)) {
    const fs::path p = v.dir / "figures" / c.file;
    std::error_code ec;
    if (fs::exists(p, ec)) out += figure_html(p, c.caption);
  }
  return out;
}

std::string kv_row(const std::string& key, const std::string& value) {
  return "<tr><th>" + html_escape(key) + "</th><td>" + html_escape(value) + "</td></tr>\n";
}

std::string json_text(const nlohmann::json& j, const char* key) {
  return j.is_object() && j.contains(key) ? format_value(j[key]) : std::string();
}

std::string seconds_text(const nlohmann::json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return "";
  std::ostringstream ss;
  ss << std::fixed << std::setprecision(1) << j[key].get<double>() << " s";
  return ss.str();
}

// The run's header: what ran where, so two reports can be compared honestly.
std::string header_table(const RunFolder& run) {
  const auto& m = run.metrics;
  const nlohmann::json machine = m.contains("machine") ? m["machine"] : nlohmann::json::object();
  std::ostringstream out;
  out << "<table class=\"kv\">\n";
  auto row = [&](const std::string& k, const std::string& v) {
    if (!v.empty()) out << kv_row(k, v);
  };
  row("study", json_text(m, "study"));
  row("kind", json_text(m, "kind"));
  row("run folder", run.dir.filename().empty() ? run.dir.string() : run.dir.filename().string());
  row("started", json_text(m, "started"));
  row("machine", json_text(machine, "host") + (machine.contains("cpu") ? " (" + json_text(machine, "cpu") + ")" : ""));
  row("LibTorch", json_text(machine, "libtorch"));
  row("BLAS", json_text(machine, "blas"));
  row("device", json_text(machine, "device"));
  row("threads", json_text(machine, "threads"));
  row("seed", json_text(m, "seed"));
  row("wall time", seconds_text(m, "wall_seconds"));
  row("latent", json_text(machine, "latent"));
  out << "</table>\n";
  return out.str();
}

bool skip_metric(const std::string& key) {
  return key == "name" || key == "dir" || key == "checkpoint" || key.rfind("figures.", 0) == 0;
}

// A metric's value as a table cell, with the declaration's digits.
std::string metric_cell(const nlohmann::json& variant, const MetricDecl& m) {
  const auto v = metric_value(variant, m.key);
  if (!v) return "<td></td>";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", m.digits, *v);
  return "<td class=\"num\">" + html_escape(std::isfinite(*v) ? buf : "n/a") + "</td>";
}

// The declared columns (headline first) that any of `variants` has; empty without a declaration.
std::vector<MetricDecl> declared_columns(const ResultSchema& results, const std::optional<MetricDecl>& headline,
                                         const std::vector<nlohmann::json>& variants) {
  std::vector<MetricDecl> out;
  if (headline) out.push_back(*headline);
  std::vector<MetricDecl> candidates = results.columns;
  candidates.insert(candidates.end(), results.headline.begin(), results.headline.end());
  for (const auto& c : candidates) {
    const bool again = std::any_of(out.begin(), out.end(), [&](const MetricDecl& d) { return d.key == c.key; });
    const bool present = std::any_of(variants.begin(), variants.end(),
                                     [&](const nlohmann::json& v) { return metric_value(v, c.key).has_value(); });
    if (!again && present) out.push_back(c);
  }
  return out;
}

std::string column_header(const MetricDecl& m) {
  return "<th>" + html_escape(m.label + (m.unit.empty() ? "" : " (" + m.unit + ")")) + "</th>";
}

std::string sweep_table(const RunFolder& run) {
  if (run.variants.size() < 2) return "";
  std::vector<nlohmann::json> variants;
  for (const auto& v : run.variants) variants.push_back(v.metrics);
  const auto headline = run_headline(run);
  const int best = best_variant(run);
  std::ostringstream out;
  out << "<h2>Sweep</h2>\n";
  if (best >= 0)
    out << "<p>Best variant by " << html_escape(headline->label) << " ("
        << (headline->higher_is_better ? "higher" : "lower") << " is better): <strong>"
        << html_escape(run.variants[static_cast<size_t>(best)].name) << "</strong> (marked &#9733;).</p>\n";
  out << "<div class=\"scroll\"><table>\n<tr><th>variant</th><th>model</th>";
  if (run.results) {
    const auto columns = declared_columns(*run.results, headline, variants);
    for (const auto& c : columns) out << column_header(c);
    out << "</tr>\n";
    for (size_t i = 0; i < run.variants.size(); ++i) {
      const auto& v = run.variants[i];
      const bool is_best = static_cast<int>(i) == best;
      out << "<tr" << (is_best ? " class=\"best\"" : "") << "><td><a href=\"#variant-" << html_escape(v.name) << "\">"
          << html_escape(v.name) << "</a>" << (is_best ? " &#9733;" : "") << "</td><td>"
          << html_escape(json_text(v.metrics.value("model", nlohmann::json()), "type")) << "</td>";
      for (const auto& c : columns) out << metric_cell(v.metrics, c);
      out << "</tr>\n";
    }
    out << "</table></div>\n";
    return out.str();
  }
  // A run folder without a declaration (an older latent): its test metrics as they are.
  std::vector<std::string> columns;
  std::set<std::string> seen;
  for (const auto& v : run.variants)
    for (const auto& [k, value] : flatten_json(v.metrics))
      if (!skip_metric(k) && k.rfind("test.", 0) == 0 && seen.insert(k).second) columns.push_back(k);
  for (const auto& c : columns) out << "<th>" << html_escape(c) << "</th>";
  out << "</tr>\n";
  for (const auto& v : run.variants) {
    out << "<tr><td><a href=\"#variant-" << html_escape(v.name) << "\">" << html_escape(v.name) << "</a></td><td>"
        << html_escape(json_text(v.metrics.value("model", nlohmann::json()), "type")) << "</td>";
    std::map<std::string, nlohmann::json> flat;
    for (auto& [k, value] : flatten_json(v.metrics)) flat[k] = value;
    for (const auto& c : columns) out << (flat.count(c) ? cell(flat[c]) : "<td></td>");
    out << "</tr>\n";
  }
  out << "</table></div>\n";
  return out.str();
}

std::string variant_section(const RunFolder& run, const VariantFolder& v, bool titled) {
  std::ostringstream out;
  out << "<section id=\"variant-" << html_escape(v.name) << "\">\n<h2>" << (titled ? "Variant " : "Results: ")
      << html_escape(v.name) << "</h2>\n";
  std::ostringstream metrics;
  for (const auto& [k, value] : flatten_json(v.metrics))
    if (!skip_metric(k)) metrics << "<tr><th>" << html_escape(k) << "</th>" << cell(value) << "</tr>\n";
  if (!metrics.str().empty()) out << "<h3>Metrics</h3>\n<table>\n" << metrics.str() << "</table>\n";
  const std::string curves = curves_html(run, v);
  if (!curves.empty()) out << "<h3>Training curves</h3>\n" << curves;
  const std::string figures = figures_html(run, v.figures);
  if (!figures.empty()) out << "<h3>Figures</h3>\n" << figures;
  if (!v.spec_toml.empty())
    out << "<h3>Resolved spec</h3>\n<details><summary>spec of " << html_escape(v.name) << " (TOML)</summary><pre>"
        << html_escape(v.spec_toml) << "</pre></details>\n";
  out << "</section>\n";
  return out.str();
}

std::string page(const std::string& title, const std::string& body) {
  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" << html_escape(title)
      << "</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n"
      << body << "<footer>Written by latent " << LATENT_VERSION
      << " from the files of the run folder(s) alone; every picture is inline, the page needs no network.</footer>\n<script>"
      << kSelfTest << "</script>\n</body>\n</html>\n";
  return out.str();
}

}  // namespace

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string base64_encode(const std::string& bytes) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t n =
        (uint32_t(uint8_t(bytes[i])) << 16) | (uint32_t(uint8_t(bytes[i + 1])) << 8) | uint8_t(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(n >> s) & 63];
  }
  if (i < bytes.size()) {
    uint32_t n = uint32_t(uint8_t(bytes[i])) << 16;
    if (i + 1 < bytes.size()) n |= uint32_t(uint8_t(bytes[i + 1])) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

fs::path write_run_report(const fs::path& run_dir) {
  {
    const RunFolder before = read_run_folder(run_dir);
    for (const auto& v : before.variants) write_training_curves(before, v);
  }
  const RunFolder run = read_run_folder(run_dir);  // again, with the curves among the figures
  const std::string study = json_text(run.metrics, "study");
  std::ostringstream body;
  body << "<h1>" << html_escape(study.empty() ? "latent run" : study) << "</h1>\n";
  if (!run.description.empty()) body << "<p>" << html_escape(run.description) << "</p>\n";
  body << header_table(run);
  body << sweep_table(run);
  const std::string study_figures = figures_html(run, run.study_figures);
  if (!study_figures.empty()) body << "<h2>Study figures</h2>\n" << study_figures;
  for (const auto& v : run.variants) body << variant_section(run, v, run.variants.size() > 1);
  const fs::path out = run_dir / "report.html";
  write_file_atomic(out, page("latent: " + study, body.str()));
  return out;
}

void write_compare_report(const std::vector<fs::path>& run_dirs, const fs::path& out) {
  check(!run_dirs.empty(), "compare: no run folders given");
  std::vector<RunFolder> runs;
  for (const auto& d : run_dirs) runs.push_back(read_run_folder(d));
  auto label = [&](size_t i) { return run_dirs[i].lexically_normal().string(); };
  // In chart legends: the run folder's own name (runs/<study>/<time>), or its position when names repeat.
  auto short_label = [&](size_t i) {
    const std::string name = fs::absolute(run_dirs[i]).lexically_normal().filename().string();
    size_t same = 0;
    for (const auto& d : run_dirs) same += fs::absolute(d).lexically_normal().filename().string() == name;
    return same > 1 || name.empty() ? "run " + std::to_string(i + 1) : name;
  };

  std::ostringstream body;
  body << "<h1>Comparison of " << runs.size() << " run" << (runs.size() == 1 ? "" : "s") << "</h1>\n";
  body
      << "<h2>Runs</h2>\n<div class=\"scroll\"><table>\n<tr><th>#</th><th>run</th><th>study</th><th>kind</th><th>machine</th><th>LibTorch</th>"
         "<th>device</th><th>threads</th><th>seed</th><th>wall time</th><th>started</th></tr>\n";
  for (size_t i = 0; i < runs.size(); ++i) {
    const auto& m = runs[i].metrics;
    const nlohmann::json machine = m.contains("machine") ? m["machine"] : nlohmann::json::object();
    body << "<tr><td>" << (i + 1) << "</td><td>" << html_escape(label(i)) << "</td><td>"
         << html_escape(json_text(m, "study")) << "</td><td>" << html_escape(json_text(m, "kind")) << "</td><td>"
         << html_escape(json_text(machine, "host") +
                        (machine.contains("cpu") ? " (" + json_text(machine, "cpu") + ")" : ""))
         << "</td><td>" << html_escape(json_text(machine, "libtorch")) << "</td><td>"
         << html_escape(json_text(machine, "device")) << "</td><td>" << html_escape(json_text(machine, "threads"))
         << "</td><td>" << html_escape(json_text(m, "seed")) << "</td><td>"
         << html_escape(seconds_text(m, "wall_seconds")) << "</td><td>" << html_escape(json_text(m, "started"))
         << "</td></tr>\n";
  }
  body << "</table></div>\n";

  // Metrics: one row per run / variant. Runs of one kind: its declared columns; else every metric key seen anywhere.
  const bool one_kind = std::all_of(runs.begin(), runs.end(), [&](const RunFolder& r) {
    return r.results && json_text(r.metrics, "kind") == json_text(runs.front().metrics, "kind");
  });
  body << "<h2>Metrics</h2>\n<div class=\"scroll\"><table>\n<tr><th>run / variant</th>";
  if (one_kind) {
    std::vector<nlohmann::json> all;
    for (const auto& r : runs)
      for (const auto& v : r.variants) all.push_back(v.metrics);
    const auto columns = declared_columns(*runs.front().results, runs.front().results->headline_for(all), all);
    for (const auto& c : columns) body << column_header(c);
    body << "</tr>\n";
    for (size_t i = 0; i < runs.size(); ++i)
      for (const auto& v : runs[i].variants) {
        body << "<tr><td>" << html_escape(label(i) + " / " + v.name) << "</td>";
        for (const auto& c : columns) body << metric_cell(v.metrics, c);
        body << "</tr>\n";
      }
  } else {
    std::vector<std::string> columns;
    std::set<std::string> seen;
    for (const auto& r : runs)
      for (const auto& v : r.variants)
        for (const auto& [k, value] : flatten_json(v.metrics))
          if (!skip_metric(k) && seen.insert(k).second) columns.push_back(k);
    std::stable_sort(columns.begin(), columns.end(), [](const std::string& a, const std::string& b) {
      return (a.rfind("test.", 0) == 0) > (b.rfind("test.", 0) == 0);
    });
    for (const auto& c : columns) body << "<th>" << html_escape(c) << "</th>";
    body << "</tr>\n";
    for (size_t i = 0; i < runs.size(); ++i)
      for (const auto& v : runs[i].variants) {
        std::map<std::string, nlohmann::json> flat;
        for (auto& [k, value] : flatten_json(v.metrics)) flat[k] = value;
        body << "<tr><td>" << html_escape(label(i) + " / " + v.name) << "</td>";
        for (const auto& c : columns) body << (flat.count(c) ? cell(flat[c]) : "<td></td>");
        body << "</tr>\n";
      }
  }
  body << "</table></div>\n";

  // Overlaid curves, one series per run / variant.
  struct Curve {
    const char* title;
    const char* y_label;
    const char* column;
  };
  std::ostringstream curves;
  for (const Curve& c : {Curve{"Validation loss", "loss", "val_loss"}, Curve{"Training loss", "loss", "train_loss"},
                         Curve{"Learning rate", "learning rate", "lr"}}) {
    LineChart chart;
    chart.title = c.title;
    chart.x_label = "epoch";
    chart.y_label = c.y_label;
    chart.integer_x = true;
    for (size_t i = 0; i < runs.size(); ++i)
      for (const auto& v : runs[i].variants)
        if (any_finite(v.history, c.column))
          chart.series.push_back(history_series(short_label(i) + " / " + v.name, v.history, c.column));
    if (chart.series.size() > 3) chart.legend = "outside";
    if (chart.series.empty()) continue;
    curves << "<figure>" << img_tag(c.title, data_uri("image/svg+xml", render_svg(chart)), false) << "<figcaption>"
           << html_escape(c.title) << " per epoch, one line per run / variant</figcaption></figure>\n";
  }
  if (!curves.str().empty()) body << "<h2>Training curves</h2>\n" << curves.str();
  write_file_atomic(out, page("latent: comparison of " + std::to_string(runs.size()) + " runs", body.str()));
}

}  // namespace latent
