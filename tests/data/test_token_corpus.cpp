// Word2Vec's corpus: words split as word2vec.c splits them, sentences at line ends, the vocabulary
// by count with min_count, lower-casing, folders of .txt files, and clear errors.
#include <gtest/gtest.h>

#include "latent/core/error.h"
#include "latent/data/token_corpus.h"
#include "test_util.h"

namespace latent {
namespace {

using testing::error_of;
using testing::TempDir;
using testing::write_bytes;

// The corpus's text back as words, one vector per sentence.
std::vector<std::vector<std::string>> sentences_of(const TokenCorpus& c) {
  std::vector<std::vector<std::string>> out;
  int64_t begin = 0;
  for (int64_t end : c.sentence_ends) {
    out.emplace_back();
    for (int64_t i = begin; i < end; ++i)
      out.back().push_back(c.words[static_cast<size_t>(c.tokens[static_cast<size_t>(i)])]);
    begin = end;
  }
  return out;
}

TEST(TokenCorpus, SplitsAsWord2VecAndCountsTheVocabulary) {
  TempDir tmp;
  write_bytes(tmp / "a.txt", "The cat\tsat\r\non  the ma\rt\n\n  the end");
  const TokenCorpus c = read_token_corpus({tmp / "a.txt"}, {1, false});
  EXPECT_EQ(c.words_read, 8);
  // By count, ties in order of first appearance.
  EXPECT_EQ(c.words, (std::vector<std::string>{"the", "The", "cat", "sat", "on", "mat", "end"}));
  EXPECT_EQ(c.counts, (std::vector<int64_t>{2, 1, 1, 1, 1, 1, 1}));
  EXPECT_EQ(c.sentence_ends, (std::vector<int64_t>{3, 6, 8}));  // the empty line is no sentence
  EXPECT_EQ(sentences_of(c),
            (std::vector<std::vector<std::string>>{{"The", "cat", "sat"}, {"on", "the", "mat"}, {"the", "end"}}));

  const TokenCorpus lower = read_token_corpus({tmp / "a.txt"}, {2, true});
  EXPECT_EQ(lower.words, (std::vector<std::string>{"the"}));
  EXPECT_EQ(lower.counts, (std::vector<int64_t>{3}));
  EXPECT_EQ(lower.words_read, 8);
  // Rare words leave the text; a sentence left empty is dropped.
  write_bytes(tmp / "b.txt", "x y\nthe x\nz z\n");
  const TokenCorpus rare = read_token_corpus({tmp / "b.txt"}, {2, false});
  EXPECT_EQ(rare.words, (std::vector<std::string>{"x", "z"}));
  EXPECT_EQ(sentences_of(rare), (std::vector<std::vector<std::string>>{{"x"}, {"x"}, {"z", "z"}}));

  const TokenCorpus made = make_token_corpus({{"A", "b"}, {"a"}}, {1, true});
  EXPECT_EQ(made.words, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(made.sentence_ends, (std::vector<int64_t>{2, 3}));
}

TEST(TokenCorpus, FoldersOfTextFilesInNameOrder) {
  TempDir tmp;
  std::filesystem::create_directories(tmp / "unsup");
  write_bytes(tmp / "unsup" / "2_1.txt", "second file");
  write_bytes(tmp / "unsup" / "1_9.txt", "first file");
  write_bytes(tmp / "unsup" / "notes.md", "not read");
  write_bytes(tmp / "extra.txt", "third");
  const auto files = corpus_files({(tmp / "unsup").string(), (tmp / "extra.txt").string()});
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files[0].filename(), "1_9.txt");
  EXPECT_EQ(files[2].filename(), "extra.txt");
  const TokenCorpus c = read_token_corpus(files, {1, false});
  EXPECT_EQ(sentences_of(c), (std::vector<std::vector<std::string>>{{"first", "file"}, {"second", "file"}, {"third"}}));
}

TEST(TokenCorpus, ClearErrors) {
  TempDir tmp;
  EXPECT_NE(
      error_of([&] { corpus_files({(tmp / "missing.txt").string()}); }).find("missing.txt: no such file or folder"),
      std::string::npos);
  std::filesystem::create_directories(tmp / "empty");
  EXPECT_NE(error_of([&] { corpus_files({(tmp / "empty").string()}); }).find("empty: the folder holds no .txt file"),
            std::string::npos);
  write_bytes(tmp / "few.txt", "a b c\n");
  const std::string e = error_of([&] { read_token_corpus({tmp / "few.txt"}, {5, false}); });
  EXPECT_NE(e.find("few.txt: no word occurs 5 times or more (3 words read)"), std::string::npos) << e;
  write_bytes(tmp / "blank.txt", " \n\n");
  EXPECT_NE(error_of([&] {
              read_token_corpus({tmp / "blank.txt"}, {1, false});
            }).find("(0 words read)"),
            std::string::npos);
  EXPECT_THROW(make_token_corpus({{"a"}}, {0, false}), UsageError);
}

}  // namespace
}  // namespace latent
