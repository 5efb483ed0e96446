// latent: entry point of the command-line program.
#include <iostream>

#include "cli.h"
#include "latent/core/system.h"

int main(int argc, char** argv) {
  latent::keep_freed_memory();
  return latent::cli_main(argc, argv, std::cout, std::cerr);
}
