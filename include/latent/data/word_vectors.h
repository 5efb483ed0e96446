// Word vectors: a vocabulary and its (V, D) float32 matrix, read and written in word2vec's text
// and binary formats and GloVe's text format (as word2vec.c and glove.c write them), and the
// queries of word2vec's distance and word-analogy tools (nearest words by cosine).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

namespace latent {

struct WordVectors {
  std::vector<std::string> words;
  torch::Tensor vectors;  // (V, D) float32, row i is words[i]

  int64_t size() const { return static_cast<int64_t>(words.size()); }
  int64_t dim() const { return vectors.defined() ? vectors.size(1) : 0; }
};

enum class WordVectorsFormat {
  kAuto,            // reading only: decided from the file's first lines
  kWord2VecText,    // "V D\n", then "word v1 ... vD \n" per word (printf "%lf ", as word2vec.c)
  kWord2VecBinary,  // "V D\n", then "word " + D little-endian float32 + "\n" per word
  kGloveText,       // no header; "word v1 ... vD\n" per word (printf " %lf", as glove.c)
};

// "word2vec text", "word2vec binary", "GloVe text".
std::string format_name(WordVectorsFormat format);

// Reads a vectors file; kAuto detects the format: a first line of two integers is word2vec's header
// (binary when the first record is not a line of D numbers), anything else GloVe's text. Errors
// (Error) name the file and the line (text) or record (binary): a wrong number of values, a value
// that is not a finite number, a truncated binary record, a header whose counts the file does not
// hold, an empty file.
WordVectors read_word_vectors(const std::filesystem::path& path, WordVectorsFormat format = WordVectorsFormat::kAuto);

// Writes through a temporary file and a rename (nothing half-written). Text formats print each value
// with six decimals, so a file written here reads back and writes again byte for byte (values of
// magnitude under 16).
void write_word_vectors(const std::filesystem::path& path, const WordVectors& vectors, WordVectorsFormat format);

struct WordNeighbour {
  std::string word;
  double similarity;  // cosine
};

// Cosine queries over unit-length copies of the rows, as word2vec's distance and word-analogy tools.
class WordIndex {
 public:
  explicit WordIndex(WordVectors vectors, std::string source = "vectors");
  const WordVectors& vectors() const { return vectors_; }

  // The row of `word`; UsageError naming the source (with a did-you-mean) when it has none.
  int64_t row(const std::string& word) const;
  bool contains(const std::string& word) const { return rows_.count(word) > 0; }

  // The k words nearest to `word` by cosine, the word itself excluded.
  std::vector<WordNeighbour> similar(const std::string& word, int64_t k) const;
  // The k words nearest to b - a + c (unit vectors, the sum normalised), a, b and c excluded:
  // "man is to king as woman is to ?" is analogy("man", "king", "woman").
  std::vector<WordNeighbour> analogy(const std::string& a, const std::string& b, const std::string& c, int64_t k) const;
  // The k rows nearest to `query` (D values), the rows in `exclude` left out.
  std::vector<WordNeighbour> nearest(const torch::Tensor& query, int64_t k, const std::vector<int64_t>& exclude) const;

 private:
  WordVectors vectors_;
  std::string source_;
  torch::Tensor unit_;  // (V, D) rows of length 1 (zero rows stay zero)
  std::unordered_map<std::string, int64_t> rows_;
};

}  // namespace latent
