// Multi-variant runs: the combined sweep table (sweep.csv / sweep.md, best variant marked,
// also in results.md) on a tiny synthetic two-variant run.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <cmath>
#include <sstream>

#include "cli_util.h"
#include "latent/report/chart.h"
#include "latent/studies/spec.h"
#include "latent/studies/reconstruction.h"
#include "latent/studies/sweep_table.h"
#include "test_util.h"

namespace latent {
namespace {

using testing::TempDir;
const auto& cli = testing::run_cli;

std::vector<std::vector<std::string>> read_csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> cols;
    std::stringstream ss(line);
    for (std::string c; std::getline(ss, c, ',');) cols.push_back(c);
    if (!line.empty() && line.back() == ',') cols.push_back("");
    rows.push_back(cols);
  }
  return rows;
}

const char* kTwoLatents = R"(
study = "tiny-sweep"
kind = "reconstruction"
seed = 7
[data]
dataset = "idx"
[model]
type = "dense_ae"
hidden = [16]
[training]
epochs = 2
batch_size = 32
[sweep]
model.latent = [1, 6]
)";

TEST(Sweeps, SweepParametersAreTheKeysThatDiffer) {
  auto study = parse_study_spec(kTwoLatents, "tiny.toml", {"data.path=/nowhere"});
  auto params = sweep_parameters(study);
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0], (nlohmann::json{{"model.latent", "1"}}));
  EXPECT_EQ(params[1], (nlohmann::json{{"model.latent", "6"}}));
  auto single = parse_study_spec("study = \"x\"\n", "x.toml");
  EXPECT_EQ(sweep_parameters(single), std::vector<nlohmann::json>{nlohmann::json::object()});
}

TEST(Sweeps, TableMarksTheBestAndLeavesMissingCellsEmpty) {
  std::vector<VariantResult> results(3);
  results[0].metrics = {{"name", "a"}, {"sweep", {{"k", "1"}}}, {"test", {{"psnr_db", 10.0}}}};
  results[1].metrics = {{"name", "b"}, {"sweep", {{"k", "2"}}}, {"test", {{"psnr_db", 12.5}}}};
  results[2].metrics = {{"name", "c"}, {"sweep", {{"k", "3"}}}, {"test", nlohmann::json::object()}};
  ResultSchema schema;
  schema.headline = {{"test.psnr_db", "PSNR", "dB", 1, true}};
  auto t = make_sweep_table(results, schema);
  EXPECT_EQ(t.best, 1);
  EXPECT_EQ(t.csv, "variant,k,psnr_db,best\na,1,10,0\nb,2,12.5,1\nc,3,,0\n");
  EXPECT_NE(t.markdown.find("| b **(best)** | 2 | 12.5 |"), std::string::npos) << t.markdown;
  EXPECT_NE(t.markdown.find("| c | 3 | - |"), std::string::npos) << t.markdown;
  schema.headline[0].higher_is_better = false;
  auto lowest = make_sweep_table(results, schema);
  EXPECT_EQ(lowest.best, 0);
}

TEST(Sweeps, TwoVariantRunWritesTheCombinedTable) {
  TempDir tmp;
  testing::write_synthetic_idx(tmp / "data", 96, 24, 8);
  testing::write_bytes(tmp / "tiny.toml", kTwoLatents);
  auto r = cli({"run", (tmp / "tiny.toml").string(), "--set", "data.path=" + (tmp / "data").string(), "--out",
                (tmp / "run").string(), "--quiet", "--threads", "1"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto m = nlohmann::json::parse(testing::read_file(tmp / "run" / "metrics.json"));
  ASSERT_EQ(m["variants"].size(), 2u);
  EXPECT_EQ(m["variants"][0]["sweep"]["model.latent"], "1");
  const auto rows = read_csv_rows(testing::read_file(tmp / "run" / "sweep.csv"));
  ASSERT_EQ(rows.size(), 3u);
  ASSERT_GE(rows[0].size(), 4u);
  EXPECT_EQ(rows[0][0], "variant");
  EXPECT_EQ(rows[0][1], "model.latent");
  EXPECT_EQ(rows[0][2], "psnr_db");
  EXPECT_EQ(rows[0].back(), "best");
  const double psnr0 = m["variants"][0]["test"]["psnr_db"].get<double>();
  const double psnr1 = m["variants"][1]["test"]["psnr_db"].get<double>();
  ASSERT_NE(psnr0, psnr1);
  const size_t best = psnr1 > psnr0 ? 2 : 1;
  for (size_t i = 1; i <= 2; ++i) {
    ASSERT_EQ(rows[i].size(), rows[0].size()) << i;
    EXPECT_EQ(rows[i][0], m["variants"][i - 1]["name"].get<std::string>());
    EXPECT_NEAR(std::stod(rows[i][2]), m["variants"][i - 1]["test"]["psnr_db"].get<double>(), 1e-6);
    EXPECT_EQ(rows[i].back(), i == best ? "1" : "0");
  }
  // PCA columns are there for dense models.
  EXPECT_NE(testing::read_file(tmp / "run" / "sweep.csv").find("pca_psnr_db"), std::string::npos);
  const std::string md = testing::read_file(tmp / "run" / "sweep.md");
  EXPECT_NE(md.find(rows[best][0] + " **(best)**"), std::string::npos) << md;
  EXPECT_NE(testing::read_file(tmp / "run" / "results.md").find(md), std::string::npos);
}

TEST(Sweeps, NoiseVarianceSweepWritesPsnrAgainstVarianceAndPixelAccuracyHistory) {
  TempDir tmp;
  testing::write_synthetic_idx(tmp / "data", 64, 16, 8);
  auto r = cli({"run", "deep-dae-noise", "--set", "data.dataset=idx", "--set", "data.path=" + (tmp / "data").string(),
                "--set", "model.hidden=[8]", "--set", "model.latent=4", "--set", "training.epochs=2", "--set",
                "training.batch_size=32", "--out", (tmp / "run").string(), "--quiet", "--threads", "1"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto m = nlohmann::json::parse(testing::read_file(tmp / "run" / "metrics.json"));
  ASSERT_EQ(m["variants"].size(), 5u);
  const double variances[] = {0.01, 0.05, 0.1, 0.25, 0.5};
  for (size_t i = 0; i < 5; ++i) {
    const auto& v = m["variants"][i];
    EXPECT_NEAR(v["noise_std"].get<double>(), std::sqrt(variances[i]), 1e-12);
    EXPECT_NEAR(v["test"]["noise_std"].get<double>(), std::sqrt(variances[i]), 1e-12);
    EXPECT_NEAR(v["test"]["denoising_gain_db"].get<double>(),
                v["test"]["denoised_psnr_db"].get<double>() - v["test"]["noisy_input_psnr_db"].get<double>(), 1e-9);
  }
  // More noise, noisier inputs.
  EXPECT_GT(m["variants"][0]["test"]["noisy_input_psnr_db"].get<double>(),
            m["variants"][4]["test"]["noisy_input_psnr_db"].get<double>());
  const auto rows = read_csv_rows(testing::read_file(tmp / "run" / "sweep.csv"));
  ASSERT_EQ(rows.size(), 6u);
  const auto col = [&](const std::string& name) {
    auto it = std::find(rows[0].begin(), rows[0].end(), name);
    EXPECT_NE(it, rows[0].end()) << name;
    return static_cast<size_t>(it - rows[0].begin());
  };
  const size_t var_col = col("training.noise_variance"), psnr_col = col("denoised_psnr_db");
  for (size_t i = 1; i <= 5; ++i) {
    EXPECT_NEAR(std::stod(rows[i][var_col]), variances[i - 1], 1e-12);
    EXPECT_NEAR(std::stod(rows[i][psnr_col]), m["variants"][i - 1]["test"]["denoised_psnr_db"].get<double>(), 1e-6);
  }
  // The chart of PSNR against variance: one point per variant, the numbers of metrics.json.
  std::vector<VariantResult> results(5);
  for (size_t i = 0; i < 5; ++i) results[i].metrics = m["variants"][i];
  const auto chart = noise_sweep_chart(results);
  ASSERT_TRUE(chart.has_value());
  ASSERT_EQ(chart->series.size(), 2u);
  EXPECT_EQ(chart->series[0].name, "denoised output");
  EXPECT_EQ(chart->series[1].name, "noisy input");
  for (const auto& series : chart->series) ASSERT_EQ(series.x.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_DOUBLE_EQ(chart->series[0].x[i], variances[i]);
    EXPECT_DOUBLE_EQ(chart->series[1].x[i], variances[i]);
    EXPECT_EQ(chart->series[0].y[i], m["variants"][i]["test"]["denoised_psnr_db"].get<double>());
    EXPECT_EQ(chart->series[1].y[i], m["variants"][i]["test"]["noisy_input_psnr_db"].get<double>());
  }
  const auto figure = tmp / "run" / "figures" / kNoiseSweepChart;
  const std::string report = testing::read_file(tmp / "run" / "report.html");
  if (charts_available()) {
    ASSERT_TRUE(std::filesystem::exists(figure));
    EXPECT_NE(testing::read_file(figure).find("</svg>"), std::string::npos);
    EXPECT_NE(report.find("(figures/psnr_vs_variance.svg)"), std::string::npos);
    EXPECT_NE(testing::read_file(tmp / "run" / "results.md").find("figures/psnr_vs_variance.svg"), std::string::npos);
  } else {
    EXPECT_FALSE(std::filesystem::exists(figure));
    EXPECT_EQ(report.find("psnr_vs_variance.svg"), std::string::npos);
  }
  // history.csv: pixel agreement at 0.5 per epoch, training and validation, in [0, 1].
  const auto history = read_csv_rows(testing::read_file(tmp / "run" / "noise_variance0.1" / "history.csv"));
  ASSERT_EQ(history.size(), 3u);
  ASSERT_EQ(history[0].size(), 7u);
  EXPECT_EQ(history[0][5], "train_pixel_accuracy");
  EXPECT_EQ(history[0][6], "val_pixel_accuracy");
  for (size_t i = 1; i < 3; ++i)
    for (size_t c = 5; c < 7; ++c) {
      const double a = std::stod(history[i][c]);
      EXPECT_GT(a, 0.0);
      EXPECT_LE(a, 1.0);
    }
}

// Which runs get the PSNR-against-variance chart: sweeps over the noise alone, given as a
// variance or as a std (then squared), with denoising metrics in every variant.
TEST(Sweeps, NoiseSweepChartOnlyForSweepsOverTheNoise) {
  auto variant = [](nlohmann::json sweep, double std_dev, double denoised, double noisy) {
    VariantResult r;
    r.metrics = {{"sweep", std::move(sweep)},
                 {"noise_std", std_dev},
                 {"test", {{"psnr_db", 20.0}, {"denoised_psnr_db", denoised}, {"noisy_input_psnr_db", noisy}}}};
    return r;
  };
  // By std, listed out of order: points sorted by variance = std^2.
  std::vector<VariantResult> by_std = {variant({{"training.noise_std", "0.5"}}, 0.5, 14.0, 9.0),
                                       variant({{"training.noise_std", "0.2"}}, 0.2, 16.0, 17.0)};
  auto chart = noise_sweep_chart(by_std);
  ASSERT_TRUE(chart.has_value());
  EXPECT_EQ(chart->series[0].x, (std::vector<double>{0.2 * 0.2, 0.25}));
  EXPECT_EQ(chart->series[0].y, (std::vector<double>{16.0, 14.0}));
  EXPECT_EQ(chart->series[1].y, (std::vector<double>{17.0, 9.0}));
  // A sweep over something else as well, a variant without denoising metrics, one variant: none.
  std::vector<VariantResult> mixed = {variant({{"training.noise_std", "0.5"}, {"model.latent", "4"}}, 0.5, 14.0, 9.0),
                                      variant({{"training.noise_std", "0.2"}, {"model.latent", "8"}}, 0.2, 16.0, 17.0)};
  EXPECT_FALSE(noise_sweep_chart(mixed).has_value());
  auto plain = by_std;
  plain[1].metrics["test"].erase("denoised_psnr_db");
  EXPECT_FALSE(noise_sweep_chart(plain).has_value());
  EXPECT_FALSE(noise_sweep_chart({by_std[0]}).has_value());
}

TEST(Sweeps, NoiseVarianceAndStdMustAgree) {
  auto s = parse_study_spec("study = \"a\"\n[training]\nnoise_variance = 0.25\n", "a.toml");
  EXPECT_DOUBLE_EQ(s.variants[0].spec.get<double>("training.noise_std"), 0.5);
  // The resolved spec (both keys) parses again.
  EXPECT_NO_THROW(parse_spec(spec_to_toml(s.variants[0].spec), "saved"));
  try {
    parse_study_spec("study = \"a\"\n[training]\nnoise_variance = 0.25\nnoise_std = 0.3\n", "a.toml");
    ADD_FAILURE() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("training.noise_variance: 0.25 contradicts training.noise_std = 0.3"),
              std::string::npos)
        << e.what();
  }
}

// The latent program next to the test binary is the --jobs worker.
void use_latent_as_worker() {
  const auto exe = std::filesystem::canonical("/proc/self/exe").parent_path() / "latent";
  ASSERT_TRUE(std::filesystem::exists(exe)) << exe;
  setenv("LATENT_WORKER_EXE", exe.c_str(), 1);
}

TEST(Sweeps, JobsTwoGivesTheSameNumbersAsJobsOne) {
  use_latent_as_worker();
  TempDir tmp;
  testing::write_synthetic_idx(tmp / "data", 96, 24, 8);
  testing::write_bytes(tmp / "tiny.toml", kTwoLatents);
  // Noise, augmentation and shuffling all draw random numbers: each variant must get the same
  // ones in its own process as in a sequential run.
  auto run = [&](const std::string& out, const std::string& jobs, const std::string& threads) {
    auto r = cli({"run", (tmp / "tiny.toml").string(), "--set", "data.path=" + (tmp / "data").string(), "--set",
                  "training.noise_std=0.2", "--set", "training.augment_flip=true", "--set", "training.augment_rotate=5",
                  "--out", (tmp / out).string(), "--quiet", "--jobs", jobs, "--threads", threads});
    EXPECT_EQ(r.code, 0) << r.err;
    return nlohmann::json::parse(testing::read_file(tmp / out / "metrics.json"));
  };
  auto one = run("one", "1", "1");
  auto two = run("two", "2", "2");
  ASSERT_EQ(one["variants"].size(), 2u);
  ASSERT_EQ(two["variants"].size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const auto& a = one["variants"][i];
    const auto& b = two["variants"][i];
    EXPECT_EQ(a["name"], b["name"]);
    EXPECT_EQ(a["dir"], b["dir"]);
    EXPECT_EQ(a["test"], b["test"]);
    EXPECT_EQ(a["pca"]["psnr_db"], b["pca"]["psnr_db"]);
    EXPECT_EQ(a["final_train_loss"], b["final_train_loss"]);
    EXPECT_EQ(a["sweep"], b["sweep"]);
    const std::string name = a["name"].get<std::string>();
    EXPECT_TRUE(std::filesystem::exists(tmp / "two" / name / "model.pt"));
    EXPECT_TRUE(std::filesystem::exists(tmp / "two" / name / "worker.log"));
    EXPECT_FALSE(std::filesystem::exists(tmp / "two" / name / ".worker-result.json"));
    // Same losses every epoch (columns other than seconds).
    auto h1 = read_csv_rows(testing::read_file(tmp / "one" / name / "history.csv"));
    auto h2 = read_csv_rows(testing::read_file(tmp / "two" / name / "history.csv"));
    ASSERT_EQ(h1.size(), h2.size());
    for (size_t r = 0; r < h1.size(); ++r)
      for (size_t c = 0; c < h1[r].size(); ++c)
        if (h1[0][c] != "seconds") EXPECT_EQ(h1[r][c], h2[r][c]) << name << " row " << r << " " << h1[0][c];
  }
  EXPECT_TRUE(std::filesystem::exists(tmp / "two" / "sweep.csv"));
  EXPECT_TRUE(std::filesystem::exists(tmp / "two" / "figures" / "reconstructions.png"));
}

TEST(Sweeps, AFailingWorkerStopsTheRunWithItsError) {
  use_latent_as_worker();
  TempDir tmp;
  testing::write_synthetic_idx(tmp / "data", 32, 8, 12);
  // The second variant fails only when its model is built (12 is not divisible by 2^3).
  testing::write_bytes(tmp / "bad.toml", R"(
study = "bad-worker"
[data]
dataset = "idx"
[training]
epochs = 1
[[variants]]
name = "fine"
model.hidden = [8]
model.latent = 4
[[variants]]
name = "broken"
model.type = "conv_ae"
model.channels = [2, 2, 2]
)");
  auto r = cli({"run", (tmp / "bad.toml").string(), "--set", "data.path=" + (tmp / "data").string(), "--out",
                (tmp / "run").string(), "--quiet", "--jobs", "2", "--threads", "2"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("variant broken failed: conv_ae: input size 12x12 is not divisible by 8"), std::string::npos)
      << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(std::filesystem::exists(tmp / "run" / "metrics.json"));
}

TEST(Sweeps, JobsMisuse) {
  EXPECT_EQ(cli({"run", "ae-mnist", "--jobs", "0"}).code, 2);
  TempDir tmp;
  auto r = cli({"run", "ae-mnist", "--worker-variant", "nope", "--out", (tmp / "w").string(), "--quiet"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--worker-variant: 'nope' is not a variant of ae-mnist"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace latent
