// Spec parsing: defaults, file values, --set overrides, variants, sweeps and every error.
#include <gtest/gtest.h>

#include "latent/core/error.h"
#include "latent/studies/builtin.h"
#include "latent/studies/spec.h"

#include <map>
#include <set>

namespace latent {
namespace {

std::string usage_error(const std::string& toml, const std::vector<std::string>& sets = {}) {
  try {
    parse_study_spec(toml, "t.toml", sets);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(Spec, EmptyFileGivesDefaults) {
  StudySpec s = parse_study_spec("", "t.toml");
  ASSERT_EQ(s.variants.size(), 1u);
  EXPECT_EQ(s.variants[0].name, "default");
  const Spec& v = s.variants[0].spec;
  EXPECT_EQ(v.kind, "reconstruction");
  EXPECT_EQ(v.get<int64_t>("training.epochs"), 5);
  EXPECT_EQ(v.get<int64_t>("training.batch_size"), 256);
  EXPECT_DOUBLE_EQ(v.get<double>("training.lr"), 1e-3);
  EXPECT_EQ(v.get<int64_t>("model.latent"), 32);
  EXPECT_EQ(v.model_type(), "dense_ae");
  EXPECT_EQ(v.get<std::string>("data.dataset"), "fashion-mnist");
  EXPECT_EQ(v.where("training.epochs"), "the defaults");
}

TEST(Spec, FileThenSetOverrides) {
  const std::string toml = "[training]\nepochs = 7\nlr = 0.01\n[model]\nlatent = 16\n";
  StudySpec s = parse_study_spec(toml, "t.toml", {"training.epochs=3", "model.hidden=[64, 8]", "data.path=/tmp/x y"});
  const Spec& v = s.variants[0].spec;
  EXPECT_EQ(v.get<int64_t>("training.epochs"), 3);       // --set beats the file
  EXPECT_DOUBLE_EQ(v.get<double>("training.lr"), 0.01);  // the file beats the default
  EXPECT_EQ(v.get<int64_t>("model.latent"), 16);
  EXPECT_EQ(v.get<IntList>("model.hidden"), (std::vector<int64_t>{64, 8}));
  EXPECT_EQ(v.get<std::string>("data.path"), "/tmp/x y");
  EXPECT_EQ(v.where("training.epochs"), "--set");
  EXPECT_EQ(v.where("training.lr"), "t.toml");
}

TEST(Spec, IntegerIsAcceptedForAFloat) {
  StudySpec s = parse_study_spec("[training]\nlr = 1\n", "t.toml");
  EXPECT_DOUBLE_EQ(s.base.get<double>("training.lr"), 1.0);
}

TEST(Spec, UnknownKeysAreErrors) {
  EXPECT_NE(usage_error("[training]\nepoch = 3\n")
                .find("t.toml: unknown key 'training.epoch' (did you mean 'training.epochs'?)"),
            std::string::npos);
  EXPECT_NE(usage_error("[trainin]\nepochs = 3\n").find("unknown key 'trainin.epochs'"), std::string::npos);
  EXPECT_NE(usage_error("color = 3\n").find("unknown key 'color'"), std::string::npos);
  EXPECT_NE(usage_error("", {"model.latnet=3"}).find("--set: unknown key 'model.latnet'"), std::string::npos);
}

TEST(Spec, WrongTypesAreErrors) {
  EXPECT_NE(
      usage_error("[training]\nepochs = \"five\"\n").find("t.toml: training.epochs: expected an integer, got a string"),
      std::string::npos);
  EXPECT_NE(usage_error("[training]\nepochs = 2.5\n").find("expected an integer, got a float"), std::string::npos);
  EXPECT_NE(usage_error("[model]\nhidden = [1, \"a\"]\n").find("model.hidden: expected an array of integers"),
            std::string::npos);
  EXPECT_NE(usage_error("", {"training.lr=fast"}).find("--set: training.lr: 'fast' is not a valid float"),
            std::string::npos);
}

TEST(Spec, OutOfRangeValuesAreErrors) {
  EXPECT_NE(usage_error("[training]\nepochs = 0\n").find("training.epochs: 0 is out of range"), std::string::npos);
  EXPECT_NE(usage_error("[data]\nval_split = 0.95\n").find("data.val_split: 0.95 is out of range"), std::string::npos);
  EXPECT_NE(usage_error("[model]\nhidden = [64, -1]\n").find("model.hidden: widths must be positive"),
            std::string::npos);
  EXPECT_NE(
      usage_error("[training]\noptimizer = \"adamw\"\n").find("training.optimizer: 'adamw' is not one of: adam, sgd"),
      std::string::npos);
  EXPECT_NE(usage_error("", {"model.init=xavier"}).find("model.init: 'xavier' is not one of: default, kaiming"),
            std::string::npos);
}

TEST(Spec, CrossFieldRules) {
  EXPECT_NE(usage_error("[model]\noutput = \"identity\"\n").find("bce needs model.output"), std::string::npos);
  EXPECT_NE(usage_error("[data]\ndataset = \"idx\"\n").find("data.path: required"), std::string::npos);
}

TEST(Spec, InvalidTomlNamesTheLine) {
  EXPECT_NE(usage_error("[training]\nepochs = = 3\n").find("t.toml:2: invalid TOML"), std::string::npos);
}

TEST(Spec, MalformedSetIsAnError) {
  EXPECT_NE(usage_error("", {"training.epochs"}).find("--set: 'training.epochs' is not key=value"), std::string::npos);
}

TEST(Spec, VariantsOverrideTheBaseAndSetOverridesVariants) {
  const std::string toml =
      "[model]\nlatent = 8\n"
      "[[variants]]\nname = \"a\"\nmodel.hidden = [16]\n"
      "[[variants]]\nname = \"b\"\nmodel.latent = 4\n";
  StudySpec s = parse_study_spec(toml, "t.toml", {"training.epochs=2"});
  ASSERT_EQ(s.variants.size(), 2u);
  EXPECT_EQ(s.variants[0].spec.get<IntList>("model.hidden"), (std::vector<int64_t>{16}));
  EXPECT_EQ(s.variants[0].spec.get<int64_t>("model.latent"), 8);
  EXPECT_EQ(s.variants[1].spec.get<int64_t>("model.latent"), 4);
  EXPECT_EQ(s.variants[1].spec.get<int64_t>("training.epochs"), 2);
  EXPECT_EQ(s.variants[1].spec.where("model.latent"), "t.toml: variants[1]");
  EXPECT_NE(usage_error("[[variants]]\nname = \"a\"\n[[variants]]\nname = \"a\"\n").find("'a' is used twice"),
            std::string::npos);
  EXPECT_NE(usage_error("[[variants]]\nname = \"a/b\"\n").find("may use only"), std::string::npos);
  EXPECT_NE(usage_error("[[variants]]\nname = \"..\"\n").find("may use only"), std::string::npos);
  EXPECT_NE(usage_error("[[variants]]\nname = \"a\"\nmodel.latnt = 3\n").find("variants[0]: unknown key 'model.latnt'"),
            std::string::npos);
}

TEST(Spec, SweepExpandsTheGrid) {
  const std::string toml =
      "[[variants]]\nname = \"plain\"\n"
      "[[variants]]\nname = \"deep\"\nmodel.hidden = [64]\n"
      "[sweep]\nmodel.latent = [16, 32, 64]\n";
  StudySpec s = parse_study_spec(toml, "t.toml");
  ASSERT_EQ(s.variants.size(), 6u);
  EXPECT_EQ(s.variants[0].name, "plain_latent16");
  EXPECT_EQ(s.variants[5].name, "deep_latent64");
  EXPECT_EQ(s.variants[5].spec.get<int64_t>("model.latent"), 64);
  EXPECT_EQ(s.variants[5].spec.get<IntList>("model.hidden"), (std::vector<int64_t>{64}));
  // A key pinned with --set is no longer swept.
  EXPECT_EQ(parse_study_spec(toml, "t.toml", {"model.latent=8"}).variants.size(), 2u);
  EXPECT_NE(usage_error("[sweep]\nmodel.latent = [16, 0]\n").find("model.latent: 0 is out of range"),
            std::string::npos);
  EXPECT_NE(usage_error("[sweep]\nmodel.latent = 16\n").find("expected a non-empty array"), std::string::npos);
}

TEST(Spec, ResolvedTomlRoundTrips) {
  StudySpec s = parse_study_spec(find_builtin(kDefaultStudy), "ae-fmnist", {"training.epochs=3", "seed=7"});
  StudySpec again = parse_study_spec(study_spec_to_toml(s), "spec.toml");
  ASSERT_EQ(again.variants.size(), s.variants.size());
  for (size_t i = 0; i < s.variants.size(); ++i) {
    EXPECT_EQ(again.variants[i].name, s.variants[i].name);
    EXPECT_EQ(spec_to_toml(again.variants[i].spec), spec_to_toml(s.variants[i].spec));
  }
  Spec single = parse_spec(spec_to_toml(s.variants[1].spec), "model.pt");
  EXPECT_EQ(spec_to_toml(single), spec_to_toml(s.variants[1].spec));
  EXPECT_EQ(single.seed, 7);
  EXPECT_EQ(single.get<int64_t>("training.epochs"), 3);
}

TEST(Spec, DefaultStudyIsTheIssueModel) {
  StudySpec s = parse_study_spec(find_builtin(kDefaultStudy), "ae-fmnist");
  ASSERT_EQ(s.variants.size(), 3u);
  EXPECT_TRUE(s.variants[0].spec.get<IntList>("model.hidden").empty());
  EXPECT_EQ(s.variants[1].spec.get<IntList>("model.hidden"), (std::vector<int64_t>{512}));
  // The denoising variant: 784-32-784 with noise_factor 0.5 (noise std 0.5).
  EXPECT_TRUE(s.variants[2].spec.get<IntList>("model.hidden").empty());
  EXPECT_EQ(s.variants[2].spec.get<double>("training.noise_std"), 0.5);
  EXPECT_EQ(s.variants[0].spec.get<double>("training.noise_std"), 0.0);
  for (const auto& v : s.variants) {
    EXPECT_EQ(v.spec.get<int64_t>("model.latent"), 32);
    EXPECT_EQ(v.spec.get<int64_t>("training.epochs"), 5);
    EXPECT_EQ(v.spec.get<int64_t>("training.batch_size"), 256);
    EXPECT_EQ(v.spec.get<std::string>("training.loss"), "bce");
    EXPECT_EQ(v.spec.get<std::string>("data.dataset"), "fashion-mnist");
  }
}

TEST(Spec, EveryBuiltinParses) {
  for (const auto& c : builtin_configs()) EXPECT_NO_THROW(parse_study_spec(c.toml, c.name)) << c.name;
}

TEST(Spec, SchemaListsEveryKeyOncePerOwnerAndOneTypePerKey) {
  std::map<std::string, std::string> type_of_key;
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& k : spec_schema()) {
    EXPECT_TRUE(seen.insert({k.owner, k.key}).second) << k.owner << " " << k.key;
    // --set reads a value by the key's type before the kind is known: every owner agrees on it.
    auto [it, fresh] = type_of_key.emplace(k.key, k.type);
    EXPECT_EQ(it->second, k.type) << k.key << " declared with two types";
  }
  EXPECT_TRUE(type_of_key.count("training.epochs"));
  EXPECT_TRUE(type_of_key.count("data.path"));
  EXPECT_TRUE(type_of_key.count("model.channels"));
  // One kind's listing has its keys and its model types' and no other kind's.
  std::set<std::string> vae;
  for (const auto& k : spec_schema("vae")) vae.insert(k.key);
  EXPECT_TRUE(vae.count("training.beta"));
  EXPECT_TRUE(vae.count("model.latent"));
  EXPECT_FALSE(vae.count("training.noise_std"));
  EXPECT_FALSE(vae.count("evaluation.threshold"));
  EXPECT_THROW(spec_schema("gan"), UsageError);
}

TEST(Spec, KeysOfAnotherKindAreErrorsNamingTheKind) {
  EXPECT_NE(
      usage_error("kind = \"vae\"\n[training]\nnoise_std = 0.1\n")
          .find(
              "t.toml: training.noise_std: does not apply to kind 'vae' with model.type 'dense_vae' (it is a key of kind reconstruction, "
              "kind anomaly)"),
      std::string::npos)
      << usage_error("kind = \"vae\"\n[training]\nnoise_std = 0.1\n");
  EXPECT_NE(usage_error("kind = \"gan\"\n").find("t.toml: kind: 'gan' is not one of: reconstruction, vae, anomaly"),
            std::string::npos)
      << usage_error("kind = \"gan\"\n");
  EXPECT_NE(usage_error("kind = \"anomaly\"\n[data]\nlabel = \"Class\"\nval_split = 0.2\n[model]\ntype = \"conv_ae\"\n")
                .find("model.type: 'conv_ae' is not one of: dense_ae, dense_vae"),
            std::string::npos);
}

TEST(Spec, KeysOfAnotherModelTypeAreErrors) {
  const std::string e = usage_error("[model]\ntype = \"conv_ae\"\nhidden = [3]\n");
  EXPECT_NE(
      e.find(
          "t.toml: model.hidden: does not apply to kind 'reconstruction' with model.type 'conv_ae' (it is a key of model.type dense_ae"),
      std::string::npos)
      << e;
  // Set in a variant, it must apply to that variant.
  const std::string v = usage_error("[[variants]]\nname = \"c\"\nmodel.type = \"conv_ae\"\nmodel.latent = 3\n");
  EXPECT_NE(
      v.find("t.toml: variants[0]: model.latent: does not apply to kind 'reconstruction' with model.type 'conv_ae'"),
      std::string::npos)
      << v;
}

TEST(Spec, AStudyLevelKeyMayApplyToSomeVariantsOnly) {
  // fraud-ae's shape: [model] keys of the dense autoencoder shared with a VAE variant that has no code activation.
  const std::string toml =
      "kind = \"anomaly\"\n[data]\nlabel = \"Class\"\nval_split = 0.2\n[model]\ncode_activation = \"identity\"\n"
      "[[variants]]\nname = \"ae\"\n[[variants]]\nname = \"vae\"\nmodel.type = \"dense_vae\"\n";
  StudySpec s = parse_study_spec(toml, "t.toml");
  EXPECT_EQ(s.variants[0].spec.get<std::string>("model.code_activation"), "identity");
  EXPECT_FALSE(s.variants[1].spec.values.has("model.code_activation"));
  // With every variant a VAE it applies to none: an error naming the file.
  EXPECT_NE(
      usage_error(
          "kind = \"anomaly\"\n[data]\nlabel = \"Class\"\nval_split = 0.2\n[model]\ntype = \"dense_vae\"\ncode_activation = \"relu\"\n")
          .find("t.toml: model.code_activation: does not apply to kind 'anomaly' with model.type 'dense_vae'"),
      std::string::npos);
}

TEST(Spec, ErrorsFromSetNameSetNotTheBuiltinFile) {
  const std::string e = usage_error("", {"model.channels=[4]"});
  EXPECT_EQ(e.rfind("--set: model.channels: does not apply to kind 'reconstruction' with model.type 'dense_ae'", 0), 0u)
      << e;
  try {
    parse_study_spec(find_builtin("vae-fmnist"), "configs/vae-fmnist.toml", {"training.loss=l1"});
    ADD_FAILURE() << "no error";
  } catch (const UsageError& err) {
    EXPECT_EQ(std::string(err.what()).rfind("--set: training.loss: 'l1' is not one of: bce, mse", 0), 0u) << err.what();
  }
  try {
    parse_study_spec(find_builtin("ae-fmnist"), "configs/ae-fmnist.toml", {"model.output=identity"});
    ADD_FAILURE() << "no error";
  } catch (const UsageError& err) {  // a rule across keys names the --set that broke it
    EXPECT_EQ(std::string(err.what()).rfind("--set: training.loss: bce needs model.output", 0), 0u) << err.what();
  }
}

TEST(Spec, TheMonitorIsAHistoryColumnOfTheKind) {
  EXPECT_NO_THROW(parse_study_spec("[training]\nmonitor = \"val_pixel_accuracy\"\nkeep = \"best\"\n", "t.toml"));
  const std::string e = usage_error("[training]\nmonitor = \"val_acuracy\"\n");
  EXPECT_NE(
      e.find(
          "training.monitor: 'val_acuracy' is not a history column of kind 'reconstruction' (one of: train_loss, val_loss, "
          "train_pixel_accuracy, val_pixel_accuracy)"),
      std::string::npos)
      << e;
  EXPECT_NE(usage_error("[training]\nkeep = \"first\"\n").find("training.keep: 'first' is not one of: last, best"),
            std::string::npos);
}

}  // namespace
}  // namespace latent
