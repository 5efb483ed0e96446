// Training sessions: named modules, optimizers, schedules, generators and state.
#include "latent/training/session.h"

#include "latent/core/error.h"

namespace latent {

namespace {

template <class V>
auto find_named(V& list, const std::string& name) -> decltype(list.begin()) {
  return std::find_if(list.begin(), list.end(), [&](const auto& p) { return p.first == name; });
}

template <class V>
void check_new(const V& list, const std::string& name, const char* what) {
  check(!name.empty() && name.find('.') == std::string::npos && name.find('/') == std::string::npos,
        std::string("session: ") + what + " name '" + name + "' must be non-empty without '.' or '/'");
  check(std::none_of(list.begin(), list.end(), [&](const auto& p) { return p.first == name; }),
        std::string("session: two ") + what + "s named '" + name + "'");
}

}  // namespace

void TrainSession::add_module_ptr(const std::string& name, std::shared_ptr<torch::nn::Module> module) {
  check_new(modules_, name, "module");
  check(module != nullptr, "session: module '" + name + "' is null");
  modules_.emplace_back(name, std::move(module));
}

torch::nn::Module& TrainSession::module(const std::string& name) const {
  auto it = std::find_if(modules_.begin(), modules_.end(), [&](const auto& p) { return p.first == name; });
  check(it != modules_.end(), "session: no module '" + name + "'");
  return *it->second;
}

torch::optim::Optimizer& TrainSession::add_optimizer(const std::string& name,
                                                     std::unique_ptr<torch::optim::Optimizer> optimizer) {
  check_new(optimizers_, name, "optimizer");
  check(optimizer != nullptr, "session: optimizer '" + name + "' is null");
  optimizers_.emplace_back(name, std::move(optimizer));
  return *optimizers_.back().second;
}

torch::optim::Optimizer& TrainSession::optimizer(const std::string& name) const {
  auto it = std::find_if(optimizers_.begin(), optimizers_.end(), [&](const auto& p) { return p.first == name; });
  check(it != optimizers_.end(), "session: no optimizer '" + name + "'");
  return *it->second;
}

void TrainSession::add_schedule(const std::string& optimizer_name, std::unique_ptr<LrSchedule> schedule) {
  optimizer(optimizer_name);  // must exist
  check_new(schedules_, optimizer_name, "schedule");
  if (schedule) schedules_.emplace_back(optimizer_name, std::move(schedule));
}

at::Generator& TrainSession::add_generator(const std::string& name, uint64_t seed) {
  check_new(generators_, name, "generator");
  generators_.emplace_back(name, at::detail::createCPUGenerator(seed));
  return generators_.back().second;
}

at::Generator& TrainSession::generator(const std::string& name) {
  auto it = find_named(generators_, name);
  check(it != generators_.end(), "session: no generator '" + name + "'");
  return it->second;
}

torch::Tensor& TrainSession::state(const std::string& name, const torch::Tensor& initial) {
  auto it = find_named(states_, name);
  if (it != states_.end()) return it->second;
  check_new(states_, name, "state tensor");
  states_.emplace_back(name, initial);
  return states_.back().second;
}

bool TrainSession::has_state(const std::string& name) const {
  return std::any_of(states_.begin(), states_.end(), [&](const auto& p) { return p.first == name; });
}

void TrainSession::set_position(int64_t epoch, int64_t batch, int64_t batches_per_epoch) {
  epoch_ = epoch;
  batch_ = batch;
  batches_per_epoch_ = batches_per_epoch;
}

void TrainSession::minimize(const std::string& name, const torch::Tensor& loss, bool retain_graph) {
  torch::optim::Optimizer& opt = optimizer(name);
  // Dropped rather than zeroed (PyTorch 2's zero_grad(set_to_none=True)): backward then writes
  // the gradients without a zeroing pass and an accumulation pass. Same results.
  for (auto& group : opt.param_groups())
    for (auto& p : group.params()) p.mutable_grad().reset();
  loss.backward({}, retain_graph);
  if (clip_norm_ > 0) clip_gradients(opt, clip_norm_);
  for (auto& hook : hooks_) hook(name, opt);
  opt.step();
}

void TrainSession::set_training(bool on) {
  for (auto& [_, m] : modules_) m->train(on);
}

void clip_gradients(torch::optim::Optimizer& optimizer, double max_norm) {
  std::vector<torch::Tensor> params;
  for (auto& group : optimizer.param_groups())
    for (auto& p : group.params())
      if (p.grad().defined()) params.push_back(p);
  if (!params.empty()) torch::nn::utils::clip_grad_norm_(params, max_norm);
}

}  // namespace latent
