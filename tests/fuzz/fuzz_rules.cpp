// RuleSet::Parse, Disable, Freeze and Match (rules.hpp) on arbitrary text.
//
// The input is a rules file, then optionally a NUL byte and lines to match.
// Invariants:
//  - Parse either succeeds or throws winnow::Error whose where is
//    "fuzz:LINE" with LINE a line of the text; no other exception escapes;
//    Freeze throws only winnow::Error, where "rules" or a pattern's source;
//  - every parsed pattern names a rule, says where it came from, and its
//    text (literal, prefix, contains) is normalised and non-empty;
//  - Disable is true exactly for the names the rule set has;
//  - Match returns the first enabled pattern, in file order, within its
//    word limit, that matches, as an oracle computes it from the header's
//    definitions: literal = the normalised line, prefix = its first words,
//    contains = a run of its words, regex = RE2::PartialMatch on the raw
//    line with its HTML character references spelled out
//    (DecodeCharacterReferences); -1 when none does.
#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_util.hpp"
#include "winnow/error.hpp"
#include "winnow/normalize.hpp"
#include "winnow/rules.hpp"

namespace {

using winnow::Pattern;
using winnow::PatternKind;

constexpr std::string_view kSource = "fuzz";
constexpr std::size_t kMaxMatchLines = 16;

// Whether `where` is "fuzz:N" with 1 <= N <= lines.
bool ValidWhere(std::string_view where, std::size_t lines) {
  if (!where.starts_with("fuzz:")) return false;
  const std::string_view number = where.substr(5);
  std::size_t n = 0;
  auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), n);
  return ec == std::errc() && ptr == number.data() + number.size() && n >= 1 && n <= lines;
}

bool OracleMatches(const Pattern& p, std::string_view raw, const winnow::Normalized& norm) {
  const std::size_t words = norm.words.size();
  if (p.max_words != 0 && words > static_cast<std::size_t>(p.max_words)) return false;
  const std::string& line = norm.text;
  switch (p.kind) {
    case PatternKind::kLiteral:
      return words > 0 && line == p.text;
    case PatternKind::kPrefix:
      return words > 0 && line.starts_with(p.text) &&
             (line.size() == p.text.size() || line[p.text.size()] == ' ');
    case PatternKind::kContains:
      return words > 0 && (" " + line + " ").find(" " + p.text + " ") != std::string::npos;
    case PatternKind::kRegex: {
      RE2::Options options;
      options.set_log_errors(false);
      options.set_max_mem(64 << 20);
      const RE2 re(p.text, options);
      FUZZ_CHECK(re.ok());  // Parse accepted it
      std::string decoded;
      const std::string_view text = winnow::DecodeCharacterReferences(raw, &decoded) ? decoded : raw;
      return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), re);
    }
  }
  FUZZ_CHECK(false);
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = input.find('\0');
  const std::string_view text = input.substr(0, nul);
  const std::string_view rest =
      nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1);
  const std::size_t text_lines =
      static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;

  winnow::RuleSet rules;
  try {
    rules.Parse(text, kSource);
  } catch (const winnow::Error& e) {
    FUZZ_CHECK(ValidWhere(e.where(), text_lines));
    FUZZ_CHECK(!e.message().empty());
    return 0;
  }

  winnow::Normalized norm;
  for (const Pattern& p : rules.patterns()) {
    FUZZ_CHECK(p.rule >= 0 && p.rule < static_cast<int>(rules.names().size()));
    FUZZ_CHECK(ValidWhere(p.source, text_lines));
    FUZZ_CHECK(p.max_words >= 0);
    if (p.kind != PatternKind::kRegex) {
      winnow::Normalize(p.text, &norm);
      FUZZ_CHECK(!norm.words.empty() && norm.text == p.text);
    }
  }
  for (int r = 0; r < static_cast<int>(rules.names().size()); ++r) FUZZ_CHECK(rules.enabled(r));

  // Switch off the rules named by the first lines to match, and one that
  // does not exist.
  const std::vector<std::string_view> lines = winnow::fuzz::SplitLines(rest);
  for (std::size_t i = 0; i < lines.size() && i < 2; ++i) {
    std::string_view name = lines[i];
    if (name.ends_with('\n')) name.remove_suffix(1);
    const bool known =
        std::find(rules.names().begin(), rules.names().end(), name) != rules.names().end();
    FUZZ_CHECK(rules.Disable(name) == known);
  }
  FUZZ_CHECK(!rules.Disable("no such rule"));

  // Hyperscan (where built in) from the first line, so that the oracle
  // checks its prefilter against RE2; for a few patterns only, as its
  // compile of hundreds (a seed of the built-in rules) takes seconds under
  // the sanitizers' allocator.
  const auto automaton_patterns = std::count_if(
      rules.patterns().begin(), rules.patterns().end(),
      [](const Pattern& p) { return p.kind == PatternKind::kRegex || p.kind == PatternKind::kContains; });
  if (automaton_patterns <= 8) rules.set_pattern_scan_after(0);
  try {
    rules.Freeze();
  } catch (const winnow::Error& e) {
    FUZZ_CHECK(e.where() == "rules" || ValidWhere(e.where(), text_lines));
    return 0;
  }

  for (std::size_t i = 0; i < lines.size() && i < kMaxMatchLines; ++i) {
    std::string_view raw = lines[i];
    if (raw.ends_with('\n')) raw.remove_suffix(1);
    winnow::Normalize(raw, &norm);
    int expected = -1;
    for (std::size_t j = 0; j < rules.patterns().size() && expected < 0; ++j) {
      const Pattern& p = rules.patterns()[j];
      if (rules.enabled(p.rule) && OracleMatches(p, raw, norm)) expected = static_cast<int>(j);
    }
    FUZZ_CHECK(rules.Match(raw, norm) == expected);
  }
  return 0;
}
