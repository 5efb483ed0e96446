// Training-state checkpoints for resuming (see train_state.h).
#include "latent/training/train_state.h"

#include <cmath>
#include <cstring>
#include <map>

#include "latent/core/error.h"
#include "latent/core/system.h"

namespace latent {

namespace {

// A training state holds: latent_meta (as a model checkpoint's), "modules" and "optimizers" (one
// archive each by name) and "state" (named tensors). Version 2: sessions of named modules.
constexpr int64_t kStateVersion = 2;
constexpr int64_t kHistoryColumns = 5;  // epoch, train_loss, val_loss, lr, seconds; then the extras

// Names as bytes: one per line.
torch::Tensor names_tensor(const std::vector<std::string>& names) {
  std::string joined;
  for (const auto& n : names) joined += n + "\n";
  auto t = torch::empty({static_cast<int64_t>(joined.size())}, torch::kUInt8);
  if (!joined.empty()) std::memcpy(t.data_ptr<uint8_t>(), joined.data(), joined.size());
  return t;
}

std::vector<std::string> names_from(const torch::Tensor& t) {
  if (t.scalar_type() != torch::kUInt8 || t.dim() != 1) return {};
  const auto bytes = t.contiguous();
  if (bytes.numel() == 0) return {};
  std::string joined(reinterpret_cast<const char*>(bytes.data_ptr<uint8_t>()), static_cast<size_t>(bytes.numel()));
  std::vector<std::string> names;
  for (size_t start = 0, end; (end = joined.find('\n', start)) != std::string::npos; start = end + 1)
    names.push_back(joined.substr(start, end - start));
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
    for (int64_t k = 0; k < extras && k < static_cast<int64_t>(r.extra.size()); ++k)
      a[row][kHistoryColumns + k] = r.extra[static_cast<size_t>(k)].second;
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
    for (size_t k = 0; k < names.size(); ++k)
      r.extra.emplace_back(names[k], a[i][kHistoryColumns + static_cast<int64_t>(k)]);
    history.push_back(r);
  }
  return history;
}

const torch::Tensor& need(const TensorMap& tensors, const std::string& key, const std::filesystem::path& path) {
  auto it = tensors.find(key);
  if (it == tensors.end())
    throw Error(path.string() + ": not a training-state checkpoint of this session (no '" + key + "')");
  return it->second;
}

[[noreturn]] void damaged(const std::filesystem::path& path, const std::string& what) {
  throw Error(path.string() + ": damaged training state (" + what + ")");
}

}  // namespace

std::vector<std::pair<std::string, torch::Tensor>> snapshot_weights(TrainSession& session) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  torch::NoGradGuard no_grad;
  for (const auto& [name, module] : session.modules()) {
    for (const auto& p : module->named_parameters()) out.emplace_back(name + "/" + p.key(), p.value().detach().clone());
    for (const auto& b : module->named_buffers()) out.emplace_back(name + "/" + b.key(), b.value().clone());
  }
  return out;
}

void restore_weights(TrainSession& session, const std::vector<std::pair<std::string, torch::Tensor>>& weights) {
  std::map<std::string, torch::Tensor> by_name(weights.begin(), weights.end());
  torch::NoGradGuard no_grad;
  auto put = [&](const std::string& key, torch::Tensor& target) {
    auto it = by_name.find(key);
    check(it != by_name.end() && it->second.sizes() == target.sizes(),
          "training state: the kept weights have no '" + key + "' of its shape");
    target.copy_(it->second);
  };
  for (const auto& [name, module] : session.modules()) {
    for (auto& p : module->named_parameters()) put(name + "/" + p.key(), p.value());
    for (auto& b : module->named_buffers()) put(name + "/" + b.key(), b.value());
  }
}

void save_train_state(const std::filesystem::path& path, TrainSession& session, const CheckpointMeta& meta,
                      const LoopState& state) {
  torch::serialize::OutputArchive archive;
  write_meta(archive, meta);
  torch::serialize::OutputArchive modules;
  for (const auto& [name, module] : session.modules()) {
    torch::serialize::OutputArchive m;
    write_weights(m, *module);
    modules.write(name, m);
  }
  archive.write("modules", modules);
  torch::serialize::OutputArchive optimizers;
  for (const auto& [name, optimizer] : session.optimizers()) {
    torch::serialize::OutputArchive o;
    optimizer->save(o);
    optimizers.write(name, o);
  }
  archive.write("optimizers", optimizers);

  TensorMap t;
  t["version"] = torch::tensor({kStateVersion}, torch::kInt64);
  t["history"] = history_tensor(state.history);
  t["history_names"] = names_tensor(extra_names(state.history));
  t["position"] = torch::tensor({state.epoch, state.next_batch, state.seen, state.best_epoch}, torch::kInt64);
  t["sums"] = torch::tensor({state.seconds, state.best_value}, torch::kFloat64);
  t["rng.default"] = generator_state(torch::kCPU);
  if (session.device().is_cuda()) t["rng.default_device"] = generator_state(session.device());
  for (const auto& [name, generator] : session.generators()) {
    at::Generator gen = generator;  // a handle
    std::lock_guard<std::mutex> lock(gen.mutex());
    t["rng.study." + name] = gen.get_state();
  }
  for (const auto& [name, tensor] : session.states())
    if (tensor.defined()) t["state." + name] = tensor;
  if (state.next_batch > 0) {
    t["order"] = state.order;
    std::vector<std::string> names;
    for (const auto& s : state.sums) {
      names.push_back(s.name);
      t["sum." + s.name] = s.sum.to(torch::kCPU, torch::kFloat64).reshape({1});
      t["count." + s.name] = torch::tensor({s.count}, torch::kFloat64);
    }
    t["sum_names"] = names_tensor(names);
  }
  for (const auto& [key, value] : state.best_weights) t["best." + key] = value;
  torch::serialize::OutputArchive tensors;
  write_tensors(tensors, t);
  archive.write("state", tensors);
  save_archive_atomic(archive, path);
}

History read_train_state_history(const std::filesystem::path& path) {
  auto archive = open_checkpoint_archive(path);
  read_meta(archive, path);
  torch::serialize::InputArchive tensors_archive;
  if (!archive.try_read("state", tensors_archive)) throw Error(path.string() + ": not a training state of this latent");
  const TensorMap t = read_tensors(tensors_archive);
  const auto& history = need(t, "history", path);
  const std::vector<std::string> extra = names_from(need(t, "history_names", path));
  if (history.dim() != 2 || history.size(1) != kHistoryColumns + static_cast<int64_t>(extra.size()) ||
      history.scalar_type() != torch::kFloat64)
    damaged(path, "history");
  return history_from(history, extra);
}

LoopState load_train_state(const std::filesystem::path& path, TrainSession& session) {
  auto archive = open_checkpoint_archive(path);
  read_meta(archive, path);
  torch::serialize::InputArchive tensors_archive;
  if (!archive.try_read("state", tensors_archive))
    throw Error(path.string() +
                ": a training state of an older latent (it cannot be resumed by this one; start the run again)");
  const TensorMap t = read_tensors(tensors_archive);
  const auto& version = need(t, "version", path);
  if (version.numel() != 1 || version.scalar_type() != torch::kInt64 || version.item<int64_t>() != kStateVersion)
    damaged(path, "format version");
  const auto& history = need(t, "history", path);
  const auto& position = need(t, "position", path);
  const auto& sums = need(t, "sums", path);
  const std::vector<std::string> extra = names_from(need(t, "history_names", path));
  if (history.dim() != 2 || history.size(1) != kHistoryColumns + static_cast<int64_t>(extra.size()) ||
      history.scalar_type() != torch::kFloat64 || position.numel() != 4 || position.scalar_type() != torch::kInt64 ||
      sums.numel() != 2 || sums.scalar_type() != torch::kFloat64)
    damaged(path, "history or position");
  LoopState state;
  state.history = history_from(history, extra);
  state.epoch = position[0].item<int64_t>();
  state.next_batch = position[1].item<int64_t>();
  state.seen = position[2].item<int64_t>();
  state.best_epoch = position[3].item<int64_t>();
  state.seconds = sums[0].item<double>();
  state.best_value = sums[1].item<double>();
  if (state.epoch != static_cast<int64_t>(state.history.size()) + 1 || state.next_batch < 0 || state.seen < 0)
    damaged(path, "epoch " + std::to_string(state.epoch) + " after " + std::to_string(state.history.size()) +
                      " finished epochs");
  if (state.next_batch > 0) {
    state.order = need(t, "order", path);
    if (state.order.dim() != 1 || state.order.scalar_type() != torch::kInt64) damaged(path, "example order");
    for (const auto& name : names_from(need(t, "sum_names", path))) {
      const auto& sum = need(t, "sum." + name, path);
      const auto& count = need(t, "count." + name, path);
      if (sum.numel() != 1 || count.numel() != 1) damaged(path, "running sum '" + name + "'");
      state.sums.push_back({name, sum.reshape({}).to(session.device(), torch::kFloat64), count.item<double>()});
    }
  }
  const std::string best_prefix = "best.";
  for (const auto& [key, value] : t)
    if (key.rfind(best_prefix, 0) == 0)
      state.best_weights.emplace_back(key.substr(best_prefix.size()), value.to(session.device()));

  torch::serialize::InputArchive modules, optimizers;
  if (!archive.try_read("modules", modules) || !archive.try_read("optimizers", optimizers))
    damaged(path, "no modules or optimizers");
  for (const auto& [name, module] : session.modules()) {
    torch::serialize::InputArchive m;
    if (!modules.try_read(name, m)) throw Error(path.string() + ": training state without module '" + name + "'");
    read_weights(m, *module, path);
  }
  for (const auto& [name, optimizer] : session.optimizers()) {
    torch::serialize::InputArchive o;
    if (!optimizers.try_read(name, o)) throw Error(path.string() + ": training state without optimizer '" + name + "'");
    read_optimizer(o, *optimizer, path);
  }
  for (const auto& [name, tensor] : session.states()) {
    auto it = t.find("state." + name);
    if (it != t.end()) session.state(name) = it->second.to(session.device());
  }
  try {
    set_generator_state(need(t, "rng.default", path), torch::kCPU);
    if (session.device().is_cuda()) set_generator_state(need(t, "rng.default_device", path), session.device());
    for (const auto& [name, generator] : session.generators()) {
      const auto& s = need(t, "rng.study." + name, path);
      at::Generator gen = generator;  // a handle
      std::lock_guard<std::mutex> lock(gen.mutex());
      gen.set_state(s);
    }
  } catch (const c10::Error& e) {
    damaged(path, "random generator: " + std::string(e.what_without_backtrace()).substr(0, 120));
  }
  return state;
}

}  // namespace latent
