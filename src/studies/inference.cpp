// Inference with saved autoencoders: image files in, PNG files or a CSV of codes out.
#include "latent/studies/inference.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>
#include <sstream>

#include "latent/core/error.h"
#include "latent/core/text.h"
#include "latent/core/eval_mode.h"
#include "latent/core/fs.h"
#include "latent/data/csv.h"
#include "latent/data/dataset.h"
#include "latent/data/image_io.h"
#include "latent/report/image_grid.h"
#include "latent/studies/builtin.h"
#include "latent/studies/study_util.h"
#include "latent/studies/runner.h"
#include "latent/studies/saved_model.h"

namespace latent {

namespace {

bool is_image_name(const fs::path& p) {
  std::string ext = p.extension().string();
  for (auto& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp" || ext == ".tga" || ext == ".gif" ||
         ext == ".pnm" || ext == ".ppm" || ext == ".pgm";
}

}  // namespace

std::vector<fs::path> expand_image_paths(const std::vector<fs::path>& args) {
  std::vector<fs::path> out;
  for (const auto& arg : args) {
    std::error_code ec;
    if (!fs::is_directory(arg, ec)) {
      out.push_back(arg);
      continue;
    }
    std::vector<fs::path> found;
    fs::directory_iterator it(arg, ec);
    if (ec) throw Error(arg.string() + ": unreadable folder (" + ec.message() + ")");
    for (; it != fs::directory_iterator(); it.increment(ec)) {
      if (ec) throw Error(arg.string() + ": unreadable folder (" + ec.message() + ")");
      if (it->is_regular_file(ec) && is_image_name(it->path())) found.push_back(it->path());
    }
    if (found.empty()) throw Error(arg.string() + ": folder holds no image files (.png, .jpg, .jpeg, .bmp, ...)");
    std::sort(found.begin(), found.end());
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

std::vector<fs::path> reconstruct_images(const ImageInferenceOptions& options) {
  check(!options.images.empty(), "no images given");
  LoadedAutoencoder loaded = load_autoencoder(options.model);
  const std::vector<fs::path> paths = expand_image_paths(options.images);
  std::vector<torch::Tensor> inputs;
  std::set<std::string> stems;
  for (const auto& path : paths) {
    inputs.push_back(fit_image(read_image(path), loaded.meta.input_shape, path));
    if (!stems.insert(path.stem().string()).second)
      throw Error(path.string() + ": another input has the same name '" + path.stem().string() +
                  "' (outputs would collide)");
  }
  auto batch = torch::stack(inputs);
  if (options.noise_std > 0) {
    auto gen = at::detail::createCPUGenerator(options.seed);
    batch = (batch + options.noise_std * torch::randn(batch.sizes(), gen, batch.options())).clamp(0.0, 1.0);
  }
  torch::Tensor out;
  {
    EvalMode guard(*loaded.model);
    out = loaded.model->forward(batch).recon;
  }
  make_dirs(options.out_dir);
  std::vector<fs::path> written;
  for (size_t i = 0; i < paths.size(); ++i) {
    const std::string stem = paths[i].stem().string();
    const int64_t j = static_cast<int64_t>(i);
    if (options.noise_std > 0) {
      written.push_back(options.out_dir / (stem + "-noisy.png"));
      write_image_png(written.back(), batch[j]);
    }
    written.push_back(options.out_dir / (stem + "-" + options.suffix + ".png"));
    write_image_png(written.back(), out[j]);
  }
  return written;
}

namespace {

// The examples to encode, and for an image folder the file of each row.
struct EncodeData {
  TensorDataset set;
  std::vector<fs::path> files;
};

// --data as a folder of images: every image, in name order, converted to the model's input shape
// as the studies' image-folder loader does.
EncodeData load_encode_images(const EncodeOptions& o, const std::vector<int64_t>& shape) {
  std::vector<fs::path> files = image_files_in(o.data, "--data");
  if (files.empty())
    throw Error(
        "--data: '" + o.data +
        "' holds neither IDX files (train-images-idx3-ubyte) nor image files (.png, .jpg, .jpeg, .bmp, .gif, .tga, .pgm, .ppm, .pnm)");
  if (shape.size() != 3 || (shape[0] != 1 && shape[0] != 3))
    throw Error("--data: '" + o.data + "' is a folder of images, but the model takes " + shape_text(shape) +
                " inputs, not images");
  if (o.split_given)
    throw UsageError("--split: '" + o.split + "' does not apply to a folder of images ('" + o.data +
                     "'): every image in it is encoded");
  ImageFiles images = read_image_files(files, shape[0], shape[1], shape[2]);
  return {TensorDataset{images.x, torch::Tensor()}, std::move(images.files)};
}

// --data: an IDX folder, a folder of images, a built-in study or TOML spec (its [data] section),
// or a data set name.
EncodeData load_encode_data(const EncodeOptions& o, const std::vector<int64_t>& shape) {
  std::error_code ec;
  ImageDataOptions d;
  d.data_dir = o.data_dir;
  if (fs::is_directory(o.data, ec)) {
    if (!has_idx_files(o.data)) return load_encode_images(o, shape);
    d.dataset = "idx";
    d.path = o.data;
  } else if (find_builtin(o.data) || fs::is_regular_file(o.data, ec)) {
    SpecSource source = load_spec_source(o.data);
    StudySpec spec = parse_study_spec(source.text, source.where);
    d = image_data_options(spec.base, o.data_dir);
    d.val_split = 0.0;
  } else if (o.data == "mnist" || o.data == "fashion-mnist") {
    d.dataset = o.data;
  } else {
    throw UsageError("--data: '" + o.data +
                     "' is neither a folder, a spec, nor a data set name (mnist, fashion-mnist)");
  }
  DataSplits data = load_idx_images(d);
  return {o.split == "train" ? data.train : data.test, {}};
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.7g", v);
  return buf;
}

}  // namespace

int64_t encode_dataset(const EncodeOptions& o) {
  check(o.split == "train" || o.split == "test", "--split: '" + o.split + "' (train or test)");
  LoadedAutoencoder loaded = load_autoencoder(o.model);
  const EncodeData data = load_encode_data(o, loaded.meta.input_shape);
  const TensorDataset& set = data.set;
  const bool with_files = !data.files.empty();
  auto shape = set.example_shape();
  if (shape != loaded.meta.input_shape)
    throw Error("--data: '" + o.data + "' holds " + shape_text(shape) + " examples, the model takes " +
                shape_text(loaded.meta.input_shape));
  std::ostringstream csv;
  const int64_t n = set.size();
  bool header = false;
  EvalMode guard(*loaded.model);
  for (int64_t begin = 0; begin < n; begin += o.batch_size) {
    const int64_t end = std::min(n, begin + o.batch_size);
    auto codes =
        loaded.model->encode(set.x.slice(0, begin, end)).reshape({end - begin, -1}).to(torch::kFloat64).contiguous();
    if (!header) {
      csv << (with_files ? "index,label,file" : "index,label");
      for (int64_t k = 0; k < codes.size(1); ++k) csv << ",z" << k;
      csv << "\n";
      header = true;
    }
    auto acc = codes.accessor<double, 2>();
    for (int64_t i = 0; i < codes.size(0); ++i) {
      csv << begin + i << ",";
      if (set.y.defined() && set.y.numel() > 0) csv << set.y[begin + i].item<int64_t>();
      if (with_files) csv << "," << csv_field(data.files[static_cast<size_t>(begin + i)].filename().string());
      for (int64_t k = 0; k < codes.size(1); ++k) csv << "," << num(acc[i][k]);
      csv << "\n";
    }
  }
  if (o.out.has_parent_path()) make_dirs(o.out.parent_path());
  write_file_atomic(o.out, csv.str());
  return n;
}

}  // namespace latent
