// Small helpers shared by the study runners: number formatting for results.md, checkpoint
// metadata of a variant, parameter counts and training time.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "latent/data/dataset.h"
#include "latent/studies/spec.h"
#include "latent/studies/study.h"
#include "latent/training/checkpoint.h"
#include "latent/training/history.h"
#include "latent/training/trainer.h"

namespace latent {

// v with `digits` digits after the point; "n/a" when v is not finite.
std::string format_fixed(double v, int digits);

// Checkpoint metadata for one variant of a study (kind, model type, resolved spec).
CheckpointMeta variant_checkpoint_meta(const Spec& spec, const std::string& variant, const std::vector<int64_t>& input_shape);

int64_t parameter_count(torch::nn::Module& model);

// Loads the image data set the spec's [data] section names onto ctx.device into `data`,
// unless `loaded_key` shows the same data is already there. Returns true when it (re)loaded.
bool load_image_data(const Spec& spec, const RunContext& ctx, DataSplits& data, std::string& loaded_key);

// FitOptions every study shares: epochs, batch size, progress label, early stopping, and
// training-state checkpoints in the variant's folder (resumed when ctx.resume).
FitOptions variant_fit_options(const Spec& spec, const Variant& variant, const RunContext& ctx,
                               const std::vector<int64_t>& input_shape);

// Sum of the epochs' training seconds.
double train_seconds(const History& history);

}  // namespace latent
