// The state of an unfinished training run, saved so that it continues exactly where it stopped:
// every module's weights, every optimizer's state (e.g. Adam's moments), LibTorch's default random
// generator and the session's own generators and state tensors, the finished epochs' history, the
// position inside the current epoch (its example order, next batch, running sums) and, with
// training.keep = "best", the best weights so far. One atomic file, train_state.pt, per variant.
#pragma once

#include <torch/types.h>

#include <filesystem>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "latent/training/checkpoint.h"
#include "latent/training/history.h"
#include "latent/training/session.h"

namespace latent {

constexpr const char* kTrainStateFile = "train_state.pt";

// One running sum of the epoch (StepStats: value = sum / count).
struct StatSum {
  std::string name;
  torch::Tensor sum;  // float64, 0-dim, on the session's device
  double count = 0;
};

struct LoopState {
  History history;            // finished epochs
  int64_t epoch = 1;          // the epoch to run or in progress (history.size() + 1)
  int64_t next_batch = 0;     // first batch of `epoch` still to run; 0: the epoch has not begun
  torch::Tensor order;        // the epoch's example order (when next_batch > 0)
  std::vector<StatSum> sums;  // the epoch's finished batches (when next_batch > 0)
  int64_t seen = 0;           // examples in those batches
  double seconds = 0;         // training time of those batches
  int64_t best_epoch = 0;     // keep = best: the best epoch so far (0: none yet) and its monitored value
  double best_value = std::numeric_limits<double>::quiet_NaN();
  std::vector<std::pair<std::string, torch::Tensor>> best_weights;  // "module/parameter" -> its value then
};

// Saves the session and `state`, replacing the file atomically: a crash while writing leaves the
// previous one.
void save_train_state(const std::filesystem::path& path, TrainSession& session, const CheckpointMeta& meta,
                      const LoopState& state);

// Loads weights, optimizer states, generators and state tensors into `session` (which must hold
// the same named modules, optimizers and generators) and returns the position. Errors name the
// file and what does not fit.
LoopState load_train_state(const std::filesystem::path& path, TrainSession& session);

// The finished epochs of a training state, without a session (what an interrupted run has done).
History read_train_state_history(const std::filesystem::path& path);

// The session's weights as "module/parameter" pairs (copies), and putting such copies back.
std::vector<std::pair<std::string, torch::Tensor>> snapshot_weights(TrainSession& session);
void restore_weights(TrainSession& session, const std::vector<std::pair<std::string, torch::Tensor>>& weights);

}  // namespace latent
