// Stratified train / held-out splits: each class keeps its share of the examples in both parts,
// drawn from a seeded generator, so the same labels and seed always give the same split.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>

namespace latent {

// Indices into the labels, each part sorted ascending.
struct SplitIndices {
  torch::Tensor train;     // (N − M,) int64
  torch::Tensor held_out;  // (M,) int64, M = round(N · fraction) clamped to [1, N − 1]
};

// Splits examples with labels (N,) int64 >= 0 so that each class contributes round-about its share:
// class c with n_c examples gives floor(n_c · fraction) held-out examples, and the remaining ones up
// to M go to the classes with the largest remainders (ties: lower class first), never taking a
// class's last training example. Which examples of a class are held out is a torch::randperm of
// the class drawn from a CPU generator seeded with `seed`, class by class in increasing order.
// Throws UsageError naming `what` (e.g. "data.val_split") for a fraction outside (0, 1) or fewer
// than 2 examples.
SplitIndices stratified_split(const torch::Tensor& labels, double fraction, uint64_t seed, const std::string& what);

// The unstratified split (for multi-label targets, which have no single class to stratify by): M =
// round(N · fraction) clamped to [1, N − 1] examples held out, the first M of a torch::randperm(N)
// drawn from a CPU generator seeded with `seed`. Throws as stratified_split.
SplitIndices random_split(int64_t n, double fraction, uint64_t seed, const std::string& what);

}  // namespace latent
