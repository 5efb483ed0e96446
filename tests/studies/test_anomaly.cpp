// Anomaly detection: the CSV reader's edge cases and errors, detection metrics against
// hand-computed values (ties, one-class inputs), threshold selection, the synthetic
// credit-card generator, and train -> save -> score round trips through the CLI.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_util.h"
#include "latent/core/error.h"
#include "latent/data/csv.h"
#include "latent/data/fraud_synth.h"
#include "latent/metrics/classification.h"
#include "latent/models/vae.h"
#include "latent/report/chart.h"
#include "latent/studies/anomaly.h"
#include "test_util.h"

namespace latent {
namespace {

using testing::run_cli;
using testing::TempDir;

std::string csv_error(const std::string& text, const std::string& label = "") {
  TempDir tmp;
  testing::write_bytes(tmp / "t.csv", text);
  CsvOptions o;
  o.label = label;
  try {
    read_csv(tmp / "t.csv", o);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Csv, QuotedFieldsCrlfBlankLinesAndLabel) {
  TempDir tmp;
  testing::write_bytes(tmp / "t.csv", "\"a\",\"b \"\"x\"\"\",\"Class\"\r\n1, 2.5,\"0\"\r\n\r\n  \r\n-3e1,4,1\r\n");
  CsvOptions o;
  o.label = "Class";
  std::vector<std::string> names;
  auto t = read_csv(tmp / "t.csv", o, &names);
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b \"x\""}));
  EXPECT_TRUE(torch::equal(t.x, torch::tensor({{1.0f, 2.5f}, {-30.0f, 4.0f}})));
  EXPECT_TRUE(torch::equal(t.y, torch::tensor({0, 1}, torch::kInt64)));
  // Unquoted lines (cut at the commas) and quoted ones give the same cells: spaces and tabs trimmed,
  // a leading '+' and exponents read as numbers.
  testing::write_bytes(tmp / "u.csv", "a,b,c\n\t+1.5 ,  -2e-1,.25\n\" +1.5\",\"-2e-1\",\".25\"\n7,8.,9E1\n");
  auto u = read_csv(tmp / "u.csv", {});
  EXPECT_TRUE(torch::equal(u.x, torch::tensor({{1.5f, -0.2f, 0.25f}, {1.5f, -0.2f, 0.25f}, {7.0f, 8.0f, 90.0f}})));
  // Without a label every column is a feature.
  auto all = read_csv(tmp / "t.csv", {});
  EXPECT_EQ(all.x.size(1), 3);
  EXPECT_FALSE(all.y.defined());
}

TEST(Csv, ClearErrorsNameLineAndColumn) {
  EXPECT_NE(csv_error("a,b\n1,2\n3\n").find("t.csv: line 3: 1 fields, the header has 2"), std::string::npos);
  EXPECT_NE(csv_error("a,b\n1,2,3\n").find("line 2: 3 fields"), std::string::npos);
  EXPECT_NE(csv_error("a,b\n1,abc\n").find("line 2, column 2 ('b'): 'abc' is not a number"), std::string::npos);
  EXPECT_NE(csv_error("a,b\n1,2x\n").find("'2x' is not a number"), std::string::npos);
  EXPECT_NE(csv_error("a,b\n1,0x10\n").find("'0x10' is not a number"), std::string::npos);
  EXPECT_NE(csv_error("a,b\n1,+-2\n").find("'+-2' is not a number"), std::string::npos);
  EXPECT_NE(csv_error("a,b\n1,+\n").find("'+' is not a number"), std::string::npos);
  EXPECT_NE(csv_error("a,b\n1,1 2\n").find("'1 2' is not a number"), std::string::npos);
  EXPECT_NE(csv_error("a,b\n1,nan\n").find("column 2 ('b'): 'nan' is not a finite number"), std::string::npos);
  EXPECT_NE(csv_error("a,b\n-inf,1\n").find("column 1 ('a'): '-inf' is not a finite number"), std::string::npos);
  EXPECT_NE(csv_error("a,b\n1e999,1\n").find("not a finite number"), std::string::npos);
  EXPECT_NE(csv_error("a,b\n1,\n").find("line 2, column 2 ('b'): empty cell"), std::string::npos);
  EXPECT_NE(csv_error("a,b\n\"1,2\n").find("line 2: unterminated quoted field"), std::string::npos);
  EXPECT_NE(csv_error("a,b\n1,2\n", "Class").find("no label column 'Class' in the header (columns: a, b)"),
            std::string::npos);
  EXPECT_NE(csv_error("a,Class\n1,2\n", "Class").find("label '2' is not 0 or 1"), std::string::npos);
  EXPECT_NE(csv_error("").find("empty file"), std::string::npos);
  EXPECT_NE(csv_error("a,b\n").find("no data rows"), std::string::npos);
  EXPECT_NE(csv_error("a,,c\n1,2,3\n").find("column 2 has an empty name"), std::string::npos);
  EXPECT_THROW(CsvReader("/no/such/file.csv"), Error);
}

TEST(Csv, StreamsInChunksAndToleratesMissingOptionalLabel) {
  TempDir tmp;
  testing::write_bytes(tmp / "t.csv", "a,b\n1,2\n3,4\n\n5,6\n7,8\n9,10\n");
  CsvOptions o;
  o.label = "Class";
  o.label_required = false;
  o.chunk_rows = 2;
  CsvReader reader(tmp / "t.csv", o);
  EXPECT_FALSE(reader.has_label());
  CsvChunk c;
  std::vector<int64_t> sizes, lines;
  std::vector<torch::Tensor> parts;
  while (reader.next(c)) sizes.push_back(c.rows()), lines.push_back(c.first_line), parts.push_back(c.x);
  EXPECT_EQ(sizes, (std::vector<int64_t>{2, 2, 1}));
  EXPECT_EQ(lines, (std::vector<int64_t>{2, 5, 7}));
  EXPECT_EQ(reader.rows_read(), 5);
  EXPECT_TRUE(torch::equal(torch::cat(parts), torch::arange(1, 11, torch::kFloat32).reshape({5, 2})));
}

// scores 0.9 0.8 0.8 0.3 0.1 with labels 1 0 1 0 0: a tie between a positive and a negative.
const std::vector<double> kScores = {0.9, 0.8, 0.8, 0.3, 0.1};
const std::vector<int64_t> kLabels = {1, 0, 1, 0, 0};

TEST(DetectionMetrics, HandComputedWithTies) {
  // Pairs (positive, negative): 0.9 beats all 3; 0.8 ties one (0.5) and beats 2 -> 5.5 / 6.
  EXPECT_NEAR(roc_auc(kScores, kLabels), 5.5 / 6.0, 1e-12);
  // Distinct thresholds 0.9 (P 1, R 1/2), 0.8 (P 2/3, R 1), then recall stays 1.
  EXPECT_NEAR(average_precision(kScores, kLabels), 0.5 * 1.0 + 0.5 * 2.0 / 3.0, 1e-12);
  auto cm = confusion_at(kScores, kLabels, 0.5);
  EXPECT_EQ(cm.tp, 2);
  EXPECT_EQ(cm.fp, 1);
  EXPECT_EQ(cm.tn, 2);
  EXPECT_EQ(cm.fn, 0);
  EXPECT_NEAR(cm.precision(), 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(cm.recall(), 1.0, 1e-12);
  EXPECT_NEAR(cm.f1(), 0.8, 1e-12);
  // Strictly greater: a score equal to the threshold is not flagged.
  EXPECT_EQ(confusion_at(kScores, kLabels, 0.8).tp, 1);
  auto curve = detection_curve(kScores, kLabels);
  ASSERT_EQ(curve.size(), 4u);
  EXPECT_NEAR(curve[1].fpr, 1.0 / 3.0, 1e-12);
  EXPECT_NEAR(curve[1].tpr, 1.0, 1e-12);
  // Perfectly separated and perfectly inverted scores.
  EXPECT_DOUBLE_EQ(roc_auc({3, 2, 1}, {1, 0, 0}), 1.0);
  EXPECT_DOUBLE_EQ(roc_auc({1, 2, 3}, {1, 0, 0}), 0.0);
  EXPECT_DOUBLE_EQ(roc_auc({1, 1, 1, 1}, {1, 0, 1, 0}), 0.5);
  EXPECT_DOUBLE_EQ(average_precision({1, 1, 1, 1}, {1, 0, 1, 0}), 0.5);
}

TEST(DetectionMetrics, OneClassInputs) {
  EXPECT_TRUE(std::isnan(roc_auc({0.1, 0.2}, {0, 0})));
  EXPECT_TRUE(std::isnan(roc_auc({0.1, 0.2}, {1, 1})));
  EXPECT_TRUE(std::isnan(average_precision({0.1, 0.2}, {0, 0})));
  EXPECT_DOUBLE_EQ(average_precision({0.1, 0.2}, {1, 1}), 1.0);
  auto none = confusion_at({0.1, 0.2}, {0, 0}, 1.0);
  EXPECT_EQ(none.tn, 2);
  EXPECT_EQ(none.precision(), 0.0);
  EXPECT_EQ(none.recall(), 0.0);
  EXPECT_EQ(none.f1(), 0.0);
  EXPECT_TRUE(std::isnan(f1_optimal_threshold({0.1, 0.2}, {0, 0})));
  EXPECT_THROW(roc_auc({0.1}, {0, 1}), Error);
}

TEST(Threshold, F1OptimalAndPercentile) {
  // F1 by cut: {0.9}: 2/3, {0.9, 0.8, 0.8}: 0.8, {.., 0.3}: 2/3, all: 4/7 -> cut between 0.8 and 0.3.
  const double t = f1_optimal_threshold(kScores, kLabels);
  EXPECT_DOUBLE_EQ(t, 0.55);
  EXPECT_NEAR(confusion_at(kScores, kLabels, t).f1(), 0.8, 1e-12);
  // Flagging everything is best: the threshold sits below the lowest score.
  const double all = f1_optimal_threshold({0.5, 0.4}, {1, 1});
  EXPECT_LT(all, 0.4);
  EXPECT_EQ(confusion_at({0.5, 0.4}, {1, 1}, all).tp, 2);
  EXPECT_DOUBLE_EQ(percentile({4, 1, 3, 2}, 50), 2.5);
  EXPECT_DOUBLE_EQ(percentile({4, 1, 3, 2}, 0), 1.0);
  EXPECT_DOUBLE_EQ(percentile({4, 1, 3, 2}, 100), 4.0);
  EXPECT_NEAR(percentile({4, 1, 3, 2}, 90), 3.7, 1e-12);
  EXPECT_DOUBLE_EQ(percentile({7}, 99), 7.0);
  EXPECT_THROW(percentile({}, 50), Error);
}

TEST(FraudData, SchemaRateDeterminismAndCsvRoundTrip) {
  FraudDataOptions o;
  o.rows = 10000;
  o.seed = 3;
  auto a = make_fraud_table(o), b = make_fraud_table(o);
  EXPECT_EQ(a.x.sizes(), (std::vector<int64_t>{10000, 30}));
  EXPECT_EQ(a.y.sum().item<int64_t>(), 17);  // 10000 * 0.0017
  EXPECT_TRUE(torch::equal(a.x, b.x));
  o.seed = 4;
  EXPECT_FALSE(torch::equal(a.x, make_fraud_table(o).x));
  auto time = a.x.select(1, 0);
  EXPECT_TRUE(torch::equal(time, std::get<0>(time.sort())));  // Time is increasing
  EXPECT_GE(a.x.select(1, 29).min().item<float>(), 0.0f);     // Amount >= 0

  TempDir tmp;
  o.seed = 3;
  write_fraud_csv(tmp / "cc.csv", o);
  const std::string text = testing::read_file(tmp / "cc.csv");
  EXPECT_EQ(text.substr(0, text.find('\n')).substr(0, 20), "\"Time\",\"V1\",\"V2\",\"V3");
  EXPECT_NE(text.find("\"Amount\",\"Class\"\n"), std::string::npos);
  CsvOptions co;
  co.label = "Class";
  std::vector<std::string> names;
  auto read = read_csv(tmp / "cc.csv", co, &names);
  EXPECT_EQ(names.size(), 30u);
  EXPECT_EQ(names.back(), "Amount");
  EXPECT_TRUE(torch::equal(read.y, a.y));
  EXPECT_TRUE(torch::allclose(read.x, a.x, 1e-6, 1e-4));
}

// The score column of a `latent score` output file.
std::vector<double> score_column(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  std::vector<double> out;
  while (std::getline(in, line)) {
    const auto a = line.find(',');
    out.push_back(std::stod(line.substr(a + 1, line.find(',', a + 1) - a - 1)));
  }
  return out;
}

TEST(AnomalyStudy, TrainSaveScoreRoundTrip) {
  TempDir tmp;
  FraudDataOptions o;
  o.rows = 4000;
  o.fraud_rate = 0.02;
  write_fraud_csv(tmp / "cc.csv", o);
  auto r = run_cli({"run", "fraud-ae", "--set", "data.path=" + (tmp / "cc.csv").string(), "--set", "training.epochs=3",
                    "--set", "training.batch_size=64", "--out", (tmp / "run").string(), "--quiet", "--threads", "1"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto m = nlohmann::json::parse(testing::read_file(tmp / "run" / "metrics.json"));
  ASSERT_EQ(m["variants"].size(), 6u);
  EXPECT_EQ(m["variants"][5]["score"], "neg_elbo");
  for (const auto& v : m["variants"]) {
    EXPECT_GT(v["test"]["roc_auc"].get<double>(), 0.8) << v["name"];
    EXPECT_GT(v["test"]["pr_auc"].get<double>(), 0.1) << v["name"];  // chance: 0.02
    const auto& c = v["test"]["confusion"];
    EXPECT_EQ(c["tp"].get<int64_t>() + c["fp"].get<int64_t>() + c["tn"].get<int64_t>() + c["fn"].get<int64_t>(), 1200);
    EXPECT_EQ(v["threshold"]["method"], "f1");
    for (const char* f : {"model.pt", "history.csv"})
      EXPECT_TRUE(std::filesystem::exists(tmp / "run" / v["name"].get<std::string>() / f)) << f;
    // The charts exactly where the build draws them (PLplot).
    for (const char* f : {"figures/error_histogram.svg", "figures/roc.svg", "figures/pr.svg", "figures/confusion.svg"})
      EXPECT_EQ(std::filesystem::exists(tmp / "run" / v["name"].get<std::string>() / f), charts_available()) << f;
  }

  // The VAE scored by negative ELBO: reconstruction NLL (squared error, as trained with
  // training.loss = mse) at the posterior mean plus the KL term, computed here by hand.
  {
    AnomalyDetector vae = load_anomaly_detector(tmp / "run" / "vae-elbo" / "model.pt");
    CsvOptions co;
    co.label = "Class";
    const auto x = read_csv(tmp / "cc.csv", co).x.slice(0, 0, 5);
    const auto xs = (x - vae.mean) / vae.std;
    auto* v = dynamic_cast<VaeBase*>(vae.model.get());
    ASSERT_NE(v, nullptr);
    torch::NoGradGuard no_grad;
    const auto q = v->posterior(xs);
    const auto expected =
        (v->decode(q.mu) - xs).pow(2).sum(1) - 0.5 * (1 + q.logvar - q.mu.pow(2) - q.logvar.exp()).sum(1);
    EXPECT_TRUE(torch::allclose(vae.score(x), expected, 1e-5, 1e-5)) << vae.score(x) << expected;
  }

  // The saved detector carries its standardisation and threshold.
  const auto model = tmp / "run" / "deep" / "model.pt";
  AnomalyDetector d = load_anomaly_detector(model);
  EXPECT_DOUBLE_EQ(d.threshold, m["variants"][1]["threshold"]["value"].get<double>());
  EXPECT_EQ(d.feature_names.size(), 30u);

  auto s = run_cli({"score", model.string(), (tmp / "cc.csv").string(), "-o", (tmp / "scores.csv").string()});
  ASSERT_EQ(s.code, 0) << s.err;
  EXPECT_NE(s.out.find("scored 4000 rows"), std::string::npos) << s.out;
  auto small = run_cli(
      {"score", model.string(), (tmp / "cc.csv").string(), "-o", (tmp / "scores7.csv").string(), "--chunk-rows", "7"});
  ASSERT_EQ(small.code, 0) << small.err;
  const std::string scores = testing::read_file(tmp / "scores.csv");
  // Chunking does not change a score (beyond float rounding of different batch sizes).
  const auto whole = score_column(scores), chunked = score_column(testing::read_file(tmp / "scores7.csv"));
  ASSERT_EQ(whole.size(), chunked.size());
  for (size_t i = 0; i < whole.size(); ++i)
    ASSERT_NEAR(whole[i], chunked[i], 1e-5 * std::max(1.0, whole[i])) << "row " << i + 1;
  EXPECT_EQ(scores.substr(0, scores.find('\n')), "row,score,flag,label");
  EXPECT_EQ(std::count(scores.begin(), scores.end(), '\n'), 4001);
  // The first row's score is the detector's score of that row.
  CsvOptions co;
  co.label = "Class";
  auto table = read_csv(tmp / "cc.csv", co);
  const double first = d.score(table.x.slice(0, 0, 1)).item<double>();
  std::istringstream lines(scores);
  std::string header, row1;
  std::getline(lines, header);
  std::getline(lines, row1);
  const double written = std::stod(row1.substr(2, row1.find(',', 2) - 2));
  EXPECT_NEAR(written, first, 1e-5 * std::max(1.0, first));
  EXPECT_EQ(row1.back() - '0', table.y[0].item<int64_t>());
  EXPECT_EQ(row1[row1.size() - 3] - '0', first > d.threshold ? 1 : 0);

  // Wrong columns: one clear line, exit 1, nothing written.
  testing::write_bytes(tmp / "other.csv", "x,y\n1,2\n");
  auto bad = run_cli({"score", model.string(), (tmp / "other.csv").string(), "-o", (tmp / "bad.csv").string()});
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("columns differ from the model's: column 1 is 'x', the model expects 'Time'"),
            std::string::npos)
      << bad.err;
  EXPECT_FALSE(std::filesystem::exists(tmp / "bad.csv"));
}

TEST(AnomalyStudy, SyntheticDataAndCliGenerator) {
  TempDir tmp;
  auto g = run_cli({"make-fraud-data", "-o", (tmp / "cc.csv").string(), "--rows", "200", "--seed", "5"});
  ASSERT_EQ(g.code, 0) << g.err;
  const std::string text = testing::read_file(tmp / "cc.csv");
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 201);
  auto r = run_cli({"run", "fraud-ae", "--set", "data.synthetic_rows=1500", "--set", "training.epochs=1", "--set",
                    "evaluation.threshold=percentile", "--out", (tmp / "run").string(), "--quiet", "--threads", "1"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto m = nlohmann::json::parse(testing::read_file(tmp / "run" / "metrics.json"));
  EXPECT_EQ(m["variants"][0]["threshold"]["method"], "percentile");
  EXPECT_NE(testing::read_file(tmp / "run" / "results.md").find("synthetic credit-card table (1500 rows"),
            std::string::npos);
  auto unlabelled = run_cli({"run", "fraud-ae", "--set", "data.label=", "--out", (tmp / "run2").string(), "--quiet"});
  EXPECT_EQ(unlabelled.code, 2);
  EXPECT_NE(unlabelled.err.find("data.label"), std::string::npos) << unlabelled.err;
}

TEST(AnomalyStudy, NegativeElboScoreNeedsAVae) {
  auto r = run_cli({"show", "fraud-ae", "--set", "evaluation.score=neg_elbo"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("evaluation.score: neg_elbo needs a VAE (model.type dense_vae), not 'dense_ae'"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace latent
