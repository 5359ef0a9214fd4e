#include "winnow/line_filter.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "winnow/document.hpp"
#include "winnow/error.hpp"
#include "winnow/hashing.hpp"
#include "winnow/line_model.hpp"
#include "winnow/normalize.hpp"
#include "winnow/rules.hpp"
#include "winnow/shingle.hpp"
#include "test_model.hpp"

namespace winnow {
namespace {

constexpr std::string_view kBody1 = "The river rose three metres overnight in the town centre.";
constexpr std::string_view kBody2 = "Residents were moved to the school hall before midnight.";
constexpr std::string_view kBody3 = "Officials said the barriers would be repaired by Friday.";

struct Judged {
  std::vector<std::string> rule;  // per line: "" kept, else the rule name
  std::vector<std::string> notes;
  std::vector<float> scores;
};

Judged JudgeWith(std::string_view text, std::string_view user_rules,
                 LineFilterConfig config = {}, const LineModel* model = nullptr) {
  RuleSet rules;
  rules.Parse("share literal share this\nrelated literal+list related articles\n", "features",
              PatternAction::kFeature);
  rules.Parse(user_rules, "user.rules");
  rules.Freeze();
  config.explain = true;
  LineFilter filter(&rules, config, model ? model : &ClosedOnlyModel());
  Document doc;
  SplitDocument(text, &doc);
  std::vector<int> verdicts = {7, 7, 7};  // stale contents are replaced
  Judged out;
  filter.Judge(doc, &verdicts, nullptr, &out.notes);
  EXPECT_EQ(verdicts.size(), doc.lines.size());
  for (std::size_t i = 0; i < verdicts.size(); ++i) {
    out.rule.emplace_back(verdicts[i] < 0 ? "" : filter.RuleName(verdicts[i]));
    if (doc.lines[i].blank) EXPECT_EQ(verdicts[i], -1);
  }
  out.scores = filter.scores();
  return out;
}

using Rules = std::vector<std::string>;

TEST(LineFilterTest, TheModelDropsLinesBelowTheThreshold) {
  const std::string text = "Home\n" + std::string(kBody1) + "\nMenu\n" + std::string(kBody2) + "\n";
  LineFilterConfig no_title;
  no_title.keep_title = false;
  Judged j = JudgeWith(text, "", no_title);
  EXPECT_EQ(j.rule, (Rules{"line-model", "", "line-model", ""}));
  EXPECT_NEAR(j.scores[0], 0.119, 0.001);
  EXPECT_NEAR(j.scores[1], 0.881, 0.001);
  // Its note names the score and the feature that decided.
  EXPECT_EQ(j.notes[0], "score 0.12: no closing mark, 1 word");
  EXPECT_EQ(j.notes[1], "");
  // The threshold moves the decision; body lines inside the main text need
  // half of it.
  LineFilterConfig strict = no_title;
  strict.threshold = 0.9;
  EXPECT_EQ(JudgeWith(text, "", strict).rule, (Rules{"line-model", "", "line-model", ""}));
  const std::string outside = "Home\nMenu\nAbout\n" + std::string(kBody1) + "\nHome\nMenu\nAbout\n" +
                              "Contact\nSitemap\n" + std::string(kBody2) + "\n" + std::string(kBody3) + "\n";
  Judged o = JudgeWith(outside, "", strict);
  EXPECT_EQ(o.rule[3], "line-model");  // a body line outside the main text: the full threshold
  EXPECT_EQ(o.rule[9], "");
  EXPECT_EQ(o.rule[10], "");
}

// The sequence pass: a line near its threshold follows its neighbours, a
// line far from it keeps its own decision, and rules' decisions are fixed.
TEST(LineFilterTest, TheSequencePassSmoothsDecisionsOverNeighbours) {
  // The closed-only model scores 0.88 and 0.12: margins of +-2 in log-odds
  // at threshold 0.5. A short line inside a paragraph of sentences costs
  // two state changes to drop; a lone sentence among menu words two to keep.
  const std::string inside = std::string(kBody1) + "\nThe trial continues\n" + std::string(kBody2) + "\n";
  // The teaser stands outside the main text (kBody2 and kBody3, after a
  // menu longer than the teaser).
  const std::string teaser = "Home\nMenu\n" + std::string(kBody1) +
                             "\nAbout\nContact\nNews\nSport\nWeather\nLogin\n\n" +
                             std::string(kBody2) + "\n" + std::string(kBody3) + "\n";
  LineFilterConfig config;
  config.keep_title = false;
  for (double smoothing : {0.0, 0.9}) {
    SCOPED_TRACE(smoothing);
    config.smoothing = smoothing;
    EXPECT_EQ(JudgeWith(inside, "", config).rule, (Rules{"", "line-model", ""}));
  }
  config.smoothing = 1.1;
  EXPECT_EQ(JudgeWith(inside, "", config).rule, (Rules{"", "", ""}));
  config.smoothing = 0.0;
  const Rules menu(9, "line-model");
  Rules kept_teaser = menu;
  kept_teaser[2] = "";
  kept_teaser.insert(kept_teaser.end(), {"", "", ""});
  EXPECT_EQ(JudgeWith(teaser, "", config).rule, kept_teaser);
  config.smoothing = 2.1;
  Judged t = JudgeWith(teaser, "", config);
  Rules dropped_teaser = menu;
  dropped_teaser.insert(dropped_teaser.end(), {"", "", ""});
  EXPECT_EQ(t.rule, dropped_teaser);
  EXPECT_EQ(t.notes[2].substr(0, 39), "score 0.88, dropped with its neighbours");
  // Across a blank line a change costs half: the paragraph keeps its own.
  const std::string apart = std::string(kBody1) + "\n\nThe trial continues\n\n" + std::string(kBody2) + "\n";
  config.smoothing = 1.9;
  EXPECT_EQ(JudgeWith(apart, "", config).rule, (Rules{"", "", "line-model", "", ""}));
  config.smoothing = 2.1;
  EXPECT_EQ(JudgeWith(apart, "", config).rule, (Rules{"", "", "", "", ""}));
  // A rule's drop stands, and does not pull its neighbours.
  config.smoothing = 50;
  EXPECT_EQ(JudgeWith(std::string(kBody1) + "\nAdvert\n" + std::string(kBody2) + "\n",
                      "ads literal advert\n", config).rule,
            (Rules{"", "ads", ""}));
}

// A model that also keeps the unclosed line right above prose (a
// heading, or the last item of a menu): 0.88, else 0.12 as ClosedOnlyModel.
const LineModel& HeadingModel() {
  static const LineModel model = [] {
    std::string m = "winnow-line-model 2\nfeatures " + std::to_string(kFeatureCount) + "\n";
    for (const std::string& name : FeatureNames()) m += "f " + name + "\n";
    m += "threshold 0.5\nsmoothing 0\nbaseline 0\ntrees 1\ntree 5\n";
    m += std::to_string(kFClosed) + " 0.5 1 2 0 1\n";
    m += std::to_string(kFDistBodyNext) + " 0.7 3 4 0 1\n";  // log1p(1) = 0.69: right above
    m += "-1 0 0 0 2 0\n-1 0 0 0 2 0\n-1 0 0 0 -2 0\n";
    return LineModel::Parse(m, "heading-test");
  }();
  return model;
}

// A run of three or more adjacent short lines of one shape shares one
// decision, the sign of their summed margins: the last item of a menu is
// no heading, a lone heading stays, and a run that leans to content keeps
// the items its model scored below the threshold.
TEST(LineFilterTest, ARunOfAlikeShortLinesIsOneDecision) {
  const std::string prose = std::string(kBody1) + "\n" + std::string(kBody2) + "\n";
  LineFilterConfig config;
  config.keep_title = false;
  Judged menu = JudgeWith("Auto\nLight\nCoal\n" + prose, "", config, &HeadingModel());
  EXPECT_NEAR(menu.scores[2], 0.88, 0.01);  // alone, it would stay
  EXPECT_EQ(menu.rule, (Rules{"line-model", "line-model", "line-model", "", ""}));
  EXPECT_EQ(menu.notes[2].substr(0, 39), "score 0.88, dropped with its neighbours");
  // Two lines are no run; a line of another shape above breaks it.
  EXPECT_EQ(JudgeWith("Light\nCoal\n" + prose, "", config, &HeadingModel()).rule,
            (Rules{"line-model", "", "", ""}));
  EXPECT_EQ(JudgeWith("Keyboard shortcuts\nSearch the book\nFloods\n" + prose, "", config,
                      &HeadingModel()).rule,
            (Rules{"line-model", "line-model", "", "", ""}));
  // Margins at threshold 0.13: the menu words -0.09 each, the last +3.9.
  // The run's median decides, not its sum: the item that scores as a
  // heading does not carry its siblings.
  config.threshold = 0.13;
  EXPECT_EQ(JudgeWith("Auto\nLight\nCoal\n" + prose, "", config, &HeadingModel()).rule,
            (Rules{"line-model", "line-model", "line-model", "", ""}));
  // At 0.11 the menu words are above the threshold (+0.1): the run stays.
  config.threshold = 0.11;
  EXPECT_EQ(JudgeWith("Auto\nLight\nCoal\n" + prose, "", config, &HeadingModel()).rule,
            (Rules{"", "", "", "", ""}));
  EXPECT_EQ(JudgeWith("Home\n" + prose, "", config, &HeadingModel()).rule,
            (Rules{"", "", ""}));
}

TEST(LineFilterTest, TheTitleIsKeptWhenTheRestOfThePageIs) {
  const std::string text = "Flood Warnings\n" + std::string(kBody1) + "\n";
  EXPECT_EQ(JudgeWith(text, "").rule, (Rules{"", ""}));
  EXPECT_EQ(JudgeWith("Flood Warnings\n\n" + std::string(kBody1) + "\n", "").rule,
            (Rules{"", "", ""}));
  // Not when nothing else stays, and not a line that does not stand alone.
  EXPECT_EQ(JudgeWith("Flood Warnings\nHome\n", "").rule, (Rules{"line-model", "line-model"}));
  EXPECT_EQ(JudgeWith("Flood Warnings\nHome\n\n" + std::string(kBody1) + "\n", "").rule,
            (Rules{"line-model", "line-model", "", ""}));
  // Nor the first line of a toolbar: a title heads the text under it, and
  // the line under this one is dropped.
  const std::string toolbar = "Keyboard shortcuts\n\nPress S or / to search in the book\nAuto\n\n" +
                              std::string(kBody1) + "\n";
  const Judged t = JudgeWith(toolbar, "");
  ASSERT_EQ(t.rule.size(), 6u);
  ASSERT_EQ(t.rule[2], "line-model");
  EXPECT_EQ(t.rule[0], "line-model");
}

TEST(LineFilterTest, AParagraphOfProseStaysWholeHoweverLongAndAlike) {
  // Thousands of alike sentences, one a line, in one paragraph under a
  // title: a long report, a book, a sentence-split corpus file.
  std::string text = "A long report\n\n";
  const int lines = 3000;
  for (int i = 1; i <= lines; ++i) {
    text += "Sentence " + std::to_string(i) + " of one long paragraph has enough words to be body text.\n";
  }
  const Judged j = JudgeWith(text, "");
  ASSERT_EQ(j.rule.size(), static_cast<std::size_t>(lines + 2));
  int dropped = 0;
  for (std::size_t i = 2; i < j.rule.size(); ++i) dropped += !j.rule[i].empty();
  EXPECT_EQ(dropped, 0);
}

TEST(LineFilterTest, UserRulesDropAndKeepRulesKeep) {
  const std::string text = std::string(kBody1) + "\nAdvert.\nSponsored content\n" +
                           std::string(kBody2) + "\n";
  Judged j = JudgeWith(text, "ads literal advert\nkeepme keep literal sponsored content\n");
  EXPECT_EQ(j.rule, (Rules{"", "ads", "", ""}));
  EXPECT_EQ(j.scores[1], -1.0f);  // decided by a rule, not scored
  EXPECT_EQ(j.scores[2], -1.0f);
  // Built-in (feature) rules do not drop by themselves.
  EXPECT_EQ(JudgeWith(std::string(kBody1) + "\nShare this.\n", "").rule, (Rules{"", ""}));
}

TEST(LineFilterTest, AUserListHeadingDropsItsListUpToTheFirstBodyLine) {
  const std::string text = std::string(kBody1) + "\nSee also\nStorm closes bridge\n" +
                           "School reopens\n" + std::string(kBody2) + "\n" +
                           std::string(kBody3) + "\n";
  Judged j = JudgeWith(text, "more literal+list see also\n");
  EXPECT_EQ(j.rule, (Rules{"", "more", "more", "more", "", ""}));
  // With blank lines: the list below the heading ends at the blank line
  // after it.
  Judged k = JudgeWith("See also\n\nStorm closes bridge\nSchool reopens\n\nFlood Warnings\n\n" +
                           std::string(kBody1) + "\n",
                       "more literal+list see also\n");
  EXPECT_EQ(k.rule, (Rules{"more", "", "more", "more", "", "line-model", "", ""}));
}

TEST(LineFilterTest, AHardWrappedParagraphIsOneDecision) {
  const std::string text =
      "winnow reads scraped text from files or standard input and removes the\n"
      "lines that are boilerplate, such as menus, share buttons and cookie\n"
      "banners, before it removes near-duplicate paragraphs and documents from\n"
      "the stream.\n"
      "\n"
      "See the manual\n";
  Judged j = JudgeWith(text, "");
  EXPECT_EQ(j.rule, (Rules{"", "", "", "", "", "line-model"}));
  for (int i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(j.scores[i], j.scores[0]);
}

// The last line of a hard-wrapped paragraph, a word or two that a built-in
// drop rule matches on its own (a share button's "Email", a "Source" link),
// ends the paragraph's sentence: it stays with its paragraph. Alone, or
// under a user's drop rule, it still goes.
TEST(LineFilterTest, AWrapTailIsNoBuiltinDrop) {
  RuleSet rules;
  rules.Parse(
      "share drop literal email\nshare drop literal twitter\nsource-link drop literal source\n"
      "source-link drop literal source link\nads drop literal advertisement\n",
      "builtin", PatternAction::kFeature);
  rules.Parse("mine literal print\n", "user.rules");
  rules.Freeze();
  LineFilterConfig config;
  config.keep_title = false;
  LineFilter filter(&rules, config, &ClosedOnlyModel());
  const std::string wrapped =
      "If anything is still broken after the upgrade to the new release, please\n"
      "write to the list and tell us which version you had before and what the\n"
      "program printed when it stopped, and we will look at it as soon as we can by\n";
  struct Case {
    std::string tail;
    std::string rule;  // of the tail: "" kept
  };
  const Case cases[] = {
      {"email.", ""},       {"Email", ""},          {"Twitter.", ""}, {"Source.", ""},
      {"Source link.", ""}, {"advertisement.", ""},
      {"print.", "mine"},  // a user's rule decides
  };
  for (const Case& c : cases) {
    // (The document holds views into its text: the text outlives it.)
    const std::string text = wrapped + c.tail + "\n\n" + std::string(kBody1) + "\n";
    Document doc;
    SplitDocument(text, &doc);
    std::vector<int> v;
    filter.Judge(doc, &v, nullptr, nullptr);
    ASSERT_EQ(v.size(), 6u);
    EXPECT_EQ(v[3] < 0 ? "" : std::string(filter.RuleName(v[3])), c.rule) << c.tail;
    EXPECT_EQ(v[0], -1) << c.tail;
    // The same word as a line of its own between paragraphs is dropped.
    const std::string apart = wrapped + "the end.\n\n" + c.tail + "\n\n" + std::string(kBody1) + "\n";
    SplitDocument(apart, &doc);
    filter.Judge(doc, &v, nullptr, nullptr);
    ASSERT_EQ(v.size(), 8u);
    EXPECT_GE(v[5], 0) << c.tail;
  }
}

TEST(LineFilterTest, ModelOffLeavesOnlyRules) {
  LineFilterConfig off;
  off.model = false;
  Judged j = JudgeWith("Home\n" + std::string(kBody1) + "\nAdvert\n", "ads literal advert\n", off);
  EXPECT_EQ(j.rule, (Rules{"", "", "ads"}));
}

// An article of 13 sentences (169 words), then what follows it.
std::string Article() {
  std::string text = "Flood Warnings\n\n";
  for (int k = 0; k < 13; ++k) {
    text += "Paragraph " + std::to_string(k) +
            " says the river rose three metres overnight in the town centre again.\n\n";
  }
  return text;
}

// How many lines the rule `name` dropped.
int DroppedBy(const Judged& j, std::string_view name) {
  int n = 0;
  for (const std::string& r : j.rule) n += r == name;
  return n;
}

TEST(LineFilterTest, TheCommentSectionUnderTheArticleIsDropped) {
  const std::string comments =
      "3 Comments\n\n"
      "Anna K. says:\n"
      "March 3, 2024 at 4:21 am\n"
      "What a well written piece, thank you for covering our town.\n"
      "Reply\n\n"
      "Bob wrote\n"
      "I lived there for twenty years and never saw it this bad.\n\n"
      "Leave a Reply\n"
      "Your email address will not be published.\n";
  const std::string text = Article() + comments;
  Document doc;
  SplitDocument(text, &doc);
  std::size_t heading = 0;
  while (doc.lines[heading].text != "3 Comments") ++heading;

  // From the heading to the end of the page, every non-blank line goes,
  // the readers' closed sentences too; the article stays.
  auto check = [&](const Judged& j) {
    for (std::size_t i = 0; i < doc.lines.size(); ++i) {
      const bool blank = doc.lines[i].blank;
      if (i >= heading) {
        EXPECT_EQ(j.rule[i], blank ? "" : kRuleComments) << i << ": " << doc.lines[i].text;
      } else if (i > 0) {
        EXPECT_EQ(j.rule[i], "") << i << ": " << doc.lines[i].text;
      }
    }
  };
  check(JudgeWith(text, ""));
  // The rule does not need the model.
  LineFilterConfig no_model;
  no_model.model = false;
  check(JudgeWith(text, "", no_model));

  // Disabled, the model judges the section line by line: its sentences stay.
  LineFilterConfig off;
  off.comments = false;
  Judged j = JudgeWith(text, "", off);
  EXPECT_EQ(DroppedBy(j, kRuleComments), 0);
  EXPECT_EQ(j.rule[heading + 4], "");  // "What a well written piece, ..."

  // A user's keep rule holds its lines, a user's drop rule names its own.
  Judged k = JudgeWith(text, "mine keep contains never saw it\nform literal leave a reply\n");
  EXPECT_EQ(k.rule[heading + 8], "");
  EXPECT_EQ(k.rule[heading + 10], "form");
  EXPECT_EQ(k.rule[heading + 4], kRuleComments);
}

TEST(LineFilterTest, ACommentsHeadingWithoutItsSectionDropsNothing) {
  const std::string reply =
      "Comments\n\n"
      "Anna K. says:\n"
      "What a well written piece, thank you for covering our town.\n";
  // No commenter's time stamp under the heading: "Comments" is a heading
  // of the article or a link, and the lines under it are judged alone.
  std::string no_stamp = Article() + "Comments\n\n";
  for (int k = 0; k < 16; ++k) no_stamp += "Line " + std::to_string(k) + " of the notes, closed.\n";
  no_stamp += "Anna K. says:\nWhat a well written piece.\n";
  EXPECT_EQ(DroppedBy(JudgeWith(no_stamp, ""), kRuleComments), 0);
  // Too little prose above it: a page of comments, or a short note.
  EXPECT_EQ(DroppedBy(JudgeWith("Flood Warnings\n\nThe river rose three metres overnight.\n\n" +
                                    reply, ""),
                      kRuleComments),
            0);
  // A forum thread: every post has its stamp, from the first.
  std::string thread = "Flood Warnings\n\n";
  for (int k = 0; k < 6; ++k) {
    thread += "Poster" + std::to_string(k) + " wrote\n" +
              "The river rose three metres overnight in the town centre and the council moved "
              "the residents of the lower town to the school hall.\n\n";
  }
  EXPECT_EQ(DroppedBy(JudgeWith(thread + reply, ""), kRuleComments), 0);
  // A blog's front page: every post ends in its comments link and its
  // time, and the next post follows.
  std::string front = Article();
  for (int k = 1; k < 4; ++k) {
    front += "Comments (" + std::to_string(k) + ")\n\nposted by Aaron @ 9:4" + std::to_string(k) +
             " AM\n\nLeading Them By The Nose\n\n" + Article();
  }
  EXPECT_EQ(DroppedBy(JudgeWith(front, ""), kRuleComments), 0);
  // The same posts under an article of their own are its comments.
  EXPECT_GT(DroppedBy(JudgeWith(Article() + reply, ""), kRuleComments), 0);
}

// Comments whose headers name only the commenter (no time): under a
// heading with a count, two names each over a reader's prose are enough.
TEST(LineFilterTest, CommentsHeadedByNamesOnly) {
  const std::string names =
      "Gibbo\n"
      "Brilliant! I only had a few reservations about the flood report and you answered them.\n"
      "Mars Dorian\n"
      "I lived there for twenty years and never saw the river this high before.\n"
      "http://example.org/blog Karen Reyburn\n"
      "Thanks for sharing this with all of us who live down by the water.\n";
  for (const char* heading : {"{3 comments\xE2\x80\xA6 read them below or add one}", "{131 comments}",
                              "3 Responses so far"}) {
    const std::string text = Article() + heading + "\n" + names;
    Document doc;
    SplitDocument(text, &doc);
    const Judged j = JudgeWith(text, "");
    std::size_t first = 0;
    while (doc.lines[first].text != heading) ++first;
    for (std::size_t i = 0; i < doc.lines.size(); ++i) {
      if (doc.lines[i].blank || i == 0) continue;
      EXPECT_EQ(j.rule[i], i >= first ? kRuleComments : "") << heading << " " << i;
    }
  }
  // A reply of a few words is enough under a name ("Ditto on the above.").
  {
    const std::string text = Article() + "{167 comments}\nHesham Zebida\nThe tuts I would like to see:\n"
                             "Jason Manheim\nDitto on the above.\n";
    EXPECT_EQ(DroppedBy(JudgeWith(text, ""), kRuleComments), 5);
  }
  // A count of comments in the byline above the article, then the
  // article's own short headings over its prose: no comment section.
  {
    std::string review;
    for (int k = 0; k < 12; ++k) {
      review += "Home\nNews\nSport\nWeather\nTravel\nMoney\nCulture\nVideo\nTeaser " + std::to_string(k) +
                " says the river rose three metres overnight in the town centre again.\n";
    }
    review += "Comments: 37\n";
    for (const char* name : {"Wix", "Squarespace", "Hostinger"}) {
      review += std::string(name) + "\n" + Article().substr(16);
    }
    EXPECT_EQ(DroppedBy(JudgeWith(review, ""), kRuleComments), 0);
  }
  // Without a count, "Comments" may head a section of the text itself
  // (a style guide's), whose sub-headings stand over prose: judged alone.
  std::string guide = Article() + "Comments\n";
  for (const char* sub : {"Line Comments", "Block Comments", "Doc Comments"}) {
    guide += std::string(sub) +
             "\nThey explain why the code does what it does, and stay short and current.\n";
  }
  EXPECT_EQ(DroppedBy(JudgeWith(guide, ""), kRuleComments), 0);
  // A blog's front page: each post's count, then the next post's title
  // over its prose.
  std::string front = Article();
  for (int k = 1; k < 4; ++k) {
    front += "{" + std::to_string(k) + " comments}\nLeading Them By The Nose\n" + Article();
  }
  EXPECT_EQ(DroppedBy(JudgeWith(front, ""), kRuleComments), 0);
}

TEST(LineFilterTest, RuleIdsAndNames) {
  RuleSet rules;
  rules.Parse("share literal share this\ncookies contains we use cookies\n", "test.rules");
  rules.Freeze();
  LineFilter filter(&rules, LineFilterConfig{});
  EXPECT_EQ(filter.rule_count(), 2 + LineFilter::kBuiltinCount);
  EXPECT_EQ(filter.RuleName(0), "share");
  EXPECT_EQ(filter.RuleName(1), "cookies");
  EXPECT_EQ(filter.RuleName(2 + LineFilter::kBuiltinLineModel), kRuleLineModel);
  EXPECT_EQ(filter.RuleName(2 + LineFilter::kBuiltinComments), kRuleComments);
  LineFilter bare(nullptr, LineFilterConfig{});
  EXPECT_EQ(bare.rule_count(), LineFilter::kBuiltinCount);
  EXPECT_EQ(bare.RuleName(LineFilter::kBuiltinLineModel), kRuleLineModel);
  EXPECT_EQ(bare.RuleName(LineFilter::kBuiltinComments), kRuleComments);
}

TEST(LineModelTest, MalformedModelsAreRefusedWithTheirLine) {
  const std::string good = ClosedOnlyModelText();
  EXPECT_NO_THROW(LineModel::Parse(good, "m"));
  auto error_of = [](const std::string& text) {
    try {
      LineModel::Parse(text, "m");
    } catch (const Error& e) {
      return e.where() + ": " + e.message();
    }
    return std::string("no error");
  };
  EXPECT_EQ(error_of("hello\n"), "m:1: not a winnow line model (expected 'winnow-line-model 2')");
  std::string rough = good;
  rough.replace(rough.find("smoothing 0"), 11, "smoothing -1");
  EXPECT_EQ(error_of(rough), "m:" + std::to_string(kFeatureCount + 4) +
                                 ": smoothing must be in [0, 100]");
  // Version 1 files have no smoothing line: no sequence pass.
  std::string v1 = good;
  v1.replace(v1.find("smoothing 0\n"), 12, "");
  v1.replace(v1.find(" 2\n"), 3, " 1\n");
  EXPECT_EQ(LineModel::Parse(v1, "m").smoothing(), 0.0);
  std::string renamed = good;
  renamed.replace(renamed.find("f words"), 7, "f wordz");
  EXPECT_EQ(error_of(renamed),
            "m:3: feature 0 is 'wordz', winnow's is 'words': retrain the model (tools/train/train.py)");
  std::string loop = good;
  loop.replace(loop.find(" 0.5 1 4 0 1"), 12, " 0.5 0 4 0 1");
  EXPECT_NE(error_of(loop).find("bad child index"), std::string::npos);
  EXPECT_NE(error_of(good.substr(0, good.rfind('\n', good.size() - 2) + 1))
                .find("unexpected end of file"),
            std::string::npos);
}

// The word priors section: optional, hashes in 16 hex digits, checked.
TEST(LineModelTest, WordPriorsAreReadAndCheckedWithTheirLine) {
  const std::string good = ClosedOnlyModelText();
  EXPECT_EQ(LineModel::Parse(good, "m").word_priors().size(), 0u);
  Normalized norm;
  Normalize("Sitemap", &norm);
  const std::uint64_t sitemap = HashWord(norm.word(0), kWordSeed);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(sitemap));
  const LineModel m = LineModel::Parse(good + "priors 2\n" + hex + " -3.85\n00000000000000ab 1.5\n", "m");
  EXPECT_EQ(m.word_priors().size(), 2u);
  float prior = 0;
  ASSERT_TRUE(m.word_priors().Find(sitemap, &prior));
  EXPECT_FLOAT_EQ(prior, -3.85f);
  ASSERT_TRUE(m.word_priors().Find(0xab, &prior));
  EXPECT_FLOAT_EQ(prior, 1.5f);
  EXPECT_FALSE(m.word_priors().Find(0xac, &prior));
  auto error_of = [](const std::string& text) {
    try {
      LineModel::Parse(text, "m");
    } catch (const Error& e) {
      return e.message();
    }
    return std::string("no error");
  };
  EXPECT_EQ(error_of(good + "priors 1\nab 1.5\n"), "expected HASH (16 hex digits) PRIOR");
  EXPECT_EQ(error_of(good + "priors 1\n00000000000000zz 1.5\n"), "bad word hash");
  EXPECT_EQ(error_of(good + "priors 1\n00000000000000ab nan\n"), "bad prior");
  EXPECT_EQ(error_of(good + "priors 2\n00000000000000ab 1\n"), "unexpected end of file");
  EXPECT_EQ(error_of(good + "priors 1\n00000000000000ab 1\nmore\n"),
            "unexpected text after the priors");
  EXPECT_EQ(error_of(good + "trees 2\n"), "expected 'priors'");
}

TEST(LineModelTest, TheBuiltInModelLoads) {
  const LineModel& m = LineModel::Default();
  EXPECT_GT(m.trees(), 0);
  EXPECT_GT(m.threshold(), 0.0);
  EXPECT_LT(m.threshold(), 1.0);
}

// The words the line filter leaves for later stages are those of each line
// normalised on its own; with or without judging (AnalyseLines), and
// joined, they are the words of the kept text normalised as a whole.
TEST(LineWordsTest, AreEachLineNormalisedAndHashed) {
  RuleSet rules;
  rules.Parse("share literal share this\nrelated literal+list related articles\n", "test.rules");
  rules.Freeze();
  const std::string long_line(300, 'x');
  LineFilterConfig config;
  config.max_line_bytes = 200;
  for (const std::string& start : {std::string(), std::string(kBody1) + "\nShare this\nHome\n\n",
                                   std::string("Related articles\nOne\nTwo\n")}) {
    std::string text = start;
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
      EXPECT_EQ(judged.count[i], CountWords(line.text, norm));
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

namespace winnow {
namespace {

// --explain's feature phrases: counts agree with their nouns, and the
// vocabulary columns say which way their log-odds lean.
TEST(DescribeFeatureTest, CountsAgreeWithTheirNouns) {
  const float one = static_cast<float>(std::log1p(1.0)), three = static_cast<float>(std::log1p(3.0));
  EXPECT_EQ(DescribeFeature(kFWords, one), "1 word");
  EXPECT_EQ(DescribeFeature(kFWords, three), "3 words");
  EXPECT_EQ(DescribeFeature(kFWin5Words, one), "about 1 word a line within 5 lines");
  EXPECT_EQ(DescribeFeature(kFDistBodyNext, one), "1 line above prose");
  EXPECT_EQ(DescribeFeature(kFParaLines, three), "3 lines in its block");
  EXPECT_EQ(DescribeFeature(kFLexMean, -1.5f), "words typical of boilerplate, log-odds -1.5");
  EXPECT_EQ(DescribeFeature(kFLexWin2, 0.5f), "main-text words within 2 lines, log-odds 0.5");
}

}  // namespace
}  // namespace winnow
