// `latent word2vec`, `similar` and `analogy` in-process: a tiny planted corpus trains end to end in
// text and binary, the queries print the planted neighbours, and misuse exits 2 (or 1 for bad files)
// with one line and nothing written.
#include <gtest/gtest.h>

#include <sstream>

#include "cli_util.h"
#include "latent/data/word_vectors.h"
#include "test_util.h"
#include "word2vec_corpora.h"

namespace latent {
namespace {

using testing::run_cli;
using testing::TempDir;

void expect_fails(const std::vector<std::string>& args, int code, const std::string& fragment) {
  const auto r = run_cli(args);
  EXPECT_EQ(r.code, code) << r.err;
  EXPECT_NE(r.err.find(fragment), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "not one line: " << r.err;
}

std::vector<std::string> train_args(const TempDir& tmp, const std::string& out) {
  return {"word2vec",    (tmp / "corpus.txt").string(),
          "-o",          (tmp / out).string(),
          "--dim",       "16",
          "--window",    "2",
          "--min-count", "1",
          "--sample",    "0",
          "--epochs",    "10",
          "--threads",   "1",
          "--seed",      "3",
          "--quiet"};
}

TEST(Word2VecCli, TrainsAndQueries) {
  TempDir tmp;
  testing::write_bytes(tmp / "corpus.txt", testing::sentences_text(testing::synonym_sentences(3, 150, 4)));
  const auto r = run_cli(train_args(tmp, "vec.txt"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("trained 66 vectors of 16 (skip-gram, 10 epochs, 1 thread)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("words/s"), std::string::npos) << r.out;
  const WordVectors v = read_word_vectors(tmp / "vec.txt", WordVectorsFormat::kWord2VecText);
  EXPECT_EQ(v.size(), 66);
  EXPECT_EQ(v.dim(), 16);

  const auto near = run_cli({"similar", (tmp / "vec.txt").string(), "s1_a", "-k", "3"});
  ASSERT_EQ(near.code, 0) << near.err;
  std::istringstream rows(near.out);
  std::string header, first;
  std::getline(rows, header);
  std::getline(rows, first);
  EXPECT_EQ(first.substr(0, 5), "s1_b ") << "the synonym should be the first row:\n" << near.out;
  EXPECT_EQ(std::count(near.out.begin(), near.out.end(), '\n'), 4) << near.out;  // header + 3 rows

  auto binary = train_args(tmp, "vec.bin");
  binary.push_back("--binary");
  binary.push_back("--cbow");
  const auto b = run_cli(binary);
  ASSERT_EQ(b.code, 0) << b.err;
  EXPECT_NE(b.out.find("CBOW"), std::string::npos);
  EXPECT_NE(b.out.find("word2vec binary"), std::string::npos);
  EXPECT_EQ(read_word_vectors(tmp / "vec.bin", WordVectorsFormat::kWord2VecBinary).size(), 66);
  const auto analogy = run_cli({"analogy", (tmp / "vec.bin").string(), "s0_a", "s0_b", "s2_a", "-k", "2"});
  ASSERT_EQ(analogy.code, 0) << analogy.err;
  for (const char* input : {"s0_a ", "s0_b ", "s2_a "}) EXPECT_EQ(analogy.out.find(input), std::string::npos);
}

TEST(Word2VecCli, MisuseIsCaughtWithOneLine) {
  TempDir tmp;
  testing::write_bytes(tmp / "corpus.txt", "a b c\na b\n");
  testing::write_bytes(tmp / "vec.txt", "2 2\nalpha 1 0 \nbeta 0 1 \n");
  testing::write_bytes(tmp / "bad.txt", "2 2\nalpha 1 0 \nbeta 0 \n");
  const std::string corpus = (tmp / "corpus.txt").string(), vec = (tmp / "vec.txt").string();
  expect_fails({"word2vec"}, 2, "corpus is required");
  expect_fails({"word2vec", corpus}, 2, "--out is required");
  expect_fails({"word2vec", corpus, "-o", (tmp / "o.txt").string(), "--dim", "0"}, 2, "--dim");
  expect_fails({"word2vec", corpus, "-o", (tmp / "o.txt").string(), "--window", "0"}, 2, "--window");
  expect_fails({"word2vec", corpus, "-o", (tmp / "o.txt").string(), "--sample", "2"}, 2, "--sample");
  expect_fails({"word2vec", (tmp / "nothing.txt").string(), "-o", (tmp / "o.txt").string()}, 1,
               "nothing.txt: no such file or folder");
  expect_fails({"word2vec", corpus, "-o", (tmp / "o.txt").string(), "--quiet"}, 1, "no word occurs 5 times or more");
  expect_fails({"word2vec", corpus, "-o", (tmp / "no" / "o.txt").string(), "--min-count", "1"}, 1, "does not exist");
  EXPECT_FALSE(std::filesystem::exists(tmp / "o.txt"));
  expect_fails({"similar", vec}, 2, "word is required");
  expect_fails({"similar", vec, "alpah"}, 2, "'alpah' is not among the 2 words of " + vec + "; did you mean 'alpha'?");
  expect_fails({"similar", vec, "alpha", "-k", "0"}, 2, "-k");
  expect_fails({"analogy", vec, "alpha", "beta"}, 2, "words");
  expect_fails({"similar", (tmp / "bad.txt").string(), "alpha"}, 1, "bad.txt:3: 'beta' has 1 value, expected 2");
  expect_fails({"similar", (tmp / "none.txt").string(), "alpha"}, 1, "none.txt: no such file");
}

}  // namespace
}  // namespace latent
