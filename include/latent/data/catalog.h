// The catalogue of data sets latent can fetch by name (`latent data fetch NAME`): for each, its
// files (name, canonical URL, published checksums and size), the folder they go in under a data
// folder, and how to unpack them. Checksums are the ones the data sets' publishers or the
// established loaders (torchvision, torchtext, TensorFlow Datasets, medmnist) list; none is made up.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace latent {

// One file on a server.
struct RemoteFile {
  std::string name;    // the file's name in its folder and on a mirror (URL/<name>)
  std::string url;     // canonical URL
  std::string md5;     // published MD5, lower-case hex; empty when none is published
  std::string sha256;  // published SHA-256, lower-case hex; empty when none is published
  int64_t bytes = -1;  // published size in bytes; -1 when unknown
  bool has_checksum() const { return !md5.empty() || !sha256.empty(); }
};

enum class Unpack {
  kNone,   // used as downloaded (IDX .gz files are read gzipped, .npz files as they are)
  kTarGz,  // a .tar.gz archive, unpacked next to itself (libarchive)
};

// One image size of a data set (MedMNIST: 28, 64, 128, 224) and its files. Data sets without
// sizes have one variant of size 0.
struct DatasetVariant {
  int size = 0;
  std::vector<RemoteFile> files;
};

struct DatasetEntry {
  std::string name;                      // what `latent data fetch` takes: "mnist", "dermamnist", ...
  std::string description;               // one line
  std::string folder;                    // its folder under a data folder: "mnist", "medmnist", ...
  std::vector<DatasetVariant> variants;  // the first is the default
  Unpack unpack = Unpack::kNone;
  std::string unpacked;         // kTarGz: the folder the archive holds (under `folder`), e.g. "aclImdb"
  std::string manual;           // non-empty: cannot be fetched (needs a login); how to get it instead
  std::string checksum_source;  // where the checksums come from, for `latent data list`

  bool sized() const { return variants.size() > 1 || (!variants.empty() && variants[0].size != 0); }
  // The variant of that size (0: the default). Throws UsageError naming the data set and its sizes.
  const DatasetVariant& variant(int size) const;
};

// Every known data set, in the order `latent data list` shows them.
const std::vector<DatasetEntry>& dataset_catalog();

// The entry of that name, or nullptr.
const DatasetEntry* find_catalog_entry(const std::string& name);

// The entry of that name; throws UsageError naming it (with the nearest known name) otherwise.
const DatasetEntry& catalog_entry(const std::string& name);

// The command that downloads a data set: "latent data fetch NAME [--size N] [--data-dir DIR]"
// (size 0 or the default size and an empty data_dir are left out).
std::string fetch_command(const std::string& name, int size = 0, const std::string& data_dir = "");

// For a data set folder name as the loaders search for it ("mnist", "fashion-mnist"): the fetch
// command when exactly one catalogued data set lives in that folder, else "".
std::string fetch_command_for_folder(const std::string& folder, const std::string& data_dir = "");

}  // namespace latent
