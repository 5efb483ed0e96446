// The classification study kind: classifiers (an MLP, a small CNN, or the MLP with its forward and
// backward passes written out by hand) trained with cross-entropy or binary cross-entropy on IDX
// images (MNIST, Fashion-MNIST), an image folder with one sub-folder per class, or a CSV/TSV table
// with a label column; scored as scikit-learn's classification_report scores (accuracy, per-class
// precision/recall/F1, macro and weighted F1, ROC-AUC, log-loss), with the confusion matrix as a
// table and a heat map, the most confidently misclassified test images, and, for a grid of
// initialisations × activations, a heat map of test accuracy.
#include <torch/nn/functional/loss.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "latent/core/error.h"
#include "latent/core/eval_mode.h"
#include "latent/core/fs.h"
#include "latent/data/batch.h"
#include "latent/data/catalog.h"
#include "latent/data/class_folders.h"
#include "latent/data/csv.h"
#include "latent/data/dataset.h"
#include "latent/data/labelled_table.h"
#include "latent/data/medmnist.h"
#include "latent/data/stratified_split.h"
#include "latent/metrics/classifier_report.h"
#include "latent/models/cnn.h"
#include "latent/models/manual_mlp.h"
#include "latent/models/mlp.h"
#include "latent/models/resnet.h"
#include "latent/models/weight_init.h"
#include "latent/report/chart.h"
#include "latent/report/image_grid.h"
#include "latent/studies/classification.h"
#include "latent/studies/study.h"
#include "latent/studies/study_util.h"
#include "latent/studies/sweep_table.h"
#include "latent/training/augment.h"
#include "latent/training/checkpoint.h"
#include "latent/training/loop.h"

namespace latent {

namespace {

namespace F = torch::nn::functional;

// Augmentation and oversampling draw from their own generators, seeded from the variant's seed.
constexpr uint64_t kAugmentSeedOffset = 2000003;
constexpr uint64_t kOversampleSeedOffset = 3000017;
// Per-layer diagnostics are measured on this many validation (or test) examples after each epoch.
constexpr int64_t kDiagnosticExamples = 256;
constexpr int64_t kMistakeColumns = 8;

// ---------------------------------------------------------------------------------------------
// Data

struct ClassData {
  std::string name;  // what was read, for results.md
  TensorDataset train, val, test;
  std::vector<std::string> class_names;
  std::vector<std::string> feature_names;  // tables only
  torch::Tensor mean, std;                 // tables only: the standardisation fitted on the training split
  bool images = true;
  bool multi_label = false;  // y is (N, L) 0/1 and class_names names the L labels
};

enum class Source { kIdx, kFolder, kTable, kNpz };

bool is_medmnist_name(const std::string& name) {
  for (const auto& info : medmnist_datasets())
    if (info.name == name) return true;
  return false;
}

bool has_npz_extension(const std::string& path) {
  const std::string ext = fs::path(path).extension().string();
  return ext == ".npz" || ext == ".NPZ";
}

Source source_of(const Spec& spec) {
  const std::string& dataset = spec.get<std::string>("data.dataset");
  const std::string& path = spec.get<std::string>("data.path");
  if (dataset == "folder") return Source::kFolder;
  if (dataset == "table") return Source::kTable;
  if (dataset == "npz" || has_npz_extension(path)) return Source::kNpz;
  if (is_medmnist_name(dataset)) return path.empty() || fs::is_regular_file(path) ? Source::kNpz : Source::kFolder;
  if (path.empty() || dataset == "idx") return Source::kIdx;
  // A named data set with a path: the path says what it is.
  if (fs::is_regular_file(path)) return Source::kTable;
  if (fs::is_directory(path) && !has_idx_files(path)) return Source::kFolder;
  return Source::kIdx;
}

// The examples of `set` whose class is kept, relabelled by `lut` (old class -> new class or -1).
TensorDataset keep_classes(const TensorDataset& set, const torch::Tensor& lut) {
  if (set.size() == 0) return set;
  auto mapped = lut.index_select(0, set.y);
  auto index = (mapped >= 0).nonzero().squeeze(1);
  TensorDataset out = set.select(index);
  out.y = mapped.index_select(0, index);
  return out;
}

// Keeps only the classes data.classes lists, numbered 0..k-1 in the list's order.
void filter_classes(const Spec& spec, ClassData& d) {
  const IntList& keep = spec.get<IntList>("data.classes");
  if (keep.empty()) return;
  if (d.multi_label)
    throw UsageError(spec.where("data.classes") + ": data.classes: " + d.name +
                     " has multi-label targets; data.classes picks classes of single-label data");
  const auto k = static_cast<int64_t>(d.class_names.size());
  auto lut = torch::full({k}, -1, torch::kInt64);
  std::vector<std::string> names;
  for (size_t i = 0; i < keep.size(); ++i) {
    const int64_t id = keep[i];
    if (id >= k || (d.train.y == id).sum().item<int64_t>() == 0)
      throw Error(spec.where("data.classes") + ": data.classes: class " + std::to_string(id) + " is not in " + d.name +
                  " (its training classes are 0.." + std::to_string(k - 1) + ")");
    lut[id].fill_(static_cast<int64_t>(i));
    names.push_back(d.class_names[static_cast<size_t>(id)]);
  }
  d.train = keep_classes(d.train, lut);
  d.test = keep_classes(d.test, lut);
  d.class_names = names;
}

// Train / held-out split of `set` stratified by class (multi-label targets, (N, L): not stratified).
std::pair<TensorDataset, TensorDataset> split_stratified(const TensorDataset& set, double fraction, uint64_t seed,
                                                         const std::string& key) {
  const SplitIndices s =
      set.y.dim() == 2 ? random_split(set.size(), fraction, seed, key) : stratified_split(set.y, fraction, seed, key);
  return {set.select(s.train), set.select(s.held_out)};
}

std::vector<std::string> numbered_names(int64_t k) {
  std::vector<std::string> names;
  for (int64_t c = 0; c < k; ++c) names.push_back(std::to_string(c));
  return names;
}

// Random oversampling (imbalanced-learn's RandomOverSampler): every class's examples plus draws with
// replacement from them up to the largest class's count, in class order, from a generator seeded
// with `seed`. The training loop shuffles them.
TensorDataset oversampled(const TensorDataset& set, uint64_t seed) {
  auto y = set.y.cpu();
  auto counts = torch::bincount(y);
  const int64_t most = counts.max().item<int64_t>();
  auto gen = at::detail::createCPUGenerator(seed);
  std::vector<torch::Tensor> parts;
  for (int64_t c = 0; c < counts.size(0); ++c) {
    const int64_t n = counts[c].item<int64_t>();
    if (n == 0) continue;
    auto members = (y == c).nonzero().squeeze(1);
    parts.push_back(members);
    if (n < most) parts.push_back(members.index_select(0, torch::randint(0, n, {most - n}, gen, torch::kInt64)));
  }
  return set.select(torch::cat(parts).to(set.y.device()));
}

// data.label: one column, or several separated by commas (multi-label targets), spaces trimmed.
std::vector<std::string> label_columns(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string cell; std::getline(in, cell, ',');) {
    const auto b = cell.find_first_not_of(" \t"), e = cell.find_last_not_of(" \t");
    out.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
  }
  if (out.empty()) out.push_back("");
  return out;
}

// The MedMNIST data set a spec names: data.dataset without a data.path; with one, the path decides
// (a file named as MedMNIST names them, e.g. dermamnist_64.npz; else nullptr: checked for its own
// consistency only).
const MedMnistInfo* medmnist_of(const Spec& spec) {
  const std::string& dataset = spec.get<std::string>("data.dataset");
  const std::string& path = spec.get<std::string>("data.path");
  if (path.empty()) return is_medmnist_name(dataset) ? &find_medmnist(dataset) : nullptr;
  std::string stem = fs::path(path).stem().string();
  if (const auto cut = stem.find('_'); cut != std::string::npos) stem = stem.substr(0, cut);
  return is_medmnist_name(stem) ? &find_medmnist(stem) : nullptr;
}

// data.path, or the MedMNIST file of data.dataset at data.size on the data search path (a missing
// one is an error that says the `latent data fetch` command).
fs::path npz_path(const Spec& spec, const RunContext& ctx) {
  const std::string& path = spec.get<std::string>("data.path");
  if (!path.empty()) return path;
  const std::string& dataset = spec.get<std::string>("data.dataset");
  if (!is_medmnist_name(dataset))
    throw UsageError(spec.where("data.dataset") + ": data.path: required with data.dataset = \"npz\"");
  const int64_t size = spec.get<int64_t>("data.size");
  const std::string file = medmnist_file_name(find_medmnist(dataset), size);
  std::string searched;
  for (const auto& dir : data_search_path(ctx.data_dir)) {
    const fs::path candidate = dir / "medmnist" / file;
    if (fs::is_regular_file(candidate)) return candidate;
    searched += (searched.empty() ? "" : ", ") + candidate.string();
  }
  throw Error("data set '" + dataset + "' (size " + std::to_string(size) + ") not found (searched " + searched +
              "); to download it: " + fetch_command(dataset, static_cast<int>(size), ctx.data_dir));
}

// MedMNIST images as stored (uint8 (N, H, W), (N, H, W, 3) or (N, D, H, W)) -> floats in [0, 1],
// (N, C, H, W) or (N, 1, D, H, W).
torch::Tensor medmnist_images(const torch::Tensor& images, const MedMnistData& d) {
  auto x = images.to(torch::kFloat32).div_(255.0f);
  if (d.is_3d) return x.unsqueeze(1);
  if (d.n_channels == 3) return x.permute({0, 3, 1, 2}).contiguous();
  return x.unsqueeze(1);
}

ClassData load_class_data(const Spec& spec, const RunContext& ctx) {
  ClassData d;
  const std::string& path = spec.get<std::string>("data.path");
  // Checked here rather than when the spec is read, so that a built-in study for the user's own
  // table (mlp-tabular) parses without its path.
  const std::string& dataset = spec.get<std::string>("data.dataset");
  if ((dataset == "idx" || dataset == "folder" || dataset == "table") && path.empty())
    throw UsageError(spec.where("data.dataset") + ": data.path: required with data.dataset = \"" + dataset +
                     "\" (--set data.path=...)");
  if (source_of(spec) == Source::kTable && spec.get<std::string>("data.label").empty())
    throw UsageError(spec.where("data.path") +
                     ": data.label: a table needs its label column's name (--set data.label=...)");
  const auto seed = static_cast<uint64_t>(spec.seed);
  const double test_split = spec.get<double>("data.test_split");
  switch (source_of(spec)) {
    case Source::kIdx: {
      ImageDataOptions o;
      o.dataset = spec.get<std::string>("data.dataset");
      if (o.dataset == "folder" || o.dataset == "table") o.dataset = "idx";
      o.path = path;
      o.data_dir = ctx.data_dir;
      DataSplits s = load_idx_images(o);
      d.name = path.empty() ? o.dataset : path;
      d.train = s.train;
      d.test = s.test;
      const int64_t k = std::max(d.train.y.max().item<int64_t>(), d.test.y.max().item<int64_t>()) + 1;
      d.class_names = static_cast<int64_t>(s.class_names.size()) == k ? s.class_names : numbered_names(k);
      break;
    }
    case Source::kFolder: {
      ClassFoldersOptions o;
      o.image_size = spec.get<int64_t>("data.image_size");
      o.channels = spec.get<int64_t>("data.channels");
      ClassFolders f = read_class_folders(path, o);
      if (!f.note.empty() && ctx.progress) ctx.progress->message(path + ": " + f.note);
      d.name = path;
      d.class_names = f.class_names;
      std::tie(d.train, d.test) = split_stratified({f.x, f.y}, test_split, seed, "data.test_split");
      break;
    }
    case Source::kNpz: {
      const fs::path file = npz_path(spec, ctx);
      const MedMnistInfo* info = medmnist_of(spec);
      const MedMnistData m = load_medmnist_npz(file, info);
      d.name = file.string();
      d.multi_label = info ? info->task == MedMnistTask::MultiLabel : m.label_width > 1;
      auto split = [&](const MedMnistSplit& s) {
        return TensorDataset{medmnist_images(s.images, m), d.multi_label ? s.labels : s.labels.select(1, 0)};
      };
      d.train = split(m.train);
      d.val = split(m.val);
      d.test = split(m.test);
      if (info) {
        d.class_names = info->labels;
      } else {
        const int64_t k = d.multi_label ? m.label_width
                                        : std::max({d.train.y.max().item<int64_t>(), d.val.size() ? d.val.y.max().item<int64_t>() : 0,
                                                    d.test.y.max().item<int64_t>()}) + 1;
        d.class_names = numbered_names(k);
      }
      break;
    }
    case Source::kTable: {
      const std::vector<std::string> labels = label_columns(spec.get<std::string>("data.label"));
      LabelledTable t;
      if (labels.size() > 1) {
        t = read_multilabel_table(path, labels);
      } else {
        LabelledTableOptions o;
        o.label = labels.front();
        t = read_labelled_table(path, o);
      }
      d.name = path;
      d.images = false;
      d.multi_label = t.multi_label;
      d.class_names = t.class_names;
      d.feature_names = t.feature_names;
      std::tie(d.train, d.test) = split_stratified({t.x, t.y}, test_split, seed, "data.test_split");
      break;
    }
  }
  filter_classes(spec, d);
  if (const int64_t n = spec.get<int64_t>("data.train_limit"); n > 0 && n < d.train.size())
    d.train = d.train.slice(0, n);
  if (const int64_t n = spec.get<int64_t>("data.test_limit"); n > 0 && n < d.test.size()) d.test = d.test.slice(0, n);
  // A MedMNIST file brings its own validation split.
  if (const double v = spec.get<double>("data.val_split"); v > 0 && source_of(spec) != Source::kNpz)
    std::tie(d.train, d.val) = split_stratified(d.train, v, seed, "data.val_split");
  if (!d.multi_label && (torch::bincount(d.train.y) > 0).sum().item<int64_t>() < 2)
    throw Error(d.name + ": the training split has one class only; a classifier needs at least two");
  if (!d.images) {
    const Standardizer st = Standardizer::fit(d.train.x);
    d.mean = st.mean;
    d.std = st.std;
    d.train.x = st.apply(d.train.x);
    if (d.val.size() > 0) d.val.x = st.apply(d.val.x);
    d.test.x = st.apply(d.test.x);
  }
  d.train = d.train.to(ctx.device);
  d.test = d.test.to(ctx.device);
  if (d.val.size() > 0) d.val = d.val.to(ctx.device);
  return d;
}

// Every data.* value of the spec, the seed and the device: the same text means the same data.
std::string data_key(const Spec& spec, const RunContext& ctx) {
  std::string key = std::to_string(spec.seed) + "|" + ctx.device.str() + "|" + ctx.data_dir;
  for (const auto& [k, v] : spec.values.all())
    if (k.rfind("data.", 0) == 0) key += "|" + k + "=" + value_text(v);
  return key;
}

// ---------------------------------------------------------------------------------------------
// Models and the loss

WeightInitOptions init_options(const Spec& spec) {
  WeightInitOptions o;
  o.name = spec.get<std::string>("model.init");
  o.std = spec.get<double>("model.init_std");
  o.gain = spec.get<double>("model.init_gain");
  o.range = spec.get<double>("model.init_range");
  return o;
}

MlpOptions mlp_options(const Spec& spec, const std::vector<int64_t>& input_shape, int64_t outputs) {
  MlpOptions o;
  o.input_shape = input_shape;
  o.hidden = spec.get<IntList>("model.hidden");
  o.activation = spec.get<std::string>("model.activation");
  o.init = init_options(spec);
  o.outputs = outputs;
  if (spec.values.has("model.dropout")) o.dropout = spec.get<double>("model.dropout");
  if (spec.values.has("model.batch_norm")) o.batch_norm = spec.get<bool>("model.batch_norm");
  return o;
}

CnnOptions cnn_options(const Spec& spec, const std::vector<int64_t>& input_shape, int64_t outputs) {
  CnnOptions o;
  o.input_shape = input_shape;
  o.channels = spec.get<IntList>("model.channels");
  o.kernel = spec.get<int64_t>("model.kernel");
  o.pool = spec.get<int64_t>("model.pool");
  o.batch_norm = spec.get<bool>("model.batch_norm");
  o.conv_dropout = spec.get<double>("model.conv_dropout");
  o.head = spec.get<std::string>("model.head");
  o.fc = spec.get<IntList>("model.fc");
  o.dropout = spec.get<double>("model.dropout");
  o.init = init_options(spec);
  o.outputs = outputs;
  return o;
}

// One of the three model types, with its forward pass.
struct Classifier {
  std::shared_ptr<torch::nn::Module> module;
  Mlp mlp{nullptr};
  Cnn cnn{nullptr};
  ResNet resnet{nullptr};
  ManualMlp manual{nullptr};

  torch::Tensor forward(const torch::Tensor& x) {
    if (mlp) return mlp->forward(x);
    if (cnn) return cnn->forward(x);
    if (resnet) return resnet->forward(x);
    return manual->forward(x);
  }
};

ResNetOptions resnet_options(const Spec& spec, const std::vector<int64_t>& input_shape, int64_t outputs) {
  ResNetOptions o;
  o.input_shape = input_shape;
  o.depth = spec.get<int64_t>("model.depth");
  o.width = spec.get<int64_t>("model.width");
  o.stem = spec.get<std::string>("model.stem");
  o.dropout = spec.get<double>("model.dropout");
  o.outputs = outputs;
  return o;
}

Classifier make_classifier(const Spec& spec, const std::vector<int64_t>& input_shape, int64_t outputs) {
  Classifier c;
  const std::string& type = spec.model_type();
  if (type == "cnn" || type == "resnet") {
    if (input_shape.size() != 3 && input_shape.size() != 4)
      throw Error(spec.where("model.type") + ": model.type: " + type + " needs images or volumes, the data has " +
                  std::to_string(input_shape.empty() ? 0 : input_shape.back()) + " features per example");
    if (type == "cnn") {
      c.cnn = Cnn(cnn_options(spec, input_shape, outputs));
      c.module = c.cnn.ptr();
    } else {
      c.resnet = ResNet(resnet_options(spec, input_shape, outputs));
      c.module = c.resnet.ptr();
    }
  } else if (type == "manual_mlp") {
    // The autograd MLP's layers and initial weights (the same draws from the same seed), copied.
    Mlp start(mlp_options(spec, input_shape, outputs));
    c.manual = manual_copy_of(*start);
    c.module = c.manual.ptr();
  } else {
    c.mlp = Mlp(mlp_options(spec, input_shape, outputs));
    c.module = c.mlp.ptr();
  }
  return c;
}

// The training loss: cross-entropy over K logits, binary cross-entropy of one logit (class 1's)
// for two classes, or of one logit per label for multi-label targets; class weights (a weighted
// mean, as PyTorch's; for multi-label targets the positives' weight per label, BCE's pos_weight)
// and label smoothing.
struct ClassLoss {
  bool binary = false;
  bool multi_label = false;
  torch::Tensor weights;  // (K,) or (L,) or undefined
  double smoothing = 0.0;

  torch::Tensor operator()(const torch::Tensor& logits, const torch::Tensor& y) const {
    if (multi_label) {
      auto target = y.to(logits.scalar_type());
      if (smoothing > 0) target = target * (1.0 - smoothing) + 0.5 * smoothing;
      auto o = F::BinaryCrossEntropyWithLogitsFuncOptions();
      if (weights.defined()) o.pos_weight(weights);
      return F::binary_cross_entropy_with_logits(logits, target, o);
    }
    if (!binary) {
      auto o = F::CrossEntropyFuncOptions().label_smoothing(smoothing);
      if (weights.defined()) o.weight(weights);
      return F::cross_entropy(logits, y, o);
    }
    auto target = y.to(logits.scalar_type());
    if (smoothing > 0) target = target * (1.0 - smoothing) + 0.5 * smoothing;
    auto per = F::binary_cross_entropy_with_logits(
        logits.squeeze(1), target, F::BinaryCrossEntropyWithLogitsFuncOptions().reduction(torch::kNone));
    if (!weights.defined()) return per.mean();
    auto w = weights.index_select(0, y);
    return (per * w).sum() / w.sum();
  }
  // (B, K) or (B, 1) logits -> (B,) predicted classes; multi-label (B, L) -> (B, L) 0/1
  torch::Tensor predict(const torch::Tensor& logits) const {
    if (multi_label) return (logits > 0).to(torch::kInt64);
    return binary ? (logits.squeeze(1) > 0).to(torch::kInt64) : logits.argmax(1);
  }
  // (B, K) softmax, or (B,) P(class 1) for one logit, or (B, L) per-label probabilities
  torch::Tensor probabilities(const torch::Tensor& logits) const {
    if (multi_label) return torch::sigmoid(logits);
    return binary ? torch::sigmoid(logits.squeeze(1)) : torch::softmax(logits, 1);
  }
  // The share of right predictions (multi-label: of right labels) and how many were counted.
  torch::Tensor right(const torch::Tensor& logits, const torch::Tensor& y) const { return (predict(logits) == y).sum(); }
  double counted(const torch::Tensor& y) const { return static_cast<double>(y.numel()); }
};

// training.class_weights: "none", "balanced" (n / (K · n_c), scikit-learn's) or K numbers. For
// multi-label targets (N, L): the positives' weight per label, "balanced" giving n_negative / n_positive.
torch::Tensor class_weights(const Spec& spec, const torch::Tensor& train_y, int64_t k) {
  const std::string& text = spec.get<std::string>("training.class_weights");
  if (text == "none") return {};
  if (text == "balanced" && train_y.dim() == 2) {
    auto positives = train_y.cpu().sum(0).to(torch::kFloat32);
    auto negatives = static_cast<double>(train_y.size(0)) - positives;
    return torch::where(positives > 0, negatives / positives.clamp_min(1), torch::ones_like(positives));
  }
  if (text == "balanced") {
    auto counts = torch::bincount(train_y.cpu(), {}, k).to(torch::kFloat32);
    auto w = static_cast<double>(train_y.size(0)) / (static_cast<double>(k) * counts.clamp_min(1));
    return w.masked_fill(counts == 0, 1.0);
  }
  std::vector<float> values;
  std::istringstream in(text);
  for (std::string cell; std::getline(in, cell, ',');) values.push_back(std::stof(cell));
  if (static_cast<int64_t>(values.size()) != k)
    throw Error(spec.where("training.class_weights") + ": training.class_weights: " + std::to_string(values.size()) +
                " weights for " + std::to_string(k) + (train_y.dim() == 2 ? " labels" : " classes"));
  return torch::tensor(values);
}

// What "none" | "balanced" | "w0,w1,..." (positive numbers) is wrong with, or "".
std::string class_weights_problem(const KeyValue& v) {
  const auto& text = std::get<std::string>(v);
  if (text == "none" || text == "balanced") return "";
  std::istringstream in(text);
  int n = 0;
  for (std::string cell; std::getline(in, cell, ','); ++n) {
    char* end = nullptr;
    const double w = std::strtod(cell.c_str(), &end);
    if (cell.empty() || *end != '\0' || !(w > 0) || !std::isfinite(w))
      return "'" + text + "' is not none, balanced or a comma-separated list of positive numbers";
  }
  return n > 0 ? "" : "empty";
}

// ---------------------------------------------------------------------------------------------
// Evaluation

struct Evaluation {
  double loss = 0.0;
  double accuracy = 0.0;
  torch::Tensor probs;  // (N, K) or (N,), CPU float64
};

Evaluation evaluate(Classifier& model, const TensorDataset& set, const ClassLoss& loss, int64_t batch_size) {
  EvalMode guard(*model.module);
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> parts;
  for (int64_t b = 0; b < set.size(); b += batch_size)
    parts.push_back(model.forward(set.x.slice(0, b, std::min(set.size(), b + batch_size))));
  auto logits = torch::cat(parts);
  Evaluation e;
  e.loss = loss(logits, set.y).item<double>();
  e.accuracy = loss.right(logits, set.y).item<double>() / loss.counted(set.y);
  e.probs = loss.probabilities(logits).to(torch::kCPU, torch::kFloat64);
  return e;
}

// The MLP's per-layer diagnostics on `probe` (gradient norm, dead ReLU / saturated units), as
// history columns layer1_grad_norm, layer1_dead, layer1_saturated, ..., out_grad_norm. The
// gradients it computes are dropped; nothing else changes.
std::vector<std::pair<std::string, double>> mlp_diagnostics(MlpImpl& mlp, const TensorDataset& probe,
                                                            const ClassLoss& loss) {
  torch::AutoGradMode grad(true);
  const MlpTrace trace = mlp.forward_trace(probe.x);
  for (auto& p : mlp.parameters()) p.mutable_grad() = torch::Tensor();
  loss(trace.logits, probe.y).backward();
  std::vector<std::pair<std::string, double>> out;
  for (const auto& d : layer_diagnostics(mlp, trace)) {
    const std::string name = d.layer == "out" ? "out" : "layer" + std::to_string(std::stoi(d.layer.substr(7)) + 1);
    if (d.grad_norm) out.push_back({name + "_grad_norm", *d.grad_norm});
    if (d.dead_fraction) out.push_back({name + "_dead", *d.dead_fraction});
    if (d.saturated_fraction) out.push_back({name + "_saturated", *d.saturated_fraction});
  }
  for (auto& p : mlp.parameters()) p.mutable_grad() = torch::Tensor();
  return out;
}

nlohmann::json maybe(const MaybeMetric& m) { return m ? nlohmann::json(*m) : nlohmann::json(); }

std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

void write_confusion_csv(const fs::path& path, const torch::Tensor& confusion, const std::vector<std::string>& names) {
  std::ostringstream csv;
  csv << "true\\predicted";
  for (const auto& n : names) csv << "," << csv_cell(n);
  csv << "\n";
  auto c = confusion.to(torch::kCPU, torch::kInt64).contiguous();
  auto a = c.accessor<int64_t, 2>();
  for (int64_t i = 0; i < c.size(0); ++i) {
    csv << csv_cell(names[static_cast<size_t>(i)]);
    for (int64_t j = 0; j < c.size(1); ++j) csv << "," << a[i][j];
    csv << "\n";
  }
  write_file_atomic(path, csv.str());
}

void write_confusion_chart(const fs::path& path, const std::string& title, const torch::Tensor& matrix,
                           const std::vector<std::string>& names, int digits) {
  MatrixChart m;
  m.title = title;
  m.x_label = "predicted";
  m.y_label = "true";
  m.row_names = m.col_names = names;
  auto c = matrix.to(torch::kCPU, torch::kFloat64).contiguous();
  const double scale = std::pow(10.0, digits);
  for (int64_t i = 0; i < c.size(0); ++i) {
    m.values.emplace_back();
    for (int64_t j = 0; j < c.size(1); ++j)
      m.values.back().push_back(std::round(c[i][j].item<double>() * scale) / scale);
  }
  write_chart(path, m);
}

// v as "1.2e-07" (two significant digits).
std::string scientific(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2g", v);
  return buf;
}

std::string task_text(const std::vector<std::string>& names) {
  if (names.size() == 2) return names[0] + " vs " + names[1];
  return std::to_string(names.size()) + " classes";
}

// metrics.json's test scores shared by single- and multi-label targets: macro and weighted
// averages, log-loss, the loss, the mean ROC-AUC and one entry per class (or label).
nlohmann::json test_scores(const std::vector<ClassScores>& per_class, const AucScores& auc, const ClassScores& macro,
                           const ClassScores& weighted, double log_loss, double loss,
                           const std::vector<std::string>& names) {
  nlohmann::json rows = nlohmann::json::array();
  for (size_t c = 0; c < per_class.size(); ++c) {
    const auto& s = per_class[c];
    rows.push_back({{"class", names[c]},
                    {"precision", s.precision},
                    {"recall", s.recall},
                    {"f1", s.f1},
                    {"support", s.support},
                    {"roc_auc", c < auc.per_class.size() ? maybe(auc.per_class[c]) : nlohmann::json()}});
  }
  return {{"macro_f1", macro.f1},
          {"macro_precision", macro.precision},
          {"macro_recall", macro.recall},
          {"weighted_f1", weighted.f1},
          {"log_loss", log_loss},
          {"loss", loss},
          {"roc_auc", maybe(auc.mean)},
          {"per_class", rows}};
}

// ---------------------------------------------------------------------------------------------

class ClassificationStudy : public StudyRunner {
 public:
  void prepare(const Spec& base, const RunContext& ctx) override { load(base, ctx); }

  VariantResult run_variant(const Variant& variant, const RunContext& ctx) override {
    const Spec& spec = variant.spec;
    load(spec, ctx);
    const auto input_shape = data_.train.example_shape();
    const auto k = static_cast<int64_t>(data_.class_names.size());
    ClassLoss loss;
    loss.multi_label = data_.multi_label;
    loss.binary = !loss.multi_label && spec.get<std::string>("training.loss") == "bce";
    if (loss.multi_label && spec.sources.count("training.loss") &&
        spec.get<std::string>("training.loss") != "bce")
      throw UsageError(spec.where("training.loss") + ": training.loss: " + data_.name +
                       " has multi-label targets, which train with bce (one logit per label)");
    if (loss.multi_label && spec.model_type() == "manual_mlp")
      throw UsageError(spec.where("model.type") + ": model.type: manual_mlp trains softmax cross-entropy; " +
                       data_.name + " has multi-label targets (use mlp)");
    if (loss.binary && k != 2)
      throw Error(spec.where("training.loss") + ": training.loss: bce (one logit) needs 2 classes, " + data_.name +
                  " has " + std::to_string(k) + " (use cross_entropy, or data.classes to pick two)");
    loss.smoothing = spec.get<double>("training.label_smoothing");
    loss.weights = class_weights(spec, data_.train.y, k);
    if (loss.weights.defined()) loss.weights = loss.weights.to(ctx.device);

    Classifier model = make_classifier(spec, input_shape, loss.binary ? 1 : k);  // multi-label: k = L logits
    model.module->to(ctx.device);
    TrainSession session = model_session(model.module, spec, ctx.device);
    const AugmentOptions augment = AugmentOptions::from_values(spec.values);
    if (augment.enabled() && !data_.images)
      throw Error(spec.where("training.augment_flip") + ": augmentation needs images; " + data_.name + " is a table");
    if (augment.rotate_degrees > 0 && input_shape.size() == 4)
      throw UsageError(spec.where("training.augment_rotate") + ": training.augment_rotate: " + data_.name +
                       " holds volumes; rotations are for 2-D images (flips and shifts work on both)");
    if (spec.get<bool>("training.oversample") && data_.multi_label)
      throw UsageError(spec.where("training.oversample") + ": training.oversample: " + data_.name +
                       " has multi-label targets; oversampling balances single-label classes");
    if (augment.enabled()) session.add_generator("augment", static_cast<uint64_t>(spec.seed) + kAugmentSeedOffset);
    const double clip = spec.get<double>("training.clip_norm");

    auto step = [&](const Batch& batch, TrainSession& s) {
      const auto& y = batch["y"];
      auto x = augment.enabled() ? augment_images(batch["x"], augment, s.generator("augment")) : batch["x"];
      StepStats stats;
      torch::Tensor logits;
      if (model.manual) {
        // The hand-written backward pass fills the gradients; the optimizer steps them.
        logits = model.manual->forward(x);
        const double l = model.manual->backward(x, y);
        auto& optimizer = s.optimizer("model");
        if (clip > 0) clip_gradients(optimizer, clip);
        optimizer.step();
        stats.mean("loss", torch::tensor(l, torch::kFloat64), static_cast<double>(batch.size()));
      } else {
        logits = model.forward(x);
        torch::Tensor l = loss(logits, y);
        s.minimize("model", l);
        stats.mean("loss", l, static_cast<double>(batch.size()));
      }
      stats.ratio("accuracy", loss.right(logits.detach(), y), loss.counted(y));
      return stats;
    };
    const bool has_validation = data_.val.size() > 0;
    const TensorDataset& val = has_validation ? data_.val : data_.test;
    const int64_t eval_batch = spec.get<int64_t>("evaluation.batch_size");
    const bool diagnostics = model.mlp && spec.get<bool>("evaluation.diagnostics");
    const TensorDataset probe = val.slice(0, std::min(val.size(), kDiagnosticExamples));
    auto validate = [&](TrainSession&) -> std::vector<std::pair<std::string, double>> {
      const Evaluation e = evaluate(model, val, loss, eval_batch);
      // ROC-AUC as the test report computes it (NaN while undefined), so that training.monitor =
      // "val_roc_auc" keeps the model with the best validation AUC, as MedMNIST's benchmark does.
      const AucScores auc = data_.multi_label ? roc_auc_multilabel(e.probs, val.y.cpu())
                                              : roc_auc_one_vs_rest(e.probs, val.y.cpu());
      std::vector<std::pair<std::string, double>> out = {
          {"loss", e.loss}, {"accuracy", e.accuracy}, {"roc_auc", auc.mean.value_or(std::nan(""))}};
      if (diagnostics)
        for (auto& d : mlp_diagnostics(*model.mlp, probe, loss)) out.push_back(std::move(d));
      return out;
    };
    const LoopOptions options = variant_loop_options(spec, variant, ctx, input_shape, has_validation);
    const TensorDataset train = spec.get<bool>("training.oversample")
                                    ? oversampled(data_.train, static_cast<uint64_t>(spec.seed) + kOversampleSeedOffset)
                                    : data_.train;
    History history =
        train_loop(session, TensorSource({{"x", train.x}, {"y", train.y}}), step, validate, options, *ctx.progress);

    const Evaluation test = evaluate(model, data_.test, loss, eval_batch);
    const fs::path dir = ctx.variant_dir;
    write_history_csv(dir / "history.csv", history);
    TensorMap extras = {{"class_names", strings_tensor(data_.class_names)}};
    if (data_.multi_label) extras.insert({"multi_label", torch::ones({1}, torch::kInt64)});
    if (!data_.images)
      extras.insert({{"mean", data_.mean}, {"std", data_.std}, {"feature_names", strings_tensor(data_.feature_names)}});
    save_checkpoint(dir / "model.pt", *model.module, variant_checkpoint_meta(spec, variant.name, input_shape), extras);
    VariantResult result;
    nlohmann::json m = loop_metrics(variant.name, spec, history, data_.train.size(), data_.test.size());
    m["model"] = model_metrics(spec, model);
    m["classes"] = data_.class_names;
    m["data"] = data_.name;
    m["val_examples"] = data_.val.size();
    nlohmann::json curve = {{"train_loss", nlohmann::json::array()}, {"val_accuracy", nlohmann::json::array()}};
    for (const auto& r : history) {
      curve["train_loss"].push_back(r.train_loss);
      curve["val_accuracy"].push_back(history_value(r, "val_accuracy"));
    }
    m["curve"] = curve;
    m["checkpoint"] = "model.pt";
    if (data_.multi_label) {
      result.metrics = multilabel_metrics(spec, variant, ctx, test, m);
      return result;
    }
    const ClassifierReport report = classifier_report(test.probs, data_.test.y.cpu());
    write_file_atomic(dir / "classification_report.md", "# " + spec.study + "/" + variant.name +
                                                            ": classification report (test set)\n\n```\n" +
                                                            format_report(report, data_.class_names) + "```\n");
    write_confusion_csv(dir / "confusion.csv", report.confusion, data_.class_names);

    m["figures"] = write_figures(spec, dir, report, test);
    m["task"] = task_text(data_.class_names);
    std::vector<std::vector<int64_t>> confusion;
    auto cm = report.confusion.contiguous();
    for (int64_t i = 0; i < cm.size(0); ++i)
      confusion.emplace_back(cm[i].data_ptr<int64_t>(), cm[i].data_ptr<int64_t>() + cm.size(1));
    m["test"] = test_scores(report.per_class, report.roc_auc, report.macro, report.weighted, report.log_loss, test.loss,
                            data_.class_names);
    m["test"]["accuracy"] = report.accuracy;
    m["test"]["confusion"] = confusion;
    if (k == 2) m["test"]["average_precision"] = maybe(report.average_precision);
    result.metrics = m;
    ctx.progress->message(spec.study + "/" + variant.name + ": test accuracy " + format_fixed(report.accuracy, 4) +
                          ", macro F1 " + format_fixed(report.macro.f1, 4) + ", log-loss " +
                          format_fixed(report.log_loss, 4) + ", ROC-AUC " + format_metric(report.roc_auc.mean, 4));
    return result;
  }

  void finish(const std::vector<VariantResult>& results, const fs::path& run_dir, const Spec& base) override {
    std::ostringstream md;
    md << "# " << base.study << "\n\n";
    if (!base.description.empty()) md << base.description << "\n\n";
    md << "Data: " << data_.name << "; test metrics as scikit-learn's classification_report computes them "
       << "(macro = unweighted mean over classes; each variant's classification_report.md has the per-class table).\n\n";
    md << "| variant | task | model | parameters | test accuracy | macro F1 | weighted F1 | ROC-AUC | log-loss | train s |\n";
    md << "|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n";
    auto num = [](const nlohmann::json& v, int d) {
      return v.is_number() ? format_fixed(v.get<double>(), d) : std::string("undefined");
    };
    for (const auto& r : results) {
      const auto& m = r.metrics;
      const auto& t = m["test"];
      md << "| " << m["name"].get<std::string>() << " | " << m["task"].get<std::string>() << " | "
         << m["model"]["type"].get<std::string>() << " | " << m["model"]["parameters"].get<int64_t>() << " | "
         << num(t["accuracy"], 4) << " | " << num(t["macro_f1"], 4) << " | " << num(t["weighted_f1"], 4) << " | "
         << num(t["roc_auc"], 4) << " | " << num(t["log_loss"], 4) << " | " << num(m["train_seconds"], 1) << " |\n";
    }
    if (data_.multi_label)
      md << "\nMulti-label targets (" << data_.class_names.size()
         << " labels, one logit each, binary cross-entropy): test accuracy is the mean over labels of each label's "
            "accuracy at probability 0.5 (MedMNIST's ACC), ROC-AUC the mean per label; each "
            "classification_report.md also has the subset accuracy (every label of an example right).\n";
    if (results.size() > 1) {
      const SweepTable sweep = make_sweep_table(results, study_kind("classification").results);
      write_sweep_table(run_dir, sweep);
      md << "\n## Sweep\n\nOne row per variant: the spec keys that differ between variants, then the test metrics "
            "(also in sweep.csv and sweep.md).\n\n"
         << sweep.markdown;
    }
    md << init_activation_grids(results, run_dir);
    md << manual_vs_autograd(results);
    md << "\n## Files (in each variant's folder)\n\n"
       << "- classification_report.md: precision, recall, F1 and support per class, accuracy, macro and weighted "
          "averages, ROC-AUC and log-loss on the test set.\n";
    if (data_.multi_label) {
      md << "- history.csv: per epoch train/val loss and label accuracy.\n";
      write_file_atomic(run_dir / "results.md", md.str());
      return;
    }
    md << "- confusion.csv: test confusion counts (rows: true class, columns: predicted class).\n"
       << "- figures/confusion.svg and figures/confusion_normalised.svg: the same as heat maps (counts; rows "
          "divided by their sums).\n"
       << "- figures/mistakes.png (images): the most confidently misclassified test images, most confident first.\n"
       << "- history.csv: per epoch train/val loss and accuracy; MLPs also per-layer gradient norms and dead "
          "(ReLU) or saturated (tanh, sigmoid) fractions on the first "
       << kDiagnosticExamples << " validation examples (val_layerN_*).\n";
    write_file_atomic(run_dir / "results.md", md.str());
  }

 private:
  void load(const Spec& spec, const RunContext& ctx) {
    const std::string key = data_key(spec, ctx);
    if (key == loaded_key_) return;
    data_ = load_class_data(spec, ctx);
    loaded_key_ = key;
  }

  // Multi-label targets: the per-label report (classification_report.md) and the test metrics,
  // accuracy being the mean per-label accuracy (MedMNIST's ACC) beside the subset accuracy.
  nlohmann::json multilabel_metrics(const Spec& spec, const Variant& variant, const RunContext& ctx,
                                    const Evaluation& test, nlohmann::json m) {
    const fs::path dir = ctx.variant_dir;
    const MultiLabelReport report = multilabel_report(test.probs, data_.test.y.cpu());
    write_file_atomic(dir / "classification_report.md",
                      "# " + spec.study + "/" + variant.name + ": multi-label classification report (test set)\n\n```\n" +
                          format_multilabel_report(report, data_.class_names) + "```\n");
    make_dirs(dir / "figures");
    m["figures"] = nlohmann::json::object();
    m["task"] = std::to_string(data_.class_names.size()) + " labels (multi-label)";
    m["test"] = test_scores(report.per_label, report.roc_auc, report.macro, report.weighted, report.log_loss, test.loss,
                            data_.class_names);
    m["test"]["accuracy"] = report.label_accuracy;
    m["test"]["subset_accuracy"] = report.subset_accuracy;
    ctx.progress->message(spec.study + "/" + variant.name + ": test label accuracy " + format_fixed(report.label_accuracy, 4) +
                ", subset accuracy " + format_fixed(report.subset_accuracy, 4) + ", macro F1 " +
                format_fixed(report.macro.f1, 4) + ", ROC-AUC " + format_metric(report.roc_auc.mean, 4));
    return m;
  }

  static nlohmann::json model_metrics(const Spec& spec, Classifier& model) {
    nlohmann::json j = {{"type", spec.model_type()}, {"parameters", parameter_count(*model.module)}};
    if (model.cnn) {
      j["channels"] = spec.get<IntList>("model.channels");
      j["fc"] = spec.get<IntList>("model.fc");
    } else if (model.resnet) {
      j["depth"] = spec.get<int64_t>("model.depth");
      j["stem"] = resnet_stem(model.resnet->options());
    } else {
      j["hidden"] = spec.get<IntList>("model.hidden");
      j["activation"] = spec.get<std::string>("model.activation");
    }
    if (!model.resnet) j["init"] = spec.get<std::string>("model.init");
    return j;
  }

  nlohmann::json write_figures(const Spec& spec, const fs::path& dir, const ClassifierReport& report,
                               const Evaluation& test) {
    nlohmann::json figures;
    make_dirs(dir / "figures");
    if (charts_available()) {
      write_confusion_chart(dir / "figures" / "confusion.svg", "Test confusion matrix (counts)", report.confusion,
                            data_.class_names, 0);
      write_confusion_chart(dir / "figures" / "confusion_normalised.svg",
                            "Test confusion matrix (each true class's row sums to 1)", report.confusion_normalised,
                            data_.class_names, 3);
      figures["confusion"] = "figures/confusion.svg";
      figures["confusion_normalised"] = "figures/confusion_normalised.svg";
      if (!report.pr_curve.empty()) {
        LineChart pr;
        pr.title = "Test precision-recall curve (average precision " + format_metric(report.average_precision, 4) + ")";
        pr.x_label = "recall";
        pr.y_label = "precision";
        pr.range = ChartRange{0.0, 1.0, 0.0, 1.02};
        std::vector<double> recall, precision;
        for (const auto& p : report.pr_curve) recall.push_back(p.recall), precision.push_back(p.precision);
        pr.series.push_back({"class " + data_.class_names[1] + " by its probability", recall, precision});
        pr.legend = "bottom-left";
        write_chart(dir / "figures" / "pr.svg", pr);
        figures["pr"] = "figures/pr.svg";
      }
    }
    if (data_.test.x.dim() == 5) {
      write_slice_montage(dir / "figures" / "volumes.png", spec.get<int64_t>("evaluation.grid_scale"));
      figures["volumes"] = "figures/volumes.png";
    }
    const int64_t k = spec.get<int64_t>("evaluation.mistakes");
    if (!data_.images || k == 0) return figures;
    const auto mistakes = most_confident_mistakes(test.probs, data_.test.y.cpu(), k);
    if (mistakes.empty()) return figures;
    std::vector<int64_t> index;
    nlohmann::json list = nlohmann::json::array();
    for (const auto& e : mistakes) {
      index.push_back(e.index);
      list.push_back({{"index", e.index},
                      {"true", data_.class_names[static_cast<size_t>(e.label)]},
                      {"predicted", data_.class_names[static_cast<size_t>(e.predicted)]},
                      {"probability", e.probability}});
    }
    auto images = data_.test.x.index_select(0, torch::tensor(index).to(data_.test.x.device())).cpu();
    if (images.dim() == 5) images = images.select(2, images.size(2) / 2);  // volumes: the middle slice
    std::vector<torch::Tensor> rows;
    for (int64_t b = 0; b < images.size(0); b += kMistakeColumns)
      rows.push_back(images.slice(0, b, std::min(images.size(0), b + kMistakeColumns)));
    write_image_grid_png(dir / "figures" / "mistakes.png", rows, spec.get<int64_t>("evaluation.grid_scale"));
    figures["mistakes"] = "figures/mistakes.png";
    figures["mistakes_list"] = list;
    return figures;
  }

  // Volumes: one row per test volume (the first of each class, up to kMontageRows), its slices
  // along the first axis left to right (up to kMontageSlices, evenly spaced).
  void write_slice_montage(const fs::path& path, int64_t scale) const {
    constexpr int64_t kMontageRows = 6, kMontageSlices = 14;
    const auto y = data_.test.y.cpu();
    std::vector<int64_t> picks;
    std::set<int64_t> seen;
    for (int64_t i = 0; i < y.size(0) && static_cast<int64_t>(picks.size()) < kMontageRows; ++i)
      if (seen.insert(y.dim() == 1 ? y[i].item<int64_t>() : i).second) picks.push_back(i);
    std::vector<torch::Tensor> rows;
    for (int64_t i : picks) {
      auto v = data_.test.x[i].cpu();  // (C, D, H, W)
      const int64_t d = v.size(1), n = std::min(d, kMontageSlices);
      auto index = torch::linspace(0, static_cast<double>(d - 1), n).round().to(torch::kInt64);
      rows.push_back(v.index_select(1, index).transpose(0, 1).contiguous());  // (n, C, H, W)
    }
    if (!rows.empty()) write_image_grid_png(path, rows, scale);
  }

  // For variants that differ in model.init and model.activation: per task and model type, a table
  // and a heat map of test accuracy (rows: initialisations, columns: activations).
  static std::string init_activation_grids(const std::vector<VariantResult>& results, const fs::path& run_dir) {
    struct Grid {
      std::vector<std::string> inits, activations;
      std::map<std::pair<std::string, std::string>, double> accuracy;
    };
    std::map<std::string, Grid> grids;
    for (const auto& r : results) {
      const auto& m = r.metrics;
      if (!m["model"].contains("activation")) continue;
      Grid& g = grids[m["task"].get<std::string>() + ", " + m["model"]["type"].get<std::string>()];
      const auto init = m["model"]["init"].get<std::string>(), act = m["model"]["activation"].get<std::string>();
      if (std::find(g.inits.begin(), g.inits.end(), init) == g.inits.end()) g.inits.push_back(init);
      if (std::find(g.activations.begin(), g.activations.end(), act) == g.activations.end())
        g.activations.push_back(act);
      g.accuracy[{init, act}] = m["test"]["accuracy"].get<double>();
    }
    std::ostringstream md;
    int figure = 0;
    for (const auto& [name, g] : grids) {
      if (g.inits.size() < 2 && g.activations.size() < 2) continue;
      md << "\n## Test accuracy by initialisation and activation: " << name << "\n\n| init |";
      for (const auto& a : g.activations) md << " " << a << " |";
      md << "\n|---|";
      for (size_t a = 0; a < g.activations.size(); ++a) md << "---:|";
      md << "\n";
      MatrixChart chart;
      chart.title = "Test accuracy: " + name;
      chart.x_label = "activation";
      chart.y_label = "initialisation";
      chart.row_names = g.inits;
      chart.col_names = g.activations;
      for (const auto& i : g.inits) {
        md << "| " << i << " |";
        chart.values.emplace_back();
        for (const auto& a : g.activations) {
          auto it = g.accuracy.find({i, a});
          const double v = it == g.accuracy.end() ? std::nan("") : it->second;
          md << " " << format_fixed(v, 4) << " |";
          chart.values.back().push_back(std::round(v * 1e4) / 1e4);
        }
        md << "\n";
      }
      if (charts_available()) {
        const std::string file = "figures/accuracy_grid_" + std::to_string(++figure) + ".svg";
        make_dirs(run_dir / "figures");
        write_chart(run_dir / file, chart);
        md << "\nFigure: " << file << ".\n";
      }
    }
    return md.str();
  }

  // mlp beside manual_mlp with the same layers: how closely the hand-written backward pass follows autograd.
  static std::string manual_vs_autograd(const std::vector<VariantResult>& results) {
    std::ostringstream md;
    for (const auto& manual : results) {
      if (manual.metrics["model"]["type"] != "manual_mlp") continue;
      for (const auto& autograd : results) {
        const auto& a = autograd.metrics;
        const auto& b = manual.metrics;
        if (a["model"]["type"] != "mlp" || a["model"]["hidden"] != b["model"]["hidden"] ||
            a["model"]["activation"] != b["model"]["activation"] || a["model"]["init"] != b["model"]["init"] ||
            a["curve"]["train_loss"].size() != b["curve"]["train_loss"].size())
          continue;
        double worst = 0;
        for (size_t e = 0; e < a["curve"]["train_loss"].size(); ++e)
          worst = std::max(
              worst, std::abs(a["curve"]["train_loss"][e].get<double>() - b["curve"]["train_loss"][e].get<double>()));
        md << "\n## Hand-written backpropagation beside autograd\n\n"
           << b["name"].get<std::string>() << " (manual_mlp) and " << a["name"].get<std::string>()
           << " (mlp) start from the same weights: largest difference between their per-epoch training losses "
           << scientific(worst) << "; test accuracy " << format_fixed(b["test"]["accuracy"].get<double>(), 4) << " vs "
           << format_fixed(a["test"]["accuracy"].get<double>(), 4) << ".\n";
      }
    }
    return md.str();
  }

  ClassData data_;
  std::string loaded_key_;
};

ResultSchema classification_results() {
  ResultSchema s;
  const MetricDecl accuracy{"test.accuracy", "test accuracy", "", 4, true};
  const MetricDecl macro_f1{"test.macro_f1", "macro F1", "", 4, true};
  const MetricDecl log_loss{"test.log_loss", "log-loss", "", 4, false};
  s.headline = {accuracy};
  s.summary = {accuracy, macro_f1, log_loss};
  s.columns = {
      macro_f1, {"test.weighted_f1", "weighted F1", "", 4, true}, {"test.roc_auc", "ROC-AUC", "", 4, true},
      log_loss, {"model.parameters", "parameters", "", 0, false}, {"train_seconds", "training", "s", 1, false}};
  s.curves = {{"accuracy", "accuracy (argmax of the outputs = the label; multi-label: per label)", true},
              {"roc_auc", "ROC-AUC (one-vs-rest macro; multi-label: mean per label)", true}};
  s.figures = {{"confusion.svg", "Test confusion matrix (counts; rows true, columns predicted)"},
               {"confusion_normalised.svg", "Test confusion matrix, each true class's row summing to 1"},
               {"mistakes.png", "The most confidently misclassified test images, most confident first"},
               {"volumes.png", "3-D data: test volumes (one per class), each a row of slices along the first axis"},
               {"pr.svg", "Two classes: the test precision-recall curve of the second class's probability"},
               {"accuracy_grid_1.svg", "Test accuracy by initialisation (rows) and activation (columns)"}};
  return s;
}

KeyDef class_ids_key() {
  return {"data.classes", KeyType::kIntegerList, IntList{},
          "class ids to keep, renumbered 0..k-1 in this order (e.g. [5, 8] for MNIST 5 vs 8); empty: all",
          [](const KeyValue& v) -> std::string {
            const auto& ids = std::get<IntList>(v);
            std::set<int64_t> seen;
            for (int64_t id : ids) {
              if (id < 0) return "class id " + std::to_string(id) + " is negative";
              if (!seen.insert(id).second) return "class id " + std::to_string(id) + " is listed twice";
            }
            return ids.size() == 1 ? "one class only; list at least two" : "";
          }};
}

std::vector<KeyDef> classification_keys() {
  std::vector<KeyDef> keys;
  for (auto k : image_data_keys()) {
    if (k.key == "data.dataset") {
      std::vector<std::string> names = {"fashion-mnist", "mnist", "idx", "folder", "table", "npz"};
      for (const auto& info : medmnist_datasets()) names.push_back(info.name);
      k = string_key("data.dataset", "fashion-mnist",
                     "fashion-mnist, mnist, idx (IDX files in data.path), folder (data.path holds one sub-folder of "
                     "images per class), table (data.path is a CSV/TSV file with the label column data.label), npz "
                     "(data.path is a MedMNIST-layout .npz) or a MedMNIST data set (pathmnist, dermamnist, chestmnist, "
                     "..., fracturemnist3d: medmnist/NAME.npz on the data path, at data.size); with data.path set and "
                     "a named data set, the path decides",
                     names);
    } else if (k.key == "data.path") {
      k = string_key("data.path", "",
                     "a folder of IDX files, a folder with one sub-folder of images per class, a .csv/.tsv table or a "
                     ".npz in MedMNIST's layout; empty: search the data folders for data.dataset");
    }
    else if (k.key == "data.test_split")
      k.doc = "image folders and tables: fraction held out as the test set (stratified by class, seeded)";
    else if (k.key == "data.val_split")
      k.doc = "fraction of the training set held out for validation (stratified; 0: val_ columns are of the test set)";
    keys.push_back(k);
  }
  keys.push_back(integer_key("data.size", 28,
                             "MedMNIST data sets: the published image size to read (28, 64, 128 or 224; 3-D: 28 or 64)",
                             28, 224));
  keys.push_back(string_key("data.label", "",
                            "tables: the label column (class ids 0..K-1 or class names), or several 0/1 columns "
                            "separated by commas for multi-label targets (\"a,b,c\"; trained with per-label bce)"));
  keys.push_back(class_ids_key());
  keys.push_back(string_key("training.loss", "cross_entropy",
                            "cross_entropy (softmax over one logit per class) or bce (binary: one logit, 2 classes)",
                            {"cross_entropy", "bce"}));
  keys.push_back({"training.class_weights", KeyType::kString, std::string("none"),
                  "loss weight per class: none, balanced (n / (classes x n_class)) or a list \"w0,w1,...\"",
                  class_weights_problem});
  keys.push_back(float_key("training.label_smoothing", 0.0, "label smoothing of the targets (0: off)", 0.0, 0.99));
  keys.push_back(bool_key("training.oversample", false,
                          "random oversampling: every class's training examples drawn again (with replacement, "
                          "seeded) up to the largest class's count (imbalanced-learn's RandomOverSampler)"));
  for (const auto& k : AugmentOptions::keys()) keys.push_back(k);
  keys.push_back(bool_key("evaluation.diagnostics", true,
                          "mlp: per-layer gradient norm and dead/saturated fraction after each epoch (history)"));
  keys.push_back(integer_key("evaluation.mistakes", 16,
                             "images: the most confidently misclassified test images drawn (0: none)", 0, 256));
  keys.push_back(integer_key("evaluation.grid_scale", 2, "pixel scale of figure grids", 1, 16));
  return keys;
}

std::vector<KeyDef> init_keys(const std::string& default_init) {
  return {string_key("model.init", default_init,
                     "weight initialisation: default (LibTorch's own), he, he_uniform, xavier, xavier_uniform, normal "
                     "(std model.init_std) or uniform (+-model.init_range); biases zero",
                     weight_init_names()),
          float_key("model.init_std", 0.01, "init = normal: the standard deviation", 1e-12, 1e6),
          float_key("model.init_gain", 1.0, "init = xavier: the gain", 1e-12, 1e6),
          float_key("model.init_range", 0.05, "init = uniform: the half-width", 1e-12, 1e6)};
}

std::vector<ModelTypeInfo> classifier_models() {
  const KeyDef hidden = widths_key("model.hidden", {256, 128}, "hidden layer widths (empty: a linear classifier)");
  std::vector<KeyDef> mlp = {
      hidden, string_key("model.activation", "relu", "hidden-layer activation", mlp_activation_names()),
      float_key("model.dropout", 0.0, "dropout after every hidden activation (0: off)", 0.0, 0.95),
      bool_key("model.batch_norm", false, "BatchNorm1d between each hidden Linear and its activation")};
  std::vector<KeyDef> manual = {
      hidden, string_key("model.activation", "relu", "hidden-layer activation", {"relu", "tanh", "sigmoid"})};
  std::vector<KeyDef> cnn = {
      widths_key("model.channels", {32, 64}, "output channels of each conv block (conv, ReLU, max-pool)"),
      integer_key("model.kernel", 3, "kernel size (odd; same padding)", 1, 31),
      integer_key("model.pool", 2, "max-pool window and stride after each block (1: none)", 1, 16),
      bool_key("model.batch_norm", false, "BatchNorm2d between each conv and its ReLU"),
      float_key("model.conv_dropout", 0.0, "dropout after each conv block (0: off)", 0.0, 0.95),
      string_key("model.head", "flatten", "flatten or gap (global average pooling) after the conv blocks",
                 {"flatten", "gap"}),
      widths_key("model.fc", {128}, "fully connected hidden widths after the conv blocks (ReLU, dropout)"),
      float_key("model.dropout", 0.5, "dropout after each fully connected hidden layer (0: off)", 0.0, 0.95)};
  std::vector<KeyDef> resnet = {
      integer_key("model.depth", 18, "ResNet depth: 18 (basic blocks 2-2-2-2) or 50 (bottlenecks 3-4-6-3)", 18, 50),
      integer_key("model.width", 64, "ResNet: channels of the first stage (64 as torchvision; stages x1, x2, x4, x8)", 1,
                  4096),
      string_key("model.stem", "auto",
                 "ResNet input stem: small (3x3 stride-1 conv, no max-pool, MedMNIST's for 28x28), imagenet (7x7 "
                 "stride-2 conv + 3x3 max-pool) or auto (small when the smallest side is below 64)",
                 {"auto", "small", "imagenet"}),
      float_key("model.dropout", 0.0, "ResNet: dropout before the output layer (0: off)", 0.0, 0.95)};
  for (const auto& k : init_keys("he")) mlp.push_back(k), manual.push_back(k);
  for (const auto& k : init_keys("default")) cnn.push_back(k);
  return {{"mlp", "multilayer perceptron (Linear, batch norm?, activation, dropout?) on flattened inputs", mlp},
          {"cnn", "small CNN (2-D, or 3-D for volumes): conv blocks, pooling, then fully connected layers", cnn},
          {"resnet",
           "ResNet-18/50 as torchvision's (MedMNIST's benchmark models), 2-D or 3-D; torchvision's initialisation",
           resnet},
          {"manual_mlp",
           "the MLP with forward and backward passes written by hand (no autograd), softmax cross-entropy", manual}};
}

// ---------------------------------------------------------------------------------------------
// latent predict

constexpr int64_t kPredictBatch = 512;

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < 8; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > 8) out += ", ...";
  return out;
}

// The probabilities of x's rows, a batch at a time.
torch::Tensor probabilities_of(LoadedClassifier& c, const torch::Tensor& x) {
  std::vector<torch::Tensor> parts;
  for (int64_t b = 0; b < x.size(0); b += kPredictBatch)
    parts.push_back(c.probabilities(x.slice(0, b, std::min(x.size(0), b + kPredictBatch))));
  return torch::cat(parts);
}

void predict_images(LoadedClassifier& c, const std::vector<std::string>& inputs, std::vector<std::string>& names,
                    std::vector<torch::Tensor>& probs) {
  std::vector<fs::path> files;
  for (const auto& in : inputs) {
    if (fs::is_directory(in)) {
      auto found = image_files_in(in, "predict");
      if (found.empty()) throw Error(in + ": no image files in the folder");
      files.insert(files.end(), found.begin(), found.end());
    } else {
      const std::string ext = fs::path(in).extension().string();
      if (ext == ".csv" || ext == ".tsv" || ext == ".CSV" || ext == ".TSV")
        throw Error(in + ": a table, but the model takes " + std::to_string(c.meta.input_shape[0]) + "x" +
                    std::to_string(c.meta.input_shape[1]) + "x" + std::to_string(c.meta.input_shape[2]) +
                    " images (image files or folders of them)");
      files.push_back(in);
    }
  }
  const auto& shape = c.meta.input_shape;
  const ImageFiles images = read_image_files(files, shape[0], shape[1], shape[2]);
  for (const auto& f : images.files) names.push_back(f.string());
  probs.push_back(probabilities_of(c, images.x));
}

void predict_tables(LoadedClassifier& c, const std::vector<std::string>& inputs, std::vector<std::string>& names,
                    std::vector<torch::Tensor>& probs) {
  for (const auto& in : inputs) {
    if (fs::is_directory(in))
      throw Error(in + ": a folder, but the model takes table rows with " + std::to_string(c.feature_names.size()) +
                  " feature columns (" + joined(c.feature_names) + ")");
    CsvOptions o;
    const std::vector<std::string> labels = label_columns(c.spec.get<std::string>("data.label"));
    if (!c.multi_label) o.label = labels.front();
    o.label_required = false;
    o.text_labels = true;
    o.delimiter = detect_delimiter(in);
    CsvReader reader(in, o);
    // A multi-label model's label columns, where the file has them, are left out.
    std::vector<std::string> features;
    std::vector<int64_t> keep;
    for (size_t i = 0; i < reader.feature_names().size(); ++i) {
      const auto& name = reader.feature_names()[i];
      if (c.multi_label && std::find(labels.begin(), labels.end(), name) != labels.end()) continue;
      features.push_back(name);
      keep.push_back(static_cast<int64_t>(i));
    }
    if (features != c.feature_names)
      throw Error(in + ": its feature columns (" + joined(features) + ") are not the model's (" +
                  joined(c.feature_names) + ")");
    const bool all = keep.size() == reader.feature_names().size();
    const auto keep_index = torch::tensor(keep, torch::kInt64);
    CsvChunk chunk;
    while (reader.next(chunk)) {
      probs.push_back(probabilities_of(c, all ? chunk.x : chunk.x.index_select(1, keep_index)));
      for (int64_t line : chunk.lines) names.push_back(in + ":" + std::to_string(line));
    }
  }
}

// input,predicted,<label>...: the labels at probability >= 0.5 joined by ';', then every label's.
std::string multilabel_csv(const std::vector<std::string>& labels, const std::vector<std::string>& names,
                           const torch::Tensor& probs) {
  std::ostringstream csv;
  csv << "input,predicted";
  for (const auto& l : labels) csv << "," << csv_cell(l);
  csv << "\n";
  auto p = probs.accessor<double, 2>();
  char buf[32];
  for (int64_t i = 0; i < probs.size(0); ++i) {
    std::string predicted;
    for (size_t l = 0; l < labels.size(); ++l)
      if (p[i][static_cast<int64_t>(l)] >= 0.5) predicted += (predicted.empty() ? "" : ";") + labels[l];
    csv << csv_cell(names[static_cast<size_t>(i)]) << "," << csv_cell(predicted);
    for (size_t l = 0; l < labels.size(); ++l) {
      std::snprintf(buf, sizeof buf, "%.6f", p[i][static_cast<int64_t>(l)]);
      csv << "," << buf;
    }
    csv << "\n";
  }
  return csv.str();
}

}  // namespace

StudyKind classification_kind() {
  StudyKind k;
  k.name = "classification";
  k.doc =
      "classifiers (MLP, CNN, hand-written MLP) on images, image folders or tables: accuracy, per-class P/R/F1, "
      "ROC-AUC, log-loss, confusion matrix";
  k.keys = classification_keys();
  k.models = classifier_models();
  k.results = classification_results();
  k.resolve = [](Spec& s) {
    if (s.model_type() == "manual_mlp") {
      const char* key = s.get<std::string>("training.loss") != "cross_entropy"   ? "training.loss"
                        : s.get<std::string>("training.class_weights") != "none" ? "training.class_weights"
                        : s.get<double>("training.label_smoothing") != 0.0       ? "training.label_smoothing"
                                                                                 : nullptr;
      if (key)
        throw UsageError(s.where(key) + ": " + key +
                         ": manual_mlp trains plain softmax cross-entropy (no bce, class weights or label smoothing)");
    }
  };
  k.make = [] { return std::make_unique<ClassificationStudy>(); };
  return k;
}

torch::Tensor LoadedClassifier::probabilities(const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  const torch::Tensor input = mean.defined() ? Standardizer{mean, std}.apply(x) : x;
  torch::Tensor logits;
  if (auto mlp = std::dynamic_pointer_cast<MlpImpl>(module))
    logits = mlp->forward(input);
  else if (auto cnn = std::dynamic_pointer_cast<CnnImpl>(module))
    logits = cnn->forward(input);
  else if (auto resnet = std::dynamic_pointer_cast<ResNetImpl>(module))
    logits = resnet->forward(input);
  else
    logits = std::dynamic_pointer_cast<ManualMlpImpl>(module)->forward(input);
  if (multi_label) return torch::sigmoid(logits);
  if (!binary) return torch::softmax(logits, 1);
  auto p = torch::sigmoid(logits.squeeze(1));
  return torch::stack({1.0 - p, p}, 1);
}

LoadedClassifier load_classifier(const std::filesystem::path& path) {
  LoadedClassifier c;
  c.meta = read_checkpoint_meta(path);
  if (c.meta.kind != "classification")
    throw Error(path.string() + ": a '" + c.meta.kind + "' checkpoint, not a classifier (kind classification)");
  c.spec = parse_spec(c.meta.spec_toml, path.string() + " (stored spec)");
  auto extras = read_checkpoint_extras(path);
  if (!extras.count("class_names")) throw Error(path.string() + ": classifier checkpoint without 'class_names'");
  c.class_names = strings_from_tensor(extras["class_names"]);
  if (extras.count("mean")) {
    c.mean = extras["mean"];
    c.std = extras["std"];
    c.feature_names = strings_from_tensor(extras["feature_names"]);
  }
  c.multi_label = extras.count("multi_label") > 0;
  c.binary = !c.multi_label && c.spec.get<std::string>("training.loss") == "bce";
  Classifier model =
      make_classifier(c.spec, c.meta.input_shape, c.binary ? 1 : static_cast<int64_t>(c.class_names.size()));
  load_checkpoint_weights(path, *model.module);
  model.module->eval();
  c.module = model.module;
  return c;
}

PredictSummary predict_to_csv(const fs::path& model, const std::vector<std::string>& inputs, const fs::path& out,
                              int64_t top_k) {
  if (top_k < 1) throw UsageError("--top-k: must be >= 1, got " + std::to_string(top_k));
  if (inputs.empty()) throw UsageError("predict: no inputs");
  LoadedClassifier c = load_classifier(model);
  if (c.meta.input_shape.size() == 4)
    throw Error(model.string() + ": a model of 3-D volumes; latent predict reads image files, folders and tables");
  std::vector<std::string> names;
  std::vector<torch::Tensor> parts;
  if (c.takes_images())
    predict_images(c, inputs, names, parts);
  else
    predict_tables(c, inputs, names, parts);
  const auto probs = torch::cat(parts).to(torch::kFloat64).contiguous();
  if (c.multi_label) {
    write_file_atomic(out, multilabel_csv(c.class_names, names, probs));
    return {probs.size(0)};
  }
  const int64_t k = std::min<int64_t>(top_k, probs.size(1));
  const auto top = probs.topk(k, 1);
  const auto values = std::get<0>(top).contiguous(), index = std::get<1>(top).contiguous();
  std::ostringstream csv;
  csv << "input,predicted,probability";
  for (int64_t j = 1; j <= k; ++j) csv << ",top" << j << ",p" << j;
  csv << "\n";
  char buf[32];
  auto v = values.accessor<double, 2>();
  auto ix = index.accessor<int64_t, 2>();
  for (int64_t i = 0; i < probs.size(0); ++i) {
    const auto name_of = [&](int64_t j) { return csv_cell(c.class_names[static_cast<size_t>(ix[i][j])]); };
    std::snprintf(buf, sizeof buf, "%.6f", v[i][0]);
    csv << csv_cell(names[static_cast<size_t>(i)]) << "," << name_of(0) << "," << buf;
    for (int64_t j = 0; j < k; ++j) {
      std::snprintf(buf, sizeof buf, "%.6f", v[i][j]);
      csv << "," << name_of(j) << "," << buf;
    }
    csv << "\n";
  }
  write_file_atomic(out, csv.str());
  PredictSummary s;
  s.rows = probs.size(0);
  return s;
}

}  // namespace latent
