// winnow-scanner-image OUT.cpp: writes the C++ source of
// winnow::detail::PrebuiltScannerImage(), the Hyperscan databases of the
// built-in rules (rules/default.rules) compiled once at build time, so that
// a run of winnow loads them in a millisecond instead of compiling them for
// half a second (src/winnow/detail/pattern_scan.hpp). The patterns are
// those RuleSet::Freeze() compiles for the default options; the image's
// key holds them, so a run with other rules (--rules, --disable)
// or another Hyperscan compiles its own. Without Hyperscan, or where it
// does not run, the function returns an empty image.
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "winnow/detail/pattern_scan.hpp"
#include "winnow/rules.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: winnow-scanner-image OUT.cpp\n");
    return 2;
  }
  winnow::RuleSet rules;
  rules.Parse(winnow::DefaultRulesText(), "default.rules", winnow::PatternAction::kFeature);
  std::vector<std::pair<int, std::string>> regexes, literals;
  rules.AutomatonPatterns(&regexes, &literals);
  std::string image;
  if (winnow::detail::PatternScanner::Available()) {
    image = winnow::detail::PatternScanner(regexes, literals).Image();
  }

  std::string out =
      "// Made by winnow-scanner-image (tools/scanner_image) at build time.\n"
      "#include <string_view>\n\n"
      "namespace winnow::detail {\nnamespace {\n"
      "alignas(64) const unsigned char kImage[] = {\n";
  char hex[8];
  for (std::size_t i = 0; i < image.size(); ++i) {
    std::snprintf(hex, sizeof(hex), "%u,", static_cast<unsigned char>(image[i]));
    out += hex;
    if (i % 24 == 23) out += '\n';
  }
  out += image.empty() ? "0};\n" : "};\n";
  out += "}  // namespace\n\nstd::string_view PrebuiltScannerImage() {\n  return {reinterpret_cast<const char*>(kImage), " +
         std::to_string(image.size()) + "};\n}\n\n}  // namespace winnow::detail\n";
  std::FILE* f = std::fopen(argv[1], "wb");
  if (f == nullptr || std::fwrite(out.data(), 1, out.size(), f) != out.size() || std::fclose(f) != 0) {
    std::fprintf(stderr, "winnow-scanner-image: %s: cannot write\n", argv[1]);
    return 1;
  }
  return 0;
}
