// `latent data list` and `latent data fetch NAME...`: the catalogued data sets, where they are, and
// downloading them (data/fetch.h). Argument parsing and printing only.
#pragma once

#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace latent {

class DataCommand {
 public:
  // Adds `data` (with `list` and `fetch`) to the app. The object holds the option values CLI11
  // writes into, so it stays where it was made (add_data_command returns it by pointer).
  explicit DataCommand(CLI::App& app);
  bool parsed() const;
  // Runs the parsed subcommand; throws UsageError / Error as the rest of the CLI does.
  void run(std::ostream& out) const;

 private:
  CLI::App* data_ = nullptr;
  CLI::App* list_ = nullptr;
  CLI::App* fetch_ = nullptr;
  std::vector<std::string> names_;
  int size_ = 0;
  std::string mirror_;
  std::string data_dir_;
  bool quiet_ = false;
  bool plain_ = false;
};

std::unique_ptr<DataCommand> add_data_command(CLI::App& app);

}  // namespace latent
