// winnow-doc: prints winnow's man page (`man`) or --help text (`help`) from
// the option table. The build runs it to make winnow.1.
#include <cstdio>
#include <cstring>
#include <string>

#include "cli/usage.hpp"

int main(int argc, char** argv) {
  std::string text;
  if (argc == 2 && std::strcmp(argv[1], "man") == 0) {
    text = winnow::cli::ManPage(WINNOW_VERSION);
  } else if (argc == 2 && std::strcmp(argv[1], "help") == 0) {
    text = winnow::cli::HelpText();
  } else {
    std::fputs("usage: winnow-doc man|help\n", stderr);
    return 2;
  }
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0) {
    std::perror("winnow-doc: standard output");
    return 1;
  }
  return 0;
}
