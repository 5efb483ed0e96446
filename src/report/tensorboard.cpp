// TensorBoard event files: a minimal protobuf encoder for the few messages TensorBoard reads
// (Event, Summary, Summary.Value, Summary.Image) and TFRecord framing with masked CRC32C.
#include "latent/report/tensorboard.h"

#include <array>
#include <chrono>
#include <cmath>
#include <cstring>

#include "latent/core/error.h"
#include "latent/core/fs.h"
#include "latent/core/system.h"
#include "latent/report/run_folder.h"

namespace latent {

namespace {

// Protobuf wire types.
constexpr uint32_t kVarint = 0, kFixed64 = 1, kBytes = 2, kFixed32 = 5;

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

void put_key(std::string& out, uint32_t field, uint32_t wire) { put_varint(out, (uint64_t{field} << 3) | wire); }

void put_le(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

void put_bytes(std::string& out, uint32_t field, const std::string& bytes) {
  put_key(out, field, kBytes);
  put_varint(out, bytes.size());
  out += bytes;
}

void put_int(std::string& out, uint32_t field, int64_t v) {
  put_key(out, field, kVarint);
  put_varint(out, static_cast<uint64_t>(v));
}

void put_double(std::string& out, uint32_t field, double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  put_key(out, field, kFixed64);
  put_le(out, bits, 8);
}

void put_float(std::string& out, uint32_t field, float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  put_key(out, field, kFixed32);
  put_le(out, bits, 4);
}

// Event{wall_time = 1, step = 2, summary = 5 {value = 1 {...}}}
std::string summary_event(double wall_time, int64_t step, const std::string& value) {
  std::string summary, event;
  put_bytes(summary, 1, value);
  put_double(event, 1, wall_time);
  put_int(event, 2, step);
  put_bytes(event, 5, summary);
  return event;
}

uint32_t be32(const std::string& s, size_t at) {
  return (uint32_t(uint8_t(s[at])) << 24) | (uint32_t(uint8_t(s[at + 1])) << 16) | (uint32_t(uint8_t(s[at + 2])) << 8) |
         uint32_t(uint8_t(s[at + 3]));
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

uint32_t crc32c(const std::string& bytes) {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0x82F63B78u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t crc = 0xFFFFFFFFu;
  for (char ch : bytes) crc = table[(crc ^ uint8_t(ch)) & 0xff] ^ (crc >> 8);
  return ~crc;
}

uint32_t masked_crc32c(const std::string& bytes) {
  const uint32_t crc = crc32c(bytes);
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

std::string tf_record(const std::string& data) {
  std::string length;
  put_le(length, data.size(), 8);
  std::string out = length;
  put_le(out, masked_crc32c(length), 4);
  out += data;
  put_le(out, masked_crc32c(data), 4);
  return out;
}

EventFileWriter::EventFileWriter(double wall_time) : start_(wall_time) {
  std::string event;
  put_double(event, 1, wall_time);
  put_bytes(event, 3, "brain.Event:2");
  records_ += tf_record(event);
  ++events_;
}

void EventFileWriter::add_scalar(const std::string& tag, double value, int64_t step, double wall_time) {
  std::string v;
  put_bytes(v, 1, tag);
  put_float(v, 2, static_cast<float>(value));
  records_ += tf_record(summary_event(wall_time, step, v));
  ++events_;
}

void EventFileWriter::add_png(const std::string& tag, const std::string& png, int64_t step, double wall_time) {
  if (png.size() < 26 || png.compare(1, 3, "PNG") != 0 || png.compare(12, 4, "IHDR") != 0)
    throw Error("TensorBoard image '" + tag + "': not a PNG file");
  const uint8_t colour_type = uint8_t(png[25]);
  // PNG colour type -> Summary.Image colorspace (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA).
  const int64_t colorspace = colour_type == 0 ? 1 : colour_type == 4 ? 2 : colour_type == 6 ? 4 : 3;
  std::string image, v;
  put_int(image, 1, be32(png, 20));  // height
  put_int(image, 2, be32(png, 16));  // width
  put_int(image, 3, colorspace);
  put_bytes(image, 4, png);
  put_bytes(v, 1, tag);
  put_bytes(v, 4, image);
  records_ += tf_record(summary_event(wall_time, step, v));
  ++events_;
}

fs::path EventFileWriter::write(const fs::path& dir) const {
  const fs::path path =
      dir / ("events.out.tfevents." + std::to_string(static_cast<int64_t>(start_)) + "." + hostname());
  write_file_atomic(path, records_);
  return path;
}

std::vector<fs::path> write_run_events(const fs::path& run_dir) {
  const RunFolder run = read_run_folder(run_dir);
  std::vector<fs::path> written;
  const double end = now_seconds();
  for (const auto& v : run.variants) {
    double total = 0;
    for (const auto& r : v.history)
      if (std::isfinite(r.seconds)) total += r.seconds;
    const double start = end - total;
    EventFileWriter w(start);
    double t = start;
    int64_t last = 0;
    for (const auto& r : v.history) {
      if (std::isfinite(r.seconds)) t += r.seconds;
      last = r.epoch;
      if (std::isfinite(r.train_loss)) w.add_scalar("train_loss", r.train_loss, r.epoch, t);
      if (std::isfinite(r.val_loss)) w.add_scalar("val_loss", r.val_loss, r.epoch, t);
      if (std::isfinite(r.lr)) w.add_scalar("lr", r.lr, r.epoch, t);
    }
    if (v.metrics.contains("test"))
      for (const auto& [key, value] : flatten_json(v.metrics["test"]))
        if (value.is_number()) w.add_scalar("test/" + key, value.get<double>(), last, end);
    for (const auto& f : v.figures)
      if (f.extension() == ".png") w.add_png("figures/" + f.stem().string(), read_text_file(f), last, end);
    written.push_back(w.write(v.dir));
  }
  return written;
}

}  // namespace latent
