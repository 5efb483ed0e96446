// latent: entry point of the command-line program.
#include <iostream>

#include "cli.h"

int main(int argc, char** argv) { return latent::cli_main(argc, argv, std::cout, std::cerr); }
