// The study kinds, one line each, and built-in config lookup.
#include "latent/core/error.h"
#include "latent/studies/builtin.h"
#include "latent/studies/study.h"

namespace latent {

// Every built-in kind, one line each: X(name) stands for `StudyKind name_kind()`, defined in the kind's
// own file (src/studies/name_study.cpp). A new kind adds its line here.
#define LATENT_STUDY_KINDS(X) \
  X(reconstruction)           \
  X(vae)                      \
  X(anomaly)                  \
  X(classification)

#define LATENT_DECLARE_KIND(name) StudyKind name##_kind();
LATENT_STUDY_KINDS(LATENT_DECLARE_KIND)
#undef LATENT_DECLARE_KIND

namespace {

std::vector<StudyKind>& registry() {
#define LATENT_LIST_KIND(name) name##_kind(),
  static std::vector<StudyKind> kKinds = {LATENT_STUDY_KINDS(LATENT_LIST_KIND)};
#undef LATENT_LIST_KIND
  return kKinds;
}

}  // namespace

const std::vector<StudyKind>& study_kinds() { return registry(); }

const StudyKind& study_kind(const std::string& name) {
  for (const auto& k : registry())
    if (k.name == name) return k;
  std::string names;
  for (const auto& k : registry()) names += (names.empty() ? "" : ", ") + k.name;
  throw UsageError("kind: unknown study kind '" + name + "' (known: " + names + ")");
}

void register_study_kind(StudyKind kind) {
  for (auto& k : registry())
    if (k.name == kind.name) {
      k = std::move(kind);
      return;
    }
  registry().push_back(std::move(kind));
}

std::unique_ptr<StudyRunner> make_study_runner(const std::string& kind) { return study_kind(kind).make(); }

const char* find_builtin(const std::string& name) {
  for (const auto& c : builtin_configs())
    if (name == c.name) return c.toml;
  return nullptr;
}

}  // namespace latent
