// SplitDocument and AppendKept (document.hpp, writer.hpp) on arbitrary bytes.
//
// Invariants:
//  - the lines, text then terminator, concatenate to the input exactly;
//    terminators are "\n", "\r\n" (any run of "\r" before a "\n"), a lone
//    "\r", U+2028, U+2029 or U+0085 (UTF-8), only the last line may lack
//    one, and no line's text holds any of them;
//  - a line is blank exactly when it holds only ' ', '\t', '\f', '\v', '\r';
//  - paragraphs are ordered, non-empty and cover every non-blank line once:
//    maximal runs of non-blank lines when the document has a blank line,
//    single lines otherwise;
//  - AppendKept writes the kept lines of each paragraph byte for byte, one
//    blank line (ended as the kept line before it: "\r\n" for "\r\r\n")
//    between paragraphs that keep something when the document has blank
//    lines, none otherwise; so with every line kept and no blank line,
//    output == input;
//  - AppendKept appends: what `out` held before is left alone.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_util.hpp"
#include "winnow/document.hpp"
#include "winnow/writer.hpp"

namespace {

using winnow::Document;
using winnow::Line;

bool IsBlankByte(char c) { return c == ' ' || c == '\t' || c == '\f' || c == '\v' || c == '\r'; }

// What AppendKept must write for `keep`, built from the header's words.
std::string Expected(const Document& doc, const std::vector<bool>& keep) {
  std::string out;
  const Line* last_written = nullptr;
  for (const winnow::Paragraph& para : doc.paragraphs) {
    bool first = true;
    for (std::uint32_t i = para.first; i < para.end; ++i) {
      if (!keep[i]) continue;
      const Line& line = doc.lines[i];
      if (first && last_written != nullptr && doc.has_blank_lines) {
        const std::string_view eol = last_written->eol;
        out += eol.size() > 2 && eol.back() == '\n' ? std::string_view("\r\n") : eol;
      }
      first = false;
      out.append(line.text);
      out.append(line.eol);
      last_written = &line;
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  Document doc;
  winnow::SplitDocument(input, &doc);

  std::string joined;
  bool any_blank = false;
  for (std::size_t i = 0; i < doc.lines.size(); ++i) {
    const Line& line = doc.lines[i];
    FUZZ_CHECK(line.number == i + 1);
    FUZZ_CHECK(line.text.find_first_of("\n\r") == std::string_view::npos);
    FUZZ_CHECK(line.text.find("\xE2\x80\xA8") == std::string_view::npos);
    FUZZ_CHECK(line.text.find("\xE2\x80\xA9") == std::string_view::npos);
    FUZZ_CHECK(line.text.find("\xC2\x85") == std::string_view::npos);
    const std::string_view eol = line.eol;
    const bool crs_then_lf = !eol.empty() && eol.back() == '\n' &&
                             eol.find_first_not_of('\r') == eol.size() - 1;
    FUZZ_CHECK(crs_then_lf || eol == "\r" || eol == "\xE2\x80\xA8" || eol == "\xE2\x80\xA9" ||
               eol == "\xC2\x85" || (eol.empty() && i + 1 == doc.lines.size()));
    // Views into the input, one after the other.
    FUZZ_CHECK(line.text.data() == input.data() + joined.size());
    joined.append(line.text);
    joined.append(line.eol);
    bool blank = true;
    for (char c : line.text) blank = blank && IsBlankByte(c);
    FUZZ_CHECK(line.blank == blank);
    any_blank = any_blank || blank;
  }
  FUZZ_CHECK(joined == input);
  FUZZ_CHECK(doc.has_blank_lines == any_blank);

  std::uint32_t next = 0;  // the first line no paragraph has covered yet
  for (const winnow::Paragraph& para : doc.paragraphs) {
    FUZZ_CHECK(para.first < para.end && para.end <= doc.lines.size());
    for (std::uint32_t i = next; i < para.first; ++i) FUZZ_CHECK(doc.lines[i].blank);
    for (std::uint32_t i = para.first; i < para.end; ++i) FUZZ_CHECK(!doc.lines[i].blank);
    if (doc.has_blank_lines) {
      FUZZ_CHECK(para.first == 0 || doc.lines[para.first - 1].blank);
      FUZZ_CHECK(para.end == doc.lines.size() || doc.lines[para.end].blank);
    } else {
      FUZZ_CHECK(para.end == para.first + 1);
    }
    next = para.end;
  }
  for (std::uint32_t i = next; i < doc.lines.size(); ++i) FUZZ_CHECK(doc.lines[i].blank);

  // Every line kept.
  std::vector<bool> keep(doc.lines.size(), true);
  std::string out = "prefix";
  winnow::AppendKept(doc, keep, &out);
  FUZZ_CHECK(out.compare(0, 6, "prefix") == 0);
  out.erase(0, 6);
  FUZZ_CHECK(out == Expected(doc, keep));
  if (!doc.has_blank_lines) FUZZ_CHECK(out == input);

  // Some lines kept, chosen by a hash of the input.
  std::uint64_t h = 0x9E3779B97F4A7C15ULL ^ size;
  for (std::size_t i = 0; i < size; ++i) h = (h ^ data[i]) * 0x100000001B3ULL;
  for (std::size_t i = 0; i < keep.size(); ++i) {
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ULL;
    keep[i] = (h >> 40) & 1;
  }
  out.clear();
  winnow::AppendKept(doc, keep, &out);
  FUZZ_CHECK(out == Expected(doc, keep));
  return 0;
}
