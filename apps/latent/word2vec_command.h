// `latent word2vec CORPUS... -o VECTORS`, `latent similar VECTORS WORD` and `latent analogy VECTORS
// a b c`: training word vectors (training/word2vec.h) and querying vector files (data/word_vectors.h).
// Argument parsing and printing only.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "latent/training/word2vec.h"

namespace CLI {
class App;
}

namespace latent {

class Word2VecCommands {
 public:
  // Adds the three subcommands to the app. The object holds the option values CLI11 writes into,
  // so it stays where it was made (add_word2vec_commands returns it by pointer).
  explicit Word2VecCommands(CLI::App& app);
  bool parsed() const;
  // Runs the parsed subcommand; throws UsageError / Error as the rest of the CLI does.
  void run(std::ostream& out) const;

 private:
  void train(std::ostream& out) const;
  void query(std::ostream& out) const;

  CLI::App* word2vec_ = nullptr;
  CLI::App* similar_ = nullptr;
  CLI::App* analogy_ = nullptr;
  std::vector<std::string> corpus_;
  std::string output_;
  Word2VecOptions options_;
  int64_t min_count_ = 5;
  bool lowercase_ = false;
  bool binary_ = false;
  bool quiet_ = false;
  bool plain_ = false;
  std::string vectors_;
  std::vector<std::string> words_;
  int64_t k_ = 10;
};

std::unique_ptr<Word2VecCommands> add_word2vec_commands(CLI::App& app);

}  // namespace latent
