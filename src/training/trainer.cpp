// The training loop.
#include "latent/training/trainer.h"

#include <chrono>
#include <cmath>

#include "latent/core/error.h"
#include "latent/core/interrupt.h"
#include "latent/training/train_state.h"

namespace latent {

namespace {

// Drops the gradients (the next backward then writes them without a zeroing pass and an
// accumulation pass) or zeroes them in place.
void clear_grads(torch::optim::Optimizer& optimizer, bool to_none) {
  if (!to_none) {
    optimizer.zero_grad();
    return;
  }
  for (auto& group : optimizer.param_groups())
    for (auto& p : group.params()) p.mutable_grad().reset();
}

std::string last_good(const FitOptions& options, int64_t saved_epoch) {
  if (options.state_path.empty()) return "";
  if (saved_epoch == 0) return "; no checkpoint was written before it";
  return "; the last good checkpoint (after epoch " + std::to_string(saved_epoch) + ") is kept in " + options.state_path.string();
}

}  // namespace

History fit(torch::nn::Module& model, torch::optim::Optimizer& optimizer, const TensorDataset& train,
            const BatchLossFn& batch_loss, const ValidationFn& validate, const FitOptions& options, Progress& progress) {
  check(options.batch_size > 0, "training.batch_size: must be positive");
  check(options.checkpoint_every > 0, "training.checkpoint_every: must be positive");
  const int64_t n = train.size();
  check(n > 0, "training: no training examples");
  const int64_t batches = (n + options.batch_size - 1) / options.batch_size;
  const bool checkpoints = !options.state_path.empty();

  TrainState state;
  EarlyStopping stopper(options.early_stopping_patience);
  bool stopped = false;
  int64_t saved_epoch = 0;  // the epoch after which the current state file was written
  if (options.resume && checkpoints && std::filesystem::exists(options.state_path)) {
    state = load_train_state(options.state_path, model, optimizer);
    if (options.load_extra_state) options.load_extra_state(state.study_state);
    saved_epoch = static_cast<int64_t>(state.history.size());
    // The schedule and early stopping are functions of the finished epochs: replay them.
    for (const auto& r : state.history) {
      if (options.schedule) {
        const bool use_val = options.schedule_on_val && !std::isnan(r.val_loss);
        set_learning_rate(optimizer, options.schedule->step(r.epoch, use_val ? r.val_loss : r.train_loss));
      }
      stopped = options.early_stopping_patience > 0 && stopper.update(r.val_loss);
    }
    progress.message(options.label + ": resuming from " + options.state_path.string() + " at epoch " + std::to_string(state.epoch) +
                     (state.next_batch > 0 ? ", batch " + std::to_string(state.next_batch + 1) : ""));
  }
  History& history = state.history;
  if (stopped) return history;

  bool warned_stalled = false;
  for (int64_t epoch = state.epoch; epoch <= options.epochs; ++epoch) {
    model.train();
    progress.begin_epoch(options.label, epoch, options.epochs, batches);
    const bool continuing = epoch == state.epoch && state.next_batch > 0;
    const auto start = std::chrono::steady_clock::now();
    const double seconds_before = continuing ? state.seconds : 0.0;
    torch::Tensor order = continuing ? state.order
                                     : (options.shuffle ? torch::randperm(n, torch::kInt64) : torch::arange(n, torch::kInt64));
    check(order.numel() == n, options.state_path.string() + ": the saved example order has " + std::to_string(order.numel()) +
                                  " examples, the training set " + std::to_string(n));
    order = order.to(train.x.device());
    torch::Tensor loss_sum = torch::full({}, continuing ? state.loss_sum : 0.0, train.x.options().dtype(torch::kFloat64));
    int64_t seen = continuing ? state.seen : 0;
    for (int64_t b = continuing ? state.next_batch : 0; b < batches; ++b) {
      const int64_t begin = b * options.batch_size;
      const int64_t end = std::min(n, begin + options.batch_size);
      TensorDataset batch = train.select(order.slice(0, begin, end));
      clear_grads(optimizer, options.grads_to_none);
      if (options.global_step) *options.global_step = (epoch - 1) * batches + b;
      torch::Tensor loss = batch_loss(batch);
      if (training_batch_fault() == Fault::kNan) loss = loss * std::nan("");
      loss.backward();
      optimizer.step();
      loss_sum.add_(loss.detach(), static_cast<double>(end - begin));
      seen = end;
      if (progress.wants_batches()) progress.batch(b + 1, loss_sum.item<double>() / static_cast<double>(seen), seen);
      if (const int sig = interrupt_signal()) {
        const double sum = loss_sum.item<double>();
        std::string where = options.label + ": interrupted by " + signal_name(sig) + " in epoch " + std::to_string(epoch) +
                            " after batch " + std::to_string(b + 1) + "/" + std::to_string(batches);
        if (checkpoints && std::isfinite(sum)) {
          TrainState now;
          now.history = history;
          now.epoch = epoch;
          now.next_batch = b + 1;
          now.order = order;
          now.loss_sum = sum;
          now.seen = seen;
          now.seconds = seconds_before + std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
          if (options.save_extra_state) now.study_state = options.save_extra_state();
          save_train_state(options.state_path, model, optimizer, options.state_meta, now);
          where += "; training state saved in " + options.state_path.string();
        }
        throw Interrupted(sig, where);
      }
    }
    EpochRecord record;
    record.epoch = epoch;
    record.train_loss = loss_sum.item<double>() / static_cast<double>(seen);
    record.seconds = seconds_before + std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    record.lr = optimizer.param_groups().at(0).options().get_lr();
    if (!std::isfinite(record.train_loss))
      throw Error(options.label + ": training loss became " + std::to_string(record.train_loss) + " in epoch " + std::to_string(epoch) +
                  " (try a lower training.lr)" + last_good(options, saved_epoch));
    record.val_loss = validate ? validate() : std::nan("");
    if (options.epoch_extras) record.extra = options.epoch_extras();
    progress.end_epoch(record, seen);
    history.push_back(record);
    if (const int64_t since = stalled_since(history); since > 0 && !warned_stalled) {
      warned_stalled = true;
      progress.message(options.label + ": warning: the loss has not changed since epoch " + std::to_string(since) + " (train " +
                       std::to_string(record.train_loss) + "): the model has stopped learning (a dead or saturated output, or a learning rate too small to move " +
                       "it?); try another seed or training.lr");
    }
    if (options.schedule) {
      const bool use_val = options.schedule_on_val && !std::isnan(record.val_loss);
      set_learning_rate(optimizer, options.schedule->step(epoch, use_val ? record.val_loss : record.train_loss));
    }
    stopped = options.early_stopping_patience > 0 && stopper.update(record.val_loss) && epoch < options.epochs;
    if (checkpoints && (epoch % options.checkpoint_every == 0 || epoch == options.epochs || stopped)) {
      TrainState next;
      next.history = history;
      next.epoch = epoch + 1;
      if (options.save_extra_state) next.study_state = options.save_extra_state();
      save_train_state(options.state_path, model, optimizer, options.state_meta, next);
      saved_epoch = epoch;
    }
    if (stopped) {
      progress.message(options.label + ": early stop after epoch " + std::to_string(epoch) + " (best val_loss " +
                       std::to_string(stopper.best()) + " in epoch " + std::to_string(stopper.best_epoch()) + ")");
      break;
    }
  }
  return history;
}

}  // namespace latent
