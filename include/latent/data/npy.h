// NumPy's .npy arrays and .npz archives (zip files of .npy members, read and written through
// libzip), without Python.
//
// .npy: the magic "\x93NUMPY", a version (1.0: 2-byte header length; 2.0 and 3.0: 4-byte, 3.0 with
// a UTF-8 header), a Python dict literal {'descr': ..., 'fortran_order': ..., 'shape': (...)} padded
// with spaces and a newline, then the raw elements. Read types and the tensor dtype they become:
//   |u1 → uint8, |i1 → int8, |b1 → bool, i2 → int16, i4 → int32, i8 → int64, f2 → half, f4 → float,
//   f8 → double, u2 → int32 and u4 → int64 (widened: LibTorch has no such unsigned types), u8 → int64
//   (refused with an Error when a value is above 2^63 − 1).
// Little-endian ('<'), big-endian ('>', converted), native ('=') and no-order ('|') prefixes are all
// read. Object arrays ('|O', pickled), strings, complex numbers and structured types are refused with
// an Error that names the type. A Fortran-order array is returned C-contiguous with the same shape
// and values. Every size in the header is checked before anything is allocated from it (at most
// 64 GiB of data), and the data must be exactly shape product × item size bytes.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace latent {

// Parses .npy bytes already in memory (`name` is used in messages only).
torch::Tensor parse_npy(const uint8_t* data, size_t size, const std::string& name);

// Reads a .npy file.
torch::Tensor read_npy(const std::filesystem::path& path);

// The .npy encoding (version 1.0, or 2.0 when the header needs it; C order, little-endian) of a CPU
// or device tensor of dtype uint8, int8, bool, int16, int32, int64, half, float or double. Other
// dtypes throw Error.
std::string npy_bytes(const torch::Tensor& tensor);

// Writes `tensor` as a .npy file atomically.
void write_npy(const std::filesystem::path& path, const torch::Tensor& tensor);

// Whether this build reads and writes .npz archives (LATENT_WITH_LIBZIP); without libzip NpzReader,
// read_npz and write_npz throw an Error that says so (the .npy functions work either way).
bool npz_supported();

// An open .npz archive: its member names, and any one member decoded on its own. Names are those
// of the zip members without ".npy" (np.savez's keys). Throws Error naming the file when it cannot
// be opened or is not a zip archive. One reader is used by one thread at a time (libzip's handle is
// shared by its reads).
class NpzReader {
 public:
  explicit NpzReader(const std::filesystem::path& path);
  ~NpzReader();
  NpzReader(const NpzReader&) = delete;
  NpzReader& operator=(const NpzReader&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Member names in archive order.
  const std::vector<std::string>& names() const { return names_; }
  bool contains(const std::string& name) const;
  // Decodes one member. Throws Error naming the file and the member when it is missing (listing
  // those present, with a "did you mean"), corrupt (libzip's CRC or decompression error), longer or
  // shorter than its declared size, or not a valid .npy array.
  torch::Tensor read(const std::string& name) const;

 private:
  struct Archive;
  std::filesystem::path path_;
  std::unique_ptr<Archive> archive_;
  std::vector<std::string> names_;
  std::vector<int64_t> index_;  // zip index of names_[i]
};

// Every member of an .npz archive, by name.
std::map<std::string, torch::Tensor> read_npz(const std::filesystem::path& path);

// The member names of an .npz archive, in archive order.
std::vector<std::string> list_npz(const std::filesystem::path& path);

// One member of an .npz archive; the others are not decoded.
torch::Tensor read_npz_member(const std::filesystem::path& path, const std::string& name);

// Writes an .npz archive atomically (temporary file + rename): one "<name>.npy" member per entry,
// deflated when `compress` (np.savez_compressed) or stored (np.savez).
void write_npz(const std::filesystem::path& path, const std::map<std::string, torch::Tensor>& arrays,
               bool compress = true);

}  // namespace latent
