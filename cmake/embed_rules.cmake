# Turns IN (a text file) into OUT, a C++ file defining
# winnow::DefaultRulesText() as the file's exact bytes.
file(READ ${IN} content HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," content "${content}")
file(WRITE ${OUT} "// Generated from rules/default.rules by cmake/embed_rules.cmake. Do not edit.\n"
  "#include <string_view>\n"
  "namespace winnow {\n"
  "namespace {\n"
  "constexpr char kDefaultRules[] = {${content} 0};\n"
  "}  // namespace\n"
  "std::string_view DefaultRulesText() { return {kDefaultRules, sizeof(kDefaultRules) - 1}; }\n"
  "}  // namespace winnow\n")
