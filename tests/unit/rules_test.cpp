#include "winnow/rules.hpp"

#include <gtest/gtest.h>
#include <re2/re2.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "winnow/detail/pattern_scan.hpp"
#include "winnow/document.hpp"
#include "winnow/error.hpp"
#include "winnow/hashing.hpp"
#include "winnow/normalize.hpp"
#include "winnow/shingle.hpp"

namespace winnow {
namespace {

// The name of the rule matching `line`, or "" when none does.
std::string MatchName(const RuleSet& rules, std::string_view line) {
  Normalized norm;
  Normalize(line, &norm);
  const int pattern = rules.Match(line, norm);
  if (pattern < 0) return "";
  EXPECT_LT(pattern, static_cast<int>(rules.patterns().size()));
  const int rule = rules.patterns()[pattern].rule;
  EXPECT_TRUE(rules.enabled(rule));
  return rules.names()[rule];
}

bool IsValidName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

struct ParseErrorCase {
  const char* name;
  std::string_view text;
  int line;  // expected line in where()
};

const ParseErrorCase kParseErrorCases[] = {
    {"missing pattern", "share literal", 1},
    {"missing pattern, trailing spaces", "share literal   \t", 1},
    {"missing pattern, CRLF", "share literal\r\n", 1},
    {"missing kind and pattern", "share", 1},
    {"words: an empty group", "a literal one\nw words share | | facebook\n", 2},
    {"words: a group of punctuation", "w words share | ... \n", 1},
    {"error after comments and blanks", "# comment\n\n   \n  # indented\nshare literal\n", 5},
    {"error after good lines", "a literal one\nb contains two\nc regex x\nd prefix\n", 4},
    {"unknown kind", "share exact share", 1},
    {"unknown kind with limit", "share word:3 share", 1},
    {"kind is case-sensitive", "share Literal share", 1},
    {"upper-case name", "Share literal share", 1},
    {"name with a capital inside", "shAre literal share", 1},
    {"name with a slash", "share/this literal share", 1},
    {"name with non-ASCII", "\xc3\xa9t\xc3\xa9 literal share", 1},
    {"MAXWORDS zero", "x literal:0 share", 1},
    {"MAXWORDS negative", "x literal:-3 share", 1},
    {"MAXWORDS empty", "x literal: share", 1},
    {"MAXWORDS not a number", "x literal:many share", 1},
    {"MAXWORDS trailing junk", "x literal:5x share", 1},
    {"MAXWORDS overflow", "x contains:99999999999999999999 share", 1},
    {"MAXWORDS plus sign", "x literal:+5 share", 1},
    {"invalid regex: open paren", "r regex (abc", 1},
    {"invalid regex: bad repeat", "r regex a{2,1}", 1},
    {"invalid regex: bad class", "r regex [z-a]", 1},
    {"invalid regex: backreference", "r regex (a)\\1", 1},
    {"invalid regex on a later line", "\n\nok regex ^a$\nr regex *x\n", 4},
    {"+list alone is no kind", "x +list foo", 1},
    {"+list misspelt", "x literal+lst foo", 1},
    {"+list twice", "x literal+list+list foo", 1},
    {"+list before the limit", "x literal+list:3 foo", 1},
    {"+list after an empty limit", "x literal:+list foo", 1},
    {"literal with no words", "x literal ...", 1},
    {"prefix with no words", "x prefix --- !!", 1},
    {"contains with no words", "x contains \xe2\x80\x94", 1},
};

TEST(RuleSetParseTest, ErrorsNameSourceAndLine) {
  for (const ParseErrorCase& c : kParseErrorCases) {
    SCOPED_TRACE(c.name);
    RuleSet rules;
    const std::string where = "my.rules:" + std::to_string(c.line);
    try {
      rules.Parse(c.text, "my.rules");
      ADD_FAILURE() << "no error for " << ::testing::PrintToString(std::string(c.text));
    } catch (const Error& e) {
      EXPECT_EQ(e.where(), where);
      EXPECT_FALSE(e.message().empty());
      EXPECT_EQ(std::string(e.what()).rfind(where + ": ", 0), 0u) << e.what();
    }
  }
}

TEST(RuleSetParseTest, AcceptsCommentsBlanksAndSpacing) {
  RuleSet rules;
  rules.Parse(
      "# header\n"
      "\n"
      "   # indented comment\n"
      "share\tliteral\tShare This!\r\n"
      "  read-more   prefix:4    Read more \n"
      "a.b_c-9 contains   privacy   policy\n"
      "r regex:2 ^\\s*x  y\\s*$\n"
      "share literal tweet\n"
      "rel literal+list Related articles\n"
      "rel contains:4+list see also\n"
      "rel regex+list ^More:",  // no final newline
      "src");
  ASSERT_EQ(rules.names(),
            (std::vector<std::string>{"share", "read-more", "a.b_c-9", "r", "rel"}));
  ASSERT_EQ(rules.patterns().size(), 8u);
  const auto& p = rules.patterns();
  EXPECT_EQ(p[0].rule, 0);
  EXPECT_EQ(p[0].kind, PatternKind::kLiteral);
  EXPECT_EQ(p[0].text, "share this");  // normalised
  EXPECT_EQ(p[0].max_words, 0);
  EXPECT_EQ(p[0].source, "src:4");
  EXPECT_EQ(p[1].kind, PatternKind::kPrefix);
  EXPECT_EQ(p[1].text, "read more");
  EXPECT_EQ(p[1].max_words, 4);
  EXPECT_EQ(p[1].source, "src:5");
  EXPECT_EQ(p[2].kind, PatternKind::kContains);
  EXPECT_EQ(p[2].text, "privacy policy");
  EXPECT_EQ(p[3].kind, PatternKind::kRegex);
  EXPECT_EQ(p[3].text, "^\\s*x  y\\s*$");  // as written, inner spaces kept
  EXPECT_EQ(p[3].max_words, 2);
  EXPECT_EQ(p[4].rule, 0);  // a repeated name joins the first rule
  EXPECT_EQ(p[4].source, "src:8");
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(p[i].list) << i;
  EXPECT_EQ(p[5].kind, PatternKind::kLiteral);
  EXPECT_EQ(p[5].text, "related articles");
  EXPECT_TRUE(p[5].list);
  EXPECT_EQ(p[5].max_words, 0);
  EXPECT_EQ(p[6].kind, PatternKind::kContains);
  EXPECT_EQ(p[6].max_words, 4);
  EXPECT_TRUE(p[6].list);
  EXPECT_EQ(p[7].kind, PatternKind::kRegex);
  EXPECT_EQ(p[7].text, "^More:");
  EXPECT_TRUE(p[7].list);
  EXPECT_EQ(p[7].rule, 4);
}

TEST(RuleSetMatchTest, ReturnsTheFirstMatchingPatternIndex) {
  RuleSet rules;
  rules.Parse("a literal one\nb literal two\na literal three\nb contains three\n", "t");
  rules.Freeze();
  struct {
    std::string_view line;
    int pattern;
  } const kCases[] = {{"one", 0}, {"Two!", 1}, {"three", 2}, {"say three", 3}, {"four", -1}};
  for (const auto& c : kCases) {
    Normalized norm;
    Normalize(c.line, &norm);
    EXPECT_EQ(rules.Match(c.line, norm), c.pattern) << c.line;
  }
}

TEST(RuleSetParseTest, SeveralSourcesAccumulate) {
  RuleSet rules;
  rules.Parse("a literal one\n", "first");
  rules.Parse("b literal two\na literal three\n", "second");
  ASSERT_EQ(rules.names(), (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(rules.patterns().size(), 3u);
  EXPECT_EQ(rules.patterns()[1].source, "second:1");
  EXPECT_EQ(rules.patterns()[2].rule, 0);
  rules.Freeze();
  EXPECT_EQ(MatchName(rules, "Three."), "a");
  EXPECT_EQ(MatchName(rules, "two"), "b");
}

struct MatchCase {
  const char* name;
  std::string_view rules;
  std::string_view line;
  std::string_view expected;  // rule name, or "" for no match
};

const MatchCase kMatchCases[] = {
    // literal: the whole normalised line.
    {"literal exact", "s literal share this", "share this", "s"},
    {"literal ignores case and punctuation", "s literal share this", "Share This!", "s"},
    {"literal ignores spacing", "s literal share this", "  SHARE   this ", "s"},
    {"literal ignores dashes", "s literal share this", "share\xe2\x80\x94this", "s"},
    {"literal pattern is normalised too", "s literal Share-This!", "share this", "s"},
    {"literal needs the whole line", "s literal share this", "share this story", ""},
    {"literal needs every word", "s literal share this", "share", ""},
    {"literal on an empty line", "s literal share", "", ""},
    {"literal U.K. equals UK", "s literal U.K. edition", "UK Edition", "s"},
    {"literal apostrophes", "s literal don't miss", "Don\xe2\x80\x99t miss!", "s"},
    {"literal Cyrillic case", "s literal \xd0\xbf\xd0\xbe\xd0\xb8\xd1\x81\xd0\xba",
     "\xd0\x9f\xd0\x9e\xd0\x98\xd0\xa1\xd0\x9a", "s"},
    // prefix: the first words of the line.
    {"prefix at start", "p prefix read more", "Read more: the full story", "p"},
    {"prefix whole line", "p prefix read more", "read more", "p"},
    {"prefix respects word ends", "p prefix read more", "read moreover here", ""},
    {"prefix not in the middle", "p prefix read more", "please read more", ""},
    {"prefix longer than the line", "p prefix read more now", "read more", ""},
    // contains: whole words anywhere.
    {"contains in the middle", "c contains share", "we share this", "c"},
    {"contains at the end", "c contains share", "please share", "c"},
    {"contains whole line", "c contains share", "Share.", "c"},
    {"contains: not inside a longer word", "c contains share", "shareholder meeting", ""},
    {"contains: not at the end of a word", "c contains share", "timeshare offers", ""},
    {"contains: hyphen is a break", "c contains share", "re-share it", "c"},
    {"contains phrase", "c contains privacy policy", "Read our Privacy-Policy now.", "c"},
    {"contains phrase needs adjacency", "c contains privacy policy", "privacy and policy", ""},
    {"contains phrase, word boundaries both ends", "c contains cy pol", "privacy policy", ""},
    {"contains CJK", "c contains \xe7\x99\xbb\xe5\xbd\x95",
     "\xe8\xaf\xb7\xe7\x99\xbb\xe5\xbd\x95\xe8\xb4\xa6\xe6\x88\xb7", "c"},
    {"contains pattern is normalised", "c contains A.B", "ab", "c"},
    {"contains with plus in pattern", "c contains c++", "I write c code", "c"},
    // regex: raw bytes, case-sensitive unless (?i).
    {"regex raw", "r regex ^Source link$", "Source link", "r"},
    {"regex is case-sensitive", "r regex ^Source link$", "source link", ""},
    {"regex (?i)", "r regex (?i)^source link$", "SOURCE LINK", "r"},
    {"regex sees raw punctuation", "r regex U\\.K\\.", "the U.K. team", "r"},
    {"regex does not see the normalised text", "r regex uk team", "the U.K. team", ""},
    {"regex unanchored", "r regex link", "a link here", "r"},
    {"regex on a line without words", "r regex ^\\W+$", "***", "r"},
    // :MAXWORDS.
    {"limit: fewer words", "m contains:3 privacy policy", "privacy policy", "m"},
    {"limit: exactly", "m contains:3 privacy policy", "our privacy policy", "m"},
    {"limit: one over", "m contains:3 privacy policy", "read our privacy policy", ""},
    {"limit on literal", "m literal:1 share", "Share!", "m"},
    {"limit on prefix", "m prefix:3 read more", "read more here now", ""},
    {"limit on regex", "m regex:2 ^a", "a b", "m"},
    {"limit on regex, over", "m regex:2 ^a", "a b c", ""},
    {"limit falls through to the next rule", "m contains:2 share\nn contains share",
     "please share this", "n"},
    // words: every word in the vocabulary, a word of each group but the last.
    {"words: all in the vocabulary", "w words share on | facebook twitter | and",
     "Share on Facebook and Twitter!", "w"},
    {"words: in any order", "w words share on | facebook twitter | and", "Twitter: share", "w"},
    {"words: a word outside it", "w words share on | facebook twitter | and",
     "Share prices rose on Facebook", ""},
    {"words: a required group missing", "w words share on | facebook twitter | and",
     "Share on", ""},
    {"words: the last group is optional", "w words share on | facebook twitter | and", "and",
     ""},
    {"words: one group, any of its words", "w words home about contact", "Home | About", "w"},
    {"words: limit", "w words:2 home about contact", "Home About Contact", ""},
    {"words: a word in two groups meets both", "w words mail | mail x", "Mail", "w"},
    // first rule in file order.
    {"first rule wins", "first contains share\nsecond literal share this", "share this",
     "first"},
    {"first rule wins, reversed", "second literal share this\nfirst contains share",
     "share this", "second"},
    {"regex before literal", "r regex ^Share\ns literal share", "Share", "r"},
    {"literal before regex", "s literal share\nr regex ^Share", "Share", "s"},
    {"first pattern in file order, not first rule",
     "a literal x\nb contains y\na contains z", "y z", "b"},
    {"only the matching rule", "a literal one\nb literal two\nc literal three", "Two",
     "b"},
    {"no rule matches", "a literal one\nb contains two\nc regex ^three", "four", ""},
};

TEST(RuleSetMatchTest, Table) {
  for (const MatchCase& c : kMatchCases) {
    SCOPED_TRACE(c.name);
    RuleSet rules;
    rules.Parse(c.rules, "t");
    rules.Freeze();
    EXPECT_EQ(MatchName(rules, c.line), c.expected)
        << "line: " << ::testing::PrintToString(std::string(c.line));
  }
}

TEST(RuleSetMatchTest, EmptyRuleSetMatchesNothing) {
  RuleSet rules;
  rules.Parse("# only a comment\n\n", "t");
  rules.Freeze();
  EXPECT_TRUE(rules.names().empty());
  EXPECT_EQ(MatchName(rules, "anything at all"), "");
  EXPECT_EQ(MatchName(rules, ""), "");
}

constexpr std::string_view kDisableRules =
    "a literal x\n"
    "b contains x\n"
    "c regex x\n";

TEST(RuleSetDisableTest, DisabledRulesNoLongerMatch) {
  struct {
    std::vector<std::string_view> disable;
    std::string_view expected;
  } const kCases[] = {
      {{}, "a"},
      {{"a"}, "b"},
      {{"b"}, "a"},
      {{"a", "b"}, "c"},
      {{"a", "c"}, "b"},
      {{"a", "b", "c"}, ""},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(::testing::PrintToString(c.disable.size()) + " disabled, expect " +
                 std::string(c.expected));
    RuleSet rules;
    rules.Parse(kDisableRules, "t");
    for (std::string_view name : c.disable) EXPECT_TRUE(rules.Disable(name));
    rules.Freeze();
    EXPECT_EQ(MatchName(rules, "x"), c.expected);
    for (int i = 0; i < 3; ++i) {
      bool disabled = false;
      for (std::string_view name : c.disable) disabled |= rules.names()[i] == name;
      EXPECT_EQ(rules.enabled(i), !disabled) << rules.names()[i];
    }
  }
}

TEST(RuleSetDisableTest, DisablingANameDisablesAllItsLines) {
  RuleSet rules;
  rules.Parse("a literal one\nb literal two\na literal three\n", "t");
  EXPECT_TRUE(rules.Disable("a"));
  rules.Freeze();
  EXPECT_EQ(MatchName(rules, "one"), "");
  EXPECT_EQ(MatchName(rules, "three"), "");
  EXPECT_EQ(MatchName(rules, "two"), "b");
}

TEST(RuleSetDisableTest, UnknownNameReturnsFalse) {
  RuleSet rules;
  rules.Parse(kDisableRules, "t");
  EXPECT_FALSE(rules.Disable("d"));
  EXPECT_FALSE(rules.Disable(""));
  EXPECT_FALSE(rules.Disable("A"));   // names are case-sensitive
  EXPECT_FALSE(rules.Disable("a "));
  rules.Freeze();
  EXPECT_EQ(MatchName(rules, "x"), "a");  // nothing was disabled
}

TEST(RuleSetDisableTest, DisableAll) {
  RuleSet rules;
  rules.Parse(kDisableRules, "t");
  rules.DisableAll();
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(rules.enabled(i));
  rules.Freeze();
  EXPECT_EQ(MatchName(rules, "x"), "");
}

TEST(RuleSetRegexTest, PathologicalPatternsRunInLinearTime) {
  // Each would take longer than the age of the universe in a backtracking
  // engine; RE2 answers at once. Only the answers are checked.
  struct {
    std::string_view pattern;
    std::string line;
    std::string_view expected;
  } const kCases[] = {
      {"(a+)+$", std::string(50000, 'a'), "r"},
      {"(a+)+$", std::string(50000, 'a') + "!", ""},  // '$' only at the end
      {"^(a+)+b", std::string(50000, 'a'), ""},
      {"(x+x+)+y", std::string(50000, 'x'), ""},
      {"(x+x+)+y", std::string(50000, 'x') + "y", "r"},
      {"^(a|aa)+$", std::string(50000, 'a') + "b", ""},
      {"(.*a){20}", std::string(50000, 'a'), "r"},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(std::string(c.pattern) + " on " + std::to_string(c.line.size()) + " bytes");
    RuleSet rules;
    rules.Parse("r regex " + std::string(c.pattern), "t");
    rules.Freeze();
    EXPECT_EQ(MatchName(rules, c.line), c.expected);
  }
}

TEST(DefaultRulesTest, ParseAndFreeze) {
  RuleSet rules;
  ASSERT_FALSE(DefaultRulesText().empty());
  ASSERT_NO_THROW(rules.Parse(DefaultRulesText(), "default.rules"));
  ASSERT_NO_THROW(rules.Freeze());
  EXPECT_GT(rules.patterns().size(), 100u);
  for (const std::string& name : rules.names()) {
    EXPECT_TRUE(IsValidName(name)) << name;
  }
  // The rule names the README promises.
  const std::set<std::string> names(rules.names().begin(), rules.names().end());
  for (const char* name :
       {"share", "source-link", "advertisement", "read-more", "navigation",
        "cookie-banner", "newsletter", "counter", "loading", "javascript",
        "lorem-ipsum", "copyright", "policy", "caption", "credit"}) {
    EXPECT_EQ(names.count(name), 1u) << name;
  }
  EXPECT_EQ(names.size(), rules.names().size()) << "names() holds duplicates";
}

TEST(DefaultRulesTest, MatchTypicalBoilerplateAndSpareProse) {
  RuleSet rules;
  rules.Parse(DefaultRulesText(), "default.rules");
  rules.Freeze();
  struct {
    std::string_view line;
    std::string_view expected;
  } const kCases[] = {
      {"Share This!", "share"},
      {"Pictured: the flooded high street on Tuesday", "caption"},
      {"We use cookies to improve your experience.", "cookie-banner"},
      {"Copyright 2024 Example Ltd. All rights reserved.", "copyright"},
      {"Privacy Policy", "policy"},
      // A quotation's source on its own line, with or without its dashes.
      {"\u2014\u2014\u6458\u81ea\u67d0\u4f4d\u4f5c\u5bb6\u7684\u968f\u7b14", "source-link"},
      {"\u6765\u6e90\uff1a\u65b0\u534e\u793e", "source-link"},
      // ... but a Chinese body sentence that names a source is prose.
      {"\u636e\u65b0\u534e\u793e\u62a5\u9053\uff0c\u8fd9\u9879\u6cd5\u5f8b\u6765\u6e90\u4e8e"
       "\u4e00\u4efd\u957f\u8fbe\u5341\u5e74\u7684\u7814\u7a76\uff0c\u5c06\u4e8e\u660e\u5e74"
       "\u751f\u6548\u3002",
       ""},
      {"Shareholders met on Tuesday to approve the merger of the two firms.", ""},
      {"The council said the privacy of residents was its first concern in the "
       "policy review, which will be published next spring after consultation.",
       ""},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(std::string(c.line));
    EXPECT_EQ(MatchName(rules, c.line), c.expected);
  }
}

// Buttons, trails and notices that are boilerplate wherever they stand, in
// the languages most common on the web, are drop patterns (a lone one
// inside an article goes, whatever the model makes of its neighbours); the
// prose, code and key-value rows next to them in the list below match no
// drop pattern.
TEST(DefaultRulesTest, ButtonsAndTrailsInManyLanguagesAreDropPatterns) {
  RuleSet rules;
  rules.Parse(DefaultRulesText(), "default.rules", PatternAction::kFeature);
  rules.Freeze();
  auto drop_rule = [&](std::string_view line) -> std::string {
    Normalized norm;
    Normalize(line, &norm);
    const RuleMatch m = rules.MatchAll(line, norm);
    if (m.drop < 0) return "";
    return rules.names()[rules.patterns()[m.drop].rule];
  };
  struct {
    std::string_view line;
    std::string_view expected;
  } const kCases[] = {
      // Share and follow buttons: verb, preposition, network, in either order.
      {"Teilen auf Facebook", "share"},
      {"Auf WhatsApp teilen", "share"},
      {"Compartir en Facebook", "share"},
      {"Partager sur Twitter", "share"},
      {"\u041f\u043e\u0434\u0435\u043b\u0438\u0442\u044c\u0441\u044f \u0432 "
       "\u0412\u041a\u043e\u043d\u0442\u0430\u043a\u0442\u0435",
       "share"},  // Поделиться в ВКонтакте
      {"Udost\u0119pnij na Facebooku", "share"},
      {"Facebook'ta payla\u015f", "share"},
      {"Twitter\u3067\u30b7\u30a7\u30a2", "share"},                 // Twitterでシェア
      {"\uce74\uce74\uc624\ud1a1 \uacf5\uc720\ud558\uae30", "share"},  // 카카오톡 공유하기
      {"\u5206\u4eab\u5230\u5fae\u4fe1", "share"},                   // 分享到微信
      {"\u0645\u0634\u0627\u0631\u0643\u0629 \u0639\u0644\u0649 "
       "\u0641\u064a\u0633\u0628\u0648\u0643",
       "share"},  // مشاركة على فيسبوك
      {"Share on Facebook (opens in new window)", "share"},
      {"Click to share on LinkedIn (Opens in new window) LinkedIn", "share"},
      {"Click to share on X (Opens in new window) X", "share"},
      {"Click to email a link to a friend (Opens in new window) Email", "share"},
      {"Click to print (Opens in new window) Print", "share"},
      {"Facebook | Twitter | LinkedIn | Email", "share"},
      {"Facebook, Twitter and Email", "share"},
      {"Share on X", "share"},
      {"Print this article", "share"},
      {"Printer-friendly version", "share"},
      {"Email this story", "share"},
      // Trails, skip links, comment buttons, copyright notices, syndication.
      {"Home > News > Local", "navigation"},
      {"Startseite \u00bb Politik \u00bb Inland", "navigation"},
      {"Home | About | Contact", "navigation"},
      {"Tags: politics, transport, city", "navigation"},
      {"Filed under: Local News", "navigation"},
      {"Posted in Uncategorized", "navigation"},
      {"Skip to main content", "navigation"},
      {"Already a subscriber? Log in", "navigation"},
      {"Load more comments", "counter"},
      {"View all 12 comments", "counter"},
      {"12 Comments", "counter"},
      {"Sign up for our daily newsletter", "newsletter"},
      {"\u00a9 2024 Example Media Ltd.", "copyright"},
      {"Copyright 2019 The Example Post", "copyright"},
      {"This article was originally published on The Conversation.", "source-link"},
      // A caption with its credit after the sentence.
      {"Drought-stressed corn. Image: CraneStation /Flickr", "caption"},
      {"Fueling your body properly is important on the trail. Credit: Jessica Haist", "caption"},
      {"Shot on the Canon R5. Photo Credit: Alec Sills-Trausch", "caption"},
      {"Yamada earned its first Michelin star this year. Photo by Ben Hon for Resy", "caption"},
      {"Lees ook: Nieuwe regels voor het openbaar vervoer", "read-more"},
      {"\u00c0 lire aussi", "read-more"},
      {"Czytaj tak\u017ce", "read-more"},
      // Not buttons: sentences, code, headings, key-value rows.
      {"Share prices rose on Facebook's earnings.", ""},
      {"He posted on X that he would resign.", ""},
      {"Follow the line to the station.", ""},
      {"Click to share on the page that opens in a new window (it is free).", ""},
      {"Click to enlarge (opens in new window)", ""},
      {"print (line)", ""},
      {"print(x)", ""},
      {"email: EmailStr", ""},
      {"X", ""},
      {"Line", ""},
      {"Home is where the heart is", ""},
      {"Tags are labels that readers can attach to posts.", ""},
      {"Copyright law protects authors and their heirs.", ""},
      {"(c) The tenant shall pay the rent monthly.", ""},
      {"12 comments were received during the consultation, most of them in favour.", ""},
      {"The bank gave him credit: ten thousand pounds at six per cent.", ""},
      {"She paused. Photo: she wanted none of it, she said.", ""},
      {"They sent a photo by post to the council.", ""},
      {"Category: Shoes", ""},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(std::string(c.line));
    EXPECT_EQ(drop_rule(c.line), c.expected);
  }
}

// contains rules are matched by their words' hashes: a line must match
// exactly the first phrase that RE2 finds between word boundaries of the
// normalised line (what the rules file says), within its word limit, with
// the line's word hashes given or not. Phrases share first words, repeat
// a word, and are prefixes of each other; lines hold them at either end,
// inside longer words, split by punctuation, twice, in CJK.
TEST(RuleSetContainsTest, TheWordsAgreeWithRe2OnTheNormalisedText) {
  const std::vector<std::string> phrases = {
      "sign up",    "sign up now", "by",        "by by",       "up now",  "c++",
      "u.k. news",  "\xe7\x99\xbb\xe5\xbd\x95", "privacy policy", "policy", "now"};
  std::string text;
  std::vector<std::string> normalised;
  for (std::size_t i = 0; i < phrases.size(); ++i) {
    std::string phrase = phrases[i];
    text += "p" + std::to_string(i) + (i % 4 == 1 ? " contains:5 " : " contains ") + phrase + "\n";
    Normalized norm;
    Normalize(phrase, &norm);
    normalised.push_back(norm.text);
  }
  RuleSet rules;
  rules.Parse(text, "contains");
  rules.Freeze();
  const std::vector<std::string> words = {"sign", "up", "now", "by", "Sign-up", "NOW!", "upnow",
                                          "signup", "c++", "C", "U.K.", "news", "uk",
                                          "\xe7\x99\xbb\xe5\xbd\x95", "privacy", "Policy.",
                                          "policyholder", "x", "--"};
  std::mt19937 rng(17);
  for (int n = 0; n < 3000; ++n) {
    std::string line;
    const int count = static_cast<int>(rng() % 9);
    for (int k = 0; k < count; ++k) line += (k ? " " : "") + words[rng() % words.size()];
    Normalized norm;
    Normalize(line, &norm);
    int expected = -1;
    for (std::size_t i = 0; i < phrases.size() && expected < 0; ++i) {
      if (i % 4 == 1 && norm.words.size() > 5) continue;
      const RE2 re("(?:^| )" + RE2::QuoteMeta(normalised[i]) + "(?: |$)");
      if (!norm.words.empty() && RE2::PartialMatch(norm.text, re)) expected = static_cast<int>(i);
    }
    std::vector<std::uint64_t> hashes;
    for (std::size_t w = 0; w < norm.words.size(); ++w) hashes.push_back(HashWord(norm.word(w), kWordSeed));
    const LineScan none;
    ASSERT_EQ(rules.MatchAll(line, norm).drop, expected) << line;
    ASSERT_EQ(rules.MatchAll(line, norm, none, 0, hashes.data()).drop, expected) << line;
  }
}

// Regex rules run as one automaton; a line must match exactly the first
// pattern that RE2 alone says it matches, within its word limit.
TEST(RuleSetRegexTest, TheSetAgreesWithEachPatternAlone) {
  const std::vector<std::string> patterns = {
      "^abc",       "^a|b",        "(?i)^ABC\\s*$", "(?m)^c",      "^[|]x",
      "^(a|b)c",    "^\\|y",       "(?i:^z)q",      "c$",          "^[]|]w",
      "(?s)^.b",    "^$"};
  std::string text;
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    text += "r" + std::to_string(i) + (i % 3 == 0 ? " regex:3 " : " regex ") + patterns[i] + "\n";
  }
  RuleSet rules;
  rules.Parse(text, "set");
  rules.Freeze();
  const std::vector<std::string> lines = {
      "abc", "xabc", "ABC  ", "b", "xb", "c", "xc", "|x", "x|x", "ac", "bc", "xbc",
      "|y", "zq", "xzq", "abc", "a b c d e", "|w", "]w", "xw", "ab", "", "a"};
  for (const std::string& line : lines) {
    Normalized norm;
    Normalize(line, &norm);
    int expected = -1;
    for (std::size_t i = 0; i < patterns.size() && expected < 0; ++i) {
      const bool limited = i % 3 == 0;
      if (limited && norm.words.size() > 3) continue;
      if (RE2::PartialMatch(line, RE2(patterns[i]))) expected = static_cast<int>(i);
    }
    EXPECT_EQ(rules.Match(line, norm), expected) << "line: " << line;
  }
}

// With a memory budget too small for one automaton of all the regex (and
// contains) patterns, each pattern is matched on its own: every line gets
// the match it gets with the default budget (first pattern of each action,
// word limits applied), the split is said, no search is counted as failed,
// and a clone matches the same.
TEST(RuleSetRegexTest, PatternsThatDoNotFitTogetherAreMatchedOneByOne) {
  std::string text(DefaultRulesText());
  for (int i = 0; i < 12; ++i) {
    text += "big" + std::to_string(i) + " drop regex (?i)item" + std::to_string(i) +
            " [a-z]{20}[0-9]{60}x\n";
  }
  text += "kept keep regex:4 ^Read more$\n";
  RuleSet whole, split;
  whole.Parse(text, "r", PatternAction::kFeature);
  split.Parse(text, "r", PatternAction::kFeature);
  split.set_max_mem(std::int64_t{1} << 18);
  whole.Freeze();
  split.Freeze();
  EXPECT_EQ(whole.split_automata(), "");
  EXPECT_NE(split.split_automata().find("regex patterns"), std::string::npos) << split.split_automata();
  const std::unique_ptr<RuleSet> copy = split.Clone();
  const std::string digits(60, '7');
  const std::vector<std::string> lines = {
      "Share this article", "Read more", "Read more about the council and its budget plans",
      "item3 abcdefghijabcdefghij" + digits + "x", "ITEM11 ABCDEFGHIJABCDEFGHIJ" + digits + "x and more",
      "item3 abcdefghijabcdefghij" + digits, "We use cookies to improve your experience.",
      "12 comments", "Copyright 2024 Example Media. All rights reserved.", "(Photo: AFP)",
      "The council approved the budget on Tuesday after a long debate.", ""};
  int matched = 0;
  for (const std::string& line : lines) {
    Normalized norm;
    Normalize(line, &norm);
    const RuleMatch want = whole.MatchAll(line, norm);
    for (const RuleSet* rules : {&split, copy.get()}) {
      const RuleMatch got = rules->MatchAll(line, norm);
      EXPECT_EQ(got.drop, want.drop) << line;
      EXPECT_EQ(got.keep, want.keep) << line;
      EXPECT_EQ(got.feature, want.feature) << line;
    }
    matched += want.drop >= 0;
  }
  EXPECT_GE(matched, 2);  // the two big items, and built-in drop rules
  for (std::uint64_t count : split.automaton_errors()) EXPECT_EQ(count, 0u);
  EXPECT_EQ(split.combined_automaton_errors(), 0u);
}

// A pattern whose automaton does not fit the budget alone is refused,
// named by its place and rule.
TEST(RuleSetRegexTest, APatternThatDoesNotFitAloneIsRefused) {
  RuleSet rules;
  rules.Parse("fine literal hello\n# big\nhuge regex (?i)(?:[a-z0-9]{40}x){8}\n", "my.rules");
  rules.set_max_mem(std::int64_t{1} << 16);
  try {
    rules.Freeze();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.where(), "my.rules:3");
    EXPECT_EQ(e.message(), "huge: the pattern's automaton does not fit in 65536 bytes (--regex-max-mem)");
  }
}

// Hyperscan matches the regex and contains patterns in one pass (regexes as
// a prefilter that RE2 confirms); RE2 alone matches the same. Lines that
// attack where the two engines read a pattern differently: Unicode case
// folding (Kelvin sign, long s, Cyrillic capitals), \s and a vertical tab,
// $ before a final newline, bounded repeats (which the prefilter widens)
// just within and beyond their bound, invalid UTF-8, a pattern Hyperscan
// is not given (\pL), phrases at and off word boundaries.
TEST(RuleSetScanTest, HyperscanAndRe2AloneAgree) {
  std::string text(DefaultRulesText());
  text +=
      "kelvin drop regex (?i)^kilo$\n"
      "longs drop regex (?i)^lass$\n"
      "cyr drop regex (?i)^фото [0-9]+$\n"
      "vt drop regex ^a\\sb$\n"
      "dollar drop regex ^end$\n"
      "bounded drop regex ^x.{2,4}y$\n"
      "letters drop regex ^\\pL+ \\d$\n"
      "phrase drop contains sign up now\n";
  RuleSet scan, re2_only;
  scan.Parse(text, "r", PatternAction::kFeature);
  re2_only.Parse(text, "r", PatternAction::kFeature);
  scan.set_pattern_scan_after(0);
  re2_only.set_pattern_scan_after(std::uint64_t{1} << 62);
  scan.Freeze();
  re2_only.Freeze();
  const std::unique_ptr<RuleSet> copy = scan.Clone();
  const std::string long_copyright = "(c) 2024 " + std::string(130, 'x') + " all rights reserved";
  const std::vector<std::string> lines = {
      "kilo", "\xE2\x84\xAAilo", "lass", "la\xC5\xBF\xC5\xBF", "ФОТО 12", "фото 12", "a\vb", "a\tb",
      "end\n", "end", "xaay", "xaaaay", "xaaaaay", "x\xC3\xA9\xC3\xA9y", "Ωμέγα 5", "abc 5",
      "Please sign up now", "sign up nowhere", "Please design up now", "Sign-up now!",
      "Share this article", "12 comments", "Copyright 2024 Example Media. All rights reserved.",
      long_copyright, "(Photo: AFP)", "Pictured: a man walks his dog", "bad \xFF byte: 12 comments",
      "\xFF", "The council approved the budget on Tuesday after a long debate.",
      "Reporting by Jane Doe; Editing by John Roe", "Photo 3 of 12", "# 12", "(记者 张三 摄)",
      // Lines the prefilter's cut patterns (PrefilterCore) report and RE2
      // turns down: what was cut would not match.
      "Smith / Getty Images", "J. Smith / Getty Images", std::string(90, 'x') + " / AFP",
      "Reporting by Jane Doe. More below.", "Copying is fine; all rights reserved",
      "He was seen at the match. He left.", "The man was seen at the match, smiling",
      "(张三摄)", "(" + std::string(40, 'x') + "摄)"};
  int matched = 0;
  for (const std::string& line : lines) {
    Normalized norm;
    Normalize(line, &norm);
    const RuleMatch want = re2_only.MatchAll(line, norm);
    for (const RuleSet* rules : {&scan, copy.get()}) {
      const RuleMatch got = rules->MatchAll(line, norm);
      EXPECT_EQ(got.drop, want.drop) << line;
      EXPECT_EQ(got.keep, want.keep) << line;
      EXPECT_EQ(got.feature, want.feature) << line;
    }
    matched += want.drop >= 0 || want.feature >= 0;
  }
  // Most of these lines match something, by either engine.
  EXPECT_GE(matched, 20);
  // What RE2 itself says about the tricky ones.
  auto drop_name = [&](const std::string& line) {
    Normalized norm;
    Normalize(line, &norm);
    const int id = scan.MatchAll(line, norm).drop;
    return id < 0 ? std::string() : scan.names()[scan.patterns()[id].rule];
  };
  EXPECT_EQ(drop_name("\xE2\x84\xAAilo"), "kelvin");
  EXPECT_EQ(drop_name("la\xC5\xBF\xC5\xBF"), "longs");
  EXPECT_EQ(drop_name("ФОТО 12"), "cyr");
  EXPECT_EQ(drop_name("a\vb"), "");       // RE2's \s holds no vertical tab
  EXPECT_EQ(drop_name("end\n"), "");      // nor does its $ match before a newline
  EXPECT_EQ(drop_name("xaaaaay"), "");    // beyond the bound
  EXPECT_EQ(drop_name("x\xC3\xA9\xC3\xA9y"), "bounded");
  EXPECT_EQ(drop_name("Ωμέγα 5"), "letters");
  EXPECT_EQ(drop_name("sign up nowhere"), "");
  EXPECT_EQ(drop_name("Sign-up now!"), "phrase");
}

// A document's lines scanned in one pass (RuleSet::ScanLines) match as
// each line alone does with RE2: lines that end in "\r\n", a lone "\r",
// U+2028 or nothing, patterns anchored at both ends, invalid UTF-8 (left
// to RE2), blocks of lines past the first 64 KiB; and a pattern that
// turns multi-line matching off keeps every line to a scan of its own.
// Regex patterns read a line's HTML character references as the
// characters they spell, scanned with the document or alone.
TEST(RuleSetScanTest, RegexesReadCharacterReferences) {
  const std::string rules_text = std::string(DefaultRulesText()) + "colon drop regex ^Note: .*$\n";
  const std::string text = "Photo&#58; John Smith\nNote&#x3A; read this\nNote&colon read this\n"
                           "Share&nbsp;this\nThe council met on Tuesday.\n";
  Document doc;
  SplitDocument(text, &doc);
  for (std::uint64_t after : {std::uint64_t{0}, std::uint64_t{1} << 62}) {
    RuleSet rules;
    rules.Parse(rules_text, "r", PatternAction::kFeature);
    rules.set_pattern_scan_after(after);
    rules.Freeze();
    LineScan scan;
    rules.ScanLines(doc, 4000, &scan);
    std::vector<std::string> names;
    for (std::size_t i = 0; i < doc.lines.size(); ++i) {
      Normalized norm;
      Normalize(doc.lines[i].text, &norm);
      const RuleMatch m = rules.MatchAll(doc.lines[i].text, norm, scan, i);
      names.push_back(m.drop < 0 ? "" : rules.names()[rules.patterns()[m.drop].rule]);
    }
    EXPECT_EQ(names, (std::vector<std::string>{"caption", "colon", "", "share", ""})) << after;
  }
}

TEST(RuleSetScanTest, ADocumentScannedInOnePassMatchesLineByLine) {
  std::string text(DefaultRulesText());
  text +=
      "dollar drop regex ^end$\n"
      "bounded drop regex ^x.{2,4}y$\n"
      "digits drop regex ^\\d+$\n"
      "phrase drop contains sign up now\n";
  const std::vector<std::string> lines = {
      "end", "end ", " end", "xaay", "xaaaaay", "12", "12 comments", "Share this article",
      "Copyright 2024 Example Media. All rights reserved.", "(Photo: AFP)", "bad \xFF byte: 12 comments",
      "\xFF", "Please sign up now", "The council approved the budget on Tuesday.", "", "   ",
      "Reporting by Jane Doe; Editing by John Roe", "Photo 3 of 12", "(记者 张三 摄)", "x", "aay"};
  const char* const ends[] = {"\n", "\r\n", "\r", "\xE2\x80\xA8", "\n\n"};
  std::string doc_text;
  for (int round = 0; doc_text.size() < (std::size_t{600} << 10); ++round) {
    for (std::size_t i = 0; i < lines.size(); ++i) {
      doc_text += lines[i];
      doc_text += ends[(i + static_cast<std::size_t>(round)) % 5];
    }
    doc_text += std::string(static_cast<std::size_t>(round % 7) * 1000, 'w') + "\n";
  }
  doc_text += "end";  // unterminated
  Document doc;
  SplitDocument(doc_text, &doc);
  for (const std::string off_flag : {"", "multi drop regex (?-m)^theme$\n"}) {
    RuleSet scan, re2_only;
    scan.Parse(text + off_flag, "r", PatternAction::kFeature);
    re2_only.Parse(text + off_flag, "r", PatternAction::kFeature);
    scan.set_pattern_scan_after(0);
    re2_only.set_pattern_scan_after(std::uint64_t{1} << 62);
    scan.Freeze();
    re2_only.Freeze();
    LineScan line_scan;
    constexpr std::size_t kMaxLineBytes = 4000;
    scan.ScanLines(doc, kMaxLineBytes, &line_scan);
    int matched = 0, scanned = 0, valid = 0;
    for (std::size_t i = 0; i < doc.lines.size(); ++i) {
      const Line& line = doc.lines[i];
      if (line.blank || line.text.size() > kMaxLineBytes) {
        EXPECT_FALSE(line_scan.scanned(i));
        continue;
      }
      Normalized norm;
      Normalize(line.text, &norm);
      const RuleMatch want = re2_only.MatchAll(line.text, norm);
      const RuleMatch got = scan.MatchAll(line.text, norm, line_scan, i);
      ASSERT_EQ(got.drop, want.drop) << i << ": " << line.text;
      ASSERT_EQ(got.feature, want.feature) << i << ": " << line.text;
      ASSERT_EQ(got.keep, want.keep) << i << ": " << line.text;
      matched += want.drop >= 0;
      scanned += line_scan.scanned(i);
      // Invalid UTF-8 is never scanned.
      if (line.text.find('\xFF') != std::string_view::npos) {
        EXPECT_FALSE(line_scan.scanned(i));
      } else {
        ++valid;
      }
    }
    EXPECT_GE(matched, 1000);
    if (!detail::PatternScanner::Available()) continue;
    if (off_flag.empty()) {
      EXPECT_EQ(scanned, valid);
      EXPECT_GE(valid, 3000);
    } else {
      EXPECT_EQ(scanned, 0);
    }
  }
}

TEST(RuleSetScanTest, OnlySafeSyntaxIsHandedToHyperscan) {
  EXPECT_TRUE(detail::HyperscanSafe(R"((?i)^\s*(share|follow)\s*[:(]?\s*\d+\.\b$)"));
  EXPECT_TRUE(detail::HyperscanSafe(R"((?i:a)(?-s:b)\x{263A}\xFF[\]\\])"));
  EXPECT_TRUE(detail::HyperscanSafe(R"(\d{1,3}.{0,120}x{100}{)"));
  for (const char* p : {R"(\pL)", R"(\p{Greek})", R"(\Qa.b\E)", R"(\C)", R"(\A)", R"(a\z)", R"(\v)",
                        R"((?P<n>a))", R"(\0)", R"(\8)", R"((?x)a)", R"(a{101})", R"(a{101,500})",
                        R"(a{1000,})"}) {
    EXPECT_FALSE(detail::HyperscanSafe(p)) << p;
  }
  // Only a flag group that names m turns multi-line matching off; an
  // escaped parenthesis or one in a class starts none.
  EXPECT_FALSE(detail::MultilineSafe("(?m)^a$"));
  EXPECT_FALSE(detail::MultilineSafe("a(?-m:^b)"));
  EXPECT_FALSE(detail::MultilineSafe(R"(\((?sm)x)"));
  EXPECT_TRUE(detail::MultilineSafe("(?i)^a$"));
  EXPECT_TRUE(detail::MultilineSafe(R"((?i)\.\s+\(?(image|photo) by)"));
  EXPECT_TRUE(detail::MultilineSafe("[(?m)]x"));
  EXPECT_TRUE(detail::MultilineSafe(R"([\](?m)]x)"));
  EXPECT_EQ(detail::WidenRepeats(R"(^.{0,120}x\d{2,3}[{0,1}]a{3}\{0,5})"), R"(^.*x\d{2,}[{0,1}]a{3}\{0,5})");
}

// The prefilter keeps the selective middle of a pattern: a run of its
// top-level concatenation, without the broad loops around it.
TEST(RuleSetScanTest, PrefilterCoreCutsBroadLoopsAtTheEnds) {
  const std::pair<const char*, const char*> cases[] = {
      {R"(^\s*[^.!?]{0,80}(/|\|)\s*(getty images|afp)\s*$)", R"((/|\|)\s*(getty images|afp)\s*$)"},
      {R"((?i)^.{0,120}(©|copyright).{0,120}all rights reserved)", R"((?i)all rights reserved)"},
      {R"((?i)^\s*(reporting|editing) by\s+[^.!?]*\.?\s*$)", R"((?i)^\s*(reporting|editing) by\s+)"},
      {R"(^[\w ]{0,30}[(]\)[^a]+$)", R"([(]\))"},      // a paren in a class, escaped
      {R"((x[)]y).*z)", R"((x[)]y))"},                  // the group's alternative is longest
      {R"(^.*摄+$)", R"(摄+$)"},                         // a quantifier repeats the code point
      {R"(^\x{263A}\S+\.{2,}end)", R"(^\x{263A})"},
      {R"(^.*x{1,b$)", R"(x{1,b$)"},                     // not a repeat: literal braces
      {R"((?i)^a{2}.*?)", R"((?i)^a{2})"},               // a lazy loop
      // Left as they are: no broad loop, a top-level alternation, flags
      // that change halfway, nothing selective to keep.
      {R"(^\s*\d{1,3}\s*$)", R"(^\s*\d{1,3}\s*$)"},
      {R"(a.*b|c.*d)", R"(a.*b|c.*d)"},
      {R"(^.*(?i)foo.*$)", R"(^.*(?i)foo.*$)"},
      {R"(^.*$)", R"(^.*$)"},
      {"", ""},
      {"(?i)", "(?i)"},
      {R"(^[^x]*(a?)?[^y]*$)", R"(^[^x]*(a?)?[^y]*$)"},
  };
  for (const auto& [pattern, core] : cases) EXPECT_EQ(detail::PrefilterCore(pattern), core) << pattern;
}

// A scanner loaded from an image reports what the compiled one reports;
// an image of other patterns (a changed pattern, a moved id), a cut or
// damaged one, is refused rather than used.
TEST(PatternScannerTest, ImageLoadsTheSameScannerOrNone) {
  if (!detail::PatternScanner::Available()) GTEST_SKIP() << "Hyperscan does not run here";
  const std::vector<std::pair<int, std::string>> regexes = {
      {0, R"((?i)^\s*share this\s*$)"}, {3, R"(\pL+ \d)"}, {5, R"(^\d{1,3}$)"}};
  const std::vector<std::pair<int, std::string>> literals = {{1, "sign up"}, {2, "read more"}};
  const detail::PatternScanner compiled(regexes, literals);
  const std::string image = compiled.Image();
  ASSERT_FALSE(image.empty());
  const auto loaded = detail::PatternScanner::FromImage(regexes, literals, image);
  ASSERT_NE(loaded, nullptr);
  EXPECT_TRUE(loaded->from_image());
  EXPECT_FALSE(compiled.from_image());
  for (int id : {0, 3, 5}) EXPECT_EQ(loaded->has_regex(id), compiled.has_regex(id)) << id;
  EXPECT_FALSE(loaded->has_regex(3));  // \pL stays with RE2
  using Hit = std::tuple<int, std::size_t, std::size_t>;
  auto scan = [](const detail::PatternScanner& s, const std::string& line) {
    std::vector<int> ids;
    std::vector<Hit> hits;
    EXPECT_TRUE(s.ScanRegexes(line, &ids));
    EXPECT_TRUE(s.ScanLiterals(line, [&](int id, std::size_t b, std::size_t e) { hits.emplace_back(id, b, e); }));
    std::sort(ids.begin(), ids.end());
    std::sort(hits.begin(), hits.end());
    return std::make_pair(ids, hits);
  };
  int found = 0;
  for (const std::string line : {"Share this", "123", "please sign up to read more", "nothing", ""}) {
    const auto want = scan(compiled, line);
    EXPECT_EQ(scan(*loaded, line), want) << line;
    found += static_cast<int>(want.first.size() + want.second.size());
  }
  EXPECT_GE(found, 4);

  auto other = regexes;
  other[0].second += "x";
  auto moved = literals;
  moved[1].first = 4;
  std::string damaged = image;
  damaged[0] ^= 1;
  EXPECT_EQ(detail::PatternScanner::FromImage(other, literals, image), nullptr);
  EXPECT_EQ(detail::PatternScanner::FromImage(regexes, moved, image), nullptr);
  EXPECT_EQ(detail::PatternScanner::FromImage(regexes, literals, image.substr(0, image.size() - 1)), nullptr);
  EXPECT_EQ(detail::PatternScanner::FromImage(regexes, literals, image + "x"), nullptr);
  EXPECT_EQ(detail::PatternScanner::FromImage(regexes, literals, damaged), nullptr);
  EXPECT_EQ(detail::PatternScanner::FromImage(regexes, literals, ""), nullptr);
}

// winnow's build compiles the built-in rules' databases ahead
// (tools/scanner_image): the image it links in fits what Freeze() hands
// to Hyperscan for the default rules, so no run compiles them.
TEST(PatternScannerTest, PrebuiltImageFitsTheBuiltInRules) {
  if (!detail::PatternScanner::Available()) GTEST_SKIP() << "Hyperscan does not run here";
  RuleSet rules;
  rules.Parse(DefaultRulesText(), "default.rules", PatternAction::kFeature);
  std::vector<std::pair<int, std::string>> regexes, literals;
  rules.AutomatonPatterns(&regexes, &literals);
  EXPECT_GE(regexes.size(), 20u);
  EXPECT_GE(literals.size(), 100u);
  ASSERT_FALSE(detail::PrebuiltScannerImage().empty());
  const auto loaded =
      detail::PatternScanner::FromImage(regexes, literals, detail::PrebuiltScannerImage());
  ASSERT_NE(loaded, nullptr);
  EXPECT_TRUE(loaded->has_literals());
  EXPECT_TRUE(loaded->has_regexes());
  // With one rule disabled the image no longer fits.
  ASSERT_TRUE(rules.Disable("caption"));
  rules.AutomatonPatterns(&regexes, &literals);
  EXPECT_EQ(detail::PatternScanner::FromImage(regexes, literals, detail::PrebuiltScannerImage()),
            nullptr);
}

// With the image, the scanner is loaded after kImageAfter bytes rather
// than the compile's threshold; patterns the image does not fit wait for
// that threshold, and are compiled then.
TEST(PatternScannerTest, TheImageIsLoadedEarlyAndOtherPatternsCompileLate) {
  if (!detail::PatternScanner::Available()) GTEST_SKIP() << "Hyperscan does not run here";
  RuleSet rules;
  rules.Parse(DefaultRulesText(), "default.rules", PatternAction::kFeature);
  std::vector<std::pair<int, std::string>> regexes, literals;
  rules.AutomatonPatterns(&regexes, &literals);
  const std::uint64_t after = 4 * detail::ScannerBuild::kImageAfter;
  const std::size_t step = detail::ScannerBuild::kImageAfter / 4;
  detail::ScannerBuild fits(regexes, literals, after);
  std::uint64_t seen = 0;
  while (fits.Get(step) == nullptr) seen += step;
  EXPECT_EQ(seen, detail::ScannerBuild::kImageAfter - step);  // the call that reached it got it
  EXPECT_TRUE(fits.Get(step)->from_image());
  // Other patterns: no image fits, RE2 until `after`, then a compile.
  detail::ScannerBuild other({{0, "^share this$"}}, {{1, "read more"}}, after);
  seen = 0;
  while (other.Get(step) == nullptr && seen < 2 * after) seen += step;
  EXPECT_EQ(seen, after - step);
  ASSERT_NE(other.Get(step), nullptr);
  EXPECT_FALSE(other.Get(step)->from_image());
}

TEST(RuleSetCloneTest, MatchesWhatTheOriginalMatches) {
  RuleSet rules;
  rules.Parse(DefaultRulesText(), "default.rules");
  rules.Disable("navigation");
  rules.Freeze();
  const std::unique_ptr<RuleSet> copy = rules.Clone();
  EXPECT_EQ(copy->names(), rules.names());
  ASSERT_EQ(copy->patterns().size(), rules.patterns().size());
  for (std::size_t r = 0; r < rules.names().size(); ++r) {
    EXPECT_EQ(copy->enabled(static_cast<int>(r)), rules.enabled(static_cast<int>(r)));
  }
  const std::vector<std::string> lines = {
      "Share this article", "Home", "Read more", "Pictured: a man walks his dog",
      "We use cookies to improve your experience.", "12 comments", "Exit mobile version",
      "The council approved the budget on Tuesday after a long debate.", "", "(Photo: AFP)",
      "Copyright 2024 Example Media. All rights reserved."};
  int matched = 0;
  for (const std::string& line : lines) {
    Normalized norm;
    Normalize(line, &norm);
    const int want = rules.Match(line, norm);
    EXPECT_EQ(copy->Match(line, norm), want) << line;
    matched += want >= 0;
  }
  EXPECT_GE(matched, 6);  // the lines above are mostly boilerplate
  RuleSet unfrozen;
  unfrozen.Parse("a literal alpha\n", "x");
  const std::unique_ptr<RuleSet> unfrozen_copy = unfrozen.Clone();
  unfrozen_copy->Freeze();  // still open for Freeze()
  Normalized norm;
  Normalize("Alpha", &norm);
  EXPECT_EQ(unfrozen_copy->Match("Alpha", norm), 0);
}

// The optional rules files (rules/optional/, installed under
// share/winnow/rules/) are --rules files: each parses, holds patterns, and
// repeats none of the built-in ones. A pattern of the same kind and text as
// a default.rules pattern, or a literal whose line the built-in rules
// already match, would keep one phrase in two places, and a phrase moved
// out of default.rules must really be out of it.
TEST(OptionalRulesTest, EachFileParsesAndRepeatsNoBuiltInPattern) {
  const std::filesystem::path dir =
      std::filesystem::path(WINNOW_SOURCE_DIR) / "rules" / "optional";
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  ASSERT_FALSE(files.empty()) << dir << " holds no rules file";

  RuleSet defaults;
  defaults.Parse(DefaultRulesText(), "default.rules", PatternAction::kFeature);
  defaults.Freeze();
  std::set<std::pair<PatternKind, std::string>> built_in;
  for (const Pattern& p : defaults.patterns()) built_in.emplace(p.kind, p.text);

  for (const std::filesystem::path& file : files) {
    SCOPED_TRACE(file.string());
    // cmake --install installs *.rules only.
    EXPECT_EQ(file.extension(), ".rules") << "not installed: not named *.rules";
    std::ifstream in(file, std::ios::binary);
    ASSERT_TRUE(in) << "cannot read";
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    RuleSet rules;
    try {
      rules.Parse(text, file.filename().string());
      rules.Freeze();
    } catch (const Error& e) {
      ADD_FAILURE() << e.what();
      continue;
    }
    EXPECT_FALSE(rules.patterns().empty()) << "no patterns";
    for (const Pattern& p : rules.patterns()) {
      EXPECT_EQ(built_in.count({p.kind, p.text}), 0u)
          << p.source << ": '" << p.text << "' is also in default.rules";
      if (p.kind != PatternKind::kLiteral) continue;
      Normalized norm;
      Normalize(p.text, &norm);
      const int hit = defaults.Match(p.text, norm);
      EXPECT_LT(hit, 0) << p.source << ": '" << p.text << "' is already matched by default.rules ("
                        << (hit >= 0 ? defaults.patterns()[hit].source : "") << ")";
    }
  }
}

}  // namespace
}  // namespace winnow
