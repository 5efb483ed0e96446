// IDX reader: plain and gzipped files, and the errors for malformed ones.
#include <gtest/gtest.h>

#include "latent/core/error.h"
#include "latent/data/dataset.h"
#include "latent/data/idx.h"
#include "test_util.h"

namespace latent {
namespace {

using testing::error_of;
using testing::TempDir;

std::string header(uint8_t type, std::vector<uint32_t> dims) {
  std::string h = {0, 0, static_cast<char>(type), static_cast<char>(dims.size())};
  for (uint32_t d : dims) {
    h.push_back(static_cast<char>(d >> 24));
    h.push_back(static_cast<char>(d >> 16));
    h.push_back(static_cast<char>(d >> 8));
    h.push_back(static_cast<char>(d));
  }
  return h;
}

TEST(Idx, PlainRoundTrip) {
  TempDir tmp;
  std::vector<uint8_t> bytes(2 * 3 * 4);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 7);
  write_idx(tmp / "a-idx3-ubyte", {2, 3, 4}, bytes);
  IdxArray a = read_idx(tmp / "a-idx3-ubyte");
  EXPECT_EQ(a.dims, (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(a.bytes, bytes);
  // The exact on-disk layout: magic 0x00000803, then big-endian dims.
  std::string raw = testing::read_file(tmp / "a-idx3-ubyte");
  EXPECT_EQ(raw.substr(0, 16), header(0x08, {2, 3, 4}));
}

TEST(Idx, GzippedFileReadsTheSame) {
  TempDir tmp;
  std::vector<uint8_t> bytes(5 * 2 * 2, 9);
  bytes[3] = 200;
  write_idx(tmp / "b", {5, 2, 2}, bytes);
  ASSERT_EQ(std::system(("gzip -kf " + (tmp / "b").string()).c_str()), 0);
  if (!latent::gzip_supported()) {  // a build without zlib says so, naming the file
    const auto msg = error_of([&] { read_idx(tmp / "b.gz"); });
    EXPECT_NE(msg.find((tmp / "b.gz").string() + ": gzipped file, but latent was built without zlib"),
              std::string::npos)
        << msg;
    return;
  }
  IdxArray a = read_idx(tmp / "b.gz");
  EXPECT_EQ(a.dims, (std::vector<int64_t>{5, 2, 2}));
  EXPECT_EQ(a.bytes, bytes);
}

TEST(Idx, WrongMagicIsAnError) {
  TempDir tmp;
  testing::write_bytes(tmp / "bad", std::string("\x12\x34\x08\x03", 4) + std::string(12, '\0'));
  auto msg = error_of([&] { read_idx(tmp / "bad"); });
  EXPECT_NE(msg.find("wrong magic number 0x12340803"), std::string::npos) << msg;
  EXPECT_NE(msg.find((tmp / "bad").string()), std::string::npos) << msg;
}

TEST(Idx, UnsupportedElementTypeIsAnError) {
  TempDir tmp;
  testing::write_bytes(tmp / "f", header(0x0D, {1}) + std::string(4, '\0'));
  EXPECT_NE(error_of([&] { read_idx(tmp / "f"); }).find("unsupported IDX element type 0x0d"), std::string::npos);
}

TEST(Idx, TruncatedDataIsAnError) {
  TempDir tmp;
  testing::write_bytes(tmp / "t", header(0x08, {10, 4, 4}) + std::string(100, 'x'));
  auto msg = error_of([&] { read_idx(tmp / "t"); });
  EXPECT_NE(msg.find("truncated data (header says 160 bytes, file has 100)"), std::string::npos) << msg;
}

TEST(Idx, TrailingBytesAreAnError) {
  TempDir tmp;
  testing::write_bytes(tmp / "t", header(0x08, {2}) + std::string(3, 'x'));
  EXPECT_NE(error_of([&] { read_idx(tmp / "t"); }).find("1 unexpected bytes"), std::string::npos);
}

TEST(Idx, HugeHeaderFailsWithoutAllocating) {
  TempDir tmp;
  testing::write_bytes(tmp / "h", header(0x08, {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}));
  EXPECT_NE(error_of([&] { read_idx(tmp / "h"); }).find("overflow"), std::string::npos);
  testing::write_bytes(tmp / "h2", header(0x08, {60000, 28, 28}));
  EXPECT_NE(error_of([&] { read_idx(tmp / "h2"); }).find("truncated data"), std::string::npos);
}

TEST(Idx, TruncatedGzipIsAnError) {
  TempDir tmp;
  std::vector<uint8_t> bytes(4096);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>((i * 131) % 251);
  write_idx(tmp / "g", {4096}, bytes);
  ASSERT_EQ(std::system(("gzip -kf " + (tmp / "g").string()).c_str()), 0);
  std::string gz = testing::read_file(tmp / "g.gz");
  testing::write_bytes(tmp / "cut.gz", gz.substr(0, gz.size() / 2));
  EXPECT_NE(error_of([&] {
              read_idx(tmp / "cut.gz");
            }).find(latent::gzip_supported() ? "corrupt gzip data" : "built without zlib"),
            std::string::npos);
}

TEST(Idx, MissingFileIsAnError) {
  TempDir tmp;
  EXPECT_NE(error_of([&] { read_idx(tmp / "nope"); }).find("cannot open"), std::string::npos);
}

TEST(IdxDataset, CountMismatchNamesBothFiles) {
  TempDir tmp;
  write_idx(tmp / "train-images-idx3-ubyte", {3, 2, 2}, std::vector<uint8_t>(12, 1));
  write_idx(tmp / "train-labels-idx1-ubyte", {2}, std::vector<uint8_t>(2, 0));
  auto msg = error_of([&] { load_idx_split(tmp.path(), "train"); });
  EXPECT_NE(msg.find("3 images but"), std::string::npos) << msg;
  EXPECT_NE(msg.find("has 2 labels"), std::string::npos) << msg;
}

TEST(IdxDataset, LoadsPixelsScaledToUnitRange) {
  TempDir tmp;
  write_idx(tmp / "train-images-idx3-ubyte", {1, 1, 3}, {0, 51, 255});
  write_idx(tmp / "train-labels-idx1-ubyte", {1}, {7});
  auto d = load_idx_split(tmp.path(), "train");
  EXPECT_EQ(d.x.sizes(), (std::vector<int64_t>{1, 1, 1, 3}));
  EXPECT_FLOAT_EQ(d.x[0][0][0][1].item<float>(), 0.2f);
  EXPECT_FLOAT_EQ(d.x[0][0][0][2].item<float>(), 1.0f);
  EXPECT_EQ(d.y[0].item<int64_t>(), 7);
}

TEST(IdxDataset, LimitsAndValidationSplit) {
  TempDir tmp;
  testing::write_synthetic_idx(tmp.path(), 50, 20, 8);
  ImageDataOptions o;
  o.dataset = "idx";
  o.path = tmp.path().string();
  o.train_limit = 40;
  o.test_limit = 10;
  o.val_split = 0.25;
  auto d = load_idx_images(o);
  EXPECT_EQ(d.train.size(), 30);
  EXPECT_EQ(d.val.size(), 10);
  EXPECT_EQ(d.test.size(), 10);
}

TEST(IdxDataset, UnknownDatasetNamesTheSearchedFolders) {
  ImageDataOptions o;
  o.dataset = "no-such-set";
  auto msg = error_of([&] { load_idx_images(o); });
  EXPECT_NE(msg.find("data set 'no-such-set' not found"), std::string::npos) << msg;
  EXPECT_NE(msg.find("/usr/share/datasets/no-such-set"), std::string::npos) << msg;
}

}  // namespace
}  // namespace latent
