// Variational autoencoders: KL and ELBO against hand-computed values, gradients through the
// reparameterization (double-precision finite differences), KL warm-up, overfitting one
// batch, and the vae study plus `latent sample` end to end.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "latent/core/error.h"
#include "latent/models/vae.h"
#include "latent/report/chart.h"
#include "latent/studies/vae.h"
#include "latent/training/vae_objective.h"
#include "loop_util.h"
#include "test_util.h"

namespace latent {
namespace {

using testing::run_cli;
using testing::TempDir;

TEST(Vae, KlMatchesHandComputedValue) {
  // KL(N(mu, s^2) || N(0, 1)) = 0.5 (s^2 + mu^2 - 1 - ln s^2) per dimension.
  auto mu = torch::tensor({{1.0, 0.0}, {0.0, 0.0}}, torch::kFloat64);
  auto logvar = torch::tensor({{0.0, std::log(2.0)}, {0.0, 0.0}}, torch::kFloat64);
  auto kl = kl_divergence(mu, logvar);
  ASSERT_EQ(kl.sizes(), (std::vector<int64_t>{2}));
  EXPECT_NEAR(kl[0].item<double>(), 0.5 * 1.0 + 0.5 * (2.0 - 1.0 - std::log(2.0)), 1e-12);
  EXPECT_NEAR(kl[1].item<double>(), 0.0, 1e-12);
}

TEST(Vae, ElboTermsMatchHandComputedValues) {
  VaeOutput out;
  out.logits = torch::zeros({1, 2}, torch::kFloat64);  // p = 0.5 for both pixels
  out.recon = torch::full({1, 2}, 0.5, torch::kFloat64);
  out.mu = torch::tensor({{1.0, 0.0}}, torch::kFloat64);
  out.logvar = torch::zeros({1, 2}, torch::kFloat64);
  auto target = torch::tensor({{1.0, 0.0}}, torch::kFloat64);
  VaeObjective bce;
  auto t = bce(out, target, 1.0);
  EXPECT_NEAR(t.recon.item<double>(), 2.0 * std::log(2.0), 1e-12);  // -ln 0.5 per pixel, summed
  EXPECT_NEAR(t.kl.item<double>(), 0.5, 1e-12);
  EXPECT_NEAR(t.loss.item<double>(), 2.0 * std::log(2.0) + 0.5, 1e-12);
  EXPECT_NEAR(bce(out, target, 0.25).loss.item<double>(), 2.0 * std::log(2.0) + 0.125, 1e-12);
  VaeObjective mse;
  mse.loss = "mse";
  EXPECT_NEAR(mse(out, target, 1.0).recon.item<double>(), 0.25 + 0.25, 1e-12);
  mse.loss = "l1";
  EXPECT_THROW(mse(out, target, 1.0), Error);
}

TEST(Vae, KlWarmupRisesLinearlyToBeta) {
  VaeObjective o;
  o.beta = 2.0;
  EXPECT_DOUBLE_EQ(o.beta_at(0, 5), 2.0);
  o.kl_warmup_epochs = 2;  // 10 steps
  EXPECT_DOUBLE_EQ(o.beta_at(0, 5), 0.2);
  EXPECT_DOUBLE_EQ(o.beta_at(4, 5), 1.0);
  EXPECT_DOUBLE_EQ(o.beta_at(9, 5), 2.0);
  EXPECT_DOUBLE_EQ(o.beta_at(50, 5), 2.0);
}

// Autograd's gradient of the KL in mu and logvar equals central finite differences.
TEST(Vae, KlGradientMatchesFiniteDifferences) {
  auto gen = at::detail::createCPUGenerator(3);
  auto mu = torch::randn({3, 4}, gen, torch::kFloat64).requires_grad_(true);
  auto logvar = torch::randn({3, 4}, gen, torch::kFloat64).requires_grad_(true);
  kl_divergence(mu, logvar).sum().backward();
  const double h = 1e-6;
  for (auto* p : {&mu, &logvar}) {
    auto analytic = p->grad().clone();
    auto base = p->detach().clone();
    for (int64_t i = 0; i < base.numel(); ++i) {
      auto plus = base.clone(), minus = base.clone();
      plus.view(-1)[i] += h;
      minus.view(-1)[i] -= h;
      auto f = [&](const torch::Tensor& v) {
        return (p == &mu ? kl_divergence(v, logvar.detach()) : kl_divergence(mu.detach(), v)).sum().item<double>();
      };
      EXPECT_NEAR(analytic.view(-1)[i].item<double>(), (f(plus) - f(minus)) / (2 * h), 1e-6);
    }
  }
}

// dz/dmu = 1 and dz/dlogvar = 0.5 exp(logvar / 2) eps: the sample carries gradients to both.
TEST(Vae, ReparameterizationGradientsReachMuAndLogvar) {
  auto mu = torch::tensor({0.5, -1.0, 2.0}, torch::kFloat64).requires_grad_(true);
  auto logvar = torch::tensor({0.0, std::log(4.0), -1.0}, torch::kFloat64).requires_grad_(true);
  torch::manual_seed(0);
  auto z = reparameterize(mu, logvar);
  z.sum().backward();
  auto eps = (z.detach() - mu.detach()) / torch::exp(0.5 * logvar.detach());
  EXPECT_TRUE(torch::allclose(mu.grad(), torch::ones({3}, torch::kFloat64)));
  EXPECT_TRUE(torch::allclose(logvar.grad(), 0.5 * torch::exp(0.5 * logvar.detach()) * eps, 1e-12, 1e-12));
  EXPECT_GT(logvar.grad().abs().sum().item<double>(), 0.0);

  // Through a whole model: the loss reaches both heads.
  VaeOptions o;
  o.input_shape = {1, 8, 8};
  o.hidden = {16};
  o.latent = 3;
  DenseVae model(o);
  auto x = torch::rand({4, 1, 8, 8});
  VaeObjective objective;
  objective(model->forward_vae(x), x, 1.0).loss.backward();
  EXPECT_GT(model->mu_head->weight.grad().abs().sum().item<double>(), 0.0);
  EXPECT_GT(model->logvar_head->weight.grad().abs().sum().item<double>(), 0.0);
}

TEST(Vae, ShapesOfDenseAndConv) {
  VaeOptions o;
  o.input_shape = {1, 12, 12};
  o.latent = 5;
  o.hidden = {8, 16};
  ConvVae conv(o);
  auto x = torch::rand({3, 1, 12, 12});
  auto out = conv->forward_vae(x);
  EXPECT_EQ(out.recon.sizes(), x.sizes());
  EXPECT_EQ(out.mu.sizes(), (std::vector<int64_t>{3, 5}));
  EXPECT_EQ(out.logvar.sizes(), (std::vector<int64_t>{3, 5}));
  EXPECT_EQ(conv->forward(x).code.sizes(), (std::vector<int64_t>{3, 5}));
  o.input_shape = {1, 10, 10};
  EXPECT_THROW(ConvVae{o}, Error);
  ModelSpec spec;
  spec.type = "dense_ae";
  EXPECT_THROW(make_vae(spec, {1, 8, 8}), Error);
  spec.type = "dense_vae";
  EXPECT_NE(make_vae(spec, {1, 8, 8}), nullptr);
}

template <class Model>
void expect_overfits(Model model) {
  torch::manual_seed(1);
  auto x = (torch::rand({8, 1, 12, 12}) > 0.7).to(torch::kFloat32);
  VaeObjective objective;
  const auto [first, last] = testing::adam_first_last(model->parameters(), 5e-3, 400,
                                                      [&] { return objective(model->forward_vae(x), x, 1.0).loss; });
  // The 8 random patterns carry 8 x 144 x H(0.3) = 8 x 88 nats; a memorised batch costs far less.
  EXPECT_LT(last, 0.5 * first) << "first " << first << " last " << last;
}

TEST(Vae, OverfitsOneBatch) {
  VaeOptions o;
  o.input_shape = {1, 12, 12};
  o.hidden = {64};
  o.latent = 8;
  expect_overfits(DenseVae(o));
  o.hidden = {8, 16};
  expect_overfits(ConvVae(o));
}

TEST(Vae, StudyRunAndSampleRoundTrip) {
  TempDir tmp;
  testing::write_synthetic_idx(tmp / "data", 128, 32);
  auto r = run_cli({"run",     "vae-fmnist",
                    "--set",   "data.path=" + (tmp / "data").string(),
                    "--set",   "data.dataset=idx",
                    "--set",   "training.epochs=6",
                    "--set",   "training.batch_size=16",
                    "--set",   "training.lr=3e-3",
                    "--set",   "model.hidden=[32]",
                    "--set",   "training.kl_warmup_epochs=1",
                    "--out",   (tmp / "run").string(),
                    "--quiet", "--threads",
                    "1"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto m = nlohmann::json::parse(testing::read_file(tmp / "run" / "metrics.json"));
  ASSERT_EQ(m["variants"].size(), 4u);
  for (const auto& v : m["variants"]) {
    const double recon = v["test"]["recon_nats"].get<double>(), kl = v["test"]["kl_nats"].get<double>();
    EXPECT_GT(recon, 0.0);
    EXPECT_GE(kl, 0.0);
    EXPECT_DOUBLE_EQ(v["test"]["elbo_nats"].get<double>(), -(recon + kl));
    // Far better than a constant p = 0.5 model (144 pixels * ln 2 = 99.8 nats).
    EXPECT_LT(recon + kl, 144 * std::log(2.0)) << v["name"];
  }
  for (const char* f :
       {"model.pt", "history.csv", "figures/reconstructions.png", "figures/samples.png", "figures/manifold.png"})
    EXPECT_TRUE(std::filesystem::exists(tmp / "run" / "dense-z2" / f)) << f;
  // The latent scatter is a chart: drawn where the build has PLplot.
  EXPECT_EQ(std::filesystem::exists(tmp / "run" / "dense-z2" / "figures" / "latent_scatter.png"), charts_available());
  EXPECT_FALSE(std::filesystem::exists(tmp / "run" / "dense-z16" / "figures" / "manifold.png"));
  EXPECT_NE(testing::read_file(tmp / "run" / "results.md").find("figures/latent_scatter.png (latent 2 only)"),
            std::string::npos);

  const auto model = (tmp / "run" / "conv-z16" / "model.pt").string();
  auto s = run_cli({"sample", model, "-n", "9", "-o", (tmp / "grid.png").string()});
  ASSERT_EQ(s.code, 0) << s.err;
  EXPECT_TRUE(std::filesystem::exists(tmp / "grid.png"));
  auto a = write_vae_samples(model, 4, 5, tmp / "a.png"), b = write_vae_samples(model, 4, 5, tmp / "b.png");
  auto c = write_vae_samples(model, 4, 6, tmp / "c.png");
  EXPECT_EQ(a.sizes(), (std::vector<int64_t>{4, 1, 12, 12}));
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_FALSE(torch::equal(a, c));

  auto bad = run_cli({"sample", (tmp / "none.pt").string(), "-o", (tmp / "x.png").string()});
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("no such checkpoint"), std::string::npos) << bad.err;
  EXPECT_EQ(run_cli({"sample", model, "-n", "0"}).code, 2);
}

TEST(Vae, ValidationLeavesTrainingsDrawsAlone) {
  // Validation runs on the test set here (no data.val_split), so test sets of 32 and 20 images make
  // the epoch's validation draw different numbers of posterior samples. Those come from their own
  // generator state (IsolatedRandomScope), so epoch 2 trains on the same draws either way; drawn
  // from training's generator, epoch 2's shuffle and samples, and so its loss, would differ.
  TempDir tmp;
  testing::write_synthetic_idx(tmp / "data", 96, 32);
  auto train_losses = [&](int test_limit) {
    const auto out = tmp / ("run" + std::to_string(test_limit));
    auto r =
        run_cli({"run", "vae-fmnist", "--set", "data.path=" + (tmp / "data").string(), "--set", "data.dataset=idx",
                 "--set", "training.epochs=2", "--set", "training.batch_size=16", "--set", "model.hidden=[16]", "--set",
                 "data.test_limit=" + std::to_string(test_limit), "--out", out.string(), "--quiet", "--threads", "1"});
    EXPECT_EQ(r.code, 0) << r.err;
    std::vector<std::string> columns;  // epoch 2's train_loss and val_loss of every variant
    for (const char* v : {"dense-z2", "dense-z16", "dense-z32", "conv-z16"})
      for (const auto& row : testing::csv_rows(out / v / "history.csv"))
        if (row.size() >= 3 && row[0] == "2") columns.insert(columns.end(), {row[1], row[2]});
    return columns;
  };
  const auto a = train_losses(32), b = train_losses(20);
  ASSERT_EQ(a.size(), 8u);
  ASSERT_EQ(b.size(), 8u);
  for (size_t i = 0; i < a.size(); i += 2) {
    EXPECT_EQ(a[i], b[i]) << "train_loss of variant " << i / 2;
    EXPECT_NE(a[i + 1], b[i + 1]) << "val_loss of variant " << i / 2;  // the two validation sets differ
  }
}

}  // namespace
}  // namespace latent
