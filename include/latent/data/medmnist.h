// MedMNIST (v2 and v3, medmnist.com): the 12 2-D and 6 3-D data sets' metadata, and the loader of
// their .npz files.
//
// The table is MedMNIST's own (medmnist/info.py of MedMNIST/MedMNIST, version 3.0.2): task, channels,
// class names in label order, split sizes, published image sizes, license. v3 re-released the same
// 28-pixel files except for organamnist, organcmnist, organsmnist, organmnist3d and vesselmnist3d,
// whose split sizes changed slightly (v2.1.0: organamnist train 34581; organcmnist 13000/2392/8268;
// organsmnist 13940/2452/8829; organmnist3d train 972; vesselmnist3d val 192); the table gives v3's.
//
// A MedMNIST .npz holds train_images, train_labels, val_images, val_labels, test_images and
// test_labels: images uint8, (N, H, W) for grey 2-D sets, (N, H, W, 3) for RGB ones and (N, D, H, W)
// for 3-D volumes; labels uint8 (N, 1), or (N, 14) 0/1 columns for chestmnist's multi-label task.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace latent {

enum class MedMnistTask { MultiClass, Binary, MultiLabel, OrdinalRegression };

// "multi-class", "binary-class", "multi-label" or "ordinal-regression".
const char* medmnist_task_name(MedMnistTask task);

struct MedMnistInfo {
  std::string name;          // "pathmnist": the file name stem and the key in medmnist_datasets()
  std::string python_class;  // "PathMNIST"
  MedMnistTask task;
  int64_t n_channels;               // 1 or 3 (the 3-D sets are all 1)
  bool is_3d;                       // volumes (N, D, H, W) rather than images
  std::vector<std::string> labels;  // class names by label value; for multi-label, the columns
  int64_t n_train, n_val, n_test;   // split sizes at every image size
  std::vector<int64_t> sizes;       // published sizes: 28, 64, 128, 224 (2-D) or 28, 64 (3-D)
  std::string license;              // "CC BY 4.0"; dermamnist "CC BY-NC 4.0"

  // The number of label columns: 1, or the number of labels for a multi-label set.
  int64_t label_width() const { return task == MedMnistTask::MultiLabel ? static_cast<int64_t>(labels.size()) : 1; }
  // The number of classes of a single-label task (2 for binary ones).
  int64_t n_classes() const { return static_cast<int64_t>(labels.size()); }
};

// All 18 data sets: the 12 2-D ones, then the 6 3-D ones, in MedMNIST's order.
const std::vector<MedMnistInfo>& medmnist_datasets();

// The data set called `name` (case ignored). Throws UsageError for an unknown name, with the
// nearest known one as a "did you mean".
const MedMnistInfo& find_medmnist(const std::string& name);

// MedMNIST's file name for a published size: "dermamnist.npz" at 28, "dermamnist_64.npz" at 64.
// Throws UsageError naming the data set and its sizes for a size it was not published at.
std::string medmnist_file_name(const MedMnistInfo& info, int64_t size);

struct MedMnistSplit {
  torch::Tensor images;  // uint8 exactly as stored: (N, H, W), (N, H, W, 3) or (N, D, H, W)
  torch::Tensor labels;  // int64 (N, L)
};

struct MedMnistData {
  MedMnistSplit train, val, test;
  int64_t n_channels = 1;   // 3 when the images are (N, H, W, 3)
  bool is_3d = false;       // volumes (N, D, H, W)
  int64_t label_width = 1;  // L
};

// Reads a MedMNIST .npz and checks it: all six arrays present; images uint8 with one shape (after N)
// across the splits; labels of an integer type, (N, L) or (N,) (read as (N, 1)), with the images' N
// and one L across the splits, and no negative value. With `expected`, also: the channel count,
// 2-D or 3-D and the label width agree with it, and the label values fit its task (binary and
// multi-label 0 or 1, multi-class and ordinal below the number of classes). Without it, 4-D images
// whose last size is 3 are RGB images and other 4-D images are volumes. Split sizes are not compared
// with the table (subsets load). Each failure is an Error naming the file and the array.
MedMnistData load_medmnist_npz(const std::filesystem::path& path, const MedMnistInfo* expected = nullptr);

}  // namespace latent
