// `latent word2vec`, `latent similar` and `latent analogy` (word2vec_command.h): options, the
// training progress bar (words/s) and the neighbour tables.
#include "word2vec_command.h"

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <thread>

#include "latent/core/error.h"
#include "latent/core/interrupt.h"
#include "latent/data/token_corpus.h"
#include "latent/data/word_vectors.h"

namespace latent {

namespace {

std::string rate_text(double per_s) {
  char buf[32];
  if (per_s >= 1e6)
    std::snprintf(buf, sizeof(buf), "%.2fM", per_s / 1e6);
  else
    std::snprintf(buf, sizeof(buf), "%.1fk", per_s / 1e3);
  return buf;
}

// Training progress on stderr: a bar redrawn in place on a terminal, a line every 10% otherwise.
class TrainingProgress {
 public:
  TrainingProgress(bool quiet, bool plain, int64_t threads) : threads_(threads) {
    style_ = quiet ? kQuiet : (plain || !isatty(fileno(stderr))) ? kLines : kBar;
  }
  void operator()(const Word2VecProgress& p) {
    if (style_ == kQuiet || p.words_total <= 0) return;
    const double fraction = std::min(1.0, static_cast<double>(p.words_done) / static_cast<double>(p.words_total));
    const double rate = p.seconds > 0 ? static_cast<double>(p.words_done) / p.seconds : 0.0;
    const double eta = rate > 0 ? static_cast<double>(p.words_total - p.words_done) / rate : 0.0;
    char line[200];
    std::snprintf(line, sizeof(line), "%5.1f%%  alpha %.6f  %s words/s (%s per thread)  %.0f s, ETA %.0f s",
                  100 * fraction, p.alpha, rate_text(rate).c_str(),
                  rate_text(rate / static_cast<double>(threads_)).c_str(), p.seconds, eta);
    if (style_ == kBar) {
      constexpr int kWidth = 24;
      const int filled = static_cast<int>(kWidth * fraction);
      std::fprintf(stderr, "\r\033[Kword2vec [%s%s] %s", std::string(static_cast<size_t>(filled), '#').c_str(),
                   std::string(static_cast<size_t>(kWidth - filled), '-').c_str(), line);
      drawn_ = true;
    } else if (fraction >= next_line_ || fraction >= 1.0) {
      std::fprintf(stderr, "word2vec %s\n", line);
      next_line_ = std::floor(fraction * 10 + 1) / 10;
      if (fraction >= 1.0) next_line_ = 2.0;
    }
    std::fflush(stderr);
  }
  void message(const std::string& text) {
    if (style_ == kQuiet) return;
    clear();
    std::fprintf(stderr, "%s\n", text.c_str());
  }
  void clear() {
    if (drawn_) std::fprintf(stderr, "\r\033[K");
    drawn_ = false;
  }

 private:
  enum Style { kQuiet, kLines, kBar };
  Style style_ = kLines;
  int64_t threads_;
  double next_line_ = 0.1;
  bool drawn_ = false;
};

void print_neighbours(std::ostream& out, const std::vector<WordNeighbour>& neighbours) {
  size_t width = 4;
  for (const auto& n : neighbours) width = std::max(width, n.word.size());
  out << std::left << std::setw(static_cast<int>(width) + 2) << "word"
      << "cosine\n";
  for (const auto& n : neighbours)
    out << std::left << std::setw(static_cast<int>(width) + 2) << n.word << std::fixed << std::setprecision(4)
        << n.similarity << "\n";
}

}  // namespace

Word2VecCommands::Word2VecCommands(CLI::App& app) {
  word2vec_ = app.add_subcommand(
      "word2vec", "Train word vectors (skip-gram or CBOW, negative sampling) on text files; see docs/word2vec.md");
  word2vec_->add_option("corpus", corpus_, "text files, or folders of .txt files (one sentence per line)")->required();
  word2vec_->add_option("-o,--out", output_, "vectors file to write (word2vec text format; --binary for binary)")
      ->required();
  word2vec_->add_flag("--cbow", options_.cbow, "continuous bag of words instead of skip-gram");
  word2vec_->add_option("--dim", options_.dim, "vector size")->capture_default_str()->check(CLI::Range(1, 10000));
  word2vec_->add_option("--window", options_.window, "largest distance to a context word")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  word2vec_->add_option("--negative", options_.negative, "negative samples per word")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  word2vec_->add_option("--min-count", min_count_, "leave out words seen fewer times")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  word2vec_->add_option("--sample", options_.sample, "subsampling threshold of frequent words (0: off)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  word2vec_->add_option("--epochs", options_.epochs, "passes over the corpus")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  word2vec_->add_option("--alpha", options_.alpha, "starting learning rate (default 0.025 skip-gram, 0.05 CBOW)")
      ->check(CLI::Range(1e-9, 10.0));
  options_.threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  word2vec_->add_option("--threads", options_.threads, "training threads (Hogwild: results vary run to run above 1)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  word2vec_->add_option("--seed", options_.seed, "random seed (with --threads 1 the same vectors every time)")
      ->capture_default_str();
  word2vec_->add_flag("--lowercase", lowercase_, "lower-case ASCII letters before counting words");
  word2vec_->add_flag("--binary", binary_, "write word2vec's binary format instead of text");
  word2vec_->add_flag("--quiet", quiet_, "no progress output");
  word2vec_->add_flag("--plain", plain_, "progress as plain lines even on a terminal");

  similar_ = app.add_subcommand("similar", "The words nearest to a word by cosine in a vectors file");
  similar_->add_option("vectors", vectors_, "word2vec text or binary, or GloVe text file")->required();
  similar_->add_option("word", words_, "the word")->required()->expected(1);
  similar_->add_option("-k", k_, "how many neighbours")->capture_default_str()->check(CLI::Range(1, 100000));

  analogy_ = app.add_subcommand("analogy", "a is to b as c is to ?: the words nearest to b - a + c");
  analogy_->add_option("vectors", vectors_, "word2vec text or binary, or GloVe text file")->required();
  analogy_->add_option("words", words_, "a b c")->required()->expected(3);
  analogy_->add_option("-k", k_, "how many answers")->capture_default_str()->check(CLI::Range(1, 100000));
}

bool Word2VecCommands::parsed() const { return word2vec_->parsed() || similar_->parsed() || analogy_->parsed(); }

void Word2VecCommands::run(std::ostream& out) const {
  if (word2vec_->parsed())
    train(out);
  else
    query(out);
}

void Word2VecCommands::train(std::ostream& out) const {
  const std::filesystem::path target(output_);
  const auto folder = target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
  if (!std::filesystem::is_directory(folder))
    throw Error(output_ + ": the folder " + folder.string() + " does not exist");
  const auto files = corpus_files(corpus_);
  TrainingProgress progress(quiet_, plain_, options_.threads);
  const auto read_start = std::chrono::steady_clock::now();
  const TokenCorpus corpus = read_token_corpus(files, {min_count_, lowercase_});
  const double read_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - read_start).count();
  std::ostringstream summary;
  summary << "corpus: " << corpus.words_read << " words in " << files.size() << " file"
          << (files.size() == 1 ? "" : "s") << ", " << corpus.vocabulary_size() << " distinct seen at least "
          << min_count_ << " times (" << corpus.size() << " words kept), " << corpus.sentence_ends.size()
          << " sentences; read in " << std::fixed << std::setprecision(1) << read_seconds << " s";
  progress.message(summary.str());
  InterruptGuard guard;
  const Word2VecResult result = train_word2vec(corpus, options_, [&](const Word2VecProgress& p) { progress(p); });
  progress.clear();
  const auto format = binary_ ? WordVectorsFormat::kWord2VecBinary : WordVectorsFormat::kWord2VecText;
  write_word_vectors(target, result.vectors, format);
  out << "trained " << result.vectors.size() << " vectors of " << options_.dim << " ("
      << (options_.cbow ? "CBOW" : "skip-gram") << ", " << options_.epochs << " epochs, " << options_.threads
      << " thread" << (options_.threads == 1 ? "" : "s") << ") in " << std::fixed << std::setprecision(2)
      << result.seconds << " s: " << std::setprecision(0) << result.words_per_second() << " words/s, "
      << result.words_per_second() / static_cast<double>(options_.threads) << " per thread -> " << output_ << " ("
      << format_name(format) << ")\n";
}

void Word2VecCommands::query(std::ostream& out) const {
  WordIndex index(read_word_vectors(vectors_), vectors_);
  if (similar_->parsed()) {
    print_neighbours(out, index.similar(words_[0], k_));
  } else {
    print_neighbours(out, index.analogy(words_[0], words_[1], words_[2], k_));
  }
}

std::unique_ptr<Word2VecCommands> add_word2vec_commands(CLI::App& app) {
  return std::make_unique<Word2VecCommands>(app);
}

}  // namespace latent
