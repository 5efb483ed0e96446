// What the study kinds share: the image data keys and loading, the training session of one model
// and its optimizer, the loop options of a variant, checkpoint metadata, parameter counts,
// training time and number formatting.
#pragma once

#include <torch/nn/module.h>

#include <memory>
#include <string>
#include <vector>

#include "latent/core/keys.h"
#include "latent/data/dataset.h"
#include "latent/studies/spec.h"
#include "latent/studies/study.h"
#include "latent/training/checkpoint.h"
#include "latent/training/history.h"
#include "latent/training/loop.h"
#include "latent/training/session.h"

namespace latent {

// v with `digits` digits after the point; "n/a" when v is not finite.
std::string format_fixed(double v, int digits);

// Checkpoint metadata for one variant of a study (kind, model type, resolved spec).
CheckpointMeta variant_checkpoint_meta(const Spec& spec, const std::string& variant,
                                       const std::vector<int64_t>& input_shape);

int64_t parameter_count(torch::nn::Module& model);

// A list of names as one uint8 tensor ("\n"-joined), for a checkpoint's extras, and back.
torch::Tensor strings_tensor(const std::vector<std::string>& names);
std::vector<std::string> strings_from_tensor(const torch::Tensor& t);

// The data.* keys of a kind that reads images (IDX data sets and image folders).
std::vector<KeyDef> image_data_keys();

// data.dataset = idx or images needs data.path (UsageError naming where it was set).
void check_image_data(const Spec& spec);

// training.loss = bce needs model.output = sigmoid.
void check_bce_output(const Spec& spec);

// The autoencoder families as model types of a kind (only the variational ones when asked).
std::vector<ModelTypeInfo> autoencoder_models(bool variational_only);

// Maps the image data keys onto the image loader's options.
ImageDataOptions image_data_options(const Spec& spec, const std::string& data_dir);

// Loads the image data set the spec's data.* keys name onto ctx.device into `data`, unless
// `loaded_key` shows the same data is already there. Returns true when it (re)loaded.
bool load_image_data(const Spec& spec, const RunContext& ctx, DataSplits& data, std::string& loaded_key);

// A session of one module "model" with the optimizer "model" over all its parameters and the
// spec's learning-rate schedule (watching training.monitor in its kind's direction).
TrainSession model_session(std::shared_ptr<torch::nn::Module> model, const Spec& spec, const torch::Device& device);

// The loop options every study shares: the loop's keys, the progress label, the monitored column's
// direction (from the kind's results), training-state checkpoints in the variant's folder
// (resumed when ctx.resume) and ctx's observers.
LoopOptions variant_loop_options(const Spec& spec, const Variant& variant, const RunContext& ctx,
                                 const std::vector<int64_t>& input_shape, bool has_validation);

// Sum of the epochs' training seconds.
double train_seconds(const History& history);

// The metrics every kind writes for a variant: name, epochs asked and run, final train loss and
// learning rate, training time and speed, example counts.
nlohmann::json loop_metrics(const std::string& name, const Spec& spec, const History& history, int64_t train_examples,
                            int64_t test_examples);

}  // namespace latent
