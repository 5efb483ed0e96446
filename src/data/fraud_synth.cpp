// Synthetic credit-card-like transactions: normals lie near a low-dimensional linear
// manifold in V1..V28 (decaying variances, like PCA components); frauds are shifted off it
// on the components that separate frauds in the real data (V10, V12, V14, V17 low; V4,
// V11 high), half of them only weakly, with more noise and a different Amount profile; 3% of
// normals are unusual (noisier), so some normals look like frauds.
#include "latent/data/fraud_synth.h"

#include <cmath>
#include <cstdio>
#include <fstream>

#include "latent/core/error.h"
#include "latent/core/fs.h"

namespace latent {

namespace {

constexpr int64_t kComponents = 28;
constexpr int64_t kFactors = 6;
constexpr double kSecondsInTwoDays = 172792.0;
constexpr double kMaxAmount = 25691.16;

}  // namespace

std::vector<std::string> fraud_columns() {
  std::vector<std::string> c = {"Time"};
  for (int i = 1; i <= kComponents; ++i) c.push_back("V" + std::to_string(i));
  c.push_back("Amount");
  c.push_back("Class");
  return c;
}

CsvChunk make_fraud_table(const FraudDataOptions& o) {
  check(o.rows >= 10, "synthetic fraud data: rows must be at least 10");
  check(o.fraud_rate > 0.0 && o.fraud_rate < 0.5, "synthetic fraud data: fraud rate must be in (0, 0.5)");
  auto gen = at::detail::createCPUGenerator(o.seed);
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  const int64_t n = o.rows;
  const int64_t frauds = std::max<int64_t>(1, std::llround(static_cast<double>(n) * o.fraud_rate));

  auto scale =
      torch::pow(torch::full({kComponents}, 0.9, f64), torch::arange(kComponents, f64)).mul(2.0);  // 2.0 * 0.9^j
  auto loadings = torch::randn({kFactors, kComponents}, gen, f64).div(std::sqrt(static_cast<double>(kFactors)));
  auto label = torch::zeros({n}, torch::kInt64);
  label.index_fill_(0, torch::randperm(n, gen, torch::kInt64).slice(0, 0, frauds), 1);
  auto is_fraud = label.to(torch::kFloat64).unsqueeze(1);

  auto z = torch::randn({n, kFactors}, gen, f64);
  // Noise: 0.3 for normals, 0.9 for the 3% unusual normals, 0.6 for frauds.
  auto unusual = (torch::rand({n, 1}, gen, f64) < 0.03).to(torch::kFloat64) * (1.0 - is_fraud);
  auto noise_std = 0.3 + 0.6 * unusual + 0.3 * is_fraud;
  auto v = (z.matmul(loadings) + noise_std * torch::randn({n, kComponents}, gen, f64)) * scale;
  // Fraud shift in units of each component's scale: V4 +, V10 -, V11 +, V12 -, V14 -, V17 -.
  auto shift = torch::zeros({kComponents}, f64);
  for (auto [index, amount] :
       std::vector<std::pair<int64_t, double>>{{3, 2.5}, {9, -2.5}, {10, 2.0}, {11, -3.0}, {13, -3.5}, {16, -3.0}})
    shift[index] = amount;
  auto strength =
      torch::where(torch::rand({n, 1}, gen, f64) < 0.5, torch::full({n, 1}, 1.0, f64), torch::full({n, 1}, 0.25, f64));
  v = v + is_fraud * strength * shift * scale;

  auto time = std::get<0>(torch::rand({n}, gen, f64).mul(kSecondsInTwoDays).sort()).round();
  auto log_amount_normal = 3.0 + 0.5 * z.select(1, 0) + 1.1 * torch::randn({n}, gen, f64);
  auto big = torch::rand({n}, gen, f64) < 0.5;
  auto log_amount_fraud =
      torch::where(big, torch::full({n}, 5.0, f64), torch::full({n}, 0.5, f64)) + torch::randn({n}, gen, f64);
  auto amount = torch::where(label.to(torch::kBool), log_amount_fraud, log_amount_normal)
                    .exp()
                    .clamp(0.0, kMaxAmount)
                    .mul(100)
                    .round()
                    .div(100);

  CsvChunk out;
  out.x = torch::cat({time.unsqueeze(1), v, amount.unsqueeze(1)}, 1).to(torch::kFloat32);
  out.y = label;
  out.first_line = 2;
  return out;
}

void write_fraud_csv(const std::filesystem::path& path, const FraudDataOptions& options) {
  const CsvChunk table = make_fraud_table(options);
  const auto columns = fraud_columns();
  write_atomic_with(path, [&](const fs::path& tmp) {
    std::ofstream out(tmp, std::ios::binary);
    if (!out) throw Error(path.string() + ": cannot write");
    for (size_t i = 0; i < columns.size(); ++i) out << (i ? "," : "") << '"' << columns[i] << '"';
    out << "\n";
    auto x = table.x.to(torch::kFloat64).contiguous();
    auto xa = x.accessor<double, 2>();
    auto ya = table.y.accessor<int64_t, 1>();
    char buf[64];
    for (int64_t r = 0; r < x.size(0); ++r) {
      std::snprintf(buf, sizeof buf, "%.0f", xa[r][0]);
      out << buf;
      for (int64_t c = 1; c <= kComponents; ++c) {
        std::snprintf(buf, sizeof buf, ",%.6f", xa[r][c]);
        out << buf;
      }
      std::snprintf(buf, sizeof buf, ",%.2f,\"%lld\"\n", xa[r][kComponents + 1], static_cast<long long>(ya[r]));
      out << buf;
    }
    out.flush();
    if (!out) throw Error(path.string() + ": write failed (disk full?)");
  });
}

}  // namespace latent
