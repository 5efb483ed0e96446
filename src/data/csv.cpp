// Numeric CSV reader, streaming in chunks of rows.
#include "latent/data/csv.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

#include "latent/core/error.h"
#include "latent/core/text.h"

namespace latent {

namespace {

// Narrows [b, e) of s past its leading and trailing spaces and tabs: the one definition of the
// blanks around a CSV field.
void trim_bounds(const std::string& s, size_t& b, size_t& e) {
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
}

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  trim_bounds(s, b, e);
  return s.substr(b, e - b);
}

bool blank(const std::string& s) {
  size_t b = 0, e = s.size();
  trim_bounds(s, b, e);
  return b == e;
}

// A cell as a number: std::from_chars (locale-independent, exact like strtod, several times faster),
// after the leading white space and optional '+' that strtod took and from_chars does not (a quoted
// cell keeps its spaces). Hexadecimal is not a number.
bool parse_number(const std::string& cell, double& v, bool& in_range) {
  const char* first = cell.data();
  const char* last = first + cell.size();
  while (first != last && std::isspace(static_cast<unsigned char>(*first))) ++first;
  if (first != last && *first == '+' && last - first > 1 && first[1] != '-' && first[1] != '+') ++first;
  const auto [end, ec] = std::from_chars(first, last, v);
  in_range = ec != std::errc::result_out_of_range;
  return end == last && (ec == std::errc() || ec == std::errc::result_out_of_range);
}

}  // namespace

char detect_delimiter(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".tsv" || ext == ".tab") return '\t';
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string() + ": cannot open");
  std::string header;
  std::getline(in, header);
  return header.find('\t') != std::string::npos && header.find(',') == std::string::npos ? '\t' : ',';
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char ch : text) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return out + "\"";
}

std::string split_csv_line(const std::string& line, std::vector<std::string>& fields, char delimiter) {
  if (line.find('"') == std::string::npos) {
    // No quotes (the common case): cut at the delimiters and trim, reusing the strings' storage.
    size_t count = 0, start = 0;
    while (true) {
      const size_t comma = line.find(delimiter, start);
      size_t b = start, e = comma == std::string::npos ? line.size() : comma;
      trim_bounds(line, b, e);
      if (count < fields.size())
        fields[count].assign(line, b, e - b);
      else
        fields.emplace_back(line, b, e - b);
      ++count;
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    fields.resize(count);
    return "";
  }
  fields.clear();
  std::string cur;
  bool quoted = false, was_quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"')
          cur += '"', ++i;
        else
          quoted = false;
      } else {
        cur += c;
      }
    } else if (c == '"' && blank(cur) && !was_quoted) {
      quoted = was_quoted = true;
      cur.clear();
    } else if (c == delimiter) {
      fields.push_back(was_quoted ? cur : trim(cur));
      cur.clear();
      was_quoted = false;
    } else if (was_quoted && c != ' ' && c != '\t') {
      return "text after a closing quote";
    } else if (!was_quoted) {
      cur += c;
    }
  }
  if (quoted) return "unterminated quoted field (fields may not span lines)";
  fields.push_back(was_quoted ? cur : trim(cur));
  return "";
}

CsvReader::CsvReader(const std::filesystem::path& path, CsvOptions options)
    : path_(path), options_(std::move(options)) {
  check(options_.chunk_rows > 0, "csv: chunk_rows must be positive");
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw Error(path.string() + ": no such file");
  in_.open(path, std::ios::binary);
  if (!in_) throw Error(path.string() + ": cannot open");
  if (!read_record(columns_)) throw Error(path.string() + ": empty file (expected a header row)");
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i].empty())
      throw Error(path.string() + ": line " + std::to_string(line_) + ": column " + std::to_string(i + 1) +
                  " has an empty name");
    if (!options_.label.empty() && columns_[i] == options_.label)
      label_index_ = static_cast<int64_t>(i);
    else
      features_.push_back(columns_[i]);
  }
  if (!options_.label.empty() && label_index_ < 0 && options_.label_required) {
    std::string names;
    for (size_t i = 0; i < columns_.size() && i < 8; ++i) names += (i ? ", " : "") + columns_[i];
    if (columns_.size() > 8) names += ", ...";
    const std::string nearest = nearest_name(options_.label, columns_);
    throw Error(path.string() + ": no label column '" + options_.label + "' in the header (columns: " + names + ")" +
                (nearest.empty() ? "" : "; did you mean '" + nearest + "'?"));
  }
  if (features_.empty()) throw Error(path.string() + ": no feature columns");
}

bool CsvReader::read_record(std::vector<std::string>& fields) {
  std::string line;
  while (std::getline(in_, line)) {
    ++line_;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line_ == 1 && line.size() >= 3 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line = line.substr(3);
    if (blank(line)) continue;
    const std::string problem = split_csv_line(line, fields, options_.delimiter);
    if (!problem.empty()) throw Error(path_.string() + ": line " + std::to_string(line_) + ": " + problem);
    return true;
  }
  if (in_.bad()) throw Error(path_.string() + ": read error after line " + std::to_string(line_));
  return false;
}

bool CsvReader::next(CsvChunk& chunk) {
  const size_t width = columns_.size(), nf = features_.size();
  std::vector<float> xs;
  std::vector<int64_t> ys;
  std::vector<std::string> fields;
  int64_t n = 0;
  chunk.first_line = 0;
  chunk.lines.clear();
  chunk.label_text.clear();
  while (n < options_.chunk_rows && read_record(fields)) {
    if (chunk.first_line == 0) chunk.first_line = line_;
    chunk.lines.push_back(line_);
    if (fields.size() != width)
      throw Error(path_.string() + ": line " + std::to_string(line_) + ": " + std::to_string(fields.size()) +
                  " fields, the header has " + std::to_string(width));
    for (size_t i = 0; i < width; ++i) {
      const std::string& cell = fields[i];
      auto bad = [&](const std::string& what) {
        return Error(path_.string() + ": line " + std::to_string(line_) + ", column " + std::to_string(i + 1) + " ('" +
                     columns_[i] + "'): " + what);
      };
      if (cell.empty()) throw bad("empty cell");
      if (options_.text_labels && static_cast<int64_t>(i) == label_index_) {
        chunk.label_text.push_back(cell);
        continue;
      }
      double v = 0.0;
      bool in_range = true;
      if (!parse_number(cell, v, in_range)) throw bad("'" + cell + "' is not a number");
      if (!std::isfinite(v) || !in_range) throw bad("'" + cell + "' is not a finite number");
      if (static_cast<int64_t>(i) == label_index_) {
        if (v != 0.0 && v != 1.0) throw bad("label '" + cell + "' is not 0 or 1");
        ys.push_back(static_cast<int64_t>(v));
      } else {
        if (std::fabs(v) > static_cast<double>(std::numeric_limits<float>::max()))
          throw bad("'" + cell + "' is too large for a 32-bit float");
        xs.push_back(static_cast<float>(v));
      }
    }
    ++n;
  }
  rows_ += n;
  chunk.x = torch::from_blob(xs.data(), {n, static_cast<int64_t>(nf)}, torch::kFloat32).clone();
  chunk.y =
      has_label() && !options_.text_labels ? torch::from_blob(ys.data(), {n}, torch::kInt64).clone() : torch::Tensor();
  return n > 0;
}

CsvChunk read_csv(const std::filesystem::path& path, const CsvOptions& options,
                  std::vector<std::string>* feature_names) {
  CsvReader reader(path, options);
  if (feature_names) *feature_names = reader.feature_names();
  std::vector<torch::Tensor> xs, ys;
  CsvChunk chunk, all;
  while (reader.next(chunk)) {
    xs.push_back(chunk.x);
    if (reader.has_label() && !options.text_labels) ys.push_back(chunk.y);
    all.label_text.insert(all.label_text.end(), chunk.label_text.begin(), chunk.label_text.end());
    all.lines.insert(all.lines.end(), chunk.lines.begin(), chunk.lines.end());
  }
  if (xs.empty()) throw Error(path.string() + ": no data rows");
  all.first_line = all.lines.front();
  all.x = torch::cat(xs);
  if (!ys.empty()) all.y = torch::cat(ys);
  return all;
}

}  // namespace latent
