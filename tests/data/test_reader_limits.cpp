// Readers do not trust header sizes: an image whose header promises more pixels than the limit
// is rejected, naming the file and the size, before any pixel buffer is allocated.
#include <gtest/gtest.h>

#include "latent/data/csv.h"
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
  EXPECT_NE(err.find(huge.string() + ": a 10000 x 10000 image, larger than the limit of 67108864 pixels"),
            std::string::npos)
      << err;
  // Within the limit, the same header without data is a truncated image, not a size error.
  const auto small = tmp / "small.png";
  testing::write_bytes(small, png_header(100, 100));
  const std::string truncated = testing::error_of([&] { read_image(small); });
  EXPECT_NE(truncated.find(small.string() + ": not a readable image"), std::string::npos) << truncated;
}

// Writes the JPEG given in hex and expects read_image to reject its Huffman table.
void expect_huffman_rejection(const std::string& hex) {
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  testing::TempDir tmp;
  const auto jpeg = tmp / "huffman.jpg";
  testing::write_bytes(jpeg, bytes);
  const std::string err = testing::error_of([&] { read_image(jpeg); });
  EXPECT_NE(err.find(jpeg.string() + ": not a readable image (a JPEG Huffman table with "), std::string::npos) << err;
  EXPECT_NE(err.find("at most 256 are allowed"), std::string::npos) << err;
}

// Found by `make fuzz` (fuzz_image, 2026-11-22): a JPEG whose Huffman table declares more than 256
// codes made stb_image write past its table (UBSan: index 257 out of bounds for stbi_uc[257]).
TEST(ReaderLimits, JpegWithAnOversizedHuffmanTableIsRejectedBeforeDecoding) {
  const std::string hex =
      "ffd8ffe000104a46494600010100000100010000ffdb0084000302020302020303030304030304050805050404050a07"
      "0706080c0a0c0c0b0a0b0b0d0e12100d0e110e0b0b1016101113141515150c0f17181614181214151401030404050405"
      "09050509140d0b0d14141414141414141414141414141414141414141414141414141414141414141414141414141414"
      "14141414141414141414ffc00011080008000803012200021101031101ffc401a20000010501a1b1c109233352f01562"
      "72d10a162434e125f11718191a262728292a35363738393a434445464748494a535455565758595a636465666768696a"
      "737475767778797a82838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5"
      "c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9eaf2f3f4f5f6f7f8f9faffda000c03010002110311003f008bc3"
      "7ff04dbfb9ff0012bffc875d2ffc3b6ffea17ff90ebf417c37fc15d35007ffd9";
  expect_huffman_rejection(hex);
}

// Found by the second `make fuzz` run: the same table behind stray bytes between segments,
// which stb skips while looking for the next marker.
TEST(ReaderLimits, JpegHuffmanTableAfterStrayBytesIsRejectedToo) {
  const std::string hex =
      "ffd8ffe000104a46494600010100000100010000ffdb0084000302020302020303030304030304050805050404050a07"
      "0706080c0a0c0c0b0a0b0b0d0e12100d0e110e0b0b1016101113141515150c0f17181614181214151401030404050405"
      "098e050509140d0b0d1410141414141414141414141414141414141414141414141414141414ffc00011080008000000"
      "000000021101031101ffc401a20000010501a1b1c109233352f0156272d10a162434e1251101ffc401a20000010501a1"
      "b1c109233352f0156272d10a162434e125f11718191a262728292a35363738393a434445464748494a53545556575859"
      "5a636465666768696a737475767778797a82838485868788898a92939495969714141414141414141414141414211414"
      "141414141414141414141414141414141414141414141414ffc00011080008000000000000021101031101ffc401a200"
      "00010501a1b1c109233352f0156272d10a162434e1251101ffc401a20000010501a1b1c109233352f0156272d10a1624"
      "34e125f11718191a262728292a35363738393a434445464748494a535455565758595a636465666768696a7374757677"
      "78797a82838485868788898a92939495969798999ab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9da"
      "e256e4e5e6e7e8e9eaf2f3f4f5f6f7f8f9faffda000c03010002110311003f028b5007ffd9";
  expect_huffman_rejection(hex);
}

// Found by the third `make fuzz` run: a BMP that stb decodes as 0 x 983040 pixels, which then
// reached the resize as an empty tensor (a c10::Error instead of latent's one-line error).
TEST(ReaderLimits, ImageWithAZeroSideIsRejected) {
  const std::string hex =
      "424d9a0000000000000036000000280000000000000000000f0001001800000000000000000000000000000000000000"
      "00000000000006fff81b140d302922453e375a534c6f6861000088817a9d968fb2aba4c7c0b9dcd5cef1eae300000a03"
      "fc1f1811342d2649423b5e5750736c6500008c85afa8cbc4bde0d9d2f5eee700000e0700231c1538312a4d463f625b54"
      "7770690000";
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  testing::TempDir tmp;
  testing::write_bytes(tmp / "empty.bmp", bytes);
  const std::string err = testing::error_of([&] { read_image(tmp / "empty.bmp"); });
  EXPECT_NE(err.find((tmp / "empty.bmp").string() + ": not a readable image (it is 0 x 983040 pixels)"),
            std::string::npos)
      << err;
}

// Found by `make fuzz` (fuzz_csv): a number that is finite as a double but not as the float the
// table is stored in.
TEST(ReaderLimits, CsvNumberTooLargeForAFloatIsRejected) {
  testing::TempDir tmp;
  testing::write_bytes(tmp / "big.csv", "a,b\n1,2\n3," + std::string(60, '1') + "\n");
  const std::string err = testing::error_of([&] { read_csv(tmp / "big.csv", CsvOptions{}); });
  EXPECT_NE(err.find((tmp / "big.csv").string() + ": line 3, column 2 ('b'): '111"), std::string::npos) << err;
  EXPECT_NE(err.find("is too large for a 32-bit float"), std::string::npos) << err;
}

}  // namespace
}  // namespace latent
