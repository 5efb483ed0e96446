// Reader and writer for IDX files (the MNIST / Fashion-MNIST format), plain or gzipped.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

namespace latent {

struct IdxArray {
  std::vector<int64_t> dims;   // e.g. {60000, 28, 28}
  std::vector<uint8_t> bytes;  // row-major, product(dims) bytes
  int64_t count() const { return dims.empty() ? 0 : dims[0]; }
};

// Reads an unsigned-byte IDX file. Gzip is detected from the content, not the name.
// Throws Error naming the file for a wrong magic number, an unsupported element type,
// truncated or trailing data, or a header whose sizes do not fit.
IdxArray read_idx(const std::filesystem::path& path);

// Parses IDX bytes already in memory (the file name is used in messages only).
IdxArray parse_idx(const std::vector<uint8_t>& data, const std::string& name);

// Whether this build reads gzipped IDX files (LATENT_WITH_ZLIB); without it read_idx refuses them
// with an Error that says to gunzip the file.
bool gzip_supported();

// Writes a plain (uncompressed) unsigned-byte IDX file atomically.
void write_idx(const std::filesystem::path& path, const std::vector<int64_t>& dims, const std::vector<uint8_t>& bytes);

}  // namespace latent
