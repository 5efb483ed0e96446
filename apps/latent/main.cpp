// latent: entry point of the command-line program.
#include <csignal>
#include <iostream>

#include "cli.h"
#include "latent/core/system.h"

int main(int argc, char** argv) {
  latent::prefer_passive_openmp_wait(argv);
  latent::keep_freed_memory();
  // A file-size limit (ulimit -f) then makes the write fail with EFBIG, which latent reports
  // like a full disk, instead of killing the process halfway through a file.
  std::signal(SIGXFSZ, SIG_IGN);
  return latent::cli_main(argc, argv, std::cout, std::cerr);
}
