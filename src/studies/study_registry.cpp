// Study kind registry and built-in config lookup.
#include <map>

#include "latent/core/error.h"
#include "latent/studies/builtin.h"
#include "latent/studies/study.h"

namespace latent {

std::unique_ptr<StudyRunner> make_reconstruction_study();
std::unique_ptr<StudyRunner> make_vae_study();
std::unique_ptr<StudyRunner> make_anomaly_study();

namespace {

std::map<std::string, StudyRunnerFactory>& registry() {
  static std::map<std::string, StudyRunnerFactory> kRegistry = {
      {"reconstruction", make_reconstruction_study},
      {"vae", make_vae_study},
      {"anomaly", make_anomaly_study},
  };
  return kRegistry;
}

}  // namespace

void register_study_kind(const std::string& kind, StudyRunnerFactory factory) { registry()[kind] = std::move(factory); }

std::unique_ptr<StudyRunner> make_study_runner(const std::string& kind) {
  auto it = registry().find(kind);
  if (it == registry().end()) {
    std::string names;
    for (const auto& [name, _] : registry()) names += (names.empty() ? "" : ", ") + name;
    throw UsageError("kind: unknown study kind '" + kind + "' (known: " + names + ")");
  }
  return it->second();
}

std::vector<std::string> study_kinds() {
  std::vector<std::string> out;
  for (const auto& [name, _] : registry()) out.push_back(name);
  return out;
}

const char* find_builtin(const std::string& name) {
  for (const auto& c : builtin_configs())
    if (name == c.name) return c.toml;
  return nullptr;
}

}  // namespace latent
