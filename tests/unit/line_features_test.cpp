#include "winnow/line_features.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "winnow/detail/line_chars.hpp"
#include "winnow/document.hpp"
#include "winnow/hashing.hpp"
#include "winnow/normalize.hpp"
#include "winnow/rules.hpp"
#include "winnow/shingle.hpp"

namespace winnow {
namespace {

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
    // Marks of more scripts (the unspaced scripts' and fullwidth forms).
    {"\xe6\x97\xa5\xe6\x9c\xac\xef\xbc\x8e", true},        // fullwidth full stop
    {"\xe1\x9e\x80\xe1\x9f\x94", true},                     // Khmer khan
    {"\xe1\x9e\x80\xe1\x9f\x95", true},                     // Khmer bariyoosan
    {"\xe0\xbd\x80\xe0\xbc\x8d", true},                     // Tibetan shad
    {"\xe1\x80\x80\xe1\x81\x8b", true},                     // Myanmar section
    {"\xe0\xb8\x81\xe0\xb9\x9a", true},                     // Thai angkhankhu
    {"\xd5\xa1\xd6\x89", true},                               // Armenian full stop
    // Invisible format characters and any space after the mark.
    {"Sentence.\xe2\x80\x8f", true},  // RIGHT-TO-LEFT MARK
    {"Sentence.\xe2\x80\x8e", true},  // LEFT-TO-RIGHT MARK
    {"Sentence.\xe2\x80\x8b", true},  // ZERO WIDTH SPACE
    {"Sentence.\xe2\x81\xa0", true},  // WORD JOINER
    {"Sentence.\xef\xbb\xbf", true},  // BOM
    {"Sentence.\xe3\x80\x80", true},  // IDEOGRAPHIC SPACE
    {"Sentence.\xe2\x80\xaf", true},  // NARROW NO-BREAK SPACE
    {"Sentence\xe2\x80\x8f", false},
    // HTML character references spelling a mark, a quote or a space.
    {"Sentence.&nbsp;", true},
    {"Sentence.&#8221;", true},
    {"Sentence.&#x201D;", true},
    {"Sentence.&rdquo;", true},
    {"Sentence.&quot;", true},
    {"Sentence&#46;", true},
    {"Sentence.&nbsp;&nbsp;", true},
    {"Sentence.&ZeroWidthSpace;", true},
    {"Sentence.&zwnj;", true},
    {"Sentence.&NoBreak;", true},
    {"Sentence.&hairsp;", true},
    {"Sentence.&MediumSpace;", true},
    {"Sentence.&NBSP;", true},
    {"Sentence.&amp;nbsp;", true},  // escaped twice
    {"Sentence.&amp;rdquo;", true},
    {"Sentence.&nbsp", true},   // no ';' at the end of the line
    {"Sentence.&#8221", true},
    {"Sentence.\xef\xb8\x8f", true},          // VARIATION SELECTOR-16
    {"Sentence.&#65039;", true},
    {"Sentence.\xf3\xa0\x80\x81", true},      // LANGUAGE TAG
    {"Sentence&nbsp", false},
    {"Sentence.&nbsp word", false},
    {"Tom &amp Jerry", false},
    {"Call AT&T", false},
    {"x&amp;y;", false},
    {"Sentence&nbsp;", false},
    {"Sentence &amp;", false},
    {"Sentence&unknown;", false},
    {"Sentence.&#99999999;", false},
    {"Sentence.&#;", false},
    {";", false},
    {"&;", false},
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
    // Unspaced scripts: four characters a word, per run.
    {"\xe0\xb8\x81\xe0\xb8\x82\xe0\xb8\x84\xe0\xb8\x87", 1},       // 4 Thai
    {"\xe0\xb8\x81\xe0\xb8\x82\xe0\xb8\x84\xe0\xb8\x87\xe0\xb8\x81", 2},  // 5 Thai
    {"\xe1\x9e\x80\xe1\x9e\x81\xe1\x9e\x82\xe1\x9e\x83\xe1\x9e\x80\xe1\x9e\x81"
     "\xe1\x9e\x82\xe1\x9e\x83\xe1\x9e\x80 abc", 4},                 // 9 Khmer + a word
};

TEST(CountWordsTest, Table) {
  for (const CountCase& c : kCountCases) {
    Normalized norm;
    Normalize(c.text, &norm);
    EXPECT_EQ(CountWords(c.text, norm), c.words) << std::string(c.text);
  }
}


struct StampCase {
  std::string_view text;
  bool stamp;
};

const StampCase kStampCases[] = {
    // Clock times.
    {"Phil White responded to Sian on November 13th, 2012 at 4:20 am Link To Comment", true},
    {"by Tutu-late on Aug 9, 2012 8:02 AM PDT up reply actions", true},
    {"Posted 18:05", true},
    {"12:30:15 | anna", true},
    {"Kommentar von Jan am 3. Mai um 09:41", true},
    {"The meeting ended at 24:10 the next day", false},  // no hour 24
    {"Version 1:234 of the file", false},                // three digits of minutes
    {"Score 123:45 after extra time", false},            // three digits of hours
    {"Build 1:2:3:4 is out", false},
    {"Ratio 3:7", false},
    // Relative times, in several languages.
    {"Anna K. 3 hours ago", true},
    {"Reply - 12 days ago", true},
    {"vor 2 Tagen", true},
    {"hace 5 días · Responder", true},
    {"il y a 3 jours", true},
    {"há 4 horas", true},
    {"2 giorni fa", true},
    {"3 dagen geleden", true},
    {"5 dni temu", true},
    {"2 дня назад", true},
    {"3 gün önce", true},
    {"\xe7\x94\xa8\xe6\x88\xb7 3\xe5\xa4\xa9\xe5\x89\x8d", true},  // 用户 3天前
    {"3 years of growth", false},
    {"It took three hours ago to start", false},  // no number
    // A verb of saying at the end.
    {"Maria says:", true},
    {"Bob wrote", true},
    {"Progress Trap said,", true},
    {"Jan schrieb:", true},
    {"Marie a \xc3\xa9" "crit :", true},
    {"That is what the report says about the harbour and the ships that left it.", false},
    {"The barriers will be repaired by Friday, the council said.", false},
    {"\"We were lucky,\" she said", true},  // no closing mark: a header's shape
    // Long lines are prose, whatever they hold.
    {"At 4:20 am on Tuesday the river rose over the banks and the council moved the residents of "
     "the lower town to the school hall before the bridge closed and the power failed.",
     false},
    {"", false},
};

TEST(IsPostStampTest, Table) {
  for (const StampCase& c : kStampCases) {
    Normalized norm;
    Normalize(c.text, &norm);
    EXPECT_EQ(IsPostStamp(c.text, norm), c.stamp) << std::string(c.text);
  }
}

struct CommentsHeadingCase {
  std::string_view text;
  bool heading;
};

const CommentsHeadingCase kCommentsHeadingCases[] = {
    {"Comments", true},
    {"COMMENTS", true},
    {"3 Comments", true},
    {"Comments (12)", true},
    {"Comments: 4", true},
    {"1 Comment", true},
    {"Leave a Reply", true},
    {"Leave a Reply Cancel reply", true},
    {"Reader comments", true},
    {"12 Responses", true},
    {"12 Responses to \xe2\x80\x9c" "Flood warnings for the valley\xe2\x80\x9d", true},
    {"One thought on \xe2\x80\x9c" "Flood warnings\xe2\x80\x9d", true},
    {"5 thoughts on \"How we rebuilt the bridge\"", true},
    {"{87 comments\xe2\x80\xa6 read them below or add one}", true},
    {"42 Comments so far", true},
    {"3 Responses \xc2\xbb", true},
    // Other languages.
    {"Kommentare (5)", true},
    {"Commentaires", true},
    {"Laisser un commentaire", true},
    {"Comentarios", true},
    {"Deixe uma resposta", true},
    {"Commenti", true},
    {"Reacties", true},
    {"Komentarze", true},
    {"\xd0\x9a\xd0\xbe\xd0\xbc\xd0\xbc\xd0\xb5\xd0\xbd\xd1\x82\xd0\xb0\xd1\x80\xd0\xb8\xd0\xb8", true},  // Комментарии
    {"Yorumlar", true},
    {"\xe3\x82\xb3\xe3\x83\xa1\xe3\x83\xb3\xe3\x83\x88", true},  // コメント
    {"\xeb\x8c\x93\xea\xb8\x80 3", true},                              // 댓글 3
    {"\xe8\xaf\x84\xe8\xae\xba", true},                                // 评论
    // Buttons, rubrics and sentences are not.
    {"Comment", false},
    {"Kommentar", false},  // an opinion piece's rubric
    {"Reply", false},
    {"60 replies", false},  // a forum thread's replies are its content
    {"20 replies to this topic", false},
    {"3 Antworten", false},
    {"Responses", false},
    {"Reactions", false},
    {"Add a comment", false},  // under every post of a Q&A page
    {"Discussion", false},
    {"Comments are closed.", false},
    {"12 Responses to", false},
    {"Comments (0)", false},  // heads no comments
    {"0 Comments", false},
    {"The comments section was full of praise for the new bridge.", false},
    {"3 comments on the budget were received by the council before the vote on Friday.", false},
    {"3 comments were received.", false},
    {"16. Thought", false},                 // a brand, item 16 of a list
    {"3. Comments and questions", false},   // a numbered section
    {"7 Thoughts Before You Buy", false},
    {"4 comments from readers who lived through the flood of the valley in the spring of 1952", false},
    {"Share this", false},
    {"", false},
};

TEST(IsCommentsHeadingTest, Table) {
  for (const CommentsHeadingCase& c : kCommentsHeadingCases) {
    Normalized norm;
    Normalize(c.text, &norm);
    EXPECT_EQ(IsCommentsHeading(c.text, norm), c.heading) << std::string(c.text);
  }
}

// Builds a document's features with the given rules (feature action).
class FeaturesOf {
 public:
  explicit FeaturesOf(std::string text, std::string_view rules_text = "")
      : text_(std::move(text)) {
    rules_.Parse(rules_text, "test.rules", PatternAction::kFeature);
    rules_.Freeze();
    features_ = std::make_unique<LineFeatures>(&rules_);
    Run();
  }
  void Run() {
    SplitDocument(text_, &doc_);
    features_->Reset(doc_.lines.size());
    Normalized norm;
    std::vector<std::uint64_t> hashes;
    for (const Line& line : doc_.lines) {
      if (line.blank) {
        features_->AddLine(line, nullptr, -1, {});
        continue;
      }
      Normalize(line.text, &norm);
      hashes.clear();
      HashWords(norm, kWordSeed, &hashes);
      features_->AddLine(line, &norm, rules_.MatchAll(line.text, norm).feature, hashes);
    }
    features_->Finish(doc_);
  }
  float at(std::size_t line, int f) const { return features_->row(line)[f]; }
  // Computes the features again with these word priors.
  void set_word_priors(const WordPriors* priors) {
    features_->set_word_priors(priors);
    Run();
  }
  // Computes the features of another text with the same object.
  void Rerun(std::string text) {
    text_ = std::move(text);
    Run();
  }
  const LineFeatures& features() const { return *features_; }
  const Document& doc() const { return doc_; }

 private:
  std::string text_;
  RuleSet rules_;
  std::unique_ptr<LineFeatures> features_;
  Document doc_;
};

constexpr std::string_view kNav = "Home\nNews\nSport\nWeather\n";
constexpr std::string_view kArticle =
    "The river rose three metres overnight in the town centre, the council said.\n"
    "Residents were moved to the school hall before midnight as water reached the square.\n"
    "Officials said the flood barriers would be repaired by Friday at the latest.\n";
constexpr std::string_view kRelated = "Related articles\nStorm closes bridge\nSchool reopens\n";

TEST(LineFeaturesTest, FeatureNamesMatchTheColumns) {
  EXPECT_EQ(FeatureNames().size(), static_cast<std::size_t>(kFeatureCount));
  EXPECT_EQ(FeatureNames()[kFWords], "words");
  EXPECT_EQ(FeatureNames()[kFRuleFirst], "rule:share");
  EXPECT_EQ(FeatureNames()[kFWin10Rule], "win10_rule");
}

TEST(LineFeaturesTest, MainTextSpansTheProseAndBoundaryHeadingsCloseIt) {
  FeaturesOf f(std::string(kNav) + std::string(kArticle) + std::string(kRelated),
               "read-more literal+list related articles\n");
  // Lines 0-3 navigation, 4-6 the article, 7 the heading, 8-9 the list.
  EXPECT_EQ(f.features().span_first(), 4u);
  EXPECT_EQ(f.features().span_last(), 6u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_GT(f.at(i, kFBeforeSpan), 0) << i;
    EXPECT_EQ(f.at(i, kFInSpan), 0) << i;
  }
  for (std::size_t i = 4; i < 7; ++i) EXPECT_EQ(f.at(i, kFInSpan), 1) << i;
  EXPECT_EQ(f.at(7, kFListHeading), 1);
  EXPECT_EQ(f.at(7, kFRuleFirst + 3), 1);  // rule:read-more
  for (std::size_t i = 7; i < 10; ++i) {
    EXPECT_GT(f.at(i, kFAfterSpan), 0) << i;
    EXPECT_EQ(f.at(i, kFBoundaryAfter), 1) << i;
  }
  EXPECT_FLOAT_EQ(f.at(9, kFProseBefore), 1.0f);
  EXPECT_FLOAT_EQ(f.at(0, kFProseBefore), 0.0f);
  EXPECT_FLOAT_EQ(f.at(5, kFSpanShare), 1.0f);
}

TEST(LineFeaturesTest, OwnFeaturesOfALine) {
  FeaturesOf f(
      "Breed: Labrador\n"
      "- first item of a list\n"
      "12. numbered item\n"
      "Contact us at desk@example.com or https://example.com/a/b/c/d/e today.\n"
      "    if (x > 0) { return y; }\n"
      "HOME | NEWS | SPORT\n"
      "Teaser headline...\n"
      "Ingredients:\n");
  EXPECT_EQ(f.at(0, kFKeyValue), 1);
  EXPECT_EQ(f.at(1, kFBullet), 1);
  EXPECT_EQ(f.at(2, kFBullet), 1);
  EXPECT_EQ(f.at(3, kFEmail), 1);
  EXPECT_EQ(f.at(3, kFUrls), 1);
  EXPECT_EQ(f.at(3, kFClosed), 1);
  // The URL counts as one word: "Contact us at desk example com or URL today".
  EXPECT_LT(f.features().words(3), 12);
  EXPECT_GT(f.at(4, kFCode), 5);
  EXPECT_EQ(f.at(4, kFIndent), 4);
  EXPECT_EQ(f.at(5, kFSeparators), 2);
  EXPECT_FLOAT_EQ(f.at(5, kFUpperShare), 1.0f);
  EXPECT_EQ(f.at(6, kFEllipsis), 1);
  EXPECT_EQ(f.at(6, kFClosed), 0);
  EXPECT_EQ(f.at(7, kFColon), 1);
}

TEST(LineFeaturesTest, RepetitionAndNeighbours) {
  FeaturesOf f(std::string(kArticle) + "Share this\n" + std::string(kArticle.substr(0, 76)) +
               "\n");
  EXPECT_GT(f.at(0, kFRepeat), 0);  // line 0 comes again as line 4
  EXPECT_EQ(f.at(1, kFRepeat), 0);
  EXPECT_EQ(f.at(3, kFPrevClosed), 1);
  EXPECT_FLOAT_EQ(f.at(3, kFPrevWords), f.at(2, kFWords));
  EXPECT_FLOAT_EQ(f.at(3, kFNextWords), f.at(4, kFWords));
}

// An article, then its comments under time-stamped headers: the comments
// are past the main text's stamps; a forum thread has its stamps from the
// first post on.
TEST(LineFeaturesTest, PostColumnsCountTheTimeStamps) {
  const std::string comments =
      "Anna wrote on May 3, 2024 at 9:41 am\n"
      "I think the council should have moved the barriers much earlier this year.\n"
      "Bob wrote on May 3, 2024 at 10:02 am\n"
      "We were lucky that the water stopped just short of our street, to be honest.\n";
  FeaturesOf article(std::string(kArticle) + comments);
  // Lines 0-2 the article, 3 and 5 stamps, 4 and 6 comments.
  EXPECT_EQ(article.at(3, kFStamp), 1);
  EXPECT_EQ(article.at(4, kFStamp), 0);
  EXPECT_EQ(article.at(0, kFStampsAbove), 0);
  EXPECT_FLOAT_EQ(article.at(6, kFStampsAbove), std::log1p(2.0f));
  EXPECT_FLOAT_EQ(article.at(0, kFWin10Stamps), std::log1p(2.0f));
  // All of the article's prose comes before the first stamp.
  const float before = article.at(0, kFProseBeforeStamps);
  EXPECT_GT(before, 0.4f);
  EXPECT_LT(before, 1.0f);
  EXPECT_FLOAT_EQ(article.at(6, kFProseBeforeStamps), before);
  FeaturesOf thread(comments);
  EXPECT_FLOAT_EQ(thread.at(1, kFProseBeforeStamps), 0.0f);
  EXPECT_EQ(thread.at(1, kFStampsAfterSpan), 0);
  EXPECT_GT(thread.at(1, kFStampsInSpan), 0);  // the second header is among the posts

  // Past a boundary heading the main text has ended: the stamps between it
  // and a comment are counted.
  const std::string short_comments =
      "Anna wrote on May 3, 2024 at 9:41 am\n"
      "Great work!\n"
      "Bob wrote on May 3, 2024 at 10:02 am\n"
      "Agreed!\n";
  FeaturesOf headed(std::string(kArticle) + "Comments\n" + short_comments,
                    "read-more literal+list comments\n");
  ASSERT_EQ(headed.features().span_last(), 2u);
  EXPECT_EQ(headed.at(2, kFStampsAfterSpan), 0);
  EXPECT_EQ(headed.at(2, kFStampsInSpan), 0);
  EXPECT_EQ(headed.at(4, kFStampsAfterSpan), 0);  // the first stamp: none before it
  EXPECT_FLOAT_EQ(headed.at(5, kFStampsAfterSpan), std::log1p(1.0f));
  EXPECT_FLOAT_EQ(headed.at(7, kFStampsAfterSpan), std::log1p(2.0f));

  FeaturesOf plain{std::string(kArticle)};
  EXPECT_FLOAT_EQ(plain.at(1, kFProseBeforeStamps), 1.0f);
  EXPECT_EQ(plain.at(1, kFWin10Stamps), 0);
}

// The vocabulary columns: the mean and lowest prior of a line's words that
// have one, and the mean over the rows within 2; 0 without priors.
TEST(LineFeaturesTest, VocabularyColumnsAverageTheWordPriors) {
  const std::string text = "Sitemap and login\nplain words only\n\nthereby concluded\n";
  FeaturesOf without(text);
  EXPECT_EQ(without.at(0, kFLexMean), 0);
  EXPECT_EQ(without.at(0, kFLexWin2), 0);
  auto hash = [](std::string_view word) {
    Normalized norm;
    Normalize(word, &norm);
    return HashWord(norm.word(0), kWordSeed);
  };
  WordPriors priors;
  priors.Add(hash("sitemap"), -4.0f);
  priors.Add(hash("login"), -2.0f);
  priors.Add(hash("thereby"), 3.0f);
  FeaturesOf f(text);
  f.set_word_priors(&priors);
  EXPECT_FLOAT_EQ(f.at(0, kFLexMean), -3.0f);  // "and" has no prior
  EXPECT_FLOAT_EQ(f.at(0, kFLexMin), -4.0f);
  EXPECT_EQ(f.at(1, kFLexMean), 0);           // no word with a prior
  EXPECT_FLOAT_EQ(f.at(3, kFLexMean), 3.0f);
  EXPECT_FLOAT_EQ(f.at(3, kFLexMin), 3.0f);
  // Rows within 2 (the blank line is no row): all three known words.
  EXPECT_FLOAT_EQ(f.at(0, kFLexWin2), -1.0f);
  EXPECT_FLOAT_EQ(f.at(3, kFLexWin2), -1.0f);
  EXPECT_EQ(f.at(2, kFLexMean), 0);           // the blank line
}

// The priors table grows as words are added: every word stays found with
// its own value, the zero hash included, and an absent word is not.
TEST(LineFeaturesTest, WordPriorsKeepEveryWordAsTheTableGrows) {
  WordPriors priors;
  for (std::uint64_t k = 0; k < 5000; ++k) priors.Add(k * 0x9E3779B97F4A7C15ull, static_cast<float>(k));
  priors.Add(7 * 0x9E3779B97F4A7C15ull, -1.0f);  // again: the value is replaced
  EXPECT_EQ(priors.size(), 5000u);
  float prior = 0;
  for (std::uint64_t k = 0; k < 5000; ++k) {
    ASSERT_TRUE(priors.Find(k * 0x9E3779B97F4A7C15ull, &prior)) << k;
    EXPECT_EQ(prior, k == 7 ? -1.0f : static_cast<float>(k));
  }
  EXPECT_FALSE(priors.Find(12345, &prior));
}

// A one- or two-word line equal to a literal is a match only among other
// rule lines: "Settings" under a cookie notice's buttons, not as a
// review's section heading.
TEST(LineFeaturesTest, ALoneLiteralIsAHeadingNotAMatch) {
  const std::string rules =
      "cookie-banner literal settings\ncookie-banner literal accept all\n"
      "cookie-banner contains cookie preferences\nread-more literal+list related\n";
  struct Case {
    std::string text;
    std::size_t line;
    bool match;
  };
  const std::string body = std::string(kArticle);
  for (const Case& c : std::vector<Case>{
           {body + "\nSettings\n" + body, 4, false},          // a heading
           {body + "Settings\nAccept all\n", 3, true},         // beside a button
           {"Cookie preferences\n\nSettings\n\n" + body, 2, true},  // the next non-blank line
           {"Cookie preferences\nA\nB\nSettings\n\n" + body, 3, false},  // three away
           {body + "\nRelated\n" + body, 4, true},            // a +list heading always counts
       }) {
    SCOPED_TRACE(c.text);
    FeaturesOf f(c.text, rules);
    EXPECT_EQ(f.at(c.line, kFRuleAny), c.match ? 1.0f : 0.0f);
    EXPECT_EQ(f.features().rule(c.line), c.match);
  }
}

TEST(LineFeaturesTest, HardWrappedParagraphSharesItsFeatures) {
  const std::string wrapped =
      "winnow reads scraped text from files or standard input and removes the\n"
      "lines that are boilerplate, such as menus, share buttons and cookie\n"
      "banners, before it removes near-duplicate paragraphs. It is not\n"
      "necessary.\n"
      "\n"
      "Short item one\n"
      "Short item two\n"
      "Short item three\n";
  FeaturesOf f(wrapped, "cookie-banner literal necessary\n");
  for (std::size_t i = 0; i < 4; ++i) {
    SCOPED_TRACE(i);
    EXPECT_TRUE(f.features().wrapped(i));
    EXPECT_EQ(f.at(i, kFWrapped), 1);
    EXPECT_EQ(f.at(i, kFClosed), 1);              // the paragraph's last line closes it
    EXPECT_FLOAT_EQ(f.at(i, kFWords), f.at(0, kFWords));
    EXPECT_EQ(f.at(i, kFRuleAny), 0);             // "necessary." is a wrap tail
    EXPECT_TRUE(f.features().body(i));
  }
  for (std::size_t i = 5; i < 8; ++i) EXPECT_FALSE(f.features().wrapped(i)) << i;
}

// In a document without blank lines (WET text) a wrapped paragraph is a
// run of lines of nearly one width with its short last line, most of them
// going on with a sentence (a lower-case first letter); a run of headlines
// of that width is not one, nor is a run in a script without case.
TEST(LineFeaturesTest, WrappedRunsWithoutBlankLines) {
  const std::string german =
      "Der Wirt dachte am Sonntag nach der Kirche lange über die Briefe nach,\n"
      "die seine Mutter ihm geschrieben hatte, als er noch in der Stadt\n"
      "wohnte und jeden Morgen mit dem ersten Zug zur Arbeit fahren musste\n"
      "und erst am Abend zurückkam.\n"
      "Storm closes the bridge on the A1 as rivers rise again in the north\n"
      "Council approves the new budget for libraries and the evening buses\n"
      "Residents moved to the school hall before midnight on the second day\n"
      "The river rose three metres overnight in the town centre and the old\n"
      "barriers failed.\n";
  FeaturesOf f(german, "");
  struct Case {
    std::size_t line;
    bool wrapped;
  };
  const Case cases[] = {{0, true},  {1, true},  {2, true},  {3, true},  {4, false},
                        {5, false}, {6, false}, {7, false}, {8, false}};
  for (const Case& c : cases) EXPECT_EQ(f.features().wrapped(c.line), c.wrapped) << c.line;
  ASSERT_EQ(f.features().wrapped_spans().size(), 1u);
  EXPECT_EQ(f.features().wrapped_spans()[0], (std::pair<std::uint32_t, std::uint32_t>{0, 4}));
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(f.at(i, kFClosed), 1) << i;  // the run's tail closes it
    EXPECT_TRUE(f.features().body(i)) << i;
  }
  // A single wrapped line after the headlines ("the old" / "barriers
  // failed.") is a run of one line and its tail: half of one line goes on.
  FeaturesOf two("The river rose three metres overnight in the town centre and the old\n"
                 "barriers failed.\n",
                 "");
  EXPECT_TRUE(two.features().wrapped(0));
  EXPECT_TRUE(two.features().wrapped(1));
  // The next document starts with none, an empty one or one of blank lines too.
  for (const char* next : {"", "\n\n", "Home\n"}) {
    two.Rerun(next);
    EXPECT_TRUE(two.features().wrapped_spans().empty()) << testing::PrintToString(next);
  }
}

TEST(LineFeaturesTest, BlankRowsAreZeroAndDocumentsDoNotLeakIntoEachOther) {
  FeaturesOf a("Share this\n\n" + std::string(kArticle));
  for (float v : a.features().row(1)) EXPECT_EQ(v, 0.0f);
  std::vector<float> first(a.features().row(2).begin(), a.features().row(2).end());
  FeaturesOf b("Share this\n\n" + std::string(kArticle));
  a.Run();  // the same document again, after scratch state was used
  std::vector<float> again(a.features().row(2).begin(), a.features().row(2).end());
  EXPECT_EQ(first, again);
}

TEST(LineFeaturesTest, LinearInTheNumberOfLines) {
  // 100,000 list headings in one block: every line is visited a fixed
  // number of times, so this returns at once (a rescan per heading would
  // take minutes). No timing here: a hang fails the test by its timeout.
  std::string text;
  for (int i = 0; i < 100000; ++i) text += "Related articles\n";
  FeaturesOf f(text, "read-more literal+list related articles\n");
  EXPECT_EQ(f.at(99999, kFListHeading), 1);
  EXPECT_GT(f.at(50000, kFRepeat), 10);
}

}  // namespace
}  // namespace winnow

namespace winnow {
namespace {

// The pass over a line's bytes (sixteen ASCII bytes at a time) counts what
// the reference pass a code point at a time counts, on lines of every
// length made of the classes it tells apart, blocks cut anywhere.
TEST(LineCharsTest, FastPassEqualsTheReferenceOnRandomLines) {
  const std::string_view pieces[] = {
      " ", "\t", "\v", "\f", "\r", "\n", std::string_view("\0", 1), "a", "z", "A", "Z", "m",
      "0", "9", "1999", "2024", "12345", "{", "}", ";", "=", "<", ">", "(", ")", "[", "]",
      "|", "@", ".", ":", "-", "*", "\x1b", "\x7f", "`", "~", "_", "/",
      "\xc2\xa0",           // no-break space
      "\xe2\x80\x8b",       // zero-width space
      "\xe3\x80\x80",       // ideographic space
      "\xe2\x80\xa2",       // •
      "\xc2\xb7", "\xc2\xbb", "\xe2\x80\xba",
      "\xc3\x89", "\xc3\xa9", "\xc4\x80", "\xc4\x81", "\xd0\x96", "\xce\xa9",
      "\xe4\xb8\xad",       // 中
      "\xe0\xb8\x81",       // Thai
      "\xe1\x9e\x80",       // Khmer
      "\xf0\x9f\x98\x80",   // emoji
      "\xff", "\x80", "\xc3", "\xe4\xb8", "\xed\xa0\x80",  // invalid
      "hello", "World", "www.", "://", "user@example.com"};
  std::uint64_t state = 0x9E3779B97F4A7C15ULL;
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  for (int trial = 0; trial < 20000; ++trial) {
    std::string line;
    const std::size_t parts = next() % 60;
    // Some lines from a few classes only (long ASCII runs), some from all.
    const std::size_t kinds = trial % 3 == 0 ? 6 : std::size(pieces);
    const std::size_t offset = next() % (std::size(pieces) - kinds + 1);
    for (std::size_t k = 0; k < parts; ++k) line += pieces[offset + next() % kinds];
    const detail::LineChars fast = detail::CountLineChars(line);
    const detail::LineChars slow = detail::CountLineCharsScalar(line);
    ASSERT_TRUE(fast == slow) << "line of " << line.size() << " bytes, trial " << trial
                              << ": chars " << fast.chars << "/" << slow.chars << " words "
                              << fast.words << "/" << slow.words << " year " << fast.year
                              << "/" << slow.year;
  }
}

}  // namespace
}  // namespace winnow

namespace winnow {
namespace {

// Runs of digits, spaces and letters at every offset around the 16- and
// 64-byte blocks of the fast pass, up to whole blocks of one class: a run
// of exactly four digits is a year wherever it falls.
TEST(LineCharsTest, RunsAcrossBlocksEqualTheReference) {
  const char* const fills[] = {"7", " ", "a", "Q", "|", "\t"};
  for (const char* fill : fills) {
    for (std::size_t before = 0; before < 140; ++before) {
      for (const std::size_t run : {1u, 3u, 4u, 5u, 64u, 65u, 130u}) {
        std::string line(before, *fill);
        line += std::string(run, '9');
        line += (before % 3 == 0) ? "\xc3\xa9" : " x";
        const detail::LineChars fast = detail::CountLineChars(line);
        const detail::LineChars slow = detail::CountLineCharsScalar(line);
        ASSERT_TRUE(fast == slow) << "fill '" << fill << "' x " << before << ", then " << run
                                  << " digits: year " << fast.year << "/" << slow.year
                                  << " words " << fast.words << "/" << slow.words;
      }
    }
  }
}

}  // namespace
}  // namespace winnow
