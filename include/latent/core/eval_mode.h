// RAII guard for evaluation: switches a module to eval() with autograd off and restores the
// previous training mode when it goes out of scope.
#pragma once

#include <torch/nn/module.h>
#include <torch/utils.h>

namespace latent {

class EvalMode {
 public:
  explicit EvalMode(torch::nn::Module& module) : module_(module), was_training_(module.is_training()) {
    module_.eval();
  }
  ~EvalMode() { module_.train(was_training_); }
  EvalMode(const EvalMode&) = delete;
  EvalMode& operator=(const EvalMode&) = delete;

 private:
  torch::nn::Module& module_;
  bool was_training_;
  torch::NoGradGuard no_grad_;
};

}  // namespace latent
