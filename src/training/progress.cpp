// Terminal progress bar and plain-line progress.
#include "latent/training/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace latent {

namespace {

using Clock = std::chrono::steady_clock;

std::string rate(double per_s) {
  char buf[32];
  if (per_s >= 1e6)
    std::snprintf(buf, sizeof(buf), "%.2fM/s", per_s / 1e6);
  else if (per_s >= 1e3)
    std::snprintf(buf, sizeof(buf), "%.1fk/s", per_s / 1e3);
  else
    std::snprintf(buf, sizeof(buf), "%.0f/s", per_s);
  return buf;
}

std::string duration(double s) {
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof(buf), "%dh%02dm", static_cast<int>(s / 3600), static_cast<int>(std::fmod(s, 3600) / 60));
  else if (s >= 60)
    std::snprintf(buf, sizeof(buf), "%dm%02ds", static_cast<int>(s / 60), static_cast<int>(std::fmod(s, 60)));
  else
    std::snprintf(buf, sizeof(buf), "%.1fs", s);
  return buf;
}

class BarProgress : public Progress {
 public:
  void begin_epoch(const std::string& label, int64_t epoch, int64_t epochs, int64_t batches) override {
    label_ = label;
    epoch_ = epoch;
    epochs_ = epochs;
    batches_ = batches;
    start_ = Clock::now();
    last_draw_ = start_ - std::chrono::seconds(1);
  }
  void batch(int64_t done, double mean_loss, int64_t examples) override {
    auto now = Clock::now();
    if (done != batches_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double eta = done > 0 ? elapsed / static_cast<double>(done) * static_cast<double>(batches_ - done) : 0.0;
    constexpr int kWidth = 24;
    const int filled = batches_ > 0 ? static_cast<int>(kWidth * done / batches_) : kWidth;
    std::string bar(static_cast<size_t>(filled), '#');
    bar += std::string(static_cast<size_t>(kWidth - filled), '-');
    std::fprintf(stderr, "\r\033[K%s epoch %lld/%lld [%s] %lld/%lld loss %.4f %s ETA %s", label_.c_str(),
                 static_cast<long long>(epoch_), static_cast<long long>(epochs_), bar.c_str(),
                 static_cast<long long>(done), static_cast<long long>(batches_), mean_loss,
                 rate(elapsed > 0 ? examples / elapsed : 0).c_str(), duration(eta).c_str());
    std::fflush(stderr);
  }
  void end_epoch(const EpochRecord& r, int64_t examples) override {
    std::fprintf(stderr, "\r\033[K");
    print_epoch_line(label_, r, epochs_, examples);
  }
  void message(const std::string& line) override { std::fprintf(stderr, "\r\033[K%s\n", line.c_str()); }
  bool wants_batches() const override { return true; }

  static void print_epoch_line(const std::string& label, const EpochRecord& r, int64_t epochs, int64_t examples) {
    std::string val = std::isnan(r.val_loss) ? "" : " val_loss " + std::to_string(r.val_loss);
    std::fprintf(stderr, "%s epoch %lld/%lld train_loss %.6f%s lr %.3g %.1fs %s\n", label.c_str(),
                 static_cast<long long>(r.epoch), static_cast<long long>(epochs), r.train_loss, val.c_str(), r.lr,
                 r.seconds, rate(r.seconds > 0 ? examples / r.seconds : 0).c_str());
    std::fflush(stderr);
  }

 private:
  std::string label_;
  int64_t epoch_ = 0, epochs_ = 0, batches_ = 0;
  Clock::time_point start_, last_draw_;
};

class LineProgress : public Progress {
 public:
  void begin_epoch(const std::string& label, int64_t, int64_t epochs, int64_t) override {
    label_ = label;
    epochs_ = epochs;
  }
  void batch(int64_t, double, int64_t) override {}
  void end_epoch(const EpochRecord& r, int64_t examples) override {
    BarProgress::print_epoch_line(label_, r, epochs_, examples);
  }
  void message(const std::string& line) override {
    std::fprintf(stderr, "%s\n", line.c_str());
    std::fflush(stderr);
  }
  bool wants_batches() const override { return false; }

 private:
  std::string label_;
  int64_t epochs_ = 0;
};

class QuietProgress : public Progress {
 public:
  void begin_epoch(const std::string&, int64_t, int64_t, int64_t) override {}
  void batch(int64_t, double, int64_t) override {}
  void end_epoch(const EpochRecord&, int64_t) override {}
  void message(const std::string&) override {}
  bool wants_batches() const override { return false; }
};

}  // namespace

std::unique_ptr<Progress> make_progress(ProgressStyle style) {
  if (style == ProgressStyle::kAuto) style = isatty(fileno(stderr)) ? ProgressStyle::kBar : ProgressStyle::kLines;
  switch (style) {
    case ProgressStyle::kBar:
      return std::make_unique<BarProgress>();
    case ProgressStyle::kQuiet:
      return std::make_unique<QuietProgress>();
    default:
      return std::make_unique<LineProgress>();
  }
}

}  // namespace latent
