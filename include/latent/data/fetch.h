// Downloading the catalogued data sets (catalog.h): libcurl to FILE.part beside the destination,
// resumed with an HTTP Range request, retried with exponential back-off on transient failures,
// given up on when the server stalls, checked against the published MD5 / SHA-256 and renamed into
// place; .tar.gz archives unpacked with libarchive into a temporary folder, then renamed. A file
// already present and verified is never downloaded again, so a fetched data set works offline.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "latent/data/catalog.h"

namespace latent {

enum class FetchProgress {
  kAuto,   // a bar on stderr when it is a terminal, plain lines otherwise
  kBar,    // a bar redrawn in place on stderr
  kLines,  // one line when a download starts and one when it ends (and one per retry)
  kQuiet,  // nothing on stderr
};

struct FetchOptions {
  std::string data_dir;  // --data-dir: first in the search path and then the destination
  std::string mirror;    // --mirror URL: files come from URL/<file name>; empty: $LATENT_DATA_MIRROR
  int attempts = 5;      // tries per file, the first included
  std::chrono::milliseconds retry_delay{1000};  // before the second try; doubled before each next one
  std::chrono::milliseconds max_retry_delay{30000};
  long connect_timeout_s = 30;  // to open a connection
  long stall_seconds = 60;      // give a try up when it moves slower than stall_bytes_per_s this long
  long stall_bytes_per_s = 1000;
  FetchProgress progress = FetchProgress::kAuto;
};

// The mirror in effect: options.mirror, else $LATENT_DATA_MIRROR, else "" (the canonical URLs).
std::string effective_mirror(const FetchOptions& options);

// The URL a file is fetched from: MIRROR/<file name> with a mirror, else the file's own URL.
std::string source_url(const RemoteFile& file, const std::string& mirror);

// Lower-case hex digests of a file ("" for a digest not asked for). Throws Error naming the file.
struct FileDigests {
  std::string md5;
  std::string sha256;
};
FileDigests file_digests(const std::filesystem::path& path, bool md5, bool sha256);

// Why `path` is not the published file ("" when it is): its size, MD5 or SHA-256 differs. A file
// with no published checksum or size passes.
std::string verification_problem(const RemoteFile& file, const std::filesystem::path& path);

enum class FileFetch { kDownloaded, kPresent };

// Makes `path` a verified copy of `file`. kPresent, without touching the network, when it already
// is one; else downloads path.part (resuming one left by an earlier try), verifies it and renames
// it onto `path`. Throws Error, one line, naming the URL (HTTP errors, a server that stalls or
// keeps failing) or the file (a checksum mismatch: expected and actual hash; the .part is deleted).
// A file at `path` that does not verify is an Error too: it is never overwritten.
FileFetch fetch_file(const RemoteFile& file, const std::filesystem::path& path, const FetchOptions& options);

// Unpacks a .tar.gz archive into the folder `into` (created if needed): first into a temporary
// folder inside it, then each top-level entry renamed into place (replacing one of that name).
// Returns the top-level names. Throws Error naming the archive and entry for an absolute path or
// a ".." component (path traversal), a link pointing outside, or a damaged archive; then nothing
// is left in `into`.
std::vector<std::string> unpack_tar_gz(const std::filesystem::path& archive, const std::filesystem::path& into);

// Where fetched data sets go: data_dir when given, else the first folder of data_search_path("")
// that is writable (or can be created). Throws Error when none is.
std::filesystem::path fetch_destination(const std::string& data_dir);

// Where one size of a data set is, found without hashing: the first folder (DATA/<entry.folder>)
// of the search path that holds all its files (and, for an archive, what it unpacks to).
struct DatasetPresence {
  std::filesystem::path folder;  // empty when not present
  uintmax_t bytes = 0;           // its files (and unpacked folder) on disk
  bool sizes_match = true;       // each file has its published size (when one is published)
  bool present() const { return !folder.empty(); }
};
DatasetPresence locate_dataset(const DatasetEntry& entry, const DatasetVariant& variant, const std::string& data_dir);

struct FetchSummary {
  std::filesystem::path folder;  // where the data set's files are now
  int downloaded = 0;            // files downloaded
  int present = 0;               // files already there and verified
  bool unpacked = false;         // an archive was unpacked
};

// Fetches one size (0: the default) of a catalogued data set. Nothing is downloaded when a folder
// of the search path already holds a verified copy; else the files go to
// fetch_destination(options.data_dir)/<entry.folder>. One line per file on `log`. A data set that
// needs a login (entry.manual) is an Error saying where to get it and where to put it, with no
// network access. Ctrl-C stops with Interrupted, the .part file kept for the next run to resume.
FetchSummary fetch_dataset(const DatasetEntry& entry, int size, const FetchOptions& options, std::ostream& log);

}  // namespace latent
