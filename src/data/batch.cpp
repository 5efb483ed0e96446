// Batches, tensor and sequence sources, bucketing and the prefetch thread.
#include "latent/data/batch.h"

#include <algorithm>
#include <numeric>

#include "latent/core/error.h"
#include "latent/core/system.h"

namespace latent {

Batch::Batch(std::vector<std::pair<std::string, torch::Tensor>> fields, int64_t size)
    : fields_(std::move(fields)), size_(size) {}

bool Batch::has(const std::string& name) const {
  for (const auto& [n, _] : fields_)
    if (n == name) return true;
  return false;
}

const torch::Tensor& Batch::operator[](const std::string& name) const {
  for (const auto& [n, t] : fields_)
    if (n == name) return t;
  std::string names;
  for (const auto& [n, _] : fields_) names += (names.empty() ? "" : ", ") + n;
  throw Error("batch: no field '" + name + "' (it has: " + (names.empty() ? "none" : names) + ")");
}

void Batch::set(const std::string& name, torch::Tensor value) {
  for (auto& [n, t] : fields_)
    if (n == name) {
      t = std::move(value);
      return;
    }
  fields_.emplace_back(name, std::move(value));
}

Batch Batch::to(const torch::Device& device) const {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& [n, t] : fields_) out.emplace_back(n, t.defined() ? t.to(device) : t);
  return Batch(std::move(out), size_);
}

torch::Tensor DataSource::arrange(const torch::Tensor& order, int64_t) const { return order; }

TensorSource::TensorSource(std::vector<std::pair<std::string, torch::Tensor>> fields) {
  bool first = true;
  for (auto& [name, t] : fields) {
    if (!t.defined() || t.numel() == 0) continue;
    check(t.dim() > 0, "data: field '" + name + "' has no example dimension");
    if (first) size_ = t.size(0), first = false;
    check(t.size(0) == size_, "data: field '" + name + "' has " + std::to_string(t.size(0)) +
                                  " examples, the first field " + std::to_string(size_));
    fields_.emplace_back(name, t);
  }
}

Batch TensorSource::get(const torch::Tensor& indices) const {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& [name, t] : fields_) {
    const int64_t row = t.size(0) > 0 ? t.numel() / t.size(0) : 0;
    SerialScope serial(indices.numel() * row < kSerialOpElements);  // a batch: on one thread (core/system.h)
    out.emplace_back(name, t.index_select(0, indices.to(t.device())));
  }
  return Batch(std::move(out), indices.numel());
}

const torch::Tensor& TensorSource::field(const std::string& name) const {
  for (const auto& [n, t] : fields_)
    if (n == name) return t;
  throw Error("data: no field '" + name + "'");
}

SequenceSource::SequenceSource(const std::vector<std::vector<int64_t>>& sequences, torch::Tensor labels,
                               SequenceOptions options)
    : labels_(std::move(labels)), options_(options) {
  offsets_.push_back(0);
  for (size_t i = 0; i < sequences.size(); ++i) {
    check(!sequences[i].empty(), "data: sequence " + std::to_string(i) + " is empty");
    tokens_.insert(tokens_.end(), sequences[i].begin(), sequences[i].end());
    offsets_.push_back(static_cast<int64_t>(tokens_.size()));
  }
  check(!labels_.defined() || labels_.size(0) == size(), "data: " + std::to_string(size()) + " sequences but " +
                                                             std::to_string(labels_.defined() ? labels_.size(0) : 0) +
                                                             " labels");
  check(options_.max_length >= 0, "data: max_length must not be negative");
}

int64_t SequenceSource::length(int64_t example) const {
  const int64_t n = offsets_[static_cast<size_t>(example) + 1] - offsets_[static_cast<size_t>(example)];
  return options_.max_length > 0 ? std::min(n, options_.max_length) : n;
}

Batch SequenceSource::get(const torch::Tensor& indices) const {
  auto idx = indices.to(torch::kCPU, torch::kInt64).contiguous();
  std::vector<int64_t> rows(idx.data_ptr<int64_t>(), idx.data_ptr<int64_t>() + idx.numel());
  for (int64_t r : rows) check(r >= 0 && r < size(), "data: sequence index " + std::to_string(r) + " out of range");
  if (options_.sort_by_length)  // stable: equal lengths keep their order
    std::stable_sort(rows.begin(), rows.end(), [&](int64_t a, int64_t b) { return length(a) > length(b); });
  const auto b = static_cast<int64_t>(rows.size());
  int64_t longest = 0;
  for (int64_t r : rows) longest = std::max(longest, length(r));
  auto tokens = torch::full({b, longest}, options_.pad_id, torch::kInt64);
  auto lengths = torch::empty({b}, torch::kInt64);
  auto* out = tokens.data_ptr<int64_t>();
  for (int64_t i = 0; i < b; ++i) {
    const int64_t r = rows[static_cast<size_t>(i)];
    const int64_t full = offsets_[static_cast<size_t>(r) + 1] - offsets_[static_cast<size_t>(r)];
    const int64_t len = length(r);
    const int64_t* src = tokens_.data() + offsets_[static_cast<size_t>(r)] + (options_.truncate_front ? full - len : 0);
    int64_t* dst = out + i * longest + (options_.pad_front ? longest - len : 0);
    std::copy(src, src + len, dst);
    lengths[i] = len;
  }
  auto index = torch::tensor(rows, torch::kInt64);
  std::vector<std::pair<std::string, torch::Tensor>> fields = {{"tokens", tokens}, {"lengths", lengths}};
  if (labels_.defined()) fields.emplace_back("y", labels_.index_select(0, index.to(labels_.device())));
  if (options_.sort_by_length) fields.emplace_back("index", index);
  return Batch(std::move(fields), b);
}

torch::Tensor SequenceSource::arrange(const torch::Tensor& order, int64_t batch_size) const {
  if (options_.bucket_batches <= 0) return order;
  auto o = order.to(torch::kCPU, torch::kInt64).contiguous();
  std::vector<int64_t> v(o.data_ptr<int64_t>(), o.data_ptr<int64_t>() + o.numel());
  const auto window = static_cast<size_t>(std::max<int64_t>(1, options_.bucket_batches * batch_size));
  for (size_t begin = 0; begin < v.size(); begin += window) {
    const auto end = std::min(v.size(), begin + window);
    std::stable_sort(v.begin() + static_cast<std::ptrdiff_t>(begin), v.begin() + static_cast<std::ptrdiff_t>(end),
                     [&](int64_t a, int64_t b) { return length(a) > length(b); });
  }
  return torch::tensor(v, torch::kInt64).to(order.device());
}

std::vector<torch::Tensor> batch_slices(const torch::Tensor& order, int64_t batch_size) {
  check(batch_size > 0, "training.batch_size: must be positive");
  std::vector<torch::Tensor> out;
  const int64_t n = order.numel();
  for (int64_t begin = 0; begin < n; begin += batch_size)
    out.push_back(order.slice(0, begin, std::min(n, begin + batch_size)));
  return out;
}

Prefetcher::Prefetcher(const DataSource& source, std::vector<torch::Tensor> batches, size_t first, bool background)
    : source_(source), batches_(std::move(batches)), background_(background && first < batches_.size()), first_(first) {
  if (background_) thread_ = std::thread([this] { work(); });
}

Prefetcher::~Prefetcher() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Prefetcher::work() {
  for (size_t i = first_; i < batches_.size(); ++i) {
    Batch b;
    std::exception_ptr error;
    try {
      b = source_.get(batches_[i]);
    } catch (...) {
      error = std::current_exception();
    }
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [&] { return !ready_ || stop_; });
    if (stop_) return;
    ready_batch_ = std::move(b);
    ready_index_ = i;
    ready_ = true;
    error_ = error;
    cv_.notify_all();
    if (error) return;
  }
}

Batch Prefetcher::get(size_t i) {
  if (!background_) return source_.get(batches_.at(i));
  std::unique_lock<std::mutex> lock(mutex_);
  cv_.wait(lock, [&] { return ready_; });
  if (error_) std::rethrow_exception(error_);
  check(ready_index_ == i, "prefetch: batch " + std::to_string(i) + " asked for out of order");
  ready_ = false;
  Batch b = std::move(ready_batch_);
  cv_.notify_all();
  return b;
}

}  // namespace latent
