// The state of an unfinished training run, saved so that it can continue exactly where it
// stopped: model weights, optimizer state (e.g. Adam's moments), LibTorch's default CPU
// random generator, the finished epochs' history and the position inside the current epoch
// (its example order, next batch, loss so far). One atomic file, train_state.pt, per variant.
#pragma once

#include <torch/torch.h>

#include <filesystem>

#include "latent/training/checkpoint.h"
#include "latent/training/history.h"

namespace latent {

constexpr const char* kTrainStateFile = "train_state.pt";

struct TrainState {
  History history;          // finished epochs
  int64_t epoch = 1;        // the epoch to run or in progress (history.size() + 1)
  int64_t next_batch = 0;   // first batch of `epoch` still to run; 0: the epoch has not begun
  torch::Tensor order;      // the epoch's example order (when next_batch > 0)
  double loss_sum = 0;      // sum over the epoch's finished batches of loss x batch size
  int64_t seen = 0;         // examples in those batches
  double seconds = 0;       // training time of those batches
  TensorMap study_state;    // FitOptions::save_extra_state's tensors
};

// Saves weights, optimizer state, the default CPU generator's state and `state`. The file
// is replaced atomically: a crash while writing leaves the previous one.
void save_train_state(const std::filesystem::path& path, torch::nn::Module& model, const torch::optim::Optimizer& optimizer,
                      const CheckpointMeta& meta, const TrainState& state);

// Loads weights and optimizer state into `model` and `optimizer`, restores the default CPU
// generator and returns the position. Errors name the file and what does not fit.
TrainState load_train_state(const std::filesystem::path& path, torch::nn::Module& model, torch::optim::Optimizer& optimizer);

}  // namespace latent
