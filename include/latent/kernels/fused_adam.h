// Adam with a fused update: one pass over (param, grad, exp_avg, exp_avg_sq) per parameter
// instead of eight tensor operations and two temporaries. Same options, state and
// serialization as torch::optim::Adam (it is one), and the same arithmetic up to rounding. Kernel
// `adam` under LATENT_KERNELS: kernels/substitute.h's make_adam chooses between it and
// torch::optim::Adam.
#pragma once

#include <torch/optim/adam.h>

namespace latent {

class FusedAdam : public torch::optim::Adam {
 public:
  using torch::optim::Adam::Adam;
  // Fused when every parameter with a gradient is a dense contiguous float32 CPU tensor and
  // amsgrad is off and no closure is given; otherwise torch::optim::Adam::step does the work.
  torch::Tensor step(LossClosure closure = nullptr) override;
};

}  // namespace latent
