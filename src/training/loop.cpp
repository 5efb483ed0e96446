// The training loop (see loop.h).
#include "latent/training/loop.h"

#include <chrono>
#include <cmath>

#include "latent/core/error.h"
#include "latent/core/interrupt.h"
#include "latent/training/schedule.h"
#include "latent/training/train_state.h"

namespace latent {

void StepStats::mean(const std::string& name, const torch::Tensor& value, double weight) {
  entries_.push_back({name, value.detach(), weight, weight});
}

void StepStats::ratio(const std::string& name, const torch::Tensor& numerator, double denominator) {
  entries_.push_back({name, numerator.detach(), 1.0, denominator});
}

StepStats::Entry* StepStats::find(const std::string& name) {
  for (auto& e : entries_)
    if (e.name == name) return &e;
  return nullptr;
}

double history_value(const EpochRecord& r, const std::string& column) {
  if (column == "train_loss") return r.train_loss;
  if (column == "val_loss") return r.val_loss;
  if (column == "lr") return r.lr;
  if (column == "seconds") return r.seconds;
  for (const auto& [name, value] : r.extra)
    if (name == column) return value;
  return std::nan("");
}

namespace {

// "nan", "inf", "-inf" on every platform (printf may write "-nan"), else as std::to_string.
std::string number_text(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return std::to_string(v);
}

std::string last_good(const LoopOptions& options, int64_t saved_epoch) {
  if (options.state_path.empty()) return "";
  if (saved_epoch == 0) return "; no checkpoint was written before it";
  return "; the last good checkpoint (after epoch " + std::to_string(saved_epoch) + ") is kept in " +
         options.state_path.string();
}

// The monitored column of a record: a val_ column falls back to its train_ one when the run has no
// validation set or the value is missing.
double monitored(const EpochRecord& r, const LoopOptions& options) {
  const std::string& column = options.training.monitor;
  double v = options.has_validation ? history_value(r, column) : std::nan("");
  if (std::isnan(v) && column.rfind("val_", 0) == 0) v = history_value(r, "train_" + column.substr(4));
  if (std::isnan(v) && column.rfind("val_", 0) != 0) v = history_value(r, column);
  return v;
}

bool better(double value, double best, bool higher) {
  if (std::isnan(value)) return false;
  if (std::isnan(best)) return true;
  return higher ? value > best : value < best;
}

// The epoch's running sums, in the order the step first named them.
class EpochSums {
 public:
  EpochSums(const torch::Device& device, std::vector<StatSum> sums) : device_(device), sums_(std::move(sums)) {}

  void add(const StepStats& stats) {
    for (const auto& e : stats.entries()) {
      StatSum& s = slot(e.name);
      s.sum.add_(e.value, e.alpha);
      s.count += e.denominator;
    }
  }
  double value(const std::string& name) const {
    for (const auto& s : sums_)
      if (s.name == name) return s.count > 0 ? s.sum.item<double>() / s.count : std::nan("");
    return std::nan("");
  }
  const std::vector<StatSum>& sums() const { return sums_; }

 private:
  StatSum& slot(const std::string& name) {
    for (auto& s : sums_)
      if (s.name == name) return s;
    sums_.push_back({name, torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(device_)), 0.0});
    return sums_.back();
  }
  torch::Device device_;
  std::vector<StatSum> sums_;
};

void set_lrs_from_schedules(TrainSession& session, int64_t epoch, double value) {
  for (const auto& [name, schedule] : session.schedules())
    set_learning_rate(session.optimizer(name), schedule->step(epoch, value));
}

}  // namespace

History train_loop(TrainSession& session, const DataSource& train, const StepFn& step, const EvalFn& evaluate,
                   const LoopOptions& options, Progress& progress) {
  const TrainingSpec& t = options.training;
  check(t.batch_size > 0, "training.batch_size: must be positive");
  check(t.checkpoint_every > 0, "training.checkpoint_every: must be positive");
  check(!session.optimizers().empty(), options.label + ": the session has no optimizer");
  const int64_t n = train.size();
  check(n > 0, "training: no training examples");
  const int64_t batches = (n + t.batch_size - 1) / t.batch_size;
  const bool checkpoints = !options.state_path.empty();
  const bool higher = options.monitor_higher_is_better;
  const bool keep_best = t.keep == "best";
  const bool prefetch = options.prefetch == LoopOptions::Prefetch::kOn ||
                        (options.prefetch == LoopOptions::Prefetch::kAuto && train.prefers_prefetch());
  session.set_clip_norm(t.clip_norm);

  LoopState state;
  EarlyStopping stopper(t.early_stopping_patience, higher);
  bool stopped = false;
  int64_t saved_epoch = 0;  // the epoch after which the current state file was written
  if (options.resume && checkpoints && std::filesystem::exists(options.state_path)) {
    state = load_train_state(options.state_path, session);
    saved_epoch = static_cast<int64_t>(state.history.size());
    // The schedules and early stopping are functions of the finished epochs: replay them.
    for (const auto& r : state.history) {
      set_lrs_from_schedules(session, r.epoch, monitored(r, options));
      stopped = t.early_stopping_patience > 0 && stopper.update(monitored(r, options));
    }
    progress.message(options.label + ": resuming from " + options.state_path.string() + " at epoch " +
                     std::to_string(state.epoch) +
                     (state.next_batch > 0 ? ", batch " + std::to_string(state.next_batch + 1) : ""));
  }
  History& history = state.history;
  auto finish = [&]() -> History {
    if (keep_best && state.best_epoch > 0 && state.best_epoch != (history.empty() ? 0 : history.back().epoch)) {
      restore_weights(session, state.best_weights);
      progress.message(options.label + ": keeping the weights of epoch " + std::to_string(state.best_epoch) +
                       " (best " + t.monitor + " " + number_text(state.best_value) + ")");
    }
    return history;
  };
  if (stopped) return finish();

  bool warned_stalled = false;
  for (int64_t epoch = state.epoch; epoch <= t.epochs; ++epoch) {
    session.set_training(true);
    progress.begin_epoch(options.label, epoch, t.epochs, batches);
    const bool continuing = epoch == state.epoch && state.next_batch > 0;
    const auto start = std::chrono::steady_clock::now();
    const double seconds_before = continuing ? state.seconds : 0.0;
    torch::Tensor order = continuing ? state.order
                                     : train.arrange(options.shuffle ? torch::randperm(n, torch::kInt64)
                                                                     : torch::arange(n, torch::kInt64),
                                                     t.batch_size);
    check(order.numel() == n, options.state_path.string() + ": the saved example order has " +
                                  std::to_string(order.numel()) + " examples, the training set " + std::to_string(n));
    order = order.to(session.device());
    EpochSums sums(session.device(), continuing ? state.sums : std::vector<StatSum>{});
    int64_t seen = continuing ? state.seen : 0;
    const int64_t first = continuing ? state.next_batch : 0;
    Prefetcher batches_of_epoch(train, batch_slices(order, t.batch_size), static_cast<size_t>(first), prefetch);
    for (int64_t b = first; b < batches; ++b) {
      const Batch batch = batches_of_epoch.get(static_cast<size_t>(b));
      session.set_position(epoch, b, batches);
      StepStats stats = step(batch, session);
      check(stats.find("loss") != nullptr, options.label + ": the study's step returned no \"loss\"");
      for (const auto& observer : options.observers) observer->after_batch(session, stats);
      sums.add(stats);
      seen += batch.size();
      if (progress.wants_batches()) progress.batch(b + 1, sums.value("loss"), seen);
      if (const int sig = interrupt_signal()) {
        const double loss = sums.value("loss");
        std::string where = options.label + ": interrupted by " + signal_name(sig) + " in epoch " +
                            std::to_string(epoch) + " after batch " + std::to_string(b + 1) + "/" +
                            std::to_string(batches);
        if (checkpoints && std::isfinite(loss)) {
          LoopState now;
          now.history = history;
          now.epoch = epoch;
          now.next_batch = b + 1;
          now.order = order;
          now.sums = sums.sums();
          now.seen = seen;
          now.seconds =
              seconds_before + std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
          now.best_epoch = state.best_epoch;
          now.best_value = state.best_value;
          now.best_weights = state.best_weights;
          save_train_state(options.state_path, session, options.state_meta, now);
          where += "; training state saved in " + options.state_path.string();
        }
        throw Interrupted(sig, where);
      }
    }
    EpochRecord record;
    record.epoch = epoch;
    record.train_loss = sums.value("loss");
    record.seconds = seconds_before + std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    record.lr = session.optimizers().front().second->param_groups().at(0).options().get_lr();
    if (!std::isfinite(record.train_loss))
      throw Error(options.label + ": training loss became " + number_text(record.train_loss) + " in epoch " +
                  std::to_string(epoch) + " (try a lower training.lr)" + last_good(options, saved_epoch));
    for (const auto& s : sums.sums())
      if (s.name != "loss") record.extra.emplace_back("train_" + s.name, sums.value(s.name));
    record.val_loss = std::nan("");
    if (evaluate) {
      session.set_training(false);
      for (const auto& [name, value] : evaluate(session)) {
        if (name == "loss")
          record.val_loss = value;
        else
          record.extra.emplace_back("val_" + name, value);
      }
    }
    for (size_t i = 1; i < session.optimizers().size(); ++i) {
      const auto& [name, opt] = session.optimizers()[i];
      record.extra.emplace_back("lr_" + name, opt->param_groups().at(0).options().get_lr());
    }
    progress.end_epoch(record, seen);
    history.push_back(record);
    if (const int64_t since = stalled_since(history); since > 0 && !warned_stalled) {
      warned_stalled = true;
      progress.message(
          options.label + ": warning: the loss has not changed since epoch " + std::to_string(since) + " (train " +
          std::to_string(record.train_loss) +
          "): the model has stopped learning (a dead or saturated output, or a learning rate too small to move " +
          "it?); try another seed or training.lr");
    }
    const double watched = monitored(record, options);
    set_lrs_from_schedules(session, epoch, watched);
    if (keep_best && better(watched, state.best_value, higher)) {
      state.best_epoch = epoch;
      state.best_value = watched;
      state.best_weights = snapshot_weights(session);
    }
    stopped = t.early_stopping_patience > 0 && stopper.update(watched) && epoch < t.epochs;
    if (checkpoints && (epoch % t.checkpoint_every == 0 || epoch == t.epochs || stopped)) {
      LoopState next;
      next.history = history;
      next.epoch = epoch + 1;
      next.best_epoch = state.best_epoch;
      next.best_value = state.best_value;
      next.best_weights = state.best_weights;
      save_train_state(options.state_path, session, options.state_meta, next);
      saved_epoch = epoch;
    }
    if (stopped) {
      progress.message(options.label + ": early stop after epoch " + std::to_string(epoch) + " (best " + t.monitor +
                       " " + std::to_string(stopper.best()) + " in epoch " + std::to_string(stopper.best_epoch()) +
                       ")");
      break;
    }
  }
  return finish();
}

}  // namespace latent
