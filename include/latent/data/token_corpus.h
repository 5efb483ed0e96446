// A corpus of word ids for Word2Vec: text split as word2vec.c splits it (spaces, tabs and newlines
// separate words, carriage returns are dropped, a newline or the end of a file ends a sentence,
// optionally lower-cased), a vocabulary of the words seen at least min_count times, most frequent
// first, and the text as ids of those words.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace latent {

struct TokenCorpusOptions {
  int64_t min_count = 5;   // words seen fewer times are left out of the vocabulary and the text
  bool lowercase = false;  // ASCII letters only (bytes of UTF-8 sequences are kept as they are)
};

struct TokenCorpus {
  std::vector<std::string> words;      // the vocabulary, by count (descending), ties by first appearance
  std::vector<int64_t> counts;         // occurrences of words[i] in the text
  std::vector<int32_t> tokens;         // the text as word ids, rare words left out
  std::vector<int64_t> sentence_ends;  // tokens [sentence_ends[i-1], sentence_ends[i]) are sentence i
  int64_t words_read = 0;              // every word of the input, rare ones included

  int64_t vocabulary_size() const { return static_cast<int64_t>(words.size()); }
  int64_t size() const { return static_cast<int64_t>(tokens.size()); }
};

// The text files of the inputs: a file as given, a folder's *.txt files (not its subfolders) in
// name order. Error naming the input when one does not exist or a folder holds no .txt file.
std::vector<std::filesystem::path> corpus_files(const std::vector<std::string>& inputs);

// Reads the files twice (counting, then ids), so memory holds the vocabulary and the ids only. Error
// naming the files when no word reaches min_count.
TokenCorpus read_token_corpus(const std::vector<std::filesystem::path>& files, const TokenCorpusOptions& options);

// The same from sentences already split into words (tests, callers with their own tokeniser).
TokenCorpus make_token_corpus(const std::vector<std::vector<std::string>>& sentences,
                              const TokenCorpusOptions& options);

}  // namespace latent
