// Helpers shared by the classifier model tests: training one batch with Adam and cross-entropy,
// and the save/load and batch-vs-singles invariance checks.
#pragma once

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <sstream>
#include <string>
#include <utility>

#include "latent/core/error.h"
#include "latent/core/eval_mode.h"
#include "loop_util.h"

namespace latent::testing {

// The message of the UsageError that building a Model from `options` throws, or "" when it
// throws none (another Error fails the test).
template <typename Model, typename Options>
std::string usage_error_of(const Options& options) {
  try {
    Model model(options);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

// `steps` Adam steps (learning rate lr) of mean cross-entropy of model(x) against labels y.
// Returns {first loss, last loss}.
template <typename Model>
std::pair<double, double> fit_one_batch(Model& model, const torch::Tensor& x, const torch::Tensor& y, int steps,
                                        double lr = 1e-2) {
  return adam_first_last(model->parameters(), lr, steps,
                         [&] { return torch::nn::functional::cross_entropy(model->forward(x), y); });
}

// model saved with torch::save and loaded into `fresh` (the same layout, other weights) gives
// bit-identical outputs on x in evaluation mode.
template <typename Model>
void expect_save_load_identical(Model& model, Model fresh, const torch::Tensor& x) {
  std::stringstream stream;
  torch::save(model, stream);
  torch::load(fresh, stream);
  EvalMode a(*model), b(*fresh);
  EXPECT_TRUE(torch::equal(model->forward(x), fresh->forward(x)));
}

// In evaluation mode each example of x alone gives the row the whole batch gives it.
template <typename Model>
void expect_batch_equals_singles(Model& model, const torch::Tensor& x, double tolerance) {
  EvalMode guard(*model);
  auto batch = model->forward(x);
  for (int64_t i = 0; i < x.size(0); ++i)
    EXPECT_TRUE(torch::allclose(model->forward(x.slice(0, i, i + 1)), batch.slice(0, i, i + 1), tolerance, tolerance))
        << i;
}

}  // namespace latent::testing
