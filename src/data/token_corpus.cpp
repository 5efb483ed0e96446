// Word2Vec's corpus: word2vec.c's word splitting, the min_count vocabulary and the text as ids.
#include "latent/data/token_corpus.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <numeric>
#include <unordered_map>

#include "latent/core/error.h"

namespace latent {

namespace {

namespace fs = std::filesystem;

using WordFn = std::function<void(const std::string&)>;
using EndFn = std::function<void()>;

// Calls on_word for each word of the file and on_end at each newline and at the end of the file.
void split_file(const fs::path& path, bool lowercase, const WordFn& on_word, const EndFn& on_end) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string() + ": cannot open (" + std::strerror(errno) + ")");
  std::vector<char> buffer(1 << 20);
  std::string word;
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const std::streamsize got = in.gcount();
    for (std::streamsize i = 0; i < got; ++i) {
      char c = buffer[static_cast<size_t>(i)];
      if (c == '\r') continue;
      if (c == ' ' || c == '\t' || c == '\n') {
        if (!word.empty()) on_word(word), word.clear();
        if (c == '\n') on_end();
        continue;
      }
      if (lowercase && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      word.push_back(c);
    }
  }
  if (in.bad()) throw Error(path.string() + ": read failed (" + std::strerror(errno) + ")");
  if (!word.empty()) on_word(word);
  on_end();
}

// Counts words in a first pass, then turns the text into ids of the words kept.
class CorpusBuilder {
 public:
  explicit CorpusBuilder(int64_t min_count) : min_count_(min_count) {}

  void count(const std::string& word) {
    auto it = seen_.try_emplace(word, static_cast<int64_t>(seen_.size())).first;
    if (static_cast<size_t>(it->second) == counts_.size()) {
      order_.push_back(&it->first);
      counts_.push_back(0);
    }
    ++counts_[static_cast<size_t>(it->second)];
    ++corpus_.words_read;
  }

  // Builds the vocabulary; false when no word reaches min_count.
  bool make_vocabulary() {
    std::vector<int64_t> by_count(counts_.size());
    std::iota(by_count.begin(), by_count.end(), 0);
    std::stable_sort(by_count.begin(), by_count.end(), [&](int64_t a, int64_t b) {
      return counts_[static_cast<size_t>(a)] > counts_[static_cast<size_t>(b)];
    });
    id_of_seen_.assign(counts_.size(), -1);
    for (int64_t s : by_count) {
      const int64_t n = counts_[static_cast<size_t>(s)];
      if (n < min_count_) break;
      id_of_seen_[static_cast<size_t>(s)] = static_cast<int32_t>(corpus_.words.size());
      corpus_.words.push_back(*order_[static_cast<size_t>(s)]);
      corpus_.counts.push_back(n);
    }
    corpus_.tokens.reserve(
        static_cast<size_t>(std::accumulate(corpus_.counts.begin(), corpus_.counts.end(), int64_t{0})));
    return !corpus_.words.empty();
  }

  void encode(const std::string& word) {
    const auto it = seen_.find(word);
    const int32_t id = it == seen_.end() ? -1 : id_of_seen_[static_cast<size_t>(it->second)];
    if (id >= 0) corpus_.tokens.push_back(id);
  }

  void end_sentence() {
    const int64_t end = static_cast<int64_t>(corpus_.tokens.size());
    const int64_t begin = corpus_.sentence_ends.empty() ? 0 : corpus_.sentence_ends.back();
    if (end > begin) corpus_.sentence_ends.push_back(end);
  }

  TokenCorpus finish() {
    seen_.clear();
    return std::move(corpus_);
  }

 private:
  int64_t min_count_;
  std::unordered_map<std::string, int64_t> seen_;  // word -> index in order of first appearance
  std::vector<const std::string*> order_;
  std::vector<int64_t> counts_;
  std::vector<int32_t> id_of_seen_;
  TokenCorpus corpus_;
};

void check_options(const TokenCorpusOptions& options) {
  if (options.min_count < 1) throw UsageError("min_count: " + std::to_string(options.min_count) + " is below 1");
}

std::string no_words_message(const std::string& where, const TokenCorpusOptions& options, int64_t words_read) {
  return where + ": no word occurs " + std::to_string(options.min_count) + " times or more (" +
         std::to_string(words_read) + " words read); lower the minimum count";
}

}  // namespace

std::vector<fs::path> corpus_files(const std::vector<std::string>& inputs) {
  if (inputs.empty()) throw UsageError("no corpus given");
  std::vector<fs::path> files;
  for (const auto& input : inputs) {
    const fs::path p(input);
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> found;
      for (const auto& e : fs::directory_iterator(p, ec))
        if (e.is_regular_file() && e.path().extension() == ".txt") found.push_back(e.path());
      if (ec) throw Error(input + ": cannot list (" + ec.message() + ")");
      if (found.empty()) throw Error(input + ": the folder holds no .txt file");
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(p, ec)) {
      files.push_back(p);
    } else {
      throw Error(input + ": no such file or folder");
    }
  }
  return files;
}

TokenCorpus read_token_corpus(const std::vector<fs::path>& files, const TokenCorpusOptions& options) {
  check_options(options);
  if (files.empty()) throw UsageError("no corpus given");
  CorpusBuilder builder(options.min_count);
  for (const auto& f : files)
    split_file(
        f, options.lowercase, [&](const std::string& w) { builder.count(w); }, [] {});
  const std::string where =
      files.size() == 1 ? files[0].string() : files[0].string() + " and " + std::to_string(files.size() - 1) + " more";
  if (!builder.make_vocabulary()) throw Error(no_words_message(where, options, builder.finish().words_read));
  for (const auto& f : files)
    split_file(
        f, options.lowercase, [&](const std::string& w) { builder.encode(w); }, [&] { builder.end_sentence(); });
  return builder.finish();
}

TokenCorpus make_token_corpus(const std::vector<std::vector<std::string>>& sentences,
                              const TokenCorpusOptions& options) {
  check_options(options);
  CorpusBuilder builder(options.min_count);
  auto cased = [&](std::string w) {
    if (options.lowercase)
      for (char& c : w)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return w;
  };
  for (const auto& s : sentences)
    for (const auto& w : s) builder.count(cased(w));
  if (!builder.make_vocabulary()) throw Error(no_words_message("the sentences", options, builder.finish().words_read));
  for (const auto& s : sentences) {
    for (const auto& w : s) builder.encode(cased(w));
    builder.end_sentence();
  }
  return builder.finish();
}

}  // namespace latent
