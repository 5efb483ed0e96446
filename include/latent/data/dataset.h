// In-memory data sets as one contiguous tensor per split, and the loaders that fill them.
#pragma once

#include <torch/types.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace latent {

// Examples stacked along dim 0: x is (N, ...) float, y is (N,) int64 (empty when unlabelled).
struct TensorDataset {
  torch::Tensor x;
  torch::Tensor y;
  int64_t size() const { return x.defined() ? x.size(0) : 0; }
  std::vector<int64_t> example_shape() const;  // x.sizes() without dim 0
  TensorDataset slice(int64_t begin, int64_t end) const;
  TensorDataset select(const torch::Tensor& index) const;
  TensorDataset to(const torch::Device& device) const;
};

struct DataSplits {
  std::string name;
  TensorDataset train;
  TensorDataset val;  // empty when no validation split was asked for
  TensorDataset test;
  std::vector<std::string> class_names;
};

// Options for the image data sets stored as IDX files (MNIST, Fashion-MNIST or any folder
// with train-/t10k- images and labels).
struct ImageDataOptions {
  std::string dataset = "fashion-mnist";  // "fashion-mnist", "mnist" or "idx"
  std::string path;                       // folder with the IDX files; empty: search for the data set
  std::string data_dir;                   // --data-dir, first in the search order
  int64_t train_limit = 0;                // 0: all
  int64_t test_limit = 0;
  double val_split = 0.0;  // fraction of train held out for validation
  uint64_t split_seed = 0;
  int64_t image_size = 32;  // image folders: resized to image_size x image_size
  int64_t channels = 0;     // image folders: 1, 3 or 0 (3 when any image is in colour)
  double test_split = 0.3;  // image folders: fraction of the images held out for testing
};

// Folders searched for a named data set, in order: the --data-dir flag, $LATENT_DATA_DIR,
// ./data, the source tree's data/ folder, /usr/share/datasets.
std::vector<std::filesystem::path> data_search_path(const std::string& flag_dir);
std::filesystem::path find_dataset_dir(const std::string& name, const std::string& flag_dir);

// Loads the images as floats in [0, 1], shape (N, 1, H, W), labels as int64.
DataSplits load_idx_images(const ImageDataOptions& options);

// Loads a folder of images (PNG, JPEG, BMP, GIF, TGA, PNM; by extension, case-insensitive;
// sorted by name) as (N, C, S, S) floats in [0, 1], unlabelled, split by a permutation seeded
// with split_seed into test (test_split of the images) and train (then val_split of train).
DataSplits load_image_folder(const ImageDataOptions& options);

// The image files of a folder (by extension, as load_image_folder), sorted by name; possibly
// none. Throws Error, naming `what` ("data.path", "--data"), for a missing or unreadable folder.
std::vector<std::filesystem::path> image_files_in(const std::string& dir, const std::string& what);

// Whether a folder holds IDX files (train-images-idx3-ubyte, plain or .gz).
bool has_idx_files(const std::filesystem::path& dir);

// Image files decoded and converted as load_image_folder does (colour to gray by luma, gray
// repeated to RGB, resized by area averaging down or bilinear up): x is (N, channels, height,
// width), channels 0 meaning 3 when any image is in colour, else 1. Throws Error naming a bad file.
struct ImageFiles {
  std::vector<std::filesystem::path> files;
  torch::Tensor x;
  std::vector<std::pair<int64_t, int64_t>> sizes;  // each file's (height, width) before resizing
};
ImageFiles read_image_files(const std::vector<std::filesystem::path>& files, int64_t channels, int64_t height,
                            int64_t width);

// load_image_folder for data.dataset = "images" or a data.path folder without IDX files,
// else load_idx_images.
DataSplits load_image_dataset(const ImageDataOptions& options);

// Loads one IDX split ("train" or "t10k") from a folder, plain or .gz.
TensorDataset load_idx_split(const std::filesystem::path& dir, const std::string& prefix);

}  // namespace latent
