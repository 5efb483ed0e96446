// Batches of any structure and the sources the training loop cuts them from.
//
// A Batch is a few named tensors with the examples along dim 0: images and labels ("x", "y"),
// volumes, token ids with their lengths ("tokens", "lengths"), a block of table rows. A DataSource
// holds a data set and gathers the examples of one batch by index (the collate step); the loop
// decides the order (a seeded permutation per epoch), so a run repeats exactly and an interrupted
// one resumes on the same batches. Sources:
// - TensorSource: named tensors stacked along dim 0, in memory (on any device); a batch is one
//   index_select per field, as fast as cutting one contiguous tensor.
// - SequenceSource: token sequences of different lengths, stored flat with offsets; a batch is
//   padded to its longest sequence (or a maximum length) with its lengths, optionally sorted by
//   length for pack_padded_sequence; it can arrange an epoch's order so that batches hold
//   sequences of similar length (bucketing).
// - Prefetcher: gathers the next batch on a background thread while the current one trains.
#pragma once

#include <torch/types.h>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace latent {

class Batch {
 public:
  Batch() = default;
  Batch(std::vector<std::pair<std::string, torch::Tensor>> fields, int64_t size);

  int64_t size() const { return size_; }  // examples
  bool has(const std::string& name) const;
  // The field `name`; an Error naming it and the fields there are when absent.
  const torch::Tensor& operator[](const std::string& name) const;
  void set(const std::string& name, torch::Tensor value);
  const std::vector<std::pair<std::string, torch::Tensor>>& fields() const { return fields_; }
  Batch to(const torch::Device& device) const;

 private:
  std::vector<std::pair<std::string, torch::Tensor>> fields_;
  int64_t size_ = 0;
};

class DataSource {
 public:
  virtual ~DataSource() = default;
  virtual int64_t size() const = 0;
  // The examples at `indices` (int64, 1-D), collated into one batch. Must not draw random numbers
  // (the loop may call it from a prefetch thread).
  virtual Batch get(const torch::Tensor& indices) const = 0;
  // The order of an epoch's examples, given a permutation of [0, size): batches are its
  // consecutive slices of batch_size. The default keeps it; a source of sequences may group
  // similar lengths. Deterministic in its arguments.
  virtual torch::Tensor arrange(const torch::Tensor& order, int64_t batch_size) const;
  // Whether gathering a batch costs enough to run it on a background thread (Prefetcher).
  virtual bool prefers_prefetch() const { return false; }
};

class TensorSource : public DataSource {
 public:
  // Every field holds the same number of examples along dim 0; an undefined or empty tensor is
  // skipped (e.g. the labels of an unlabelled set).
  explicit TensorSource(std::vector<std::pair<std::string, torch::Tensor>> fields);
  int64_t size() const override { return size_; }
  Batch get(const torch::Tensor& indices) const override;
  const torch::Tensor& field(const std::string& name) const;

 private:
  std::vector<std::pair<std::string, torch::Tensor>> fields_;
  int64_t size_ = 0;
};

struct SequenceOptions {
  int64_t pad_id = 0;
  int64_t max_length = 0;       // truncate longer sequences (0: no limit)
  bool truncate_front = false;  // drop the first tokens instead of the last (Keras' truncating="pre")
  bool pad_front = false;       // pad before the tokens instead of after (Keras' padding="pre")
  bool sort_by_length = false;  // batches sorted by decreasing length (pack_padded_sequence's enforce_sorted)
  int64_t bucket_batches = 0;   // arrange(): sort windows of this many batches by length (0: off)
};

class SequenceSource : public DataSource {
 public:
  // sequences: token ids, one vector each (at least one token each); labels: (N, ...) or undefined.
  SequenceSource(const std::vector<std::vector<int64_t>>& sequences, torch::Tensor labels,
                 SequenceOptions options = {});
  int64_t size() const override { return static_cast<int64_t>(offsets_.size()) - 1; }
  // "tokens" (B, T) int64 padded with pad_id, T the longest kept length in the batch; "lengths" (B)
  // int64; "y" when labelled; with sort_by_length the batch is in decreasing length and "index"
  // (B) holds each row's example index.
  Batch get(const torch::Tensor& indices) const override;
  torch::Tensor arrange(const torch::Tensor& order, int64_t batch_size) const override;
  int64_t length(int64_t example) const;  // after truncation

 private:
  std::vector<int64_t> tokens_;
  std::vector<int64_t> offsets_;  // example i: tokens_[offsets_[i], offsets_[i + 1])
  torch::Tensor labels_;
  SequenceOptions options_;
};

// Gathers source.get(batches[i + 1]) on a background thread while batch i is in use. The batches'
// indices are fixed up front, so what it returns is exactly what get() would have.
class Prefetcher {
 public:
  // Serves batches[first], batches[first + 1], ...; without `background`, get() gathers in the caller.
  Prefetcher(const DataSource& source, std::vector<torch::Tensor> batches, size_t first, bool background);
  ~Prefetcher();
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;
  // The batches in order; `i` must go up by one from the first call.
  Batch get(size_t i);

 private:
  void work();
  const DataSource& source_;
  std::vector<torch::Tensor> batches_;
  bool background_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  size_t first_ = 0;
  size_t ready_index_ = 0;
  bool ready_ = false;
  bool stop_ = false;
  Batch ready_batch_;
  std::exception_ptr error_;
};

// Consecutive slices of `order` of `batch_size` examples (the last may be shorter).
std::vector<torch::Tensor> batch_slices(const torch::Tensor& order, int64_t batch_size);

}  // namespace latent
