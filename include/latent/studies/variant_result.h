// A finished variant's result (metrics and figure rows) kept as variant_result.pt in its
// folder: a resumed run keeps finished variants instead of redoing them, and `--jobs` workers
// hand their results to the parent process through it.
#pragma once

#include <torch/types.h>

#include <filesystem>

#include "latent/studies/study.h"

namespace latent {

constexpr const char* kVariantResultFile = "variant_result.pt";

// Written atomically.
void save_variant_result(const std::filesystem::path& path, const VariantResult& result);

// Throws Error naming the file when it is damaged.
VariantResult load_variant_result(const std::filesystem::path& path, const torch::Device& device);

// Marks a variant finished: saves its result and deletes its training state (train_state.pt).
void finish_variant(const std::filesystem::path& variant_dir, const VariantResult& result);

}  // namespace latent
