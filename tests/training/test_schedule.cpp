// Learning-rate schedules and early stopping on hand-computed sequences (their use in the loop: test_loop.cpp).
#include <gtest/gtest.h>

#include <cmath>

#include "latent/training/schedule.h"

namespace latent {
namespace {

TEST(StepLr, DecaysEveryStepSizeEpochs) {
  StepLr s(0.1, 3, 0.5);
  std::vector<double> lrs;
  for (int64_t e = 1; e <= 7; ++e) lrs.push_back(s.step(e, 0.0));
  // lr for epochs 2..8: 0.1 0.1 0.05 0.05 0.05 0.025 0.025
  const std::vector<double> expected = {0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025};
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(lrs[i], expected[i], 1e-15) << i;
}

TEST(MultiStepLr, DecaysAtEachMilestone) {
  MultiStepLr s(1.0, {2, 4}, 0.1);
  std::vector<double> lrs;
  for (int64_t e = 1; e <= 5; ++e) lrs.push_back(s.step(e, 0.0));
  // lr for epochs 2..6: 1 (1 epoch done), 0.1 (2), 0.1 (3), 0.01 (4), 0.01 (5)
  const std::vector<double> expected = {1.0, 0.1, 0.1, 0.01, 0.01};
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(lrs[i], expected[i], 1e-15) << i;
}

TEST(CosineLr, FollowsTheHalfCosineToMinLr) {
  CosineLr s(1.0, 4, 0.2);
  // epoch e done of 4: 0.2 + 0.8 (1 + cos(pi e / 4)) / 2
  EXPECT_NEAR(s.step(1, 0.0), 0.2 + 0.8 * (1 + std::sqrt(0.5)) / 2, 1e-15);
  EXPECT_NEAR(s.step(2, 0.0), 0.6, 1e-15);
  EXPECT_NEAR(s.step(3, 0.0), 0.2 + 0.8 * (1 - std::sqrt(0.5)) / 2, 1e-15);
  EXPECT_NEAR(s.step(4, 0.0), 0.2, 1e-15);
  EXPECT_NEAR(s.step(9, 0.0), 0.2, 1e-15);
}

TEST(PlateauLr, HandComputedSequence) {
  PlateauLr s(1.0, 1, 0.5, 0.2);
  // loss:  5    4    4    4    3.9999  3    3    3    3    3
  // best:  5    4    4    4    4(*)    3    3    3    3    3      (*) 3.9999 > 4 * (1 - 1e-4) = 3.9996
  // bad:   0    0    1    2->0 1       0    1    2->0 1    2->0
  // lr:    1    1    1    .5   .5      .5   .5   .25  .25  .2 (floor)
  const std::vector<double> losses = {5, 4, 4, 4, 3.9999, 3, 3, 3, 3, 3};
  const std::vector<double> expected = {1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.2};
  for (size_t i = 0; i < losses.size(); ++i)
    EXPECT_DOUBLE_EQ(s.step(static_cast<int64_t>(i + 1), losses[i]), expected[i]) << i;
}

TEST(PlateauLr, NanCountsAsNoImprovement) {
  PlateauLr s(1.0, 0, 0.1, 0.0);
  EXPECT_DOUBLE_EQ(s.step(1, 2.0), 1.0);
  EXPECT_NEAR(s.step(2, std::nan("")), 0.1, 1e-15);
}

TEST(EarlyStopping, StopsAfterPatienceEpochsWithoutImprovement) {
  EarlyStopping stop(2);
  EXPECT_FALSE(stop.update(3.0));
  EXPECT_FALSE(stop.update(2.0));
  EXPECT_FALSE(stop.update(2.5));  // 1 bad
  EXPECT_FALSE(stop.update(1.5));  // better: reset
  EXPECT_FALSE(stop.update(1.5));  // equal is not better: 1 bad
  EXPECT_TRUE(stop.update(1.7));   // 2 bad
  EXPECT_DOUBLE_EQ(stop.best(), 1.5);
  EXPECT_EQ(stop.best_epoch(), 4);
  EarlyStopping off(0);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(off.update(1.0 + i));
}

}  // namespace
}  // namespace latent
