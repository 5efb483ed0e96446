// File helpers: whole-file reads and atomic writes (temporary file, flush, rename), so a
// failed run never leaves a half-written file behind.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

namespace latent {

namespace fs = std::filesystem;

std::string read_text_file(const fs::path& path);

// Writes `text` to `path` through `path.tmp` + fsync + rename.
void write_file_atomic(const fs::path& path, const std::string& text);

// Calls `write(tmp)` to produce a temporary file, then renames it onto `path`.
void write_atomic_with(const fs::path& path, const std::function<void(const fs::path&)>& write);

// Creates the folder (and parents); throws Error naming the folder when that fails.
void make_dirs(const fs::path& dir);

}  // namespace latent
