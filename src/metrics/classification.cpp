// Binary detection metrics and threshold selection.
#include "latent/metrics/classification.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "latent/core/error.h"

namespace latent {

double ConfusionMatrix::precision() const {
  return tp + fp == 0 ? 0.0 : static_cast<double>(tp) / static_cast<double>(tp + fp);
}
double ConfusionMatrix::recall() const {
  return tp + fn == 0 ? 0.0 : static_cast<double>(tp) / static_cast<double>(tp + fn);
}
double ConfusionMatrix::f1() const {
  const double p = precision(), r = recall();
  return p + r == 0.0 ? 0.0 : 2.0 * p * r / (p + r);
}

namespace {

void check_sizes(const std::vector<double>& scores, const std::vector<int64_t>& labels) {
  check(scores.size() == labels.size(),
        "metrics: " + std::to_string(scores.size()) + " scores but " + std::to_string(labels.size()) + " labels");
}

// Indices sorted by score, highest first.
std::vector<size_t> order_desc(const std::vector<double>& scores) {
  std::vector<size_t> idx(scores.size());
  std::iota(idx.begin(), idx.end(), size_t{0});
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  return idx;
}

int64_t positives(const std::vector<int64_t>& labels) {
  return std::count_if(labels.begin(), labels.end(), [](int64_t y) { return y != 0; });
}

}  // namespace

ConfusionMatrix confusion_at(const std::vector<double>& scores, const std::vector<int64_t>& labels, double threshold) {
  check_sizes(scores, labels);
  ConfusionMatrix c;
  for (size_t i = 0; i < scores.size(); ++i) {
    const bool flagged = scores[i] > threshold, positive = labels[i] != 0;
    if (flagged && positive)
      ++c.tp;
    else if (flagged)
      ++c.fp;
    else if (positive)
      ++c.fn;
    else
      ++c.tn;
  }
  return c;
}

std::vector<CurvePoint> detection_curve(const std::vector<double>& scores, const std::vector<int64_t>& labels) {
  check_sizes(scores, labels);
  const int64_t pos = positives(labels), neg = static_cast<int64_t>(labels.size()) - pos;
  const auto idx = order_desc(scores);
  std::vector<CurvePoint> out;
  int64_t tp = 0, fp = 0;
  for (size_t i = 0; i < idx.size(); ++i) {
    if (labels[idx[i]] != 0)
      ++tp;
    else
      ++fp;
    if (i + 1 < idx.size() && scores[idx[i + 1]] == scores[idx[i]]) continue;  // ties form one point
    CurvePoint p;
    p.threshold = scores[idx[i]];
    p.tpr = pos ? static_cast<double>(tp) / static_cast<double>(pos) : std::nan("");
    p.fpr = neg ? static_cast<double>(fp) / static_cast<double>(neg) : std::nan("");
    p.precision = static_cast<double>(tp) / static_cast<double>(tp + fp);
    p.recall = p.tpr;
    out.push_back(p);
  }
  return out;
}

double roc_auc(const std::vector<double>& scores, const std::vector<int64_t>& labels) {
  check_sizes(scores, labels);
  const int64_t pos = positives(labels), neg = static_cast<int64_t>(labels.size()) - pos;
  if (pos == 0 || neg == 0) return std::nan("");
  // Mann-Whitney U with average ranks for ties.
  std::vector<size_t> idx(scores.size());
  std::iota(idx.begin(), idx.end(), size_t{0});
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  double rank_sum = 0;
  for (size_t i = 0; i < idx.size();) {
    size_t j = i;
    while (j + 1 < idx.size() && scores[idx[j + 1]] == scores[idx[i]]) ++j;
    const double rank = 0.5 * static_cast<double>(i + j) + 1.0;
    for (size_t k = i; k <= j; ++k)
      if (labels[idx[k]] != 0) rank_sum += rank;
    i = j + 1;
  }
  const double u = rank_sum - static_cast<double>(pos) * static_cast<double>(pos + 1) / 2.0;
  return u / (static_cast<double>(pos) * static_cast<double>(neg));
}

double average_precision(const std::vector<double>& scores, const std::vector<int64_t>& labels) {
  if (positives(labels) == 0) return std::nan("");
  double ap = 0, prev_recall = 0;
  for (const auto& p : detection_curve(scores, labels)) {
    ap += (p.recall - prev_recall) * p.precision;
    prev_recall = p.recall;
  }
  return ap;
}

double f1_optimal_threshold(const std::vector<double>& scores, const std::vector<int64_t>& labels) {
  const int64_t pos = positives(labels);
  if (pos == 0) return std::nan("");
  const auto curve = detection_curve(scores, labels);
  double best_f1 = -1, best_t = 0;
  for (size_t i = 0; i < curve.size(); ++i) {
    const auto& p = curve[i];
    const double f1 = p.precision + p.recall == 0 ? 0.0 : 2 * p.precision * p.recall / (p.precision + p.recall);
    if (f1 > best_f1) {
      best_f1 = f1;
      // "score > t" must flag exactly the scores >= p.threshold.
      best_t = i + 1 < curve.size() ? 0.5 * (p.threshold + curve[i + 1].threshold)
                                    : p.threshold - std::max(1.0, std::abs(p.threshold)) * 1e-6;
    }
  }
  return best_t;
}

double percentile(std::vector<double> values, double q) {
  check(!values.empty(), "percentile: no values");
  check(q >= 0.0 && q <= 100.0, "percentile: q must be in [0, 100]");
  std::sort(values.begin(), values.end());
  const double pos = q / 100.0 * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (pos - static_cast<double>(lo)) * (values[hi] - values[lo]);
}

}  // namespace latent
