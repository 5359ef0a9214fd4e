# Turns IN (a text file) into OUT, a C++ file defining the function
# winnow::FUNC() that returns the file's exact bytes as a std::string_view.
file(READ ${IN} content HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," content "${content}")
get_filename_component(name ${IN} NAME)
file(WRITE ${OUT} "// Generated from rules/${name} by cmake/embed_text.cmake. Do not edit.\n"
  "#include <string_view>\n"
  "namespace winnow {\n"
  "namespace {\n"
  "constexpr char kText[] = {${content} 0};\n"
  "}  // namespace\n"
  "std::string_view ${FUNC}() { return {kText, sizeof(kText) - 1}; }\n"
  "}  // namespace winnow\n")
