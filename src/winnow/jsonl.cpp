#include "winnow/jsonl.hpp"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cstddef>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "winnow/normalize.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>  // part of every x86-64 CPU: no dispatch needed
#endif

namespace winnow {
namespace {

namespace ondemand = simdjson::ondemand;

// How many objects and arrays may nest, the top-level object included:
// what simdjson's DOM parser accepts with its default limit (1024 counts the
// document level too). On Demand does not enforce a limit, it assumes one, so
// the Validator checks before it enters a container.
constexpr int kMaxDepth = static_cast<int>(simdjson::DEFAULT_MAX_DEPTH) - 1;

bool Fail(std::string_view message, std::string* error) {
  error->assign(message);
  return false;
}

std::string_view Message(simdjson::error_code code) {
  switch (code) {
    case simdjson::EMPTY:
      return "empty line";
    case simdjson::UTF8_ERROR:
      return "invalid UTF-8";
    case simdjson::UNESCAPED_CHARS:
      return "unescaped control character in string";
    case simdjson::UNCLOSED_STRING:
      return "unterminated string";
    case simdjson::STRING_ERROR:
      return "invalid string";
    case simdjson::NUMBER_ERROR:
      return "invalid number";
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR:
      return "invalid literal";
    case simdjson::INCORRECT_TYPE:
      return "not a JSON object";
    case simdjson::TAPE_ERROR:
      return "malformed JSON";
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT:
      return "unterminated object or array";
    case simdjson::DEPTH_ERROR:
      return "nesting too deep";
    case simdjson::CAPACITY:
      return "line too long";
    case simdjson::MEMALLOC:
      return "out of memory";
    default:
      return simdjson::error_message(code);
  }
}

bool Fail(simdjson::error_code code, std::string* error) {
  // Out of memory is no property of the line: the run cannot go on.
  if (code == simdjson::MEMALLOC) throw std::bad_alloc();
  return Fail(Message(code), error);
}

constexpr std::array<signed char, 256> kHexValue = [] {
  std::array<signed char, 256> t{};
  for (auto& v : t) v = -1;
  for (int c = '0'; c <= '9'; ++c) t[c] = static_cast<signed char>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c)
    t[c] = static_cast<signed char>(c - 'a' + 10);
  for (int c = 'A'; c <= 'F'; ++c)
    t[c] = static_cast<signed char>(c - 'A' + 10);
  return t;
}();

bool IsJsonSpace(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool IsDigit(std::string_view s, std::size_t i) {
  return i < s.size() && s[i] >= '0' && s[i] <= '9';
}

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && IsJsonSpace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

// Reads 4 hex digits at s[i]; false if there are fewer.
bool Hex4(std::string_view s, std::size_t i, unsigned* value) {
  *value = 0;
  for (std::size_t k = i; k < i + 4; ++k) {
    if (k >= s.size()) return false;
    const int digit = kHexValue[static_cast<unsigned char>(s[k])];
    if (digit < 0) return false;
    *value = *value << 4 | static_cast<unsigned>(digit);
  }
  return true;
}

// simdjson reports every bad escape as STRING_ERROR; this tells the user which.
// `s` starts just after the opening quote of the string simdjson rejected.
std::string_view ClassifyStringError(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && s[i] != '"') {
    if (s[i] != '\\') {
      ++i;
      continue;
    }
    if (i + 1 >= s.size()) break;
    const char escape = s[i + 1];
    i += 2;
    switch (escape) {
      case '"':
      case '\\':
      case '/':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
        continue;
      case 'u':
        break;
      default:
        return "invalid escape";
    }
    unsigned unit;
    if (!Hex4(s, i, &unit)) return "invalid escape";
    i += 4;
    if (unit >= 0xDC00 && unit <= 0xDFFF) return "lone surrogate";
    if (unit < 0xD800 || unit > 0xDBFF) continue;
    unsigned low;
    if (i + 1 >= s.size() || s[i] != '\\' || s[i + 1] != 'u')
      return "lone surrogate";
    if (!Hex4(s, i + 2, &low)) return "invalid escape";
    if (low < 0xDC00 || low > 0xDFFF) return "lone surrogate";
    i += 6;
  }
  return "invalid string";
}

// RFC 8259 number grammar. simdjson would also reject numbers that do not
// fit a double (1e999); they are valid JSON and pass through untouched.
bool IsJsonNumber(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  if (!IsDigit(s, i)) return false;
  if (s[i] == '0') {
    ++i;
  } else {
    while (IsDigit(s, i)) ++i;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!IsDigit(s, i)) return false;
    while (IsDigit(s, i)) ++i;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!IsDigit(s, i)) return false;
    while (IsDigit(s, i)) ++i;
  }
  return i == s.size();
}

// When simdjson says "incomplete" before iterating, the line's last token is
// not the '}' of its first object: the object is cut short or something
// follows it. Matching the brackets tells which. Stage 1 has already checked
// that every string is closed.
std::string_view DiagnoseIncomplete(std::string_view line) {
  std::string closers;  // the brackets still open, as the bytes that close them
  bool in_string = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{') {
      closers.push_back('}');
    } else if (c == '[') {
      closers.push_back(']');
    } else if (c == '}' || c == ']') {
      if (closers.empty() || closers.back() != c) return "malformed JSON";
      closers.pop_back();
      if (closers.empty()) return "trailing content after the object";
    }
  }
  return closers.empty() ? "malformed JSON" : "unterminated object or array";
}

// Walks the values of one line, checking everything On Demand leaves
// unchecked until asked: escapes, numbers, literals, nesting.
class Validator {
 public:
  // `line` is the padded copy being parsed.
  Validator(std::string_view line, std::string* error)
      : line_(line), error_(error) {}

  // Unescapes the key of `field` into *key (the parser's buffer).
  bool Key(ondemand::field& field, std::string_view* key) {
    const char* raw = field.key().raw();  // just after the opening quote
    if (auto code = field.unescaped_key().get(*key)) {
      if (code != simdjson::STRING_ERROR) return Fail(code, error_);
      return Fail(ClassifyStringError(line_.substr(
                      static_cast<std::size_t>(raw - line_.data()))),
                  error_);
    }
    return true;
  }

  // Validates the value `value` refers to and consumes it; `depth` counts
  // the containers around it. When it is a string, its unescaped contents
  // (in the parser's buffer, valid until the next iterate) go to *string.
  bool Value(ondemand::value& value, int depth, std::string_view* string,
             bool* is_string) {
    *is_string = false;
    ondemand::json_type type;
    if (auto code = value.type().get(type)) return Fail(code, error_);
    std::string_view unused;
    bool unused_is_string;
    switch (type) {
      case ondemand::json_type::object: {
        if (depth + 1 > kMaxDepth) return Fail("nesting too deep", error_);
        ondemand::object object;
        if (auto code = value.get_object().get(object))
          return Fail(code, error_);
        for (auto result : object) {
          ondemand::field field;
          if (auto code = std::move(result).get(field))
            return Fail(code, error_);
          std::string_view key;
          if (!Key(field, &key)) return false;
          if (!Value(field.value(), depth + 1, &unused, &unused_is_string))
            return false;
        }
        return true;
      }
      case ondemand::json_type::array: {
        if (depth + 1 > kMaxDepth) return Fail("nesting too deep", error_);
        ondemand::array array;
        if (auto code = value.get_array().get(array)) return Fail(code, error_);
        for (auto result : array) {
          ondemand::value element;
          if (auto code = std::move(result).get(element))
            return Fail(code, error_);
          if (!Value(element, depth + 1, &unused, &unused_is_string))
            return false;
        }
        return true;
      }
      case ondemand::json_type::string: {
        const std::string_view token = value.raw_json_token();
        if (auto code = value.get_string().get(*string)) {
          if (code != simdjson::STRING_ERROR) return Fail(code, error_);
          return Fail(ClassifyStringError(token.substr(1)), error_);
        }
        *is_string = true;
        return true;
      }
      // Scalars are checked on their token and left for the parent's
      // iterator to step over: simdjson's number parser would refuse valid
      // JSON such as 1e999, and the token test catches "truex" as well.
      case ondemand::json_type::number:
        if (!IsJsonNumber(TrimRight(value.raw_json_token()))) {
          return Fail("invalid number", error_);
        }
        return true;
      case ondemand::json_type::boolean: {
        const std::string_view token = TrimRight(value.raw_json_token());
        if (token != "true" && token != "false")
          return Fail("invalid literal", error_);
        return true;
      }
      case ondemand::json_type::null:
        if (TrimRight(value.raw_json_token()) != "null")
          return Fail("invalid literal", error_);
        return true;
    }
    return Fail("malformed JSON", error_);
  }

 private:
  std::string_view line_;
  std::string* error_;
};

// Per byte of a string being written as JSON: kPlain bytes are copied,
// kNonAscii bytes start a UTF-8 sequence to check, any other value is the
// letter of its backslash escape ('u' meaning \u00XX).
constexpr unsigned char kPlain = 0;
constexpr unsigned char kNonAscii = 1;
constexpr std::array<unsigned char, 256> kEscapeOf = [] {
  std::array<unsigned char, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = 'u';
  t['\b'] = 'b';
  t['\t'] = 't';
  t['\n'] = 'n';
  t['\f'] = 'f';
  t['\r'] = 'r';
  t['"'] = '"';
  t['\\'] = '\\';
  for (int c = 0x80; c < 0x100; ++c) t[c] = kNonAscii;
  return t;
}();

constexpr char kHexDigits[] = "0123456789abcdef";

}  // namespace

namespace {

// A string of a long line that is parsed apart (see JsonHollowing): its
// span in the line, quotes included, and where its "" stands in the
// skeleton.
struct HollowString {
  std::size_t begin, end;  // in the line
  std::size_t at;          // in the skeleton
};

// A long line with its long string values taken out.
struct Hollowed {
  std::string_view line;
  std::vector<HollowString> strings;  // in line order
  const JsonHollowing* limits = nullptr;

  // The line offset of skeleton offset `at` (not inside a hollowed "").
  std::size_t LineOffset(std::size_t at) const {
    std::size_t shift = 0;
    for (const HollowString& h : strings) {
      if (h.at >= at) break;
      shift += h.end - h.begin - 2;
    }
    return at + shift;
  }
  // The string whose "" starts at skeleton offset `at`, or null.
  const HollowString* At(std::size_t at) const {
    for (const HollowString& h : strings) {
      if (h.at == at) return &h;
      if (h.at > at) break;
    }
    return nullptr;
  }
};

bool ParseJsonLineWith(ondemand::parser& parser, std::string_view line, const JsonlFields& fields,
                       JsonLine* out, std::string* error, std::size_t readable,
                       const Hollowed* hollowed);

// Validates the contents of a string (between its quotes, as written) piece
// by piece, each piece parsed by simdjson as a string of its own, and
// appends the unescaped text to `*text` unless it is null. Pieces end
// before a byte that starts a character or an escape (a surrogate pair's two
// escapes stay together), so each piece is valid exactly when its part of
// the string is, and memory follows the piece, not the string.
bool ParseStringInPieces(std::string_view contents, std::size_t piece_bytes, std::string* text,
                         std::string* error) {
  thread_local std::unique_ptr<ondemand::parser> parser;
  if (!parser) parser = std::make_unique<ondemand::parser>();
  std::string padded;
  auto parse = [&](std::string_view piece) {
    padded.clear();
    padded.reserve(piece.size() + 2 + kJsonPadding);
    padded.push_back('"');
    padded.append(piece);
    padded.push_back('"');
    const simdjson::padded_string_view view(padded.data(), padded.size(), padded.capacity());
    ondemand::document doc;
    std::string_view unescaped;
    simdjson::error_code code = parser->iterate(view).get(doc);
    if (!code) code = doc.get_string().get(unescaped);
    if (code == simdjson::STRING_ERROR) {
      return Fail(ClassifyStringError(std::string_view(padded).substr(1)), error);
    }
    if (code) return Fail(code, error);
    if (text) text->append(unescaped);
    return true;
  };
  std::size_t start = 0, i = 0;
  while (i < contents.size()) {
    const auto byte = static_cast<unsigned char>(contents[i]);
    if (i - start >= piece_bytes && (byte & 0xC0) != 0x80) {
      if (!parse(contents.substr(start, i - start))) return false;
      start = i;
    }
    if (byte != '\\') {
      ++i;
      continue;
    }
    std::size_t step = 2;
    unsigned unit;
    if (i + 1 < contents.size() && contents[i + 1] == 'u') {
      step = 6;
      if (Hex4(contents, i + 2, &unit) && unit >= 0xD800 && unit <= 0xDBFF &&
          contents.substr(std::min(contents.size(), i + 6), 2) == "\\u") {
        step = 12;
      }
    }
    i = std::min(contents.size(), i + step);
  }
  return parse(contents.substr(start));
}

// Takes the long string values out of `line` (keys stay), into `*skeleton`
// (padded for simdjson) and `*hollowed`, after checking each of them.
// Returns false with `*error` set when one is bad or a string is not
// closed; true with no string taken out when there is none to take.
bool Hollow(std::string_view line, const JsonHollowing& limits, simdjson::padded_string* skeleton,
            Hollowed* hollowed, std::string* error) {
  hollowed->line = line;
  hollowed->limits = &limits;
  hollowed->strings.clear();
  std::string bones;
  std::size_t copied = 0;  // line[0, copied) is in `bones`
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] != '"') continue;
    const std::size_t open = i;
    for (++i; i < line.size() && line[i] != '"'; ++i) {
      if (line[i] == '\\') ++i;
    }
    if (i >= line.size()) return Fail("unterminated string", error);
    if (i - open - 1 <= limits.string_bytes) continue;
    std::size_t next = i + 1;
    while (next < line.size() && IsJsonSpace(static_cast<unsigned char>(line[next]))) ++next;
    if (next < line.size() && line[next] == ':') continue;  // a key
    if (!ParseStringInPieces(line.substr(open + 1, i - open - 1), limits.piece_bytes, nullptr,
                             error)) {
      return false;
    }
    bones.append(line.substr(copied, open - copied));
    hollowed->strings.push_back({open, i + 1, bones.size()});
    bones.append("\"\"");
    copied = i + 1;
  }
  if (hollowed->strings.empty()) return true;
  bones.append(line.substr(copied));
  *skeleton = simdjson::padded_string(bones);
  if (skeleton->data() == nullptr && !bones.empty()) throw std::bad_alloc();
  return true;
}

}  // namespace

bool ParseJsonLine(std::string_view line, const JsonlFields& fields,
                   JsonLine* out, std::string* error, std::size_t readable) {
  return ParseJsonLine(line, fields, out, error, readable, JsonHollowing{});
}

bool ParseJsonLine(std::string_view line, const JsonlFields& fields, JsonLine* out,
                   std::string* error, std::size_t readable, const JsonHollowing& hollowing) {
  static_assert(kJsonPadding == simdjson::SIMDJSON_PADDING);
  // One parser per thread: it keeps its buffers between lines, unless a
  // line was so long that keeping them would cost more than reallocating.
  thread_local std::unique_ptr<ondemand::parser> parser;
  if (!parser) parser = std::make_unique<ondemand::parser>();
  if (line.size() > hollowing.line_bytes) {
    // simdjson's buffers take about 5.7 bytes per byte of what it parses:
    // a long line's long strings are checked apart, piece by piece, and
    // simdjson parses the rest.
    simdjson::padded_string skeleton;
    Hollowed hollowed;
    out->has_text = false;
    if (!Hollow(line, hollowing, &skeleton, &hollowed, error)) return false;
    if (!hollowed.strings.empty()) {
      const std::string_view bones(skeleton.data(), skeleton.size());
      const bool result = ParseJsonLineWith(*parser, bones, fields, out, error,
                                            skeleton.size() + kJsonPadding, &hollowed);
      if (bones.size() > kJsonKeepParserBytes) parser.reset();
      return result;
    }
  }
  const bool result = ParseJsonLineWith(*parser, line, fields, out, error, readable, nullptr);
  if (line.size() > kJsonKeepParserBytes) parser.reset();
  return result;
}

namespace {

bool ParseJsonLineWith(ondemand::parser& parser, std::string_view line, const JsonlFields& fields,
                       JsonLine* out, std::string* error, std::size_t readable,
                       const Hollowed* hollowed) {
  out->has_text = false;
  out->text.clear();
  out->text_begin = 0;
  out->text_end = 0;
  out->id.clear();
  out->url.clear();
  out->annotations.clear();

  // In place when the bytes after the line may be read; a copy otherwise.
  simdjson::padded_string copy;
  simdjson::padded_string_view padded;
  if (readable >= line.size() + kJsonPadding) {
    padded = simdjson::padded_string_view(line.data(), line.size(), readable);
  } else {
    copy = simdjson::padded_string(line);
    if (copy.data() == nullptr && !line.empty()) throw std::bad_alloc();
    padded = copy;
  }
  const char* const base = padded.data();

  ondemand::document doc;
  if (auto code = parser.iterate(padded).get(doc)) return Fail(code, error);
  ondemand::object object;
  if (auto code = doc.get_object().get(object)) {
    if (code == simdjson::INCOMPLETE_ARRAY_OR_OBJECT)
      return Fail(DiagnoseIncomplete(line), error);
    return Fail(code, error);
  }

  Validator validator(std::string_view(base, line.size()), error);
  bool seen_text = false, seen_id = false, seen_url = false;
  for (auto result : object) {
    ondemand::field field;
    if (auto code = std::move(result).get(field)) return Fail(code, error);
    // The key's opening quote (raw() is just after it).
    const std::size_t key_at = static_cast<std::size_t>(field.key().raw() - 1 - base);
    std::string_view key;
    if (!validator.Key(field, &key)) return false;
    const bool want_annotation = !fields.annotation.empty() && key == fields.annotation;
    // Only a key's first occurrence counts; later ones are validated only,
    // but a second text field is refused unless asked otherwise.
    const bool is_text = key == fields.text;
    if (is_text && seen_text && !fields.first_duplicate_wins) {
      return Fail("duplicate text field", error);
    }
    const bool want_text = !seen_text && is_text;
    const bool want_id = !seen_id && key == fields.id;
    const bool want_url = !seen_url && key == fields.url;
    seen_text |= want_text;
    seen_id |= want_id;
    seen_url |= want_url;

    ondemand::value& value = field.value();
    // The value's first token, with the whitespace after it.
    const std::string_view token = value.raw_json_token();
    std::string_view contents;
    bool is_string;
    if (!validator.Value(value, 1, &contents, &is_string)) return false;
    const std::size_t at = static_cast<std::size_t>(token.data() - base);
    // A string taken out of a long line: its text and span in the line.
    const HollowString* apart = is_string && hollowed ? hollowed->At(at) : nullptr;
    const std::string_view line_string =
        apart ? hollowed->line.substr(apart->begin, apart->end - apart->begin) : std::string_view();
    if (want_text && is_string) {
      out->has_text = true;
      out->text.clear();
      if (apart) {
        out->text.reserve(line_string.size());  // unescaping never lengthens
        if (!ParseStringInPieces(line_string.substr(1, line_string.size() - 2),
                                 hollowed->limits->piece_bytes, &out->text, error)) {
          return false;
        }
        out->text_begin = apart->begin;
        out->text_end = apart->end;
      } else {
        out->text.assign(contents);
        out->text_begin = hollowed ? hollowed->LineOffset(at) : at;
        out->text_end = out->text_begin + TrimRight(token).size();
      }
    }
    if (want_url && is_string) {
      out->url.clear();
      if (apart) {
        if (!ParseStringInPieces(line_string.substr(1, line_string.size() - 2),
                                 hollowed->limits->piece_bytes, &out->url, error)) {
          return false;
        }
      } else {
        out->url.assign(contents);
      }
    }
    if (want_id) {
      std::string_view raw = TrimRight(token);
      if (raw.front() == '{' || raw.front() == '[') {
        // A container's token is only its bracket; the container ends
        // where the token after it starts.
        const char* next;
        if (auto code = value.current_location().get(next))
          return Fail(code, error);
        raw = TrimRight(std::string_view(
            token.data(), static_cast<std::size_t>(next - token.data())));
      }
      if (hollowed) {  // the same bytes in the line, long strings and all
        const std::size_t begin = hollowed->LineOffset(at);
        const std::size_t end = apart ? apart->end : hollowed->LineOffset(at + raw.size());
        raw = hollowed->line.substr(begin, end - begin);
      }
      out->id.assign(raw);
    }
    if (want_annotation) {
      // The member ends with its value's token, or for a container where
      // the token after it (',' or '}') starts.
      std::size_t end = at + TrimRight(token).size();
      if (token.front() == '{' || token.front() == '[') {
        const char* next;
        if (auto code = value.current_location().get(next)) return Fail(code, error);
        end = static_cast<std::size_t>(next - base);
        while (end > at && IsJsonSpace(static_cast<unsigned char>(base[end - 1]))) --end;
      }
      out->annotations.emplace_back(hollowed ? hollowed->LineOffset(key_at) : key_at,
                                    apart ? apart->end : hollowed ? hollowed->LineOffset(end) : end);
    }
  }
  // The object has been read to its '}'; anything after it is an error.
  if (!doc.current_location().error())
    return Fail("trailing content after the object", error);
  return true;
}

}  // namespace

namespace {

// The escaped form of `text` (AppendJsonString without the quotes), given
// to `append` in runs of bytes.
template <typename Append>
void EscapeJson(std::string_view text, Append&& append) {
  // text[run, i) is still to be appended, as it is.
  std::size_t run = 0;
  std::size_t i = 0;
  while (i < text.size()) {
#if defined(__SSE2__)
    // Sixteen bytes that need no escape (printable ASCII but '"' and '\\')
    // at a time: signed, bytes of 0x80 and up are below 0x20 too.
    if (i + 16 <= text.size()) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i));
      const __m128i special =
          _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
                       _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                    _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
      if (_mm_movemask_epi8(special) == 0) {
        i += 16;
        continue;
      }
    }
#endif
    const unsigned char byte = static_cast<unsigned char>(text[i]);
    const unsigned char escape = kEscapeOf[byte];
    if (escape == kPlain) {
      ++i;
      continue;
    }
    if (escape == kNonAscii) {
      std::size_t next = i;
      DecodeUtf8(text, &next);
      if (next - i > 1) {  // a valid sequence: part of the run
        i = next;
        continue;
      }
      append(text.substr(run, i - run));
      append("\\ufffd");
      run = ++i;
      continue;
    }
    append(text.substr(run, i - run));
    char seq[6] = {'\\', static_cast<char>(escape), '0', '0', kHexDigits[byte >> 4],
                   kHexDigits[byte & 0xF]};
    append(std::string_view(seq, escape == 'u' ? 6 : 2));
    run = ++i;
  }
  append(text.substr(run, i - run));
}

}  // namespace

void AppendJsonEscaped(std::string_view text, std::string* out) {
  EscapeJson(text, [out](std::string_view run) { out->append(run); });
}

std::size_t JsonEscapedSize(std::string_view text) {
  std::size_t size = 0;
  EscapeJson(text, [&size](std::string_view run) { size += run.size(); });
  return size;
}

void AppendJsonString(std::string_view text, std::string* out) {
  out->reserve(out->size() + text.size() + 2);
  out->push_back('"');
  AppendJsonEscaped(text, out);
  out->push_back('"');
}

void AppendWithText(std::string_view line, std::size_t begin, std::size_t end,
                    std::string_view text, std::string* out) {
  assert(begin <= end && end <= line.size());
  out->reserve(out->size() + line.size() - (end - begin) + text.size() + 2);
  out->append(line.data(), begin);
  AppendJsonString(text, out);
  out->append(line.data() + end, line.size() - end);
}

}  // namespace winnow
