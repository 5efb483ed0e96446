// TensorBoard event files: CRC32C against published test vectors, TFRecord framing read back
// byte by byte, and every event payload decoded by an independent decoder (protoc --decode_raw).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <regex>

#include "latent/report/image_grid.h"
#include "latent/report/tensorboard.h"
#include "test_util.h"

namespace latent {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

uint64_t le(const std::string& s, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | uint8_t(s[at + static_cast<size_t>(i)]);
  return v;
}

// The payloads of a TFRecord file, checking both masked CRCs of every record.
std::vector<std::string> read_records(const std::string& file) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at < file.size()) {
    EXPECT_GE(file.size() - at, 12u);
    const std::string length = file.substr(at, 8);
    const uint64_t n = le(file, at, 8);
    EXPECT_EQ(le(file, at + 8, 4), masked_crc32c(length)) << "length CRC of record " << out.size();
    EXPECT_LE(at + 12 + n + 4, file.size());
    const std::string data = file.substr(at + 12, n);
    EXPECT_EQ(le(file, at + 12 + n, 4), masked_crc32c(data)) << "data CRC of record " << out.size();
    out.push_back(data);
    at += 12 + n + 4;
  }
  return out;
}

// `protoc --decode_raw` of the bytes, or "" when protoc is not installed.
std::string decode_raw(const std::string& bytes, const TempDir& tmp) {
  const auto in = tmp / "payload.bin";
  testing::write_bytes(in, bytes);
  const std::string cmd = "protoc --decode_raw < '" + in.string() + "' 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return "";
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  return pclose(p) == 0 ? out : "";
}

bool have_protoc() { return std::system("protoc --version > /dev/null 2>&1") == 0; }

std::string hex_bits(float v) {
  uint32_t b;
  std::memcpy(&b, &v, 4);
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", b);
  return buf;
}

std::string hex_bits(double v) {
  uint64_t b;
  std::memcpy(&b, &v, 8);
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(b));
  return buf;
}

TEST(TensorBoard, Crc32cMatchesPublishedVectors) {
  // RFC 3720 appendix B.4 and the iSCSI test vectors.
  EXPECT_EQ(crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(crc32c(std::string(32, '\xff')), 0x62A8AB43u);
  std::string inc, dec;
  for (int i = 0; i < 32; ++i) inc += static_cast<char>(i), dec += static_cast<char>(31 - i);
  EXPECT_EQ(crc32c(inc), 0x46DD794Eu);
  EXPECT_EQ(crc32c(dec), 0x113FDB5Cu);
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
  const uint32_t c = crc32c("123456789");
  EXPECT_EQ(masked_crc32c("123456789"), ((c >> 15) | (c << 17)) + 0xa282ead8u);
}

TEST(TensorBoard, EventFileReadsBackThroughProtoc) {
  if (!have_protoc()) GTEST_SKIP() << "protoc not installed (scripts/setup.sh installs protobuf-compiler)";
  TempDir tmp;
  write_image_png(tmp / "grid.png", torch::rand({3, 5, 7}));
  const std::string png = testing::read_file(tmp / "grid.png");
  const double t0 = 1700000000.25;
  EventFileWriter w(t0);
  w.add_scalar("train_loss", 0.5, 1, t0 + 1);
  w.add_scalar("val_loss", 0.625, 1, t0 + 1);
  w.add_scalar("lr", 1e-3, 300, t0 + 2);
  w.add_png("figures/grid", png, 2, t0 + 3);
  EXPECT_EQ(w.events(), 5u);
  const fs::path file = w.write(tmp.path());
  EXPECT_EQ(file.filename().string().rfind("events.out.tfevents.1700000000.", 0), 0u) << file;

  const auto records = read_records(testing::read_file(file));
  ASSERT_EQ(records.size(), 5u);
  const std::string first = decode_raw(records[0], tmp);
  EXPECT_NE(first.find("1: " + hex_bits(t0)), std::string::npos) << first;
  EXPECT_NE(first.find("3: \"brain.Event:2\""), std::string::npos) << first;

  struct Expected {
    const char* tag;
    float value;
    int64_t step;
    double wall;
  };
  const Expected scalars[] = {
      {"train_loss", 0.5f, 1, t0 + 1}, {"val_loss", 0.625f, 1, t0 + 1}, {"lr", 1e-3f, 300, t0 + 2}};
  for (size_t i = 0; i < 3; ++i) {
    const std::string text = decode_raw(records[i + 1], tmp);
    const auto& e = scalars[i];
    // Event: wall_time (1), step (2), summary (5) { value (1) { tag (1), simple_value (2) } }
    const std::string want = "1: " + hex_bits(e.wall) + "\n2: " + std::to_string(e.step) + "\n5 {\n  1 {\n    1: \"" +
                             e.tag + "\"\n    2: " + hex_bits(e.value) + "\n  }\n}\n";
    EXPECT_EQ(text, want) << e.tag;
  }
  const std::string image = decode_raw(records[4], tmp);
  // Summary.Value { tag (1), image (4) { height (1) = 5, width (2) = 7, colorspace (3) = 3 (RGB), encoded PNG (4) } }
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      image, m,
      std::regex("1: \"figures/grid\"\n    4 \\{\n      1: 5\n      2: 7\n      3: 3\n      4: \"\\\\211PNG")))
      << image.substr(0, 300);
  EXPECT_NE(image.find("2: 2\n"), std::string::npos);
}

TEST(TensorBoard, NonPngImagesAreRejected) {
  EventFileWriter w(0);
  EXPECT_NE(testing::error_of([&] { w.add_png("x", "GIF89a not a png at all....", 0, 0); }).find("not a PNG"),
            std::string::npos);
}

}  // namespace
}  // namespace latent
