#include "winnow/line_filter.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "winnow/document.hpp"
#include "winnow/hashing.hpp"
#include "winnow/normalize.hpp"
#include "winnow/rules.hpp"
#include "winnow/shingle.hpp"

namespace winnow {
namespace {

using namespace std::string_view_literals;

struct PunctCase {
  std::string_view text;
  bool expected;
};

const PunctCase kPunctCases[] = {
    // Closing punctuation.
    {"Hello.", true},
    {"Hello!", true},
    {"Hello?", true},
    {"He said \"yes\"", true},
    {"the end'", true},
    {"He said \xe2\x80\x9cyes\xe2\x80\x9d", true},      // ”
    {"the end\xe2\x80\x99", true},                      // ’
    {"\xe7\xb5\x82\xe3\x82\x8f\xe3\x82\x8a\xe3\x80\x82", true},  // 終わり。
    {"\xe7\xb5\x82\xef\xbc\x81", true},                 // 終！
    {"\xe7\xb5\x82\xef\xbc\x9f", true},                 // 終？
    {"\xe7\xb5\x82\xef\xbd\xa1", true},                 // halfwidth ｡
    {"\xd9\x85\xd8\x9f", true},                         // Arabic question mark
    {"\xe0\xa4\x95\xe0\xa5\xa4", true},                 // danda
    {"\xe1\x8a\xa0\xe1\x8d\xa2", true},                 // Ethiopic full stop
    {"\xc2\xab" "oui\xc2\xbb", true},                   // »
    {"Wow\xe2\x80\xbc", true},                          // ‼
    {".", true},
    {"word .", true},
    {"Two dots..", true},  // only three or more dots are an ellipsis
    // Closing brackets, spaces and '*' after the punctuation.
    {"(Hello.)", true},
    {"[Hello!]", true},
    {"{Hello?}", true},
    {"Hello.)]}", true},
    {"Hello.*", true},
    {"Hello.   ", true},
    {"Hello.\t\r", true},
    {"Hello.\xc2\xa0", true},                                  // no-break space
    {"\xe3\x80\x8c\xe7\xb5\x82\xe3\x80\x82\xe3\x80\x8d", true},  // 「終。」
    {"\xe3\x80\x8e\xe7\xb5\x82\xe3\x80\x82\xe3\x80\x8f", true},  // 『終。』
    {"\xe7\xb5\x82\xe3\x80\x82\xef\xbc\x89", true},              // 終。）
    {"(word)", false},
    {"word )", false},
    // Ellipses are teasers, not sentence ends.
    {"...", false},
    {"Read more...", false},
    {"Read more....", false},
    {"Read more... ", false},
    {"Read more...)", false},
    {"Read more\xe2\x80\xa6", false},  // …
    {"Read more\xe2\x80\xa6)", false},
    // No punctuation.
    {"", false},
    {"   ", false},
    {")", false},
    {"word", false},
    {"word   ", false},
    {"end:", false},
    {"end;", false},
    {"end,", false},
    {"end-", false},
    {"end\xe2\x80\x94", false},  // em dash
    // Invalid UTF-8 at the end never crashes and is not punctuation.
    {"end.\xff", false},
    {"end.\x80", false},
    {"end.\x82\x82\x82\x82\x82", false},
    {"\x80", false},
    {"\xff", false},
    {"end\xe3\x80", false},          // truncated 。
    {"end\xe3\x80\x82\x82", false},  // 。 and a stray continuation byte
    {"\xff\xfe.", true},             // garbage before a clean full stop
    {"\xf0\x9f\x98", false},
};

TEST(EndsWithClosingPunctuationTest, Table) {
  for (const PunctCase& c : kPunctCases) {
    EXPECT_EQ(EndsWithClosingPunctuation(c.text), c.expected)
        << ::testing::PrintToString(std::string(c.text));
  }
}

TEST(EndsWithClosingPunctuationTest, PropertiesOverAllShortByteStrings) {
  // Every byte string of up to 5 bytes over lead, continuation, punctuation
  // and bracket bytes, including every way of cutting a sequence short.
  const char kAlphabet[] = {'.', '\xe3', '\x80', '\x82', '\xff', ')', ' ', 'a'};
  for (int len = 0; len <= 5; ++len) {
    int total = 1;
    for (int i = 0; i < len; ++i) total *= 8;
    for (int n = 0; n < total; ++n) {
      std::string s;
      for (int i = 0, m = n; i < len; ++i, m /= 8) s.push_back(kAlphabet[m % 8]);
      SCOPED_TRACE(::testing::PrintToString(s));
      const bool base = EndsWithClosingPunctuation(s);
      // Trailing closing brackets and spaces never change the answer.
      ASSERT_EQ(EndsWithClosingPunctuation(s + ")"), base);
      ASSERT_EQ(EndsWithClosingPunctuation(s + " "), base);
      ASSERT_EQ(EndsWithClosingPunctuation(s + "\xef\xbc\x89"), base);  // ）
      // A full stop closes anything, unless it completes an ellipsis.
      const bool makes_ellipsis = s.size() >= 2 && s.compare(s.size() - 2, 2, "..") == 0;
      ASSERT_EQ(EndsWithClosingPunctuation(s + "."), !makes_ellipsis);
      ASSERT_TRUE(EndsWithClosingPunctuation(s + "!"));
      ASSERT_TRUE(EndsWithClosingPunctuation(s + "\xe3\x80\x82"));  // 。
      ASSERT_FALSE(EndsWithClosingPunctuation(s + "\xe2\x80\xa6"));  // …
      // Only the view's bytes count: a view into a longer buffer that ends
      // in punctuation after the view gives the same answer.
      const std::string padded = "\xe3\x80\x82" + s + "!";
      ASSERT_EQ(EndsWithClosingPunctuation(
                    std::string_view(padded).substr(3, s.size())),
                base);
    }
  }
}

struct ColonCase {
  std::string_view text;
  bool expected;
};

const ColonCase kColonCases[] = {
    {"You will need:", true},
    {"Ingredients :  \t", true},
    {":", true},
    {"\xe6\x9d\x90\xe6\x96\x99\xef\xbc\x9a", true},  // 材料：
    {"\xef\xbc\x9a", true},
    {"", false},
    {"  ", false},
    {"a:b", false},
    {"Note: read this", false},
    {"Note:)", false},
    {"Note.", false},
    {"\xbc\x9a", false},  // the tail of a fullwidth colon alone
};

TEST(EndsWithColonTest, Table) {
  for (const ColonCase& c : kColonCases) {
    EXPECT_EQ(EndsWithColon(c.text), c.expected) << ::testing::PrintToString(std::string(c.text));
  }
}

struct CountCase {
  std::string_view text;
  int words;
};

const CountCase kCountCases[] = {
    {"", 0},
    {"...", 0},
    {"one", 1},
    {"one two three", 3},
    {"U.K.-based", 2},
    {"\xe4\xb8\xad", 1},                                // 1 CJK: rounds up
    {"\xe4\xb8\xad\xe6\x96\x87", 1},                    // 2 CJK: one word
    {"\xe4\xb8\xad\xe6\x96\x87\xe5\xad\x97", 2},        // 3 CJK
    {"\xe4\xb8\xad\xe6\x96\x87\xe5\xad\x97\xe6\x95\xb0", 2},  // 4 CJK
    {"\xe4\xb8\xad\xe6\x96\x87 abc", 2},
    {"\xe4\xb8\xad abc \xe6\x96\x87", 2},               // CJK count over the line
    {"\xe3\x81\xb2\xe3\x82\x89\xe3\x81\x8c\xe3\x81\xaa", 2},  // kana too
};

TEST(CountWordsTest, Table) {
  for (const CountCase& c : kCountCases) {
    Normalized norm;
    Normalize(c.text, &norm);
    EXPECT_EQ(CountWords(norm), c.words) << std::string(c.text);
  }
}

// Lines used to build documents.
constexpr std::string_view kBody1 = "The river rose three metres overnight in the town centre.";
constexpr std::string_view kBody2 = "Residents were moved to the school hall before midnight.";
constexpr std::string_view kBody3 = "Officials said the barriers would be repaired by Friday.";
// Ten words, no full stop: a caption when it stands alone.
constexpr std::string_view kCaption10 = "Rescue crews are seen carrying sandbags along the river wall";
constexpr std::string_view kCaption9 = "Rescue crews are seen carrying sandbags along the river";
constexpr std::string_view kHeading8 = "Rescue crews carry sandbags along the river wall";
// Five-word items without punctuation: a list, not a menu.
constexpr std::string_view kItem1 = "Senior welder wanted in Leeds";
constexpr std::string_view kItem2 = "Night shift driver for depot";
constexpr std::string_view kItem3 = "Trainee electrician with day release";

constexpr std::string_view kTestRules =
    "share literal share this\n"
    "cookies contains we use cookies\n"
    "related literal+list related articles\n";

constexpr std::string_view kNtp = kRuleNoTerminalPunct;
constexpr std::string_view kShort = kRuleTooShort;

// The thresholds the rows below are built around, set here so that tuning a
// default does not silently change what a row tests.
LineFilterConfig TestConfig() {
  LineFilterConfig c;
  c.no_terminal_punct = true;
  c.too_short = true;
  c.boilerplate_block = true;
  c.min_words = 5;
  c.long_words = 20;
  c.caption_words = 9;
  c.max_run = 40;
  c.list_words = 5;
  c.colon_closes = true;
  c.keep_title = true;
  c.min_body_lines = 1;
  c.min_prose_share = 0.2;
  c.listing_line_words = 2.5;
  return c;
}

struct JudgeCase {
  const char* name;
  std::vector<std::string_view> lines;     // joined with "\n"
  std::vector<std::string_view> expected;  // rule name per line, "" = kept
  std::function<void(LineFilterConfig*)> configure = nullptr;
};

std::vector<JudgeCase> JudgeCases() {
  return {
      {"body only", {kBody1, kBody2}, {"", ""}},
      {"heading between two body paragraphs is kept",
       {kBody1, "", "Flood Warnings", "", kBody2},
       {"", "", "", "", ""}},
      {"short punctuated line between body paragraphs is kept",
       {kBody1, "Update.", kBody2},
       {"", "", ""}},
      {"nav run at top is dropped",
       {"Home", "News", "Sport", "", kBody1, kBody2},
       {kNtp, kNtp, kNtp, "", "", ""}},
      {"short punctuated line at top is too short",
       {"Breaking.", kBody1, kBody2},
       {kShort, "", ""}},
      {"nav run at the bottom is dropped",
       {kBody1, kBody2, "", "About us", "Contact"},
       {"", "", "", kNtp, kNtp}},
      {"isolated caption between body paragraphs is dropped",
       {kBody1, "", kCaption10, "", kBody2},
       {"", "", kNtp, "", ""}},
      {"caption_words boundary: nine words is a caption",
       {kBody1, "", kCaption9, "", kBody2},
       {"", "", kNtp, "", ""}},
      {"caption_words boundary: eight words is a heading",
       {kBody1, "", kHeading8, "", kBody2},
       {"", "", "", "", ""}},
      {"caption next to another weak line is part of a run",
       {kBody1, "", "Pictures", kCaption10, "", kBody2},
       {"", "", "", "", "", ""}},
      {"twenty unpunctuated words are body",
       {"Home",
        "one two three four five six seven eight nine ten eleven twelve "
        "thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty",
        "Contact"},
       {kNtp, "", kNtp}},
      {"list of multi-word items after a body paragraph is kept",
       {kBody1, kItem1, kItem2, kItem3},
       {"", "", "", ""}},
      {"list after a body paragraph and a blank line is kept",
       {kBody1, "", kItem1, kItem2, kItem3},
       {"", "", "", "", ""}},
      {"list before a body paragraph is kept",
       {kItem1, kItem2, kItem3, "", kBody1},
       {"", "", "", "", ""}},
      {"two multi-word items are not a list",
       {kBody1, kItem1, kItem2},
       {"", kNtp, kNtp}},
      {"three menu items are not a list",
       {kBody1, "About us", "Contact", "Jobs"},
       {"", kNtp, kNtp, kNtp}},
      {"pattern drops a line inside body",
       {kBody1, "Share this", kBody2},
       {"", "share", ""}},
      {"pattern drops a body-like sentence",
       {kBody1, "We use cookies to make this site work better for you.", kBody2},
       {"", "cookies", ""}},
      {"pattern lines do not break a rescued run",
       {kBody1, "Flood Warnings", "Share this", "Latest", kBody2},
       {"", "", "share", "", ""}},
      {"only patterns drop when the built-ins are off",
       {"Home", "News", kBody1, "", kCaption10, "", "Ok.", "Share this", kBody2,
        "Footer links"},
       {"", "", "", "", "", "", "", "share", "", ""},
       [](LineFilterConfig* c) {
         c->no_terminal_punct = false;
         c->too_short = false;
         c->boilerplate_block = false;
       }},
      {"too_short off: short punctuated line at top is body",
       {"Breaking.", kBody1, kBody2},
       {"", "", ""},
       [](LineFilterConfig* c) { c->too_short = false; }},
      {"no_terminal_punct off: short unpunctuated line is too short",
       {"Home", kBody1, kBody2},
       {kShort, "", ""},
       [](LineFilterConfig* c) { c->no_terminal_punct = false; }},
      // Lines that are body only because no_terminal_punct is off are body
      // lines, and their words are prose when the page's prose share is
      // computed.
      {"no_terminal_punct off: unpunctuated prose anchors the page",
       {"Our menu items here", "Sign in for offers", "",
        "this line has no full stop but is prose",
        "this is another line without any stop at all"},
       {kShort, kShort, "", "", ""},
       [](LineFilterConfig* c) { c->no_terminal_punct = false; }},
      {"max_run: a run of max_run lines is rescued",
       {kBody1, "Red tape", "Blue tape", kBody2},
       {"", "", "", ""},
       [](LineFilterConfig* c) { c->max_run = 2; }},
      {"max_run: a run of max_run + 1 lines is dropped",
       {kBody1, "Red tape", "Blue tape", "Green tape", kBody2},
       {"", kNtp, kNtp, kNtp, ""},
       [](LineFilterConfig* c) { c->max_run = 2; }},
      {"blank and pattern lines do not count in a run",
       {kBody1, "Red tape", "", "Share this", "Blue tape", kBody2},
       {"", "", "", "share", "", ""},
       [](LineFilterConfig* c) { c->max_run = 2; }},
      {"page with no body lines keeps short lines",
       {"Blue cotton shirt", "Price 20 pounds", "Red wool scarf large", "Green hat.",
        "Share this"},
       {"", "", "", "", "share"}},
      // ... when they average at least listing_line_words (2.5) words.
      {"listing_line_words boundary: 2.5 words a line is a listing",
       {"Blue cotton shirt", "Green hat"},
       {"", ""}},
      {"listing_line_words boundary: fewer is a page of menus",
       {"Blue shirt", "Green hat", "", "Home", "Contact us now"},
       {kNtp, kNtp, "", kNtp, kNtp}},
      {"page with no body lines keeps captions",
       {"Name", "", kCaption10},
       {"", "", ""}},
      {"min_body_lines: one body line is enough by default",
       {"Blue cotton shirt", kBody1},
       {kNtp, ""}},
      {"min_body_lines: one body line is not enough when two are needed",
       {"Blue cotton shirt", kBody1},
       {"", ""},
       [](LineFilterConfig* c) { c->min_body_lines = 2; }},
      {"a short first line standing alone is the title",
       {"Flood Warnings", "", kBody1, kBody2},
       {"", "", "", ""}},
      {"a title must stand alone",
       {"Flood Warnings", "Home", "", kBody1, kBody2},
       {kNtp, kNtp, "", "", ""}},
      {"keep_title off",
       {"Flood Warnings", "", kBody1, kBody2},
       {kNtp, "", "", ""},
       [](LineFilterConfig* c) { c->keep_title = false; }},
      {"a first line matching a pattern is not a title",
       {"Share this", "", kBody1, kBody2},
       {"share", "", "", ""}},
      {"a colon closes a line",
       {kBody1, kBody2, "You will need:"},
       {"", "", kShort}},
      {"a colon closes a body line",
       {"Home", "Menu", "", kBody1, "Here is what the officials told us:"},
       {kNtp, kNtp, "", "", ""}},
      {"colon_closes off",
       {kBody1, kBody2, "You will need:"},
       {"", "", kNtp},
       [](LineFilterConfig* c) { c->colon_closes = false; }},
      {"+list heading drops the items in its block",
       {kBody1, "", "Related articles", "Flood defences to be reviewed next year",
        "Council budget approved", "", kBody2},
       {"", "", "related", "related", "related", "", ""}},
      {"+list heading ending its block drops the next block's items",
       {kBody1, "", "Related articles", "", "Flood defences to be reviewed next year",
        "Council budget approved", "", kBody2},
       {"", "", "related", "", "related", "related", "", ""}},
      {"+list items stop at a body line",
       {kBody1, "", "Related articles", "", "Council budget approved", kBody2, kBody3},
       {"", "", "related", "", "related", "", ""}},
      // One five-word body line (5 words) against short lines: a listing when
      // the body holds less than 20% of the words, i.e. more than 20 weak words.
      {"prose share: 21 weak words make a listing",
       {"This is a short one.", "Red widget large", "Red widget large",
        "Red widget large", "Red widget large", "Red widget large",
        "Red widget large", "Red widget large"},
       {"", "", "", "", "", "", "", ""}},
      {"prose share: 20 weak words do not",
       {"This is a short one.", "Red widget large", "Red widget large",
        "Red widget large", "Red widget large", "Red widget large",
        "Red widget large", "Blue widget"},
       {"", kNtp, kNtp, kNtp, kNtp, kNtp, kNtp, kNtp}},
      {"pattern words do not count toward the prose share",
       {"This is a short one.", "Red widget", "Share this", "Share this",
        "Share this", "Share this", "Share this", "Share this", "Share this",
        "Share this", "Share this", "Share this", "Share this"},
       {"", kNtp, "share", "share", "share", "share", "share", "share", "share",
        "share", "share", "share", "share"}},
      {"CRLF lines are judged on their text",
       {"Home\r", kBody1, "Share this\r"},
       {kNtp, "", "share"}},
      {"empty document", {}, {}},
  };
}

TEST(LineFilterTest, Judge) {
  RuleSet rules;
  rules.Parse(kTestRules, "test.rules");
  rules.Freeze();
  for (const JudgeCase& c : JudgeCases()) {
    SCOPED_TRACE(c.name);
    ASSERT_EQ(c.lines.size(), c.expected.size());
    std::string text;
    for (std::string_view line : c.lines) text.append(line).push_back('\n');
    Document doc;
    SplitDocument(text, &doc);
    ASSERT_EQ(doc.lines.size(), c.lines.size());
    LineFilterConfig config = TestConfig();
    if (c.configure) c.configure(&config);
    LineFilter filter(&rules, config);
    std::vector<int> verdicts = {7, 7, 7};  // stale contents are replaced
    filter.Judge(doc, &verdicts);
    ASSERT_EQ(verdicts.size(), c.lines.size());
    for (std::size_t i = 0; i < verdicts.size(); ++i) {
      std::string_view got = verdicts[i] < 0 ? "" : filter.RuleName(verdicts[i]);
      EXPECT_EQ(got, c.expected[i]) << "line " << i + 1 << ": " << c.lines[i];
      if (doc.lines[i].blank) {
        EXPECT_EQ(verdicts[i], -1);
      }
    }
  }
}

TEST(LineFilterTest, RuleIdsAndNames) {
  RuleSet rules;
  rules.Parse(kTestRules, "test.rules");
  rules.Freeze();
  LineFilter filter(&rules, TestConfig());
  EXPECT_EQ(filter.rule_count(), 3 + LineFilter::kBuiltinCount);
  EXPECT_EQ(filter.RuleName(0), "share");
  EXPECT_EQ(filter.RuleName(1), "cookies");
  EXPECT_EQ(filter.RuleName(2), "related");
  EXPECT_EQ(filter.RuleName(3 + LineFilter::kBuiltinNoTerminalPunct), kRuleNoTerminalPunct);
  EXPECT_EQ(filter.RuleName(3 + LineFilter::kBuiltinTooShort), kRuleTooShort);

  Document doc;
  const std::string text =
      "Share this\nHome\nWe use cookies.\nOk.\n" + std::string(kBody1) + "\n";
  SplitDocument(text, &doc);
  std::vector<int> verdicts;
  filter.Judge(doc, &verdicts);
  EXPECT_EQ(verdicts, (std::vector<int>{0, 3, 1, 4, -1}));
}

TEST(LineFilterTest, WithoutRulesOnlyBuiltinsExist) {
  LineFilter filter(nullptr, TestConfig());
  EXPECT_EQ(filter.rule_count(), LineFilter::kBuiltinCount);
  EXPECT_EQ(filter.RuleName(LineFilter::kBuiltinNoTerminalPunct), kRuleNoTerminalPunct);
  EXPECT_EQ(filter.RuleName(LineFilter::kBuiltinTooShort), kRuleTooShort);
  Document doc;
  const std::string text =
      "Share this\nHome\n\n" + std::string(kBody1) + "\n" + std::string(kBody2);
  SplitDocument(text, &doc);
  std::vector<int> verdicts;
  filter.Judge(doc, &verdicts);
  EXPECT_EQ(verdicts, (std::vector<int>{LineFilter::kBuiltinNoTerminalPunct,
                                         LineFilter::kBuiltinNoTerminalPunct, -1, -1, -1}));
}

// The words the line filter leaves for later stages are those of each line
// normalised on its own; with or without judging (AnalyseLines), and
// joined, they are the words of the kept text normalised as a whole.
TEST(LineWordsTest, AreEachLineNormalisedAndHashed) {
  RuleSet rules;
  rules.Parse(kTestRules, "test.rules");
  rules.Freeze();
  const std::string long_line(300, 'x');
  LineFilterConfig config = TestConfig();
  config.max_line_bytes = 200;
  for (const JudgeCase& c : JudgeCases()) {
    SCOPED_TRACE(c.name);
    std::string text;
    for (std::string_view line : c.lines) text.append(line).push_back('\n');
    text += "U.K.-based \xE4\xB8\xAD\xE6\x96\x87 don\xE2\x80\x99t\n\n" + long_line + "\n";
    Document doc;
    SplitDocument(text, &doc);
    LineFilter filter(&rules, config);
    std::vector<int> verdicts;
    LineWords judged, analysed;
    filter.Judge(doc, &verdicts, &judged);
    AnalyseLines(doc, config.max_line_bytes, &analysed);
    ASSERT_EQ(judged.begin.size(), doc.lines.size() + 1);
    EXPECT_EQ(judged.hashes, analysed.hashes);
    EXPECT_EQ(judged.begin, analysed.begin);
    EXPECT_EQ(judged.count, analysed.count);
    EXPECT_EQ(judged.analysed, analysed.analysed);
    std::vector<std::uint64_t> joined_words, expected;
    std::string joined;
    for (std::size_t i = 0; i < doc.lines.size(); ++i) {
      const Line& line = doc.lines[i];
      const bool too_long = line.text.size() > config.max_line_bytes;
      EXPECT_EQ(judged.analysed[i], !line.blank && !too_long) << "line " << i + 1;
      if (!judged.analysed[i]) {
        EXPECT_EQ(judged.words(i), 0u);
        continue;
      }
      Normalized norm;
      Normalize(line.text, &norm);
      std::vector<std::uint64_t> hashes;
      HashWords(norm, kWordSeed, &hashes);
      EXPECT_EQ(std::vector<std::uint64_t>(judged.words_of(i), judged.words_of(i) + judged.words(i)),
                hashes) << "line " << i + 1;
      EXPECT_EQ(judged.count[i], CountWords(norm));
      joined_words.insert(joined_words.end(), hashes.begin(), hashes.end());
      joined.append(line.text).push_back('\n');
    }
    Normalized whole;
    Normalize(joined, &whole);
    HashWords(whole, kWordSeed, &expected);
    EXPECT_EQ(joined_words, expected);
  }
}

}  // namespace
}  // namespace winnow
