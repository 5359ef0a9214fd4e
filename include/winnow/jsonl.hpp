// JSON Lines: one JSON object per line, the document text in one string
// field. winnow rewrites only that field's value: every other byte of the
// line, other fields, key order, spacing, number formats, passes through.
#ifndef WINNOW_JSONL_HPP_
#define WINNOW_JSONL_HPP_

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace winnow {

struct JsonlFields {
  std::string text = "text";  // the field holding the document
  std::string id = "id";      // reported in --annotate and --explain
  std::string url = "url";    // the page's address, when present
  // A line whose object holds the text field twice: false, it is refused
  // ("duplicate text field"), since JSON readers differ on which one counts
  // (most take the last, winnow would clean the first); true, the first
  // counts and the later ones pass through unchanged.
  bool first_duplicate_wins = false;
  // A field whose member spans JsonLine reports (annotations), or
  // empty: --annotate's "winnow", which a record annotated before already
  // holds and which the new annotation replaces.
  std::string annotation;
};

struct JsonLine {
  bool has_text = false;  // the object has a string field named fields.text
  std::string text;       // its value, unescaped (UTF-8; \u0000 is a NUL byte)
  // Byte span of the value in the line, quotes included; both 0 when
  // has_text is false.
  std::size_t text_begin;
  std::size_t text_end;
  // The id field as raw JSON (a string keeps its quotes), or empty.
  std::string id;
  std::string url;  // the url field's value if it is a string, or empty
  // Byte spans [begin, end) in the line of the top-level members named
  // fields.annotation (every one: a record may hold the key twice), from a
  // key's opening quote to the end of its value, in order.
  std::vector<std::pair<std::size_t, std::size_t>> annotations;
};

// Parses one line (without its '\n'). Returns true and fills `*out` when the
// line is one valid JSON object (RFC 8259), with only JSON whitespace (space,
// \t, \r, \n) around it; a missing or non-string text field is not an
// error: has_text is then false.
//
// The whole line is validated, the fields winnow does not use included:
// every escape, number, literal and bracket, the UTF-8 of the line, and a
// nesting depth of at most 1023 objects and arrays (the top-level object
// counts as one; simdjson's own limit). Numbers are checked against the JSON
// grammar only, so 1e999 and 30-digit integers are accepted; a byte order mark
// is not skipped.
//
// Only top-level keys are looked at, compared with the JsonlFields names
// after unescaping ("te\u0078t" is "text"). When the text key repeats, the
// line is refused unless fields.first_duplicate_wins; for the other keys
// (and then for the text key) the first occurrence counts, whatever the
// type of its value. id is the field's raw
// JSON whatever its type, without the whitespace around it ("doc-1" with
// quotes, 1.0e+10 as written, {"a": 1} as written).
//
// Returns false and sets `*error` to a short reason otherwise: "empty line",
// "not a JSON object", "duplicate text field", "trailing content after the object", "unterminated
// object or array", "unterminated string", "invalid escape", "lone
// surrogate", "unescaped control character in string", "invalid UTF-8",
// "invalid number", "invalid literal", "nesting too deep", "malformed JSON"
// (any other misplaced token), rarely another simdjson message. `*out` is
// then unspecified. Throws std::bad_alloc when simdjson cannot allocate
// its buffers: that says nothing about the line.
//
// `*out` keeps no view into `line`. Uses one simdjson parser per thread, so
// threads may call it at once (each parser keeps buffers sized for the
// longest line it has seen). Never throws on bad input.
//
// Memory: simdjson needs kJsonPadding readable bytes after the line. When
// `readable` (the bytes readable from line.data(), as a std::string's
// capacity gives them) is at least line.size() + kJsonPadding, the line is
// parsed in place; otherwise it is copied first. The parser's own buffers
// take about 5.7 bytes per byte of what it parses: a line over 1 MiB has
// its long strings parsed apart, in pieces (JsonHollowing), so they stay
// near 6 MiB; a line that has no long string (a 10 MiB array of numbers)
// still costs 5.7 bytes per byte. After a line over kJsonKeepParserBytes
// they are freed, so one huge record does not keep them for the rest of the
// run. The unescaped text costs its own size.
bool ParseJsonLine(std::string_view line, const JsonlFields& fields,
                   JsonLine* out, std::string* error, std::size_t readable = 0);

// How ParseJsonLine() keeps the memory of a long line linear: a line over
// line_bytes has its string values over string_bytes (keys excepted) taken
// out and parsed apart, each in pieces of about piece_bytes, by simdjson
// like the rest; simdjson parses the line without them. The result is the
// same as for the whole line (the error named may differ when a line has
// several). The defaults bound simdjson's buffers near 6 MiB whatever the
// line's size; tests make them small.
struct JsonHollowing {
  std::size_t line_bytes = std::size_t{1} << 20;
  std::size_t string_bytes = std::size_t{64} << 10;
  std::size_t piece_bytes = std::size_t{256} << 10;
};
bool ParseJsonLine(std::string_view line, const JsonlFields& fields, JsonLine* out,
                   std::string* error, std::size_t readable, const JsonHollowing& hollowing);

inline constexpr std::size_t kJsonPadding = 64;  // SIMDJSON_PADDING
inline constexpr std::size_t kJsonKeepParserBytes = std::size_t{4} << 20;

// Appends `text` as a JSON string literal (with quotes): '"' and '\\'
// escaped, control characters as \n \r \t \b \f or \u00xx (lowercase
// hex); DEL, '/', U+2028 and all other valid UTF-8 as they are. Each byte
// that is not part of valid UTF-8 (as DecodeUtf8 decides: overlong forms,
// encoded surrogates and truncated sequences are not) becomes \ufffd, so the
// output is always valid JSON.
void AppendJsonString(std::string_view text, std::string* out);

// The same without the quotes, and its size. Escaping pieces one after
// another gives the escaping of their concatenation when no piece boundary
// falls inside a valid UTF-8 sequence (as with ForEachKeptPiece, writer.hpp).
void AppendJsonEscaped(std::string_view text, std::string* out);
std::size_t JsonEscapedSize(std::string_view text);

// Appends `line` with the byte span [begin, end) replaced by the JSON
// string of `text` (AppendJsonString); every other byte is kept. Requires
// begin <= end <= line.size(). With the span of a JsonLine, parsing the
// result gives back `text` exactly when `text` is valid UTF-8.
void AppendWithText(std::string_view line, std::size_t begin, std::size_t end,
                    std::string_view text, std::string* out);

}  // namespace winnow

#endif  // WINNOW_JSONL_HPP_
