// .npy parsing (header dict, dtype, shape, data) and .npz archives through libzip. Every size is
// checked before anything is allocated from it; the data is read straight into the tensor.
#include "latent/data/npy.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>

#include "latent/core/error.h"
#include "latent/core/fs.h"
#include "latent/core/text.h"

#ifdef LATENT_WITH_LIBZIP
#include <zip.h>
#endif

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "latent's .npy reader and writer assume a little-endian machine"
#endif

namespace latent {

namespace {

constexpr int64_t kMaxBytes = int64_t{1} << 36;   // 64 GiB: larger is certainly a broken header
constexpr int64_t kMaxHeader = int64_t{1} << 20;  // numpy's own headers are a few hundred bytes
constexpr size_t kMaxDims = 64;
const char kMagic[] = "\x93NUMPY";

// Where the bytes of one .npy come from: memory, a file, a zip member. read() returns fewer than n
// bytes only at the end of the data; a read error throws.
using ReadFn = std::function<size_t(void* out, size_t n)>;

// What the header says.
struct NpyHeader {
  std::string descr;
  bool fortran_order = false;
  std::vector<int64_t> shape;
};

// A recursive-descent reader of the header's Python dict literal: string keys, and values that are
// strings, True/False or tuples of non-negative integers. Anything else is an error naming the file.
class HeaderParser {
 public:
  HeaderParser(const std::string& text, const std::string& name) : s_(text), name_(name) {}

  NpyHeader parse() {
    NpyHeader h;
    bool has_descr = false, has_order = false, has_shape = false;
    skip_space();
    expect('{', "header is not a Python dict");
    skip_space();
    while (peek() != '}') {
      const std::string key = parse_string("a dict key");
      skip_space();
      expect(':', "expected ':' after key '" + key + "'");
      skip_space();
      if (key == "descr") {
        if (peek() == '[') fail("structured dtype (a list of fields) is not supported");
        h.descr = parse_string("the 'descr' value");
        set_once(has_descr, key);
      } else if (key == "fortran_order") {
        h.fortran_order = parse_bool(key);
        set_once(has_order, key);
      } else if (key == "shape") {
        h.shape = parse_shape();
        set_once(has_shape, key);
      } else {
        fail("unexpected key '" + key + "' (a .npy header has 'descr', 'fortran_order' and 'shape')");
      }
      skip_space();
      if (peek() == ',') {
        ++i_;
        skip_space();
      } else if (peek() != '}') {
        fail("expected ',' or '}' after the value of '" + key + "'");
      }
    }
    ++i_;
    skip_space();
    if (i_ != s_.size()) fail("unexpected text after the header dict");
    if (!has_descr) fail("header has no 'descr' key");
    if (!has_order) fail("header has no 'fortran_order' key");
    if (!has_shape) fail("header has no 'shape' key");
    return h;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw Error(name_ + ": bad .npy header: " + what); }
  char peek() const {
    if (i_ >= s_.size()) fail("header ends early");
    return s_[i_];
  }
  void expect(char c, const std::string& what) {
    if (i_ >= s_.size() || s_[i_] != c) fail(what);
    ++i_;
  }
  void skip_space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  void set_once(bool& seen, const std::string& key) {
    if (seen) fail("key '" + key + "' appears twice");
    seen = true;
  }
  std::string parse_string(const std::string& what) {
    const char q = peek();
    if (q != '\'' && q != '"') fail("expected a quoted string for " + what);
    const size_t end = s_.find(q, i_ + 1);
    if (end == std::string::npos) fail("unterminated string");
    std::string out = s_.substr(i_ + 1, end - i_ - 1);
    if (out.find('\\') != std::string::npos) fail("escape sequence in string '" + out + "'");
    i_ = end + 1;
    return out;
  }
  bool parse_bool(const std::string& key) {
    if (s_.compare(i_, 4, "True") == 0) {
      i_ += 4;
      return true;
    }
    if (s_.compare(i_, 5, "False") == 0) {
      i_ += 5;
      return false;
    }
    fail("'" + key + "' is not True or False");
  }
  std::vector<int64_t> parse_shape() {
    expect('(', "'shape' is not a tuple");
    std::vector<int64_t> shape;
    skip_space();
    while (peek() != ')') {
      if (!std::isdigit(static_cast<unsigned char>(peek()))) fail("'shape' holds something other than sizes");
      int64_t v = 0;
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) {
        v = v * 10 + (s_[i_++] - '0');
        if (v > kMaxBytes) fail("size in 'shape' too large (overflow)");
      }
      if (i_ < s_.size() && s_[i_] == 'L') ++i_;  // Python 2's long integers
      shape.push_back(v);
      if (shape.size() > kMaxDims) fail("'shape' has more than 64 dimensions");
      skip_space();
      if (peek() == ',') {
        ++i_;
        skip_space();
      } else if (peek() != ')') {
        fail("expected ',' or ')' in 'shape'");
      }
    }
    ++i_;
    return shape;
  }

  const std::string& s_;
  const std::string& name_;
  size_t i_ = 0;
};

// How the elements of one descr are stored and what tensor dtype they become.
struct NpyType {
  torch::ScalarType stored;  // the dtype whose bytes match the file's element
  torch::ScalarType result;  // what the caller gets (wider for unsigned 16/32/64-bit)
  int64_t itemsize = 1;
  bool big_endian = false;
  bool is_unsigned = false;  // u2/u4/u8, widened after reading
};

NpyType npy_type(const std::string& descr, const std::string& name) {
  auto unsupported = [&](const std::string& why) -> Error {
    return Error(name + ": unsupported dtype '" + descr + "'" + why);
  };
  const std::string supported = " (supported: |u1 |i1 |b1 and <i2 <i4 <i8 <u2 <u4 <u8 <f2 <f4 <f8, '>' too)";
  if (descr.size() < 2) throw unsupported(supported);
  const char order = descr[0];
  if (order != '<' && order != '>' && order != '|' && order != '=') throw unsupported(supported);
  const char kind = descr[1];
  if (kind == 'O') throw unsupported(" (object arrays hold pickled Python objects; latent reads numeric arrays only)");
  const std::string digits = descr.substr(2);
  if (digits.empty() || digits.size() > 2 || !std::all_of(digits.begin(), digits.end(), ::isdigit))
    throw unsupported(supported);
  const int size = std::stoi(digits);
  NpyType t{torch::kUInt8, torch::kUInt8, size, order == '>', false};
  if (kind == 'b' && size == 1) {
    t.stored = t.result = torch::kBool;
  } else if (kind == 'i' && (size == 1 || size == 2 || size == 4 || size == 8)) {
    t.stored = t.result = size == 1   ? torch::kInt8
                          : size == 2 ? torch::kInt16
                          : size == 4 ? torch::kInt32
                                      : torch::kInt64;
  } else if (kind == 'u' && size == 1) {
    t.stored = t.result = torch::kUInt8;
  } else if (kind == 'u' && (size == 2 || size == 4 || size == 8)) {
    t.stored = size == 2 ? torch::kInt16 : size == 4 ? torch::kInt32 : torch::kInt64;
    t.result = size == 2 ? torch::kInt32 : torch::kInt64;
    t.is_unsigned = true;
  } else if (kind == 'f' && (size == 2 || size == 4 || size == 8)) {
    t.stored = t.result = size == 2 ? torch::kHalf : size == 4 ? torch::kFloat : torch::kDouble;
  } else {
    throw unsupported(supported);
  }
  if (size == 1) t.big_endian = false;
  return t;
}

void byteswap(uint8_t* p, int64_t count, int64_t itemsize) {
  for (int64_t i = 0; i < count; ++i, p += itemsize) std::reverse(p, p + itemsize);
}

uint32_t le32(const uint8_t* p) {
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}

// Reads exactly n bytes, or throws Error naming what was missing.
void read_exact(const ReadFn& read, void* out, size_t n, const std::string& name, const std::string& what) {
  const size_t got = read(out, n);
  if (got != n)
    throw Error(name + ": truncated " + what + " (" + std::to_string(n) + " bytes expected, " + std::to_string(got) +
                " present)");
}

// When the header disagrees with a container's declared size, reads the rest of the stream (a
// fixed-size buffer at a time) to tell whether the declared size itself is wrong, and throws that.
// `consumed` bytes were read already. Returns when the stream is as long as declared.
void check_declared_size(const ReadFn& read, int64_t consumed, int64_t size, const std::string& name) {
  std::vector<uint8_t> buffer(1 << 16);
  int64_t total = consumed;
  while (total <= size) {
    const size_t got = read(buffer.data(), buffer.size());
    total += static_cast<int64_t>(got);
    if (got < buffer.size()) break;
  }
  if (total > size) throw Error(name + ": larger than its declared size (" + std::to_string(size) + " bytes)");
  if (total < size)
    throw Error(name + ": shorter than its declared size (" + std::to_string(total) + " of " + std::to_string(size) +
                " bytes)");
}

// Parses one .npy of `size` bytes from `read`. `declared`: the size is a container's claim (a zip
// member's), checked against the stream when the header disagrees with it.
torch::Tensor parse_npy_stream(const ReadFn& read, int64_t size, const std::string& name, bool declared = false) {
  uint8_t lead[12];
  const size_t got = read(lead, 8);
  if (got < 6 || std::memcmp(lead, kMagic, 6) != 0)
    throw Error(name + ": bad magic (not a .npy file; it starts with \\x93NUMPY)");
  if (got < 8) throw Error(name + ": truncated .npy header (no version)");
  const int major = lead[6], minor = lead[7];
  size_t header_len = 0, prefix = 0;
  if (major == 1 && minor == 0) {
    read_exact(read, lead + 8, 2, name, ".npy header");
    header_len = size_t{lead[8]} | (size_t{lead[9]} << 8);
    prefix = 10;
  } else if ((major == 2 || major == 3) && minor == 0) {
    read_exact(read, lead + 8, 4, name, ".npy header");
    header_len = le32(lead + 8);
    prefix = 12;
  } else {
    throw Error(name + ": unsupported .npy version " + std::to_string(major) + "." + std::to_string(minor) +
                " (1.0, 2.0 and 3.0 are read)");
  }
  if (static_cast<int64_t>(header_len) > kMaxHeader)
    throw Error(name + ": .npy header length " + std::to_string(header_len) + " is too large (broken header)");
  if (static_cast<int64_t>(prefix + header_len) > size) {
    if (declared) check_declared_size(read, static_cast<int64_t>(prefix), size, name);
    throw Error(name + ": truncated .npy header (" + std::to_string(header_len) + " bytes declared, " +
                std::to_string(std::max<int64_t>(0, size - static_cast<int64_t>(prefix))) + " present)");
  }
  std::string text(header_len, '\0');
  read_exact(read, text.data(), header_len, name, ".npy header");
  const NpyHeader h = HeaderParser(text, name).parse();
  const NpyType type = npy_type(h.descr, name);

  int64_t count = 1;
  for (size_t i = 0; i < h.shape.size(); ++i) {
    const int64_t d = h.shape[i];
    if (d > 0 && count > kMaxBytes / type.itemsize / d)
      throw Error(name + ": .npy shape overflows (" + std::to_string(d) + " in dimension " + std::to_string(i) +
                  "; more than 64 GiB)");
    count *= d;
  }
  const int64_t bytes = count * type.itemsize;
  const int64_t available = size - static_cast<int64_t>(prefix + header_len);
  if (declared && available != bytes) check_declared_size(read, static_cast<int64_t>(prefix + header_len), size, name);
  if (available < bytes)
    throw Error(name + ": truncated data (the header's shape and dtype give " + std::to_string(bytes) +
                " bytes, there are " + std::to_string(available) + ")");
  if (available > bytes)
    throw Error(name + ": " + std::to_string(available - bytes) +
                " unexpected bytes after the data the header describes");

  // Fortran order stores the transpose in C order: read with the shape reversed, then permute back.
  std::vector<int64_t> stored_shape = h.shape;
  if (h.fortran_order) std::reverse(stored_shape.begin(), stored_shape.end());
  torch::Tensor t = torch::empty(stored_shape, torch::TensorOptions().dtype(type.stored));
  auto* p = static_cast<uint8_t*>(t.data_ptr());
  if (bytes > 0) read_exact(read, p, static_cast<size_t>(bytes), name, "data");
  uint8_t extra;
  if (read(&extra, 1) != 0) throw Error(name + ": data continues past its declared size");

  if (type.big_endian && type.itemsize > 1) byteswap(p, count, type.itemsize);
  if (type.stored == torch::kBool)  // any non-zero byte is True, as numpy reads it
    for (int64_t i = 0; i < count; ++i) p[i] = p[i] != 0;
  if (type.is_unsigned) {
    if (type.itemsize == 8) {
      const auto* v = reinterpret_cast<const int64_t*>(p);
      for (int64_t i = 0; i < count; ++i)
        if (v[i] < 0)
          throw Error(name + ": uint64 value above 2^63 - 1 at element " + std::to_string(i) +
                      " (read as int64, it does not fit)");
    } else {
      const int64_t mask = type.itemsize == 2 ? 0xFFFF : 0xFFFFFFFFLL;
      t = t.to(type.result).bitwise_and_(mask);
    }
  }
  if (h.fortran_order && t.dim() > 1) {
    std::vector<int64_t> perm(static_cast<size_t>(t.dim()));
    for (size_t i = 0; i < perm.size(); ++i) perm[i] = static_cast<int64_t>(perm.size() - 1 - i);
    t = t.permute(perm).contiguous();
  }
  return t;
}

const char* npy_descr(torch::ScalarType type) {
  switch (type) {
    case torch::kUInt8:
      return "|u1";
    case torch::kInt8:
      return "|i1";
    case torch::kBool:
      return "|b1";
    case torch::kInt16:
      return "<i2";
    case torch::kInt32:
      return "<i4";
    case torch::kInt64:
      return "<i8";
    case torch::kHalf:
      return "<f2";
    case torch::kFloat:
      return "<f4";
    case torch::kDouble:
      return "<f8";
    default:
      return nullptr;
  }
}

#ifdef LATENT_WITH_LIBZIP
std::string zip_error_text(int code) {
  zip_error_t ze;
  zip_error_init_with_code(&ze, code);
  std::string text = zip_error_strerror(&ze);
  zip_error_fini(&ze);
  return text;
}
#endif

#ifndef LATENT_WITH_LIBZIP
// The Error for .npz work in a build without libzip.
[[noreturn]] void no_libzip(const std::filesystem::path& path) {
  throw Error(path.string() +
              ": .npz archives need libzip, and this latent was built without it (LATENT_WITH_LIBZIP=OFF)");
}
#endif

constexpr const char* kNpySuffix = ".npy";

}  // namespace

torch::Tensor parse_npy(const uint8_t* data, size_t size, const std::string& name) {
  size_t pos = 0;
  ReadFn read = [&](void* out, size_t n) {
    const size_t k = std::min(n, size - pos);
    if (k > 0) std::memcpy(out, data + pos, k);
    pos += k;
    return k;
  };
  return parse_npy_stream(read, static_cast<int64_t>(size), name);
}

torch::Tensor read_npy(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string() + ": cannot open (" + std::strerror(errno) + ")");
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw Error(path.string() + ": cannot read (" + ec.message() + ")");
  ReadFn read = [&](void* out, size_t n) {
    in.read(static_cast<char*>(out), static_cast<std::streamsize>(n));
    if (in.bad()) throw Error(path.string() + ": read error");
    return static_cast<size_t>(in.gcount());
  };
  return parse_npy_stream(read, static_cast<int64_t>(size), path.string());
}

std::string npy_bytes(const torch::Tensor& tensor) {
  const char* descr = npy_descr(tensor.scalar_type());
  if (!descr) throw Error(std::string("cannot write dtype ") + c10::toString(tensor.scalar_type()) + " as .npy");
  const torch::Tensor t = tensor.cpu().contiguous();
  std::string shape = "(";  // Python's tuple: (), (5,), (2, 3)
  for (int64_t i = 0; i < t.dim(); ++i) shape += (i > 0 ? ", " : "") + std::to_string(t.size(i));
  shape += t.dim() == 1 ? ",)" : ")";
  std::string dict = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad with spaces and a newline so that the data starts on a multiple of 64 bytes, as numpy does.
  size_t prefix = 10;
  if (dict.size() + 1 + prefix > 65535) prefix = 12;
  const size_t total = (prefix + dict.size() + 1 + 63) / 64 * 64;
  dict.append(total - prefix - dict.size() - 1, ' ');
  dict.push_back('\n');
  const size_t len = dict.size();
  std::string out(kMagic, 6);
  out.push_back(static_cast<char>(prefix == 10 ? 1 : 2));
  out.push_back(0);
  for (size_t i = 0; i < prefix - 8; ++i) out.push_back(static_cast<char>((len >> (8 * i)) & 0xFF));
  out += dict;
  out.append(static_cast<const char*>(t.data_ptr()), static_cast<size_t>(t.numel() * t.element_size()));
  return out;
}

void write_npy(const std::filesystem::path& path, const torch::Tensor& tensor) {
  write_file_atomic(path, npy_bytes(tensor));
}

bool npz_supported() {
#ifdef LATENT_WITH_LIBZIP
  return true;
#else
  return false;
#endif
}

struct NpzReader::Archive {
#ifdef LATENT_WITH_LIBZIP
  zip_t* zip = nullptr;
  ~Archive() {
    if (zip) zip_discard(zip);
  }
#endif
};

NpzReader::NpzReader(const std::filesystem::path& path) : path_(path), archive_(std::make_unique<Archive>()) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw Error(path.string() + ": cannot open (no such file)");
  if (std::filesystem::file_size(path, ec) == 0) throw Error(path.string() + ": empty file, not a zip archive (.npz)");
#ifndef LATENT_WITH_LIBZIP
  no_libzip(path);
#else
  int code = 0;
  archive_->zip = zip_open(path.c_str(), ZIP_RDONLY, &code);
  if (!archive_->zip) {
    if (code == ZIP_ER_NOZIP) throw Error(path.string() + ": not a zip archive (an .npz file is one)");
    throw Error(path.string() + ": cannot open as a zip archive (" + zip_error_text(code) + ")");
  }
  const zip_int64_t n = zip_get_num_entries(archive_->zip, 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    const char* raw = zip_get_name(archive_->zip, static_cast<zip_uint64_t>(i), ZIP_FL_ENC_GUESS);
    if (!raw) continue;
    std::string name = raw;
    if (!name.empty() && name.back() == '/') continue;  // a folder entry
    if (name.size() > 4 && name.compare(name.size() - 4, 4, kNpySuffix) == 0) name.resize(name.size() - 4);
    if (contains(name)) continue;
    names_.push_back(name);
    index_.push_back(i);
  }
#endif
}

NpzReader::~NpzReader() = default;

bool NpzReader::contains(const std::string& name) const {
  return std::find(names_.begin(), names_.end(), name) != names_.end();
}

torch::Tensor NpzReader::read(const std::string& name) const {
  const auto it = std::find(names_.begin(), names_.end(), name);
  if (it == names_.end()) {
    std::string present;
    for (const auto& n : names_) present += (present.empty() ? "" : ", ") + n;
    const std::string near = nearest_name(name, names_);
    throw Error(path_.string() + ": no member '" + name + "' (members: " + (present.empty() ? "none" : present) + ")" +
                (near.empty() ? "" : "; did you mean '" + near + "'?"));
  }
#ifndef LATENT_WITH_LIBZIP
  no_libzip(path_);
#else
  const auto index = static_cast<zip_uint64_t>(index_[static_cast<size_t>(it - names_.begin())]);
  const std::string member = zip_get_name(archive_->zip, index, ZIP_FL_ENC_GUESS);
  const std::string where = path_.string() + ": member '" + member + "'";
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat_index(archive_->zip, index, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
    throw Error(where + ": cannot read its size (" + zip_strerror(archive_->zip) + ")");
  if (st.size > static_cast<zip_uint64_t>(kMaxBytes + kMaxHeader))
    throw Error(where + ": declared size " + std::to_string(st.size) + " is larger than 64 GiB (broken archive)");
  zip_file_t* file = zip_fopen_index(archive_->zip, index, 0);
  if (!file) throw Error(where + ": cannot open (" + zip_strerror(archive_->zip) + ")");
  std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> closer(file, zip_fclose);
  zip_uint64_t done = 0;
  ReadFn read = [&](void* out, size_t n) {
    size_t total = 0;
    while (total < n) {
      const zip_int64_t k = zip_fread(file, static_cast<char*>(out) + total, n - total);
      if (k < 0) throw Error(where + ": corrupt data (" + zip_file_strerror(file) + ")");
      if (k == 0) break;
      total += static_cast<size_t>(k);
    }
    done += total;
    if (done > st.size) throw Error(where + ": larger than its declared size (" + std::to_string(st.size) + " bytes)");
    return total;
  };
  return parse_npy_stream(read, static_cast<int64_t>(st.size), where, /*declared=*/true);
#endif
}

std::map<std::string, torch::Tensor> read_npz(const std::filesystem::path& path) {
  NpzReader reader(path);
  std::map<std::string, torch::Tensor> out;
  for (const auto& name : reader.names()) out.emplace(name, reader.read(name));
  return out;
}

std::vector<std::string> list_npz(const std::filesystem::path& path) { return NpzReader(path).names(); }

torch::Tensor read_npz_member(const std::filesystem::path& path, const std::string& name) {
  return NpzReader(path).read(name);
}

void write_npz(const std::filesystem::path& path, const std::map<std::string, torch::Tensor>& arrays, bool compress) {
  for (const auto& [name, tensor] : arrays) {
    if (name.empty()) throw Error(path.string() + ": an .npz member needs a name");
    if (!npy_descr(tensor.scalar_type()))
      throw Error(path.string() + ": member '" + name + "': cannot write dtype " + c10::toString(tensor.scalar_type()) +
                  " as .npy");
  }
  if (arrays.empty()) {  // libzip writes no file for an empty archive: the 22-byte end record alone
    write_file_atomic(path, std::string("PK\x05\x06", 4) + std::string(18, '\0'));
    return;
  }
#ifndef LATENT_WITH_LIBZIP
  (void)compress;
  no_libzip(path);
#else
  write_atomic_with(path, [&](const std::filesystem::path& tmp) {
    int code = 0;
    zip_t* zip = zip_open(tmp.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &code);
    if (!zip) throw Error(path.string() + ": cannot write (" + zip_error_text(code) + ")");
    std::vector<std::string> blobs;  // must outlive zip_close; reserved so that no string moves
    blobs.reserve(arrays.size());
    auto fail = [&](const std::string& what) {
      const std::string text = zip_strerror(zip);
      zip_discard(zip);
      throw Error(path.string() + ": " + what + " (" + text + ")");
    };
    for (const auto& [name, tensor] : arrays) {
      blobs.push_back(npy_bytes(tensor));
      zip_source_t* src = zip_source_buffer(zip, blobs.back().data(), blobs.back().size(), 0);
      if (!src) fail("cannot add member '" + name + ".npy'");
      const zip_int64_t index = zip_file_add(zip, (name + kNpySuffix).c_str(), src, ZIP_FL_ENC_UTF_8);
      if (index < 0) {
        zip_source_free(src);
        fail("cannot add member '" + name + ".npy'");
      }
      if (zip_set_file_compression(zip, static_cast<zip_uint64_t>(index), compress ? ZIP_CM_DEFLATE : ZIP_CM_STORE,
                                   0) != 0)
        fail("cannot set the compression of member '" + name + ".npy'");
    }
    if (zip_close(zip) != 0) fail("cannot write");
  });
#endif
}

}  // namespace latent
