// The autoencoder studies end to end on tiny synthetic data: every built-in config parses and
// is listed, the conv family runs with a schedule and early stopping, dense studies report a
// PCA baseline, and a plain autoencoder is scored on a denoiser's noisy inputs.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_util.h"
#include "latent/studies/builtin.h"
#include "latent/studies/spec.h"
#include "test_util.h"

namespace latent {
namespace {

using testing::TempDir;

using Result = testing::CliResult;
const auto& cli = testing::run_cli;

TEST(Studies, EveryAutoencoderStudyIsBuiltInAndListed) {
  auto list = cli({"list"});
  ASSERT_EQ(list.code, 0) << list.err;
  for (const char* name :
       {"ae-fmnist", "ae-mnist", "dae-mnist", "conv-dae", "deep-ae", "deep-ae-fmnist", "deep-dae-noise"}) {
    const char* text = find_builtin(name);
    ASSERT_NE(text, nullptr) << name;
    EXPECT_NE(list.out.find(std::string(name) + " "), std::string::npos) << name;
    EXPECT_NO_THROW(parse_study_spec(text, name)) << name;
  }
  auto names = [](const char* study) {
    std::vector<std::string> out;
    for (const auto& v : parse_study_spec(find_builtin(study), study).variants) out.push_back(v.name);
    return out;
  };
  EXPECT_EQ(names("ae-mnist"), (std::vector<std::string>{"latent16", "latent32", "latent64"}));
  EXPECT_EQ(names("dae-mnist"), (std::vector<std::string>{"denoising", "plain"}));
  EXPECT_EQ(names("conv-dae"), (std::vector<std::string>{"mse", "l1"}));
  EXPECT_EQ(names("ae-fmnist"), (std::vector<std::string>{"dense-32", "dense-512-32", "dense-32-denoising"}));
  // deep-ae (MNIST) and deep-ae-fmnist: the same 24 networks
  for (const char* study : {"deep-ae", "deep-ae-fmnist"}) {
    const auto deep = names(study);
    ASSERT_EQ(deep.size(), 24u) << study;
    EXPECT_EQ(deep.front(), "plain_hidden512x256_latent15");
    EXPECT_EQ(deep[8], "l2_hidden512x256_latent15");
    EXPECT_EQ(deep.back(), "l1code_hidden512x384x256x128_latent100");
  }
  EXPECT_EQ(names("deep-dae-noise"),
            (std::vector<std::string>{"noise_variance0.01", "noise_variance0.05", "noise_variance0.1",
                                      "noise_variance0.25", "noise_variance0.5"}));
}

TEST(Studies, EarlyStoppingNeedsAValidationSplit) {
  auto r = cli({"show", "ae-fmnist", "--set", "training.early_stopping_patience=2"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("training.early_stopping_patience: needs a validation set"), std::string::npos) << r.err;
  EXPECT_EQ(
      cli({"show", "ae-fmnist", "--set", "training.early_stopping_patience=2", "--set", "data.val_split=0.2"}).code, 0);
  auto bad = cli({"show", "ae-fmnist", "--set", "training.schedule=exponential"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("training.schedule"), std::string::npos) << bad.err;
}

TEST(Studies, ConvDenoisingStudyRunsWithScheduleOnSyntheticData) {
  TempDir tmp;
  testing::write_synthetic_idx(tmp / "data", 96, 24, 12);
  auto r = cli({"run", "conv-dae", "--set", "data.path=" + (tmp / "data").string(), "--set", "model.channels=[4, 8]",
                "--set", "training.epochs=3", "--set", "training.step_size=1", "--set", "training.batch_size=32",
                "--set", "data.val_split=0.25", "--out", (tmp / "run").string(), "--quiet", "--threads", "1"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto m = nlohmann::json::parse(testing::read_file(tmp / "run" / "metrics.json"));
  ASSERT_EQ(m["variants"].size(), 2u);
  for (const auto& v : m["variants"]) {
    EXPECT_EQ(v["model"]["type"], "conv_ae");
    EXPECT_FALSE(v.contains("pca"));
    for (const char* key : {"psnr_db", "ssim", "noisy_input_psnr_db", "denoised_psnr_db", "denoised_ssim"})
      EXPECT_TRUE(v["test"][key].is_number()) << key;
    EXPECT_GT(v["test"]["ssim"].get<double>(), 0.0);
    EXPECT_LE(v["test"]["ssim"].get<double>(), 1.0);
    EXPECT_EQ(v["train_examples"], 72);
  }
  // step_size 1, gamma 0.5: the lr column halves every epoch.
  std::istringstream history(testing::read_file(tmp / "run" / "mse" / "history.csv"));
  std::string line;
  std::getline(history, line);
  std::vector<double> lrs;
  while (std::getline(history, line)) {
    std::vector<std::string> cols;
    std::stringstream ss(line);
    for (std::string c; std::getline(ss, c, ',');) cols.push_back(c);
    ASSERT_GE(cols.size(), 4u) << line;
    lrs.push_back(std::stod(cols[3]));
  }
  ASSERT_GE(lrs.size(), 2u);
  for (size_t i = 1; i < lrs.size(); ++i) EXPECT_NEAR(lrs[i], lrs[i - 1] * 0.5, 1e-12);
  const std::string md = testing::read_file(tmp / "run" / "results.md");
  EXPECT_NE(md.find("noisy input PSNR"), std::string::npos) << md;
}

TEST(Studies, DenseStudyReportsPcaAndScoresThePlainModelOnNoisyInputs) {
  TempDir tmp;
  testing::write_synthetic_idx(tmp / "data", 128, 32, 8);
  auto r = cli({"run", "dae-mnist", "--set", "data.dataset=idx", "--set", "data.path=" + (tmp / "data").string(),
                "--set", "model.hidden=[16]", "--set", "model.latent=4", "--set", "training.epochs=2", "--out",
                (tmp / "run").string(), "--quiet", "--threads", "1"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto m = nlohmann::json::parse(testing::read_file(tmp / "run" / "metrics.json"));
  ASSERT_EQ(m["variants"].size(), 2u);
  const auto& dae = m["variants"][0];
  const auto& plain = m["variants"][1];
  EXPECT_EQ(plain["noise_std"], 0.0);
  // Both see the same noisy test inputs.
  EXPECT_EQ(dae["test"]["noisy_input_psnr_db"], plain["test"]["noisy_input_psnr_db"]);
  EXPECT_LT(dae["test"]["noisy_input_psnr_db"].get<double>(), 15.0);
  // PCA with 4 components, fitted once and reported for both.
  EXPECT_EQ(dae["pca"]["components"], 4);
  EXPECT_EQ(dae["pca"], plain["pca"]);
  EXPECT_GT(dae["pca"]["psnr_db"].get<double>(), 10.0);
  const std::string md = testing::read_file(tmp / "run" / "results.md");
  EXPECT_NE(md.find("| pca (4 components) |"), std::string::npos) << md;
  EXPECT_NE(md.find("| plain | 0.00 | 0.50 |"), std::string::npos) << md;
}

}  // namespace
}  // namespace latent
