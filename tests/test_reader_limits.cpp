// Readers do not trust header sizes: an image whose header promises more pixels than the limit
// is rejected, naming the file and the size, before any pixel buffer is allocated.
#include <gtest/gtest.h>

#include "latent/data/image_io.h"
#include "test_util.h"

namespace latent {
namespace {

// A PNG signature and an IHDR chunk for a width x height 8-bit gray image; no pixel data.
std::string png_header(uint32_t width, uint32_t height) {
  std::string s = "\x89PNG\r\n\x1a\n";
  auto be32 = [&](uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) s.push_back(static_cast<char>((v >> shift) & 0xff));
  };
  be32(13);
  s += "IHDR";
  be32(width);
  be32(height);
  s += std::string("\x08\x00\x00\x00\x00", 5);
  be32(0);  // CRC (stb_image does not check it)
  return s;
}

TEST(ReaderLimits, ImageLargerThanTheLimitIsRejectedFromItsHeader) {
  testing::TempDir tmp;
  const auto huge = tmp / "huge.png";
  testing::write_bytes(huge, png_header(10000, 10000));
  const std::string err = testing::error_of([&] { read_image(huge); });
  EXPECT_NE(err.find(huge.string() + ": a 10000 x 10000 image, larger than the limit of 67108864 pixels"), std::string::npos) << err;
  // Within the limit, the same header without data is a truncated image, not a size error.
  const auto small = tmp / "small.png";
  testing::write_bytes(small, png_header(100, 100));
  const std::string truncated = testing::error_of([&] { read_image(small); });
  EXPECT_NE(truncated.find(small.string() + ": not a readable image"), std::string::npos) << truncated;
}

}  // namespace
}  // namespace latent
