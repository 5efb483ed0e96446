// TensorDataset helpers and the IDX image loaders (MNIST, Fashion-MNIST, any IDX folder).
#include "latent/data/dataset.h"

#include <cstdlib>

#include "latent/core/error.h"
#include "latent/core/system.h"
#include "latent/data/catalog.h"
#include "latent/data/idx.h"

namespace latent {

namespace fs = std::filesystem;

std::vector<int64_t> TensorDataset::example_shape() const {
  auto s = x.sizes().vec();
  s.erase(s.begin());
  return s;
}

TensorDataset TensorDataset::slice(int64_t begin, int64_t end) const {
  TensorDataset out{x.slice(0, begin, end), y.defined() && y.numel() ? y.slice(0, begin, end) : y};
  return out;
}

TensorDataset TensorDataset::select(const torch::Tensor& index) const {
  const int64_t row = x.defined() && x.dim() > 0 && x.size(0) > 0 ? x.numel() / x.size(0) : 0;
  SerialScope serial(index.numel() * row < kSerialOpElements);  // a batch: on one thread (core/system.h)
  return {x.index_select(0, index), y.defined() && y.numel() ? y.index_select(0, index) : y};
}

TensorDataset TensorDataset::to(const torch::Device& device) const {
  return {x.to(device), y.defined() ? y.to(device) : y};
}

std::vector<fs::path> data_search_path(const std::string& flag_dir) {
  std::vector<fs::path> dirs;
  if (!flag_dir.empty()) dirs.emplace_back(flag_dir);
  if (const char* env = std::getenv("LATENT_DATA_DIR"); env && *env) dirs.emplace_back(env);
  dirs.emplace_back("data");
  dirs.emplace_back(LATENT_SOURCE_DATA_DIR);
  dirs.emplace_back("/usr/share/datasets");
  return dirs;
}

fs::path find_dataset_dir(const std::string& name, const std::string& flag_dir) {
  std::string searched;
  for (const auto& dir : data_search_path(flag_dir)) {
    std::error_code ec;
    if (fs::is_directory(dir / name, ec)) return dir / name;
    searched += (searched.empty() ? "" : ", ") + (dir / name).string();
  }
  // A catalogued data set (catalog.h) ends with the command that downloads it.
  const std::string fetch = fetch_command_for_folder(name, flag_dir);
  throw Error("data set '" + name + "' not found (searched " + searched +
              "; run 'make setup' or set data.path / --data-dir / LATENT_DATA_DIR)" +
              (fetch.empty() ? "" : "; to download it: " + fetch));
}

namespace {

fs::path idx_file(const fs::path& dir, const std::string& stem) {
  for (const char* suffix : {"", ".gz"}) {
    fs::path p = dir / (stem + suffix);
    if (fs::exists(p)) return p;
  }
  throw Error((dir / stem).string() + ": missing (neither the plain nor the .gz IDX file exists)");
}

}  // namespace

TensorDataset load_idx_split(const fs::path& dir, const std::string& prefix) {
  const fs::path images_path = idx_file(dir, prefix + "-images-idx3-ubyte");
  const fs::path labels_path = idx_file(dir, prefix + "-labels-idx1-ubyte");
  IdxArray images = read_idx(images_path);
  IdxArray labels = read_idx(labels_path);
  if (images.dims.size() != 3)
    throw Error(images_path.string() + ": expected 3 dimensions (N, H, W), got " + std::to_string(images.dims.size()));
  if (labels.dims.size() != 1)
    throw Error(labels_path.string() + ": expected 1 dimension (N), got " + std::to_string(labels.dims.size()));
  if (images.count() != labels.count())
    throw Error(images_path.string() + ": " + std::to_string(images.count()) + " images but " + labels_path.string() +
                " has " + std::to_string(labels.count()) + " labels");
  if (images.count() == 0) throw Error(images_path.string() + ": no images");
  const int64_t n = images.dims[0], h = images.dims[1], w = images.dims[2];
  auto x = torch::from_blob(images.bytes.data(), {n, 1, h, w}, torch::kUInt8).to(torch::kFloat32).div_(255.0);
  auto y = torch::from_blob(labels.bytes.data(), {n}, torch::kUInt8).to(torch::kInt64);
  return {x, y};
}

DataSplits load_idx_images(const ImageDataOptions& options) {
  fs::path dir;
  if (!options.path.empty()) {
    dir = options.path;
    if (!fs::is_directory(dir)) throw Error("data.path: '" + options.path + "' is not a folder");
  } else {
    if (options.dataset == "idx") throw UsageError("data.path: required when data.dataset = \"idx\"");
    dir = find_dataset_dir(options.dataset, options.data_dir);
  }
  DataSplits out;
  out.name = options.dataset;
  out.train = load_idx_split(dir, "train");
  out.test = load_idx_split(dir, "t10k");
  if (out.train.example_shape() != out.test.example_shape())
    throw Error(dir.string() + ": train and test images differ in size");
  if (options.train_limit > 0 && options.train_limit < out.train.size())
    out.train = out.train.slice(0, options.train_limit);
  if (options.test_limit > 0 && options.test_limit < out.test.size()) out.test = out.test.slice(0, options.test_limit);
  if (options.val_split > 0.0) {
    const int64_t n = out.train.size();
    const int64_t n_val = static_cast<int64_t>(static_cast<double>(n) * options.val_split);
    if (n_val < 1 || n_val >= n)
      throw UsageError("data.val_split: " + std::to_string(options.val_split) +
                       " leaves no validation or no training examples");
    auto gen = at::detail::createCPUGenerator(options.split_seed);
    auto perm = torch::randperm(n, gen, torch::kInt64);
    out.val = out.train.select(perm.slice(0, n - n_val, n));
    out.train = out.train.select(perm.slice(0, 0, n - n_val));
  }
  if (options.dataset == "fashion-mnist")
    out.class_names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                       "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  else if (options.dataset == "mnist")
    out.class_names = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  return out;
}

}  // namespace latent
