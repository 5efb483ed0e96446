// Metrics of a classifier from predicted probabilities and integer labels, computed as
// scikit-learn computes them: accuracy, per-class precision/recall/F1/support with macro and
// weighted averages (classification_report, zero_division=0), confusion matrices, ROC-AUC (binary,
// one-vs-rest macro, mean per label for multi-label targets), the binary PR curve and average
// precision, log-loss, and the most confidently misclassified examples. A value that is undefined
// (ROC-AUC with one class present) is a MaybeMetric without a value, never NaN.
#pragma once

#include <torch/types.h>

#include <optional>
#include <string>
#include <vector>

#include "latent/metrics/classification.h"

namespace latent {

// A metric that may be undefined: no value instead of NaN.
using MaybeMetric = std::optional<double>;

// The value with `digits` decimals, or "undefined".
std::string format_metric(const MaybeMetric& value, int digits = 4);

// Precision = tp / (tp + fp), recall = tp / (tp + fn), F1 their harmonic mean, each 0 where its
// denominator is 0 (scikit-learn's zero_division=0); support = tp + fn.
struct ClassScores {
  double precision = 0.0;
  double recall = 0.0;
  double f1 = 0.0;
  int64_t support = 0;
};
ClassScores class_scores(int64_t tp, int64_t fp, int64_t fn);

// ROC-AUC per class (or label) and their mean; the mean is undefined when any class's AUC is
// (scikit-learn raises there), a class's AUC is undefined when it has no positives or no negatives.
struct AucScores {
  MaybeMetric mean;
  std::vector<MaybeMetric> per_class;
};

// Binary ROC-AUC of scores against 0/1 labels (latent::roc_auc), undefined with one class present.
MaybeMetric binary_roc_auc(const std::vector<double>& scores, const std::vector<int64_t>& labels);

// probs: (N, K) probabilities (rows need not sum to 1), or (N,) P(class 1) of a binary task, read
// as the columns (1 − p, p). labels: (N,) integers in [0, K). Throws Error naming what is wrong.
// The predicted class is the row's argmax (the first on ties).
torch::Tensor predicted_classes(const torch::Tensor& probs);

// (K, K) int64 counts: row = true class, column = predicted class.
torch::Tensor confusion_matrix(const torch::Tensor& labels, const torch::Tensor& predicted, int64_t classes);

// Each row divided by its sum, float64; a row without examples stays zero.
torch::Tensor normalise_rows(const torch::Tensor& confusion);

// One-vs-rest ROC-AUC of each class's probability column; the mean is the macro average
// (scikit-learn's roc_auc_score(multi_class="ovr", average="macro")). For K = 2 every value equals
// the binary AUC of P(class 1).
AucScores roc_auc_one_vs_rest(const torch::Tensor& probs, const torch::Tensor& labels);

// scores, targets: (N, L); targets 0/1. ROC-AUC of each label's column, and their mean
// (scikit-learn's roc_auc_score on a multi-label indicator matrix, average="macro").
AucScores roc_auc_multilabel(const torch::Tensor& scores, const torch::Tensor& targets);

// Mean over examples of −log p(true class), with each probability clipped to [kLogLossEps,
// 1 − kLogLossEps] and each row then divided by its sum (scikit-learn's log_loss, eps = 1e-15).
constexpr double kLogLossEps = 1e-15;
double log_loss(const torch::Tensor& probs, const torch::Tensor& labels);

struct ClassifierReport {
  int64_t examples = 0;
  double accuracy = 0.0;
  std::vector<ClassScores> per_class;  // classes 0..K-1
  // Unweighted mean over the classes that occur in the labels or the predictions (scikit-learn's
  // default label set); support = all examples.
  ClassScores macro;
  // Mean weighted by each class's support.
  ClassScores weighted;
  torch::Tensor confusion;             // (K, K) int64, rows true, columns predicted
  torch::Tensor confusion_normalised;  // (K, K) float64, rows summing to 1 (or 0 without examples)
  AucScores roc_auc;                   // binary (K = 2): the AUC of P(class 1); else one-vs-rest
  MaybeMetric average_precision;       // K = 2 only: of P(class 1); undefined without positives
  std::vector<CurvePoint> pr_curve;  // K = 2 with both classes present: a point per distinct P(class 1), highest first
  double log_loss = 0.0;
};

// Everything above for one set of predictions.
ClassifierReport classifier_report(const torch::Tensor& probs, const torch::Tensor& labels);

// The report as scikit-learn's classification_report prints it (two decimals), one row per class
// (named by class_names, or its number when the list is empty), then accuracy, macro and weighted
// averages, ROC-AUC, average precision (binary) and log-loss (four decimals; "undefined" where so).
std::string format_report(const ClassifierReport& report, const std::vector<std::string>& class_names = {});

// Multi-label targets: scores (N, L) probabilities, targets (N, L) 0/1; a label is predicted
// where its score is >= threshold.
struct MultiLabelReport {
  int64_t examples = 0;
  double subset_accuracy = 0.0;  // rows whose every label is right
  double label_accuracy = 0.0;   // mean over labels of each label's accuracy (MedMNIST's multi-label ACC)
  double log_loss = 0.0;         // mean over examples and labels of the binary log-loss (scores clipped by kLogLossEps)
  std::vector<ClassScores> per_label;
  ClassScores macro;     // unweighted mean over all labels
  ClassScores weighted;  // weighted by each label's support
  AucScores roc_auc;     // mean per label
};
MultiLabelReport multilabel_report(const torch::Tensor& scores, const torch::Tensor& targets, double threshold = 0.5);

// The multi-label report in classification_report's layout: one row per label (support = its
// positives), macro and weighted averages, then subset and per-label accuracy, ROC-AUC (mean per
// label) and log-loss.
std::string format_multilabel_report(const MultiLabelReport& report, const std::vector<std::string>& label_names = {});

// A misclassified example: its index, true and predicted class, and the probability the model gave
// its (wrong) predicted class.
struct Mistake {
  int64_t index = 0;
  int64_t label = 0;
  int64_t predicted = 0;
  double probability = 0.0;
};

// The k misclassified examples with the highest probability of their predicted class, highest
// first (ties: lower index first); fewer when there are fewer mistakes.
std::vector<Mistake> most_confident_mistakes(const torch::Tensor& probs, const torch::Tensor& labels, int64_t k);

}  // namespace latent
