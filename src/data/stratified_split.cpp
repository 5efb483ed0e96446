// Stratified, seeded train / held-out splits.
#include "latent/data/stratified_split.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "latent/core/error.h"

namespace latent {

namespace {

void check_splittable(int64_t n, double fraction, const std::string& what) {
  if (!(fraction > 0.0 && fraction < 1.0))
    throw UsageError(what + ": must be between 0 and 1 (exclusive), got " + std::to_string(fraction));
  if (n < 2) throw UsageError(what + ": " + std::to_string(n) + " examples cannot be split in two");
}

}  // namespace

SplitIndices stratified_split(const torch::Tensor& labels, double fraction, uint64_t seed, const std::string& what) {
  check(labels.defined() && labels.dim() == 1 && !labels.is_floating_point(),
        what + ": stratified splits need integer class labels (N,)");
  auto y = labels.to(torch::kCPU, torch::kInt64).contiguous();
  const int64_t n = y.size(0);
  check_splittable(n, fraction, what);
  check(y.min().item<int64_t>() >= 0, what + ": class labels must be >= 0");
  const int64_t classes = y.max().item<int64_t>() + 1;
  const int64_t total = std::clamp<int64_t>(std::llround(static_cast<double>(n) * fraction), 1, n - 1);

  // Members of each class, in index order.
  std::vector<std::vector<int64_t>> members(static_cast<size_t>(classes));
  const int64_t* yp = y.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) members[static_cast<size_t>(yp[i])].push_back(i);

  // Held-out count per class: floor of its share, then largest remainders; a class keeps one
  // training example where it can.
  std::vector<int64_t> take(static_cast<size_t>(classes), 0);
  std::vector<double> remainder(static_cast<size_t>(classes), 0.0);
  int64_t assigned = 0;
  for (size_t c = 0; c < members.size(); ++c) {
    const double share = static_cast<double>(members[c].size()) * fraction;
    take[c] = std::min<int64_t>(static_cast<int64_t>(std::floor(share)),
                                std::max<int64_t>(0, static_cast<int64_t>(members[c].size()) - 1));
    remainder[c] = share - static_cast<double>(take[c]);
    assigned += take[c];
  }
  std::vector<size_t> order(members.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return remainder[a] > remainder[b]; });
  // Round-robin over the classes by remainder until the total is reached (more than one pass only
  // when the per-class floors fell short because classes kept their last training example).
  for (bool progress = true; assigned < total && progress;) {
    progress = false;
    for (size_t c : order) {
      if (assigned >= total) break;
      if (take[c] + 1 < static_cast<int64_t>(members[c].size())) ++take[c], ++assigned, progress = true;
    }
  }
  for (bool progress = true; assigned < total && progress;) {  // singletons, as a last resort
    progress = false;
    for (size_t c : order)
      if (assigned < total && take[c] < static_cast<int64_t>(members[c].size())) ++take[c], ++assigned, progress = true;
  }

  auto gen = at::detail::createCPUGenerator(seed);
  std::vector<int64_t> train, held;
  for (size_t c = 0; c < members.size(); ++c) {
    const auto& m = members[c];
    if (m.empty()) continue;
    auto perm = torch::randperm(static_cast<int64_t>(m.size()), gen, torch::kInt64);
    const int64_t* pp = perm.data_ptr<int64_t>();
    for (size_t j = 0; j < m.size(); ++j)
      (static_cast<int64_t>(j) < take[c] ? held : train).push_back(m[static_cast<size_t>(pp[j])]);
  }
  std::sort(train.begin(), train.end());
  std::sort(held.begin(), held.end());
  return {torch::tensor(train, torch::kInt64), torch::tensor(held, torch::kInt64)};
}

SplitIndices random_split(int64_t n, double fraction, uint64_t seed, const std::string& what) {
  check_splittable(n, fraction, what);
  const int64_t total = std::clamp<int64_t>(std::llround(static_cast<double>(n) * fraction), 1, n - 1);
  auto gen = at::detail::createCPUGenerator(seed);
  auto perm = torch::randperm(n, gen, torch::kInt64);
  return {std::get<0>(perm.slice(0, total).sort()), std::get<0>(perm.slice(0, 0, total).sort())};
}

}  // namespace latent
