// data/fetch.h in a build without libcurl, OpenSSL and libarchive (cmake -DLATENT_WITH_FETCH=OFF,
// as bench/gpu_check.sh builds on a machine without Debian's packages): every function that would
// download, hash or unpack says so in a one-line Error; the rest of latent is unaffected. In a
// normal build this file compiles to nothing and src/data/fetch.cpp is the implementation.
#ifdef LATENT_NO_FETCH
#include <ostream>

#include "latent/core/error.h"
#include "latent/data/fetch.h"

namespace latent {

namespace {

[[noreturn]] void unavailable() {
  throw Error(
      "this latent was built without data fetching (cmake -DLATENT_WITH_FETCH=OFF: no libcurl, OpenSSL or "
      "libarchive); place the data files by hand");
}

}  // namespace

FileDigests file_digests(const std::filesystem::path&, bool, bool) { unavailable(); }
std::string verification_problem(const RemoteFile&, const std::filesystem::path&) { unavailable(); }
FileFetch fetch_file(const RemoteFile&, const std::filesystem::path&, const FetchOptions&) { unavailable(); }
std::vector<std::string> unpack_tar_gz(const std::filesystem::path&, const std::filesystem::path&) { unavailable(); }
std::filesystem::path fetch_destination(const std::string&) { unavailable(); }
DatasetPresence locate_dataset(const DatasetEntry&, const DatasetVariant&, const std::string&) { unavailable(); }
FetchSummary fetch_dataset(const DatasetEntry&, int, const FetchOptions&, std::ostream&) { unavailable(); }

}  // namespace latent
#endif  // LATENT_NO_FETCH
