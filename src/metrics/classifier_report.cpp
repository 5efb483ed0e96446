// Classifier metrics from probabilities and labels (see classifier_report.h).
#include "latent/metrics/classifier_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "latent/core/error.h"

namespace latent {

namespace {

// probs as (N, K) float64 (a binary (N,) column p becomes (1 − p, p)), checked finite and >= 0.
torch::Tensor probability_matrix(const torch::Tensor& probs) {
  check(probs.defined() && (probs.dim() == 1 || probs.dim() == 2), "metrics: probabilities must be (N,) or (N, K)");
  check(probs.is_floating_point(), "metrics: probabilities must be floating point");
  auto p = probs.detach().to(torch::kCPU, torch::kFloat64);
  if (p.dim() == 1) p = torch::stack({1.0 - p, p}, 1);
  check(p.size(0) > 0, "metrics: no examples");
  check(p.size(1) >= 2, "metrics: probabilities need at least 2 classes (columns), got " + std::to_string(p.size(1)));
  check(torch::isfinite(p).all().item<bool>(), "metrics: a probability is not finite");
  check(p.min().item<double>() >= 0.0, "metrics: a probability is negative");
  return p.contiguous();
}

// labels as (N,) int64 in [0, classes).
torch::Tensor label_vector(const torch::Tensor& labels, int64_t n, int64_t classes) {
  check(labels.defined() && labels.dim() == 1, "metrics: labels must be a vector (N,)");
  check(!labels.is_floating_point(), "metrics: labels must be integers");
  check(labels.size(0) == n,
        "metrics: " + std::to_string(n) + " predictions but " + std::to_string(labels.size(0)) + " labels");
  check(n > 0, "metrics: no examples");
  auto y = labels.to(torch::kCPU, torch::kInt64).contiguous();
  const int64_t lo = y.min().item<int64_t>(), hi = y.max().item<int64_t>();
  check(lo >= 0 && hi < classes,
        "metrics: label " + std::to_string(lo < 0 ? lo : hi) + " is outside [0, " + std::to_string(classes) + ")");
  return y;
}

std::vector<double> column(const torch::Tensor& m, int64_t k) {
  auto c = m.select(1, k).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

std::vector<int64_t> indicator(const int64_t* labels, int64_t n, int64_t k) {
  std::vector<int64_t> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) out[static_cast<size_t>(i)] = labels[i] == k ? 1 : 0;
  return out;
}

AucScores mean_of(std::vector<MaybeMetric> per_class) {
  AucScores out;
  out.per_class = std::move(per_class);
  double sum = 0.0;
  for (const auto& a : out.per_class) {
    if (!a) return out;
    sum += *a;
  }
  out.mean = sum / static_cast<double>(out.per_class.size());
  return out;
}

// Macro (over the classes where `counted`) and support-weighted means of per-class scores.
void averages(const std::vector<ClassScores>& per_class, const std::vector<bool>& counted, ClassScores& macro,
              ClassScores& weighted) {
  int64_t n_counted = 0, total = 0;
  macro = weighted = ClassScores{};
  for (size_t k = 0; k < per_class.size(); ++k) {
    const auto& s = per_class[k];
    total += s.support;
    weighted.precision += s.precision * static_cast<double>(s.support);
    weighted.recall += s.recall * static_cast<double>(s.support);
    weighted.f1 += s.f1 * static_cast<double>(s.support);
    if (!counted[k]) continue;
    ++n_counted;
    macro.precision += s.precision;
    macro.recall += s.recall;
    macro.f1 += s.f1;
  }
  if (n_counted > 0) {
    macro.precision /= static_cast<double>(n_counted);
    macro.recall /= static_cast<double>(n_counted);
    macro.f1 /= static_cast<double>(n_counted);
  }
  if (total > 0) {
    weighted.precision /= static_cast<double>(total);
    weighted.recall /= static_cast<double>(total);
    weighted.f1 /= static_cast<double>(total);
  }
  macro.support = weighted.support = total;
}

}  // namespace

std::string format_metric(const MaybeMetric& value, int digits) {
  if (!value) return "undefined";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, *value);
  return buf;
}

ClassScores class_scores(int64_t tp, int64_t fp, int64_t fn) {
  ClassScores s;
  s.precision = tp + fp == 0 ? 0.0 : static_cast<double>(tp) / static_cast<double>(tp + fp);
  s.recall = tp + fn == 0 ? 0.0 : static_cast<double>(tp) / static_cast<double>(tp + fn);
  s.f1 = s.precision + s.recall == 0.0 ? 0.0 : 2.0 * s.precision * s.recall / (s.precision + s.recall);
  s.support = tp + fn;
  return s;
}

MaybeMetric binary_roc_auc(const std::vector<double>& scores, const std::vector<int64_t>& labels) {
  const double auc = roc_auc(scores, labels);
  if (std::isnan(auc)) return std::nullopt;
  return auc;
}

torch::Tensor predicted_classes(const torch::Tensor& probs) { return probability_matrix(probs).argmax(1); }

torch::Tensor confusion_matrix(const torch::Tensor& labels, const torch::Tensor& predicted, int64_t classes) {
  check(classes >= 1, "metrics: confusion matrix needs at least one class");
  check(labels.dim() == 1 && predicted.dim() == 1 && labels.size(0) == predicted.size(0),
        "metrics: labels and predictions must be vectors of the same length");
  auto y = label_vector(labels, labels.size(0), classes);
  auto p = label_vector(predicted, predicted.size(0), classes);
  return torch::bincount(y * classes + p, {}, classes * classes).view({classes, classes}).to(torch::kInt64);
}

torch::Tensor normalise_rows(const torch::Tensor& confusion) {
  auto c = confusion.to(torch::kFloat64);
  return c / c.sum(1, true).clamp_min(1.0);
}

AucScores roc_auc_one_vs_rest(const torch::Tensor& probs, const torch::Tensor& labels) {
  auto p = probability_matrix(probs);
  const int64_t n = p.size(0), classes = p.size(1);
  auto y = label_vector(labels, n, classes);
  std::vector<MaybeMetric> per_class;
  for (int64_t k = 0; k < classes; ++k)
    per_class.push_back(binary_roc_auc(column(p, k), indicator(y.data_ptr<int64_t>(), n, k)));
  return mean_of(std::move(per_class));
}

AucScores roc_auc_multilabel(const torch::Tensor& scores, const torch::Tensor& targets) {
  check(scores.dim() == 2 && targets.dim() == 2 && scores.sizes() == targets.sizes(),
        "metrics: multi-label scores and targets must both be (N, L) of the same shape");
  check(scores.size(0) > 0 && scores.size(1) > 0, "metrics: no examples or no labels");
  auto s = scores.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  auto t = targets.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  check(torch::isfinite(s).all().item<bool>(), "metrics: a score is not finite");
  check(((t == 0) | (t == 1)).all().item<bool>(), "metrics: multi-label targets must be 0 or 1");
  std::vector<MaybeMetric> per_label;
  for (int64_t l = 0; l < s.size(1); ++l) {
    auto target = t.select(1, l).to(torch::kInt64).contiguous();
    per_label.push_back(binary_roc_auc(
        column(s, l), std::vector<int64_t>(target.data_ptr<int64_t>(), target.data_ptr<int64_t>() + target.numel())));
  }
  return mean_of(std::move(per_label));
}

double log_loss(const torch::Tensor& probs, const torch::Tensor& labels) {
  auto p = probability_matrix(probs).clamp(kLogLossEps, 1.0 - kLogLossEps);
  p = p / p.sum(1, true);
  auto y = label_vector(labels, p.size(0), p.size(1));
  return -p.gather(1, y.unsqueeze(1)).log().mean().item<double>();
}

ClassifierReport classifier_report(const torch::Tensor& probs, const torch::Tensor& labels) {
  auto p = probability_matrix(probs);
  const int64_t n = p.size(0), classes = p.size(1);
  auto y = label_vector(labels, n, classes);
  auto predicted = p.argmax(1);

  ClassifierReport r;
  r.examples = n;
  r.accuracy = (predicted == y).sum().item<double>() / static_cast<double>(n);
  r.confusion = confusion_matrix(y, predicted, classes);
  r.confusion_normalised = normalise_rows(r.confusion);
  auto c = r.confusion.accessor<int64_t, 2>();
  std::vector<bool> present(static_cast<size_t>(classes), false);
  for (int64_t k = 0; k < classes; ++k) {
    int64_t row = 0, col = 0;
    for (int64_t j = 0; j < classes; ++j) row += c[k][j], col += c[j][k];
    r.per_class.push_back(class_scores(c[k][k], col - c[k][k], row - c[k][k]));
    present[static_cast<size_t>(k)] = row > 0 || col > 0;
  }
  averages(r.per_class, present, r.macro, r.weighted);
  r.roc_auc = roc_auc_one_vs_rest(p, y);
  if (classes == 2) {
    const auto scores = column(p, 1);
    const auto positives = indicator(y.data_ptr<int64_t>(), n, 1);
    const double ap = average_precision(scores, positives);
    if (!std::isnan(ap)) r.average_precision = ap;
    // detection_curve's rates are NaN without positives or negatives: no curve then.
    if (r.roc_auc.mean) r.pr_curve = detection_curve(scores, positives);
  }
  r.log_loss = log_loss(p, y);
  return r;
}

namespace {

// classification_report's table: a column of names right-aligned to the longest (at least "weighted
// avg"), then precision, recall, F1 (two decimals) and support.
class ReportTable {
 public:
  explicit ReportTable(const std::vector<std::string>& names) {
    for (const auto& name : names) width_ = std::max(width_, static_cast<int>(name.size()));
    std::snprintf(buf_, sizeof buf_, "%*s %9s %9s %9s %9s\n\n", width_, "", "precision", "recall", "f1-score",
                  "support");
    out_ = buf_;
  }
  void row(const std::string& name, const ClassScores& s) {
    std::snprintf(buf_, sizeof buf_, "%*s %9.2f %9.2f %9.2f %9lld\n", width_, name.c_str(), s.precision, s.recall, s.f1,
                  static_cast<long long>(s.support));
    out_ += buf_;
  }
  // The per-class (or per-label) rows, named by `names` or by number when it is empty.
  void rows(const std::vector<ClassScores>& scores, const std::vector<std::string>& names) {
    for (size_t k = 0; k < scores.size(); ++k) row(names.empty() ? std::to_string(k) : names[k], scores[k]);
  }
  // A row with only an F1-column value and the support (classification_report's accuracy line).
  void value_row(const char* name, double value, int64_t support) {
    std::snprintf(buf_, sizeof buf_, "%*s %9s %9s %9.2f %9lld\n", width_, name, "", "", value,
                  static_cast<long long>(support));
    out_ += buf_;
  }
  void text(const std::string& t) { out_ += t; }
  const std::string& str() const { return out_; }

 private:
  int width_ = 12;  // "weighted avg"
  char buf_[512];
  std::string out_;
};

}  // namespace

std::string format_report(const ClassifierReport& report, const std::vector<std::string>& class_names) {
  const size_t classes = report.per_class.size();
  check(class_names.empty() || class_names.size() == classes,
        "metrics: " + std::to_string(class_names.size()) + " class names for " + std::to_string(classes) + " classes");
  ReportTable t(class_names);
  t.rows(report.per_class, class_names);
  t.text("\n");
  t.value_row("accuracy", report.accuracy, report.examples);
  t.row("macro avg", report.macro);
  t.row("weighted avg", report.weighted);
  t.text("\nROC-AUC" + std::string(classes == 2 ? "" : " (one-vs-rest, macro)") + ": " +
         format_metric(report.roc_auc.mean) + "\n");
  if (classes == 2) t.text("average precision: " + format_metric(report.average_precision) + "\n");
  t.text("log-loss: " + format_metric(report.log_loss) + "\n");
  return t.str();
}

std::string format_multilabel_report(const MultiLabelReport& report, const std::vector<std::string>& label_names) {
  const size_t labels = report.per_label.size();
  check(label_names.empty() || label_names.size() == labels,
        "metrics: " + std::to_string(label_names.size()) + " label names for " + std::to_string(labels) + " labels");
  ReportTable t(label_names);
  t.rows(report.per_label, label_names);
  t.text("\n");
  t.row("macro avg", report.macro);
  t.row("weighted avg", report.weighted);
  t.text("\nexamples: " + std::to_string(report.examples) + " (support: each label's positives)\n");
  t.text("subset accuracy (every label right): " + format_metric(report.subset_accuracy) + "\n");
  t.text("label accuracy (mean over labels): " + format_metric(report.label_accuracy) + "\n");
  t.text("ROC-AUC (mean per label): " + format_metric(report.roc_auc.mean) + "\n");
  t.text("log-loss (mean per label): " + format_metric(report.log_loss) + "\n");
  return t.str();
}

MultiLabelReport multilabel_report(const torch::Tensor& scores, const torch::Tensor& targets, double threshold) {
  MultiLabelReport r;
  r.roc_auc = roc_auc_multilabel(scores, targets);  // checks the shapes and values
  auto predicted = scores.detach().to(torch::kCPU, torch::kFloat64) >= threshold;
  auto truth = targets.detach().to(torch::kCPU, torch::kFloat64) == 1;
  r.examples = scores.size(0);
  r.subset_accuracy = (predicted == truth).all(1).sum().item<double>() / static_cast<double>(r.examples);
  auto tp = (predicted & truth).sum(0), fp = (predicted & ~truth).sum(0), fn = (~predicted & truth).sum(0);
  for (int64_t l = 0; l < scores.size(1); ++l)
    r.per_label.push_back(class_scores(tp[l].item<int64_t>(), fp[l].item<int64_t>(), fn[l].item<int64_t>()));
  // The averages' support is the number of positive labels, as scikit-learn's.
  averages(r.per_label, std::vector<bool>(r.per_label.size(), true), r.macro, r.weighted);
  r.label_accuracy = (predicted == truth).to(torch::kFloat64).mean().item<double>();
  auto p = scores.detach().to(torch::kCPU, torch::kFloat64).clamp(kLogLossEps, 1.0 - kLogLossEps);
  auto t = targets.detach().to(torch::kCPU, torch::kFloat64);
  r.log_loss = -(t * p.log() + (1.0 - t) * (1.0 - p).log()).mean().item<double>();
  return r;
}

std::vector<Mistake> most_confident_mistakes(const torch::Tensor& probs, const torch::Tensor& labels, int64_t k) {
  check(k >= 0, "metrics: k must be >= 0");
  auto p = probability_matrix(probs);
  auto y = label_vector(labels, p.size(0), p.size(1));
  auto predicted = p.argmax(1);
  auto top = p.gather(1, predicted.unsqueeze(1)).squeeze(1).contiguous();
  std::vector<Mistake> mistakes;
  auto yl = y.accessor<int64_t, 1>();
  auto pl = predicted.accessor<int64_t, 1>();
  auto tl = top.accessor<double, 1>();
  for (int64_t i = 0; i < p.size(0); ++i)
    if (pl[i] != yl[i]) mistakes.push_back({i, yl[i], pl[i], tl[i]});
  std::stable_sort(mistakes.begin(), mistakes.end(),
                   [](const Mistake& a, const Mistake& b) { return a.probability > b.probability; });
  if (static_cast<int64_t>(mistakes.size()) > k) mistakes.resize(static_cast<size_t>(k));
  return mistakes;
}

}  // namespace latent
