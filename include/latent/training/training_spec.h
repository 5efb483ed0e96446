// The [training] section of a spec: optimizer, schedule and objective settings.
#pragma once

#include <cstdint>
#include <string>

namespace latent {

struct TrainingSpec {
  int64_t epochs = 5;
  int64_t batch_size = 256;
  double lr = 1e-3;
  std::string optimizer = "adam";  // adam | sgd
  double momentum = 0.9;           // sgd only
  double weight_decay = 0.0;       // L2 penalty (added to the gradient, as torch.optim does)
  std::string loss = "bce";        // reconstruction loss: bce | mse | l1
  double noise_std = 0.0;          // denoising: std of zero-mean Gaussian noise added to inputs
  double noise_variance = 0.0;     // denoising: the noise as a variance (resolved into noise_std)
  bool augment_flip = false;       // augmentation: random left-right flips of training inputs
  double augment_rotate = 0.0;     // augmentation: random rotations in [-x, x] degrees (0: off)
  double l1_code = 0.0;            // sparse: weight of the L1 penalty on the code
  double beta = 1.0;               // VAE: weight of the KL term (beta-VAE when != 1)
  int64_t kl_warmup_epochs = 0;    // VAE: epochs over which the KL weight rises linearly to beta
  std::string schedule = "none";   // learning-rate schedule: none | step | plateau
  int64_t step_size = 10;          // step: epochs between decays
  double gamma = 0.1;              // step: decay factor
  int64_t plateau_patience = 2;    // plateau: epochs without improvement before a decay
  double plateau_factor = 0.1;     // plateau: decay factor
  double min_lr = 0.0;             // plateau: floor on the learning rate
  int64_t early_stopping_patience = 0;  // stop after this many epochs without a better validation loss (0: off)
  int64_t checkpoint_every = 1;    // epochs between training-state checkpoints (train_state.pt)
};

}  // namespace latent
