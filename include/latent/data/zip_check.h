// Integrity of zip archives: LibTorch's archives (model.pt, train_state.pt, variant_result.pt) are
// zip files whose members carry CRC-32s that LibTorch's reader does not check (its miniz is built
// without CRC checks), so damaged weights would load silently. verify_zip_checksums reads every
// member through libzip, which checks each CRC-32.
#pragma once

#include <filesystem>

namespace latent {

// Throws Error naming the file and the member when a member's bytes do not match its CRC-32 (or its
// declared size) or the archive's directory is inconsistent. Returns true when the archive was
// checked; false, checking nothing, for a file that is no zip archive at all (the caller's own
// reader then says what it expected) and in a build without libzip (LATENT_WITH_LIBZIP=OFF).
bool verify_zip_checksums(const std::filesystem::path& path);

}  // namespace latent
