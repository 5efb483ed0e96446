// The training loop: dropping gradients gives the same numbers as zeroing them, stall detection and
// its warning. (The fused Adam and the fused losses: tests/kernels.)
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "latent/training/history.h"
#include "latent/training/optimizer.h"
#include "latent/training/progress.h"
#include "latent/training/trainer.h"
#include "test_util.h"

namespace latent {
namespace {

// Trains a small linear model one epoch and returns its weights.
torch::Tensor train_linear(bool grads_to_none) {
  torch::manual_seed(11);
  auto x = torch::rand({100, 6});
  TensorDataset data{x, torch::Tensor()};
  torch::nn::Linear model(6, 6);
  TrainingSpec spec;
  auto opt = make_optimizer(spec, model->parameters());
  FitOptions fo;
  fo.epochs = 2;
  fo.batch_size = 16;
  fo.grads_to_none = grads_to_none;
  auto progress = make_progress(ProgressStyle::kQuiet);
  auto history = fit(*model, *opt, data, [&](const TensorDataset& b) { return torch::mse_loss(model->forward(b.x), b.x); },
                     nullptr, fo, *progress);
  EXPECT_EQ(history.size(), 2u);
  EXPECT_LT(history[1].train_loss, history[0].train_loss);
  return model->weight.detach().clone();
}

TEST(Trainer, DroppingGradientsGivesTheSameWeightsAsZeroingThem) {
  EXPECT_TRUE(torch::equal(train_linear(true), train_linear(false)));
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

TEST(Trainer, StalledSinceNeedsThreeEpochsOfTheSameLosses) {
  const double nan = std::nan("");
  // conv-dae's L1 model at seed 45 (history.csv): dead from epoch 2.
  EXPECT_EQ(stalled_since(losses({{0.28747075, 0.28668309}, {0.28596922, 0.28668309}, {0.28596922, 0.28668309},
                                  {0.28596922, 0.28668309}})), 2);
  EXPECT_EQ(stalled_since(losses({{0.28596922, 0.28668309}, {0.28596922, 0.28668309}})), 0);  // two epochs are not enough
  EXPECT_EQ(stalled_since(losses({{0.3, nan}, {0.3 * (1 + 4e-7), nan}, {0.3, nan}})), 1);     // within 1e-6: the same
  EXPECT_EQ(stalled_since(losses({{0.3, nan}, {0.3 * (1 + 3e-6), nan}, {0.3, nan}})), 0);     // still moving
  EXPECT_EQ(stalled_since(losses({{0.3, 0.2}, {0.3, 0.21}, {0.3, 0.2}})), 0);                 // validation still moves
  EXPECT_EQ(stalled_since(losses({{0.3, 0.2}, {0.3, nan}, {0.3, 0.2}})), 0);
  // A slowly converging run (deep-ae's last epochs change the loss by ~1e-4 relative) is not stalled.
  EXPECT_EQ(stalled_since(losses({{0.26480, nan}, {0.26475, nan}, {0.26471, nan}})), 0);
}

// A recording Progress: the trainer's messages.
class Messages : public Progress {
 public:
  void begin_epoch(const std::string&, int64_t, int64_t, int64_t) override {}
  void batch(int64_t, double, int64_t) override {}
  void end_epoch(const EpochRecord&, int64_t) override {}
  void message(const std::string& line) override { lines.push_back(line); }
  bool wants_batches() const override { return false; }
  std::vector<std::string> lines;
};

TEST(Trainer, WarnsOnceWhenTheLossStopsChanging) {
  torch::manual_seed(3);
  auto x = torch::rand({64, 4});
  TensorDataset data{x, torch::Tensor()};
  for (const double lr : {0.0, 1e-2}) {
    torch::nn::Linear model(4, 4);
    TrainingSpec spec;
    spec.lr = lr;  // 0: nothing can change, the model has "stopped learning" from epoch 1
    auto opt = make_optimizer(spec, model->parameters());
    FitOptions fo;
    fo.epochs = 5;
    fo.batch_size = 64;  // one batch an epoch: the same examples, the same loss when nothing moves
    fo.label = "lr" + std::to_string(lr);
    Messages progress;
    fit(*model, *opt, data, [&](const TensorDataset& b) { return torch::mse_loss(model->forward(b.x), b.x); }, nullptr, fo, progress);
    const auto warnings = std::count_if(progress.lines.begin(), progress.lines.end(),
                                        [](const std::string& l) { return l.find("has not changed since epoch 1") != std::string::npos; });
    EXPECT_EQ(warnings, lr == 0.0 ? 1 : 0) << lr;
  }
}

}  // namespace
}  // namespace latent
