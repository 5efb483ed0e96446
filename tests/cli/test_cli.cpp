// The CLI in-process: misuse exits 2 with one line, an end-to-end run writes every file of
// the run folder, and the same seed gives the same numbers.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "latent/core/error.h"
#include "latent/data/dataset.h"
#include "latent/data/idx.h"
#include "latent/kernels/registry.h"
#include "latent/studies/spec.h"
#include "test_util.h"

namespace latent {
namespace {

using testing::TempDir;

using testing::run_cli;

void expect_usage_error(const std::vector<std::string>& args, const std::string& fragment) {
  auto r = run_cli(args);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find(fragment), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "not one line: " << r.err;
  EXPECT_EQ(r.err.find("Exception raised from"), std::string::npos) << r.err;
}

TEST(Cli, MisuseExitsTwoWithOneLine) {
  expect_usage_error({}, "A subcommand is required");
  expect_usage_error({"fly"}, "unknown command 'fly'");
  expect_usage_error({"run", "--bogus"}, "--bogus");
  expect_usage_error({"run", "--threads", "0"}, "--threads");
  expect_usage_error({"run", "--threads", "two"}, "--threads");
  expect_usage_error({"run", "no-such-study"}, "'no-such-study' is neither a built-in study");
  expect_usage_error({"run", "missing/spec.toml"}, "'missing/spec.toml': no such file");
  expect_usage_error({"run", "--set", "training.epochs=0"}, "training.epochs: 0 is out of range");
  expect_usage_error({"run", "--set", "training.epoch=3"}, "unknown key 'training.epoch'");
  expect_usage_error({"run", "--set", "noequals"}, "is not key=value");
  expect_usage_error({"run", "--device", "tpu"}, "--device: 'tpu' is not a device");
  expect_usage_error({"run", "--set", "model.type=vit"}, "model.type: 'vit' is not one of");
}

TEST(Cli, BadSpecFileNamesTheFileAndKey) {
  TempDir tmp;
  testing::write_bytes(tmp / "s.toml", "[training]\nepochs = \"many\"\n");
  expect_usage_error({"run", (tmp / "s.toml").string()},
                     (tmp / "s.toml").string() + ": training.epochs: expected an integer");
  testing::write_bytes(tmp / "broken.toml", "[training\n");
  expect_usage_error({"run", (tmp / "broken.toml").string()}, "broken.toml:1: invalid TOML");
}

TEST(Cli, RuntimeErrorExitsOne) {
  TempDir tmp;
  auto r =
      run_cli({"run", "--set", "data.path=" + (tmp / "nowhere").string(), "--out", (tmp / "run").string(), "--quiet"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("is not a folder"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(tmp / "run" / "metrics.json"));
}

TEST(Cli, HelpVersionListInfoSpec) {
  auto help = run_cli({"--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("run"), std::string::npos);
  auto run_help = run_cli({"run", "--help"});
  EXPECT_EQ(run_help.code, 0);
  EXPECT_NE(run_help.out.find("--set"), std::string::npos);
  auto version = run_cli({"--version"});
  EXPECT_EQ(version.code, 0);
  EXPECT_NE(version.out.find("LibTorch"), std::string::npos);
  auto list = run_cli({"list"});
  EXPECT_EQ(list.code, 0);
  EXPECT_NE(list.out.find("ae-fmnist"), std::string::npos);
  auto info = run_cli({"info"});
  EXPECT_EQ(info.code, 0);
  EXPECT_NE(info.out.find("blas"), std::string::npos);
  EXPECT_NE(info.out.find("OpenBLAS"), std::string::npos) << "set-up should make OpenBLAS the BLAS: " << info.out;
  EXPECT_NE(info.out.find(std::string("dropout masks ") +
                          (kernel_enabled(Kernel::kBernoulli) ? "drawn a block" : "by LibTorch's")),
            std::string::npos)
      << info.out;
  EXPECT_NE(info.out.find(std::string("Gaussian noise ") +
                          (kernel_enabled(Kernel::kNormal) ? "drawn a block" : "by LibTorch's")),
            std::string::npos)
      << info.out;
  auto spec = run_cli({"spec", "--markdown"});
  EXPECT_EQ(spec.code, 0);
  EXPECT_NE(spec.out.find("`training.epochs`"), std::string::npos);
}

// docs/spec.md documents every key of the schema.
TEST(Cli, SpecDocsListEveryKey) {
  const std::string docs =
      testing::read_file(std::filesystem::path(LATENT_SOURCE_DATA_DIR).parent_path() / "docs" / "spec.md");
  ASSERT_FALSE(docs.empty());
  for (const auto& k : spec_schema())
    EXPECT_NE(docs.find("`" + k.key + "`"), std::string::npos) << k.key << " missing from docs/spec.md";
}

nlohmann::json run_small(const TempDir& tmp, const std::string& name, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {"run",   "ae-fmnist",           "--set",   "data.path=" + (tmp / "data").string(),
                                   "--set", "training.epochs=2",   "--set",   "training.batch_size=32",
                                   "--out", (tmp / name).string(), "--quiet", "--threads",
                                   "1"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto r = run_cli(args);
  EXPECT_EQ(r.code, 0) << r.err;
  auto m = nlohmann::json::parse(testing::read_file(tmp / name / "metrics.json"));
  // The closing summary: a line per variant, the denoising one with its noisy -> denoised PSNR.
  for (const auto& v : m["variants"]) {
    const auto name_at = r.out.find(v["name"].get<std::string>() + " ");
    EXPECT_NE(name_at, std::string::npos) << r.out;
    const std::string line = r.out.substr(name_at, r.out.find('\n', name_at) - name_at);
    EXPECT_EQ(line.find(" denoised ") != std::string::npos, v["test"].contains("denoised_psnr_db")) << line;
  }
  return m;
}

double first_epoch_loss(const std::filesystem::path& history_csv) {
  return std::stod(testing::csv_rows(history_csv).at(1).at(1));
}

TEST(Cli, EndToEndRunWritesTheWholeRunFolder) {
  TempDir tmp;
  testing::write_synthetic_idx(tmp / "data", 256, 64);
  auto m = run_small(tmp, "run");
  for (const char* f : {"spec.toml", "metrics.json", "results.md", "figures/reconstructions.png"})
    EXPECT_TRUE(std::filesystem::exists(tmp / "run" / f)) << f;
  for (const char* v : {"dense-32", "dense-512-32"})
    for (const char* f : {"history.csv", "model.pt", "figures/reconstructions.png"})
      EXPECT_TRUE(std::filesystem::exists(tmp / "run" / v / f)) << v << "/" << f;
  EXPECT_EQ(m["study"], "ae-fmnist");
  ASSERT_EQ(m["variants"].size(), 3u);
  for (const auto& v : m["variants"]) {
    for (const char* key : {"psnr_db", "bce", "mse"}) EXPECT_TRUE(v["test"][key].is_number()) << key;
    EXPECT_GT(v["train_seconds"].get<double>(), 0.0);
    EXPECT_GT(v["samples_per_second"].get<double>(), 0.0);
    EXPECT_EQ(v["train_examples"], 256);
  }
  const std::string history = testing::read_file(tmp / "run" / "dense-32" / "history.csv");
  EXPECT_EQ(history.substr(0, history.find('\n')),
            "epoch,train_loss,val_loss,lr,seconds,train_pixel_accuracy,val_pixel_accuracy");
  EXPECT_EQ(std::count(history.begin(), history.end(), '\n'), 3);
  // The saved spec reproduces the run's settings.
  const std::string spec = testing::read_file(tmp / "run" / "spec.toml");
  EXPECT_NE(spec.find("epochs = 2"), std::string::npos);
  // Training helped: the loss fell, and PSNR is well above the ~7.4 dB of a constant 0.5 output.
  EXPECT_LT(m["variants"][1]["final_train_loss"].get<double>(),
            first_epoch_loss(tmp / "run" / "dense-512-32" / "history.csv"));
  EXPECT_GT(m["variants"][1]["test"]["psnr_db"].get<double>(), 10.0);
  // A finished run folder is never overwritten.
  auto again = run_cli({"run", "ae-fmnist", "--set", "data.path=" + (tmp / "data").string(), "--out",
                        (tmp / "run").string(), "--quiet"});
  EXPECT_EQ(again.code, 2);
  EXPECT_NE(again.err.find("already holds a finished run"), std::string::npos);
}

TEST(Cli, SameSeedSameNumbersOtherSeedOtherNumbers) {
  TempDir tmp;
  testing::write_synthetic_idx(tmp / "data", 128, 32);
  auto a = run_small(tmp, "a", {"--seed", "9"});
  auto b = run_small(tmp, "b", {"--seed", "9"});
  auto c = run_small(tmp, "c", {"--seed", "10"});
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(a["variants"][i]["test"], b["variants"][i]["test"]);
    EXPECT_EQ(a["variants"][i]["final_train_loss"], b["variants"][i]["final_train_loss"]);
    EXPECT_NE(a["variants"][i]["test"]["psnr_db"], c["variants"][i]["test"]["psnr_db"]);
  }
  EXPECT_EQ(testing::read_file(tmp / "a" / "dense-32" / "history.csv").substr(0, 40),
            testing::read_file(tmp / "b" / "dense-32" / "history.csv").substr(0, 40));
}

// --variant runs the named variants only; the saved spec holds only those (so --resume continues them);
// a name the study lacks is a usage error with a suggestion.
TEST(Cli, VariantOptionRunsOnlyTheNamedVariants) {
  TempDir tmp;
  testing::write_synthetic_idx(tmp / "data", 128, 32);
  auto m = run_small(tmp, "one", {"--variant", "dense-512-32"});
  ASSERT_EQ(m["variants"].size(), 1u);
  EXPECT_EQ(m["variants"][0]["name"], "dense-512-32");
  EXPECT_TRUE(std::filesystem::exists(tmp / "one" / "model.pt"));
  const std::string spec = testing::read_file(tmp / "one" / "spec.toml");
  EXPECT_NE(spec.find("dense-512-32"), std::string::npos);
  EXPECT_EQ(spec.find("\"dense-32\""), std::string::npos) << spec;
  auto two = run_small(tmp, "two", {"--variant", "dense-512-32", "--variant", "dense-32"});
  ASSERT_EQ(two["variants"].size(), 2u);
  EXPECT_EQ(two["variants"][0]["name"], "dense-32");  // the spec's order
  auto bad = run_cli({"run", "ae-fmnist", "--variant", "dense-33", "--out", (tmp / "bad").string(), "--quiet"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("no variant 'dense-33' (did you mean 'dense-32'?)"), std::string::npos) << bad.err;
  EXPECT_FALSE(std::filesystem::exists(tmp / "bad"));
}

// Why this build cannot read the real Fashion-MNIST here ("" when it can): not installed (a machine
// set-up has not run on, e.g. the GPU machine), or only gzipped and the build has no zlib.
std::string fashion_mnist_unreadable() {
  std::filesystem::path dir;
  try {
    dir = find_dataset_dir("fashion-mnist", "");
  } catch (const Error& e) {
    return e.what();
  }
  if (!gzip_supported() && !std::filesystem::exists(dir / "train-images-idx3-ubyte"))
    return (dir / "train-images-idx3-ubyte.gz").string() + " is gzipped and this build has no zlib";
  return "";
}

// The real Fashion-MNIST, installed by set-up, on a small subset.
TEST(Cli, RealFashionMnistSubset) {
  if (const auto why = fashion_mnist_unreadable(); !why.empty()) GTEST_SKIP() << why;
  TempDir tmp;
  auto r = run_cli({"run", "--set", "data.train_limit=2048", "--set", "data.test_limit=256", "--set",
                    "training.epochs=2", "--out", (tmp / "run").string(), "--quiet", "--threads", "1"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto m = nlohmann::json::parse(testing::read_file(tmp / "run" / "metrics.json"));
  EXPECT_EQ(m["variants"][0]["test_examples"], 256);
  EXPECT_GT(m["variants"][1]["test"]["psnr_db"].get<double>(), 11.0);
  EXPECT_NE(r.out.find("results: " + (tmp / "run").string()), std::string::npos) << r.out;
}

}  // namespace
}  // namespace latent
