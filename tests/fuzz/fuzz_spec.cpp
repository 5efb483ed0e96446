// libFuzzer target: spec parsing must turn any text into a spec or a UsageError, never crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "latent/core/error.h"
#include "latent/studies/spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    latent::StudySpec s = latent::parse_study_spec(text, "fuzz.toml");
    // Whatever parses must print and parse back to the same variants.
    latent::StudySpec again = latent::parse_study_spec(latent::study_spec_to_toml(s), "again.toml");
    if (again.variants.size() != s.variants.size()) __builtin_trap();
  } catch (const latent::Error&) {}
  return 0;
}
