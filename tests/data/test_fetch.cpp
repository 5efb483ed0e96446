// Fetching data sets by name (data/fetch.h, data/catalog.h) against an HTTP/1.1 server on
// 127.0.0.1 run by the test: good, corrupt, truncated, missing and stalling files, Range resume (and
// a server that ignores Range), the mirror form, files already present, tar.gz unpacking and its
// path-traversal guard, the catalogue itself and the `latent data` command (apps/latent/data_command.h).
// Nothing here reaches the internet.
#include <CLI/CLI.hpp>
#include <archive.h>
#include <archive_entry.h>
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "data_command.h"
#include "latent/core/interrupt.h"
#include "latent/data/catalog.h"
#include "latent/data/dataset.h"
#include "latent/data/fetch.h"
#include "test_util.h"

namespace latent {
namespace {

using testing::error_of;
using testing::read_file;
using testing::TempDir;
namespace fs = std::filesystem;

// How the test server answers one path.
enum class Behaviour {
  kNormal,          // the body; honours "Range: bytes=N-" with 206
  kIgnoreRange,     // always 200 with the whole body
  kTruncateOnce,    // first request: Content-Length of the whole body, half of it sent, then close
  kTruncateAlways,  // every request cut short as above
  kStall,           // headers and a few bytes, then nothing until the server stops
  kFailOnce503,     // first request: 503; then kNormal
};

struct Route {
  std::string body;
  Behaviour behaviour = Behaviour::kNormal;
};

struct Request {
  std::string path;
  std::string range;  // the Range header, "" when none
};

// A small HTTP/1.1 server on 127.0.0.1 (port chosen by the kernel), one thread per connection,
// "Connection: close" on every answer. Unknown paths get 404.
class TestServer {
 public:
  TestServer() {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(listener_, 16) != 0)
      throw std::runtime_error("test server: cannot listen");
    socklen_t len = sizeof addr;
    getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    accept_thread_ = std::thread([this] { accept_loop(); });
  }
  ~TestServer() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    stop_cv_.notify_all();
    shutdown(listener_, SHUT_RDWR);
    close(listener_);
    accept_thread_.join();
    std::vector<std::thread> threads;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      threads.swap(threads_);
    }
    for (auto& t : threads) t.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void add(const std::string& path, const std::string& body, Behaviour b = Behaviour::kNormal) {
    std::lock_guard<std::mutex> lock(mutex_);
    routes_[path] = {body, b};
  }
  std::vector<Request> requests() {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }

 private:
  void accept_loop() {
    for (;;) {
      const int fd = accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) {
        close(fd);
        return;
      }
      threads_.emplace_back([this, fd] {
        serve(fd);
        close(fd);
      });
    }
  }

  static void send_all(int fd, const std::string& s) {
    size_t sent = 0;
    while (sent < s.size()) {
      const ssize_t n = send(fd, s.data() + sent, s.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<size_t>(n);
    }
  }

  void serve(int fd) {
    std::string head;
    char buf[4096];
    while (head.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return;
      head.append(buf, static_cast<size_t>(n));
    }
    std::istringstream lines(head);
    std::string method, path, version, line, range;
    lines >> method >> path >> version;
    std::getline(lines, line);
    while (std::getline(lines, line) && line != "\r") {
      std::string lower = line;
      for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower.rfind("range:", 0) == 0) {
        range = line.substr(6);
        while (!range.empty() && (range.front() == ' ')) range.erase(0, 1);
        while (!range.empty() && (range.back() == '\r' || range.back() == ' ')) range.pop_back();
      }
    }
    Route route;
    bool found = false;
    int count = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      requests_.push_back({path, range});
      for (const auto& r : requests_) count += r.path == path ? 1 : 0;
      if (auto it = routes_.find(path); it != routes_.end()) {
        route = it->second;
        found = true;
      }
    }
    if (!found) {
      send_all(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found");
      return;
    }
    const std::string& body = route.body;
    if (route.behaviour == Behaviour::kFailOnce503 && count == 1) {
      send_all(fd, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbusy");
      return;
    }
    if (route.behaviour == Behaviour::kStall) {
      send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
                       "\r\nConnection: close\r\n\r\n" + body.substr(0, 10));
      std::unique_lock<std::mutex> lock(mutex_);
      stop_cv_.wait_for(lock, std::chrono::seconds(20), [this] { return stopping_; });
      return;
    }
    const bool truncate =
        route.behaviour == Behaviour::kTruncateAlways || (route.behaviour == Behaviour::kTruncateOnce && count == 1);
    size_t start = 0;
    std::smatch m;
    if (route.behaviour != Behaviour::kIgnoreRange && std::regex_match(range, m, std::regex("bytes=(\\d+)-")))
      start = std::stoul(m[1]);
    if (start > body.size()) {
      send_all(fd, "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      return;
    }
    std::string reply;
    if (start > 0)
      reply = "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes " + std::to_string(start) + "-" +
              std::to_string(body.size() - 1) + "/" + std::to_string(body.size()) + "\r\n";
    else
      reply = "HTTP/1.1 200 OK\r\n";
    const std::string rest = body.substr(start);
    reply += "Content-Length: " + std::to_string(rest.size()) + "\r\nConnection: close\r\n\r\n";
    reply += truncate ? rest.substr(0, rest.size() / 2) : rest;
    send_all(fd, reply);
  }

  int listener_ = -1;
  int port_ = 0;
  std::thread accept_thread_;
  std::mutex mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
  std::map<std::string, Route> routes_;
  std::vector<Request> requests_;
};

// Deterministic, incompressible-looking bytes.
std::string payload(size_t n, unsigned seed = 7) {
  std::string s(n, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (auto& c : s) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>(x >> 24);
  }
  return s;
}

std::string md5_of(const std::string& bytes, const fs::path& scratch) {
  std::ofstream(scratch, std::ios::binary) << bytes;
  return file_digests(scratch, true, false).md5;
}

// Short delays and timeouts, no output.
FetchOptions fast_options(const std::string& mirror) {
  FetchOptions o;
  o.mirror = mirror;
  o.attempts = 3;
  o.retry_delay = std::chrono::milliseconds(10);
  o.max_retry_delay = std::chrono::milliseconds(40);
  o.connect_timeout_s = 2;
  o.stall_seconds = 1;
  o.stall_bytes_per_s = 1000;
  o.progress = FetchProgress::kQuiet;
  return o;
}

RemoteFile remote(const std::string& name, const std::string& body, const TempDir& tmp, bool with_size = true) {
  RemoteFile f;
  f.name = name;
  f.url = "https://example.invalid/data/" + name;  // canonical; tests always go through the mirror
  f.md5 = md5_of(body, tmp / ("scratch-" + name));
  f.bytes = with_size ? static_cast<int64_t>(body.size()) : -1;
  return f;
}

// A catalogue-like entry whose canonical URLs must never be used: everything goes via the mirror.
DatasetEntry test_entry(const std::vector<RemoteFile>& files) {
  DatasetEntry e;
  e.name = "testset";
  e.folder = "testset";
  e.variants = {{0, files}};
  return e;
}

TEST(Fetch, GoodFileLandsWithItsBytesAndNoPartLeft) {
  TestServer server;
  TempDir tmp;
  const std::string body = payload(200000);
  server.add("/good.bin", body);
  const RemoteFile f = remote("good.bin", body, tmp);
  const fs::path dest = tmp / "out" / "good.bin";
  EXPECT_EQ(fetch_file(f, dest, fast_options(server.url())), FileFetch::kDownloaded);
  EXPECT_EQ(read_file(dest), body);
  EXPECT_FALSE(fs::exists(dest.string() + ".part"));
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].path, "/good.bin");
  EXPECT_EQ(server.requests()[0].range, "");
}

TEST(Fetch, Sha256IsCheckedToo) {
  TestServer server;
  TempDir tmp;
  const std::string body = payload(5000, 3);
  server.add("/s.bin", body);
  RemoteFile f = remote("s.bin", body, tmp);
  f.md5.clear();
  std::ofstream(tmp / "s-scratch", std::ios::binary) << body;
  f.sha256 = file_digests(tmp / "s-scratch", false, true).sha256;
  EXPECT_EQ(f.sha256.size(), 64u);
  EXPECT_EQ(fetch_file(f, tmp / "s.bin", fast_options(server.url())), FileFetch::kDownloaded);
  f.sha256[0] = f.sha256[0] == '0' ? '1' : '0';
  fs::remove(tmp / "s.bin");
  const std::string err = error_of([&] { fetch_file(f, tmp / "s.bin", fast_options(server.url())); });
  EXPECT_NE(err.find("SHA-256 expected " + f.sha256), std::string::npos) << err;
}

TEST(Fetch, ChecksumMismatchIsAnErrorAndLeavesNothing) {
  TestServer server;
  TempDir tmp;
  const std::string good = payload(50000);
  std::string bad = good;
  bad[1234] ^= 0x55;
  server.add("/corrupt.bin", bad);
  const RemoteFile f = remote("corrupt.bin", good, tmp);
  const fs::path dest = tmp / "corrupt.bin";
  const std::string err = error_of([&] { fetch_file(f, dest, fast_options(server.url())); });
  const std::string actual = md5_of(bad, tmp / "scratch-bad");
  EXPECT_NE(err.find(dest.string()), std::string::npos) << err;
  EXPECT_NE(err.find("MD5 expected " + f.md5 + ", got " + actual), std::string::npos) << err;
  EXPECT_EQ(err.find('\n'), std::string::npos);
  EXPECT_FALSE(fs::exists(dest));
  EXPECT_FALSE(fs::exists(dest.string() + ".part"));
}

TEST(Fetch, TruncatedResponseIsResumedWithRange) {
  TestServer server;
  TempDir tmp;
  const std::string body = payload(100000);
  server.add("/cut.bin", body, Behaviour::kTruncateOnce);
  const RemoteFile f = remote("cut.bin", body, tmp);
  const fs::path dest = tmp / "cut.bin";
  EXPECT_EQ(fetch_file(f, dest, fast_options(server.url())), FileFetch::kDownloaded);
  EXPECT_EQ(read_file(dest), body);
  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].range, "");
  EXPECT_EQ(reqs[1].range, "bytes=" + std::to_string(body.size() / 2) + "-");
}

TEST(Fetch, TruncatedWithoutPublishedSizeIsStillResumed) {
  // curl itself sees the short body against Content-Length (CURLE_PARTIAL_FILE).
  TestServer server;
  TempDir tmp;
  const std::string body = payload(60000, 11);
  server.add("/cut2.bin", body, Behaviour::kTruncateOnce);
  const RemoteFile f = remote("cut2.bin", body, tmp, /*with_size=*/false);
  EXPECT_EQ(fetch_file(f, tmp / "cut2.bin", fast_options(server.url())), FileFetch::kDownloaded);
  EXPECT_EQ(read_file(tmp / "cut2.bin"), body);
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST(Fetch, AlwaysTruncatedGivesUpWithoutAFileInPlace) {
  TestServer server;
  TempDir tmp;
  // Every answer sends half of what remains: after 3 tries 7/8 of the file is in the .part.
  const std::string body = payload(80000);
  server.add("/short.bin", body, Behaviour::kTruncateAlways);
  const RemoteFile f = remote("short.bin", body, tmp);
  const fs::path dest = tmp / "short.bin";
  const std::string err = error_of([&] { fetch_file(f, dest, fast_options(server.url())); });
  EXPECT_NE(err.find(server.url() + "/short.bin"), std::string::npos) << err;
  EXPECT_NE(err.find("gave up after 3 tries"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(dest));
  EXPECT_EQ(server.requests().size(), 3u);
  // The .part is kept for the next run, and holds a prefix of the file.
  ASSERT_TRUE(fs::exists(dest.string() + ".part"));
  const std::string part = read_file(dest.string() + ".part");
  EXPECT_EQ(part, body.substr(0, part.size()));
}

TEST(Fetch, NotFoundIsOneLineNamingTheUrlWithoutRetries) {
  TestServer server;
  TempDir tmp;
  RemoteFile f = remote("missing.bin", "x", tmp);
  const fs::path dest = tmp / "missing.bin";
  const std::string err = error_of([&] { fetch_file(f, dest, fast_options(server.url())); });
  EXPECT_NE(err.find("404"), std::string::npos) << err;
  EXPECT_NE(err.find(server.url() + "/missing.bin"), std::string::npos) << err;
  EXPECT_EQ(err.find('\n'), std::string::npos);
  EXPECT_EQ(server.requests().size(), 1u);
  EXPECT_FALSE(fs::exists(dest));
  EXPECT_FALSE(fs::exists(dest.string() + ".part"));
}

TEST(Fetch, ServerErrorIsRetried) {
  TestServer server;
  TempDir tmp;
  const std::string body = payload(3000);
  server.add("/busy.bin", body, Behaviour::kFailOnce503);
  const RemoteFile f = remote("busy.bin", body, tmp);
  EXPECT_EQ(fetch_file(f, tmp / "busy.bin", fast_options(server.url())), FileFetch::kDownloaded);
  EXPECT_EQ(read_file(tmp / "busy.bin"), body);
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST(Fetch, StalledServerIsGivenUpOnAfterTheTimeout) {
  TestServer server;
  TempDir tmp;
  const std::string body = payload(100000);
  server.add("/stall.bin", body, Behaviour::kStall);
  const RemoteFile f = remote("stall.bin", body, tmp);
  FetchOptions o = fast_options(server.url());
  o.attempts = 1;
  const auto t0 = std::chrono::steady_clock::now();
  const std::string err = error_of([&] { fetch_file(f, tmp / "stall.bin", o); });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_NE(err.find("stalled"), std::string::npos) << err;
  EXPECT_NE(err.find(server.url() + "/stall.bin"), std::string::npos) << err;
  EXPECT_LT(seconds, 5.0);
  EXPECT_FALSE(fs::exists(tmp / "stall.bin"));
}

TEST(Fetch, InterruptKeepsThePartForTheNextRun) {
  TestServer server;
  TempDir tmp;
  const std::string body = payload(100000);
  server.add("/slow.bin", body, Behaviour::kStall);  // 10 bytes, then nothing
  const DatasetEntry e = test_entry({remote("slow.bin", body, tmp)});
  FetchOptions o = fast_options(server.url());
  o.data_dir = (tmp / "data").string();
  o.stall_seconds = 30;
  std::thread signaller([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    std::raise(SIGINT);  // fetch_dataset's InterruptGuard turns it into a flag
  });
  std::ostringstream log;
  int code = 0;
  try {
    fetch_dataset(e, 0, o, log);
  } catch (const Interrupted& i) {
    code = i.exit_code();
  }
  signaller.join();
  EXPECT_EQ(code, 130);
  EXPECT_EQ(read_file(tmp / "data" / "testset" / "slow.bin.part"), body.substr(0, 10));
  EXPECT_FALSE(fs::exists(tmp / "data" / "testset" / "slow.bin"));
}

TEST(Fetch, APartBeingWrittenByAnotherFetchIsLeftAlone) {
  TestServer server;
  TempDir tmp;
  const std::string body = payload(5000);
  server.add("/locked.bin", body);
  const RemoteFile f = remote("locked.bin", body, tmp);
  const fs::path dest = tmp / "locked.bin";
  std::ofstream(dest.string() + ".part", std::ios::binary) << body.substr(0, 100);
  const int fd = open((dest.string() + ".part").c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(flock(fd, LOCK_EX), 0);  // as a concurrent fetch holds it
  const std::string err = error_of([&] { fetch_file(f, dest, fast_options(server.url())); });
  EXPECT_NE(err.find("another fetch is writing"), std::string::npos) << err;
  EXPECT_EQ(read_file(dest.string() + ".part"), body.substr(0, 100));
  EXPECT_TRUE(server.requests().empty());
  close(fd);
  EXPECT_EQ(fetch_file(f, dest, fast_options(server.url())), FileFetch::kDownloaded);
  EXPECT_EQ(read_file(dest), body);
}

TEST(Fetch, ExistingPartIsResumedWithRange) {
  TestServer server;
  TempDir tmp;
  const std::string body = payload(70000);
  server.add("/resume.bin", body);
  const RemoteFile f = remote("resume.bin", body, tmp);
  const fs::path dest = tmp / "resume.bin";
  std::ofstream(dest.string() + ".part", std::ios::binary) << body.substr(0, 30000);
  EXPECT_EQ(fetch_file(f, dest, fast_options(server.url())), FileFetch::kDownloaded);
  EXPECT_EQ(read_file(dest), body);
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].range, "bytes=30000-");
  EXPECT_FALSE(fs::exists(dest.string() + ".part"));
}

TEST(Fetch, ServerIgnoringRangeStartsThePartOver) {
  TestServer server;
  TempDir tmp;
  const std::string body = payload(70000);
  server.add("/norange.bin", body, Behaviour::kIgnoreRange);
  const RemoteFile f = remote("norange.bin", body, tmp);
  const fs::path dest = tmp / "norange.bin";
  std::ofstream(dest.string() + ".part", std::ios::binary) << body.substr(0, 30000);
  EXPECT_EQ(fetch_file(f, dest, fast_options(server.url())), FileFetch::kDownloaded);
  EXPECT_EQ(read_file(dest), body);  // not 30000 bytes twice
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].range, "bytes=30000-");
}

TEST(Fetch, PresentVerifiedFileIsNotFetchedAgain) {
  TestServer server;
  TempDir tmp;
  const std::string body = payload(4000);
  server.add("/here.bin", body);
  const RemoteFile f = remote("here.bin", body, tmp);
  const fs::path dest = tmp / "here.bin";
  std::ofstream(dest, std::ios::binary) << body;
  EXPECT_EQ(fetch_file(f, dest, fast_options(server.url())), FileFetch::kPresent);
  EXPECT_TRUE(server.requests().empty());
  // Offline too: a mirror nobody listens on is never asked.
  EXPECT_EQ(fetch_file(f, dest, fast_options("http://127.0.0.1:1")), FileFetch::kPresent);
  // A different file in the way is an error, and is left alone.
  std::ofstream(dest, std::ios::binary) << "something else";
  const std::string err = error_of([&] { fetch_file(f, dest, fast_options(server.url())); });
  EXPECT_NE(err.find(dest.string()), std::string::npos) << err;
  EXPECT_EQ(read_file(dest), "something else");
  EXPECT_TRUE(server.requests().empty());
}

TEST(Fetch, ConnectionRefusedIsRetriedThenReported) {
  TempDir tmp;
  const RemoteFile f = remote("x.bin", "abc", tmp);
  FetchOptions o = fast_options("http://127.0.0.1:1");
  const std::string err = error_of([&] { fetch_file(f, tmp / "x.bin", o); });
  EXPECT_NE(err.find("http://127.0.0.1:1/x.bin"), std::string::npos) << err;
  EXPECT_NE(err.find("gave up after 3 tries"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(tmp / "x.bin.part"));
}

TEST(Fetch, MirrorUrlForm) {
  RemoteFile f;
  f.name = "dermamnist_64.npz";
  f.url = "https://zenodo.org/records/10519652/files/dermamnist_64.npz?download=1";
  EXPECT_EQ(source_url(f, ""), f.url);
  EXPECT_EQ(source_url(f, "http://host/medmnist"), "http://host/medmnist/dermamnist_64.npz");
  EXPECT_EQ(source_url(f, "http://host/medmnist/"), "http://host/medmnist/dermamnist_64.npz");
  FetchOptions o;
  o.mirror = "http://a/";
  EXPECT_EQ(effective_mirror(o), "http://a");
  o.mirror.clear();
  setenv("LATENT_DATA_MIRROR", "http://from-env", 1);
  EXPECT_EQ(effective_mirror(o), "http://from-env");
  unsetenv("LATENT_DATA_MIRROR");
  EXPECT_EQ(effective_mirror(o), "");
}

TEST(Fetch, DatasetViaMirrorFromEnvironmentThenPresent) {
  TestServer server;
  TempDir tmp;
  const std::string a = payload(1000, 1), b = payload(2000, 2);
  server.add("/m/a.bin", a);
  server.add("/m/b.bin", b);
  const DatasetEntry e = test_entry({remote("a.bin", a, tmp), remote("b.bin", b, tmp)});
  FetchOptions o = fast_options("");
  o.data_dir = (tmp / "data").string();
  setenv("LATENT_DATA_MIRROR", (server.url() + "/m").c_str(), 1);
  std::ostringstream log;
  const FetchSummary s = fetch_dataset(e, 0, o, log);
  unsetenv("LATENT_DATA_MIRROR");
  EXPECT_EQ(s.downloaded, 2);
  EXPECT_EQ(s.folder, tmp / "data" / "testset");
  EXPECT_EQ(read_file(tmp / "data" / "testset" / "a.bin"), a);
  EXPECT_EQ(read_file(tmp / "data" / "testset" / "b.bin"), b);
  EXPECT_EQ(server.requests().size(), 2u);
  const DatasetPresence p = locate_dataset(e, e.variants[0], o.data_dir);
  EXPECT_EQ(p.folder, tmp / "data" / "testset");
  EXPECT_EQ(p.bytes, 3000u);
  EXPECT_TRUE(p.sizes_match);
  // Again: verified in place, no request.
  std::ostringstream log2;
  o.mirror = server.url() + "/m";
  const FetchSummary again = fetch_dataset(e, 0, o, log2);
  EXPECT_EQ(again.downloaded, 0);
  EXPECT_EQ(again.present, 2);
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST(Fetch, UncompressedIdxCountsAsPresentButNotAsPublished) {
  TestServer server;
  TempDir tmp;
  const std::string gz = payload(3000, 5);
  server.add("/train-images-idx3-ubyte.gz", gz);
  const DatasetEntry e = test_entry({remote("train-images-idx3-ubyte.gz", gz, tmp)});
  fs::create_directories(tmp / "data" / "testset");
  std::ofstream(tmp / "data" / "testset" / "train-images-idx3-ubyte") << "plain idx";
  const DatasetPresence p = locate_dataset(e, e.variants[0], (tmp / "data").string());
  EXPECT_EQ(p.folder, tmp / "data" / "testset");
  EXPECT_FALSE(p.sizes_match);
  EXPECT_EQ(p.bytes, 9u);
  // Fetching puts the published file beside it and says which one the loaders read.
  FetchOptions o = fast_options(server.url());
  o.data_dir = (tmp / "data").string();
  std::ostringstream log;
  EXPECT_EQ(fetch_dataset(e, 0, o, log).downloaded, 1);
  EXPECT_EQ(read_file(tmp / "data" / "testset" / "train-images-idx3-ubyte.gz"), gz);
  EXPECT_NE(log.str().find("loaders read it before train-images-idx3-ubyte.gz"), std::string::npos) << log.str();
}

// Writes a .tar.gz holding (name, content) entries with libarchive's writer.
void write_tar_gz(const fs::path& path, const std::vector<std::pair<std::string, std::string>>& entries) {
  struct archive* a = archive_write_new();
  archive_write_add_filter_gzip(a);
  archive_write_set_format_pax_restricted(a);
  ASSERT_EQ(archive_write_open_filename(a, path.c_str()), ARCHIVE_OK);
  for (const auto& [name, content] : entries) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_size(e, static_cast<la_int64_t>(content.size()));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_write_header(a, e);
    archive_write_data(a, content.data(), content.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
}

TEST(Fetch, UnpacksTarGz) {
  TempDir tmp;
  write_tar_gz(tmp / "small.tar.gz", {{"top/a.txt", "alpha"}, {"top/sub/b.txt", "beta"}, {"other.txt", "gamma"}});
  const auto top = unpack_tar_gz(tmp / "small.tar.gz", tmp / "out");
  EXPECT_EQ(std::set<std::string>(top.begin(), top.end()), (std::set<std::string>{"top", "other.txt"}));
  EXPECT_EQ(read_file(tmp / "out" / "top" / "a.txt"), "alpha");
  EXPECT_EQ(read_file(tmp / "out" / "top" / "sub" / "b.txt"), "beta");
  EXPECT_EQ(read_file(tmp / "out" / "other.txt"), "gamma");
  int entries = 0;
  for (const auto& d : fs::directory_iterator(tmp / "out")) entries += d.path().filename().string()[0] == '.' ? 100 : 1;
  EXPECT_EQ(entries, 2);  // no temporary folder left
}

TEST(Fetch, RefusesPathTraversalInTarGz) {
  TempDir tmp;
  write_tar_gz(tmp / "evil.tar.gz", {{"fine/ok.txt", "ok"}, {"../evil", "gotcha"}});
  const std::string err = error_of([&] { unpack_tar_gz(tmp / "evil.tar.gz", tmp / "out"); });
  EXPECT_NE(err.find("evil.tar.gz"), std::string::npos) << err;
  EXPECT_NE(err.find("'../evil'"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(tmp / "evil"));
  EXPECT_FALSE(fs::exists(tmp / "out" / "fine"));
  EXPECT_TRUE(fs::is_empty(tmp / "out"));
  write_tar_gz(tmp / "abs.tar.gz", {{"/tmp/latent-absolute-evil", "x"}});
  const std::string err2 = error_of([&] { unpack_tar_gz(tmp / "abs.tar.gz", tmp / "out2"); });
  EXPECT_NE(err2.find("absolute path"), std::string::npos) << err2;
  EXPECT_FALSE(fs::exists("/tmp/latent-absolute-evil"));
}

TEST(Fetch, DatasetArchiveIsFetchedAndUnpacked) {
  TestServer server;
  TempDir tmp;
  write_tar_gz(tmp / "reviews.tar.gz", {{"reviews/train/pos/1.txt", "great"}, {"reviews/README", "hi"}});
  const std::string body = read_file(tmp / "reviews.tar.gz");
  server.add("/reviews.tar.gz", body);
  DatasetEntry e = test_entry({remote("reviews.tar.gz", body, tmp)});
  e.unpack = Unpack::kTarGz;
  e.unpacked = "reviews";
  FetchOptions o = fast_options(server.url());
  o.data_dir = (tmp / "data").string();
  std::ostringstream log;
  const FetchSummary s = fetch_dataset(e, 0, o, log);
  EXPECT_TRUE(s.unpacked);
  EXPECT_EQ(read_file(tmp / "data" / "testset" / "reviews" / "train" / "pos" / "1.txt"), "great");
  EXPECT_TRUE(locate_dataset(e, e.variants[0], o.data_dir).present());
  std::ostringstream log2;
  EXPECT_FALSE(fetch_dataset(e, 0, o, log2).unpacked);
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(Catalog, KnowsEveryMedMnistSetAndSize) {
  const std::vector<std::string> two_d = {"pathmnist",      "chestmnist",  "dermamnist",  "octmnist",
                                          "pneumoniamnist", "retinamnist", "breastmnist", "bloodmnist",
                                          "tissuemnist",    "organamnist", "organcmnist", "organsmnist"};
  const std::vector<std::string> three_d = {"organmnist3d",    "nodulemnist3d", "adrenalmnist3d",
                                            "fracturemnist3d", "vesselmnist3d", "synapsemnist3d"};
  std::set<std::string> md5s;
  for (const auto& names : {two_d, three_d}) {
    for (const auto& n : names) {
      const DatasetEntry* e = find_catalog_entry(n);
      ASSERT_NE(e, nullptr) << n;
      EXPECT_EQ(e->folder, "medmnist");
      EXPECT_EQ(e->variants.size(), names.size() == 12 ? 4u : 2u) << n;
      EXPECT_EQ(e->variant(0).size, 28);
      EXPECT_EQ(e->variant(0).files[0].name, n + ".npz");
      EXPECT_EQ(e->variant(64).files[0].name, n + "_64.npz");
      EXPECT_EQ(e->variant(64).files[0].url, "https://zenodo.org/records/10519652/files/" + n + "_64.npz?download=1");
      for (const auto& v : e->variants) md5s.insert(v.files[0].md5);
    }
  }
  EXPECT_EQ(md5s.size(), 12u * 4 + 6u * 2);  // all different
  EXPECT_EQ(find_catalog_entry("dermamnist")->variant(28).files[0].md5, "0744692d530f8e62ec473284d019b0c7");
  EXPECT_EQ(find_catalog_entry("synapsemnist3d")->variant(64).files[0].md5, "43bd14ebf3af9d3dd072446fedc14d5e");
  const std::string err = error_of([] { find_catalog_entry("organmnist3d")->variant(128); });
  EXPECT_NE(err.find("sizes: 28, 64"), std::string::npos) << err;
}

TEST(Catalog, ChecksumsAreWellFormedHex) {
  for (const auto& e : dataset_catalog()) {
    EXPECT_FALSE(e.variants.empty()) << e.name;
    EXPECT_FALSE(e.checksum_source.empty()) << e.name;
    for (const auto& v : e.variants)
      for (const auto& f : v.files) {
        EXPECT_FALSE(f.name.empty());
        EXPECT_EQ(f.url.rfind("http", 0), 0u) << f.url;
        EXPECT_TRUE(std::regex_match(f.md5, std::regex("([0-9a-f]{32})?"))) << f.md5;
        EXPECT_TRUE(std::regex_match(f.sha256, std::regex("([0-9a-f]{64})?"))) << f.sha256;
        if (e.manual.empty()) {
          EXPECT_TRUE(f.has_checksum()) << f.name;
        }
      }
  }
  for (const char* name : {"mnist", "fashion-mnist", "imdb", "tiny-shakespeare", "creditcard"})
    EXPECT_NE(find_catalog_entry(name), nullptr) << name;
  EXPECT_EQ(find_catalog_entry("mnist")->variant(0).files.size(), 4u);
  EXPECT_EQ(find_catalog_entry("imdb")->unpacked, "aclImdb");
  EXPECT_NE(error_of([] { catalog_entry("dermamnst"); }).find("did you mean 'dermamnist'"), std::string::npos);
}

TEST(Catalog, FetchCommands) {
  EXPECT_EQ(fetch_command("dermamnist"), "latent data fetch dermamnist");
  EXPECT_EQ(fetch_command("dermamnist", 28), "latent data fetch dermamnist");
  EXPECT_EQ(fetch_command("dermamnist", 64), "latent data fetch dermamnist --size 64");
  EXPECT_EQ(fetch_command("mnist", 0, "/d"), "latent data fetch mnist --data-dir /d");
  EXPECT_EQ(fetch_command_for_folder("fashion-mnist"), "latent data fetch fashion-mnist");
  EXPECT_EQ(fetch_command_for_folder("medmnist"), "");  // many sets live there
  EXPECT_EQ(fetch_command_for_folder("creditcard"), "");
}

TEST(Catalog, MissingKnownDataSetErrorEndsWithTheFetchCommand) {
  TempDir tmp;
  const std::string err = error_of([&] { find_dataset_dir("tiny-shakespeare", tmp.path().string()); });
  const std::string want = "latent data fetch tiny-shakespeare --data-dir " + tmp.path().string();
  ASSERT_GE(err.size(), want.size()) << err;
  EXPECT_EQ(err.substr(err.size() - want.size()), want) << err;
  const std::string other = error_of([&] { find_dataset_dir("no-such-set", tmp.path().string()); });
  EXPECT_EQ(other.find("latent data fetch"), std::string::npos) << other;
}

TEST(Catalog, LoginDataSetGivesInstructionsWithoutTheNetwork) {
  TestServer server;
  TempDir tmp;
  FetchOptions o = fast_options(server.url());
  o.data_dir = tmp.path().string();
  std::ostringstream log;
  const std::string err = error_of([&] { fetch_dataset(catalog_entry("creditcard"), 0, o, log); });
  EXPECT_NE(err.find("kaggle.com/datasets/mlg-ulb/creditcardfraud"), std::string::npos) << err;
  EXPECT_NE(err.find((tmp.path() / "creditcard").string()), std::string::npos) << err;
  EXPECT_EQ(err.find('\n'), std::string::npos);
  EXPECT_TRUE(server.requests().empty());
}

// Runs `latent data ARGS...` through DataCommand as cli_main does; the output, or the error thrown.
struct DataRun {
  std::string out;
  std::string error;
  bool usage = false;
};
DataRun run_data(std::vector<std::string> args) {
  CLI::App app{"latent", "latent"};
  app.require_subcommand(1);
  const auto cmd = add_data_command(app);
  args.insert(args.begin(), {"latent", "data"});
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  DataRun r;
  std::ostringstream out;
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
    EXPECT_TRUE(cmd->parsed());
    cmd->run(out);
  } catch (const UsageError& e) {
    r.error = e.what();
    r.usage = true;
  } catch (const Error& e) {
    r.error = e.what();
  }
  r.out = out.str();
  return r;
}

TEST(DataCommand, ListShowsEveryDataSetAndWhatIsPresent) {
  TempDir tmp;
  fs::create_directories(tmp / "tiny-shakespeare");
  std::ofstream(tmp / "tiny-shakespeare" / "input.txt") << "First Citizen:\n";
  const DataRun r = run_data({"list", "--data-dir", tmp.path().string()});
  EXPECT_EQ(r.error, "");
  for (const auto& e : dataset_catalog()) EXPECT_NE(r.out.find("\n" + e.name + " "), std::string::npos) << e.name;
  std::istringstream lines(r.out);
  std::string line, shakespeare, derma;
  while (std::getline(lines, line)) {
    if (line.rfind("tiny-shakespeare ", 0) == 0) shakespeare = line;
    if (line.rfind("dermamnist ", 0) == 0) derma = line;
  }
  EXPECT_NE(shakespeare.find(" yes* "), std::string::npos) << shakespeare;
  EXPECT_NE(shakespeare.find((tmp / "tiny-shakespeare").string()), std::string::npos) << shakespeare;
  EXPECT_NE(shakespeare.find("15 B"), std::string::npos) << shakespeare;
  EXPECT_NE(derma.find("28,64,128,224"), std::string::npos) << derma;
  EXPECT_NE(r.out.find("creditcard"), std::string::npos);
  EXPECT_NE(r.out.find("none published; needs a Kaggle login"), std::string::npos);
  EXPECT_NE(r.out.find("files go to " + tmp.path().string()), std::string::npos) << r.out;
}

TEST(DataCommand, FetchGoesThroughTheMirrorAndReportsAMismatch) {
  TestServer server;
  TempDir tmp;
  server.add("/input.txt", "not the real play");
  const DataRun r =
      run_data({"fetch", "tiny-shakespeare", "--mirror", server.url(), "--data-dir", tmp.path().string(), "--quiet"});
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].path, "/input.txt");
  EXPECT_FALSE(r.usage);
  // The server announces 17 bytes, not the published 1115394: stopped there, nothing kept.
  EXPECT_NE(r.error.find(server.url() + "/input.txt: the server's file has 17 bytes, the published one 1115394"),
            std::string::npos)
      << r.error;
  EXPECT_FALSE(fs::exists(tmp / "tiny-shakespeare"));  // not even an empty folder
}

TEST(DataCommand, FetchUsageErrorsBeforeAnyDownload) {
  TestServer server;
  const DataRun typo = run_data({"fetch", "mnist", "dermamnst", "--mirror", server.url()});
  EXPECT_TRUE(typo.usage);
  EXPECT_NE(typo.error.find("did you mean 'dermamnist'"), std::string::npos) << typo.error;
  const DataRun unsized = run_data({"fetch", "mnist", "--size", "64", "--mirror", server.url()});
  EXPECT_TRUE(unsized.usage) << unsized.error;
  const DataRun bad_size = run_data({"fetch", "organmnist3d", "--size", "224", "--mirror", server.url()});
  EXPECT_TRUE(bad_size.usage);
  EXPECT_NE(bad_size.error.find("sizes: 28, 64"), std::string::npos) << bad_size.error;
  EXPECT_TRUE(server.requests().empty());
}

TEST(DataCommand, FetchOfTheKaggleFileExplainsWithoutTheNetwork) {
  TestServer server;
  TempDir tmp;
  const DataRun r = run_data({"fetch", "creditcard", "--mirror", server.url(), "--data-dir", tmp.path().string()});
  EXPECT_FALSE(r.usage);
  EXPECT_NE(r.error.find("Kaggle login"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find((tmp / "creditcard" / "creditcard.csv").string()), std::string::npos) << r.error;
  EXPECT_TRUE(server.requests().empty());
}

}  // namespace
}  // namespace latent
