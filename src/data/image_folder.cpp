// A user's own folder of images as an unlabelled data set: decoded with stb_image, converted to
// the asked channels, resized with torch interpolation, split by a seeded permutation.
#include <algorithm>
#include <cctype>

#include "latent/core/error.h"
#include "latent/data/dataset.h"
#include "latent/data/image_io.h"

namespace latent {

namespace fs = std::filesystem;

namespace {

bool is_image_file(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* e : {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tga", ".pgm", ".ppm", ".pnm"})
    if (ext == e) return true;
  return false;
}

// image: (C, H, W) with C = 1 or 3 -> (channels, height, width). Colour to gray by ITU-R BT.601
// luma; downscaling averages over source pixels (area), upscaling is bilinear.
torch::Tensor convert_image(torch::Tensor image, int64_t channels, int64_t height, int64_t width) {
  if (channels == 1 && image.size(0) == 3) {
    auto w = torch::tensor({0.299f, 0.587f, 0.114f}).view({3, 1, 1});
    image = (image * w).sum(0, true);
  } else if (channels == 3 && image.size(0) == 1) {
    image = image.expand({3, image.size(1), image.size(2)});
  }
  if (image.size(1) != height || image.size(2) != width) {
    namespace F = torch::nn::functional;
    const bool shrink = image.size(1) >= height && image.size(2) >= width;
    auto options = F::InterpolateFuncOptions().size(std::vector<int64_t>{height, width});
    if (shrink)
      options.mode(torch::kArea);
    else
      options.mode(torch::kBilinear).align_corners(false);
    image = F::interpolate(image.unsqueeze(0), options).squeeze(0).clamp(0.0, 1.0);
  }
  return image.contiguous();
}

}  // namespace

bool has_idx_files(const fs::path& dir) {
  std::error_code ec;
  for (const char* f : {"train-images-idx3-ubyte", "train-images-idx3-ubyte.gz"})
    if (fs::exists(dir / f, ec)) return true;
  return false;
}

std::vector<fs::path> image_files_in(const std::string& dir, const std::string& what) {
  std::error_code ec;
  if (dir.empty()) throw UsageError(what + ": required for a folder of images");
  if (!fs::is_directory(dir, ec)) throw Error(what + ": '" + dir + "' is not a folder");
  std::vector<fs::path> files;
  fs::directory_iterator it(dir, ec), end;
  if (ec) throw Error(what + ": '" + dir + "' cannot be read (" + ec.message() + ")");
  for (; it != end; it.increment(ec)) {
    if (ec) throw Error(what + ": '" + dir + "' cannot be read (" + ec.message() + ")");
    if (it->is_regular_file(ec) && is_image_file(it->path())) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

ImageFiles read_image_files(const std::vector<fs::path>& files, int64_t channels, int64_t height, int64_t width) {
  std::vector<torch::Tensor> images;
  images.reserve(files.size());
  ImageFiles out;
  bool colour = false;
  for (const auto& f : files) {
    auto image = read_image(f);
    out.sizes.emplace_back(image.size(1), image.size(2));
    colour = colour || (image.size(0) == 3 && !(torch::equal(image[0], image[1]) && torch::equal(image[0], image[2])));
    images.push_back(std::move(image));
  }
  if (channels <= 0) channels = colour ? 3 : 1;
  for (auto& image : images) image = convert_image(image, channels, height, width);
  out.files = files;
  out.x = images.empty() ? torch::empty({0, channels, height, width}) : torch::stack(images);
  return out;
}

DataSplits load_image_folder(const ImageDataOptions& options) {
  const std::vector<fs::path> files = image_files_in(options.path, "data.path");
  std::error_code ec;
  if (files.empty() && fs::is_empty(options.path, ec))
    throw Error("data.path: '" + options.path + "' is an empty folder");
  if (files.empty())
    throw Error("data.path: '" + options.path +
                "' holds no image files (.png, .jpg, .jpeg, .bmp, .gif, .tga, .pgm, .ppm, .pnm)");
  if (files.size() < 2)
    throw Error("data.path: '" + options.path + "' holds 1 image; at least 2 are needed to split into train and test");
  auto x = read_image_files(files, options.channels, options.image_size, options.image_size).x;  // (N, C, S, S)

  const int64_t n = x.size(0);
  int64_t n_test = static_cast<int64_t>(static_cast<double>(n) * options.test_split + 0.5);
  n_test = std::clamp<int64_t>(n_test, 1, n - 1);
  auto gen = at::detail::createCPUGenerator(options.split_seed);
  auto perm = torch::randperm(n, gen, torch::kInt64);
  const torch::Tensor no_labels;  // unlabelled
  DataSplits out;
  out.name = "images:" + options.path;
  out.test = {x.index_select(0, perm.slice(0, n - n_test, n)), no_labels};
  out.train = {x.index_select(0, perm.slice(0, 0, n - n_test)), no_labels};
  if (options.train_limit > 0 && options.train_limit < out.train.size())
    out.train = out.train.slice(0, options.train_limit);
  if (options.test_limit > 0 && options.test_limit < out.test.size()) out.test = out.test.slice(0, options.test_limit);
  if (options.val_split > 0.0) {
    const int64_t m = out.train.size();
    const int64_t n_val = static_cast<int64_t>(static_cast<double>(m) * options.val_split);
    if (n_val < 1 || n_val >= m)
      throw UsageError("data.val_split: " + std::to_string(options.val_split) +
                       " leaves no validation or no training images (" + std::to_string(m) + " training images in '" +
                       options.path + "')");
    auto val_gen = at::detail::createCPUGenerator(options.split_seed + 1);
    auto p = torch::randperm(m, val_gen, torch::kInt64);
    out.val = out.train.select(p.slice(0, m - n_val, m));
    out.train = out.train.select(p.slice(0, 0, m - n_val));
  }
  return out;
}

DataSplits load_image_dataset(const ImageDataOptions& options) {
  if (options.dataset == "images") return load_image_folder(options);
  std::error_code ec;
  if (options.dataset != "idx" && !options.path.empty() && fs::is_directory(options.path, ec) &&
      !has_idx_files(options.path))
    return load_image_folder(options);
  return load_idx_images(options);
}

}  // namespace latent
