// A study spec: typed sections with defaults, read from TOML, overridden by --set, checked
// key by key. Resolution order: defaults < file < variant < --set.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "latent/data/dataset.h"
#include "latent/models/model_spec.h"
#include "latent/training/training_spec.h"

namespace latent {

struct DataSpec {
  std::string dataset = "fashion-mnist";  // fashion-mnist | mnist | idx | images (a folder in data.path) | csv
  std::string path;                       // folder holding the data; empty: search the data folders
  int64_t train_limit = 0;                // use only the first N training examples (0: all)
  int64_t test_limit = 0;                 // use only the first N test examples (0: all)
  double val_split = 0.0;                 // fraction of the training set held out for validation
  std::string label;                      // csv: label column name (1 = anomaly); empty: none
  double test_split = 0.3;                // csv: fraction of all rows held out for testing
  int64_t image_size = 32;                // image folders: resized to image_size x image_size
  int64_t channels = 0;                   // image folders: 1, 3 or 0 (3 when any image is in colour)
  int64_t synthetic_rows = 50000;         // csv without data.path: rows of the synthetic credit-card table
};

struct EvaluationSpec {
  int64_t batch_size = 1000;  // batch size for evaluation passes
  int64_t grid_images = 10;   // test images shown in the reconstruction grid
  int64_t grid_scale = 2;     // each pixel drawn as scale x scale in figures
  std::string threshold = "f1";  // anomaly: f1 | percentile
  double percentile = 99.0;      // anomaly: percentile of normal validation scores
  std::string score = "recon_error";  // anomaly: recon_error | neg_elbo (VAE models)
  double noise_std = 0.0;     // std of the noise on test inputs (0: training.noise_std)
};

struct Spec {
  std::string study = "custom";          // study name, used for the run folder
  std::string kind = "reconstruction";   // which study runner handles the spec
  std::string description;
  int64_t seed = 42;
  DataSpec data;
  ModelSpec model;
  TrainingSpec training;
  EvaluationSpec evaluation;
};

// A named variant of a study: the base spec with some keys overridden.
struct Variant {
  std::string name;
  Spec spec;
};

struct StudySpec {
  Spec base;
  std::vector<Variant> variants;  // at least one
};

// One key of the schema, for documentation and `latent spec`.
struct SpecKeyInfo {
  std::string key;
  std::string type;
  std::string default_value;
  std::string doc;
};
std::vector<SpecKeyInfo> spec_schema();

// Every key of the schema with its value in `spec` as short text (arrays as "256x128", empty
// arrays as "none"), in schema order.
std::vector<std::pair<std::string, std::string>> spec_values(const Spec& spec);

// Parses TOML text. `where` names the source in messages (a file path or built-in name).
// Applies `overrides` ("key=value", from --set) last, to the base and to every variant.
// Throws UsageError naming the key for unknown keys, wrong types and out-of-range values.
StudySpec parse_study_spec(const std::string& toml_text, const std::string& where,
                           const std::vector<std::string>& overrides = {});

// A single resolved spec (no variants), as written in checkpoints.
Spec parse_spec(const std::string& toml_text, const std::string& where);

// Resolved spec as TOML: every key with its value.
std::string spec_to_toml(const Spec& spec);
std::string study_spec_to_toml(const StudySpec& study);

// Maps the [data] section onto the image loader's options.
ImageDataOptions image_data_options(const Spec& spec, const std::string& data_dir);

}  // namespace latent
