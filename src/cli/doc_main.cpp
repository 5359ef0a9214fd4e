// winnow_doc: prints winnow's man page (`man DATE`) or --help text (`help`)
// from the option table. The build runs it to make winnow.1.
#include <cstdio>
#include <cstring>
#include <string>

#include "cli/usage.hpp"

int main(int argc, char** argv) {
  std::string text;
  if (argc == 3 && std::strcmp(argv[1], "man") == 0) {
    text = winnow::cli::ManPage(WINNOW_VERSION, argv[2]);
  } else if (argc == 2 && std::strcmp(argv[1], "help") == 0) {
    text = winnow::cli::HelpText();
  } else {
    std::fputs("usage: winnow_doc man YYYY-MM-DD | winnow_doc help\n", stderr);
    return 2;
  }
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0) {
    std::perror("winnow-doc: standard output");
    return 1;
  }
  return 0;
}
