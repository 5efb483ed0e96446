// The latent command line: parses arguments, calls the library, prints results and errors.
#pragma once

#include <iosfwd>

namespace latent {

// Runs the CLI in-process (tests call it directly). Exit codes: 0 success, 1 runtime error,
// 2 usage error. Errors are one line on `err`.
int cli_main(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace latent
