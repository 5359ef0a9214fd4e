#include "winnow/document.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace winnow {
namespace {

using namespace std::string_view_literals;

struct ExpectedLine {
  std::string_view text;
  std::string_view eol;
  bool blank;
};

struct SplitCase {
  const char* name;
  std::string_view input;
  std::vector<ExpectedLine> lines;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> paragraphs;
  bool has_blank_lines;
};

const SplitCase kSplitCases[] = {
    {"empty", "", {}, {}, false},
    {"one newline", "\n", {{"", "\n", true}}, {}, true},
    {"one line, no newline", "abc", {{"abc", "", false}}, {{0, 1}}, false},
    {"one line", "abc\n", {{"abc", "\n", false}}, {{0, 1}}, false},
    {"no trailing newline",
     "a\nb",
     {{"a", "\n", false}, {"b", "", false}},
     {{0, 1}, {1, 2}},
     false},
    {"no blank lines: each line its own paragraph",
     "one\ntwo\nthree\n",
     {{"one", "\n", false}, {"two", "\n", false}, {"three", "\n", false}},
     {{0, 1}, {1, 2}, {2, 3}},
     false},
    {"two paragraphs",
     "a\nb\n\nc\n",
     {{"a", "\n", false}, {"b", "\n", false}, {"", "\n", true}, {"c", "\n", false}},
     {{0, 2}, {3, 4}},
     true},
    {"CRLF",
     "a\r\nb\r\n\r\nc\r\n",
     {{"a", "\r\n", false},
      {"b", "\r\n", false},
      {"", "\r\n", true},
      {"c", "\r\n", false}},
     {{0, 2}, {3, 4}},
     true},
    {"CRLF, last line unterminated",
     "a\r\nb",
     {{"a", "\r\n", false}, {"b", "", false}},
     {{0, 1}, {1, 2}},
     false},
    {"a lone CR ends a line, as in old Mac files",
     "a\rb\nc\n",
     {{"a", "\r", false}, {"b", "\n", false}, {"c", "\n", false}},
     {{0, 1}, {1, 2}, {2, 3}},
     false},
    {"lone CR at end of input",
     "a\nb\r",
     {{"a", "\n", false}, {"b", "\r", false}},
     {{0, 1}, {1, 2}},
     false},
    {"CR CR LF (a file converted twice) is one terminator",
     "a\r\r\n",
     {{"a", "\r\r\n", false}},
     {{0, 1}},
     false},
    {"LF CR: the CR ends an empty line",
     "a\n\rb\n",
     {{"a", "\n", false}, {"", "\r", true}, {"b", "\n", false}},
     {{0, 1}, {2, 3}},
     true},
    {"U+2028, U+2029 and NEL end lines",
     "a\xe2\x80\xa8" "b\xe2\x80\xa9" "c\xc2\x85" "d",
     {{"a", "\xe2\x80\xa8", false}, {"b", "\xe2\x80\xa9", false}, {"c", "\xc2\x85", false},
      {"d", "", false}},
     {{0, 1}, {1, 2}, {2, 3}, {3, 4}},
     false},
    {"other E2 80 and C2 sequences are text",
     "\xe2\x80\x94\xc2\xa0\xe2\x80\n",
     {{"\xe2\x80\x94\xc2\xa0\xe2\x80", "\n", false}},
     {{0, 1}},
     false},
    {"whitespace-only lines are blank",
     "a\n \t\f\v\nb\n \nc\n\t\n",
     {{"a", "\n", false},
      {" \t\f\v", "\n", true},
      {"b", "\n", false},
      {" ", "\n", true},
      {"c", "\n", false},
      {"\t", "\n", true}},
     {{0, 1}, {2, 3}, {4, 5}},
     true},
    {"an empty line ended by CR CR LF is blank",
     "a\n\r\r\nb\n",
     {{"a", "\n", false}, {"", "\r\r\n", true}, {"b", "\n", false}},
     {{0, 1}, {2, 3}},
     true},
    {"non-breaking space and NUL are not blank",
     "a\n\xc2\xa0\n\0\n"sv,
     {{"a", "\n", false}, {"\xc2\xa0", "\n", false}, {"\0"sv, "\n", false}},
     {{0, 1}, {1, 2}, {2, 3}},
     false},
    {"runs of blank lines are one break",
     "a\n\n\n \n\nb\nc\n",
     {{"a", "\n", false},
      {"", "\n", true},
      {"", "\n", true},
      {" ", "\n", true},
      {"", "\n", true},
      {"b", "\n", false},
      {"c", "\n", false}},
     {{0, 1}, {5, 7}},
     true},
    {"leading and trailing blank lines",
     "\n\na\nb\n\n\n",
     {{"", "\n", true},
      {"", "\n", true},
      {"a", "\n", false},
      {"b", "\n", false},
      {"", "\n", true},
      {"", "\n", true}},
     {{2, 4}},
     true},
    {"trailing blank line without newline",
     "a\n  ",
     {{"a", "\n", false}, {"  ", "", true}},
     {{0, 1}},
     true},
    {"only blank lines",
     "\n \n\t\n",
     {{"", "\n", true}, {" ", "\n", true}, {"\t", "\n", true}},
     {},
     true},
    {"NUL bytes are ordinary bytes",
     "\0a\0\n\0\n\n\0"sv,
     {{"\0a\0"sv, "\n", false},
      {"\0"sv, "\n", false},
      {"", "\n", true},
      {"\0"sv, "", false}},
     {{0, 2}, {3, 4}},
     true},
    {"invalid UTF-8 is an ordinary line",
     "\xff\xfe\n\x80\n",
     {{"\xff\xfe", "\n", false}, {"\x80", "\n", false}},
     {{0, 1}, {1, 2}},
     false},
};

TEST(SplitDocumentTest, Table) {
  for (const SplitCase& c : kSplitCases) {
    SCOPED_TRACE(c.name);
    Document doc;
    SplitDocument(c.input, &doc);
    ASSERT_EQ(doc.lines.size(), c.lines.size());
    for (std::size_t i = 0; i < c.lines.size(); ++i) {
      SCOPED_TRACE(i);
      EXPECT_EQ(doc.lines[i].text, c.lines[i].text);
      EXPECT_EQ(doc.lines[i].eol, c.lines[i].eol);
      EXPECT_EQ(doc.lines[i].blank, c.lines[i].blank);
      EXPECT_EQ(doc.lines[i].number, i + 1);
    }
    ASSERT_EQ(doc.paragraphs.size(), c.paragraphs.size());
    for (std::size_t i = 0; i < c.paragraphs.size(); ++i) {
      SCOPED_TRACE(i);
      EXPECT_EQ(doc.paragraphs[i].first, c.paragraphs[i].first);
      EXPECT_EQ(doc.paragraphs[i].end, c.paragraphs[i].second);
    }
    EXPECT_EQ(doc.has_blank_lines, c.has_blank_lines);
  }
}

TEST(SplitDocumentTest, LinesAreViewsIntoTheCallersBuffer) {
  const std::string input = "first\r\nsecond\n\nthird";
  Document doc;
  SplitDocument(input, &doc);
  ASSERT_EQ(doc.lines.size(), 4u);
  const char* begin = input.data();
  const char* end = input.data() + input.size();
  for (const Line& line : doc.lines) {
    EXPECT_GE(line.text.data(), begin);
    EXPECT_LE(line.text.data() + line.text.size(), end);
    // The terminator follows the text directly.
    EXPECT_EQ(line.eol.data(), line.text.data() + line.text.size());
  }
  EXPECT_EQ(doc.lines[0].text.data(), begin);
}

TEST(SplitDocumentTest, ReusingADocumentClearsEverything) {
  Document doc;
  SplitDocument("a\n\nb\nc\n", &doc);
  ASSERT_TRUE(doc.has_blank_lines);
  SplitDocument("x", &doc);
  ASSERT_EQ(doc.lines.size(), 1u);
  EXPECT_EQ(doc.lines[0].text, "x");
  EXPECT_EQ(doc.lines[0].number, 1u);
  ASSERT_EQ(doc.paragraphs.size(), 1u);
  EXPECT_FALSE(doc.has_blank_lines);
  SplitDocument("", &doc);
  EXPECT_TRUE(doc.lines.empty());
  EXPECT_TRUE(doc.paragraphs.empty());
}

// A splitter written the obvious way, byte by byte, to compare with.
struct RefLine {
  std::string text, eol;
  bool blank;
};

void ReferenceSplit(const std::string& in, std::vector<RefLine>* lines,
                    std::vector<std::pair<std::uint32_t, std::uint32_t>>* paras,
                    bool* has_blank) {
  lines->clear();
  paras->clear();
  std::string cur;
  bool open = false;
  auto finish = [&](std::string eol) {
    bool blank = true;
    for (char c : cur) {
      if (c != ' ' && c != '\t' && c != '\f' && c != '\v' && c != '\r') blank = false;
    }
    lines->push_back({cur, eol, blank});
    cur.clear();
    open = false;
  };
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    open = true;
    if (c == '\n') {
      finish("\n");
    } else if (c == '\r') {
      std::size_t j = i;
      while (j < in.size() && in[j] == '\r') ++j;
      if (j < in.size() && in[j] == '\n') {
        finish(in.substr(i, j + 1 - i));
        i = j;
      } else {
        finish("\r");
      }
    } else if (in.compare(i, 3, "\xe2\x80\xa8") == 0 || in.compare(i, 3, "\xe2\x80\xa9") == 0) {
      finish(in.substr(i, 3));
      i += 2;
    } else if (in.compare(i, 2, "\xc2\x85") == 0) {
      finish(in.substr(i, 2));
      i += 1;
    } else {
      cur.push_back(c);
    }
  }
  if (open) finish("");

  *has_blank = false;
  for (const RefLine& l : *lines) *has_blank = *has_blank || l.blank;
  for (std::uint32_t i = 0; i < lines->size(); ++i) {
    if ((*lines)[i].blank) continue;
    if (!*has_blank || paras->empty() || paras->back().second != i ||
        (i > 0 && (*lines)[i - 1].blank)) {
      paras->push_back({i, i + 1});
    } else {
      paras->back().second = i + 1;
    }
  }
}

TEST(SplitDocumentTest, AgreesWithNaiveSplitterOnRandomBytes) {
  // Few distinct bytes, so that CR, LF, blanks and their mixtures are common.
  const char kAlphabet[] = {'\n', '\n', '\r', ' ',    '\t',   '\f',   '\v',   'a',
                            'b',  '\0', '\xff', '\xc2', '\xa0', '\x85', '\xe2', '\x80', '\xa8'};
  std::mt19937_64 rng(20240607);
  Document doc;
  std::vector<RefLine> ref;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> ref_paras;
  bool ref_blank = false;
  for (int iter = 0; iter < 5000; ++iter) {
    const std::size_t len = rng() % 40;
    std::string in;
    for (std::size_t i = 0; i < len; ++i) {
      in.push_back(kAlphabet[rng() % sizeof(kAlphabet)]);
    }
    SCOPED_TRACE(::testing::PrintToString(in));
    SplitDocument(in, &doc);
    ReferenceSplit(in, &ref, &ref_paras, &ref_blank);
    ASSERT_EQ(doc.lines.size(), ref.size());
    std::string rejoined;
    for (std::size_t i = 0; i < ref.size(); ++i) {
      ASSERT_EQ(doc.lines[i].text, ref[i].text) << "line " << i;
      ASSERT_EQ(doc.lines[i].eol, ref[i].eol) << "line " << i;
      ASSERT_EQ(doc.lines[i].blank, ref[i].blank) << "line " << i;
      ASSERT_EQ(doc.lines[i].number, i + 1);
      rejoined.append(doc.lines[i].text).append(doc.lines[i].eol);
    }
    // Lines and terminators together are exactly the input.
    ASSERT_EQ(rejoined, in);
    ASSERT_EQ(doc.has_blank_lines, ref_blank);
    ASSERT_EQ(doc.paragraphs.size(), ref_paras.size());
    for (std::size_t i = 0; i < ref_paras.size(); ++i) {
      ASSERT_EQ(doc.paragraphs[i].first, ref_paras[i].first) << "paragraph " << i;
      ASSERT_EQ(doc.paragraphs[i].end, ref_paras[i].second) << "paragraph " << i;
    }
  }
}

}  // namespace
}  // namespace winnow
