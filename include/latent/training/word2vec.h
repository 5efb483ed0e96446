// Word2Vec as word2vec.c trains it: skip-gram or CBOW with negative sampling, frequent-word
// subsampling, word2vec.c's randomly shrunk window, a unigram^0.75 table of negative samples and a
// learning rate falling linearly to 1e-4 of its start. Threads update the shared float arrays
// without locks (Hogwild, as word2vec.c), each on its own slice of the corpus. Plain C++ loops on
// float arrays; tensors only for the result. One thread and a seed give the same vectors every time.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "latent/data/token_corpus.h"
#include "latent/data/word_vectors.h"

namespace latent {

struct Word2VecOptions {
  bool cbow = false;     // CBOW (the mean of the context predicts the word) instead of skip-gram
  int64_t dim = 100;     // vector size
  int64_t window = 5;    // the largest distance to a context word (each position draws 1..window)
  int64_t negative = 5;  // negative samples per positive one
  double sample = 1e-3;  // subsampling threshold of frequent words (0: none)
  int64_t epochs = 5;    // passes over the corpus (word2vec.c's -iter)
  double alpha = 0;      // starting learning rate; 0: 0.025 for skip-gram, 0.05 for CBOW (word2vec.c)
  int64_t threads = 1;
  uint64_t seed = 1;  // 1 gives word2vec.c's random streams (initial vectors, per-thread draws)
};

struct Word2VecProgress {
  int64_t words_done = 0;   // corpus words read so far (subsampled ones included), over all epochs
  int64_t words_total = 0;  // epochs x corpus words
  double alpha = 0;         // the current learning rate
  double seconds = 0;       // since training started
};

struct Word2VecResult {
  WordVectors vectors;  // the input vectors (word2vec.c's syn0), one row per vocabulary word
  int64_t words_trained = 0;
  double seconds = 0;  // training only (not reading the corpus)
  double words_per_second() const { return seconds > 0 ? static_cast<double>(words_trained) / seconds : 0.0; }
};

// Called about every 0.1 s from the calling thread while the worker threads train.
using Word2VecProgressFn = std::function<void(const Word2VecProgress&)>;

// Checks the options (UsageError naming the option), trains and returns the vectors. An interrupt
// (core/interrupt.h, under an InterruptGuard) stops the threads and throws Interrupted.
Word2VecResult train_word2vec(const TokenCorpus& corpus, const Word2VecOptions& options,
                              const Word2VecProgressFn& progress = {});

// word2vec.c's probability of keeping one occurrence of a word seen `count` times in `total` words
// (may exceed 1: always kept): (sqrt(count / (sample total)) + 1) (sample total) / count.
float word2vec_keep_probability(int64_t count, double sample, int64_t total);

// word2vec.c's table of negative samples: word i fills a share count_i^0.75 / sum of `size` slots.
std::vector<int32_t> unigram_table(const std::vector<int64_t>& counts, int64_t size);

}  // namespace latent
