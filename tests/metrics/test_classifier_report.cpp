// Classifier metrics against hand-computed values: a 3-class report (per-class scores, averages,
// confusion matrices, one-vs-rest AUC, log-loss, mistakes), scikit-learn's documented binary and
// log-loss examples, a multi-label case, and the degenerate cases that must read "undefined".
#include <gtest/gtest.h>

#include <cmath>

#include "latent/metrics/classifier_report.h"
#include "test_util.h"

namespace latent {
namespace {

using testing::error_of;

// Six examples of three classes; predictions (argmax) 0 0 1 1 2 2 against labels 0 0 0 1 1 2.
torch::Tensor three_class_probs() {
  return torch::tensor(
      {{0.8, 0.1, 0.1}, {0.6, 0.3, 0.1}, {0.2, 0.5, 0.3}, {0.3, 0.4, 0.3}, {0.1, 0.2, 0.7}, {0.2, 0.2, 0.6}},
      torch::kFloat64);
}
torch::Tensor three_class_labels() { return torch::tensor({0, 0, 0, 1, 1, 2}, torch::kInt64); }

TEST(ClassifierReport, ThreeClassesByHand) {
  auto r = classifier_report(three_class_probs(), three_class_labels());
  EXPECT_EQ(r.examples, 6);
  EXPECT_NEAR(r.accuracy, 4.0 / 6.0, 1e-12);
  // Rows true, columns predicted: 0 -> {0, 0, 1}, 1 -> {1, 2}, 2 -> {2}.
  EXPECT_TRUE(torch::equal(r.confusion, torch::tensor({{2, 1, 0}, {0, 1, 1}, {0, 0, 1}}, torch::kInt64)));
  EXPECT_TRUE(
      torch::allclose(r.confusion_normalised,
                      torch::tensor({{2.0 / 3, 1.0 / 3, 0.0}, {0.0, 0.5, 0.5}, {0.0, 0.0, 1.0}}, torch::kFloat64)));
  // Class 0: tp 2, fp 0, fn 1 -> P 1, R 2/3, F1 0.8. Class 1: tp 1, fp 1, fn 1 -> 0.5 each.
  // Class 2: tp 1, fp 1, fn 0 -> P 0.5, R 1, F1 2/3.
  ASSERT_EQ(r.per_class.size(), 3u);
  EXPECT_NEAR(r.per_class[0].precision, 1.0, 1e-12);
  EXPECT_NEAR(r.per_class[0].recall, 2.0 / 3, 1e-12);
  EXPECT_NEAR(r.per_class[0].f1, 0.8, 1e-12);
  EXPECT_EQ(r.per_class[0].support, 3);
  EXPECT_NEAR(r.per_class[1].precision, 0.5, 1e-12);
  EXPECT_NEAR(r.per_class[1].recall, 0.5, 1e-12);
  EXPECT_NEAR(r.per_class[1].f1, 0.5, 1e-12);
  EXPECT_EQ(r.per_class[1].support, 2);
  EXPECT_NEAR(r.per_class[2].precision, 0.5, 1e-12);
  EXPECT_NEAR(r.per_class[2].recall, 1.0, 1e-12);
  EXPECT_NEAR(r.per_class[2].f1, 2.0 / 3, 1e-12);
  EXPECT_EQ(r.per_class[2].support, 1);
  // Macro: P (1 + .5 + .5)/3, R (2/3 + .5 + 1)/3 = 13/18, F1 (.8 + .5 + 2/3)/3.
  EXPECT_NEAR(r.macro.precision, 2.0 / 3, 1e-12);
  EXPECT_NEAR(r.macro.recall, 13.0 / 18, 1e-12);
  EXPECT_NEAR(r.macro.f1, (0.8 + 0.5 + 2.0 / 3) / 3, 1e-12);
  EXPECT_EQ(r.macro.support, 6);
  // Weighted by support 3, 2, 1: P 4.5/6, R = accuracy, F1 (2.4 + 1 + 2/3)/6.
  EXPECT_NEAR(r.weighted.precision, 0.75, 1e-12);
  EXPECT_NEAR(r.weighted.recall, 4.0 / 6, 1e-12);
  EXPECT_NEAR(r.weighted.f1, (2.4 + 1.0 + 2.0 / 3) / 6, 1e-12);
  // One-vs-rest AUC, counting pairs (positive above negative 1, tie 1/2):
  //   class 0: positives .8 .6 .2 vs negatives .3 .1 .2 -> 3 + 3 + (0 + 1 + .5) = 7.5 of 9;
  //   class 1: positives .4 .2 vs negatives .1 .3 .5 .2 -> 3 + (1 + .5) = 4.5 of 8;
  //   class 2: positive .6 vs negatives .1 .1 .3 .3 .7 -> 4 of 5.
  ASSERT_EQ(r.roc_auc.per_class.size(), 3u);
  EXPECT_NEAR(*r.roc_auc.per_class[0], 7.5 / 9, 1e-12);
  EXPECT_NEAR(*r.roc_auc.per_class[1], 4.5 / 8, 1e-12);
  EXPECT_NEAR(*r.roc_auc.per_class[2], 0.8, 1e-12);
  ASSERT_TRUE(r.roc_auc.mean.has_value());
  EXPECT_NEAR(*r.roc_auc.mean, (7.5 / 9 + 4.5 / 8 + 0.8) / 3, 1e-12);  // 0.731944
  // Log-loss: −mean log p(true) over p = .8 .6 .2 .4 .2 .6.
  EXPECT_NEAR(r.log_loss, -(std::log(0.8) + 2 * std::log(0.6) + 2 * std::log(0.2) + std::log(0.4)) / 6,
              1e-12);  // 0.896660
  // Binary-only parts stay empty.
  EXPECT_FALSE(r.average_precision.has_value());
  EXPECT_TRUE(r.pr_curve.empty());
}

TEST(ClassifierReport, ProbabilitiesNeedNotBeFloat64) {
  auto r = classifier_report(three_class_probs().to(torch::kFloat32), three_class_labels());
  EXPECT_NEAR(r.accuracy, 4.0 / 6.0, 1e-12);
  EXPECT_NEAR(*r.roc_auc.mean, (7.5 / 9 + 4.5 / 8 + 0.8) / 3, 1e-12);
}

TEST(ClassifierReport, MostConfidentMistakesComeFirst) {
  // Mistakes: example 2 (label 0, predicted 1 at .5) and example 4 (label 1, predicted 2 at .7).
  auto m = most_confident_mistakes(three_class_probs(), three_class_labels(), 5);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].index, 4);
  EXPECT_EQ(m[0].label, 1);
  EXPECT_EQ(m[0].predicted, 2);
  EXPECT_NEAR(m[0].probability, 0.7, 1e-12);
  EXPECT_EQ(m[1].index, 2);
  EXPECT_NEAR(m[1].probability, 0.5, 1e-12);
  auto one = most_confident_mistakes(three_class_probs(), three_class_labels(), 1);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].index, 4);
  EXPECT_TRUE(most_confident_mistakes(three_class_probs(), three_class_labels(), 0).empty());
}

// scikit-learn's documented examples: roc_auc_score([0, 0, 1, 1], [.1, .4, .35, .8]) = 0.75 and
// average_precision_score of the same = 0.8333 (by hand: thresholds .8, .4, .35, .1 give (P, R)
// (1, .5), (.5, .5), (2/3, 1), (.5, 1); AP = .5·1 + 0·.5 + .5·2/3 + 0·.5 = 5/6).
TEST(ClassifierReport, BinaryMatchesScikitLearnsDocumentedExample) {
  auto p = torch::tensor({0.1, 0.4, 0.35, 0.8}, torch::kFloat64);
  auto y = torch::tensor({0, 0, 1, 1}, torch::kInt64);
  auto r = classifier_report(p, y);
  EXPECT_NEAR(*r.roc_auc.mean, 0.75, 1e-12);
  EXPECT_NEAR(*r.average_precision, 5.0 / 6, 1e-12);
  ASSERT_EQ(r.pr_curve.size(), 4u);
  const double thresholds[] = {0.8, 0.4, 0.35, 0.1}, precisions[] = {1.0, 0.5, 2.0 / 3, 0.5},
               recalls[] = {0.5, 0.5, 1.0, 1.0};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_NEAR(r.pr_curve[i].threshold, thresholds[i], 1e-12) << i;
    EXPECT_NEAR(r.pr_curve[i].precision, precisions[i], 1e-12) << i;
    EXPECT_NEAR(r.pr_curve[i].recall, recalls[i], 1e-12) << i;
  }
  // A (N,) column is P(class 1): predicted 1 only for .8 -> accuracy 3/4; class 1: P 1, R .5.
  EXPECT_NEAR(r.accuracy, 0.75, 1e-12);
  EXPECT_NEAR(r.per_class[1].precision, 1.0, 1e-12);
  EXPECT_NEAR(r.per_class[1].recall, 0.5, 1e-12);
  // The same as an (N, 2) matrix.
  auto two = classifier_report(torch::stack({1.0 - p, p}, 1), y);
  EXPECT_NEAR(*two.roc_auc.mean, 0.75, 1e-12);
  EXPECT_NEAR(*two.average_precision, 5.0 / 6, 1e-12);
}

// scikit-learn's documented log_loss(["spam", "ham", "ham", "spam"], [[.1, .9], [.9, .1], [.8, .2],
// [.35, .65]]) = 0.21616: classes ham = 0, spam = 1; −(2 log .9 + log .8 + log .65)/4.
TEST(ClassifierReport, LogLossMatchesScikitLearnsDocumentedExample) {
  auto p = torch::tensor({{0.1, 0.9}, {0.9, 0.1}, {0.8, 0.2}, {0.35, 0.65}}, torch::kFloat64);
  auto y = torch::tensor({1, 0, 0, 1}, torch::kInt64);
  EXPECT_NEAR(log_loss(p, y), -(2 * std::log(0.9) + std::log(0.8) + std::log(0.65)) / 4, 1e-12);
  EXPECT_NEAR(log_loss(p, y), 0.21616, 1e-5);
}

TEST(ClassifierReport, LogLossClipsAndRenormalises) {
  // p(true) = 0 is clipped to 1e-15: −log(1e-15) / 1 = 34.539 (the row (1e-15, 1 − 1e-15) sums to 1).
  auto p = torch::tensor({{0.0, 1.0}}, torch::kFloat64);
  EXPECT_NEAR(log_loss(p, torch::tensor({0}, torch::kInt64)), -std::log(kLogLossEps), 1e-9);
  // Rows that do not sum to 1 are divided by their sum after clipping: (.2, .6) -> (.25, .75).
  auto q = torch::tensor({{0.2, 0.6}}, torch::kFloat64);
  EXPECT_NEAR(log_loss(q, torch::tensor({1}, torch::kInt64)), -std::log(0.75), 1e-12);
  // Clipping comes first, as scikit-learn's: (2, 6) is clipped to (1 − 1e-15, 1 − 1e-15), then halved.
  EXPECT_NEAR(log_loss(torch::tensor({{2.0, 6.0}}, torch::kFloat64), torch::tensor({1}, torch::kInt64)), std::log(2.0),
              1e-12);
}

TEST(ClassifierReport, OneClassPresentIsUndefinedNotNaN) {
  auto p = torch::tensor({0.2, 0.7, 0.4}, torch::kFloat64);
  auto y = torch::tensor({0, 0, 0}, torch::kInt64);
  auto r = classifier_report(p, y);
  EXPECT_FALSE(r.roc_auc.mean.has_value());
  EXPECT_FALSE(r.roc_auc.per_class[0].has_value());
  EXPECT_FALSE(r.average_precision.has_value());
  EXPECT_TRUE(r.pr_curve.empty());  // its recall would be 0/0
  EXPECT_EQ(format_metric(r.roc_auc.mean), "undefined");
  const std::string text = format_report(r, {"neg", "pos"});
  EXPECT_NE(text.find("ROC-AUC: undefined"), std::string::npos) << text;
  EXPECT_NE(text.find("average precision: undefined"), std::string::npos) << text;
  EXPECT_EQ(text.find("nan"), std::string::npos) << text;
  // The defined parts: predicted 1 for .7 only -> accuracy 2/3.
  EXPECT_NEAR(r.accuracy, 2.0 / 3, 1e-12);
  EXPECT_EQ(format_metric(0.123456, 3), "0.123");
}

TEST(ClassifierReport, MacroAverageSkipsClassesNeitherTrueNorPredicted) {
  // Class 2 never occurs nor is predicted: scikit-learn's default labels leave it out of the macro
  // average. Predictions 0 1 1 1 vs labels 0 1 0 1: class 0 P 1 R .5 F1 2/3; class 1 P 2/3 R 1 F1 .8.
  auto p = torch::tensor({{0.9, 0.05, 0.05}, {0.2, 0.7, 0.1}, {0.4, 0.5, 0.1}, {0.3, 0.6, 0.1}}, torch::kFloat64);
  auto y = torch::tensor({0, 1, 0, 1}, torch::kInt64);
  auto r = classifier_report(p, y);
  EXPECT_NEAR(r.macro.f1, (2.0 / 3 + 0.8) / 2, 1e-12);
  EXPECT_NEAR(r.macro.precision, (1.0 + 2.0 / 3) / 2, 1e-12);
  EXPECT_EQ(r.per_class[2].support, 0);
  // Class 2 has no positives: its one-vs-rest AUC, and so the macro AUC, are undefined.
  EXPECT_TRUE(r.roc_auc.per_class[0].has_value());
  EXPECT_FALSE(r.roc_auc.per_class[2].has_value());
  EXPECT_FALSE(r.roc_auc.mean.has_value());
  EXPECT_NE(format_report(r).find("ROC-AUC (one-vs-rest, macro): undefined"), std::string::npos);
  // The normalised confusion row of the absent class stays zero.
  EXPECT_EQ(r.confusion_normalised[2].abs().sum().item<double>(), 0.0);
}

TEST(ClassifierReport, FormatsLikeScikitLearn) {
  const std::string text =
      format_report(classifier_report(three_class_probs(), three_class_labels()), {"cat", "dog", "eel"});
  EXPECT_NE(text.find("precision    recall  f1-score   support"), std::string::npos) << text;
  EXPECT_NE(text.find("         cat      1.00      0.67      0.80         3"), std::string::npos) << text;
  EXPECT_NE(text.find("    accuracy                          0.67         6"), std::string::npos) << text;
  EXPECT_NE(text.find("weighted avg      0.75      0.67      0.68         6"), std::string::npos) << text;
  EXPECT_NE(text.find("ROC-AUC (one-vs-rest, macro): 0.7319"), std::string::npos) << text;
  EXPECT_NE(text.find("log-loss: 0.8967"), std::string::npos) << text;
  EXPECT_NE(error_of([] {
              format_report(classifier_report(three_class_probs(), three_class_labels()), {"a"});
            }).find("1 class names for 3 classes"),
            std::string::npos);
}

TEST(ClassifierReport, MultiLabelByHand) {
  // Label 0: targets 1 0 1 0, scores .9 .2 .4 .6 -> positives .9 .4 vs negatives .2 .6: 2 + 1 of 4.
  // Label 1: targets 0 1 1 1, scores .3 .8 .7 .1 -> positives .8 .7 .1 vs negative .3: 1 + 1 + 0 of 3.
  auto s = torch::tensor({{0.9, 0.3}, {0.2, 0.8}, {0.4, 0.7}, {0.6, 0.1}}, torch::kFloat64);
  auto t = torch::tensor({{1, 0}, {0, 1}, {1, 1}, {0, 1}}, torch::kInt64);
  auto auc = roc_auc_multilabel(s, t);
  EXPECT_NEAR(*auc.per_class[0], 0.75, 1e-12);
  EXPECT_NEAR(*auc.per_class[1], 2.0 / 3, 1e-12);
  EXPECT_NEAR(*auc.mean, (0.75 + 2.0 / 3) / 2, 1e-12);
  // At 0.5: label 0 predicted 1 0 0 1 (tp 1, fp 1, fn 1); label 1 predicted 0 1 1 0 (tp 2, fn 1).
  auto r = multilabel_report(s, t);
  EXPECT_NEAR(r.per_label[0].f1, 0.5, 1e-12);
  EXPECT_NEAR(r.per_label[1].precision, 1.0, 1e-12);
  EXPECT_NEAR(r.per_label[1].recall, 2.0 / 3, 1e-12);
  EXPECT_NEAR(r.per_label[1].f1, 0.8, 1e-12);
  EXPECT_NEAR(r.subset_accuracy, 0.5, 1e-12);  // rows 0 and 1 exactly right
  EXPECT_NEAR(r.macro.f1, 0.65, 1e-12);
  EXPECT_NEAR(r.weighted.f1, (2 * 0.5 + 3 * 0.8) / 5, 1e-12);
  EXPECT_EQ(r.weighted.support, 5);
  // Per-label accuracy 2/4 and 3/4; log-loss the mean of the eight cells' -log p(target).
  EXPECT_NEAR(r.label_accuracy, 0.625, 1e-12);
  const double cells = -(std::log(0.9) + std::log(0.8) + std::log(0.4) + std::log(0.4) + std::log(0.7) +
                         std::log(0.8) + std::log(0.7) + std::log(0.1));
  EXPECT_NEAR(r.log_loss, cells / 8, 1e-12);
  const std::string text = format_multilabel_report(r, {"cat", "dog"});
  EXPECT_NE(text.find("         dog      1.00      0.67      0.80         3"), std::string::npos) << text;
  EXPECT_NE(text.find("subset accuracy (every label right): 0.5000"), std::string::npos) << text;
  EXPECT_NE(text.find("label accuracy (mean over labels): 0.6250"), std::string::npos) << text;
  // A label that is 1 on every row has no negatives: its AUC and the mean are undefined.
  auto s3 = torch::cat({s, torch::tensor({{0.1}, {0.2}, {0.3}, {0.4}}, torch::kFloat64)}, 1);
  auto t3 = torch::cat({t, torch::ones({4, 1}, torch::kInt64)}, 1);
  auto auc3 = roc_auc_multilabel(s3, t3);
  EXPECT_TRUE(auc3.per_class[0].has_value());
  EXPECT_FALSE(auc3.per_class[2].has_value());
  EXPECT_FALSE(auc3.mean.has_value());
  EXPECT_NE(error_of([&] { roc_auc_multilabel(s, t * 2); }).find("targets must be 0 or 1"), std::string::npos);
}

TEST(ClassifierReport, ConfusionMatrixCountsAndChecks) {
  auto c = confusion_matrix(torch::tensor({1, 1, 0, 2}, torch::kInt64), torch::tensor({1, 0, 0, 1}, torch::kInt64), 3);
  EXPECT_TRUE(torch::equal(c, torch::tensor({{1, 0, 0}, {1, 1, 0}, {0, 1, 0}}, torch::kInt64)));
  EXPECT_TRUE(torch::allclose(normalise_rows(c),
                              torch::tensor({{1.0, 0.0, 0.0}, {0.5, 0.5, 0.0}, {0.0, 1.0, 0.0}}, torch::kFloat64)));
  EXPECT_TRUE(
      torch::equal(predicted_classes(torch::tensor({{0.5, 0.5}, {0.2, 0.8}})), torch::tensor({0, 1}, torch::kInt64)));
}

TEST(ClassifierReport, BadInputsAreErrors) {
  auto p = three_class_probs();
  EXPECT_NE(error_of([&] {
              classifier_report(p, torch::tensor({0, 1, 2, 3, 0, 1}, torch::kInt64));
            }).find("label 3 is outside [0, 3)"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              classifier_report(p, torch::tensor({0, 1}, torch::kInt64));
            }).find("6 predictions but 2 labels"),
            std::string::npos);
  EXPECT_NE(error_of([&] { classifier_report(p * std::nan(""), three_class_labels()); }).find("not finite"),
            std::string::npos);
  EXPECT_NE(error_of([&] { classifier_report(-p, three_class_labels()); }).find("negative"), std::string::npos);
  EXPECT_NE(error_of([&] { classifier_report(p.slice(1, 0, 1), three_class_labels()); }).find("at least 2 classes"),
            std::string::npos);
  EXPECT_NE(
      error_of([&] { classifier_report(p, three_class_labels().to(torch::kFloat64)); }).find("labels must be integers"),
      std::string::npos);
}

}  // namespace
}  // namespace latent
