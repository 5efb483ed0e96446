// The classification study kind through the CLI: a tiny image folder and a tiny CSV table made
// here, each run to its report files and metrics.json `results`; one batch overfitted by the MLP
// and the CNN; bad inputs as one-line errors naming the column, folder, class or key; an
// interrupted run resumed to exactly the numbers of an uninterrupted one.
#include <gtest/gtest.h>

#include <array>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "latent/data/npy.h"
#include "latent/report/chart.h"
#include "latent/report/image_grid.h"
#include "latent/studies/builtin.h"
#include "latent/studies/spec.h"
#include "test_util.h"

namespace latent {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
const auto& cli = testing::run_cli;

using testing::FaultEnv;

// `per_class` 8x8 gray PNGs in a sub-folder per class: class k is a bright bar in row band k.
void write_class_folders(const fs::path& root, const std::vector<std::string>& classes, int per_class) {
  for (size_t k = 0; k < classes.size(); ++k) {
    fs::create_directories(root / classes[k]);
    for (int i = 0; i < per_class; ++i) {
      auto img = torch::full({1, 8, 8}, 0.05f + 0.01f * static_cast<float>(i));
      img.slice(1, static_cast<int64_t>(2 * k), static_cast<int64_t>(2 * k + 2)).fill_(0.9f);
      write_image_png(root / classes[k] / ("img" + std::to_string(i) + ".png"), img);
    }
  }
}

// A CSV table: two features, the class ("left"/"right") decided by the first one's sign.
void write_table(const fs::path& path, int rows) {
  std::ofstream f(path);
  f << "x1,x2,side\n";
  for (int i = 0; i < rows; ++i) {
    const double x1 = (i % 2 ? 1.0 : -1.0) * (0.5 + 0.01 * i), x2 = 0.1 * (i % 7);
    f << x1 << "," << x2 << "," << (x1 > 0 ? "right" : "left") << "\n";
  }
}

nlohmann::json metrics_of(const fs::path& run) {
  return nlohmann::json::parse(testing::read_file(run / "metrics.json"));
}

fs::path write_spec(const fs::path& path, const std::string& body) {
  std::ofstream(path) << "kind = \"classification\"\nseed = 5\n" << body;
  return path;
}

// Synthetic IDX data (4 classes of 12x12 images) in tmp/data and a spec `study` on it: `data` after
// [data]'s dataset and path, then the rest of the file.
fs::path idx_study(const TempDir& tmp, int64_t train, int64_t test, const std::string& study, const std::string& data,
                   const std::string& rest) {
  testing::write_synthetic_idx(tmp / "data", train, test, 12, 4);
  return write_spec(tmp / (study + ".toml"), "study = \"" + study + "\"\n[data]\ndataset = \"idx\"\npath = \"" +
                                                 (tmp / "data").string() + "\"\n" + data + rest);
}

// `latent run SPEC --out DIR --quiet --threads 1`
testing::CliResult run_spec(const fs::path& spec, const fs::path& out) {
  return cli({"run", spec.string(), "--out", out.string(), "--quiet", "--threads", "1"});
}

TEST(Classification, BuiltinStudiesAreListedAndParse) {
  auto list = cli({"list"});
  ASSERT_EQ(list.code, 0) << list.err;
  for (const char* name : {"mlp-fmnist", "cnn-fmnist", "mlp-init", "mlp-manual", "mlp-tabular", "derma-cnn",
                           "path-resnet", "fracture3d", "medmnist"}) {
    EXPECT_NE(list.out.find(std::string(name) + " "), std::string::npos) << name;
    ASSERT_NE(find_builtin(name), nullptr) << name;
    EXPECT_EQ(parse_study_spec(find_builtin(name), name).base.kind, "classification") << name;
  }
  // mlp-init: 2 tasks x 3 initialisations x 3 activations; 5 vs 8 with one logit.
  const StudySpec grid = parse_study_spec(find_builtin("mlp-init"), "mlp-init");
  ASSERT_EQ(grid.variants.size(), 18u);
  EXPECT_EQ(grid.variants[0].spec.get<IntList>("data.classes"), (IntList{5, 8}));
  EXPECT_EQ(grid.variants[0].spec.get<std::string>("training.loss"), "bce");
  const StudySpec manual = parse_study_spec(find_builtin("mlp-manual"), "mlp-manual");
  ASSERT_EQ(manual.variants.size(), 2u);
  EXPECT_EQ(manual.variants[1].spec.model_type(), "manual_mlp");
}

TEST(Classification, ImageFolderRunWritesTheReport) {
  TempDir tmp;
  write_class_folders(tmp / "images", {"bar", "cat", "dog"}, 8);
  const auto spec = write_spec(tmp / "s.toml", "study = \"folder\"\n[data]\npath = \"" + (tmp / "images").string() +
                                                   "\"\nimage_size = 8\ntest_split = 0.25\n[model]\nhidden = [16]\n"
                                                   "[training]\nepochs = 2\nbatch_size = 6\nlr = 0.01\n");
  auto r = run_spec(spec, tmp / "run");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto m = metrics_of(tmp / "run");
  EXPECT_EQ(m["kind"], "classification");
  EXPECT_EQ(m["results"]["headline_key"], "test.accuracy");
  const auto& v = m["variants"][0];
  EXPECT_EQ(v["classes"], (std::vector<std::string>{"bar", "cat", "dog"}));
  EXPECT_EQ(v["test_examples"], 6);
  EXPECT_TRUE(v["test"]["accuracy"].is_number());
  EXPECT_TRUE(v["test"]["macro_f1"].is_number());
  EXPECT_TRUE(v["test"]["log_loss"].is_number());
  EXPECT_EQ(v["test"]["per_class"].size(), 3u);
  EXPECT_EQ(v["test"]["per_class"][1]["support"], 2);
  const std::string report = testing::read_file(tmp / "run" / "classification_report.md");
  EXPECT_NE(report.find("precision"), std::string::npos) << report;
  EXPECT_NE(report.find("dog"), std::string::npos) << report;
  EXPECT_EQ(testing::csv_rows(tmp / "run" / "confusion.csv")[0],
            (std::vector<std::string>{"true\\predicted", "bar", "cat", "dog"}));
  const auto history = testing::csv_rows(tmp / "run" / "history.csv");
  EXPECT_EQ(history.size(), 3u);
  const auto& header = history[0];
  EXPECT_NE(std::find(header.begin(), header.end(), "val_accuracy"), header.end());
  EXPECT_NE(std::find(header.begin(), header.end(), "train_accuracy"), header.end());
  EXPECT_NE(std::find(header.begin(), header.end(), "val_layer1_grad_norm"), header.end());
  EXPECT_NE(std::find(header.begin(), header.end(), "val_layer1_dead"), header.end());
  EXPECT_TRUE(fs::exists(tmp / "run" / "model.pt"));
  EXPECT_TRUE(fs::exists(tmp / "run" / "results.md"));
  if (charts_available()) {
    EXPECT_TRUE(fs::exists(tmp / "run" / "figures" / "confusion.svg"));
  }
  EXPECT_NE(r.out.find("test accuracy"), std::string::npos) << r.out;
}

TEST(Classification, CsvTableRunWithTheBuiltinStudy) {
  TempDir tmp;
  write_table(tmp / "t.csv", 60);
  auto r = cli({"run", "mlp-tabular", "--set", "data.path=" + (tmp / "t.csv").string(), "--set", "data.label=side",
                "--set", "training.epochs=3", "--out", (tmp / "run").string(), "--quiet", "--threads", "1"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto m = metrics_of(tmp / "run");
  const auto& v = m["variants"][0];
  EXPECT_EQ(v["classes"], (std::vector<std::string>{"left", "right"}));
  EXPECT_EQ(v["test_examples"], 12);
  EXPECT_TRUE(v["test"]["roc_auc"].is_number());
  EXPECT_TRUE(v["test"]["average_precision"].is_number());
  EXPECT_GE(v["test"]["accuracy"].get<double>(), 0.5);
  EXPECT_TRUE(fs::exists(tmp / "run" / "classification_report.md"));
  if (charts_available()) {
    EXPECT_TRUE(fs::exists(tmp / "run" / "figures" / "pr.svg"));
  }
}

// 16 training images in one batch, 60 epochs: every one ends correctly classified.
void expect_overfits(const std::string& model) {
  TempDir tmp;
  const auto spec = idx_study(tmp, 16, 8, "overfit", "",
                              "[model]\n" + model + "\n[training]\nepochs = 60\nbatch_size = 16\nlr = 0.01\n");
  auto r = run_spec(spec, tmp / "run");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto rows = testing::csv_rows(tmp / "run" / "history.csv");
  const auto& header = rows[0];
  const auto col = std::find(header.begin(), header.end(), "train_accuracy") - header.begin();
  EXPECT_EQ(std::stod(rows.back()[static_cast<size_t>(col)]), 1.0) << model;
  EXPECT_LT(std::stod(rows.back()[1]), 0.1) << model;  // train_loss
}

TEST(Classification, MlpOverfitsOneBatch) { expect_overfits("type = \"mlp\"\nhidden = [32]"); }

TEST(Classification, CnnOverfitsOneBatch) {
  expect_overfits("type = \"cnn\"\nchannels = [4, 8]\nfc = [16]\ndropout = 0.0");
}

TEST(Classification, BadInputsAreOneLineErrors) {
  TempDir tmp;
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "run");
    for (const char* a : {"--quiet", "--threads", "1"}) args.push_back(a);
    args.push_back("--out");
    args.push_back((tmp / ("run" + std::to_string(args.size()) + std::to_string(std::rand()))).string());
    return cli(args);
  };
  // A label column that does not exist: the columns listed, the nearest suggested.
  write_table(tmp / "t.csv", 20);
  auto r = run({"mlp-tabular", "--set", "data.path=" + (tmp / "t.csv").string(), "--set", "data.label=sides"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("no label column 'sides'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("did you mean 'side'?"), std::string::npos) << r.err;
  // mlp-tabular without its table.
  r = run({"mlp-tabular"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("data.path: required"), std::string::npos) << r.err;

  // An empty class folder; one class only.
  write_class_folders(tmp / "empty", {"a", "b"}, 3);
  fs::create_directories(tmp / "empty" / "c");
  r = run({"mlp-fmnist", "--set", "data.path=" + (tmp / "empty").string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("/c' holds no image files"), std::string::npos) << r.err;
  write_class_folders(tmp / "one", {"a"}, 3);
  r = run({"mlp-fmnist", "--set", "data.path=" + (tmp / "one").string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("one class folder"), std::string::npos) << r.err;

  // data.classes with a class the data does not have; a list of one class.
  testing::write_synthetic_idx(tmp / "idx", 32, 8, 12, 4);
  const std::string idx = "data.path=" + (tmp / "idx").string();
  r = run({"mlp-fmnist", "--set", idx, "--set", "data.classes=[1, 7]"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("data.classes: class 7 is not in"), std::string::npos) << r.err;
  r = run({"mlp-fmnist", "--set", idx, "--set", "data.classes=[3]"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("data.classes"), std::string::npos) << r.err;
  // bce on 4 classes.
  r = run({"mlp-fmnist", "--set", idx, "--set", "training.loss=bce"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("training.loss: bce (one logit) needs 2 classes"), std::string::npos) << r.err;

  // A key of another kind names the key and this kind.
  r = run({"mlp-fmnist", "--set", "model.latent=8"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("model.latent: does not apply to kind 'classification'"), std::string::npos) << r.err;
  // The hand-written MLP trains plain cross-entropy only.
  r = run({"mlp-manual", "--set", "training.label_smoothing=0.1"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("manual_mlp trains plain softmax cross-entropy"), std::string::npos) << r.err;
}

TEST(Classification, AnInitTimesActivationGridGetsItsAccuracyTable) {
  TempDir tmp;
  const auto spec =
      idx_study(tmp, 32, 8, "grid", "",
                "[model]\nhidden = [8]\n[training]\nepochs = 1\nbatch_size = 16\n"
                "[sweep]\nmodel.init = [\"he\", \"normal\"]\nmodel.activation = [\"relu\", \"sigmoid\"]\n");
  auto r = run_spec(spec, tmp / "run");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string results = testing::read_file(tmp / "run" / "results.md");
  EXPECT_NE(results.find("## Test accuracy by initialisation and activation: 4 classes, mlp"), std::string::npos)
      << results;
  EXPECT_NE(results.find("| init | relu | sigmoid |"), std::string::npos) << results;
  EXPECT_TRUE(fs::exists(tmp / "run" / "sweep.csv"));
  if (charts_available()) {
    EXPECT_TRUE(fs::exists(tmp / "run" / "figures" / "accuracy_grid_1.svg"));
  }
  // The sigmoid variants' history has the saturated fraction, the ReLU variants' the dead one.
  const std::string sigmoid = testing::read_file(tmp / "run" / "activationsigmoid_inithe" / "history.csv");
  EXPECT_NE(sigmoid.find("val_layer1_saturated"), std::string::npos) << sigmoid;
}

TEST(Classification, ClassWeightsAndLabelSmoothing) {
  TempDir tmp;
  write_table(tmp / "t.csv", 60);
  auto run = [&](const std::string& weights, const std::string& out) {
    return cli({"run", "mlp-tabular", "--set", "data.path=" + (tmp / "t.csv").string(), "--set", "data.label=side",
                "--set", "training.epochs=2", "--set", "training.class_weights=" + weights, "--set",
                "training.label_smoothing=0.1", "--out", (tmp / out).string(), "--quiet", "--threads", "1"});
  };
  for (const std::string w : {"balanced", "1,3"}) {
    auto r = run(w, "run" + std::to_string(w.size()));
    EXPECT_EQ(r.code, 0) << w << ": " << r.err;
  }
  // Random oversampling (a 3:1 table, so the smaller class is drawn again up to the larger one's count).
  {
    std::ofstream f(tmp / "skew.csv");
    f << "x1,x2,side\n";
    for (int i = 0; i < 80; ++i) f << (i % 4 == 0 ? 1.0 : -1.0) * (0.5 + 0.01 * i) << "," << 0.1 * (i % 7) << ","
                                   << (i % 4 == 0 ? "right" : "left") << "\n";
  }
  auto o = cli({"run", "mlp-tabular", "--set", "data.path=" + (tmp / "skew.csv").string(), "--set", "data.label=side",
                "--set", "training.epochs=30", "--set", "training.lr=0.01", "--set", "training.oversample=true", "--out",
                (tmp / "over").string(),
                "--quiet", "--threads", "1"});
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_GE(metrics_of(tmp / "over")["variants"][0]["test"]["accuracy"].get<double>(), 0.75);
  auto r = run("1,2,3", "three");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("training.class_weights: 3 weights for 2 classes"), std::string::npos) << r.err;
  r = run("heavy", "bad");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("training.class_weights"), std::string::npos) << r.err;
}

TEST(Classification, ResumesExactlyAfterAnInterruption) {
  TempDir tmp;
  const auto spec = idx_study(tmp, 64, 16, "resume", "val_split = 0.25\n",
                              "[model]\nhidden = [16]\ndropout = 0.2\n[training]\nepochs = 3\nbatch_size = 16\n"
                              "lr = 0.01\naugment_flip = true\n");
  auto run = [&](const std::string& out) { return run_spec(spec, tmp / out); };
  ASSERT_EQ(run("straight").code, 0);
  {
    FaultEnv env("int@5");  // 3 batches an epoch: epoch 2, batch 2
    auto r = run("stopped");
    ASSERT_EQ(r.code, 130) << r.err;
  }
  auto r = cli({"run", "--resume", (tmp / "stopped").string(), "--quiet"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto a = metrics_of(tmp / "straight"), b = metrics_of(tmp / "stopped");
  EXPECT_EQ(a["variants"][0]["test"], b["variants"][0]["test"]);
  EXPECT_EQ(a["variants"][0]["final_train_loss"], b["variants"][0]["final_train_loss"]);
  EXPECT_EQ(testing::history_without_seconds(tmp / "straight" / "history.csv"),
            testing::history_without_seconds(tmp / "stopped" / "history.csv"));
}

TEST(Classification, ManualMlpTrainsBesideTheAutogradMlp) {
  TempDir tmp;
  testing::write_synthetic_idx(tmp / "data", 64, 16, 12, 4);
  auto r = cli({"run", "mlp-manual", "--set", "data.dataset=idx", "--set", "data.path=" + (tmp / "data").string(),
                "--set", "training.epochs=2", "--out", (tmp / "run").string(), "--quiet", "--threads", "1"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto m = metrics_of(tmp / "run");
  ASSERT_EQ(m["variants"].size(), 2u);
  const auto& a = m["variants"][0]["curve"]["train_loss"];
  const auto& b = m["variants"][1]["curve"]["train_loss"];
  for (size_t e = 0; e < 2; ++e) EXPECT_NEAR(a[e].get<double>(), b[e].get<double>(), 1e-4) << e;
  const std::string results = testing::read_file(tmp / "run" / "results.md");
  EXPECT_NE(results.find("Hand-written backpropagation beside autograd"), std::string::npos) << results;
}

TEST(Classification, PredictRoundTripsAFolderAndATable) {
  TempDir tmp;
  write_class_folders(tmp / "images", {"bar", "cat"}, 6);
  const auto spec = write_spec(tmp / "s.toml", "study = \"folder\"\n[data]\npath = \"" + (tmp / "images").string() +
                                                   "\"\nimage_size = 8\ntest_split = 0.25\n[model]\nhidden = [8]\n"
                                                   "[training]\nepochs = 1\nbatch_size = 4\n");
  ASSERT_EQ(run_spec(spec, tmp / "run").code, 0);
  auto r = cli({"predict", (tmp / "run" / "model.pt").string(), (tmp / "images" / "cat").string(),
                (tmp / "images" / "bar" / "img0.png").string(), "-o", (tmp / "p.csv").string(), "--top-k", "2"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto rows = testing::csv_rows(tmp / "p.csv");
  ASSERT_EQ(rows.size(), 8u);  // header, 6 cats, 1 bar
  EXPECT_EQ(rows[0], (std::vector<std::string>{"input", "predicted", "probability", "top1", "p1", "top2", "p2"}));
  EXPECT_NE(rows[7][0].find("img0.png"), std::string::npos);
  EXPECT_TRUE(rows[1][1] == "bar" || rows[1][1] == "cat") << rows[1][1];
  // A table given to an image model names the file and what the model takes.
  testing::write_bytes(tmp / "rows.csv", "a,b\n1,2\n");
  r = cli({"predict", (tmp / "run" / "model.pt").string(), (tmp / "rows.csv").string(), "-o",
           (tmp / "y.csv").string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("rows.csv: a table, but the model takes 1x8x8 images"), std::string::npos) << r.err;

  write_table(tmp / "t.csv", 40);
  ASSERT_EQ(cli({"run", "mlp-tabular", "--set", "data.path=" + (tmp / "t.csv").string(), "--set", "data.label=side",
                 "--set", "training.epochs=1", "--out", (tmp / "tab").string(), "--quiet", "--threads", "1"})
                .code,
            0);
  r = cli({"predict", (tmp / "tab" / "model.pt").string(), (tmp / "t.csv").string(), "-o", (tmp / "q.csv").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  rows = testing::csv_rows(tmp / "q.csv");
  ASSERT_EQ(rows.size(), 41u);
  EXPECT_EQ(rows[1][0].substr(rows[1][0].size() - 2), ":2");
  // Inputs that do not fit: a table whose columns differ, a folder for a table model.
  testing::write_bytes(tmp / "other.csv", "a,b\n1,2\n");
  r = cli(
      {"predict", (tmp / "tab" / "model.pt").string(), (tmp / "other.csv").string(), "-o", (tmp / "x.csv").string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("are not the model's (x1, x2)"), std::string::npos) << r.err;
  r = cli({"predict", (tmp / "tab" / "model.pt").string(), (tmp / "images").string(), "-o", (tmp / "x.csv").string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("the model takes table rows with 2 feature columns"), std::string::npos) << r.err;
}

// Three 0/1 labels of two features: "pos" (x1 > 0), "up" (x2 > 0) and "both"; an example may have
// none, one or all of them.
void write_multilabel_table(const fs::path& path, int rows) {
  std::ofstream f(path);
  f << "x1,pos,x2,up,both\n";
  for (int i = 0; i < rows; ++i) {
    const double x1 = (i % 2 ? 1.0 : -1.0) * (0.3 + 0.01 * i), x2 = (i % 3 ? 1.0 : -1.0) * (0.2 + 0.02 * (i % 5));
    f << x1 << "," << (x1 > 0) << "," << x2 << "," << (x2 > 0) << "," << (x1 > 0 && x2 > 0) << "\n";
  }
}

TEST(Classification, MultiLabelTableTrainsPerLabelAndPredicts) {
  TempDir tmp;
  write_multilabel_table(tmp / "m.csv", 120);
  auto r = cli({"run", "mlp-tabular", "--set", "data.path=" + (tmp / "m.csv").string(), "--set",
                "data.label=pos, up,both", "--set", "training.epochs=40", "--set", "training.lr=0.01", "--set",
                "training.class_weights=balanced", "--out", (tmp / "run").string(), "--quiet", "--threads", "1"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto m = metrics_of(tmp / "run");
  const auto& v = m["variants"][0];
  EXPECT_EQ(v["classes"], (std::vector<std::string>{"pos", "up", "both"}));
  EXPECT_EQ(v["task"], "3 labels (multi-label)");
  EXPECT_EQ(v["test_examples"], 24);  // mlp-tabular holds out 20%, unstratified for multi-label targets
  const auto& t = v["test"];
  // Separable labels: per-label accuracy and the mean per-label AUC near 1, subset accuracy below.
  EXPECT_GE(t["accuracy"].get<double>(), 0.9);
  EXPECT_GE(t["roc_auc"].get<double>(), 0.95);
  EXPECT_LE(t["subset_accuracy"].get<double>(), t["accuracy"].get<double>());
  EXPECT_EQ(t["per_class"].size(), 3u);
  EXPECT_FALSE(t.contains("confusion"));
  const std::string report = testing::read_file(tmp / "run" / "classification_report.md");
  EXPECT_NE(report.find("subset accuracy (every label right)"), std::string::npos) << report;
  EXPECT_NE(report.find("        both "), std::string::npos) << report;

  // predict: the label columns in the file are skipped; each label's probability.
  r = cli({"predict", (tmp / "run" / "model.pt").string(), (tmp / "m.csv").string(), "-o", (tmp / "p.csv").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto rows = testing::csv_rows(tmp / "p.csv");
  ASSERT_EQ(rows.size(), 121u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"input", "predicted", "pos", "up", "both"}));
  int right = 0;
  for (size_t i = 1; i < rows.size(); ++i) {
    const int row = static_cast<int>(i) - 1;  // the rows as written: label "pos" is the odd rows
    const bool pos = row % 2 == 1, up = row % 3 != 0;
    std::string want = pos ? "pos" : "";
    if (up) want += std::string(want.empty() ? "" : ";") + "up";
    if (pos && up) want += ";both";
    right += rows[i][1] == want;
  }
  EXPECT_GE(right, 108) << "of 120 rows' label sets right";

  // Misuse: a label cell that is not 0/1, cross_entropy asked for, a missing label column.
  testing::write_bytes(tmp / "bad.csv", "x1,a,b\n0.5,1,0\n0.1,2,1\n");
  r = cli({"run", "mlp-tabular", "--set", "data.path=" + (tmp / "bad.csv").string(), "--set", "data.label=a,b",
           "--out", (tmp / "bad").string(), "--quiet"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("bad.csv: line 3, column 2 ('a'): label 2 is not 0 or 1"), std::string::npos) << r.err;
  r = cli({"run", "mlp-tabular", "--set", "data.path=" + (tmp / "m.csv").string(), "--set", "data.label=pos,upp",
           "--out", (tmp / "bad2").string(), "--quiet"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("no label column 'upp' in the header (columns: x1, pos, x2, up, both); did you mean 'up'?"),
            std::string::npos)
      << r.err;
  r = cli({"run", "mlp-tabular", "--set", "data.path=" + (tmp / "m.csv").string(), "--set", "data.label=pos,up",
           "--set", "training.loss=cross_entropy", "--out", (tmp / "bad3").string(), "--quiet"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("multi-label targets, which train with bce"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(tmp / "bad3" / "metrics.json"));
}

// A MedMNIST-layout .npz: `classes` classes of uint8 images (n, side, side) (or volumes (n, side,
// side, side) with `volume`): class k is a bright band k along the first axis; labels (n, 1) uint8.
// Splits of train / val / test examples.
void write_medmnist_like(const fs::path& path, int64_t classes, int64_t side, bool volume,
                         std::array<int64_t, 3> sizes) {
  std::map<std::string, torch::Tensor> arrays;
  const char* names[] = {"train", "val", "test"};
  auto gen = at::detail::createCPUGenerator(11);
  for (int s = 0; s < 3; ++s) {
    const int64_t n = sizes[static_cast<size_t>(s)];
    std::vector<int64_t> shape = {n, side, side};
    if (volume) shape.push_back(side);
    auto x = torch::rand(shape, gen) * 60;
    auto y = torch::arange(n, torch::kInt64).remainder(classes);
    const int64_t band = side / classes;
    for (int64_t i = 0; i < n; ++i) x[i].narrow(0, y[i].item<int64_t>() * band, band).add_(180);
    arrays[std::string(names[s]) + "_images"] = x.to(torch::kUInt8);
    arrays[std::string(names[s]) + "_labels"] = y.unsqueeze(1).to(torch::kUInt8);
  }
  write_npz(path, arrays);
}

TEST(Classification, MedMnistLayoutNpzTrainsWithItsOwnValidationSplit) {
  if (!npz_supported()) GTEST_SKIP() << "built without libzip";
  TempDir tmp;
  write_medmnist_like(tmp / "bands.npz", 4, 12, false, {96, 24, 40});
  const auto spec = write_spec(tmp / "s.toml", "study = \"npz\"\n[data]\npath = \"" + (tmp / "bands.npz").string() +
                                                   "\"\nval_split = 0.5\n[model]\ntype = \"cnn\"\nchannels = [8]\n"
                                                   "fc = [16]\ndropout = 0.0\n[training]\nepochs = 8\nbatch_size = 16\n"
                                                   "lr = 0.01\nmonitor = \"val_roc_auc\"\nkeep = \"best\"\n");
  auto r = run_spec(spec, tmp / "run");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto m = metrics_of(tmp / "run");
  const auto& v = m["variants"][0];
  EXPECT_EQ(v["val_examples"], 24);  // the file's val split, not data.val_split of train
  EXPECT_EQ(v["test_examples"], 40);
  EXPECT_EQ(v["classes"], (std::vector<std::string>{"0", "1", "2", "3"}));
  EXPECT_GE(v["test"]["accuracy"].get<double>(), 0.9);
  const auto rows = testing::csv_rows(tmp / "run" / "history.csv");
  EXPECT_NE(std::find(rows[0].begin(), rows[0].end(), "val_roc_auc"), rows[0].end());

  // The same file as 3-D volumes through the 3-D CNN and a narrow 3-D ResNet-18; a ResNet on images.
  write_medmnist_like(tmp / "vol.npz", 2, 8, true, {32, 8, 16});
  const auto vol = write_spec(tmp / "v.toml", "study = \"vol\"\n[data]\ndataset = \"npz\"\npath = \"" +
                                                  (tmp / "vol.npz").string() +
                                                  "\"\n[model]\ntype = \"cnn\"\nchannels = [4]\nfc = [8]\n"
                                                  "dropout = 0.0\n[training]\nepochs = 6\nbatch_size = 8\nlr = 0.01\n"
                                                  "[[variants]]\nname = \"cnn\"\n[[variants]]\nname = \"resnet\"\n"
                                                  "model.type = \"resnet\"\nmodel.width = 4\ntraining.epochs = 1\n");
  r = run_spec(vol, tmp / "vrun");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto vm = metrics_of(tmp / "vrun");
  const auto& variants = vm["variants"];
  EXPECT_GE(variants[0]["test"]["accuracy"].get<double>(), 0.8);
  EXPECT_EQ(variants[1]["model"]["type"], "resnet");
  EXPECT_EQ(variants[1]["model"]["stem"], "small");
  EXPECT_TRUE(fs::exists(tmp / "vrun" / "cnn" / "figures" / "volumes.png"));
  // Rotations are for images: a volume study that asks for one is a usage error.
  r = cli({"run", vol.string(), "--set", "training.augment_rotate=10", "--out", (tmp / "rot").string(), "--quiet"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("rotations are for 2-D images"), std::string::npos) << r.err;
}

TEST(Classification, MedMnistMultiLabelNpzAndAMissingNamedSet) {
  if (!npz_supported()) GTEST_SKIP() << "built without libzip";
  TempDir tmp;
  // Two labels per image: "top half bright" and "left half bright", independently.
  std::map<std::string, torch::Tensor> arrays;
  auto gen = at::detail::createCPUGenerator(3);
  for (const char* split : {"train", "val", "test"}) {
    const int64_t n = std::string(split) == "train" ? 64 : 16;
    auto y = torch::randint(0, 2, {n, 2}, gen, torch::kInt64);
    auto x = torch::rand({n, 8, 8}, gen) * 50;
    x.narrow(1, 0, 4).add_(y.select(1, 0).view({n, 1, 1}).to(torch::kFloat32) * 150);
    x.narrow(2, 0, 4).add_(y.select(1, 1).view({n, 1, 1}).to(torch::kFloat32) * 100);
    arrays[std::string(split) + "_images"] = x.to(torch::kUInt8);
    arrays[std::string(split) + "_labels"] = y.to(torch::kUInt8);
  }
  write_npz(tmp / "two.npz", arrays);
  auto r = cli({"run", "medmnist", "--set", "data.path=" + (tmp / "two.npz").string(), "--set", "training.epochs=15",
                "--set", "training.batch_size=16",
                "--set", "training.lr=0.01", "--set", "model.channels=[8]", "--set", "model.fc=[8]", "--out",
                (tmp / "run").string(), "--quiet", "--threads", "1"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto m = metrics_of(tmp / "run");
  const auto& v = m["variants"][0];
  EXPECT_EQ(v["task"], "2 labels (multi-label)");
  // The study keeps the epoch of the best validation AUC, which ranks well before its
  // probabilities sit on the right side of 0.5: judged by the AUC.
  EXPECT_GE(v["test"]["roc_auc"].get<double>(), 0.9);

  // Oversampling balances single-label classes only.
  r = cli({"run", "medmnist", "--set", "data.path=" + (tmp / "two.npz").string(), "--set", "training.oversample=true",
           "--out", (tmp / "o").string(), "--quiet"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("training.oversample: "), std::string::npos) << r.err;

  // A named MedMNIST set that is not on the data path: the error says how to fetch it.
  r = cli({"run", "derma-cnn", "--data-dir", (tmp / "nothing").string(), "--out", (tmp / "d").string(), "--quiet"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("data set 'dermamnist' (size 28) not found"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("latent data fetch dermamnist"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(tmp / "d" / "metrics.json"));
}

}  // namespace
}  // namespace latent
