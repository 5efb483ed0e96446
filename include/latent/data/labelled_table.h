// A CSV or TSV table with a label column for classification: numeric feature columns, labels
// that are class numbers 0..K-1 or any text (class names, numbered in sorted order), and a
// standardisation fitted on the training split only.
#pragma once

#include <torch/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace latent {

struct LabelledTableOptions {
  std::string label;    // the label column's name (data.label)
  int64_t classes = 0;  // numeric labels must lie in [0, classes); 0: K = the largest label + 1
};

struct LabelledTable {
  torch::Tensor x;                         // (N, F) float32, file order, without the label column
  torch::Tensor y;                         // (N,) int64 class ids
  std::vector<std::string> feature_names;  // F
  std::vector<std::string> class_names;    // K: the sorted label texts, or "0".."K-1" for numbers
  bool numeric_labels = true;              // every label cell was a number
  bool multi_label = false;                // read_multilabel_table: y is (N, L) 0/1, class_names the L columns
};

// Reads the table (TSV by extension or header, as detect_delimiter). A label column where every
// cell is a number holds class ids: whole numbers >= 0 (and < classes when given); any other
// label column holds class names, numbered in sorted (byte) order. Throws Error naming the file,
// line and column for an empty cell, a text cell in a feature column, or a label that is not a
// class id or out of range; UsageError naming data.label when it is empty, and Error listing the
// columns and suggesting the nearest when the label column does not exist.
LabelledTable read_labelled_table(const std::filesystem::path& path, const LabelledTableOptions& options);

// Multi-label targets: `labels` names L >= 2 columns, each holding 0 or 1 in every row (an example
// may have any number of labels); x holds the other columns, y is (N, L) int64 0/1 and
// class_names the label columns in the order given. Throws Error naming the file, line and column
// for a label cell that is not 0 or 1 (or the same errors as read_labelled_table for the rest),
// listing the columns and suggesting the nearest for a label column that does not exist, and
// UsageError for fewer than two or repeated label names.
LabelledTable read_multilabel_table(const std::filesystem::path& path, const std::vector<std::string>& labels);

// Per-column standardisation (x − mean) / std with the population std (as scikit-learn's
// StandardScaler); a constant column has std 1, so it becomes 0. Fit on the training split only.
struct Standardizer {
  torch::Tensor mean;  // (F,)
  torch::Tensor std;   // (F,)

  // x: (N, F) with N >= 1.
  static Standardizer fit(const torch::Tensor& x);
  // x: (N, F) -> (N, F), in x's dtype.
  torch::Tensor apply(const torch::Tensor& x) const;
};

}  // namespace latent
