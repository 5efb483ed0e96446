// Small helpers shared by the study runners: number formatting for results.md, checkpoint
// metadata of a variant, parameter counts and training time.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "latent/studies/spec.h"
#include "latent/training/checkpoint.h"
#include "latent/training/history.h"

namespace latent {

// v with `digits` digits after the point; "n/a" when v is not finite.
std::string format_fixed(double v, int digits);

// Checkpoint metadata for one variant of a study (kind, model type, resolved spec).
CheckpointMeta variant_checkpoint_meta(const Spec& spec, const std::string& variant, const std::vector<int64_t>& input_shape);

int64_t parameter_count(torch::nn::Module& model);

// Sum of the epochs' training seconds.
double train_seconds(const History& history);

}  // namespace latent
