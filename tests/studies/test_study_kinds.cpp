// A study kind defined inside the tests, as a new kind is added (its keys, one model type, its
// results and a runner; registered in one call): a GAN-shaped kind whose step trains two modules
// with two optimizers alternately. Run through `latent run`, interrupted mid-epoch and resumed, it
// ends exactly as an uninterrupted run; its keys are its own (another kind's are errors) and its
// declared headline is what the summary prints. Also: the anomaly kind resumes exactly.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "latent/core/fs.h"
#include "latent/data/batch.h"
#include "latent/studies/study.h"
#include "latent/studies/study_util.h"
#include "latent/training/optimizer.h"
#include "test_util.h"

namespace latent {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
const auto& cli = testing::run_cli;

using testing::FaultEnv;

class TwoPlayerStudy : public StudyRunner {
 public:
  void prepare(const Spec& base, const RunContext& ctx) override { load_image_data(base, ctx, data_, key_); }

  VariantResult run_variant(const Variant& variant, const RunContext& ctx) override {
    const Spec& spec = variant.spec;
    load_image_data(spec, ctx, data_, key_);
    const auto shape = data_.train.example_shape();
    const int64_t pixels = data_.train.x[0].numel();
    const int64_t noise = spec.get<int64_t>("model.noise");
    auto generator = torch::nn::Linear(noise, pixels);
    auto critic = torch::nn::Linear(pixels, 1);
    TrainSession session(ctx.device);
    session.add_module("generator", generator.ptr());
    session.add_module("critic", critic.ptr());
    const TrainingSpec t = TrainingSpec::from_values(spec.values);
    session.add_optimizer("critic", make_optimizer(t, critic->parameters()));
    TrainingSpec slower = t;
    slower.lr = t.lr * spec.get<double>("training.generator_lr_scale");
    session.add_optimizer("generator", make_optimizer(slower, generator->parameters()));
    session.add_generator("noise", static_cast<uint64_t>(spec.seed) + 5);
    auto step = [&](const Batch& b, TrainSession& s) {
      auto real = b["x"].reshape({b.size(), -1});
      auto fake = generator->forward(torch::randn({b.size(), noise}, s.generator("noise")));
      auto d_loss =
          torch::softplus(-critic->forward(real)).mean() + torch::softplus(critic->forward(fake.detach())).mean();
      s.minimize("critic", d_loss);
      auto g_loss = torch::softplus(-critic->forward(fake)).mean();
      s.minimize("generator", g_loss);
      StepStats stats;
      stats.mean("loss", g_loss, static_cast<double>(b.size()));
      stats.mean("critic_loss", d_loss, static_cast<double>(b.size()));
      return stats;
    };
    LoopOptions o = variant_loop_options(spec, variant, ctx, shape, false);
    History h = train_loop(session, TensorSource({{"x", data_.train.x}}), step, nullptr, o, *ctx.progress);
    write_history_csv(ctx.variant_dir / "history.csv", h);
    VariantResult r;
    r.metrics = loop_metrics(variant.name, spec, h, data_.train.size(), data_.test.size());
    torch::NoGradGuard no_grad;
    r.metrics["test"] = {
        {"critic_score",
         torch::sigmoid(critic->forward(data_.test.x.reshape({data_.test.size(), -1}))).mean().item<double>()},
        {"generator_norm", generator->weight.norm().item<double>()}};
    return r;
  }

  void finish(const std::vector<VariantResult>&, const fs::path& run_dir, const Spec&) override {
    write_file_atomic(run_dir / "results.md", "# two-player\n");
  }

 private:
  DataSplits data_;
  std::string key_;
};

void register_two_player() {
  StudyKind k;
  k.name = "two-player";
  k.doc = "tests: a generator and a critic stepped alternately";
  k.keys = image_data_keys();
  k.keys.push_back(float_key("training.generator_lr_scale", 0.5,
                             "the generator's learning rate as a fraction of training.lr", 0.0, 10.0));
  k.models = {{"pair",
               "a linear generator and a linear critic",
               {integer_key("model.noise", 4, "noise inputs of the generator", 1, 64)}}};
  k.results.headline = {{"test.critic_score", "critic score", "", 4, true}};
  k.results.summary = k.results.headline;
  k.results.curves = {{"critic_loss", "critic loss", false}};
  k.make = [] { return std::make_unique<TwoPlayerStudy>(); };
  register_study_kind(std::move(k));
}

TEST(StudyKinds, ATwoModuleKindResumesExactlyThroughTheCli) {
  register_two_player();
  TempDir tmp;
  testing::write_synthetic_idx(tmp / "data", 60, 12, 6);
  const fs::path spec = tmp / "gan.toml";
  std::ofstream(spec)
      << "study = \"gan-test\"\nkind = \"two-player\"\nseed = 9\n[data]\npath = \"" << (tmp / "data").string()
      << "\"\n[model]\ntype = \"pair\"\nnoise = 3\n[training]\nepochs = 3\nbatch_size = 16\nlr = 0.01\n";
  auto run = [&](const std::string& out) {
    return cli({"run", spec.string(), "--out", (tmp / out).string(), "--quiet", "--threads", "1"});
  };
  auto straight = run("straight");
  ASSERT_EQ(straight.code, 0) << straight.err;
  EXPECT_NE(straight.out.find("critic score 0."), std::string::npos) << straight.out;  // the kind's declared summary
  {
    FaultEnv env("int@6");  // 4 batches an epoch: epoch 2, batch 2
    auto r = run("stopped");
    ASSERT_EQ(r.code, 130) << r.err;
    EXPECT_NE(r.err.find("interrupted by SIGINT in epoch 2 after batch 2/4"), std::string::npos) << r.err;
  }
  auto r = cli({"run", "--resume", (tmp / "stopped").string(), "--quiet"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto a = nlohmann::json::parse(testing::read_file(tmp / "straight" / "metrics.json"));
  const auto b = nlohmann::json::parse(testing::read_file(tmp / "stopped" / "metrics.json"));
  EXPECT_EQ(a["variants"][0]["test"], b["variants"][0]["test"]);
  EXPECT_EQ(a["variants"][0]["final_train_loss"], b["variants"][0]["final_train_loss"]);
  EXPECT_EQ(a["results"]["headline_key"], "test.critic_score");
  const std::string history = testing::history_without_seconds(tmp / "straight" / "history.csv");
  EXPECT_EQ(history, testing::history_without_seconds(tmp / "stopped" / "history.csv"));
  EXPECT_NE(history.find("train_critic_loss"), std::string::npos) << history;
  EXPECT_NE(history.find("lr_generator"), std::string::npos) << history;

  // Its keys are its own: a reconstruction key is an error naming the kind.
  auto wrong = cli({"run", spec.string(), "--out", (tmp / "x").string(), "--quiet", "--set", "training.noise_std=0.1"});
  EXPECT_EQ(wrong.code, 2);
  EXPECT_NE(wrong.err.find("--set: training.noise_std: does not apply to kind 'two-player' with model.type 'pair'"),
            std::string::npos)
      << wrong.err;
}

TEST(StudyKinds, AnomalyResumesExactlyAfterAnInterruption) {
  TempDir tmp;
  const fs::path spec = tmp / "fraud.toml";
  std::ofstream(spec)
      << "study = \"fraud-resume\"\nkind = \"anomaly\"\nseed = 3\n[data]\nlabel = \"Class\"\nval_split = 0.25\n"
      << "synthetic_rows = 600\n[model]\nlatent = 4\n[training]\nepochs = 3\nbatch_size = 64\nloss = \"mse\"\nnoise_std = 0.1\n"
      << "[[variants]]\nname = \"ae\"\nmodel.output = \"identity\"\n[[variants]]\nname = \"vae\"\nmodel.type = \"dense_vae\"\n"
      << "model.output = \"identity\"\ntraining.kl_warmup_epochs = 2\n";
  auto run = [&](const std::string& out) {
    return cli({"run", spec.string(), "--out", (tmp / out).string(), "--quiet", "--threads", "1"});
  };
  ASSERT_EQ(run("straight").code, 0);
  {
    FaultEnv env("term@22");  // 5 batches an epoch: epoch 2 of the second variant (the VAE with its KL warm-up)
    ASSERT_EQ(run("stopped").code, 143);
  }
  auto r = cli({"run", "--resume", (tmp / "stopped").string(), "--quiet"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto a = nlohmann::json::parse(testing::read_file(tmp / "straight" / "metrics.json"));
  const auto b = nlohmann::json::parse(testing::read_file(tmp / "stopped" / "metrics.json"));
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(a["variants"][i]["test"], b["variants"][i]["test"]) << i;
    EXPECT_EQ(a["variants"][i]["threshold"], b["variants"][i]["threshold"]) << i;
  }
}

}  // namespace
}  // namespace latent
