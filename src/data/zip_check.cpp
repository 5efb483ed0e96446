// verify_zip_checksums: every member of a zip archive read through libzip, which checks its CRC-32.
#include "latent/data/zip_check.h"

#include <memory>
#include <string>
#include <vector>

#include "latent/core/error.h"

#ifdef LATENT_WITH_LIBZIP
#include <zip.h>
#endif

namespace latent {

#ifndef LATENT_WITH_LIBZIP
bool verify_zip_checksums(const std::filesystem::path&) { return false; }
#else
bool verify_zip_checksums(const std::filesystem::path& path) {
  int code = 0;
  std::unique_ptr<zip_t, void (*)(zip_t*)> zip(zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &code), zip_discard);
  if (!zip && code == ZIP_ER_NOZIP) return false;  // no zip archive at all: the caller's reader says what it expected
  if (!zip) {
    zip_error_t ze;
    zip_error_init_with_code(&ze, code);
    const std::string why = zip_error_strerror(&ze);
    zip_error_fini(&ze);
    throw Error(path.string() + ": damaged file (not a readable zip archive: " + why + ")");
  }
  std::vector<char> buffer(1 << 20);
  const zip_int64_t n = zip_get_num_entries(zip.get(), 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    const auto index = static_cast<zip_uint64_t>(i);
    const char* raw = zip_get_name(zip.get(), index, ZIP_FL_ENC_RAW);
    const std::string where = path.string() + ": damaged file (member '" + (raw ? raw : "?") + "' ";
    zip_file_t* file = zip_fopen_index(zip.get(), index, 0);
    if (!file) throw Error(where + "cannot be opened: " + zip_strerror(zip.get()) + ")");
    std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> closer(file, zip_fclose);
    for (;;) {
      const zip_int64_t k = zip_fread(file, buffer.data(), buffer.size());
      if (k < 0) throw Error(where + "fails its check: " + zip_file_strerror(file) + ")");
      if (k == 0) break;
    }
  }
  return true;
}
#endif

}  // namespace latent
