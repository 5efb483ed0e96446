// IDX files: header parsing with every size checked before anything is allocated from it.
#include "latent/data/idx.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>

#ifdef LATENT_WITH_ZLIB
#include <zlib.h>
#endif

#include "latent/core/error.h"
#include "latent/core/fs.h"

namespace latent {

namespace {

constexpr uint8_t kUnsignedByte = 0x08;
constexpr int64_t kMaxBytes = int64_t{1} << 36;  // 64 GiB: larger is certainly a broken header

std::vector<uint8_t> read_raw(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string() + ": cannot open (" + std::strerror(errno) + ")");
  std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(path.string() + ": read error");
  return data;
}

bool is_gzip(const std::vector<uint8_t>& data) { return data.size() >= 2 && data[0] == 0x1f && data[1] == 0x8b; }

std::vector<uint8_t> gunzip(const std::vector<uint8_t>& in, const std::string& name) {
#ifdef LATENT_WITH_ZLIB
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) throw Error(name + ": cannot start gzip decoder");
  std::vector<uint8_t> out;
  std::vector<uint8_t> chunk(1 << 20);
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = chunk.data();
    zs.avail_out = static_cast<uInt>(chunk.size());
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      throw Error(name + ": corrupt gzip data" + (rc == Z_BUF_ERROR ? " (truncated)" : ""));
    }
    out.insert(out.end(), chunk.data(), chunk.data() + (chunk.size() - zs.avail_out));
    if (static_cast<int64_t>(out.size()) > kMaxBytes) {
      inflateEnd(&zs);
      throw Error(name + ": decompressed data larger than 64 GiB");
    }
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {
      inflateEnd(&zs);
      throw Error(name + ": corrupt gzip data (truncated)");
    }
  }
  inflateEnd(&zs);
  return out;
#else
  (void)in;
  throw Error(name + ": gzipped file, but latent was built without zlib (gunzip it first)");
#endif
}

uint32_t be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

}  // namespace

IdxArray parse_idx(const std::vector<uint8_t>& data, const std::string& name) {
  if (data.size() < 4) throw Error(name + ": not an IDX file (shorter than its 4-byte magic number)");
  if (data[0] != 0 || data[1] != 0) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "0x%02x%02x%02x%02x", data[0], data[1], data[2], data[3]);
    throw Error(name + ": wrong magic number " + buf + " (not an IDX file)");
  }
  if (data[2] != kUnsignedByte) {
    char buf[8];
    std::snprintf(buf, sizeof(buf), "0x%02x", data[2]);
    throw Error(name + ": unsupported IDX element type " + buf + " (only unsigned bytes, 0x08)");
  }
  const int ndims = data[3];
  if (ndims < 1 || ndims > 4)
    throw Error(name + ": IDX header gives " + std::to_string(ndims) + " dimensions (1 to 4 expected)");
  const size_t header = 4 + 4 * static_cast<size_t>(ndims);
  if (data.size() < header) throw Error(name + ": truncated IDX header");
  IdxArray out;
  int64_t total = 1;
  for (int i = 0; i < ndims; ++i) {
    const int64_t d = be32(&data[4 + 4 * i]);
    out.dims.push_back(d);
    if (d > 0 && total > kMaxBytes / d)
      throw Error(name + ": IDX header sizes overflow (" + std::to_string(d) + " in dimension " + std::to_string(i) +
                  ")");
    total *= d;
  }
  const int64_t available = static_cast<int64_t>(data.size() - header);
  if (available < total)
    throw Error(name + ": truncated data (header says " + std::to_string(total) + " bytes, file has " +
                std::to_string(available) + ")");
  if (available > total)
    throw Error(name + ": " + std::to_string(available - total) +
                " unexpected bytes after the data the header describes");
  out.bytes.assign(data.begin() + static_cast<std::ptrdiff_t>(header), data.end());
  return out;
}

bool gzip_supported() {
#ifdef LATENT_WITH_ZLIB
  return true;
#else
  return false;
#endif
}

IdxArray read_idx(const std::filesystem::path& path) {
  std::vector<uint8_t> raw = read_raw(path);
  if (is_gzip(raw)) raw = gunzip(raw, path.string());
  return parse_idx(raw, path.string());
}

void write_idx(const std::filesystem::path& path, const std::vector<int64_t>& dims, const std::vector<uint8_t>& bytes) {
  int64_t total = 1;
  for (auto d : dims) total *= d;
  check(static_cast<int64_t>(bytes.size()) == total, path.string() + ": IDX dims do not match the data size");
  std::string out;
  out.push_back(0);
  out.push_back(0);
  out.push_back(static_cast<char>(kUnsignedByte));
  out.push_back(static_cast<char>(dims.size()));
  for (auto d : dims) {
    const auto v = static_cast<uint32_t>(d);
    out.push_back(static_cast<char>(v >> 24));
    out.push_back(static_cast<char>(v >> 16));
    out.push_back(static_cast<char>(v >> 8));
    out.push_back(static_cast<char>(v));
  }
  out.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  write_file_atomic(path, out);
}

}  // namespace latent
