// A study spec: TOML resolved against the keys that apply to its study kind and model type.
//
// Resolution order: the declared defaults < the file < its [[variants]] and [sweep] entries < --set.
// Which keys apply is declared by their owners: every kind has the loop's keys (training_keys());
// the kind declares its own (data.*, objective and evaluation keys, studies/study.h); model.type
// picks a model family of the kind, which declares its model.* keys. A key that applies to no
// variant of the study is an error naming the key, where it was set (the file, the variant, or
// --set) and the kind; a key set in the file itself or with --set may apply to only some
// variants (fraud-ae's dense and VAE variants share [model]), one set in a variant must apply to it.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "latent/core/keys.h"

namespace latent {

struct Spec {
  std::string study = "custom";         // study name, used for the run folder
  std::string kind = "reconstruction";  // the study kind (studies/study.h)
  std::string description;
  int64_t seed = 42;
  KeyValues values;                            // every key that applies to this kind and model type
  std::map<std::string, std::string> sources;  // where each key not left at its default was set

  template <class T>
  const T& get(const std::string& key) const {
    return values.get<T>(key);
  }
  const std::string& model_type() const { return get<std::string>("model.type"); }
  // Where `key` got its value ("--set", "t.toml", "t.toml: variants[1]"), for errors; "the defaults"
  // when it kept its default.
  std::string where(const std::string& key) const;
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
  std::string owner;  // "every kind", "kind anomaly", "model dense_ae (reconstruction, anomaly)"
};
// Every key, grouped by owner (top-level and loop keys, then each kind's, then each model type's);
// with `kind`, only the keys of that kind and its model types.
std::vector<SpecKeyInfo> spec_schema(const std::string& kind = "");

// Every key of `spec` with its value as short text (arrays as "256x128", empty arrays as "none"):
// the top-level keys, then the others in key order.
std::vector<std::pair<std::string, std::string>> spec_values(const Spec& spec);

// Parses TOML text. `where` names the source in messages (a file path or built-in name).
// Applies `overrides` ("key=value", from --set) last, to the base and to every variant.
// Throws UsageError naming the key for unknown keys, wrong types and out-of-range values.
// `stored`: the text was written by latent (a run folder's spec.toml, a checkpoint's spec), so keys
// that do not apply (written by an older latent, or resolved for the base's model type) are left out
// instead of being errors.
StudySpec parse_study_spec(const std::string& toml_text, const std::string& where,
                           const std::vector<std::string>& overrides = {}, bool stored = false);

// A single resolved spec (no variants) as written in checkpoints (read as `stored`).
Spec parse_spec(const std::string& toml_text, const std::string& where);

// The defaults of a kind with a model type (empty: the kind's default model), as a resolved spec.
Spec default_spec(const std::string& kind, const std::string& model_type = "");

// Resolved spec as TOML: every key with its value.
std::string spec_to_toml(const Spec& spec);
std::string study_spec_to_toml(const StudySpec& study);

}  // namespace latent
