// Hand-built .npy and .npz bytes for the tests of data/npy.h and data/medmnist.h, written from the
// format's description (numpy's format.py, the zip specification), not with latent's own writer.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace latent::testing {

// v as `bytes` little-endian bytes.
inline std::string le(uint64_t v, int bytes) {
  std::string out;
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  return out;
}

// A .npy file built by hand: magic, version, header length, the dict as given, then `data`.
inline std::string npy_raw(const std::string& dict, const std::string& data, int major = 1) {
  std::string out("\x93NUMPY", 6);
  out.push_back(static_cast<char>(major));
  out.push_back(0);
  out += le(dict.size(), major == 1 ? 2 : 4);
  return out + dict + data;
}

inline std::string dict(const std::string& descr, const std::string& shape, bool fortran = false) {
  return "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape +
         ", }\n";
}

// CRC-32 as zip uses it (the IEEE polynomial, reflected).
inline uint32_t crc32(const std::string& data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

// A zip archive of stored (uncompressed) members built by hand, independent of libzip's writer.
inline std::string stored_zip(const std::vector<std::pair<std::string, std::string>>& members) {
  std::string body, central;
  for (const auto& [name, data] : members) {
    const uint32_t offset = static_cast<uint32_t>(body.size());
    const std::string sizes = le(crc32(data), 4) + le(data.size(), 4) + le(data.size(), 4);
    body += le(0x04034b50, 4) + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0x21, 2) + sizes + le(name.size(), 2) +
            le(0, 2) + name + data;
    central += le(0x02014b50, 4) + le(20, 2) + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0x21, 2) + sizes +
               le(name.size(), 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(offset, 4) + name;
  }
  const std::string end = le(0x06054b50, 4) + le(0, 2) + le(0, 2) + le(members.size(), 2) + le(members.size(), 2) +
                          le(central.size(), 4) + le(body.size(), 4) + le(0, 2);
  return body + central + end;
}

}  // namespace latent::testing
