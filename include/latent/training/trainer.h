// The training loop shared by every study: shuffled batches cut from one contiguous tensor,
// zero_grad / backward / step, per-epoch validation, history and progress.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "latent/data/dataset.h"
#include "latent/training/checkpoint.h"
#include "latent/training/history.h"
#include "latent/training/progress.h"
#include "latent/training/schedule.h"

namespace latent {

struct FitOptions {
  int64_t epochs = 1;
  int64_t batch_size = 256;
  bool shuffle = true;
  std::string label = "train";  // shown in progress lines
  LrSchedule* schedule = nullptr;  // stepped after every epoch (optional)
  bool schedule_on_val = true;     // the schedule watches val_loss (else, or when it is NaN, train_loss)
  int64_t early_stopping_patience = 0;  // stop after this many epochs without a better val_loss (0: off)
  // Before each step, drop the gradients (true, as PyTorch 2's zero_grad(set_to_none=True))
  // or zero them in place (false). Same results; dropping skips two passes over them.
  bool grads_to_none = true;
  // Training-state checkpoints (train_state.h) at `state_path`, written atomically after every
  // `checkpoint_every` epochs, after the last epoch, and when SIGINT/SIGTERM interrupts the run
  // under an InterruptGuard (then fit() throws Interrupted). A non-finite loss never
  // overwrites the last good one. Empty: no checkpoints.
  std::filesystem::path state_path;
  int64_t checkpoint_every = 1;
  CheckpointMeta state_meta;  // stored in the checkpoint
  // Continue from state_path when it exists: the same epochs, batches and random draws as
  // an uninterrupted run.
  bool resume = false;
  // When set, fit() stores here the 0-based index, counted across epochs, of the batch whose
  // loss it is about to compute (e.g. for a KL warm-up), also after resuming.
  int64_t* global_step = nullptr;
  // Extra history columns of an epoch, (name, value), read after its validation.
  std::function<std::vector<std::pair<std::string, double>>()> epoch_extras;
  // State of the study's own that must survive an interruption with the model's (its own
  // random generators, running sums inside an epoch): saved in every training-state checkpoint
  // and handed back when resuming.
  std::function<TensorMap()> save_extra_state;
  std::function<void(const TensorMap&)> load_extra_state;
};

// Mean loss of one batch, with its autograd graph.
using BatchLossFn = std::function<torch::Tensor(const TensorDataset& batch)>;
// Validation loss after an epoch (NaN when there is none). Runs in evaluation mode.
using ValidationFn = std::function<double()>;

// Trains `model` in place and returns one record per epoch (fewer than options.epochs when
// early stopping ends the run). Shuffling draws from LibTorch's default CPU generator, so a
// seeded run repeats exactly. A non-finite training loss stops the run with an Error.
History fit(torch::nn::Module& model, torch::optim::Optimizer& optimizer, const TensorDataset& train,
            const BatchLossFn& batch_loss, const ValidationFn& validate, const FitOptions& options, Progress& progress);

}  // namespace latent
