// Fetching catalogued data sets (fetch.h): libcurl downloads with Range resume, retries and a stall
// timeout, OpenSSL EVP digests, libarchive tar.gz unpacking with path-traversal checks.
#include "latent/data/fetch.h"

#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <ostream>
#include <random>
#include <thread>

#include "latent/core/error.h"
#include "latent/core/fs.h"
#include "latent/core/interrupt.h"
#include "latent/core/text.h"
#include "latent/data/dataset.h"

namespace latent {

namespace fs = std::filesystem;

namespace {

std::string hex(const unsigned char* data, unsigned int n) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (unsigned int i = 0; i < n; ++i) {
    s += digits[data[i] >> 4];
    s += digits[data[i] & 15];
  }
  return s;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

uintmax_t size_or_zero(const fs::path& p) {
  std::error_code ec;
  const auto n = fs::file_size(p, ec);
  return ec ? 0 : n;
}

void curl_global() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// The progress shown on stderr for one download.
class DownloadProgress {
 public:
  DownloadProgress(FetchProgress style, std::string label) : label_(std::move(label)) {
    if (style == FetchProgress::kAuto) style = isatty(fileno(stderr)) ? FetchProgress::kBar : FetchProgress::kLines;
    style_ = style;
  }
  void start(const std::string& url, uint64_t offset) {
    start_ = std::chrono::steady_clock::now();
    offset_ = offset;
    if (style_ == FetchProgress::kLines)
      std::fprintf(stderr, "fetching %s%s\n", url.c_str(),
                   offset > 0 ? (" (resuming at " + human_bytes(static_cast<double>(offset)) + ")").c_str() : "");
  }
  // now and total count from the start of the file; total 0 when unknown.
  void update(uint64_t now, uint64_t total) {
    if (style_ != FetchProgress::kBar) return;
    const auto t = std::chrono::steady_clock::now();
    if (drawn_ && t - last_ < std::chrono::milliseconds(100) && now != total) return;
    last_ = t;
    drawn_ = true;
    const double seconds = std::chrono::duration<double>(t - start_).count();
    const double rate = seconds > 0 ? static_cast<double>(now - std::min(now, offset_)) / seconds : 0.0;
    std::string bar;
    if (total > 0) {
      const int width = 30;
      const double fraction = std::min(1.0, static_cast<double>(now) / static_cast<double>(total));
      const int filled = static_cast<int>(width * fraction);
      bar = "[" + std::string(filled, '#') + std::string(width - filled, '.') + "] " +
            std::to_string(static_cast<int>(100.0 * fraction)) + "% ";
    }
    std::fprintf(stderr, "\r\033[K%s %s%s%s%s %s/s", label_.c_str(), bar.c_str(),
                 human_bytes(static_cast<double>(now)).c_str(), total > 0 ? " / " : "",
                 total > 0 ? human_bytes(static_cast<double>(total)).c_str() : "", human_bytes(rate).c_str());
  }
  void message(const std::string& line) {
    if (style_ == FetchProgress::kQuiet) return;
    if (style_ == FetchProgress::kBar && drawn_) std::fprintf(stderr, "\r\033[K");
    drawn_ = false;
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  void finish(uint64_t bytes) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (style_ == FetchProgress::kBar && drawn_) std::fprintf(stderr, "\r\033[K");
    drawn_ = false;
    if (style_ == FetchProgress::kLines || style_ == FetchProgress::kBar)
      std::fprintf(stderr, "fetched %s: %s in %.1f s\n", label_.c_str(),
                   human_bytes(static_cast<double>(bytes)).c_str(), seconds);
  }
  void clear() {
    if (style_ == FetchProgress::kBar && drawn_) std::fprintf(stderr, "\r\033[K");
    drawn_ = false;
  }

 private:
  std::string label_;
  FetchProgress style_ = FetchProgress::kLines;
  std::chrono::steady_clock::time_point start_, last_;
  uint64_t offset_ = 0;
  bool drawn_ = false;
};

// One HTTP try, appending to the .part file.
struct Transfer {
  CURL* curl = nullptr;
  std::FILE* out = nullptr;
  uint64_t offset = 0;    // bytes in the .part file before this try
  uint64_t written = 0;   // bytes written by this try
  int64_t expected = -1;  // published size
  bool started = false;
  long status = 0;
  int64_t range_start = -1;  // from Content-Range of the last response
  bool bad_range = false;    // a 206 that does not start where the .part ends
  int64_t announced = -1;    // the whole file's size by the server's Content-Length, when it says
  bool wrong_size = false;   // ... and that is not the published size
  bool write_failed = false;
  bool interrupted = false;
  DownloadProgress* progress = nullptr;
};

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string line(data, size * n);
  const std::string l = lower(line);
  if (l.rfind("http/", 0) == 0) t->range_start = -1;  // a new response (after a redirect)
  if (l.rfind("content-range:", 0) == 0) {
    const auto p = l.find("bytes");
    if (p != std::string::npos) t->range_start = std::strtoll(l.c_str() + p + 5, nullptr, 10);
  }
  return size * n;
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t bytes = size * n;
  if (!t->started) {
    t->started = true;
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &t->status);
    if (t->status == 200 && t->offset > 0) {
      // The server ignored the Range request and sends the whole file: start the .part over.
      std::fflush(t->out);
      if (ftruncate(fileno(t->out), 0) != 0 || std::fseek(t->out, 0, SEEK_SET) != 0) {
        t->write_failed = true;
        return 0;
      }
      t->offset = 0;
    } else if (t->status == 206 && t->range_start != static_cast<int64_t>(t->offset)) {
      t->bad_range = true;
      return 0;
    }
    curl_off_t length = -1;
    if ((t->status == 200 || t->status == 206) &&
        curl_easy_getinfo(t->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == CURLE_OK && length >= 0) {
      t->announced = static_cast<int64_t>(t->offset) + static_cast<int64_t>(length);
      // Not the published file: stop now rather than after downloading all of it.
      if (t->expected >= 0 && t->announced != t->expected) {
        t->wrong_size = true;
        return 0;
      }
    }
  }
  if (t->status != 200 && t->status != 206) return bytes;  // an error page: not the file
  if (std::fwrite(data, 1, bytes, t->out) != bytes) {
    t->write_failed = true;
    return 0;
  }
  t->written += bytes;
  return bytes;
}

int on_progress(void* user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  if (interrupt_signal() != 0) {
    t->interrupted = true;
    return 1;
  }
  if (t->progress && (t->status == 200 || t->status == 206 || !t->started)) {
    uint64_t total = dltotal > 0 ? t->offset + static_cast<uint64_t>(dltotal) : 0;
    if (total == 0 && t->expected > 0) total = static_cast<uint64_t>(t->expected);
    t->progress->update(t->offset + static_cast<uint64_t>(std::max<curl_off_t>(dlnow, 0)), total);
  }
  return 0;
}

bool transient(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
      return true;
    default:
      return false;
  }
}

bool transient_status(long status) { return status == 408 || status == 429 || status >= 500; }

std::string status_text(long status) {
  switch (status) {
    case 401:
      return "401 Unauthorized";
    case 403:
      return "403 Forbidden";
    case 404:
      return "404 Not Found";
    case 410:
      return "410 Gone";
    case 416:
      return "416 Range Not Satisfiable";
    case 429:
      return "429 Too Many Requests";
    case 500:
      return "500 Internal Server Error";
    case 502:
      return "502 Bad Gateway";
    case 503:
      return "503 Service Unavailable";
    case 504:
      return "504 Gateway Timeout";
    default:
      return std::to_string(status);
  }
}

enum class TryResult { kDone, kRetry, kRestart };

struct TryOutcome {
  TryResult result = TryResult::kDone;
  std::string reason;  // why a retry is needed
};

// One try: GET url (with Range when the .part holds bytes) appending to part.
TryOutcome try_download(const std::string& url, const fs::path& part, const RemoteFile& file,
                        const FetchOptions& options, DownloadProgress& progress) {
  // Appending (writes go to the end, also after the ftruncate of a restart), under an exclusive lock so
  // that two fetches of the same file cannot interleave their bytes.
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> out(std::fopen(part.c_str(), "ab"), &std::fclose);
  if (!out) throw Error(part.string() + ": cannot write (" + std::strerror(errno) + ")");
  if (flock(fileno(out.get()), LOCK_EX | LOCK_NB) != 0)
    throw Error(part.string() + ": another fetch is writing this file; wait for it or stop it");
  const uint64_t offset = size_or_zero(part);
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) throw Error(url + ": cannot start libcurl");
  Transfer t;
  t.curl = curl.get();
  t.out = out.get();
  t.offset = offset;
  t.expected = file.bytes;
  t.progress = &progress;
  char error[CURL_ERROR_SIZE] = {0};
  const std::string range = std::to_string(offset) + "-";
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "latent/" LATENT_VERSION " (libcurl)");
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, options.connect_timeout_s);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, options.stall_bytes_per_s);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, options.stall_seconds);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
  if (offset > 0) curl_easy_setopt(c, CURLOPT_RANGE, range.c_str());
  progress.start(url, offset);
  const CURLcode code = curl_easy_perform(c);
  if (!t.started) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &t.status);
  const bool flushed = std::fflush(out.get()) == 0 && fsync(fileno(out.get())) == 0;
  out.reset();
  progress.clear();

  if (t.interrupted) {
    const int sig = interrupt_signal();
    throw Interrupted(sig, "interrupted by " + signal_name(sig) + " while fetching " + url + "; " + part.string() +
                               " is kept and the next fetch resumes it");
  }
  if (t.write_failed || (code == CURLE_OK && !flushed)) throw Error(part.string() + ": cannot write (disk full?)");
  if (t.bad_range) return {TryResult::kRestart, "the server answered the range request with another range"};
  if (t.wrong_size) {
    std::error_code ec;
    fs::remove(part, ec);
    throw Error(url + ": the server's file has " + std::to_string(t.announced) + " bytes, the published one " +
                std::to_string(file.bytes) + " (a different file; nothing kept)");
  }
  if (t.status == 416) return {TryResult::kRestart, "the server cannot resume at byte " + std::to_string(offset)};
  if (t.status >= 400) {
    if (transient_status(t.status)) return {TryResult::kRetry, "HTTP " + status_text(t.status)};
    throw Error("HTTP " + status_text(t.status) + ": " + url);
  }
  if (code != CURLE_OK) {
    std::string why = error[0] ? error : curl_easy_strerror(code);
    if (code == CURLE_OPERATION_TIMEDOUT && t.started)
      why = "stalled: less than " + std::to_string(options.stall_bytes_per_s) + " bytes/s for " +
            std::to_string(options.stall_seconds) + " s (" + why + ")";
    if (transient(code)) return {TryResult::kRetry, why};
    throw Error(url + ": " + why);
  }
  if (t.status != 200 && t.status != 206) throw Error(url + ": unexpected HTTP status " + std::to_string(t.status));
  // A complete response (curl checks Content-Length and chunked framing and reports a short one as
  // CURLE_PARTIAL_FILE above): what it holds is the server's file, checked by verify_part.
  return {TryResult::kDone, ""};
}

// Checks the downloaded .part; throws (deleting it) when it is not the published file.
void verify_part(const RemoteFile& file, const fs::path& part, const fs::path& path, const std::string& url) {
  std::error_code ec;
  const uintmax_t have = size_or_zero(part);
  if (file.bytes >= 0 && have != static_cast<uintmax_t>(file.bytes)) {
    fs::remove(part, ec);
    throw Error(path.string() + ": downloaded " + std::to_string(have) + " bytes, expected " +
                std::to_string(file.bytes) + " (from " + url + "; the partial file was removed)");
  }
  const FileDigests d = file_digests(part, !file.md5.empty(), !file.sha256.empty());
  std::string mismatch;
  if (!file.md5.empty() && d.md5 != lower(file.md5))
    mismatch = "MD5 expected " + lower(file.md5) + ", got " + d.md5;
  else if (!file.sha256.empty() && d.sha256 != lower(file.sha256))
    mismatch = "SHA-256 expected " + lower(file.sha256) + ", got " + d.sha256;
  if (!mismatch.empty()) {
    fs::remove(part, ec);
    throw Error(path.string() + ": checksum mismatch: " + mismatch + " (from " + url + "; the download was deleted)");
  }
}

bool writable_dir(const fs::path& dir) {
  std::error_code ec;
  fs::path p = dir;
  // A folder that does not exist yet is writable when its nearest existing parent is.
  while (!p.empty() && !fs::exists(p, ec)) {
    const fs::path parent = p.has_parent_path() && p.parent_path() != p ? p.parent_path() : fs::path(".");
    if (parent == p) break;
    p = parent;
  }
  if (p.empty()) p = ".";
  return fs::is_directory(p, ec) && access(p.c_str(), W_OK | X_OK) == 0;
}

bool same_folder(const fs::path& a, const fs::path& b) {
  std::error_code ec1, ec2;
  const auto ca = fs::weakly_canonical(fs::absolute(a), ec1);
  const auto cb = fs::weakly_canonical(fs::absolute(b), ec2);
  return !ec1 && !ec2 && ca == cb;
}

uintmax_t tree_bytes(const fs::path& dir) {
  uintmax_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file(ec)) total += size_or_zero(it->path());
  return total;
}

// X for X.gz, else "".
fs::path uncompressed_name(const fs::path& gz) {
  return gz.extension() == ".gz" ? fs::path(gz).replace_extension() : fs::path();
}

// A path inside an archive that stays inside the folder it is unpacked to.
bool safe_relative(const std::string& name) {
  if (name.empty() || name[0] == '/') return false;
  const fs::path p(name);
  if (p.has_root_name() || p.has_root_directory()) return false;
  for (const auto& part : p)
    if (part == "..") return false;
  return true;
}

}  // namespace

FileDigests file_digests(const fs::path& path, bool md5, bool sha256) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string() + ": cannot read");
  using Ctx = std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)>;
  Ctx m(EVP_MD_CTX_new(), &EVP_MD_CTX_free), s(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!m || !s || EVP_DigestInit_ex(m.get(), EVP_md5(), nullptr) != 1 ||
      EVP_DigestInit_ex(s.get(), EVP_sha256(), nullptr) != 1)
    throw Error(path.string() + ": cannot start OpenSSL's digests");
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto n = static_cast<size_t>(in.gcount());
    if (n == 0) break;
    if (md5) EVP_DigestUpdate(m.get(), buf.data(), n);
    if (sha256) EVP_DigestUpdate(s.get(), buf.data(), n);
  }
  if (in.bad()) throw Error(path.string() + ": read error");
  FileDigests d;
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (md5 && EVP_DigestFinal_ex(m.get(), out, &len) == 1) d.md5 = hex(out, len);
  if (sha256 && EVP_DigestFinal_ex(s.get(), out, &len) == 1) d.sha256 = hex(out, len);
  return d;
}

std::string verification_problem(const RemoteFile& file, const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return "missing";
  const uintmax_t have = size_or_zero(path);
  if (file.bytes >= 0 && have != static_cast<uintmax_t>(file.bytes))
    return std::to_string(have) + " bytes, expected " + std::to_string(file.bytes);
  if (!file.has_checksum()) return "";
  const FileDigests d = file_digests(path, !file.md5.empty(), !file.sha256.empty());
  if (!file.md5.empty() && d.md5 != lower(file.md5)) return "MD5 " + d.md5 + ", expected " + lower(file.md5);
  if (!file.sha256.empty() && d.sha256 != lower(file.sha256))
    return "SHA-256 " + d.sha256 + ", expected " + lower(file.sha256);
  return "";
}

FileFetch fetch_file(const RemoteFile& file, const fs::path& path, const FetchOptions& options) {
  std::error_code ec;
  if (fs::exists(path, ec)) {
    const std::string problem = verification_problem(file, path);
    if (problem.empty()) return FileFetch::kPresent;
    throw Error(path.string() + ": already there but not the published file (" + problem +
                "); remove it and fetch again");
  }
  curl_global();
  const std::string url = source_url(file, effective_mirror(options));
  const fs::path part = path.string() + ".part";
  if (path.has_parent_path()) make_dirs(path.parent_path());
  // A .part longer than the published file cannot be resumed.
  if (file.bytes >= 0 && size_or_zero(part) > static_cast<uintmax_t>(file.bytes)) fs::remove(part, ec);

  DownloadProgress progress(options.progress, file.name);
  const int attempts = std::max(1, options.attempts);
  auto delay = options.retry_delay;
  std::string last_reason;
  bool done = false;
  for (int attempt = 1; attempt <= attempts && !done; ++attempt) {
    // A .part already complete (an earlier try ended between the last byte and the rename).
    if (file.bytes > 0 && size_or_zero(part) == static_cast<uintmax_t>(file.bytes)) {
      done = true;
      break;
    }
    TryOutcome outcome;
    try {
      outcome = try_download(url, part, file, options, progress);
    } catch (const Error&) {
      if (size_or_zero(part) == 0) fs::remove(part, ec);  // nothing worth resuming
      throw;
    }
    if (outcome.result == TryResult::kDone) {
      done = true;
      break;
    }
    last_reason = outcome.reason;
    if (outcome.result == TryResult::kRestart) {
      fs::remove(part, ec);
      if (attempt < attempts)
        progress.message(file.name + ": " + outcome.reason + "; starting over (try " + std::to_string(attempt + 1) +
                         " of " + std::to_string(attempts) + ")");
      continue;
    }
    if (attempt < attempts) {
      progress.message(file.name + ": " + outcome.reason + "; retrying in " +
                       std::to_string(static_cast<double>(delay.count()) / 1000.0).substr(0, 4) + " s (try " +
                       std::to_string(attempt + 1) + " of " + std::to_string(attempts) + ")");
      const auto until = std::chrono::steady_clock::now() + delay;
      while (std::chrono::steady_clock::now() < until) {
        if (const int sig = interrupt_signal())
          throw Interrupted(sig, "interrupted by " + signal_name(sig) + " while fetching " + url);
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
            std::chrono::milliseconds(50), until - std::chrono::steady_clock::now()));
      }
      delay = std::min(delay * 2, options.max_retry_delay);
    }
  }
  if (!done) {
    const bool kept = size_or_zero(part) > 0;
    if (!kept) fs::remove(part, ec);
    throw Error(url + ": " + last_reason + " (gave up after " + std::to_string(attempts) + " tries" +
                (kept ? "; " + part.string() + " is kept and the next fetch resumes it" : "") + ")");
  }
  verify_part(file, part, path, url);
  fs::rename(part, path, ec);
  if (ec)
    throw Error(path.string() + ": cannot rename " + part.filename().string() + " into place (" + ec.message() + ")");
  progress.finish(size_or_zero(path));
  return FileFetch::kDownloaded;
}

std::vector<std::string> unpack_tar_gz(const fs::path& archive, const fs::path& into_dir) {
  // Absolute and without "..": libarchive's ARCHIVE_EXTRACT_SECURE_NODOTDOT checks the whole path.
  const fs::path into = fs::absolute(into_dir).lexically_normal();
  make_dirs(into);
  const fs::path tmp = into / ("." + archive.filename().string() + ".unpacking");
  std::error_code ec;
  fs::remove_all(tmp, ec);
  make_dirs(tmp);
  std::unique_ptr<struct archive, int (*)(struct archive*)> in(archive_read_new(), &archive_read_free);
  std::unique_ptr<struct archive, int (*)(struct archive*)> out(archive_write_disk_new(), &archive_write_free);
  auto fail = [&](const std::string& why) {
    in.reset();
    out.reset();
    std::error_code e;
    fs::remove_all(tmp, e);
    throw Error(archive.string() + ": " + why);
  };
  archive_read_support_filter_gzip(in.get());
  archive_read_support_format_tar(in.get());
  archive_read_support_format_gnutar(in.get());
  archive_write_disk_set_options(out.get(), ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
                                                ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS);
  if (archive_read_open_filename(in.get(), archive.c_str(), 1 << 16) != ARCHIVE_OK)
    fail(std::string("cannot open as .tar.gz (") + archive_error_string(in.get()) + ")");
  std::vector<std::string> top;
  for (;;) {
    struct archive_entry* entry = nullptr;
    const int r = archive_read_next_header(in.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
      fail(std::string("damaged archive (") + archive_error_string(in.get()) + ")");
    std::string name = archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "";
    while (name.size() > 2 && name.compare(0, 2, "./") == 0) name.erase(0, 2);
    if (name == "." || name == "./") continue;
    if (!safe_relative(name))
      fail("entry '" + name + "' would be written outside the folder (absolute path or '..'); refusing the archive");
    if (const char* link = archive_entry_hardlink(entry)) {
      if (!safe_relative(link))
        fail("entry '" + name + "' links to '" + link + "' outside the folder; refusing the archive");
      archive_entry_set_hardlink(entry, (tmp / link).c_str());
    }
    if (archive_entry_filetype(entry) == AE_IFLNK) {
      const char* target = archive_entry_symlink(entry);
      const fs::path resolved = (fs::path(name).parent_path() / (target ? target : "")).lexically_normal();
      if (!target || target[0] == '/' || resolved.empty() || *resolved.begin() == "..")
        fail("entry '" + name + "' links to '" + (target ? target : "") + "' outside the folder; refusing the archive");
    }
    const fs::path first = *fs::path(name).begin();
    if (std::find(top.begin(), top.end(), first.string()) == top.end()) top.push_back(first.string());
    archive_entry_set_pathname(entry, (tmp / name).c_str());
    if (archive_write_header(out.get(), entry) != ARCHIVE_OK)
      fail("cannot unpack '" + name + "' (" + archive_error_string(out.get()) + ")");
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    for (;;) {
      const int rd = archive_read_data_block(in.get(), &block, &size, &offset);
      if (rd == ARCHIVE_EOF) break;
      if (rd != ARCHIVE_OK) fail("damaged entry '" + name + "' (" + archive_error_string(in.get()) + ")");
      if (archive_write_data_block(out.get(), block, size, offset) != ARCHIVE_OK)
        fail("cannot write '" + name + "' (" + archive_error_string(out.get()) + ")");
    }
    if (archive_write_finish_entry(out.get()) != ARCHIVE_OK)
      fail("cannot finish '" + name + "' (" + archive_error_string(out.get()) + ")");
  }
  if (archive_write_close(out.get()) != ARCHIVE_OK)
    fail(std::string("cannot finish unpacking (") + archive_error_string(out.get()) + ")");
  for (const auto& name : top) {
    const fs::path target = into / name;
    fs::remove_all(target, ec);
    fs::rename(tmp / name, target, ec);
    if (ec) fail("cannot move '" + name + "' into " + into.string() + " (" + ec.message() + ")");
  }
  fs::remove_all(tmp, ec);
  return top;
}

fs::path fetch_destination(const std::string& data_dir) {
  if (!data_dir.empty()) {
    if (!writable_dir(data_dir)) throw Error("--data-dir: '" + data_dir + "' is not a writable folder");
    return data_dir;
  }
  std::string searched;
  for (const auto& dir : data_search_path("")) {
    if (writable_dir(dir)) return dir;
    searched += (searched.empty() ? "" : ", ") + dir.string();
  }
  throw Error("no writable data folder (tried " + searched + "); pass --data-dir or set LATENT_DATA_DIR");
}

DatasetPresence locate_dataset(const DatasetEntry& entry, const DatasetVariant& variant, const std::string& data_dir) {
  for (const auto& dir : data_search_path(data_dir)) {
    const fs::path folder = dir / entry.folder;
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) continue;
    DatasetPresence p;
    bool all = true;
    for (const auto& f : variant.files) {
      fs::path file = folder / f.name;
      if (!fs::is_regular_file(file, ec)) {
        // The loaders read IDX files plain or gzipped: an uncompressed copy counts, though not as published.
        file = uncompressed_name(file);
        if (file.empty() || !fs::is_regular_file(file, ec)) {
          all = false;
          break;
        }
        p.sizes_match = false;
      }
      const uintmax_t n = size_or_zero(file);
      p.bytes += n;
      if (f.bytes >= 0 && n != static_cast<uintmax_t>(f.bytes)) p.sizes_match = false;
    }
    if (!all) continue;
    if (entry.unpack == Unpack::kTarGz) {
      if (!fs::is_directory(folder / entry.unpacked, ec)) continue;
      p.bytes += tree_bytes(folder / entry.unpacked);
    }
    p.folder = folder;
    return p;
  }
  return {};
}

FetchSummary fetch_dataset(const DatasetEntry& entry, int size, const FetchOptions& options, std::ostream& log) {
  if (!entry.manual.empty()) {
    fs::path folder = fs::path("DATA") / entry.folder;
    try {
      folder = fs::absolute(fetch_destination(options.data_dir) / entry.folder).lexically_normal();
    } catch (const Error&) {}
    std::string text = entry.manual;
    const auto at = text.find("FOLDER");
    if (at != std::string::npos) text.replace(at, 6, folder.string());
    const auto again = text.find("FOLDER");
    if (again != std::string::npos) text.replace(again, 6, folder.string());
    throw Error(entry.name + ": " + text);
  }
  const DatasetVariant& variant = entry.variant(size);
  const std::string label = entry.name + (entry.sized() ? " (size " + std::to_string(variant.size) + ")" : "");
  const fs::path root = fetch_destination(options.data_dir);
  const fs::path dest = root / entry.folder;
  InterruptGuard guard;

  // A verified copy anywhere on the search path will do.
  for (const auto& dir : data_search_path(options.data_dir)) {
    if (same_folder(dir, root)) continue;
    const fs::path folder = dir / entry.folder;
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) continue;
    bool ok = entry.unpack != Unpack::kTarGz || fs::is_directory(folder / entry.unpacked, ec);
    for (const auto& f : variant.files) {
      if (!ok) break;
      ok = fs::is_regular_file(folder / f.name, ec) && verification_problem(f, folder / f.name).empty();
    }
    if (ok) {
      log << label << ": present and verified in " << folder.string() << "\n";
      return {folder, 0, static_cast<int>(variant.files.size()), false};
    }
  }

  FetchSummary summary;
  summary.folder = dest;
  std::error_code ec;
  const bool made = !fs::exists(dest, ec);
  make_dirs(dest);
  for (const auto& f : variant.files) {
    FileFetch r = FileFetch::kPresent;
    try {
      r = fetch_file(f, dest / f.name, options);
    } catch (const Error&) {
      if (made && fs::is_empty(dest, ec)) fs::remove(dest, ec);  // leave no empty folder behind
      throw;
    }
    if (r == FileFetch::kPresent) {
      ++summary.present;
      log << label << ": " << (dest / f.name).string() << " present and verified\n";
    } else {
      ++summary.downloaded;
      log << label << ": " << (dest / f.name).string() << " downloaded"
          << (f.has_checksum() ? " and verified" : " (no published checksum to verify)") << "\n";
    }
  }
  for (const auto& f : variant.files) {
    const fs::path plain = uncompressed_name(dest / f.name);
    if (!plain.empty() && fs::is_regular_file(plain, ec))
      log << label << ": note: " << plain.string() << " (uncompressed) is there too, and the loaders read it before "
          << f.name << "; remove it to use the fetched file\n";
  }
  if (entry.unpack == Unpack::kTarGz) {
    if (!fs::is_directory(dest / entry.unpacked, ec)) {
      const fs::path archive = dest / variant.files.front().name;
      unpack_tar_gz(archive, dest);
      if (!fs::is_directory(dest / entry.unpacked, ec))
        throw Error(archive.string() + ": does not hold the folder '" + entry.unpacked + "'");
      summary.unpacked = true;
      log << label << ": unpacked into " << (dest / entry.unpacked).string() << "\n";
    }
  }
  return summary;
}

}  // namespace latent
