// The training loop every study kind runs: epochs of batches cut from a DataSource in a seeded
// order, the study's step on each, the study's evaluation after each epoch, and around them, in one
// place: progress, interruption and training-state checkpoints (exact resume), the stop on a
// non-finite loss, learning-rate schedules, early stopping, gradient clipping and keeping the best
// weights, all watching one history column (training.monitor).
//
// What a step does is the study's: it gets a batch and the session, runs its forward and backward
// passes and its optimizer steps (TrainSession::minimize, once for a classifier, discriminator then
// generator for a GAN) and returns the numbers it wants averaged over the epoch ("loss" at least).
#pragma once

#include <torch/types.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "latent/data/batch.h"
#include "latent/training/checkpoint.h"
#include "latent/training/history.h"
#include "latent/training/progress.h"
#include "latent/training/session.h"
#include "latent/training/training_spec.h"

namespace latent {

// The named numbers of one step. Each is an epoch total Σ numerator / Σ denominator over the
// epoch's batches: mean() adds value x weight over weight (a batch's mean loss weighted by its
// size), ratio() adds a count over its total (agreeing pixels over pixels). Values may stay on the
// device: the loop adds them without reading them back.
class StepStats {
 public:
  void mean(const std::string& name, const torch::Tensor& value, double weight);
  void ratio(const std::string& name, const torch::Tensor& numerator, double denominator);

  struct Entry {
    std::string name;
    torch::Tensor value;  // detached, 0-dim
    double alpha = 1;     // the numerator is value x alpha
    double denominator = 1;
  };
  const std::vector<Entry>& entries() const { return entries_; }
  Entry* find(const std::string& name);

 private:
  std::vector<Entry> entries_;
};

// The study's step: forward, backward and optimizer steps on one batch (modules in training mode).
using StepFn = std::function<StepStats(const Batch& batch, TrainSession& session)>;
// The study's evaluation after an epoch (modules in evaluation mode): named numbers, "loss" first
// when it has one; the history gets them as val_<name>.
using EvalFn = std::function<std::vector<std::pair<std::string, double>>(TrainSession& session)>;

// Sees the loop from outside, for tests and tools: after every training batch's step (before the
// loop looks for an interruption), with the step's numbers, which it may change.
class LoopObserver {
 public:
  virtual ~LoopObserver() = default;
  virtual void after_batch(TrainSession& session, StepStats& stats) = 0;
};

struct LoopOptions {
  TrainingSpec training;        // epochs, batch size, early stopping, checkpoint_every, clip_norm, keep, monitor
  std::string label = "train";  // shown in progress lines and messages
  bool shuffle = true;          // a fresh permutation from LibTorch's default generator every epoch
  // Whether the evaluation is of a validation set (else e.g. of the test set, shown as val_loss):
  // without one, a val_ monitor watches its train_ column instead.
  bool has_validation = true;
  // The monitored column's direction (from the kind's results declaration).
  bool monitor_higher_is_better = false;
  // Training-state checkpoints at state_path (train_state.h), written atomically after every
  // checkpoint_every epochs, after the last epoch, and when SIGINT/SIGTERM interrupts the run under
  // an InterruptGuard (then the loop throws Interrupted). A non-finite loss never overwrites the
  // last good one. Empty: no checkpoints.
  std::filesystem::path state_path;
  CheckpointMeta state_meta;
  bool resume = false;  // continue from state_path when it exists, exactly
  // Gather the next batch on a background thread (default: when the source prefers it).
  enum class Prefetch { kAuto, kOn, kOff } prefetch = Prefetch::kAuto;
  std::vector<std::shared_ptr<LoopObserver>> observers;
};

// Trains the session's modules and returns one record per epoch (fewer than training.epochs when
// early stopping ends the run). With training.keep = "best" the modules end with the weights of
// the best epoch by training.monitor. A non-finite training loss stops the run with an Error.
History train_loop(TrainSession& session, const DataSource& train, const StepFn& step, const EvalFn& evaluate,
                   const LoopOptions& options, Progress& progress);

// The value of a history column ("train_loss", "val_loss", "lr", "seconds" or an extra column) of
// a record; NaN when absent.
double history_value(const EpochRecord& record, const std::string& column);

}  // namespace latent
