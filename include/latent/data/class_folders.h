// A labelled image data set stored as one sub-folder per class (torchvision's ImageFolder
// convention): class names are the sub-folder names in sorted order, the images of each are
// decoded, converted and resized as the unlabelled image-folder loader does.
#pragma once

#include <torch/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace latent {

struct ClassFoldersOptions {
  int64_t image_size = 32;         // images are resized to image_size x image_size
  int64_t channels = 0;            // 1, 3, or 0: 3 when any image is in colour, else 1
  std::string what = "data.path";  // the key or flag named in messages
};

struct ClassFolders {
  torch::Tensor x;                           // (N, C, S, S) float in [0, 1]
  torch::Tensor y;                           // (N,) int64: the index of the image's class folder
  std::vector<std::string> class_names;      // sorted sub-folder names
  std::vector<std::filesystem::path> files;  // each image's file, class by class, sorted by name
  int64_t resized = 0;                       // images whose size was not S x S
  // One line, said once, when the images came in more than one size: how many, the range of
  // sizes, and the size they were resized to; empty otherwise.
  std::string note;
};

// Reads every class sub-folder of `root` (sub-folders whose name starts with '.' are skipped; image
// files directly in root are ignored). Throws Error naming `what` and the folder at fault for a
// root that is not a folder, no class sub-folders, one class only, or a class folder without
// images, and naming the file for an image that cannot be read.
ClassFolders read_class_folders(const std::filesystem::path& root, const ClassFoldersOptions& options);

}  // namespace latent
