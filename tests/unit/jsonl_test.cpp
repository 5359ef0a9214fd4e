#include "winnow/jsonl.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "winnow/normalize.hpp"

namespace winnow {
namespace {

using namespace std::string_view_literals;

// Names a table row's test after its `name`: "text first" -> "text_first".
template <typename Case>
std::string CaseName(const testing::TestParamInfo<Case>& info) {
  std::string name = info.param.name;
  for (char& c : name) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       (c >= '0' && c <= '9');
    if (!alnum) c = '_';
  }
  return name;
}

// ---------------------------------------------------------------------------
// ParseJsonLine on valid lines.

struct ValidCase {
  const char* name;
  std::string_view line;
  bool has_text;
  std::string_view text;  // unescaped value
  std::string_view span;  // line[text_begin, text_end); must occur once
  std::string_view id;
  std::string_view url;
};

void PrintTo(const ValidCase& c, std::ostream* os) { *os << c.name; }

const ValidCase kValidCases[] = {
    {"only the text field", R"({"text":"hello"})", true, "hello", R"("hello")",
     "", ""},
    {"text first", R"({"text":"first","id":1,"url":"u"})", true, "first",
     R"("first")", "1", "u"},
    {"text in the middle", R"({"id":"d-7","text":"mid","url":"http://x"})",
     true, "mid", R"("mid")", R"("d-7")", "http://x"},
    {"text last", R"({"a":1,"b":[2],"text":"last"})", true, "last", R"("last")",
     "", ""},
    {"empty text", R"({"text":""})", true, "", R"("")", "", ""},
    {"empty object", "{}", false, "", "", "", ""},
    {"empty key", R"({"":"x","text":"y"})", true, "y", R"("y")", "", ""},
    {"whitespace around every token",
     " \t{ \"text\" :\t\"spaced\" , \"id\" : 7 \r\n} \t", true, "spaced",
     R"("spaced")", "7", ""},
    {"trailing CR of a CRLF line", "{\"text\":\"crlf\"}\r", true, "crlf",
     R"("crlf")", "", ""},
    {"whitespace right after the value", "{\"text\":\"ws\"  \t ,\"id\":2}",
     true, "ws", R"("ws")", "2", ""},
    {"nested objects and arrays before",
     R"({"meta":{"a":[1,{"b":[[],{}]}],"c":null},"text":"after"})", true,
     "after", R"("after")", "", ""},
    {"nested objects and arrays after",
     R"({"text":"before","meta":{"a":[true,false,null,"s",-1.5e3]}})", true,
     "before", R"("before")", "", ""},
    {"nested text key does not count",
     R"({"meta":{"text":"inner","id":9},"text":"outer"})", true, "outer",
     R"("outer")", "", ""},
    {"nested text key only", R"({"meta":{"text":"inner"}})", false, "", "", "",
     ""},
    {"text inside an array does not count", R"({"a":[{"text":"no"}]})", false,
     "", "", "", ""},
    {"escaped key matches after unescaping", R"({"te\u0078t":"esc-key"})", true,
     "esc-key", R"("esc-key")", "", ""},
    {"escaped key, uppercase hex", R"({"\u0074EXT":"no","\u0074ext":"yes"})",
     true, "yes", R"("yes")", "", ""},
    {"key with escaped quote is another key", R"({"te\"xt":"no"})", false, "",
     "", "", ""},
    {"key compared exactly", R"({"Text":"a","text ":"b"})", false, "", "", "",
     ""},
    {"simple escapes", R"({"text":"q\" b\\ s\/ \b\f\n\r\t"})", true,
     "q\" b\\ s/ \b\f\n\r\t", R"("q\" b\\ s\/ \b\f\n\r\t")", "", ""},
    {"unicode escapes", R"({"text":"caf\u00e9 \u4E2D \u20ac"})", true,
     "caf\u00e9 \u4e2d \u20ac", R"("caf\u00e9 \u4E2D \u20ac")", "", ""},
    {"surrogate pair", R"({"text":"\ud83d\ude00"})", true, "\U0001F600",
     R"("\ud83d\ude00")", "", ""},
    {"highest code point", R"({"text":"\udbff\udfff"})", true, "\U0010FFFF",
     R"("\udbff\udfff")", "", ""},
    {"escaped NUL", R"({"text":"a\u0000b"})", true, "a\0b"sv, R"("a\u0000b")",
     "", ""},
    {"raw UTF-8 and U+2028", "{\"text\":\"\u00e9\u4e2d\U0001F600\u2028\"}",
     true, "\u00e9\u4e2d\U0001F600\u2028", "\"\u00e9\u4e2d\U0001F600\u2028\"",
     "", ""},
    {"DEL is allowed raw", "{\"text\":\"a\x7f\"}", true, "a\x7f", "\"a\x7f\"",
     "", ""},
    {"escaped backslash before the closing quote", R"({"text":"end\\"})", true,
     "end\\", R"("end\\")", "", ""},
    {"missing text field", R"({"id":"x","body":"y"})", false, "", "", R"("x")",
     ""},
    {"text is a number", R"({"text":12})", false, "", "", "", ""},
    {"text is null", R"({"text":null})", false, "", "", "", ""},
    {"text is an object", R"({"text":{"text":"x"}})", false, "", "", "", ""},
    {"text is an array", R"({"text":["x"]})", false, "", "", "", ""},
    {"text is a boolean", R"({"text":true})", false, "", "", "", ""},
    {"duplicate id and url: the first counts",
     R"({"id":1,"url":"a","id":2,"url":"b","text":"t"})", true, "t", R"("t")",
     "1", "a"},
    {"id string keeps quotes and escapes", R"({"id":"a\"b\u00e9"})", false, "",
     "", R"("a\"b\u00e9")", ""},
    {"id number as written", R"({"id":1.0e+10})", false, "", "", "1.0e+10", ""},
    {"id negative number", R"({"id": -0.5E-3 })", false, "", "", "-0.5E-3", ""},
    {"id integer beyond 64 bits", R"({"id":123456789012345678901234567890})",
     false, "", "", "123456789012345678901234567890", ""},
    {"id number beyond a double", R"({"id":1e999})", false, "", "", "1e999",
     ""},
    {"id zero", R"({"id":0})", false, "", "", "0", ""},
    {"id literal", R"({"id":true})", false, "", "", "true", ""},
    {"id null", R"({"id":null})", false, "", "", "null", ""},
    {"id object as written", R"({"id": {"a": [1, 2]} ,"text":"x"})", true, "x",
     R"("x")", R"({"a": [1, 2]})", ""},
    {"id array as written", R"({"id":[ 1 ,"]" ] })", false, "", "",
     R"([ 1 ,"]" ])", ""},
    {"url unescaped", R"({"url":"http:\/\/x.org\/a?b=\u00e9"})", false, "", "",
     "", "http://x.org/a?b=\u00e9"},
    {"url not a string", R"({"url":["http://x"]})", false, "", "", "", ""},
    {"url first occurrence not a string", R"({"url":1,"url":"http://x"})",
     false, "", "", "", ""},
};

// With JsonlFields::first_duplicate_wins, a repeated text key: the first
// occurrence counts, whatever its type.
const ValidCase kFirstDuplicateCases[] = {
    {"duplicate text: the first counts", R"({"text":"one","text":"two"})", true,
     "one", R"("one")", "", ""},
    {"duplicate text: a non-string first counts", R"({"text":1,"text":"two"})",
     false, "", "", "", ""},
    {"duplicate text: a later non-string is ignored",
     R"({"text":"one","text":null})", true, "one", R"("one")", "", ""},
    {"duplicate text: escaped key first", R"({"te\u0078t":"one","text":"two"})",
     true, "one", R"("one")", "", ""},
};

TEST(JsonlDuplicateTextTest, FirstWinsWhenAsked) {
  JsonlFields fields;
  fields.first_duplicate_wins = true;
  for (const ValidCase& c : kFirstDuplicateCases) {
    SCOPED_TRACE(c.name);
    JsonLine j;
    std::string error;
    ASSERT_TRUE(ParseJsonLine(c.line, fields, &j, &error)) << error;
    EXPECT_EQ(j.has_text, c.has_text);
    EXPECT_EQ(j.text, c.text);
    if (c.has_text) EXPECT_EQ(c.line.substr(j.text_begin, j.text_end - j.text_begin), c.span);
  }
}

TEST(JsonlDuplicateTextTest, RefusedByDefaultWhateverTheSpellingOrType) {
  for (const ValidCase& c : kFirstDuplicateCases) {
    SCOPED_TRACE(c.name);
    JsonLine j;
    std::string error;
    EXPECT_FALSE(ParseJsonLine(c.line, JsonlFields{}, &j, &error));
    EXPECT_EQ(error, "duplicate text field");
  }
  // Another text field name: only that key counts as the text.
  JsonlFields body;
  body.text = "body";
  JsonLine j;
  std::string error;
  ASSERT_TRUE(ParseJsonLine(R"({"text":1,"text":2,"body":"b"})", body, &j, &error)) << error;
  EXPECT_EQ(j.text, "b");
  EXPECT_FALSE(ParseJsonLine(R"({"body":"a","x":{"body":"in"},"body":"b"})", body, &j, &error));
  EXPECT_EQ(error, "duplicate text field");
  // A nested key of that name is no duplicate.
  EXPECT_TRUE(ParseJsonLine(R"({"text":"a","x":{"text":"in"}})", {}, &j, &error)) << error;
}

class ValidLineTest : public testing::TestWithParam<ValidCase> {};

TEST_P(ValidLineTest, Parses) {
  const ValidCase& c = GetParam();
  JsonLine j;
  std::string error;
  ASSERT_TRUE(ParseJsonLine(c.line, JsonlFields{}, &j, &error)) << error;
  EXPECT_EQ(j.has_text, c.has_text);
  EXPECT_EQ(j.text, c.text);
  EXPECT_EQ(j.id, c.id);
  EXPECT_EQ(j.url, c.url);
  if (c.has_text) {
    ASSERT_LE(j.text_begin, j.text_end);
    ASSERT_LE(j.text_end, c.line.size());
    EXPECT_EQ(c.line.substr(j.text_begin, j.text_end - j.text_begin), c.span);
    EXPECT_EQ(j.text_begin, c.line.find(c.span));
    EXPECT_EQ(c.line.find(c.span, j.text_begin + 1), std::string_view::npos)
        << "span is not unique in the line";
  } else {
    EXPECT_EQ(j.text_begin, 0u);
    EXPECT_EQ(j.text_end, 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(Jsonl, ValidLineTest, testing::ValuesIn(kValidCases),
                         CaseName<ValidCase>);

// The limits with which every string value of every line is parsed apart
// (JsonHollowing), in pieces of a few bytes.
const JsonHollowing kHollowEverything[] = {{0, 0, 1}, {0, 0, 2}, {0, 1, 3}, {0, 0, 7}, {0, 3, 1 << 20}};

// A line parsed with its strings taken out and checked piece by piece
// gives what the whole line gives.
TEST_P(ValidLineTest, ParsesTheSameWithItsStringsApart) {
  const ValidCase& c = GetParam();
  JsonLine whole;
  std::string error;
  ASSERT_TRUE(ParseJsonLine(c.line, JsonlFields{}, &whole, &error)) << error;
  for (const JsonHollowing& limits : kHollowEverything) {
    SCOPED_TRACE("string bytes " + std::to_string(limits.string_bytes) + ", pieces of " +
                 std::to_string(limits.piece_bytes));
    JsonLine apart;
    ASSERT_TRUE(ParseJsonLine(c.line, JsonlFields{}, &apart, &error, 0, limits)) << error;
    EXPECT_EQ(apart.has_text, whole.has_text);
    EXPECT_EQ(apart.text, whole.text);
    EXPECT_EQ(apart.text_begin, whole.text_begin);
    EXPECT_EQ(apart.text_end, whole.text_end);
    EXPECT_EQ(apart.id, whole.id);
    EXPECT_EQ(apart.url, whole.url);
  }
}

TEST(JsonlParse, CustomFieldNames) {
  const JsonlFields fields{"content", "doc_id", "link"};
  const std::string_view line =
      R"({"text":"not this","content":"body","doc_id":42,"link":"http://l"})";
  JsonLine j;
  std::string error;
  ASSERT_TRUE(ParseJsonLine(line, fields, &j, &error)) << error;
  EXPECT_TRUE(j.has_text);
  EXPECT_EQ(j.text, "body");
  EXPECT_EQ(line.substr(j.text_begin, j.text_end - j.text_begin), "\"body\"");
  EXPECT_EQ(j.id, "42");
  EXPECT_EQ(j.url, "http://l");
}

// The members an annotation replaces: from a key's quote to its value's
// end, every one, whatever its value; none when not asked for.
TEST(JsonlParse, TheAnnotationMemberSpans) {
  JsonlFields fields;
  fields.annotation = "winnow";
  struct Case {
    std::string_view line;
    std::vector<std::string_view> members;
  };
  const Case cases[] = {
      {R"({"winnow":1,"text":"t"})", {R"("winnow":1)"}},
      {R"({"text":"t", "winnow" : {"a":[1,"}"]} })", {R"("winnow" : {"a":[1,"}"]})"}},
      {R"({"text":"t","wi\u006enow":"x","winnow":2})", {R"("wi\u006enow":"x")", R"("winnow":2)"}},
      {R"({"text":"t","winnow":null})", {R"("winnow":null)"}},
      {R"({"text":"t","winnowing":1})", {}},
  };
  for (const Case& c : cases) {
    JsonLine j;
    std::string error;
    ASSERT_TRUE(ParseJsonLine(c.line, fields, &j, &error)) << c.line << ": " << error;
    std::vector<std::string_view> got;
    for (const auto& [b, e] : j.annotations) got.push_back(c.line.substr(b, e - b));
    EXPECT_EQ(got, c.members) << c.line;
    for (const JsonHollowing& limits : kHollowEverything) {
      JsonLine apart;
      ASSERT_TRUE(ParseJsonLine(c.line, fields, &apart, &error, 0, limits)) << error;
      EXPECT_EQ(apart.annotations, j.annotations) << c.line;
    }
    JsonLine plain;
    ASSERT_TRUE(ParseJsonLine(c.line, JsonlFields{}, &plain, &error));
    EXPECT_TRUE(plain.annotations.empty());
  }
}

TEST(JsonlParse, OneFieldCanServeTwoRoles) {
  const JsonlFields fields{"text", "text", "text"};
  JsonLine j;
  std::string error;
  ASSERT_TRUE(ParseJsonLine(R"({"text":"a\"b"})", fields, &j, &error));
  EXPECT_EQ(j.text, "a\"b");
  EXPECT_EQ(j.id, R"("a\"b")");
  EXPECT_EQ(j.url, "a\"b");
}

TEST(JsonlParse, ResetsTheResultOfTheLastLine) {
  JsonLine j;
  std::string error;
  ASSERT_TRUE(
      ParseJsonLine(R"({"id":1,"text":"x","url":"u"})", {}, &j, &error));
  ASSERT_TRUE(ParseJsonLine(R"({"other":1})", {}, &j, &error));
  EXPECT_FALSE(j.has_text);
  EXPECT_EQ(j.text, "");
  EXPECT_EQ(j.text_begin, 0u);
  EXPECT_EQ(j.text_end, 0u);
  EXPECT_EQ(j.id, "");
  EXPECT_EQ(j.url, "");
}

TEST(JsonlParse, LongText) {
  const std::string text(1 << 20, 'x');
  const std::string line = "{\"id\":1,\"text\":\"" + text + "\",\"z\":0}";
  JsonLine j;
  std::string error;
  ASSERT_TRUE(ParseJsonLine(line, {}, &j, &error)) << error;
  EXPECT_EQ(j.text, text);
  EXPECT_EQ(j.text_begin, 15u);
  EXPECT_EQ(j.text_end, 15u + text.size() + 2);
}

// ---------------------------------------------------------------------------
// ParseJsonLine on invalid lines: every error class and its message.

struct ErrorCase {
  const char* name;
  std::string_view line;
  std::string_view error;
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

const ErrorCase kErrorCases[] = {
    {"empty line", "", "empty line"},
    {"blank line", " \t\r", "empty line"},
    {"top-level array", "[1,2]", "not a JSON object"},
    {"top-level string", R"("text")", "not a JSON object"},
    {"top-level number", "42", "not a JSON object"},
    {"top-level null", "null", "not a JSON object"},
    {"top-level true", "true", "not a JSON object"},
    {"byte order mark", "\xEF\xBB\xBF{}", "not a JSON object"},
    {"closing brace only", "}", "not a JSON object"},
    {"word after the object", R"({"text":"a"} x)",
     "trailing content after the object"},
    {"extra closing brace", R"({"text":"a"}})",
     "trailing content after the object"},
    {"two objects", R"({"a":1}{"b":2})", "trailing content after the object"},
    {"array after the object", "{} []", "trailing content after the object"},
    {"NUL after the object", "{}\0"sv, "trailing content after the object"},
    {"cut after a value", R"({"text":"a")", "unterminated object or array"},
    {"cut after a comma", R"({"text":"a",)", "unterminated object or array"},
    {"cut inside an array", R"({"a":[1,2)", "unterminated object or array"},
    {"opening brace only", "{", "unterminated object or array"},
    {"mismatched bracket", "{]", "malformed JSON"},
    {"cut inside a string", R"({"text":"abc)", "unterminated string"},
    {"cut inside a key", R"({"te)", "unterminated string"},
    {"escaped closing quote", R"({"text":"abc\"})", "unterminated string"},
    {"raw tab in a string", "{\"text\":\"a\tb\"}",
     "unescaped control character in string"},
    {"raw NUL in a string", "{\"text\":\"a\0b\"}"sv,
     "unescaped control character in string"},
    {"raw 0x1f in a key", "{\"a\x1f\":1}",
     "unescaped control character in string"},
    {"unknown escape", R"({"text":"\x41"})", "invalid escape"},
    {"escaped single quote", R"({"text":"\'"})", "invalid escape"},
    {"uppercase U escape", R"({"text":"\U0041"})", "invalid escape"},
    {"non-hex digit", R"({"text":"\u12g4"})", "invalid escape"},
    {"short unicode escape", R"({"text":"\u12"})", "invalid escape"},
    {"invalid escape in a key", R"({"\q":1})", "invalid escape"},
    {"invalid escape in a nested value", R"({"a":[[{"b":"\q"}]]})",
     "invalid escape"},
    {"invalid escape after the text", R"({"text":"ok","z":"\q"})",
     "invalid escape"},
    {"bad hex after a high surrogate", R"({"text":"\ud800\uzzzz"})",
     "invalid escape"},
    {"lone high surrogate", R"({"text":"\ud800"})", "lone surrogate"},
    {"lone low surrogate", R"({"text":"\udc00"})", "lone surrogate"},
    {"high surrogate then a letter", R"({"text":"\ud800x"})", "lone surrogate"},
    {"high surrogate then a BMP escape", R"({"text":"\ud800\u0041"})",
     "lone surrogate"},
    {"two high surrogates", R"({"text":"\ud800\ud800"})", "lone surrogate"},
    {"reversed pair", R"({"text":"\ude00\ud83d"})", "lone surrogate"},
    {"pair then a lone high", R"({"text":"\ud83d\ude00\udbff"})",
     "lone surrogate"},
    {"high surrogate then an escaped char", R"({"text":"\ud800\n"})",
     "lone surrogate"},
    {"lone surrogate in a key", R"({"\ud800":1})", "lone surrogate"},
    {"lone surrogate in a nested array", R"({"a":[1,["\udfff"]]})",
     "lone surrogate"},
    {"invalid byte", "{\"text\":\"\xff\"}", "invalid UTF-8"},
    {"continuation byte alone", "{\"text\":\"\x80\"}", "invalid UTF-8"},
    {"overlong slash", "{\"text\":\"\xc0\xaf\"}", "invalid UTF-8"},
    {"encoded surrogate", "{\"text\":\"\xed\xa0\x80\"}", "invalid UTF-8"},
    {"truncated sequence", "{\"text\":\"\xe4\xb8\"}", "invalid UTF-8"},
    {"beyond U+10FFFF", "{\"text\":\"\xf4\x90\x80\x80\"}", "invalid UTF-8"},
    {"invalid UTF-8 in another field", "{\"text\":\"a\",\"b\":\"\xfe\"}",
     "invalid UTF-8"},
    {"leading zero", R"({"a":01})", "invalid number"},
    {"dot without fraction", R"({"a":1.})", "invalid number"},
    {"exponent without digits", R"({"a":1e})", "invalid number"},
    {"exponent sign without digits", R"({"a":1e+})", "invalid number"},
    {"minus alone", R"({"a":-})", "invalid number"},
    {"minus then dot", R"({"a":-.5})", "invalid number"},
    {"two dots", R"({"a":1.2.3})", "invalid number"},
    {"hex number", R"({"a":0x10})", "invalid number"},
    {"minus Infinity", R"({"a":-Infinity})", "invalid number"},
    {"digit separator", R"({"a":1_000})", "invalid number"},
    {"bad number in an array", R"({"text":"ok","a":[1,2,3e]})",
     "invalid number"},
    {"leading dot", R"({"a":.5})", "malformed JSON"},
    {"leading plus", R"({"a":+1})", "malformed JSON"},
    {"NaN", R"({"a":NaN})", "malformed JSON"},
    {"truncated true", R"({"a":tru})", "invalid literal"},
    {"true with a suffix", R"({"a":truex})", "invalid literal"},
    {"truncated null", R"({"a":nul})", "invalid literal"},
    {"null with a suffix", R"({"a":nulls})", "invalid literal"},
    {"false misspelt", R"({"a":fals})", "invalid literal"},
    {"garbage literal after the text", R"({"text":"ok","x":tru})",
     "invalid literal"},
    {"capitalised literal", R"({"a":True})", "malformed JSON"},
    {"missing colon", R"({"a" 1})", "malformed JSON"},
    {"double colon", R"({"a"::1})", "malformed JSON"},
    {"missing value", R"({"a":})", "malformed JSON"},
    {"key without value", R"({"a"})", "malformed JSON"},
    {"missing key", R"({:1})", "malformed JSON"},
    {"number as key", R"({1:2})", "malformed JSON"},
    {"single-quoted key", R"({'a':1})", "malformed JSON"},
    {"trailing comma", R"({"a":1,})", "malformed JSON"},
    {"lone comma", R"({,})", "malformed JSON"},
    {"missing comma", R"({"a":1 "b":2})", "malformed JSON"},
    {"garbage after the text value", R"({"text":"a"x})", "malformed JSON"},
    {"two strings", R"({"text":"a""b":1})", "malformed JSON"},
    {"trailing comma in an array", R"({"a":[1,]})", "malformed JSON"},
    {"leading comma in an array", R"({"a":[,1]})", "malformed JSON"},
    {"missing comma in an array", R"({"a":[1 2]})", "malformed JSON"},
    {"unclosed array closed by a brace", R"({"a":[1,2})", "malformed JSON"},
    {"unclosed array after the text", R"({"text":"ok","x":[1,})",
     "malformed JSON"},
    {"closing bracket as a value", R"({"a":]})", "malformed JSON"},
    {"inner object left open", R"({"a":{"b":1})", "malformed JSON"},
    {"control byte before the object", "\x01{}", "not a JSON object"},
};

class ErrorLineTest : public testing::TestWithParam<ErrorCase> {};

TEST_P(ErrorLineTest, FailsWithItsMessage) {
  const ErrorCase& c = GetParam();
  JsonLine j;
  std::string error;
  EXPECT_FALSE(ParseJsonLine(c.line, JsonlFields{}, &j, &error));
  EXPECT_EQ(error, c.error);
}

TEST_P(ErrorLineTest, FailsWithItsMessageWithItsStringsApart) {
  const ErrorCase& c = GetParam();
  for (const JsonHollowing& limits : kHollowEverything) {
    SCOPED_TRACE("string bytes " + std::to_string(limits.string_bytes) + ", pieces of " +
                 std::to_string(limits.piece_bytes));
    JsonLine j;
    std::string error;
    EXPECT_FALSE(ParseJsonLine(c.line, JsonlFields{}, &j, &error, 0, limits));
    EXPECT_EQ(error, c.error);
  }
}

INSTANTIATE_TEST_SUITE_P(Jsonl, ErrorLineTest, testing::ValuesIn(kErrorCases),
                         CaseName<ErrorCase>);

// `levels` nested arrays or objects in a field after the text, inside the
// top-level object: levels + 1 containers deep. simdjson allows 1023.
std::string Nested(int levels, char open, char close) {
  std::string line = R"({"text":"t","deep":)";
  for (int i = 0; i < levels; ++i) {
    line += open;
    if (open == '{') line += R"("k":)";
  }
  line += "0";
  line.append(static_cast<std::size_t>(levels), close);
  line += "}";
  return line;
}

TEST(JsonlParse, NestingUpToTheLimit) {
  for (char open : {'[', '{'}) {
    const char close = open == '[' ? ']' : '}';
    for (int levels : {1, 2, 100, 1021, 1022}) {
      SCOPED_TRACE(std::string(1, open) + " x " + std::to_string(levels));
      JsonLine j;
      std::string error;
      EXPECT_TRUE(ParseJsonLine(Nested(levels, open, close), {}, &j, &error))
          << error;
      EXPECT_EQ(j.text, "t");
    }
  }
}

TEST(JsonlParse, NestingBeyondTheLimit) {
  for (char open : {'[', '{'}) {
    const char close = open == '[' ? ']' : '}';
    for (int levels : {1023, 1024, 5000}) {
      SCOPED_TRACE(std::string(1, open) + " x " + std::to_string(levels));
      JsonLine j;
      std::string error;
      EXPECT_FALSE(ParseJsonLine(Nested(levels, open, close), {}, &j, &error));
      EXPECT_EQ(error, "nesting too deep");
    }
  }
}

TEST(JsonlParse, DeepIdBeforeTheText) {
  const std::string ok(1022, '[');
  const std::string ok_id = ok + std::string(1022, ']');
  JsonLine j;
  std::string error;
  ASSERT_TRUE(
      ParseJsonLine(R"({"id":)" + ok_id + R"(,"text":"t"})", {}, &j, &error))
      << error;
  EXPECT_EQ(j.id, ok_id);
  EXPECT_EQ(j.text, "t");
  const std::string deep_id = std::string(1023, '[') + std::string(1023, ']');
  EXPECT_FALSE(
      ParseJsonLine(R"({"id":)" + deep_id + R"(,"text":"t"})", {}, &j, &error));
  EXPECT_EQ(error, "nesting too deep");
}

// ---------------------------------------------------------------------------
// AppendJsonString.

struct EscapeCase {
  const char* name;
  std::string_view input;
  std::string_view expected;  // without the quotes
};

void PrintTo(const EscapeCase& c, std::ostream* os) { *os << c.name; }

const EscapeCase kEscapeCases[] = {
    {"empty", "", ""},
    {"plain ASCII", "Hello, world!", "Hello, world!"},
    {"quote", "say \"hi\"", R"(say \"hi\")"},
    {"backslash", "a\\b\\", R"(a\\b\\)"},
    {"slash kept", "a/b", "a/b"},
    {"short escapes", "\n\r\t\b\f", R"(\n\r\t\b\f)"},
    {"NUL", "\0"sv, R"(\u0000)"},
    {"0x01", "\x01", R"(\u0001)"},
    {"vertical tab", "\x0b", R"(\u000b)"},
    {"0x1b escape", "\x1b[0m", R"(\u001b[0m)"},
    {"0x1f, lowercase hex", "\x1f", R"(\u001f)"},
    {"space is plain", " ", " "},
    {"DEL kept", "\x7f", "\x7f"},
    {"two-byte", "caf\u00e9", "caf\u00e9"},
    {"three-byte", "\u4e2d\u6587", "\u4e2d\u6587"},
    {"four-byte", "\U0001F600", "\U0001F600"},
    {"line separator kept", "a\u2028b\u2029", "a\u2028b\u2029"},
    {"valid U+FFFD kept", "\ufffd", "\ufffd"},
    {"lowest two-byte", "\u0080", "\u0080"},
    {"highest code point", "\U0010FFFF", "\U0010FFFF"},
    {"last before surrogates", "\ud7ff", "\ud7ff"},
    {"first after surrogates", "\ue000", "\ue000"},
    {"lone continuation byte", "\x80", R"(\ufffd)"},
    {"byte 0xff",
     "a\xff"
     "b",
     R"(a\ufffdb)"},
    {"byte 0xfe", "\xfe", R"(\ufffd)"},
    {"byte 0xf5", "\xf5\x80\x80\x80", R"(\ufffd\ufffd\ufffd\ufffd)"},
    {"overlong slash", "\xc0\xaf", R"(\ufffd\ufffd)"},
    {"overlong three-byte", "\xe0\x80\xaf", R"(\ufffd\ufffd\ufffd)"},
    {"encoded surrogate", "\xed\xa0\x80", R"(\ufffd\ufffd\ufffd)"},
    {"beyond U+10FFFF", "\xf4\x90\x80\x80", R"(\ufffd\ufffd\ufffd\ufffd)"},
    {"truncated at the end", "ok\xe4\xb8", R"(ok\ufffd\ufffd)"},
    {"truncated before ASCII", "\xe4\xb8x", R"(\ufffd\ufffdx)"},
    {"truncated before a quote", "\xe4\"", R"(\ufffd\")"},
    {"valid after invalid", "\xff\u00e9",
     R"(\ufffd)"
     "\u00e9"},
    {"invalid after valid", "\u00e9\xff",
     "\u00e9"
     R"(\ufffd)"},
    {"mixed run", "a\tb\"c\u00e9\x01",
     R"(a\tb\"c)"
     "\u00e9"
     R"(\u0001)"},
};

class EscapeTest : public testing::TestWithParam<EscapeCase> {};

TEST_P(EscapeTest, Escapes) {
  const EscapeCase& c = GetParam();
  std::string out = "prefix:";
  AppendJsonString(c.input, &out);
  EXPECT_EQ(out, "prefix:\"" + std::string(c.expected) + "\"");
}

INSTANTIATE_TEST_SUITE_P(Jsonl, EscapeTest, testing::ValuesIn(kEscapeCases),
                         CaseName<EscapeCase>);

TEST(JsonlEscape, EveryControlCharacter) {
  const char* const kShort[32] = {
      nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr,
      "\\b",   "\\t",   "\\n",   nullptr, "\\f",   "\\r",   nullptr, nullptr};
  for (int c = 0; c < 0x20; ++c) {
    SCOPED_TRACE(c);
    std::string out;
    AppendJsonString(std::string(1, static_cast<char>(c)), &out);
    char expected[16];
    if (kShort[c] != nullptr) {
      std::snprintf(expected, sizeof expected, "\"%s\"", kShort[c]);
    } else {
      std::snprintf(expected, sizeof expected, "\"\\u%04x\"", c);
    }
    EXPECT_EQ(out, expected);
  }
}

TEST(JsonlEscape, PrintableAsciiIsCopied) {
  for (int c = 0x20; c < 0x80; ++c) {
    if (c == '"' || c == '\\') continue;
    SCOPED_TRACE(c);
    std::string out;
    AppendJsonString(std::string(1, static_cast<char>(c)), &out);
    EXPECT_EQ(out, "\"" + std::string(1, static_cast<char>(c)) + "\"");
  }
}

// ---------------------------------------------------------------------------
// AppendWithText: every byte outside the span passes through.

struct ReplaceCase {
  const char* name;
  std::string_view line;
  std::string_view text;      // the new text
  std::string_view expected;  // the whole new line
};

void PrintTo(const ReplaceCase& c, std::ostream* os) { *os << c.name; }

const ReplaceCase kReplaceCases[] = {
    {"text only", R"({"text":"old"})", "new", R"({"text":"new"})"},
    {"number formats and spacing kept",
     R"( { "id" : 1.0e+10 ,"n":-0.0E-0, "text" :  "old"  , "z":[1, 2.50 ,3] } )",
     "new",
     R"( { "id" : 1.0e+10 ,"n":-0.0E-0, "text" :  "new"  , "z":[1, 2.50 ,3] } )"},
    {"key order and escapes elsewhere kept",
     R"({"z":"\u00e9\/","text":"x","a":{"b":null},"m":"\ud83d\ude00"})", "y\n",
     R"({"z":"\u00e9\/","text":"y\n","a":{"b":null},"m":"\ud83d\ude00"})"},
    {"escaped old text replaced whole", R"({"text":"a\"b\\c\u0041","id":"k"})",
     "plain", R"({"text":"plain","id":"k"})"},
    {"escaped key kept", R"({"te\u0078t":"old"})", "new",
     R"({"te\u0078t":"new"})"},
    {"first of duplicates replaced", R"({"text":"one","text":"two"})", "1",
     R"({"text":"1","text":"two"})"},
    {"empty new text", R"({"text":"old","id":3})", "", R"({"text":"","id":3})"},
    {"trailing CR kept", "{\"text\":\"old\"}\r", "q\"",
     "{\"text\":\"q\\\"\"}\r"},
    {"tabs kept", "{\t\"text\"\t:\t\"old\"\t}", "new",
     "{\t\"text\"\t:\t\"new\"\t}"},
    {"invalid UTF-8 in the new text", R"({"text":"old"})", "a\xff",
     R"({"text":"a\ufffd"})"},
};

class ReplaceTest : public testing::TestWithParam<ReplaceCase> {};

TEST_P(ReplaceTest, KeepsEveryOtherByte) {
  const ReplaceCase& c = GetParam();
  JsonLine j;
  std::string error;
  JsonlFields fields;
  fields.first_duplicate_wins = true;
  ASSERT_TRUE(ParseJsonLine(c.line, fields, &j, &error)) << error;
  ASSERT_TRUE(j.has_text);
  std::string out = "kept>";
  AppendWithText(c.line, j.text_begin, j.text_end, c.text, &out);
  EXPECT_EQ(out, "kept>" + std::string(c.expected));
  // The expected line is valid JSON with the text in place.
  JsonLine again;
  ASSERT_TRUE(ParseJsonLine(c.expected, fields, &again, &error)) << error;
  EXPECT_EQ(again.has_text, true);
}

INSTANTIATE_TEST_SUITE_P(Jsonl, ReplaceTest, testing::ValuesIn(kReplaceCases),
                         CaseName<ReplaceCase>);

TEST(JsonlReplace, EmptySpanAndWholeLine) {
  std::string out;
  AppendWithText("abc", 1, 1, "x", &out);
  EXPECT_EQ(out, R"(a"x"bc)");
  out.clear();
  AppendWithText("abc", 0, 3, "", &out);
  EXPECT_EQ(out, R"("")");
}

// ---------------------------------------------------------------------------
// Round trip: ParseJsonLine(AppendWithText(L, span, text)).text == text.

// Pieces that random texts are built of: every control character, the
// characters JSON escapes, and UTF-8 of every length, U+2028 included.
std::vector<std::string> Pieces() {
  std::vector<std::string> pieces;
  for (int c = 0; c < 0x20; ++c) pieces.emplace_back(1, static_cast<char>(c));
  for (const char* s : {"\"",         "\\",
                        "/",          "\x7f",
                        " ",          "a",
                        "Z",          "0",
                        "\\u0041",    "\\\"",
                        "{",          "}",
                        "[",          "]",
                        ":",          ",",
                        "\u00e9",     "\u00ff",
                        "\u0100",     "\u07ff",
                        "\u0800",     "\u4e2d",
                        "\u6587",     "\u3042",
                        "\u2028",     "\u2029",
                        "\ud7ff",     "\ue000",
                        "\ufeff",     "\ufffd",
                        "\uffff",     "\U00010000",
                        "\U0001F600", "\U0001F468\u200d\U0001F469",
                        "\U0010FFFF"}) {
    pieces.emplace_back(s);
  }
  return pieces;
}

const std::string_view kTemplates[] = {
    R"({"text":""})",
    R"({"id":1.0e+10, "text" : "x" ,"tail":[{"a":"\u00e9"}, -0.5E-3, null]})",
    R"({"te\u0078t":"old","texts":"dup","url":"http:\/\/x"})",
    " {\"meta\":{\"text\":\"inner\"},\t\"text\"\t:\t\"\\ud83d\\ude00\"\t}\r",
};

TEST(JsonlRoundTrip, RandomTexts) {
  const std::vector<std::string> pieces = Pieces();
  std::mt19937 rng(20240611);  // fixed: failures must reproduce
  for (int n = 0; n < 1000; ++n) {
    std::string text;
    const int count = static_cast<int>(rng() % 41);
    for (int k = 0; k < count; ++k) text += pieces[rng() % pieces.size()];
    const std::string_view line = kTemplates[n % std::size(kTemplates)];
    SCOPED_TRACE("case " + std::to_string(n) + ", text \"" + text + "\"");

    JsonLine j;
    std::string error;
    ASSERT_TRUE(ParseJsonLine(line, {}, &j, &error)) << error;
    ASSERT_TRUE(j.has_text);
    std::string out;
    AppendWithText(line, j.text_begin, j.text_end, text, &out);

    JsonLine back;
    ASSERT_TRUE(ParseJsonLine(out, {}, &back, &error)) << error << ": " << out;
    ASSERT_TRUE(back.has_text);
    EXPECT_EQ(back.text, text);
    // The same with the strings parsed apart, in pieces of 1 to 7 bytes.
    JsonLine apart;
    const JsonHollowing limits{0, static_cast<std::size_t>(n % 3), 1 + static_cast<std::size_t>(n % 7)};
    ASSERT_TRUE(ParseJsonLine(out, {}, &apart, &error, 0, limits)) << error << ": " << out;
    EXPECT_EQ(apart.text, text);
    EXPECT_EQ(apart.text_begin, back.text_begin);
    EXPECT_EQ(apart.text_end, back.text_end);
    EXPECT_EQ(apart.id, back.id);
    EXPECT_EQ(apart.url, back.url);
    EXPECT_EQ(back.text_begin, j.text_begin);
    EXPECT_EQ(out.substr(0, j.text_begin), line.substr(0, j.text_begin));
    EXPECT_EQ(out.substr(back.text_end), line.substr(j.text_end));
    std::string literal;
    AppendJsonString(text, &literal);
    EXPECT_EQ(out.substr(back.text_begin, back.text_end - back.text_begin),
              literal);
  }
}

// Arbitrary bytes, invalid UTF-8 included, always give valid JSON, and read
// back as the text with each invalid byte replaced by U+FFFD.
TEST(JsonlRoundTrip, RandomBytes) {
  std::mt19937 rng(7);
  for (int n = 0; n < 1000; ++n) {
    std::string bytes;
    const int count = static_cast<int>(rng() % 33);
    for (int k = 0; k < count; ++k) {
      // Bias towards the interesting ranges: controls and non-ASCII.
      const std::uint32_t r = static_cast<std::uint32_t>(rng());
      const int byte = (r & 3) == 0 ? static_cast<int>((r >> 8) % 0x20)
                                    : static_cast<int>((r >> 8) % 0x100);
      bytes.push_back(static_cast<char>(byte));
    }
    std::string expected;
    for (std::size_t pos = 0; pos < bytes.size();) {
      AppendUtf8(DecodeUtf8(bytes, &pos), &expected);
    }
    SCOPED_TRACE("case " + std::to_string(n));

    std::string line = R"({"id":1,"text":)";
    AppendJsonString(bytes, &line);
    line += "}";
    JsonLine j;
    std::string error;
    ASSERT_TRUE(ParseJsonLine(line, {}, &j, &error)) << error << ": " << line;
    EXPECT_EQ(j.text, expected);
  }
}

}  // namespace
}  // namespace winnow
