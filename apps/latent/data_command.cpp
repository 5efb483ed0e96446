// `latent data list` and `latent data fetch` (data_command.h): the catalogue as a table, and
// fetching data sets by name with the options of data/fetch.h.
#include "data_command.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "latent/core/error.h"
#include "latent/core/text.h"
#include "latent/data/catalog.h"
#include "latent/data/dataset.h"
#include "latent/data/fetch.h"

namespace latent {

namespace {

std::string checksum_kind(const DatasetEntry& e) {
  if (!e.manual.empty()) return "none published; needs a Kaggle login";
  const RemoteFile& f = e.variants.front().files.front();
  if (!f.md5.empty() && !f.sha256.empty()) return "MD5 + SHA-256";
  if (!f.md5.empty()) return "MD5";
  if (!f.sha256.empty()) return "SHA-256 (TensorFlow Datasets' record; none from the publisher)";
  return "none published";
}

void print_list(std::ostream& out, const std::string& data_dir) {
  out << std::left << std::setw(17) << "name" << std::setw(16) << "sizes" << std::setw(22) << "present" << std::setw(10)
      << "on disk"
      << "where / checksum\n";
  bool differs = false;
  for (const auto& e : dataset_catalog()) {
    std::string sizes = "-", present, where;
    uintmax_t bytes = 0;
    bool mismatch = false;
    if (e.sized()) {
      sizes.clear();
      for (const auto& v : e.variants) sizes += (sizes.empty() ? "" : ",") + std::to_string(v.size);
    }
    for (const auto& v : e.variants) {
      const DatasetPresence p = locate_dataset(e, v, data_dir);
      if (!p.present()) continue;
      present += (present.empty() ? "" : ",") + (e.sized() ? std::to_string(v.size) : std::string("yes"));
      bytes += p.bytes;
      if (where.empty()) where = p.folder.string();
      mismatch = mismatch || !p.sizes_match;
    }
    if (present.empty()) present = "no";
    if (mismatch) {
      present += "*";
      differs = true;
    }
    out << std::left << std::setw(17) << e.name << std::setw(16) << sizes << std::setw(22) << present << std::setw(10)
        << (bytes ? human_bytes(static_cast<double>(bytes)) : "-") << (where.empty() ? "" : where + "; ")
        << "checksum: " << checksum_kind(e) << "\n";
  }
  out << "\nfetch with: latent data fetch NAME [--size N]; ";
  try {
    out << "files go to " << std::filesystem::absolute(fetch_destination(data_dir)).lexically_normal().string()
        << (data_dir.empty() ? " (the first writable data folder)\n" : "\n");
  } catch (const Error& e) {
    out << first_line(e.what()) << "\n";
  }
  if (differs)
    out << "* not the published files (repackaged, such as Debian's, or uncompressed); they load all the same, and "
           "'latent data fetch NAME' downloads the published ones\n";
}

}  // namespace

DataCommand::DataCommand(CLI::App& app) {
  data_ = app.add_subcommand("data", "List the known data sets and fetch them by name");
  data_->require_subcommand(1);
  list_ = data_->add_subcommand("list", "Every known data set: sizes, whether present, where, bytes on disk");
  list_->add_option("--data-dir", data_dir_, "folder searched first for data sets");
  fetch_ = data_->add_subcommand("fetch",
                                 "Download data sets by name (resumable, checksum-verified); nothing is fetched twice");
  fetch_->add_option("names", names_, "data set names (see 'latent data list')")->required();
  fetch_->add_option("--size", size_, "image size of a MedMNIST set: 28 (default), 64, 128 or 224 (3-D: 28, 64)")
      ->check(CLI::PositiveNumber);
  fetch_->add_option("--mirror", mirror_,
                     "fetch the same file names from URL/<file name> instead (default: $LATENT_DATA_MIRROR)");
  fetch_->add_option("--data-dir", data_dir_,
                     "where to put the files (default: the first writable folder of the data search path)");
  fetch_->add_flag("--quiet", quiet_, "no progress output");
  fetch_->add_flag("--plain", plain_, "progress as plain lines even on a terminal");
}

bool DataCommand::parsed() const { return data_->parsed(); }

void DataCommand::run(std::ostream& out) const {
  if (list_->parsed()) {
    print_list(out, data_dir_);
    return;
  }
  // Every name first, so that a typo stops before anything is downloaded.
  std::vector<const DatasetEntry*> entries;
  bool any_sized = false;
  for (const auto& name : names_) {
    entries.push_back(&catalog_entry(name));
    any_sized = any_sized || entries.back()->sized();
  }
  if (size_ != 0) {
    if (!any_sized) throw UsageError("--size: only MedMNIST data sets come in several sizes");
    for (const auto* e : entries)
      if (e->sized()) e->variant(size_);  // UsageError naming the sizes it has
  }
  FetchOptions options;
  options.data_dir = data_dir_;
  options.mirror = mirror_;
  options.progress = quiet_ ? FetchProgress::kQuiet : plain_ ? FetchProgress::kLines : FetchProgress::kAuto;
  for (const auto* e : entries) {
    const FetchSummary s = fetch_dataset(*e, e->sized() ? size_ : 0, options, out);
    out << e->name << ": ready in " << s.folder.string() << "\n";
  }
}

std::unique_ptr<DataCommand> add_data_command(CLI::App& app) { return std::make_unique<DataCommand>(app); }

}  // namespace latent
