// Helpers shared by the study runners.
#include "latent/studies/study_util.h"

#include <cmath>
#include <sstream>

#include "latent/training/train_state.h"

namespace latent {

std::string format_fixed(double v, int digits) {
  if (!std::isfinite(v)) return "n/a";
  std::ostringstream ss;
  ss.setf(std::ios::fixed);
  ss.precision(digits);
  ss << v;
  return ss.str();
}

CheckpointMeta variant_checkpoint_meta(const Spec& spec, const std::string& variant, const std::vector<int64_t>& input_shape) {
  CheckpointMeta meta;
  meta.kind = spec.kind;
  meta.model_type = spec.model.type;
  meta.variant = variant;
  meta.input_shape = input_shape;
  meta.spec_toml = spec_to_toml(spec);
  return meta;
}

FitOptions variant_fit_options(const Spec& spec, const Variant& variant, const RunContext& ctx,
                               const std::vector<int64_t>& input_shape) {
  FitOptions o;
  o.epochs = spec.training.epochs;
  o.batch_size = spec.training.batch_size;
  o.label = spec.study + "/" + variant.name;
  o.early_stopping_patience = spec.training.early_stopping_patience;
  o.state_path = ctx.variant_dir / kTrainStateFile;
  o.checkpoint_every = spec.training.checkpoint_every;
  o.state_meta = variant_checkpoint_meta(spec, variant.name, input_shape);
  o.resume = ctx.resume;
  return o;
}

int64_t parameter_count(torch::nn::Module& model) {
  int64_t n = 0;
  for (const auto& p : model.parameters()) n += p.numel();
  return n;
}

double train_seconds(const History& history) {
  double s = 0;
  for (const auto& r : history) s += r.seconds;
  return s;
}

bool load_image_data(const Spec& spec, const RunContext& ctx, DataSplits& data, std::string& loaded_key) {
  ImageDataOptions options = image_data_options(spec, ctx.data_dir);
  const std::string key = options.dataset + "|" + options.path + "|" + std::to_string(options.train_limit) + "|" +
                          std::to_string(options.test_limit) + "|" + std::to_string(options.val_split) + "|" +
                          std::to_string(options.split_seed) + "|" + std::to_string(options.image_size) + "|" +
                          std::to_string(options.channels) + "|" + std::to_string(options.test_split) + "|" + ctx.device.str();
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

}  // namespace latent
