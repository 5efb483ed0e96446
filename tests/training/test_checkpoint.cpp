// Checkpoints: round trip through a fresh process, metadata, and clear errors on mismatch.
#include <gtest/gtest.h>

#include <unistd.h>

#include "latent/core/error.h"
#include "latent/core/eval_mode.h"
#include "latent/data/zip_check.h"
#include "latent/models/autoencoder.h"
#include "latent/studies/saved_model.h"
#include "latent/studies/spec.h"
#include "latent/training/checkpoint.h"
#include "test_util.h"

namespace latent {
namespace {

using testing::error_of;
using testing::TempDir;

std::filesystem::path probe_path() {
  return std::filesystem::read_symlink("/proc/self/exe").parent_path() / "checkpoint_probe";
}

struct Saved {
  Spec spec;
  std::shared_ptr<AutoencoderBase> model;
};

Saved save_model(const std::filesystem::path& path, std::vector<int64_t> hidden, int64_t latent = 6) {
  Saved s;
  s.spec = default_spec("reconstruction");
  s.spec.values.set("model.hidden", std::move(hidden));
  s.spec.values.set("model.latent", latent);
  s.model = make_autoencoder(ModelSpec::from_values(s.spec.values), {1, 5, 5});
  CheckpointMeta meta;
  meta.kind = "reconstruction";
  meta.model_type = s.spec.model_type();
  meta.variant = "v";
  meta.input_shape = {1, 5, 5};
  meta.spec_toml = spec_to_toml(s.spec);
  save_checkpoint(path, *s.model, meta, {{"threshold", torch::tensor({0.25})}});
  return s;
}

TEST(Checkpoint, RoundTripInAFreshProcessGivesTheSameOutputs) {
  TempDir tmp;
  torch::manual_seed(5);
  Saved s = save_model(tmp / "model.pt", {12});
  auto x = torch::rand({7, 1, 5, 5});
  torch::Tensor expected;
  {
    EvalMode guard(*s.model);
    expected = s.model->forward(x).recon;
  }
  torch::save(x, (tmp / "in.pt").string());
  const std::string cmd = probe_path().string() + " " + (tmp / "model.pt").string() + " " + (tmp / "in.pt").string() +
                          " " + (tmp / "out.pt").string();
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  torch::Tensor got;
  torch::load(got, (tmp / "out.pt").string());
  EXPECT_TRUE(torch::equal(got, expected));
}

TEST(Checkpoint, MetadataSpecAndExtrasSurvive) {
  TempDir tmp;
  Saved s = save_model(tmp / "model.pt", {12});
  auto meta = read_checkpoint_meta(tmp / "model.pt");
  EXPECT_EQ(meta.format_version, kCheckpointFormatVersion);
  EXPECT_EQ(meta.kind, "reconstruction");
  EXPECT_EQ(meta.variant, "v");
  EXPECT_EQ(meta.input_shape, (std::vector<int64_t>{1, 5, 5}));
  EXPECT_EQ(meta.spec_toml, spec_to_toml(s.spec));
  auto extras = read_checkpoint_extras(tmp / "model.pt");
  ASSERT_TRUE(extras.count("threshold"));
  EXPECT_FLOAT_EQ(extras["threshold"].item<float>(), 0.25f);
  auto loaded = load_autoencoder(tmp / "model.pt");
  EXPECT_EQ(loaded.spec.get<IntList>("model.hidden"), (std::vector<int64_t>{12}));
  EXPECT_FALSE(loaded.model->is_training());
  EXPECT_FALSE(std::filesystem::exists(tmp / "model.pt.tmp"));
}

TEST(Checkpoint, AnotherArchitectureIsRejectedByName) {
  TempDir tmp;
  save_model(tmp / "model.pt", {12});
  ModelSpec other;
  other.hidden = {10};
  other.latent = 6;
  auto wrong_width = make_autoencoder(other, {1, 5, 5});
  auto msg = error_of([&] { load_checkpoint_weights(tmp / "model.pt", *wrong_width); });
  EXPECT_NE(msg.find("weight 'encoder.0.weight' has shape [12, 25] in the checkpoint, [10, 25] in the model"),
            std::string::npos)
      << msg;
  // Same widths, but without the hidden activation the second Linear sits at index 1.
  other.hidden = {12};
  other.activation = "identity";
  auto renamed = make_autoencoder(other, {1, 5, 5});
  msg = error_of([&] { load_checkpoint_weights(tmp / "model.pt", *renamed); });
  EXPECT_NE(msg.find("another architecture"), std::string::npos) << msg;
}

TEST(Checkpoint, NotACheckpointIsAClearError) {
  TempDir tmp;
  testing::write_bytes(tmp / "junk.pt", "this is not a zip archive");
  auto msg = error_of([&] { read_checkpoint_meta(tmp / "junk.pt"); });
  EXPECT_NE(msg.find("junk.pt: not a latent checkpoint"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  EXPECT_NE(error_of([&] { read_checkpoint_meta(tmp / "missing.pt"); }).find("no such checkpoint"), std::string::npos);
  // A LibTorch archive without latent's metadata.
  torch::save(torch::ones({2}), (tmp / "tensor.pt").string());
  EXPECT_NE(error_of([&] { read_checkpoint_meta(tmp / "tensor.pt"); }).find("not a latent checkpoint"),
            std::string::npos);
}

// LibTorch's reader does not check the zip members' CRC-32s; latent does on every load, so damaged
// weights are an error naming the file, not a model that silently computes garbage.
TEST(Checkpoint, DamagedWeightsAreAnErrorNamingTheFile) {
  TempDir tmp;
  Saved s = save_model(tmp / "model.pt", {12});
  if (!verify_zip_checksums(tmp / "model.pt")) GTEST_SKIP() << "built without libzip (LATENT_WITH_LIBZIP=OFF)";
  std::string bytes = testing::read_file(tmp / "model.pt");
  // Find the first encoder weight's float bytes in the file and overwrite four of them.
  const torch::Tensor w = s.model->named_parameters()["encoder.0.weight"].detach().contiguous();
  const std::string needle(static_cast<const char*>(w.data_ptr()), 16);
  const auto at = bytes.find(needle);
  ASSERT_NE(at, std::string::npos);
  for (size_t i = 0; i < 4; ++i) bytes[at + i] = static_cast<char>(~bytes[at + i]);
  testing::write_bytes(tmp / "model.pt", bytes);
  const auto msg = error_of([&] { load_autoencoder(tmp / "model.pt"); });
  EXPECT_NE(msg.find("model.pt: damaged file (member '"), std::string::npos) << msg;
  EXPECT_NE(msg.find("CRC"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  // The same for the metadata.
  save_model(tmp / "meta.pt", {12});
  bytes = testing::read_file(tmp / "meta.pt");
  const auto meta_at = bytes.find("format_version");
  ASSERT_NE(meta_at, std::string::npos);
  for (size_t i = 0; i < 4; ++i) bytes[meta_at + i] = '\xff';
  testing::write_bytes(tmp / "meta.pt", bytes);
  EXPECT_NE(error_of([&] { read_checkpoint_meta(tmp / "meta.pt"); }).find("meta.pt: damaged file"), std::string::npos);
}

TEST(Checkpoint, UnwritableFolderIsAClearError) {
  if (geteuid() == 0) {
    // root ignores permissions; use a path under a regular file instead.
    TempDir tmp;
    testing::write_bytes(tmp / "file", "x");
    auto s = make_autoencoder(ModelSpec{}, {4});
    CheckpointMeta meta;
    auto msg = error_of([&] { save_checkpoint(tmp / "file" / "model.pt", *s, meta); });
    EXPECT_NE(msg.find("model.pt"), std::string::npos) << msg;
    return;
  }
  TempDir tmp;
  std::filesystem::permissions(tmp.path(), std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  auto s = make_autoencoder(ModelSpec{}, {4});
  CheckpointMeta meta;
  EXPECT_THROW(save_checkpoint(tmp / "model.pt", *s, meta), Error);
  std::filesystem::permissions(tmp.path(), std::filesystem::perms::owner_all);
}

}  // namespace
}  // namespace latent
