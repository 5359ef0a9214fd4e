// The whole per-document pipeline, Filter::Run then AppendKept (filter.hpp,
// writer.hpp), with the default rules and configuration, on arbitrary bytes.
//
// Invariants:
//  - output lines are input lines, byte for byte, in input order: with
//    blank lines set aside, the output's lines are a subsequence of the
//    input's, and exactly the lines FilterResult::keep marks, which are
//    never blank;
//  - lines are split where SplitDocument splits them ("\n", "\r\n", a
//    lone "\r", U+2028, ...); the only other output lines are single
//    separators (a line end alone), never first, never last, never two in a
//    row, and only when the input has blank lines;
//  - every dropped non-blank line is counted by exactly one Drop (the sum
//    of Drop::lines), drops are in input order, a rule drop names a rule,
//    a dedup drop names an earlier line and a similarity in [0, 1];
//  - the explanation is one line per drop, no control byte but its '\n';
//  - the stats count the document's non-blank lines in and kept lines out;
//  - deterministic: the same filter run again, and another filter with
//    the two phases called one by one, give the same lines and bytes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_util.hpp"
#include "winnow/document.hpp"
#include "winnow/filter.hpp"
#include "winnow/rules.hpp"
#include "winnow/writer.hpp"

namespace {

// The lines of `s` as SplitDocument splits them, each with its terminator.
std::vector<std::string_view> DocumentLines(std::string_view s) {
  winnow::Document doc;
  winnow::SplitDocument(s, &doc);
  std::vector<std::string_view> lines;
  for (const winnow::Line& line : doc.lines) {
    lines.emplace_back(line.text.data(), line.text.size() + line.eol.size());
  }
  return lines;
}

// A line end alone: "\n", "\r\n", "\r", U+2028, U+2029, U+0085.
bool IsSeparator(std::string_view line) {
  return line == "\n" || line == "\r\n" || line == "\r" || line == "\xE2\x80\xA8" ||
         line == "\xE2\x80\xA9" || line == "\xC2\x85";
}

bool IsBlankLine(std::string_view line) {
  for (char c : line) {
    if (c != ' ' && c != '\t' && c != '\f' && c != '\v' && c != '\r' && c != '\n') return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const winnow::FilterConfig config;
  winnow::Document doc;
  winnow::SplitDocument(input, &doc);

  static winnow::Filter* reused = new winnow::Filter(&winnow::fuzz::DefaultRules(), config);
  const winnow::FilterStats before = reused->stats();
  winnow::FilterResult result;
  reused->Run(doc, &result);
  std::string out;
  winnow::AppendKept(doc, result.keep, &out);

  // Lines: what was kept, in order, byte for byte.
  FUZZ_CHECK(result.keep.size() == doc.lines.size());
  std::vector<std::string_view> kept;
  std::uint64_t non_blank = 0, dropped = 0;
  for (std::size_t i = 0; i < doc.lines.size(); ++i) {
    const winnow::Line& line = doc.lines[i];
    if (!line.blank) ++non_blank;
    if (result.keep[i]) {
      FUZZ_CHECK(!line.blank);
      kept.emplace_back(line.text.data(), line.text.size() + line.eol.size());
    } else if (!line.blank) {
      ++dropped;
    }
  }
  const std::vector<std::string_view> in_lines = DocumentLines(input);
  const std::vector<std::string_view> out_lines = DocumentLines(out);
  std::size_t next_in = 0, next_kept = 0;
  for (std::size_t i = 0; i < out_lines.size(); ++i) {
    const std::string_view line = out_lines[i];
    if (IsSeparator(line) && (next_kept == kept.size() || line != kept[next_kept])) {
      FUZZ_CHECK(doc.has_blank_lines);
      FUZZ_CHECK(i > 0 && i + 1 < out_lines.size());
      FUZZ_CHECK(!IsSeparator(out_lines[i - 1]) && !IsSeparator(out_lines[i + 1]));
      continue;
    }
    FUZZ_CHECK(!IsBlankLine(line));
    FUZZ_CHECK(next_kept < kept.size() && line == kept[next_kept]);
    ++next_kept;
    while (next_in < in_lines.size() && in_lines[next_in] != line) ++next_in;
    FUZZ_CHECK(next_in < in_lines.size());  // a subsequence of the input's lines
    ++next_in;
  }
  FUZZ_CHECK(next_kept == kept.size());

  // Drops.
  std::uint64_t counted = 0;
  std::uint32_t last_line = 0;
  for (const winnow::Drop& d : result.drops) {
    FUZZ_CHECK(d.line >= 1 && d.line <= doc.lines.size() && d.lines >= 1);
    FUZZ_CHECK(d.line >= last_line);
    FUZZ_CHECK(!doc.lines[d.line - 1].blank && !result.keep[d.line - 1]);
    FUZZ_CHECK(!d.reason.empty());
    if (d.of_line != 0) {
      FUZZ_CHECK(d.of_line < d.line);
      FUZZ_CHECK(d.similarity >= 0.0 && d.similarity <= 1.0);
      FUZZ_CHECK(d.reason == winnow::kReasonNearDuplicate || d.reason == winnow::kReasonRestates ||
                 d.reason == winnow::kReasonRestated);
    }
    last_line = d.line;
    counted += d.lines;
  }
  FUZZ_CHECK(counted == dropped);

  std::string explanation;
  winnow::AppendExplanation("fuzz", doc, result, &explanation);
  FUZZ_CHECK(static_cast<std::size_t>(std::count(explanation.begin(), explanation.end(), '\n')) ==
             result.drops.size());
  FUZZ_CHECK(explanation.empty() || explanation.back() == '\n');
  for (char c : explanation) {
    FUZZ_CHECK(c == '\n' || (static_cast<unsigned char>(c) >= 0x20 && c != 0x7F));
  }

  const winnow::FilterStats& after = reused->stats();
  FUZZ_CHECK(after.documents == before.documents + 1);
  FUZZ_CHECK(after.lines_in - before.lines_in == non_blank);
  FUZZ_CHECK(after.lines_out - before.lines_out == kept.size());

  // Determinism.
  winnow::FilterResult again;
  reused->Run(doc, &again);
  FUZZ_CHECK(again.keep == result.keep);
  // Another filter (built once: building one computes LSH parameters),
  // which has seen other documents, phase by phase.
  static winnow::Filter* other = new winnow::Filter(&winnow::fuzz::DefaultRules(), config);
  std::vector<int> verdicts;
  other->JudgeLines(doc, &verdicts);
  FUZZ_CHECK(verdicts.size() == doc.lines.size());
  other->Decide(doc, verdicts, &again);
  FUZZ_CHECK(again.keep == result.keep);
  std::string out_again;
  winnow::AppendKept(doc, again.keep, &out_again);
  FUZZ_CHECK(out_again == out);
  return 0;
}
