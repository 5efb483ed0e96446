// Checkpoint files on top of LibTorch's serialize archives.
#include "latent/training/checkpoint.h"

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "latent/core/error.h"
#include "latent/core/fs.h"
#include "latent/data/zip_check.h"

namespace latent {

namespace {

constexpr const char* kMetaKey = "latent_meta";
constexpr const char* kModelKey = "model";
constexpr const char* kExtrasKey = "extras";
constexpr const char* kOptimizerKey = "optimizer";

}  // namespace

torch::serialize::InputArchive open_checkpoint_archive(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) throw Error(path.string() + ": no such checkpoint");
  verify_zip_checksums(path);
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path.string(), torch::kCPU);
  } catch (const c10::Error& e) {
    throw Error(path.string() + ": not a latent checkpoint (" + first_line(e.what_without_backtrace()) + ")");
  }
  return archive;
}

CheckpointMeta read_meta(torch::serialize::InputArchive& archive, const std::filesystem::path& path) {
  c10::IValue value;
  if (!archive.try_read(kMetaKey, value) || !value.isString())
    throw Error(path.string() + ": not a latent checkpoint (no metadata)");
  CheckpointMeta meta;
  try {
    auto j = nlohmann::json::parse(value.toStringRef());
    meta.format_version = j.at("format_version").get<int64_t>();
    if (meta.format_version != kCheckpointFormatVersion)
      throw Error(path.string() + ": checkpoint format version " + std::to_string(meta.format_version) +
                  ", this latent reads version " + std::to_string(kCheckpointFormatVersion));
    meta.kind = j.at("kind").get<std::string>();
    meta.model_type = j.at("model_type").get<std::string>();
    meta.variant = j.at("variant").get<std::string>();
    meta.input_shape = j.at("input_shape").get<std::vector<int64_t>>();
    meta.spec_toml = j.at("spec").get<std::string>();
    meta.latent_version = j.value("latent_version", "");
  } catch (const nlohmann::json::exception& e) {
    throw Error(path.string() + ": damaged checkpoint metadata (" + std::string(e.what()) + ")");
  }
  return meta;
}

void write_meta(torch::serialize::OutputArchive& archive, const CheckpointMeta& meta) {
  nlohmann::json j;
  j["format_version"] = meta.format_version;
  j["kind"] = meta.kind;
  j["model_type"] = meta.model_type;
  j["variant"] = meta.variant;
  j["input_shape"] = meta.input_shape;
  j["spec"] = meta.spec_toml;
  j["latent_version"] = meta.latent_version.empty() ? std::string(LATENT_VERSION) : meta.latent_version;
  archive.write(kMetaKey, c10::IValue(j.dump()));
}

void write_weights(torch::serialize::OutputArchive& archive, torch::nn::Module& model) {
  torch::NoGradGuard no_grad;
  for (const auto& p : model.named_parameters()) archive.write(p.key(), p.value().detach().to(torch::kCPU));
  for (const auto& b : model.named_buffers()) archive.write(b.key(), b.value().to(torch::kCPU), /*is_buffer=*/true);
}

void read_weights(torch::serialize::InputArchive& archive, torch::nn::Module& model,
                  const std::filesystem::path& path) {
  std::set<std::string> expected;
  auto load_one = [&](const std::string& key, torch::Tensor& target, bool is_buffer) {
    expected.insert(key);
    torch::Tensor stored;
    if (!archive.try_read(key, stored, is_buffer))
      throw Error(path.string() + ": checkpoint has no weight '" + key + "' (saved from another architecture?)");
    if (stored.sizes() != target.sizes())
      throw Error(path.string() + ": weight '" + key + "' has shape " + c10::str(stored.sizes()) +
                  " in the checkpoint, " + c10::str(target.sizes()) + " in the model");
    torch::NoGradGuard no_grad;
    target.copy_(stored);
  };
  for (auto& p : model.named_parameters()) load_one(p.key(), p.value(), false);
  for (auto& b : model.named_buffers()) load_one(b.key(), b.value(), true);
  for (const auto& key : archive.keys())
    if (!expected.count(key))
      throw Error(path.string() + ": checkpoint weight '" + key +
                  "' does not exist in the model (saved from another architecture?)");
}

void write_tensors(torch::serialize::OutputArchive& archive, const TensorMap& tensors) {
  for (const auto& [name, tensor] : tensors) archive.write(name, tensor.to(torch::kCPU));
}

TensorMap read_tensors(torch::serialize::InputArchive& archive) {
  TensorMap out;
  for (const auto& key : archive.keys()) {
    torch::Tensor t;
    archive.read(key, t);
    out[key] = t;
  }
  return out;
}

void save_archive_atomic(torch::serialize::OutputArchive& archive, const std::filesystem::path& path) {
  // Serialized in memory, then written by write_file_atomic: LibTorch's file writer cannot
  // report a failed write (a full disk) other than by throwing from a destructor, which
  // terminates the process.
  std::ostringstream bytes;
  try {
    archive.save_to(bytes);
  } catch (const c10::Error& e) {
    throw Error(path.string() + ": cannot write checkpoint (" + first_line(e.what_without_backtrace()) + ")");
  }
  write_file_atomic(path, bytes.str());
}

void save_checkpoint(const std::filesystem::path& path, torch::nn::Module& model, const CheckpointMeta& meta,
                     const TensorMap& extras, const torch::optim::Optimizer* optimizer) {
  torch::serialize::OutputArchive archive;
  write_meta(archive, meta);
  torch::serialize::OutputArchive model_archive;
  write_weights(model_archive, model);
  archive.write(kModelKey, model_archive);
  torch::serialize::OutputArchive extras_archive;
  write_tensors(extras_archive, extras);
  archive.write(kExtrasKey, extras_archive);
  if (optimizer != nullptr) {
    torch::serialize::OutputArchive optimizer_archive;
    optimizer->save(optimizer_archive);
    archive.write(kOptimizerKey, optimizer_archive);
  }
  save_archive_atomic(archive, path);
}

CheckpointMeta read_checkpoint_meta(const std::filesystem::path& path) {
  auto archive = open_checkpoint_archive(path);
  return read_meta(archive, path);
}

void load_checkpoint_weights(const std::filesystem::path& path, torch::nn::Module& model) {
  auto archive = open_checkpoint_archive(path);
  read_meta(archive, path);
  torch::serialize::InputArchive model_archive;
  if (!archive.try_read(kModelKey, model_archive)) throw Error(path.string() + ": checkpoint has no model weights");
  read_weights(model_archive, model, path);
}

TensorMap read_checkpoint_extras(const std::filesystem::path& path) {
  auto archive = open_checkpoint_archive(path);
  torch::serialize::InputArchive extras;
  if (!archive.try_read(kExtrasKey, extras)) return {};
  return read_tensors(extras);
}

void load_checkpoint_optimizer(const std::filesystem::path& path, torch::optim::Optimizer& optimizer) {
  auto archive = open_checkpoint_archive(path);
  read_meta(archive, path);
  torch::serialize::InputArchive optimizer_archive;
  if (!archive.try_read(kOptimizerKey, optimizer_archive))
    throw Error(path.string() + ": checkpoint has no optimizer state");
  read_optimizer(optimizer_archive, optimizer, path);
}

void read_optimizer(torch::serialize::InputArchive& archive, torch::optim::Optimizer& optimizer,
                    const std::filesystem::path& path) {
  try {
    optimizer.load(archive);
  } catch (const c10::Error& e) {
    throw Error(path.string() + ": optimizer state does not fit this optimizer (" +
                first_line(e.what_without_backtrace()) + ")");
  }
}

}  // namespace latent
