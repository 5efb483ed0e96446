// Word2Vec training: word2vec.c's subsampling and negative-sampling table by hand; planted
// synonyms end up nearest each other (skip-gram and CBOW, one and two threads); a planted
// role x gender grid solves analogies; one thread with a seed gives the same vectors every time.
#include <gtest/gtest.h>

#include <cmath>

#include "latent/core/error.h"
#include "latent/data/token_corpus.h"
#include "latent/data/word_vectors.h"
#include "latent/training/word2vec.h"
#include "word2vec_corpora.h"

namespace latent {
namespace {

Word2VecOptions tiny_options(bool cbow) {
  Word2VecOptions o;
  o.cbow = cbow;
  o.dim = 16;
  o.window = 2;
  o.negative = 5;
  o.sample = 0;  // every word of a tiny corpus is "frequent"
  o.epochs = 10;
  o.threads = 1;
  o.seed = 7;
  return o;
}

TEST(Word2Vec, SubsamplingAndNegativeTableAsWord2VecC) {
  // (sqrt(count / (sample total)) + 1) (sample total) / count: sample total = 1000.
  EXPECT_NEAR(word2vec_keep_probability(10000, 1e-3, 1000000), (std::sqrt(10.0) + 1) / 10, 1e-6);
  EXPECT_NEAR(word2vec_keep_probability(1000, 1e-3, 1000000), 2.0, 1e-6);
  EXPECT_GT(word2vec_keep_probability(10, 1e-3, 1000000), 1.0f);  // rare words always kept
  // Counts 100, 10, 1: shares 100^0.75 : 10^0.75 : 1 = 31.62 : 5.62 : 1 of the table.
  const auto table = unigram_table({100, 10, 1}, 100000);
  std::vector<double> share(3, 0);
  for (int32_t w : table) share[static_cast<size_t>(w)] += 1.0 / 100000;
  const double total = std::pow(100.0, 0.75) + std::pow(10.0, 0.75) + 1;
  EXPECT_NEAR(share[0], std::pow(100.0, 0.75) / total, 1e-4);
  EXPECT_NEAR(share[1], std::pow(10.0, 0.75) / total, 1e-4);
  EXPECT_NEAR(share[2], 1 / total, 1e-4);
  EXPECT_TRUE(std::is_sorted(table.begin(), table.end()));
}

void expect_synonyms_nearest(const Word2VecOptions& options, int topics) {
  const auto corpus = make_token_corpus(testing::synonym_sentences(topics, 150, 11), {1, false});
  const auto result = train_word2vec(corpus, options);
  ASSERT_EQ(result.vectors.size(), topics * 22);
  EXPECT_EQ(result.words_trained, options.epochs * corpus.size());
  const WordIndex index(result.vectors);
  for (int k = 0; k < topics; ++k) {
    const std::string a = "s" + std::to_string(k) + "_a", b = "s" + std::to_string(k) + "_b";
    const auto near_a = index.similar(a, 2), near_b = index.similar(b, 2);
    EXPECT_EQ(near_a[0].word, b) << (options.cbow ? "CBOW " : "skip-gram ") << a << " -> " << near_a[0].word;
    EXPECT_EQ(near_b[0].word, a) << (options.cbow ? "CBOW " : "skip-gram ") << b << " -> " << near_b[0].word;
    EXPECT_GT(near_a[0].similarity - near_a[1].similarity, 0.1) << "the synonym should stand out";
  }
}

TEST(Word2Vec, PlantedSynonymsAreNearestSkipGram) { expect_synonyms_nearest(tiny_options(false), 4); }

TEST(Word2Vec, PlantedSynonymsAreNearestCbow) { expect_synonyms_nearest(tiny_options(true), 4); }

TEST(Word2Vec, PlantedSynonymsAreNearestWithTwoHogwildThreads) {
  auto o = tiny_options(false);
  o.threads = 2;
  expect_synonyms_nearest(o, 4);
}

TEST(Word2Vec, PlantedAnalogiesSolve) {
  const int roles = 4;
  const auto corpus = make_token_corpus(testing::analogy_sentences(roles, 150, 5), {1, false});
  auto o = tiny_options(false);
  o.epochs = 20;
  const WordIndex index(train_word2vec(corpus, o).vectors);
  auto w = [](int r, int g) { return "w" + std::to_string(r) + "_" + std::to_string(g); };
  for (int r1 = 0; r1 < roles; ++r1)
    for (int r2 = 0; r2 < roles; ++r2) {
      if (r1 == r2) continue;
      // wR1_0 : wR1_1 = wR2_0 : wR2_1, and the other way round.
      EXPECT_EQ(index.analogy(w(r1, 0), w(r1, 1), w(r2, 0), 1)[0].word, w(r2, 1));
      EXPECT_EQ(index.analogy(w(r1, 1), w(r1, 0), w(r2, 1), 1)[0].word, w(r2, 0));
    }
}

TEST(Word2Vec, OneThreadWithASeedIsDeterministic) {
  const auto corpus = make_token_corpus(testing::synonym_sentences(3, 60, 2), {1, false});
  for (bool cbow : {false, true}) {
    auto o = tiny_options(cbow);
    o.sample = 1e-2;  // subsampling draws from the same generator
    o.epochs = 3;
    const auto first = train_word2vec(corpus, o).vectors.vectors;
    const auto again = train_word2vec(corpus, o).vectors.vectors;
    EXPECT_TRUE(torch::equal(first, again)) << (cbow ? "CBOW" : "skip-gram");
    o.seed = 8;
    const auto other = train_word2vec(corpus, o).vectors.vectors;
    EXPECT_FALSE(torch::equal(first, other)) << (cbow ? "CBOW" : "skip-gram");
    // Training moved the vectors away from word2vec.c's initial uniform(-0.5, 0.5) / dim draws.
    EXPECT_GT(first.abs().max().item<float>(), 0.5f / 16);
  }
}

TEST(Word2Vec, OptionsOutOfRangeAreUsageErrors) {
  const auto corpus = make_token_corpus({{"a", "b"}}, {1, false});
  auto o = tiny_options(false);
  o.dim = 0;
  try {
    train_word2vec(corpus, o);
    FAIL() << "dim 0 accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("dim: 0 is out of range"), std::string::npos) << e.what();
  }
  o = tiny_options(false);
  o.sample = -1;
  EXPECT_THROW(train_word2vec(corpus, o), UsageError);
  o = tiny_options(false);
  o.threads = 0;
  EXPECT_THROW(train_word2vec(corpus, o), UsageError);
}

}  // namespace
}  // namespace latent
