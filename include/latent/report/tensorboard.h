// TensorBoard event files written by hand: protobuf wire format for Event / Summary /
// Summary.Value / Summary.Image (field numbers of tensorflow's event.proto and summary.proto)
// inside TFRecord framing (uint64 length, masked CRC32C of the length, data, masked CRC32C of
// the data). `tensorboard --logdir runs` then shows each run's scalars and image grids.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace latent {

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as used by TFRecord.
uint32_t crc32c(const std::string& bytes);
// TFRecord's mask: ((crc >> 15) | (crc << 17)) + 0xa282ead8.
uint32_t masked_crc32c(const std::string& bytes);
// One framed record around `data`.
std::string tf_record(const std::string& data);

// Collects events in memory and writes them as one events.out.tfevents.<seconds>.<host> file.
class EventFileWriter {
 public:
  // The first event carries file_version "brain.Event:2".
  explicit EventFileWriter(double wall_time);
  void add_scalar(const std::string& tag, double value, int64_t step, double wall_time);
  // A PNG file's bytes; height, width and colour space are read from its header.
  void add_png(const std::string& tag, const std::string& png, int64_t step, double wall_time);
  // Writes the file into `dir` (atomically) and returns its path.
  std::filesystem::path write(const std::filesystem::path& dir) const;
  size_t events() const { return events_; }

 private:
  double start_;
  std::string records_;
  size_t events_ = 0;
};

// For every variant of a finished run folder: train_loss, val_loss and lr per epoch (from
// history.csv), the test metrics (test/<key>) and the PNG figures (figures/<name>) at the last
// epoch, written as an events file in the variant's folder. Returns the files written.
std::vector<std::filesystem::path> write_run_events(const std::filesystem::path& run_dir);

}  // namespace latent
