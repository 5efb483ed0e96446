// The training loop: the same numbers as a hand-written LibTorch loop, schedules and early
// stopping, gradient clipping, keeping the best weights by a monitored column in either direction,
// step statistics, observers, the stalled-loss warning, and an exact resume of a session of two
// modules and two optimizers stepped alternately.
#include <gtest/gtest.h>

#include <cmath>
#include <csignal>

#include "latent/core/interrupt.h"
#include "latent/training/loop.h"
#include "latent/training/optimizer.h"
#include "latent/training/schedule.h"
#include "latent/training/train_state.h"
#include "loop_util.h"
#include "test_util.h"

namespace latent {
namespace {

using testing::fit_simple;

// A recording Progress: the loop's messages.
class Messages : public Progress {
 public:
  void begin_epoch(const std::string&, int64_t, int64_t, int64_t) override {}
  void batch(int64_t, double, int64_t) override {}
  void end_epoch(const EpochRecord&, int64_t) override {}
  void message(const std::string& line) override { lines.push_back(line); }
  bool wants_batches() const override { return false; }
  std::vector<std::string> lines;
};

LoopOptions options(int64_t epochs, int64_t batch_size) {
  LoopOptions o;
  o.training.epochs = epochs;
  o.training.batch_size = batch_size;
  return o;
}

TEST(Loop, GivesTheWeightsOfAHandWrittenLibTorchLoop) {
  torch::manual_seed(11);
  const auto x = torch::rand({100, 6});
  auto run_loop = [&] {
    torch::manual_seed(5);
    auto model = torch::nn::Linear(6, 6);
    auto progress = make_progress(ProgressStyle::kQuiet);
    auto opt = std::make_unique<torch::optim::Adam>(model->parameters(), torch::optim::AdamOptions(1e-2));
    const History h = fit_simple(
        model.ptr(), std::move(opt), x, [&](const torch::Tensor& b) { return torch::mse_loss(model->forward(b), b); },
        options(3, 16), *progress);
    EXPECT_EQ(h.size(), 3u);
    EXPECT_LT(h[2].train_loss, h[0].train_loss);
    return std::make_pair(model->weight.detach().clone(), h.back().train_loss);
  };
  auto run_by_hand = [&] {
    torch::manual_seed(5);
    auto model = torch::nn::Linear(6, 6);
    torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(1e-2));
    double last = 0;
    for (int epoch = 0; epoch < 3; ++epoch) {
      const auto order = torch::randperm(100, torch::kInt64);
      double sum = 0;
      for (int64_t b = 0; b < 100; b += 16) {
        const auto xb = x.index_select(0, order.slice(0, b, std::min<int64_t>(100, b + 16)));
        opt.zero_grad();
        auto loss = torch::mse_loss(model->forward(xb), xb);
        loss.backward();
        opt.step();
        sum += loss.item<double>() * static_cast<double>(xb.size(0));
      }
      last = sum / 100;
    }
    return std::make_pair(model->weight.detach().clone(), last);
  };
  const auto loop = run_loop();
  const auto hand = run_by_hand();
  EXPECT_TRUE(torch::equal(loop.first, hand.first));
  EXPECT_NEAR(loop.second, hand.second, 1e-12 * hand.second);
}

TEST(Loop, AppliesTheScheduleAndStopsEarly) {
  torch::manual_seed(0);
  auto model = torch::nn::Linear(2, 1);
  TrainSession session;
  session.add_module("model", model.ptr());
  session.add_optimizer("model",
                        std::make_unique<torch::optim::SGD>(model->parameters(), torch::optim::SGDOptions(0.4)));
  session.add_schedule("model", std::make_unique<StepLr>(0.4, 1, 0.5));
  const TensorSource train({{"x", torch::rand({8, 2})}});
  // A validation loss that improves twice and then gets worse.
  const std::vector<double> val = {3, 2, 2.5, 2.6, 2.7, 2.8};
  size_t calls = 0;
  auto step = [&](const Batch& b, TrainSession& s) {
    auto loss = model->forward(b["x"]).pow(2).mean();
    s.minimize("model", loss);
    StepStats stats;
    stats.mean("loss", loss, static_cast<double>(b.size()));
    return stats;
  };
  auto evaluate = [&](TrainSession&) -> std::vector<std::pair<std::string, double>> {
    return {{"loss", val.at(calls++)}};
  };
  LoopOptions o = options(6, 4);
  o.training.early_stopping_patience = 2;
  auto progress = make_progress(ProgressStyle::kQuiet);
  History h = train_loop(session, train, step, evaluate, o, *progress);
  ASSERT_EQ(h.size(), 4u);  // epochs 3 and 4 bring no improvement over epoch 2
  const std::vector<double> lrs = {0.4, 0.2, 0.1, 0.05};
  for (size_t i = 0; i < 4; ++i) EXPECT_NEAR(h[i].lr, lrs[i], 1e-12) << i;
}

// A run whose evaluation reports an accuracy that peaks in epoch 2.
struct PeakRun {
  History history;
  torch::Tensor final_weight;
  std::vector<torch::Tensor> weights;  // after each epoch
  std::vector<std::string> messages;
};

PeakRun run_with_peak(const std::string& keep, const std::string& monitor, bool higher, int64_t patience) {
  torch::manual_seed(2);
  auto model = torch::nn::Linear(3, 3);
  TrainSession session;
  session.add_module("model", model.ptr());
  session.add_optimizer("model",
                        std::make_unique<torch::optim::SGD>(model->parameters(), torch::optim::SGDOptions(0.1)));
  const TensorSource train({{"x", torch::rand({12, 3})}});
  const std::vector<double> accuracy = {0.5, 0.9, 0.7, 0.6, 0.8};
  PeakRun run;
  auto step = [&](const Batch& b, TrainSession& s) {
    auto loss = (model->forward(b["x"]) - b["x"]).pow(2).mean();
    s.minimize("model", loss);
    StepStats stats;
    stats.mean("loss", loss, static_cast<double>(b.size()));
    return stats;
  };
  auto evaluate = [&](TrainSession& s) -> std::vector<std::pair<std::string, double>> {
    run.weights.push_back(model->weight.detach().clone());
    return {{"loss", 1.0 - accuracy.at(static_cast<size_t>(s.epoch() - 1))},
            {"accuracy", accuracy.at(static_cast<size_t>(s.epoch() - 1))}};
  };
  LoopOptions o = options(5, 4);
  o.training.keep = keep;
  o.training.monitor = monitor;
  o.training.early_stopping_patience = patience;
  o.monitor_higher_is_better = higher;
  Messages progress;
  run.history = train_loop(session, train, step, evaluate, o, progress);
  run.final_weight = model->weight.detach().clone();
  run.messages = progress.lines;
  return run;
}

TEST(Loop, KeepsTheBestWeightsByTheMonitoredColumn) {
  const PeakRun best = run_with_peak("best", "val_accuracy", true, 0);
  ASSERT_EQ(best.history.size(), 5u);
  EXPECT_DOUBLE_EQ(history_value(best.history[1], "val_accuracy"), 0.9);
  EXPECT_TRUE(torch::equal(best.final_weight, best.weights[1])) << "the weights of epoch 2";
  ASSERT_FALSE(best.messages.empty());
  EXPECT_NE(best.messages.back().find("keeping the weights of epoch 2 (best val_accuracy 0.9"), std::string::npos)
      << best.messages.back();
  const PeakRun last = run_with_peak("last", "val_accuracy", true, 0);
  EXPECT_TRUE(torch::equal(last.final_weight, last.weights[4]));
  // The loss falls in the same epoch the accuracy peaks: a lower-is-better monitor picks it too.
  const PeakRun by_loss = run_with_peak("best", "val_loss", false, 0);
  EXPECT_TRUE(torch::equal(by_loss.final_weight, by_loss.weights[1]));
  // The wrong direction would keep the worst epoch (1): the direction matters.
  const PeakRun wrong = run_with_peak("best", "val_accuracy", false, 0);
  EXPECT_TRUE(torch::equal(wrong.final_weight, wrong.weights[0]));
}

TEST(Loop, EarlyStoppingWatchesTheMonitorInItsDirection) {
  const PeakRun stopped = run_with_peak("last", "val_accuracy", true, 2);
  EXPECT_EQ(stopped.history.size(), 4u);  // epochs 3 and 4 are below the 0.9 of epoch 2
  EXPECT_NE(stopped.messages.back().find("early stop after epoch 4 (best val_accuracy 0.9"), std::string::npos)
      << stopped.messages.back();
}

TEST(Loop, ClipsTheGradientNormBeforeTheStep) {
  // One SGD step with lr 1 on loss = 10·Σw: the gradient is 10 everywhere (norm 10·√n); clipped to
  // norm 1, every weight moves by 1/√n.
  auto run = [](double clip) {
    auto w = torch::zeros({4}, torch::requires_grad());
    TrainSession session;
    auto holder = std::make_shared<torch::nn::Module>();
    holder->register_parameter("w", w);
    session.add_module("m", holder);
    session.add_optimizer(
        "m", std::make_unique<torch::optim::SGD>(std::vector<torch::Tensor>{w}, torch::optim::SGDOptions(1.0)));
    session.set_clip_norm(clip);
    session.minimize("m", w.sum() * 10.0);
    return w.detach().clone();
  };
  EXPECT_TRUE(torch::allclose(run(0.0), torch::full({4}, -10.0)));
  EXPECT_TRUE(torch::allclose(run(1.0), torch::full({4}, -0.5), 1e-6, 1e-6));  // 1 / √4
}

TEST(Loop, StepStatsAreEpochTotalsOfNumeratorsOverDenominators) {
  torch::manual_seed(1);
  auto model = torch::nn::Linear(1, 1);
  TrainSession session;
  session.add_module("model", model.ptr());
  session.add_optimizer("model",
                        std::make_unique<torch::optim::SGD>(model->parameters(), torch::optim::SGDOptions(0.0)));
  const TensorSource train({{"x", torch::arange(10, torch::kFloat32).reshape({10, 1})}});
  auto step = [&](const Batch& b, TrainSession& s) {
    auto loss = model->forward(b["x"]).sum() * 0.0 + b["x"].mean();  // the batch's mean x
    s.minimize("model", loss);
    StepStats stats;
    stats.mean("loss", loss, static_cast<double>(b.size()));
    stats.ratio("big", (b["x"] >= 5).sum(), static_cast<double>(b.size()));  // share of x >= 5
    return stats;
  };
  auto progress = make_progress(ProgressStyle::kQuiet);
  const History h = train_loop(session, train, step, nullptr, options(1, 3), *progress);  // batches of 3, 3, 3, 1
  EXPECT_NEAR(h[0].train_loss, 4.5, 1e-6);  // the mean of 0..9 whatever the batches (float32 batch means)
  EXPECT_NEAR(history_value(h[0], "train_big"), 0.5, 1e-12);
  EXPECT_TRUE(std::isnan(h[0].val_loss));
}

// Turns the loss of batch `at` into NaN (what LATENT_FAULT=nan@N does).
class NanAt : public LoopObserver {
 public:
  explicit NanAt(int64_t at) : at_(at) {}
  void after_batch(TrainSession&, StepStats& stats) override {
    if (++seen_ == at_) stats.find("loss")->value = torch::full({}, std::nan(""));
  }

 private:
  int64_t at_, seen_ = 0;
};

TEST(Loop, ANonFiniteLossStopsTheRunNamingTheEpoch) {
  torch::manual_seed(3);
  auto model = torch::nn::Linear(2, 2);
  const auto x = torch::rand({8, 2});
  LoopOptions o = options(3, 4);
  o.label = "t";
  o.observers.push_back(std::make_shared<NanAt>(3));  // the first batch of epoch 2
  auto progress = make_progress(ProgressStyle::kQuiet);
  try {
    fit_simple(
        model.ptr(), std::make_unique<torch::optim::SGD>(model->parameters(), torch::optim::SGDOptions(0.1)), x,
        [&](const torch::Tensor& b) { return torch::mse_loss(model->forward(b), b); }, o, *progress);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("t: training loss became nan in epoch 2"), std::string::npos) << e.what();
  }
}

History losses(const std::vector<std::pair<double, double>>& train_val) {
  History h;
  for (const auto& [train, val] : train_val) {
    EpochRecord r;
    r.epoch = static_cast<int64_t>(h.size()) + 1;
    r.train_loss = train;
    r.val_loss = val;
    h.push_back(r);
  }
  return h;
}

TEST(Loop, StalledSinceNeedsThreeEpochsOfTheSameLosses) {
  const double nan = std::nan("");
  // conv-dae's L1 model at seed 45 (history.csv): dead from epoch 2.
  EXPECT_EQ(
      stalled_since(losses(
          {{0.28747075, 0.28668309}, {0.28596922, 0.28668309}, {0.28596922, 0.28668309}, {0.28596922, 0.28668309}})),
      2);
  EXPECT_EQ(stalled_since(losses({{0.28596922, 0.28668309}, {0.28596922, 0.28668309}})),
            0);                                                                            // two epochs are not enough
  EXPECT_EQ(stalled_since(losses({{0.3, nan}, {0.3 * (1 + 4e-7), nan}, {0.3, nan}})), 1);  // within 1e-6: the same
  EXPECT_EQ(stalled_since(losses({{0.3, nan}, {0.3 * (1 + 3e-6), nan}, {0.3, nan}})), 0);  // still moving
  EXPECT_EQ(stalled_since(losses({{0.3, 0.2}, {0.3, 0.21}, {0.3, 0.2}})), 0);              // validation still moves
  EXPECT_EQ(stalled_since(losses({{0.3, 0.2}, {0.3, nan}, {0.3, 0.2}})), 0);
  // A slowly converging run (deep-ae's last epochs change the loss by ~1e-4 relative) is not stalled.
  EXPECT_EQ(stalled_since(losses({{0.26480, nan}, {0.26475, nan}, {0.26471, nan}})), 0);
}

TEST(Loop, WarnsOnceWhenTheLossStopsChanging) {
  torch::manual_seed(3);
  const auto x = torch::rand({64, 4});
  for (const double lr : {0.0, 1e-2}) {
    auto model = torch::nn::Linear(4, 4);
    TrainingSpec spec;
    spec.lr = lr;                    // 0: nothing can change, the model has "stopped learning" from epoch 1
    LoopOptions o = options(5, 64);  // one batch an epoch: the same examples, the same loss when nothing moves
    o.label = "lr" + std::to_string(lr);
    Messages progress;
    fit_simple(
        model.ptr(), make_optimizer(spec, model->parameters()), x,
        [&](const torch::Tensor& b) { return torch::mse_loss(model->forward(b), b); }, o, progress);
    const auto warnings = std::count_if(progress.lines.begin(), progress.lines.end(), [](const std::string& l) {
      return l.find("has not changed since epoch 1") != std::string::npos;
    });
    EXPECT_EQ(warnings, lr == 0.0 ? 1 : 0) << lr;
  }
}

// A GAN-shaped session: a "generator" and a "critic", each with its own Adam and learning rate,
// stepped alternately (critic, then generator) with noise from the session's own generator and a
// running state tensor; interrupted mid-epoch and resumed, it must end exactly where an
// uninterrupted run ends.
struct TwoPlayer {
  torch::nn::Linear generator{nullptr}, critic{nullptr};
  TrainSession session;

  TwoPlayer() {
    torch::manual_seed(21);
    generator = torch::nn::Linear(3, 4);
    critic = torch::nn::Linear(4, 1);
    session.add_module("generator", generator.ptr());
    session.add_module("critic", critic.ptr());
    session.add_optimizer("critic",
                          std::make_unique<torch::optim::Adam>(critic->parameters(), torch::optim::AdamOptions(2e-3)));
    session.add_optimizer(
        "generator", std::make_unique<torch::optim::Adam>(generator->parameters(), torch::optim::AdamOptions(1e-3)));
    session.add_generator("noise", 77);
    session.state("steps", torch::zeros({}, torch::kFloat64));
  }

  StepStats step(const Batch& b, TrainSession& s) {
    const auto& real = b["x"];
    auto z = torch::randn({real.size(0), 3}, s.generator("noise"));
    auto fake = generator->forward(z);
    auto critic_loss =
        torch::softplus(-critic->forward(real)).mean() + torch::softplus(critic->forward(fake.detach())).mean();
    s.minimize("critic", critic_loss);
    auto generator_loss = torch::softplus(-critic->forward(fake)).mean();
    s.minimize("generator", generator_loss);
    s.state("steps").add_(1.0);
    StepStats stats;
    stats.mean("loss", generator_loss, static_cast<double>(b.size()));
    stats.mean("critic_loss", critic_loss, static_cast<double>(b.size()));
    return stats;
  }
};

class InterruptAt : public LoopObserver {
 public:
  explicit InterruptAt(int64_t at) : at_(at) {}
  void after_batch(TrainSession&, StepStats&) override {
    if (++seen_ == at_) std::raise(SIGINT);
  }

 private:
  int64_t at_, seen_ = 0;
};

TEST(Loop, TwoModulesAndTwoOptimizersResumeExactly) {
  testing::TempDir tmp;
  const auto data = torch::rand({40, 4}) + 1.0;
  auto train = [&](const std::filesystem::path& state, bool resume, std::shared_ptr<LoopObserver> observer) {
    TwoPlayer p;
    LoopOptions o = options(3, 8);  // 5 batches an epoch
    o.state_path = state;
    o.resume = resume;
    o.state_meta.kind = "test";
    if (observer) o.observers.push_back(observer);
    auto progress = make_progress(ProgressStyle::kQuiet);
    torch::manual_seed(4);
    const TensorSource source({{"x", data}});
    InterruptGuard guard;
    History h = train_loop(
        p.session, source, [&](const Batch& b, TrainSession& s) { return p.step(b, s); }, nullptr, o, *progress);
    return std::make_tuple(h, p.generator->weight.detach().clone(), p.critic->weight.detach().clone(),
                           p.session.state("steps").item<double>());
  };
  const auto straight = train(tmp / "a.pt", false, nullptr);
  EXPECT_EQ(std::get<3>(straight), 15.0);
  EXPECT_THROW(train(tmp / "b.pt", false, std::make_shared<InterruptAt>(7)), Interrupted);  // epoch 2, batch 2
  ASSERT_TRUE(std::filesystem::exists(tmp / "b.pt"));
  torch::manual_seed(999);  // the resumed run must not depend on the generator's state before it
  const auto resumed = train(tmp / "b.pt", true, nullptr);
  EXPECT_TRUE(torch::equal(std::get<1>(straight), std::get<1>(resumed)));
  EXPECT_TRUE(torch::equal(std::get<2>(straight), std::get<2>(resumed)));
  EXPECT_EQ(std::get<3>(resumed), 15.0);
  const History& a = std::get<0>(straight);
  const History& b = std::get<0>(resumed);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].train_loss, b[i].train_loss) << i;
    EXPECT_EQ(history_value(a[i], "train_critic_loss"), history_value(b[i], "train_critic_loss")) << i;
    EXPECT_EQ(history_value(a[i], "lr_generator"), 1e-3) << i;
    EXPECT_EQ(a[i].lr, 2e-3) << i;  // the first optimizer's
  }
}

TEST(Loop, ATrainingStateForAnotherSessionIsAClearError) {
  testing::TempDir tmp;
  TwoPlayer p;
  LoopState state;
  save_train_state(tmp / "s.pt", p.session, CheckpointMeta{}, state);
  TrainSession other;
  auto m = torch::nn::Linear(4, 1);
  other.add_module("model", m.ptr());
  other.add_optimizer("model", std::make_unique<torch::optim::SGD>(m->parameters(), torch::optim::SGDOptions(0.1)));
  try {
    load_train_state(tmp / "s.pt", other);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("training state without module 'model'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace latent
