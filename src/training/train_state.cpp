// Training-state checkpoints for resuming (see train_state.h).
#include "latent/training/train_state.h"

#include <cstring>

#include "latent/core/error.h"
#include "latent/core/system.h"

namespace latent {

namespace {

constexpr int64_t kHistoryColumns = 5;  // epoch, train_loss, val_loss, lr, seconds; then the extras
constexpr const char* kStudyPrefix = "study.";

// Names as bytes: one per line.
torch::Tensor names_tensor(const std::vector<std::string>& names) {
  std::string joined;
  for (const auto& n : names) joined += n + "\n";
  auto t = torch::empty({static_cast<int64_t>(joined.size())}, torch::kUInt8);
  if (!joined.empty()) std::memcpy(t.data_ptr<uint8_t>(), joined.data(), joined.size());
  return t;
}

std::vector<std::string> names_from(const torch::Tensor& t) {
  const auto bytes = t.contiguous();
  if (bytes.numel() == 0) return {};
  std::string joined(reinterpret_cast<const char*>(bytes.data_ptr<uint8_t>()), static_cast<size_t>(bytes.numel()));
  std::vector<std::string> names;
  for (size_t start = 0, end; (end = joined.find('\n', start)) != std::string::npos; start = end + 1) names.push_back(joined.substr(start, end - start));
  return names;
}

std::vector<std::string> extra_names(const History& history) {
  std::vector<std::string> names;
  if (!history.empty())
    for (const auto& e : history.front().extra) names.push_back(e.first);
  return names;
}

torch::Tensor history_tensor(const History& history) {
  const auto extras = static_cast<int64_t>(extra_names(history).size());
  auto t = torch::zeros({static_cast<int64_t>(history.size()), kHistoryColumns + extras}, torch::kFloat64);
  auto a = t.accessor<double, 2>();
  for (size_t i = 0; i < history.size(); ++i) {
    const auto& r = history[i];
    const auto row = static_cast<int64_t>(i);
    a[row][0] = static_cast<double>(r.epoch);
    a[row][1] = r.train_loss;
    a[row][2] = r.val_loss;
    a[row][3] = r.lr;
    a[row][4] = r.seconds;
    for (int64_t k = 0; k < extras && k < static_cast<int64_t>(r.extra.size()); ++k) a[row][kHistoryColumns + k] = r.extra[static_cast<size_t>(k)].second;
  }
  return t;
}

History history_from(const torch::Tensor& t, const std::vector<std::string>& names) {
  History history;
  auto a = t.accessor<double, 2>();
  for (int64_t i = 0; i < t.size(0); ++i) {
    EpochRecord r;
    r.epoch = static_cast<int64_t>(a[i][0]);
    r.train_loss = a[i][1];
    r.val_loss = a[i][2];
    r.lr = a[i][3];
    r.seconds = a[i][4];
    for (size_t k = 0; k < names.size(); ++k) r.extra.emplace_back(names[k], a[i][kHistoryColumns + static_cast<int64_t>(k)]);
    history.push_back(r);
  }
  return history;
}

const torch::Tensor& need(const TensorMap& extras, const std::string& key, const std::filesystem::path& path) {
  auto it = extras.find(key);
  if (it == extras.end()) throw Error(path.string() + ": not a training-state checkpoint (no '" + key + "')");
  return it->second;
}

}  // namespace

void save_train_state(const std::filesystem::path& path, torch::nn::Module& model, const torch::optim::Optimizer& optimizer,
                      const CheckpointMeta& meta, const TrainState& state) {
  TensorMap extras;
  extras["train.history"] = history_tensor(state.history);
  extras["train.history_names"] = names_tensor(extra_names(state.history));
  for (const auto& [name, tensor] : state.study_state) extras[kStudyPrefix + name] = tensor.to(torch::kCPU);
  extras["train.position"] = torch::tensor({state.epoch, state.next_batch, state.seen}, torch::kInt64);
  extras["train.sums"] = torch::tensor({state.loss_sum, state.seconds}, torch::kFloat64);
  extras["train.rng"] = generator_state();
  if (state.next_batch > 0) extras["train.order"] = state.order.to(torch::kCPU);
  save_checkpoint(path, model, meta, extras, &optimizer);
}

TrainState load_train_state(const std::filesystem::path& path, torch::nn::Module& model, torch::optim::Optimizer& optimizer) {
  const TensorMap extras = read_checkpoint_extras(path);
  const auto& history = need(extras, "train.history", path);
  const auto& position = need(extras, "train.position", path);
  const auto& sums = need(extras, "train.sums", path);
  const auto& rng = need(extras, "train.rng", path);
  const auto& names = need(extras, "train.history_names", path);
  const std::vector<std::string> extra = names.scalar_type() == torch::kUInt8 && names.dim() == 1 ? names_from(names) : std::vector<std::string>{};
  if (history.dim() != 2 || history.size(1) != kHistoryColumns + static_cast<int64_t>(extra.size()) ||
      history.scalar_type() != torch::kFloat64 ||
      position.numel() != 3 || position.scalar_type() != torch::kInt64 || sums.numel() != 2 || sums.scalar_type() != torch::kFloat64)
    throw Error(path.string() + ": damaged training state");
  TrainState state;
  state.history = history_from(history, extra);
  for (const auto& [key, tensor] : extras)
    if (key.rfind(kStudyPrefix, 0) == 0) state.study_state[key.substr(std::string(kStudyPrefix).size())] = tensor;
  state.epoch = position[0].item<int64_t>();
  state.next_batch = position[1].item<int64_t>();
  state.seen = position[2].item<int64_t>();
  state.loss_sum = sums[0].item<double>();
  state.seconds = sums[1].item<double>();
  if (state.epoch != static_cast<int64_t>(state.history.size()) + 1 || state.next_batch < 0 || state.seen < 0)
    throw Error(path.string() + ": damaged training state (epoch " + std::to_string(state.epoch) + " after " +
                std::to_string(state.history.size()) + " finished epochs)");
  if (state.next_batch > 0) {
    state.order = need(extras, "train.order", path);
    if (state.order.dim() != 1 || state.order.scalar_type() != torch::kInt64)
      throw Error(path.string() + ": damaged training state (example order)");
  }
  load_checkpoint_weights(path, model);
  load_checkpoint_optimizer(path, optimizer);
  try {
    set_generator_state(rng);
  } catch (const c10::Error& e) {
    throw Error(path.string() + ": damaged training state (random generator: " + std::string(e.what_without_backtrace()).substr(0, 120) + ")");
  }
  return state;
}

}  // namespace latent
