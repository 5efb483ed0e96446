// Image files through stb_image, resizing through bilinear interpolation.
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#include "latent/data/image_io.h"

#include <stb_image.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>

#include "latent/core/error.h"

namespace latent {

namespace {

// stb_image (Debian's 2022 snapshot) writes past its size table when a JPEG Huffman table
// declares more than 256 codes (found by tests/fuzz/fuzz_image.cpp). Walks the JPEG's segments
// (entropy-coded data included, for tables between progressive scans) and rejects such a
// table before stb sees it. Anything else malformed is left to stb, which reports it.
void check_jpeg_huffman_tables(const std::string& b, const std::filesystem::path& path) {
  const size_t n = b.size();
  auto byte = [&](size_t i) { return static_cast<unsigned char>(b[i]); };
  size_t i = 2;  // after SOI
  while (i + 1 < n) {
    if (byte(i) != 0xFF) {  // stb skips stray bytes between segments, looking for the next marker
      ++i;
      continue;
    }
    unsigned char marker = byte(i + 1);
    if (marker == 0xFF) {  // fill byte
      ++i;
      continue;
    }
    i += 2;
    if (marker == 0xD9) return;                                          // EOI
    if ((marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) continue;  // no length
    if (i + 2 > n) return;
    const size_t length = (static_cast<size_t>(byte(i)) << 8) | byte(i + 1);
    if (length < 2) return;
    if (marker == 0xC4) {
      // stb reads a table even when the segment runs past the end of the file (as zeros).
      auto at = [&](size_t k) { return k < n ? byte(k) : 0u; };
      for (size_t t = i + 2; t < i + length && t < n;) {
        size_t codes = 0;
        for (size_t k = 1; k <= 16; ++k) codes += at(t + k);
        if (codes > 256)
          throw Error(path.string() + ": not a readable image (a JPEG Huffman table with " + std::to_string(codes) +
                      " codes; at most 256 are allowed)");
        t += 17 + codes;
      }
    }
    if (i + length > n) return;
    i += length;
    if (marker == 0xDA) {  // entropy-coded data up to the next marker that is not a stuffed 0 or a restart
      while (i + 1 < n && !(byte(i) == 0xFF && byte(i + 1) != 0x00 && !(byte(i + 1) >= 0xD0 && byte(i + 1) <= 0xD7)))
        ++i;
    }
  }
}

}  // namespace

torch::Tensor read_image(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw Error(path.string() + ": no such image file");
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path.string() + ": cannot open (" + std::strerror(errno) + ")");
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (in.bad()) throw Error(path.string() + ": read error");
  }
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max()))
    throw Error(path.string() + ": image file larger than 2 GiB");
  const auto* data = reinterpret_cast<const stbi_uc*>(bytes.data());
  const int size = static_cast<int>(bytes.size());
  if (bytes.size() >= 2 && data[0] == 0xFF && data[1] == 0xD8) check_jpeg_huffman_tables(bytes, path);
  int w = 0, h = 0, c = 0;
  // The header's size is checked before anything is allocated for the pixels.
  if (!stbi_info_from_memory(data, size, &w, &h, &c))
    throw Error(path.string() + ": not a readable image (" + stbi_failure_reason() + ")");
  if (w <= 0 || h <= 0)
    throw Error(path.string() + ": not a readable image (it is " + std::to_string(w) + " x " + std::to_string(h) +
                " pixels)");
  if (static_cast<int64_t>(w) * h > kMaxImagePixels)
    throw Error(path.string() + ": a " + std::to_string(w) + " x " + std::to_string(h) +
                " image, larger than the limit of " + std::to_string(kMaxImagePixels) + " pixels");
  unsigned char* pixels = stbi_load_from_memory(data, size, &w, &h, &c, 0);
  if (!pixels) throw Error(path.string() + ": not a readable image (" + stbi_failure_reason() + ")");
  if (w <= 0 || h <= 0 || c < 1 || c > 4) {
    stbi_image_free(pixels);
    throw Error(path.string() + ": not a readable image (" + std::to_string(w) + " x " + std::to_string(h) +
                " pixels, " + std::to_string(c) + " channels)");
  }
  auto hwc = torch::from_blob(pixels, {h, w, c}, torch::kUInt8).clone();
  stbi_image_free(pixels);
  auto image = hwc.permute({2, 0, 1}).to(torch::kFloat32).div_(255.0);
  if (c == 2) image = image.slice(0, 0, 1);  // gray + alpha
  if (c == 4) image = image.slice(0, 0, 3);  // RGB + alpha
  return image.contiguous();
}

torch::Tensor fit_image(const torch::Tensor& image, const std::vector<int64_t>& shape,
                        const std::filesystem::path& path) {
  check(image.dim() == 3, path.string() + ": expected a (C, H, W) image");
  if (shape.size() != 3 || (shape[0] != 1 && shape[0] != 3)) {
    std::string s;
    for (auto d : shape) s += (s.empty() ? "" : ", ") + std::to_string(d);
    throw Error("the model takes inputs of shape (" + s + "), not images");
  }
  auto x = image;
  if (shape[0] == 3 && x.size(0) == 1) x = x.expand({3, x.size(1), x.size(2)});
  if (shape[0] == 1 && x.size(0) == 3) {
    if (!torch::equal(x[0], x[1]) || !torch::equal(x[0], x[2]))
      throw Error(path.string() + ": a colour (RGB) image, but the model takes 1-channel (grayscale) images");
    x = x.slice(0, 0, 1);
  }
  if (x.size(1) != shape[1] || x.size(2) != shape[2]) {
    namespace F = torch::nn::functional;
    x = F::interpolate(x.unsqueeze(0), F::InterpolateFuncOptions()
                                           .size(std::vector<int64_t>{shape[1], shape[2]})
                                           .mode(torch::kBilinear)
                                           .align_corners(false))
            .squeeze(0)
            .clamp(0.0, 1.0);
  }
  return x.contiguous();
}

}  // namespace latent
