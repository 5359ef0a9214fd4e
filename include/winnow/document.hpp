// A document split into lines and paragraphs.
//
// Lines are views into the caller's buffer: they stay valid as long as that
// buffer is neither destroyed nor modified. A paragraph is a run of non-blank
// lines between blank lines; when a document has no blank line at all, every
// line is its own paragraph (many scraped texts put one paragraph per line).
#ifndef WINNOW_DOCUMENT_HPP_
#define WINNOW_DOCUMENT_HPP_

#include <cstdint>
#include <string_view>
#include <vector>

namespace winnow {

struct Line {
  std::string_view text;  // the line without its terminator
  // The terminator: "\n", "\r\n" (or "\r\r\n"), a lone "\r", U+2028 LINE
  // SEPARATOR, U+2029 PARAGRAPH SEPARATOR, U+0085 NEXT LINE (as UTF-8), or
  // "" for a last unterminated line.
  std::string_view eol;
  std::uint32_t number;   // 1-based line number in the input
  bool blank;             // only spaces, tabs, \f, \v, \r (or nothing)
};

struct Paragraph {
  std::uint32_t first;  // index into Document::lines
  std::uint32_t end;    // one past the last line (all non-blank)
};

struct Document {
  std::vector<Line> lines;
  std::vector<Paragraph> paragraphs;
  bool has_blank_lines = false;
};

// Splits `bytes` into lines and paragraphs. Never fails: any byte sequence,
// including NUL bytes and invalid UTF-8, is a valid document. Lines end
// where Unicode says they do (UAX #14's mandatory breaks, except the
// vertical tab and form feed, which stay blank-line characters).
void SplitDocument(std::string_view bytes, Document* doc);

}  // namespace winnow

#endif  // WINNOW_DOCUMENT_HPP_
