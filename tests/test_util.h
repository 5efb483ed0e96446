// Helpers shared by the tests: temporary folders and small synthetic IDX data sets.
#pragma once

#include <torch/torch.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "latent/core/error.h"
#include "latent/data/idx.h"

namespace latent::testing {

namespace fs = std::filesystem;

// A fresh temporary folder, removed when the object goes out of scope.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "latent-test-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

// Writes train/t10k IDX files of `size` x `size` images: class k is a bright square at a
// position that depends on k, plus a little seeded noise. Learnable and quick.
inline void write_synthetic_idx(const fs::path& dir, int64_t n_train, int64_t n_test, int64_t size = 12,
                                int classes = 4) {
  fs::create_directories(dir);
  auto gen = at::detail::createCPUGenerator(123);
  auto make = [&](const std::string& prefix, int64_t n) {
    std::vector<uint8_t> pixels(static_cast<size_t>(n * size * size));
    std::vector<uint8_t> labels(static_cast<size_t>(n));
    auto noise = torch::rand({n, size, size}, gen).mul(40).to(torch::kUInt8);
    auto np = noise.data_ptr<uint8_t>();
    for (int64_t i = 0; i < n; ++i) {
      const int k = static_cast<int>(i % classes);
      labels[static_cast<size_t>(i)] = static_cast<uint8_t>(k);
      const int64_t off = (k * 2) % (size - 4);
      for (int64_t y = 0; y < size; ++y)
        for (int64_t x = 0; x < size; ++x) {
          const bool on = y >= off && y < off + 4 && x >= off && x < off + 4;
          pixels[static_cast<size_t>((i * size + y) * size + x)] = on ? 230 : np[(i * size + y) * size + x];
        }
    }
    write_idx(dir / (prefix + "-images-idx3-ubyte"), {n, size, size}, pixels);
    write_idx(dir / (prefix + "-labels-idx1-ubyte"), {n}, labels);
  };
  make("train", n_train);
  make("t10k", n_test);
}

// The message of the latent::Error that f() throws, or "" when it throws none.
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A CSV file without quoting (a run folder's history.csv) as rows of cells, the header first.
inline std::vector<std::vector<std::string>> csv_rows(const fs::path& p) {
  std::istringstream lines(read_file(p));
  std::vector<std::vector<std::string>> rows;
  for (std::string line; std::getline(lines, line);) {
    std::istringstream cells(line);
    rows.emplace_back();
    for (std::string cell; std::getline(cells, cell, ',');) rows.back().push_back(cell);
  }
  return rows;
}

// A history.csv's cells without its seconds column (column 4), for comparing runs exactly.
inline std::string history_without_seconds(const fs::path& csv) {
  std::string out;
  for (const auto& row : csv_rows(csv)) {
    for (size_t i = 0; i < row.size(); ++i)
      if (i != 4) out += row[i] + ",";
    out += "\n";
  }
  return out;
}

// Sets LATENT_FAULT (the CLI's fault injection, apps/latent/fault_injection.cpp) for the lifetime
// of the object.
struct FaultEnv {
  explicit FaultEnv(const std::string& value) { setenv("LATENT_FAULT", value.c_str(), 1); }
  ~FaultEnv() { unsetenv("LATENT_FAULT"); }
};

inline void write_bytes(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary);
  out << bytes;
}

// max |a − b| relative to max |b|, so float results compare at float's precision; either tensor
// may be on any device.
inline double rel_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.cpu() - b.cpu()).abs().max().item<double>() / std::max(1e-30, b.cpu().abs().max().item<double>());
}

// f() run with LibTorch's thread count (which latent's own kernels follow) at 1 and then at 2; the
// count is restored after. Returns {at 1 thread, at 2 threads}.
template <typename F>
auto at_one_and_two_threads(F&& f) {
  const int before = torch::get_num_threads();
  torch::set_num_threads(1);
  auto one = f();
  torch::set_num_threads(2);
  auto two = f();
  torch::set_num_threads(before);
  return std::make_pair(std::move(one), std::move(two));
}

}  // namespace latent::testing
