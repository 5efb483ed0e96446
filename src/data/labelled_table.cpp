// Labelled CSV/TSV tables for classifiers, through the numeric CSV reader.
#include "latent/data/labelled_table.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>

#include "latent/core/error.h"
#include "latent/core/text.h"
#include "latent/data/csv.h"

namespace latent {

namespace {

// The whole cell as a finite number (from_chars: locale-independent; a leading '+' allowed).
bool as_number(const std::string& cell, double& v) {
  const char* first = cell.data();
  const char* last = first + cell.size();
  if (first != last && *first == '+') ++first;
  const auto [end, ec] = std::from_chars(first, last, v);
  return ec == std::errc() && end == last && std::isfinite(v);
}

}  // namespace

LabelledTable read_labelled_table(const std::filesystem::path& path, const LabelledTableOptions& options) {
  if (options.label.empty()) throw UsageError("data.label: required: the name of the table's label column");
  if (options.classes < 0) throw UsageError("data.classes: must be >= 0, got " + std::to_string(options.classes));
  CsvOptions csv;
  csv.label = options.label;
  csv.text_labels = true;
  csv.delimiter = detect_delimiter(path);
  LabelledTable out;
  CsvReader reader(path, csv);
  out.feature_names = reader.feature_names();
  const CsvChunk table = read_csv(path, csv);
  const auto& cells = table.label_text;
  const std::string column = "column " + std::to_string(reader.label_column()) + " ('" + options.label + "')";
  auto at = [&](size_t row) {
    return path.string() + ": line " + std::to_string(table.lines[row]) + ", " + column + ": ";
  };

  std::vector<double> numbers(cells.size());
  out.numeric_labels = true;
  for (size_t i = 0; i < cells.size() && out.numeric_labels; ++i) out.numeric_labels = as_number(cells[i], numbers[i]);

  std::vector<int64_t> ids(cells.size());
  if (out.numeric_labels) {
    int64_t classes = 0;
    for (size_t i = 0; i < cells.size(); ++i) {
      const double v = numbers[i];
      if (v < 0 || v != std::floor(v) || v > 1e9)
        throw Error(at(i) + "label '" + cells[i] + "' is not a class number (a whole number >= 0)");
      ids[i] = static_cast<int64_t>(v);
      if (options.classes > 0 && ids[i] >= options.classes)
        throw Error(at(i) + "label " + cells[i] + " is out of range: data.classes = " +
                    std::to_string(options.classes) + " allows 0.." + std::to_string(options.classes - 1));
      classes = std::max(classes, ids[i] + 1);
    }
    if (options.classes > 0) classes = options.classes;
    for (int64_t k = 0; k < classes; ++k) out.class_names.push_back(std::to_string(k));
  } else {
    std::map<std::string, int64_t> index;
    for (const auto& c : cells) index.emplace(c, 0);
    for (auto& [name, id] : index) {
      id = static_cast<int64_t>(out.class_names.size());
      out.class_names.push_back(name);
    }
    for (size_t i = 0; i < cells.size(); ++i) ids[i] = index[cells[i]];
  }
  if (out.class_names.size() < 2)
    throw Error(path.string() + ": " + column + " holds one class only ('" + out.class_names.front() +
                "'); a classifier needs at least two");
  out.x = table.x;
  out.y = torch::tensor(ids, torch::kInt64);
  return out;
}

LabelledTable read_multilabel_table(const std::filesystem::path& path, const std::vector<std::string>& labels) {
  if (labels.size() < 2)
    throw UsageError("data.label: a multi-label table needs at least two label columns (\"a,b,...\")");
  for (size_t i = 0; i < labels.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (labels[i] == labels[j]) throw UsageError("data.label: column '" + labels[i] + "' is listed twice");
  CsvOptions csv;
  csv.delimiter = detect_delimiter(path);
  CsvReader reader(path, csv);
  const std::vector<std::string> columns = reader.feature_names();  // every column: no label given
  std::vector<int64_t> label_index, feature_index;
  for (const auto& name : labels) {
    auto it = std::find(columns.begin(), columns.end(), name);
    if (it == columns.end()) {
      std::string names;
      for (size_t i = 0; i < columns.size() && i < 8; ++i) names += (i ? ", " : "") + columns[i];
      if (columns.size() > 8) names += ", ...";
      const std::string nearest = nearest_name(name, columns);
      throw Error(path.string() + ": no label column '" + name + "' in the header (columns: " + names + ")" +
                  (nearest.empty() ? "" : "; did you mean '" + nearest + "'?"));
    }
    label_index.push_back(it - columns.begin());
  }
  LabelledTable out;
  out.multi_label = true;
  out.class_names = labels;
  for (size_t c = 0; c < columns.size(); ++c)
    if (std::find(label_index.begin(), label_index.end(), static_cast<int64_t>(c)) == label_index.end()) {
      feature_index.push_back(static_cast<int64_t>(c));
      out.feature_names.push_back(columns[c]);
    }
  if (feature_index.empty()) throw Error(path.string() + ": no feature columns besides the labels");
  const CsvChunk table = read_csv(path, csv);
  auto y = table.x.index_select(1, torch::tensor(label_index, torch::kInt64));
  const auto bad = ((y != 0) & (y != 1)).nonzero();
  if (bad.size(0) > 0) {
    const int64_t row = bad[0][0].item<int64_t>(), l = bad[0][1].item<int64_t>();
    char value[32];
    std::snprintf(value, sizeof value, "%g", y[row][l].item<double>());
    throw Error(path.string() + ": line " + std::to_string(table.lines[static_cast<size_t>(row)]) + ", column " +
                std::to_string(label_index[static_cast<size_t>(l)] + 1) + " ('" + labels[static_cast<size_t>(l)] +
                "'): label " + value + " is not 0 or 1");
  }
  out.x = table.x.index_select(1, torch::tensor(feature_index, torch::kInt64));
  out.y = y.to(torch::kInt64);
  return out;
}

Standardizer Standardizer::fit(const torch::Tensor& x) {
  check(x.dim() == 2 && x.size(0) >= 1, "standardize: expects a non-empty (N, F) table");
  auto d = x.to(torch::kFloat64);
  Standardizer s;
  s.mean = d.mean(0);
  auto std = d.std(0, /*unbiased=*/false);
  s.std = torch::where(std > 0, std, torch::ones_like(std));
  return s;
}

torch::Tensor Standardizer::apply(const torch::Tensor& x) const {
  check(x.dim() == 2 && x.size(1) == mean.size(0),
        "standardize: fitted on " + std::to_string(mean.size(0)) + " columns, applied to " +
            (x.dim() == 2 ? std::to_string(x.size(1)) : std::string("a non-table")));
  return ((x.to(torch::kFloat64) - mean.to(x.device())) / std.to(x.device())).to(x.scalar_type());
}

}  // namespace latent
