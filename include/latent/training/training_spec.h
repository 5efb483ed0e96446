// The training loop's own keys (training.*, evaluation.batch_size): epochs, batches, optimizer,
// schedule, early stopping, gradient clipping, which model to keep, checkpoints. Every study kind
// has them; what a step computes (losses, noise, augmentation) is the kind's and declared there.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "latent/core/keys.h"

namespace latent {

struct TrainingSpec {
  int64_t epochs = 5;
  int64_t batch_size = 256;
  double lr = 1e-3;
  std::string optimizer = "adam";       // adam | sgd
  double momentum = 0.9;                // sgd only
  double weight_decay = 0.0;            // L2 penalty (added to the gradient, as torch.optim does)
  std::string schedule = "none";        // learning-rate schedule: none | step | multistep | cosine | plateau
  int64_t step_size = 10;               // step: epochs between decays
  std::vector<int64_t> milestones;      // multistep: epochs after which lr *= gamma (a repeated one counts twice)
  double gamma = 0.1;                   // step: decay factor
  int64_t plateau_patience = 2;         // plateau: epochs without improvement before a decay
  double plateau_factor = 0.1;          // plateau: decay factor
  double min_lr = 0.0;                  // plateau: floor on the learning rate; cosine: its end
  int64_t early_stopping_patience = 0;  // stop after this many epochs without a better monitored value (0: off)
  int64_t checkpoint_every = 1;         // epochs between training-state checkpoints (train_state.pt)
  double clip_norm = 0.0;     // clip each optimizer's gradients to this total L2 norm before its step (0: off)
  std::string keep = "last";  // the weights a run ends with: last (after the last epoch) | best (by `monitor`)
  std::string monitor =
      "val_loss";                  // the history column that early stopping, the plateau schedule and keep = best watch
  int64_t eval_batch_size = 1000;  // evaluation.batch_size

  // Reads the keys training_keys() declares.
  static TrainingSpec from_values(const KeyValues& values);
};

// The loop's keys with their defaults and checks.
const std::vector<KeyDef>& training_keys();

}  // namespace latent
