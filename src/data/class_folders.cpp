// Labelled images from one sub-folder per class.
#include "latent/data/class_folders.h"

#include <algorithm>

#include "latent/core/error.h"
#include "latent/data/dataset.h"

namespace latent {

namespace fs = std::filesystem;

ClassFolders read_class_folders(const fs::path& root, const ClassFoldersOptions& options) {
  const std::string& what = options.what;
  if (options.image_size < 1)
    throw UsageError("data.image_size: must be positive, got " + std::to_string(options.image_size));
  if (options.channels != 0 && options.channels != 1 && options.channels != 3)
    throw UsageError("data.channels: 1, 3 or 0 (automatic), got " + std::to_string(options.channels));
  std::error_code ec;
  if (!fs::is_directory(root, ec)) throw Error(what + ": '" + root.string() + "' is not a folder");
  std::vector<fs::path> class_dirs;
  fs::directory_iterator it(root, ec), end;
  if (ec) throw Error(what + ": '" + root.string() + "' cannot be read (" + ec.message() + ")");
  for (; it != end; it.increment(ec)) {
    if (ec) throw Error(what + ": '" + root.string() + "' cannot be read (" + ec.message() + ")");
    const std::string name = it->path().filename().string();
    if (it->is_directory(ec) && !name.empty() && name[0] != '.') class_dirs.push_back(it->path());
  }
  std::sort(class_dirs.begin(), class_dirs.end());
  if (class_dirs.empty())
    throw Error(what + ": '" + root.string() +
                "' has no class sub-folders (expected one folder of images per class, e.g. '" +
                (root / "cat").string() + "/1.png')");
  if (class_dirs.size() == 1)
    throw Error(what + ": '" + root.string() + "' has one class folder ('" + class_dirs[0].filename().string() +
                "'); a classifier needs at least two");

  ClassFolders out;
  std::vector<int64_t> labels;
  for (size_t k = 0; k < class_dirs.size(); ++k) {
    auto files = image_files_in(class_dirs[k].string(), what);
    if (files.empty())
      throw Error(what + ": class folder '" + class_dirs[k].string() +
                  "' holds no image files (.png, .jpg, .jpeg, .bmp, .gif, .tga, .pgm, .ppm, .pnm)");
    out.class_names.push_back(class_dirs[k].filename().string());
    labels.insert(labels.end(), files.size(), static_cast<int64_t>(k));
    out.files.insert(out.files.end(), files.begin(), files.end());
  }
  const int64_t s = options.image_size;
  ImageFiles images = read_image_files(out.files, options.channels, s, s);
  out.x = images.x;
  out.y = torch::tensor(labels, torch::kInt64);

  auto [lo, hi] = std::minmax_element(images.sizes.begin(), images.sizes.end(), [](const auto& a, const auto& b) {
    return a.first * a.second < b.first * b.second;
  });
  for (const auto& [h, w] : images.sizes) out.resized += h != s || w != s ? 1 : 0;
  const bool mixed =
      std::any_of(images.sizes.begin(), images.sizes.end(), [&](const auto& hw) { return hw != images.sizes.front(); });
  if (mixed)
    out.note = what + ": the images come in more than one size (width x height from " + std::to_string(lo->second) +
               "x" + std::to_string(lo->first) + " to " + std::to_string(hi->second) + "x" + std::to_string(hi->first) +
               "); " + std::to_string(out.resized) + " of " + std::to_string(images.sizes.size()) +
               " were resized to " + std::to_string(s) + "x" + std::to_string(s);
  return out;
}

}  // namespace latent
