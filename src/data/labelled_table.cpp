// Labelled CSV/TSV tables for classifiers, through the numeric CSV reader.
#include "latent/data/labelled_table.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

#include "latent/core/error.h"
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
