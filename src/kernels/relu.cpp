// ReLU on the calling thread for small tensors (see kernels/relu.h).
#include "latent/kernels/relu.h"

#include "latent/core/system.h"

namespace latent {

namespace {

// relu with LibTorch's own forward and backward (threshold_backward on the result, as autograd's
// formula), each run on the calling thread when the tensor is under kSerialOpElements.
class ReluFunction : public torch::autograd::Function<ReluFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x) {
    SerialScope serial(x);
    auto y = torch::relu(x);
    ctx->save_for_backward({y});
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto y = ctx->get_saved_variables()[0];
    SerialScope serial(y);
    return {torch::threshold_backward(grads[0], y, 0)};
  }
};

}  // namespace

torch::Tensor serial_relu(const torch::Tensor& x) {
  if (torch::GradMode::is_enabled() && x.requires_grad()) return ReluFunction::apply(x);
  SerialScope serial(x);
  return torch::relu(x);
}

}  // namespace latent
