// Study runners: one per study kind (reconstruction, later classification, vae, anomaly...),
// registered by name. A runner trains and evaluates one variant inside its own folder and
// returns that variant's metrics; the orchestration around it lives in runner.h.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "latent/studies/spec.h"
#include "latent/training/progress.h"

namespace latent {

// What a variant runner gets besides its spec.
struct RunContext {
  torch::Device device = torch::kCPU;
  std::string data_dir;              // --data-dir, first in the data search order
  std::filesystem::path variant_dir; // where this variant writes its files
  Progress* progress = nullptr;
  bool resume = false;               // continue from the variant's train_state.pt when there is one
};

// What a variant leaves for the study-level report.
struct VariantResult {
  nlohmann::json metrics;            // {"name", "test": {...}, "train_seconds", "samples_per_second", ...}
  std::vector<torch::Tensor> grid_rows;  // rows for the study's combined figure (optional)
  std::vector<std::string> grid_labels;
};

class StudyRunner {
 public:
  virtual ~StudyRunner() = default;
  // Loads what every variant shares (the data) once; called before the first variant.
  virtual void prepare(const Spec& base, const RunContext& ctx) = 0;
  virtual VariantResult run_variant(const Variant& variant, const RunContext& ctx) = 0;
  // Writes study-level figures and tables from all variants' results into `run_dir`.
  virtual void finish(const std::vector<VariantResult>& results, const std::filesystem::path& run_dir, const Spec& base) = 0;
};

using StudyRunnerFactory = std::function<std::unique_ptr<StudyRunner>()>;

void register_study_kind(const std::string& kind, StudyRunnerFactory factory);
std::unique_ptr<StudyRunner> make_study_runner(const std::string& kind);
std::vector<std::string> study_kinds();

}  // namespace latent
