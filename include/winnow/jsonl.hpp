// JSON Lines: one JSON object per line, the document text in one string
// field. winnow rewrites only that field's value: every other byte of the
// line, other fields, key order, spacing, number formats, passes through.
#ifndef WINNOW_JSONL_HPP_
#define WINNOW_JSONL_HPP_

#include <cstddef>
#include <string>
#include <string_view>

namespace winnow {

struct JsonlFields {
  std::string text = "text";  // the field holding the document
  std::string id = "id";      // reported in --annotate and --explain
  std::string url = "url";    // the page's address, when present
};

struct JsonLine {
  bool has_text = false;   // the object has a string field named fields.text
  std::string text;        // its value, unescaped (UTF-8)
  std::size_t text_begin;  // byte span of the value in the line, quotes included
  std::size_t text_end;
  std::string id;          // the id field as raw JSON (a string keeps its quotes), or empty
  std::string url;         // the url field's value if it is a string, or empty
};

// Parses one line (without its '\n'). Returns true and fills `*out` when the
// line is one valid JSON object (a missing or non-string text field is not
// an error: has_text is then false). Returns false and sets `*error` to a
// short reason ("not a JSON object", "invalid escape", "lone surrogate",
// "unterminated string", ...) otherwise. When a key repeats, the first
// occurrence counts. Never throws on bad input.
bool ParseJsonLine(std::string_view line, const JsonlFields& fields,
                   JsonLine* out, std::string* error);

// Appends `text` as a JSON string literal (with quotes): '"' and '\\'
// escaped, control characters as \n \r \t \b \f or \u00XX, DEL and all
// other bytes of valid UTF-8 as they are; a byte that is not valid UTF-8
// becomes \ufffd, so the output is always valid JSON.
void AppendJsonString(std::string_view text, std::string* out);

// Appends `line` with the byte span [begin, end) replaced by the JSON
// string of `text`.
void AppendWithText(std::string_view line, std::size_t begin, std::size_t end,
                    std::string_view text, std::string* out);

}  // namespace winnow

#endif  // WINNOW_JSONL_HPP_
