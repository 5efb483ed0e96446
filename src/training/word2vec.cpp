// Word2Vec training (word2vec.h): word2vec.c's algorithm on plain float arrays and std::threads.
#include "latent/training/word2vec.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <sstream>
#include <thread>

#include "latent/core/error.h"
#include "latent/core/interrupt.h"

namespace latent {

namespace {

constexpr int kExpTableSize = 1000;
constexpr int kMaxExp = 6;
constexpr size_t kMaxSentence = 1000;   // longer sentences are cut into pieces (word2vec.c)
constexpr int64_t kAlphaEvery = 10000;  // words between learning-rate updates (word2vec.c)

// word2vec.c's linear congruential generator.
inline uint64_t next_random(uint64_t& r) {
  r = r * 25214903917ULL + 11;
  return r;
}

// Dot product with eight running sums (vectorised without reassociating floats).
inline float dot(const float* __restrict a, const float* __restrict b, int64_t n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) acc[j] += a[i + j] * b[i + j];
  float s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

// y += g x
inline void axpy(float g, const float* __restrict x, float* __restrict y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += g * x[i];
}

struct Shared {
  Shared(const TokenCorpus& c, const Word2VecOptions& o, float* input, float* output)
      : corpus(c), options(o), syn0(input), syn1neg(output) {}

  const TokenCorpus& corpus;
  const Word2VecOptions& options;
  float* syn0;
  float* syn1neg;
  std::vector<int32_t> table;
  std::vector<float> keep;       // word2vec_keep_probability per word
  std::vector<float> exp_table;  // sigmoid at kExpTableSize points of [-kMaxExp, kMaxExp)
  float start_alpha = 0;
  int64_t words_total = 0;
  std::atomic<int64_t> words_done{0};
  std::atomic<bool> stop{false};
  std::atomic<int> finished{0};
  std::mutex mutex;
  std::condition_variable done;

  float alpha_now() const {
    const float a = start_alpha * (1 - static_cast<float>(words_done.load(std::memory_order_relaxed)) /
                                           static_cast<float>(words_total + 1));
    return std::max(a, start_alpha * 0.0001f);
  }
};

// (label - sigmoid(f)) alpha, with word2vec.c's table and clipping.
inline float gradient(float f, int label, float alpha, const float* exp_table) {
  if (f > kMaxExp) return static_cast<float>(label - 1) * alpha;
  if (f < -kMaxExp) return static_cast<float>(label) * alpha;
  return (static_cast<float>(label) - exp_table[static_cast<int>((f + kMaxExp) * (kExpTableSize / kMaxExp / 2))]) *
         alpha;
}

class Worker {
 public:
  Worker(Shared& s, int64_t first_token, int64_t end_token, uint64_t seed)
      : s_(s),
        begin_(first_token),
        end_(end_token),
        random_(seed),
        dim_(s.options.dim),
        neu1_(static_cast<size_t>(dim_)),
        neu1e_(static_cast<size_t>(dim_)) {}

  void run() {
    const auto& ends = s_.corpus.sentence_ends;
    // This worker's sentences: those that start in [begin_, end_).
    const size_t first =
        begin_ == 0 ? 0 : static_cast<size_t>(std::lower_bound(ends.begin(), ends.end(), begin_) - ends.begin()) + 1;
    alpha_ = s_.start_alpha;
    for (int64_t epoch = 0; epoch < s_.options.epochs && !s_.stop; ++epoch) {
      for (size_t k = first; k < ends.size() && !s_.stop; ++k) {
        const int64_t start = k == 0 ? 0 : ends[k - 1];
        if (start >= end_) break;
        train_sentence(start, ends[k]);
      }
      report();
    }
  }

 private:
  // Reads tokens [begin, end) in pieces of at most kMaxSentence kept words and trains on each.
  void train_sentence(int64_t begin, int64_t end) {
    const int32_t* tokens = s_.corpus.tokens.data();
    const bool subsample = s_.options.sample > 0;
    int64_t pos = begin;
    while (pos < end) {
      sentence_.clear();
      while (pos < end && sentence_.size() < kMaxSentence) {
        const int32_t w = tokens[pos++];
        ++word_count_;
        if (subsample && s_.keep[static_cast<size_t>(w)] < static_cast<float>(next_random(random_) & 0xFFFF) / 65536.0f)
          continue;
        sentence_.push_back(w);
      }
      if (word_count_ - reported_ > kAlphaEvery) report();
      if (s_.options.cbow)
        train_cbow();
      else
        train_skipgram();
    }
  }

  void report() {
    s_.words_done.fetch_add(word_count_ - reported_, std::memory_order_relaxed);
    reported_ = word_count_;
    alpha_ = s_.alpha_now();
  }

  // The negative-sampling updates for `input` (a word's vector or the context mean) predicting `word`;
  // accumulates the input's gradient in neu1e_.
  void negative_sampling(int32_t word, float* input) {
    const int64_t table_size = static_cast<int64_t>(s_.table.size());
    for (int64_t d = 0; d <= s_.options.negative; ++d) {
      int32_t target = word;
      int label = 1;
      if (d > 0) {
        target = s_.table[static_cast<size_t>((next_random(random_) >> 16) % static_cast<uint64_t>(table_size))];
        if (target == word) continue;
        label = 0;
      }
      float* out = s_.syn1neg + static_cast<int64_t>(target) * dim_;
      const float g = gradient(dot(input, out, dim_), label, alpha_, s_.exp_table.data());
      axpy(g, out, neu1e_.data(), dim_);
      axpy(g, input, out, dim_);
    }
  }

  void train_skipgram() {
    const int64_t window = s_.options.window, len = static_cast<int64_t>(sentence_.size());
    for (int64_t p = 0; p < len; ++p) {
      const int32_t word = sentence_[static_cast<size_t>(p)];
      const int64_t b = static_cast<int64_t>(next_random(random_) % static_cast<uint64_t>(window));
      for (int64_t a = b; a < window * 2 + 1 - b; ++a) {
        if (a == window) continue;
        const int64_t c = p - window + a;
        if (c < 0 || c >= len) continue;
        float* input = s_.syn0 + static_cast<int64_t>(sentence_[static_cast<size_t>(c)]) * dim_;
        std::fill(neu1e_.begin(), neu1e_.end(), 0.0f);
        negative_sampling(word, input);
        axpy(1.0f, neu1e_.data(), input, dim_);
      }
    }
  }

  void train_cbow() {
    const int64_t window = s_.options.window, len = static_cast<int64_t>(sentence_.size());
    for (int64_t p = 0; p < len; ++p) {
      const int32_t word = sentence_[static_cast<size_t>(p)];
      const int64_t b = static_cast<int64_t>(next_random(random_) % static_cast<uint64_t>(window));
      std::fill(neu1_.begin(), neu1_.end(), 0.0f);
      std::fill(neu1e_.begin(), neu1e_.end(), 0.0f);
      int64_t cw = 0;
      for (int64_t a = b; a < window * 2 + 1 - b; ++a) {
        const int64_t c = p - window + a;
        if (a == window || c < 0 || c >= len) continue;
        axpy(1.0f, s_.syn0 + static_cast<int64_t>(sentence_[static_cast<size_t>(c)]) * dim_, neu1_.data(), dim_);
        ++cw;
      }
      if (cw == 0) continue;
      for (float& v : neu1_) v /= static_cast<float>(cw);
      negative_sampling(word, neu1_.data());
      for (int64_t a = b; a < window * 2 + 1 - b; ++a) {
        const int64_t c = p - window + a;
        if (a == window || c < 0 || c >= len) continue;
        axpy(1.0f, neu1e_.data(), s_.syn0 + static_cast<int64_t>(sentence_[static_cast<size_t>(c)]) * dim_, dim_);
      }
    }
  }

  Shared& s_;
  int64_t begin_, end_;
  uint64_t random_;
  int64_t dim_;
  float alpha_ = 0;
  int64_t word_count_ = 0, reported_ = 0;
  std::vector<int32_t> sentence_;
  std::vector<float> neu1_, neu1e_;
};

// The worker's loops compiled twice: for AVX2, taken at run time when the CPU has it, and for the
// build's baseline (SSE2 on x86-64). Both give the same floats: no FMA, and the dot product's eight
// running sums are the same lane for lane at either width.
#if defined(__GNUC__) && defined(__x86_64__)
__attribute__((target("avx2"), flatten)) void run_avx2(Worker& w) { w.run(); }
bool have_avx2() { return __builtin_cpu_supports("avx2"); }
#else
void run_avx2(Worker& w) { w.run(); }
bool have_avx2() { return false; }
#endif
#if defined(__GNUC__)
__attribute__((flatten))
#endif
void run_baseline(Worker& w) {
  w.run();
}

void check_range(const char* name, double value, double lo, double hi) {
  if (!(value >= lo && value <= hi)) {
    std::ostringstream ss;
    ss << name << ": " << value << " is out of range [" << lo << ", " << hi << "]";
    throw UsageError(ss.str());
  }
}

}  // namespace

float word2vec_keep_probability(int64_t count, double sample, int64_t total) {
  const double st = sample * static_cast<double>(total);
  return static_cast<float>((std::sqrt(static_cast<double>(count) / st) + 1) * st / static_cast<double>(count));
}

std::vector<int32_t> unigram_table(const std::vector<int64_t>& counts, int64_t size) {
  check(!counts.empty() && size > 0, "unigram_table: no words");
  const int64_t v = static_cast<int64_t>(counts.size());
  double total = 0;
  for (int64_t c : counts) total += std::pow(static_cast<double>(c), 0.75);
  std::vector<int32_t> table(static_cast<size_t>(size));
  int64_t i = 0;
  double d1 = std::pow(static_cast<double>(counts[0]), 0.75) / total;
  for (int64_t a = 0; a < size; ++a) {
    table[static_cast<size_t>(a)] = static_cast<int32_t>(i);
    if (static_cast<double>(a) / static_cast<double>(size) > d1 && i + 1 < v) {
      ++i;
      d1 += std::pow(static_cast<double>(counts[static_cast<size_t>(i)]), 0.75) / total;
    }
  }
  return table;
}

Word2VecResult train_word2vec(const TokenCorpus& corpus, const Word2VecOptions& options,
                              const Word2VecProgressFn& progress) {
  check_range("dim", static_cast<double>(options.dim), 1, 10000);
  check_range("window", static_cast<double>(options.window), 1, 1000);
  check_range("negative", static_cast<double>(options.negative), 1, 1000);
  check_range("epochs", static_cast<double>(options.epochs), 1, 100000);
  check_range("threads", static_cast<double>(options.threads), 1, 1024);
  check_range("sample", options.sample, 0, 1);
  check_range("alpha", options.alpha, 0, 10);
  if (corpus.words.empty() || corpus.tokens.empty()) throw Error("word2vec: the corpus has no words");
  check(corpus.counts.size() == corpus.words.size() && !corpus.sentence_ends.empty() &&
            corpus.sentence_ends.back() == corpus.size(),
        "word2vec: inconsistent corpus");

  const int64_t vocab = corpus.vocabulary_size(), dim = options.dim, n = corpus.size();
  torch::Tensor syn0 = torch::empty({vocab, dim}, torch::kFloat32);
  std::vector<float> syn1neg(static_cast<size_t>(vocab * dim), 0.0f);
  Shared s(corpus, options, syn0.data_ptr<float>(), syn1neg.data());
  uint64_t r = options.seed;
  for (int64_t i = 0; i < vocab * dim; ++i)
    s.syn0[i] = (static_cast<float>(next_random(r) & 0xFFFF) / 65536.0f - 0.5f) / static_cast<float>(dim);
  s.table = unigram_table(corpus.counts, std::clamp<int64_t>(vocab * 1000, 1000000, 100000000));
  s.keep.resize(static_cast<size_t>(vocab));
  for (int64_t i = 0; i < vocab; ++i)
    s.keep[static_cast<size_t>(i)] =
        options.sample > 0 ? word2vec_keep_probability(corpus.counts[static_cast<size_t>(i)], options.sample, n) : 1.0f;
  s.exp_table.resize(kExpTableSize);
  for (int i = 0; i < kExpTableSize; ++i) {
    const double e = std::exp((i / static_cast<double>(kExpTableSize) * 2 - 1) * kMaxExp);
    s.exp_table[static_cast<size_t>(i)] = static_cast<float>(e / (e + 1));
  }
  s.start_alpha = static_cast<float>(options.alpha > 0 ? options.alpha : options.cbow ? 0.05 : 0.025);
  s.words_total = options.epochs * n;

  const auto start = std::chrono::steady_clock::now();
  auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  std::vector<std::thread> threads;
  const bool avx2 = have_avx2();
  for (int64_t t = 0; t < options.threads; ++t) {
    const uint64_t seed = static_cast<uint64_t>(t) + (options.seed - 1) * 0x9E3779B97F4A7C15ULL;
    threads.emplace_back([&s, t, n, seed, avx2, count = options.threads] {
      Worker worker(s, n * t / count, n * (t + 1) / count, seed);
      if (avx2)
        run_avx2(worker);
      else
        run_baseline(worker);
      std::lock_guard<std::mutex> lock(s.mutex);
      ++s.finished;
      s.done.notify_all();
    });
  }
  {
    std::unique_lock<std::mutex> lock(s.mutex);
    while (!s.done.wait_for(lock, std::chrono::milliseconds(100),
                            [&] { return s.finished == static_cast<int>(options.threads); })) {
      if (interrupt_signal() != 0) s.stop = true;
      if (progress) {
        lock.unlock();
        progress({s.words_done.load(), s.words_total, s.alpha_now(), seconds()});
        lock.lock();
      }
    }
  }
  for (auto& t : threads) t.join();
  if (s.stop)
    throw Interrupted(interrupt_signal(),
                      "interrupted (" + signal_name(interrupt_signal()) + "): word2vec stopped, nothing written");
  Word2VecResult result;
  result.seconds = seconds();
  result.words_trained = s.words_done.load();
  if (progress) progress({result.words_trained, s.words_total, s.alpha_now(), result.seconds});
  result.vectors = {corpus.words, syn0};
  return result;
}

}  // namespace latent
