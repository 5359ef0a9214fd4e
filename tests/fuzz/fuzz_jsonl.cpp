// ParseJsonLine, AppendWithText and AppendJsonString (jsonl.hpp) on
// arbitrary bytes.
//
// Invariants:
//  - ParseJsonLine never throws; on failure it gives a reason; with its
//    strings parsed apart in small pieces (JsonHollowing) it gives the same
//    verdict and fields; on success
//    with has_text, [text_begin, text_end) is a quoted string inside the
//    line and the text is valid UTF-8;
//  - round trip: AppendWithText(line, text_begin, text_end, text) parses
//    again to the same text, id and url, changes no byte outside the span,
//    and writing it back once more gives the same bytes (a fixed point);
//  - AppendJsonString of any bytes is one JSON string, with no control
//    byte, in valid UTF-8: inside {"text": ...} it parses, and gives back
//    the input with every byte DecodeUtf8 rejects replaced by U+FFFD.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_util.hpp"
#include "winnow/jsonl.hpp"
#include "winnow/normalize.hpp"

namespace {

// `s` with each byte that starts no valid UTF-8 character replaced by
// U+FFFD: what the header promises AppendJsonString's string holds.
std::string Sanitized(std::string_view s) {
  std::string out;
  std::size_t pos = 0;
  while (pos < s.size()) {
    const std::size_t before = pos;
    const char32_t c = winnow::DecodeUtf8(s, &pos);
    if (c == 0xFFFD && pos - before == 1) {
      out += "\xEF\xBF\xBD";
    } else {
      out.append(s.substr(before, pos - before));
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  const winnow::JsonlFields fields;

  winnow::JsonLine parsed;
  std::string error;
  const bool valid = winnow::ParseJsonLine(line, fields, &parsed, &error);
  // The same line with its strings parsed apart, in pieces of 1 to 8
  // bytes (JsonHollowing): the same verdict and fields.
  {
    const winnow::JsonHollowing limits{0, size % 3, 1 + size % 8};
    winnow::JsonLine apart;
    std::string apart_error;
    const bool apart_valid = winnow::ParseJsonLine(line, fields, &apart, &apart_error, 0, limits);
    FUZZ_CHECK(apart_valid == valid);
    if (valid) {
      FUZZ_CHECK(apart.has_text == parsed.has_text && apart.text == parsed.text);
      FUZZ_CHECK(apart.text_begin == parsed.text_begin && apart.text_end == parsed.text_end);
      FUZZ_CHECK(apart.id == parsed.id && apart.url == parsed.url);
    } else {
      FUZZ_CHECK(!apart_error.empty());
    }
  }
  if (valid) {
    if (parsed.has_text) {
      FUZZ_CHECK(parsed.text_begin < parsed.text_end && parsed.text_end <= line.size());
      FUZZ_CHECK(parsed.text_end - parsed.text_begin >= 2);
      FUZZ_CHECK(line[parsed.text_begin] == '"' && line[parsed.text_end - 1] == '"');
      FUZZ_CHECK(winnow::fuzz::IsValidUtf8(parsed.text));

      std::string rewritten;
      winnow::AppendWithText(line, parsed.text_begin, parsed.text_end, parsed.text, &rewritten);
      FUZZ_CHECK(rewritten.compare(0, parsed.text_begin, line, 0, parsed.text_begin) == 0);
      const std::size_t tail = line.size() - parsed.text_end;
      FUZZ_CHECK(rewritten.size() >= tail && rewritten.compare(rewritten.size() - tail, tail, line,
                                                               parsed.text_end, tail) == 0);

      winnow::JsonLine reparsed;
      std::string reerror;
      FUZZ_CHECK(winnow::ParseJsonLine(rewritten, fields, &reparsed, &reerror));
      FUZZ_CHECK(reparsed.has_text && reparsed.text == parsed.text);
      FUZZ_CHECK(reparsed.id == parsed.id && reparsed.url == parsed.url);

      std::string twice;
      winnow::AppendWithText(rewritten, reparsed.text_begin, reparsed.text_end, reparsed.text,
                             &twice);
      FUZZ_CHECK(twice == rewritten);
    } else {
      FUZZ_CHECK(parsed.text.empty() && parsed.text_begin == 0 && parsed.text_end == 0);
    }
  } else {
    FUZZ_CHECK(!error.empty());
  }

  std::string json;
  winnow::AppendJsonString(line, &json);
  FUZZ_CHECK(json.size() >= 2 && json.front() == '"' && json.back() == '"');
  FUZZ_CHECK(winnow::fuzz::IsValidUtf8(json));
  for (char c : json) FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x20);
  const std::string object = "{\"text\": " + json + "}";
  winnow::JsonLine wrapped;
  if (!winnow::ParseJsonLine(object, fields, &wrapped, &error)) {
    std::fprintf(stderr, "AppendJsonString output did not parse: %s\n", error.c_str());
    FUZZ_CHECK(false);
  }
  FUZZ_CHECK(wrapped.has_text && wrapped.text == Sanitized(line));
  FUZZ_CHECK(wrapped.text_begin == 9 && wrapped.text_end == object.size() - 1);
  return 0;
}
