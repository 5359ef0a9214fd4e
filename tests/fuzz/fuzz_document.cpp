// SplitDocument and AppendKept (document.hpp, writer.hpp) on arbitrary bytes.
//
// Invariants:
//  - the lines, text then terminator, concatenate to the input exactly;
//    terminators are "\n" or "\r\n", only the last line may lack one, and
//    a "\r" before a "\n" always belongs to the terminator;
//  - a line is blank exactly when it holds only ' ', '\t', '\f', '\v', '\r';
//  - paragraphs are ordered, non-empty and cover every non-blank line once:
//    maximal runs of non-blank lines when the document has a blank line,
//    single lines otherwise;
//  - AppendKept writes the kept lines of each paragraph byte for byte, one
//    blank line ("\r\n" after a CRLF line, else "\n") between paragraphs
//    that keep something when the document has blank lines, none otherwise;
//    so with every line kept and no blank line, output == input;
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
        out += last_written->eol == "\r\n" ? "\r\n" : "\n";
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
    FUZZ_CHECK(line.text.find('\n') == std::string_view::npos);
    FUZZ_CHECK(line.eol == "\n" || line.eol == "\r\n" ||
               (line.eol.empty() && i + 1 == doc.lines.size()));
    FUZZ_CHECK(line.eol != "\n" || line.text.empty() || line.text.back() != '\r');
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
