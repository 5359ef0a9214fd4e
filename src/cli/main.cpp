#include "cli/cli.hpp"

int main(int argc, char** argv) { return winnow::cli::Main(argc, argv); }
