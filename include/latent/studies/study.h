// Study kinds: each declares what it is (its keys, its model types and their keys, its results)
// and how it runs (a StudyRunner that trains and evaluates one variant inside its own folder and
// returns that variant's metrics). The orchestration around it lives in runner.h. Adding a kind:
// its own files under src/studies/, one line in study_registry.cpp, its built-in configs.
#pragma once

#include <torch/types.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "latent/core/keys.h"
#include "latent/report/results_schema.h"
#include "latent/studies/spec.h"
#include "latent/training/loop.h"
#include "latent/training/progress.h"

namespace latent {

// What a variant runner gets besides its spec.
struct RunContext {
  torch::Device device = torch::kCPU;
  std::string data_dir;               // --data-dir, first in the data search order
  std::filesystem::path variant_dir;  // where this variant writes its files
  Progress* progress = nullptr;
  bool resume = false;                                   // continue from the variant's train_state.pt when there is one
  std::vector<std::shared_ptr<LoopObserver>> observers;  // passed to every training loop (tests, tools)
};

// What a variant leaves for the study-level report.
struct VariantResult {
  nlohmann::json metrics;                // {"name", "test": {...}, "train_seconds", "samples_per_second", ...}
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
  virtual void finish(const std::vector<VariantResult>& results, const std::filesystem::path& run_dir,
                      const Spec& base) = 0;
};

// A model type a kind accepts for model.type, with the model.* keys it reads.
struct ModelTypeInfo {
  std::string type;
  std::string doc;
  std::vector<KeyDef> keys;
};

struct StudyKind {
  std::string name;  // the value of `kind`
  std::string doc;   // one line
  // The kind's own keys besides the loop's (training_keys()): data.*, its objective's and its
  // evaluation's. A key declared here and by the loop takes this declaration (its default, its check).
  std::vector<KeyDef> keys;
  std::vector<ModelTypeInfo> models;  // model.type's choices; the first is the default
  ResultSchema results;
  // Derived keys and rules across keys, on each resolved variant (e.g. a loss that needs a sigmoid
  // output); throws UsageError naming spec.where(key) and the key.
  std::function<void(Spec&)> resolve;
  std::function<std::unique_ptr<StudyRunner>()> make;
};

// Every kind, in registry order (study_registry.cpp).
const std::vector<StudyKind>& study_kinds();
// The kind named `name`; UsageError "kind: unknown study kind ..." naming the known ones.
const StudyKind& study_kind(const std::string& name);
// Adds a kind (tests add their own); replaces one of the same name.
void register_study_kind(StudyKind kind);
std::unique_ptr<StudyRunner> make_study_runner(const std::string& kind);

}  // namespace latent
