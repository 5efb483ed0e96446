// Helpers shared by the study runners.
#include "latent/studies/study_util.h"

#include <cmath>
#include <sstream>

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

}  // namespace latent
