// Word-vector files (word2vec text and binary, GloVe text) and cosine queries over them.
#include "latent/data/word_vectors.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string_view>

#include "latent/core/error.h"
#include "latent/core/fs.h"
#include "latent/core/text.h"

namespace latent {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// The whitespace-separated fields of one line (no newline in it).
std::vector<std::string_view> fields_of(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_space(line[i])) ++i;
    const size_t start = i;
    while (i < line.size() && !is_space(line[i])) ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

// A whole field as a finite float, or false. The field lies in a NUL-terminated buffer and ends at
// whitespace or the end, where strtof stops too.
bool parse_float(std::string_view field, float& value) {
  if (field.empty()) return false;
  char* end = nullptr;
  value = std::strtof(field.data(), &end);
  return end == field.data() + field.size() && std::isfinite(value);
}

// A whole field as a positive integer (a header count), or -1.
int64_t parse_count(std::string_view field) {
  if (field.empty() || field.size() > 15) return -1;
  int64_t v = 0;
  for (char c : field) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

bool little_endian() {
  const uint32_t one = 1;
  unsigned char first = 0;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

float float_from_le(const char* p) {
  char b[4] = {p[0], p[1], p[2], p[3]};
  if (!little_endian()) std::swap(b[0], b[3]), std::swap(b[1], b[2]);
  float v;
  std::memcpy(&v, b, 4);
  return v;
}

// Reads the lines of a text file one at a time, counting them from 1.
class Lines {
 public:
  explicit Lines(const std::string& text) : text_(text) {}
  bool next(std::string_view& line) {
    if (pos_ >= text_.size()) return false;
    size_t end = text_.find('\n', pos_);
    if (end == std::string::npos) end = text_.size();
    line = std::string_view(text_).substr(pos_, end - pos_);
    pos_ = end + 1;
    ++number_;
    return true;
  }
  int64_t number() const { return number_; }
  size_t position() const { return std::min(pos_, text_.size()); }

 private:
  const std::string& text_;
  size_t pos_ = 0;
  int64_t number_ = 0;
};

struct Header {
  int64_t words = -1, dim = -1;
};

// word2vec's header "V D", or words = -1 when the line is something else.
Header parse_header(std::string_view line) {
  const auto f = fields_of(line);
  if (f.size() != 2) return {};
  Header h{parse_count(f[0]), parse_count(f[1])};
  if (h.words < 0 || h.dim < 0) return {};
  return h;
}

// The values the header announces, but no more than `most` (what the file can hold).
size_t claimed_values(const Header& h, size_t most) {
  const double claimed = static_cast<double>(h.words) * static_cast<double>(h.dim);
  return claimed > static_cast<double>(most) ? most : static_cast<size_t>(claimed);
}

// One "word v1 ... vD" line appended to words/values; Error naming the file and line otherwise.
void read_text_record(std::string_view line, int64_t dim, const std::string& where, std::vector<std::string>& words,
                      std::vector<float>& values) {
  const auto f = fields_of(line);
  const int64_t found = static_cast<int64_t>(f.size()) - 1;
  if (found != dim)
    throw Error(where + ": '" + std::string(f[0]) + "' has " + std::to_string(found) + " value" +
                (found == 1 ? "" : "s") + ", expected " + std::to_string(dim));
  words.emplace_back(f[0]);
  for (int64_t j = 1; j <= dim; ++j) {
    float v = 0;
    if (!parse_float(f[static_cast<size_t>(j)], v))
      throw Error(where + ": value " + std::to_string(j) + " of '" + std::string(f[0]) + "', '" +
                  std::string(f[static_cast<size_t>(j)]) + "', is not a finite number");
    values.push_back(v);
  }
}

torch::Tensor to_tensor(std::vector<float>& values, int64_t rows, int64_t dim) {
  return torch::from_blob(values.data(), {rows, dim}, torch::kFloat32).clone();
}

WordVectors read_text(const std::string& text, const std::string& name, bool header_line) {
  Lines lines(text);
  std::string_view line;
  Header header;
  if (header_line) {
    lines.next(line);
    header = parse_header(line);
  }
  std::vector<std::string> words;
  std::vector<float> values;
  int64_t dim = header.dim;
  if (header_line) values.reserve(claimed_values(header, text.size() / 2));
  while (lines.next(line)) {
    if (fields_of(line).empty()) continue;
    const std::string where = name + ":" + std::to_string(lines.number());
    if (header_line && static_cast<int64_t>(words.size()) == header.words)
      throw Error(where + ": more words than the header's " + std::to_string(header.words));
    if (dim < 0) {
      dim = static_cast<int64_t>(fields_of(line).size()) - 1;
      if (dim < 1) throw Error(where + ": expected a word and its values, found '" + std::string(line) + "'");
    }
    read_text_record(line, dim, where, words, values);
  }
  if (header_line && static_cast<int64_t>(words.size()) != header.words)
    throw Error(name + ": the header says " + std::to_string(header.words) + " words, the file has " +
                std::to_string(words.size()));
  if (words.empty()) throw Error(name + ": no word vectors in the file");
  const int64_t rows = static_cast<int64_t>(words.size());
  return {std::move(words), to_tensor(values, rows, dim)};
}

WordVectors read_binary(const std::string& data, const std::string& name, size_t start, Header header) {
  const size_t bytes = static_cast<size_t>(header.dim) * 4;
  std::vector<std::string> words;
  // Reserved for what the file can hold, not for what the header claims (it may lie).
  std::vector<float> values;
  values.reserve(claimed_values(header, (data.size() - start) / 4));
  size_t pos = start;
  for (int64_t i = 0; i < header.words; ++i) {
    const std::string where = name + ": record " + std::to_string(i + 1) + " of " + std::to_string(header.words);
    while (pos < data.size() && data[pos] == '\n') ++pos;
    const size_t space = data.find(' ', pos);
    if (pos >= data.size())
      throw Error(where + ": the file ends (the header says " + std::to_string(header.words) + " words)");
    if (space == std::string::npos)
      throw Error(where + ": truncated (no space after the word '" +
                  data.substr(pos, std::min<size_t>(40, data.size() - pos)) + "')");
    std::string word = data.substr(pos, space - pos);
    if (word.empty()) throw Error(where + ": empty word");
    pos = space + 1;
    if (data.size() - pos < bytes)
      throw Error(where + " ('" + word + "'): truncated, " + std::to_string(data.size() - pos) + " of " +
                  std::to_string(bytes) + " bytes of values");
    for (int64_t j = 0; j < header.dim; ++j) {
      values.push_back(float_from_le(data.data() + pos + static_cast<size_t>(j) * 4));
      if (!std::isfinite(values.back()))
        throw Error(where + " ('" + word + "'): value " + std::to_string(j + 1) + " is not a finite number");
    }
    pos += bytes;
    words.push_back(std::move(word));
  }
  for (; pos < data.size(); ++pos)
    if (!std::isspace(static_cast<unsigned char>(data[pos])))
      throw Error(name + ": more data after the header's " + std::to_string(header.words) + " words (byte " +
                  std::to_string(pos) + ")");
  return {std::move(words), to_tensor(values, header.words, header.dim)};
}

// Whether the line after word2vec's header is a text record of `dim` values.
bool looks_like_text_record(const std::string& data, size_t start, int64_t dim) {
  size_t end = data.find('\n', start);
  if (end == std::string::npos) end = data.size();
  const auto f = fields_of(std::string_view(data).substr(start, end - start));
  if (static_cast<int64_t>(f.size()) != dim + 1) return false;
  float v;
  for (size_t j = 1; j < f.size(); ++j)
    if (!parse_float(f[j], v)) return false;
  return true;
}

void check_writable_word(const std::string& word, int64_t row, const std::filesystem::path& path) {
  if (word.empty() || std::any_of(word.begin(), word.end(), [](char c) { return c == ' ' || c == '\n' || c == '\t'; }))
    throw Error(path.string() + ": word " + std::to_string(row + 1) + " ('" + word +
                "') is empty or holds whitespace; vector files cannot store it");
}

}  // namespace

std::string format_name(WordVectorsFormat format) {
  switch (format) {
    case WordVectorsFormat::kWord2VecText:
      return "word2vec text";
    case WordVectorsFormat::kWord2VecBinary:
      return "word2vec binary";
    case WordVectorsFormat::kGloveText:
      return "GloVe text";
    case WordVectorsFormat::kAuto:
      break;
  }
  return "auto";
}

WordVectors read_word_vectors(const std::filesystem::path& path, WordVectorsFormat format) {
  const std::string name = path.string();
  if (!std::filesystem::is_regular_file(path)) throw Error(name + ": no such file");
  const std::string data = read_text_file(path);
  if (data.empty()) throw Error(name + ": empty file");
  Lines lines(data);
  std::string_view first;
  lines.next(first);
  const Header header = parse_header(first);
  if (format == WordVectorsFormat::kAuto) {
    if (header.words < 0)
      format = WordVectorsFormat::kGloveText;
    else
      format = looks_like_text_record(data, lines.position(), header.dim) ? WordVectorsFormat::kWord2VecText
                                                                          : WordVectorsFormat::kWord2VecBinary;
  }
  if (format != WordVectorsFormat::kGloveText) {
    if (header.words < 0)
      throw Error(name + ":1: expected word2vec's header 'WORDS DIMENSIONS', found '" +
                  std::string(first.substr(0, 60)) + "'");
    if (header.words < 1 || header.dim < 1)
      throw Error(name + ":1: the header '" + std::string(first) + "' needs at least one word and one dimension");
  }
  if (format == WordVectorsFormat::kWord2VecBinary) return read_binary(data, name, lines.position(), header);
  return read_text(data, name, format == WordVectorsFormat::kWord2VecText);
}

void write_word_vectors(const std::filesystem::path& path, const WordVectors& v, WordVectorsFormat format) {
  check(format != WordVectorsFormat::kAuto, "write_word_vectors: choose a format");
  check(v.vectors.defined() && v.vectors.dim() == 2 && v.vectors.size(0) == v.size(),
        path.string() + ": the vectors are not a (words, dimensions) matrix");
  for (int64_t i = 0; i < v.size(); ++i) check_writable_word(v.words[static_cast<size_t>(i)], i, path);
  const torch::Tensor m = v.vectors.to(torch::kCPU, torch::kFloat32).contiguous();
  const float* p = m.data_ptr<float>();
  const int64_t dim = m.size(1);
  write_atomic_with(path, [&](const std::filesystem::path& tmp) {
    FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw Error(path.string() + ": cannot write (" + std::strerror(errno) + ")");
    if (format != WordVectorsFormat::kGloveText)
      std::fprintf(f, "%lld %lld\n", static_cast<long long>(v.size()), static_cast<long long>(dim));
    for (int64_t i = 0; i < v.size(); ++i) {
      const float* row = p + i * dim;
      const std::string& word = v.words[static_cast<size_t>(i)];
      if (format == WordVectorsFormat::kGloveText) {
        std::fputs(word.c_str(), f);
        for (int64_t j = 0; j < dim; ++j) std::fprintf(f, " %lf", static_cast<double>(row[j]));
      } else {
        std::fprintf(f, "%s ", word.c_str());
        if (format == WordVectorsFormat::kWord2VecBinary) {
          for (int64_t j = 0; j < dim; ++j) {
            char b[4];
            std::memcpy(b, &row[j], 4);
            if (!little_endian()) std::swap(b[0], b[3]), std::swap(b[1], b[2]);
            std::fwrite(b, 1, 4, f);
          }
        } else {
          for (int64_t j = 0; j < dim; ++j) std::fprintf(f, "%lf ", static_cast<double>(row[j]));
        }
      }
      std::fputc('\n', f);
    }
    const bool failed = std::ferror(f) != 0;
    if (std::fclose(f) != 0 || failed) throw Error(path.string() + ": write failed (" + std::strerror(errno) + ")");
  });
}

WordIndex::WordIndex(WordVectors vectors, std::string source)
    : vectors_(std::move(vectors)), source_(std::move(source)) {
  check(vectors_.vectors.defined() && vectors_.vectors.dim() == 2 && vectors_.vectors.size(0) == vectors_.size(),
        source_ + ": the vectors are not a (words, dimensions) matrix");
  const torch::Tensor m = vectors_.vectors.to(torch::kCPU, torch::kFloat32);
  unit_ = m / m.norm(2, {1}, true).clamp_min(1e-30);
  rows_.reserve(vectors_.words.size());
  for (size_t i = 0; i < vectors_.words.size(); ++i) rows_.emplace(vectors_.words[i], static_cast<int64_t>(i));
}

int64_t WordIndex::row(const std::string& word) const {
  const auto it = rows_.find(word);
  if (it != rows_.end()) return it->second;
  const std::string near = nearest_name(word, vectors_.words, 2);
  throw UsageError("'" + word + "' is not among the " + std::to_string(vectors_.size()) + " words of " + source_ +
                   (near.empty() ? "" : "; did you mean '" + near + "'?"));
}

std::vector<WordNeighbour> WordIndex::nearest(const torch::Tensor& query, int64_t k,
                                              const std::vector<int64_t>& exclude) const {
  torch::Tensor q = query.to(torch::kCPU, torch::kFloat32).reshape({-1});
  check(q.size(0) == unit_.size(1), "nearest: the query has " + std::to_string(q.size(0)) + " values, the vectors " +
                                        std::to_string(unit_.size(1)));
  q = q / q.norm().clamp_min(1e-30);
  torch::Tensor sims = unit_.mv(q).contiguous();
  float* sp = sims.data_ptr<float>();
  constexpr float kOut = -std::numeric_limits<float>::infinity();
  int64_t excluded = 0;
  for (int64_t r : exclude) {
    if (sp[r] == kOut) continue;
    sp[r] = kOut;
    ++excluded;
  }
  k = std::min(k, sims.size(0) - excluded);
  std::vector<WordNeighbour> out;
  if (k <= 0) return out;
  const auto top = sims.topk(k);
  const auto values = std::get<0>(top);
  const auto indices = std::get<1>(top);
  for (int64_t i = 0; i < k; ++i)
    out.push_back({vectors_.words[static_cast<size_t>(indices[i].item<int64_t>())], values[i].item<double>()});
  return out;
}

std::vector<WordNeighbour> WordIndex::similar(const std::string& word, int64_t k) const {
  const int64_t r = row(word);
  return nearest(unit_[r], k, {r});
}

std::vector<WordNeighbour> WordIndex::analogy(const std::string& a, const std::string& b, const std::string& c,
                                              int64_t k) const {
  const int64_t ra = row(a), rb = row(b), rc = row(c);
  return nearest(unit_[rb] - unit_[ra] + unit_[rc], k, {ra, rb, rc});
}

}  // namespace latent
