// The training loop.
#include "latent/training/trainer.h"

#include <chrono>
#include <cmath>

#include "latent/core/error.h"

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

}  // namespace

History fit(torch::nn::Module& model, torch::optim::Optimizer& optimizer, const TensorDataset& train,
            const BatchLossFn& batch_loss, const ValidationFn& validate, const FitOptions& options, Progress& progress) {
  check(options.batch_size > 0, "training.batch_size: must be positive");
  const int64_t n = train.size();
  check(n > 0, "training: no training examples");
  const int64_t batches = (n + options.batch_size - 1) / options.batch_size;
  History history;
  EarlyStopping stopper(options.early_stopping_patience);
  for (int64_t epoch = 1; epoch <= options.epochs; ++epoch) {
    model.train();
    progress.begin_epoch(options.label, epoch, options.epochs, batches);
    const auto start = std::chrono::steady_clock::now();
    torch::Tensor order = options.shuffle ? torch::randperm(n, torch::kInt64) : torch::arange(n, torch::kInt64);
    order = order.to(train.x.device());
    torch::Tensor loss_sum = torch::zeros({}, train.x.options().dtype(torch::kFloat64));
    int64_t seen = 0;
    for (int64_t b = 0; b < batches; ++b) {
      const int64_t begin = b * options.batch_size;
      const int64_t end = std::min(n, begin + options.batch_size);
      TensorDataset batch = train.select(order.slice(0, begin, end));
      clear_grads(optimizer, options.grads_to_none);
      torch::Tensor loss = batch_loss(batch);
      loss.backward();
      optimizer.step();
      loss_sum.add_(loss.detach(), static_cast<double>(end - begin));
      seen = end;
      if (progress.wants_batches()) progress.batch(b + 1, loss_sum.item<double>() / static_cast<double>(seen), seen);
    }
    EpochRecord record;
    record.epoch = epoch;
    record.train_loss = loss_sum.item<double>() / static_cast<double>(seen);
    record.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    record.lr = optimizer.param_groups().at(0).options().get_lr();
    if (!std::isfinite(record.train_loss))
      throw Error(options.label + ": training loss became " + std::to_string(record.train_loss) + " in epoch " +
                  std::to_string(epoch) + " (try a lower training.lr)");
    record.val_loss = validate ? validate() : std::nan("");
    progress.end_epoch(record, seen);
    history.push_back(record);
    if (options.schedule) {
      const bool use_val = options.schedule_on_val && !std::isnan(record.val_loss);
      set_learning_rate(optimizer, options.schedule->step(epoch, use_val ? record.val_loss : record.train_loss));
    }
    if (options.early_stopping_patience > 0 && stopper.update(record.val_loss) && epoch < options.epochs) {
      progress.message(options.label + ": early stop after epoch " + std::to_string(epoch) + " (best val_loss " +
                       std::to_string(stopper.best()) + " in epoch " + std::to_string(stopper.best_epoch()) + ")");
      break;
    }
  }
  return history;
}

}  // namespace latent
