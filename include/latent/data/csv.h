// Numeric CSV (or TSV) tables (e.g. the credit-card transactions file): a header row, numeric
// cells, an optional named label column (0/1, or kept as text), quoted fields, blank lines and CRLF
// line ends. Read in
// chunks of rows so a file larger than memory can be streamed; errors are one line naming
// the file, line and column.
#pragma once

#include <torch/types.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace latent {

struct CsvOptions {
  std::string label;           // label column name; empty: no label
  bool label_required = true;  // false: a missing label column is fine (scoring unlabelled data)
  int64_t chunk_rows = 65536;  // rows per chunk when streaming
  char delimiter = ',';        // ',' or '\t' (detect_delimiter)
  bool text_labels = false;    // keep the label cells as text (CsvChunk::label_text), not checked 0/1
};

// One chunk (or a whole table): features (N, F) float32 in file order without the label
// column, labels (N,) int64 (undefined without a label column or with text_labels), and the file
// lines of the rows.
struct CsvChunk {
  torch::Tensor x;
  torch::Tensor y;
  std::vector<std::string> label_text;  // text_labels: each row's label cell
  std::vector<int64_t> lines;           // each row's line in the file (1-based)
  int64_t first_line = 0;
  int64_t rows() const { return x.defined() ? x.size(0) : 0; }
};

class CsvReader {
 public:
  // Opens the file and reads the header; throws Error naming the file on failure.
  CsvReader(const std::filesystem::path& path, CsvOptions options = {});

  const std::vector<std::string>& feature_names() const { return features_; }
  bool has_label() const { return label_index_ >= 0; }
  // The label's column, 1-based as in messages; 0 without a label column.
  int64_t label_column() const { return label_index_ + 1; }
  // Reads up to chunk_rows rows; returns false (and an empty chunk) at the end of the file.
  bool next(CsvChunk& chunk);
  int64_t rows_read() const { return rows_; }

 private:
  bool read_record(std::vector<std::string>& fields);

  std::filesystem::path path_;
  CsvOptions options_;
  std::ifstream in_;
  std::vector<std::string> columns_;
  std::vector<std::string> features_;
  int64_t label_index_ = -1;
  int64_t line_ = 0;  // last line read (1-based)
  int64_t rows_ = 0;
};

// Reads the whole table into one chunk.
CsvChunk read_csv(const std::filesystem::path& path, const CsvOptions& options,
                  std::vector<std::string>* feature_names = nullptr);

// Splits one CSV line into fields at `delimiter` (quotes removed, "" inside quotes is a quote).
// Returns an empty string on success, else what is wrong.
std::string split_csv_line(const std::string& line, std::vector<std::string>& fields, char delimiter = ',');

// '\t' for a .tsv or .tab file, or one whose first line has a tab and no comma; else ','. Throws
// Error naming the file when it cannot be read.
char detect_delimiter(const std::filesystem::path& path);

// One field for writing: quoted, with quotes doubled, when it holds a comma, a quote or a line break.
std::string csv_field(const std::string& text);

}  // namespace latent
