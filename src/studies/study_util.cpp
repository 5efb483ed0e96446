// Helpers shared by the study kinds.
#include "latent/studies/study_util.h"

#include <cmath>
#include <sstream>

#include "latent/core/error.h"
#include "latent/models/autoencoder.h"
#include "latent/training/optimizer.h"
#include "latent/training/schedule.h"
#include "latent/training/train_state.h"
#include "latent/training/training_spec.h"

namespace latent {

std::string format_fixed(double v, int digits) {
  if (!std::isfinite(v)) return "n/a";
  std::ostringstream ss;
  ss.setf(std::ios::fixed);
  ss.precision(digits);
  ss << v;
  return ss.str();
}

CheckpointMeta variant_checkpoint_meta(const Spec& spec, const std::string& variant,
                                       const std::vector<int64_t>& input_shape) {
  CheckpointMeta meta;
  meta.kind = spec.kind;
  meta.model_type = spec.model_type();
  meta.variant = variant;
  meta.input_shape = input_shape;
  meta.spec_toml = spec_to_toml(spec);
  return meta;
}

int64_t parameter_count(torch::nn::Module& model) {
  int64_t n = 0;
  for (const auto& p : model.parameters()) n += p.numel();
  return n;
}

torch::Tensor strings_tensor(const std::vector<std::string>& names) {
  std::string joined;
  for (const auto& n : names) joined += n + "\n";
  std::vector<uint8_t> bytes(joined.begin(), joined.end());
  return torch::from_blob(bytes.data(), {static_cast<int64_t>(bytes.size())}, torch::kUInt8).clone();
}

std::vector<std::string> strings_from_tensor(const torch::Tensor& t) {
  auto c = t.to(torch::kCPU).contiguous();
  std::string joined(reinterpret_cast<const char*>(c.data_ptr<uint8_t>()), static_cast<size_t>(c.numel()));
  std::vector<std::string> out;
  std::istringstream in(joined);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::vector<KeyDef> image_data_keys() {
  constexpr double kBig = 1e9;
  return {
      string_key(
          "data.dataset", "fashion-mnist",
          "fashion-mnist, mnist, idx (any folder of IDX files named by data.path) or images (a folder of PNG/JPEG files named by "
          "data.path)",
          {"fashion-mnist", "mnist", "idx", "images"}),
      string_key(
          "data.path", "",
          "folder with train-/t10k- IDX files (plain or .gz) or with PNG/JPEG images (read as data.dataset = images); empty: "
          "search the data folders"),
      integer_key("data.train_limit", 0, "use the first N training examples (0: all)", 0, kBig),
      integer_key("data.test_limit", 0, "use the first N test examples (0: all)", 0, kBig),
      float_key("data.val_split", 0.0,
                "fraction of the training set held out for validation (0: val_loss is measured on the test set)", 0.0,
                0.9),
      float_key("data.test_split", 0.3,
                "image folders: fraction of the images held out as the test set (a seeded split)", 0.01, 0.9),
      integer_key("data.image_size", 32, "image folders: every image is resized to image_size x image_size", 1, 4096),
      {"data.channels", KeyType::kInteger, int64_t{0},
       "image folders: 1 (grayscale), 3 (RGB) or 0 (3 when any image is in colour, else 1)",
       [](const KeyValue& v) -> std::string {
         const auto c = std::get<int64_t>(v);
         return c == 0 || c == 1 || c == 3 ? "" : std::to_string(c) + " is not 0, 1 or 3";
       }},
  };
}

void check_image_data(const Spec& spec) {
  const std::string& dataset = spec.get<std::string>("data.dataset");
  if ((dataset == "idx" || dataset == "images") && spec.get<std::string>("data.path").empty())
    throw UsageError(spec.where("data.dataset") + ": data.path: required when data.dataset = \"" + dataset + "\"");
}

void check_bce_output(const Spec& spec) {
  if (spec.get<std::string>("training.loss") == "bce" && spec.values.has("model.output") &&
      spec.get<std::string>("model.output") != "sigmoid")
    throw UsageError((spec.sources.count("model.output") ? spec.where("model.output") : spec.where("training.loss")) +
                     ": training.loss: bce needs model.output = \"sigmoid\" (outputs in [0, 1])");
}

std::vector<ModelTypeInfo> autoencoder_models(bool variational_only) {
  std::vector<ModelTypeInfo> out;
  for (const auto& f : autoencoder_families())
    if (f.variational || !variational_only) out.push_back({f.type, f.doc, f.keys});
  return out;
}

ImageDataOptions image_data_options(const Spec& spec, const std::string& data_dir) {
  ImageDataOptions o;
  o.dataset = spec.get<std::string>("data.dataset");
  o.path = spec.get<std::string>("data.path");
  o.data_dir = data_dir;
  o.train_limit = spec.get<int64_t>("data.train_limit");
  o.test_limit = spec.get<int64_t>("data.test_limit");
  o.val_split = spec.get<double>("data.val_split");
  o.split_seed = static_cast<uint64_t>(spec.seed);
  o.image_size = spec.get<int64_t>("data.image_size");
  o.channels = spec.get<int64_t>("data.channels");
  o.test_split = spec.get<double>("data.test_split");
  return o;
}

bool load_image_data(const Spec& spec, const RunContext& ctx, DataSplits& data, std::string& loaded_key) {
  ImageDataOptions options = image_data_options(spec, ctx.data_dir);
  const std::string key = options.dataset + "|" + options.path + "|" + std::to_string(options.train_limit) + "|" +
                          std::to_string(options.test_limit) + "|" + std::to_string(options.val_split) + "|" +
                          std::to_string(options.split_seed) + "|" + std::to_string(options.image_size) + "|" +
                          std::to_string(options.channels) + "|" + std::to_string(options.test_split) + "|" +
                          ctx.device.str();
  if (key == loaded_key) return false;
  DataSplits d = load_image_dataset(options);
  data.name = d.name;
  data.class_names = d.class_names;
  data.train = d.train.to(ctx.device);
  data.val = d.val.size() > 0 ? d.val.to(ctx.device) : TensorDataset{};
  data.test = d.test.to(ctx.device);
  loaded_key = key;
  return true;
}

TrainSession model_session(std::shared_ptr<torch::nn::Module> model, const Spec& spec, const torch::Device& device) {
  const TrainingSpec t = TrainingSpec::from_values(spec.values);
  TrainSession session(device);
  session.add_module("model", model);
  session.add_optimizer("model", make_optimizer(t, model->parameters()));
  const auto higher = study_kind(spec.kind).results.column_higher_is_better(t.monitor);
  session.add_schedule("model", make_lr_schedule(t, higher.value_or(false)));
  return session;
}

LoopOptions variant_loop_options(const Spec& spec, const Variant& variant, const RunContext& ctx,
                                 const std::vector<int64_t>& input_shape, bool has_validation) {
  LoopOptions o;
  o.training = TrainingSpec::from_values(spec.values);
  o.label = spec.study + "/" + variant.name;
  o.has_validation = has_validation;
  o.monitor_higher_is_better =
      study_kind(spec.kind).results.column_higher_is_better(o.training.monitor).value_or(false);
  o.state_path = ctx.variant_dir / kTrainStateFile;
  o.state_meta = variant_checkpoint_meta(spec, variant.name, input_shape);
  o.resume = ctx.resume;
  o.observers = ctx.observers;
  return o;
}

double train_seconds(const History& history) {
  double s = 0;
  for (const auto& r : history) s += r.seconds;
  return s;
}

nlohmann::json loop_metrics(const std::string& name, const Spec& spec, const History& history, int64_t train_examples,
                            int64_t test_examples) {
  const double seconds = train_seconds(history);
  const int64_t epochs = spec.get<int64_t>("training.epochs");
  nlohmann::json m;
  m["name"] = name;
  m["epochs"] = epochs;
  m["epochs_run"] = static_cast<int64_t>(history.size());
  m["final_lr"] = history.back().lr;
  m["final_train_loss"] = history.back().train_loss;
  m["train_seconds"] = seconds;
  m["samples_per_second"] = seconds > 0 ? static_cast<double>(train_examples * epochs) / seconds : 0.0;
  m["train_examples"] = train_examples;
  m["test_examples"] = test_examples;
  return m;
}

}  // namespace latent
