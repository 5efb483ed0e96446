// Whole-file reads and atomic writes.
#include "latent/core/fs.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "latent/core/error.h"

namespace latent {

std::string read_text_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string() + ": cannot open (" + std::strerror(errno) + ")");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

namespace {

// Flushes the file to the disk; a failure (e.g. a full disk on a file system that reports
// it late) throws Error naming `shown`.
void fsync_path(const fs::path& path, const fs::path& shown) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return;
  const int rc = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  if (rc != 0) throw Error(shown.string() + ": write failed (" + std::strerror(saved) + ")");
}

}  // namespace

void write_atomic_with(const fs::path& path, const std::function<void(const fs::path&)>& write) {
  fs::path tmp = path;
  tmp += ".tmp";
  try {
    write(tmp);
    fsync_path(tmp, path);
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) throw Error(path.string() + ": cannot write (" + ec.message() + ")");
  } catch (...) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw;
  }
}

void write_file_atomic(const fs::path& path, const std::string& text) {
  write_atomic_with(path, [&](const fs::path& tmp) {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(path.string() + ": cannot write (" + std::strerror(errno) + ")");
    out << text;
    out.flush();
    if (!out) throw Error(path.string() + ": write failed (" + std::strerror(errno) + ")");
  });
}

void make_dirs(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(dir.string() + ": cannot create folder (" + ec.message() + ")");
}

}  // namespace latent
