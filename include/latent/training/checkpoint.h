// Checkpoints: a model's weights plus everything needed to rebuild it from the file alone
// (format version, study kind, variant, input shape, the resolved spec as TOML) and named
// extra tensors (e.g. a fitted standardisation or a threshold). Written atomically.
#pragma once

#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace latent {

constexpr int64_t kCheckpointFormatVersion = 1;

struct CheckpointMeta {
  int64_t format_version = kCheckpointFormatVersion;
  std::string kind;                  // study kind, e.g. "reconstruction"
  std::string model_type;            // model.type
  std::string variant;               // variant name inside the study
  std::vector<int64_t> input_shape;  // one example, without the batch dimension
  std::string spec_toml;             // resolved spec of this variant
  std::string latent_version;
};

using TensorMap = std::map<std::string, torch::Tensor>;

// With `optimizer`, its state (e.g. Adam's moments) is saved too, for resuming training.
void save_checkpoint(const std::filesystem::path& path, torch::nn::Module& model, const CheckpointMeta& meta,
                     const TensorMap& extras = {}, const torch::optim::Optimizer* optimizer = nullptr);

// Reads the metadata; throws Error naming the file when it is not a latent checkpoint or
// has another format version.
CheckpointMeta read_checkpoint_meta(const std::filesystem::path& path);

// Loads weights into `model`, which must have exactly the checkpoint's parameter names and
// shapes; a mismatch throws Error naming the first differing key.
void load_checkpoint_weights(const std::filesystem::path& path, torch::nn::Module& model);

TensorMap read_checkpoint_extras(const std::filesystem::path& path);

// Loads the optimizer state saved with the weights; throws Error naming the file when there
// is none or it does not fit `optimizer`.
void load_checkpoint_optimizer(const std::filesystem::path& path, torch::optim::Optimizer& optimizer);

// The pieces these files are made of, for other files of the same kind (training states):
// the metadata entry, a module's parameters and buffers, named tensors, an optimizer's state, and
// the atomic write. Readers' errors name `path`.
torch::serialize::InputArchive open_checkpoint_archive(const std::filesystem::path& path);
void write_meta(torch::serialize::OutputArchive& archive, const CheckpointMeta& meta);
CheckpointMeta read_meta(torch::serialize::InputArchive& archive, const std::filesystem::path& path);
void write_weights(torch::serialize::OutputArchive& archive, torch::nn::Module& model);
// Exactly the model's parameter and buffer names and shapes, or an Error naming the first that differs.
void read_weights(torch::serialize::InputArchive& archive, torch::nn::Module& model, const std::filesystem::path& path);
void write_tensors(torch::serialize::OutputArchive& archive, const TensorMap& tensors);
TensorMap read_tensors(torch::serialize::InputArchive& archive);
void read_optimizer(torch::serialize::InputArchive& archive, torch::optim::Optimizer& optimizer,
                    const std::filesystem::path& path);
void save_archive_atomic(torch::serialize::OutputArchive& archive, const std::filesystem::path& path);

}  // namespace latent
