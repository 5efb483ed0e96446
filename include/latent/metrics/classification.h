// Binary detection metrics from scores and 0/1 labels: confusion matrix, precision, recall,
// F1, ROC and PR curves, ROC-AUC (ties count one half) and average precision (PR-AUC, as
// scikit-learn computes it), and threshold selection (F1-optimal or a percentile).
#pragma once

#include <cstdint>
#include <vector>

namespace latent {

struct ConfusionMatrix {
  int64_t tp = 0, fp = 0, tn = 0, fn = 0;
  // tp / (tp + fp); 0 when nothing is flagged.
  double precision() const;
  // tp / (tp + fn); 0 when there are no positives.
  double recall() const;
  // Harmonic mean of precision and recall; 0 when both are 0.
  double f1() const;
};

// Flags score > threshold as positive (label != 0).
ConfusionMatrix confusion_at(const std::vector<double>& scores, const std::vector<int64_t>& labels, double threshold);

// Area under the ROC curve = P(score of a random positive > score of a random negative) +
// 0.5 P(equal). NaN when either class is absent.
double roc_auc(const std::vector<double>& scores, const std::vector<int64_t>& labels);

// Average precision: sum over distinct thresholds (high to low) of (R_k - R_{k-1}) P_k.
// NaN when there are no positives.
double average_precision(const std::vector<double>& scores, const std::vector<int64_t>& labels);

struct CurvePoint {
  double threshold;  // rows with score >= threshold are flagged
  double tpr, fpr, precision, recall;
};

// One point per distinct score, from the highest score down (each flags score >= threshold).
std::vector<CurvePoint> detection_curve(const std::vector<double>& scores, const std::vector<int64_t>& labels);

// The threshold t maximising F1 of "score > t": midway between two neighbouring distinct
// scores (below the lowest score when flagging all is best). Returns NaN without positives.
double f1_optimal_threshold(const std::vector<double>& scores, const std::vector<int64_t>& labels);

// The q-th percentile (q in [0, 100]) with linear interpolation between order statistics
// (numpy's default). Throws Error on an empty input.
double percentile(std::vector<double> values, double q);

}  // namespace latent
