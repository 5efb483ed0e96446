// The built-in studies: configs/*.toml compiled into the binary (see cmake/embed_configs.cmake).
#pragma once

#include <string>
#include <vector>

namespace latent {

struct BuiltinConfig {
  const char* name;
  const char* toml;
};

const std::vector<BuiltinConfig>& builtin_configs();

// The study `latent run` runs without arguments.
constexpr const char* kDefaultStudy = "ae-fmnist";

// The TOML of a built-in study, or nullptr.
const char* find_builtin(const std::string& name);

}  // namespace latent
