// The per-document pipeline (filter.hpp) and the writer (writer.hpp),
// tested together: what Filter::Run keeps is what AppendKept writes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "winnow/document.hpp"
#include "winnow/error.hpp"
#include "winnow/filter.hpp"
#include "winnow/line_model.hpp"
#include "test_model.hpp"
#include "winnow/reader.hpp"
#include "winnow/rules.hpp"
#include "winnow/writer.hpp"

namespace winnow {
namespace {

using namespace std::string_literals;

// Body lines: closing punctuation and at least five words.
const std::string kB1 = "The river rose three metres overnight in the town centre.";
const std::string kB2 = "Residents were moved to the school hall before midnight.";
const std::string kB3 = "Officials said the barriers would be repaired by Friday.";
const std::string kHarbour =
    "The harbour authority confirmed that the northern pier will remain closed to "
    "visitors until engineers finish a full survey of the damage.";
// corpus/issue_example.txt: a lead, and the lead restated with a caption.
const std::string kLead =
    "Flood barriers failed in three towns overnight, according to a report by a "
    "UK-based engineering panel.";
const std::string kCaptionedLead =
    "Flood barriers failed in three towns overnight , according to a report by a "
    "U.K.-based engineering panel. Pictured: Residents wade through water in "
    "Carlisle, Cumbria, on 12 March 2025";
const std::string kCouncil =
    "The council met on Monday evening to discuss the budget. Councillors agreed "
    "that the new library would open in the spring after a long delay caused by "
    "the floods.";
const std::string kLibrary =
    "Councillors agreed that the new library would open in the spring.";

constexpr std::string_view kTestRules = "share literal share this\n";

// The thresholds the rows below are built around, set here so that tuning a
// default does not silently change what a row tests.
FilterConfig TestConfig() {
  FilterConfig c;
  c.line_rules = true;
  c.lines.model = true;
  c.lines.keep_title = true;
  c.dedup = true;
  c.dedup_config.shingle_words = 3;
  c.dedup_config.permutations = 128;
  c.dedup_config.jaccard = 0.7;
  c.dedup_config.containment = 0.8;
  c.dedup_config.min_containment_words = 8;
  c.dedup_config.max_growth = 3.0;
  return c;
}

struct ExpectedDrop {
  std::uint32_t line;
  std::uint32_t lines;
  std::string_view reason;
  std::uint32_t of_line = 0;
};

// A song whose punctuated refrain (half of its lines sentences) comes back.
const std::string kPunctuatedRefrain =
    "The ferry leaves at half past nine,\nI count the windows one by one.\n\n"
    "So leave the harbour lights on for me,\nand leave them burning on the quay.\n"
    "However long the crossing takes,\nI will find my way back home to you.\n\n"
    "The winter came and stayed too long,\nthe rope was stiff, the deck was grey.\n\n"
    "So leave the harbour lights on for me,\nand leave them burning on the quay.\n"
    "However long the crossing takes,\nI will find my way back home to you.\n";

struct FilterCase {
  const char* name;
  std::string input;
  std::string output;
  std::vector<ExpectedDrop> drops;
  std::function<void(FilterConfig*)> configure = nullptr;
};

std::vector<FilterCase> FilterCases() {
  const std::string_view ntp = kRuleLineModel;
  // A tutorial whose commands and code lines each come back after a paragraph.
  const std::string tutorial =
      kB1 + "\n\nsudo apt-get install -y build-essential\n\n" + kB2 +
          "\n\nsudo apt-get install -y build-essential\n\npip install numpy pandas matplotlib seaborn\n\n" +
          kB3 + "\n\npip install numpy pandas matplotlib seaborn\n\n"
          "$ git clone https://example.org/tools/winnow.git\n\n" + kHarbour +
          "\n\n$ git clone https://example.org/tools/winnow.git\n\n"
          "python3 -m venv .venv && source .venv/bin/activate\n\nconst [count, setCount] = useState(0);\n\n" +
          kLibrary + "\n\npython3 -m venv .venv && source .venv/bin/activate\n\n"
          "const [count, setCount] = useState(0);\n\nfrom collections import defaultdict, Counter\n\n" + kLead +
          "\n\nfrom collections import defaultdict, Counter\n";
  return {
      {"empty document", "", "", {}},
      {"only blank lines", "\n \n\t\n", "", {}},
      {"body paragraphs are kept as they are",
       kB1 + "\n" + kB2 + "\n\n" + kB3 + "\n",
       kB1 + "\n" + kB2 + "\n\n" + kB3 + "\n",
       {}},
      {"dropped paragraphs leave one blank line, none at the ends",
       "Home\nNews\n\n" + kB1 + "\n" + kB2 + "\n\nShare this\n\n" + kB3 + "\n\nContact\n",
       kB1 + "\n" + kB2 + "\n\n" + kB3 + "\n",
       {{1, 2, ntp}, {7, 1, "share"}, {11, 1, ntp}}},
      {"runs of blank lines become one",
       "\n\n\n" + kB1 + "\n\n\n\n" + kB2 + "\n \n\t\n",
       kB1 + "\n\n" + kB2 + "\n",
       {}},
      {"CRLF kept, the blank separator is CRLF",
       "Home\r\nNews\r\n\r\n" + kB1 + "\r\n" + kB2 + "\r\n\r\nShare this\r\n\r\n" + kB3 +
           "\r\n",
       kB1 + "\r\n" + kB2 + "\r\n\r\n" + kB3 + "\r\n",
       {{1, 2, ntp}, {7, 1, "share"}}},
      {"separator follows the line before it: CRLF then LF",
       kB1 + "\r\n\n" + kB2 + "\n\r\n" + kB3 + "\r\n",
       kB1 + "\r\n\r\n" + kB2 + "\n\n" + kB3 + "\r\n",
       {}},
      {"last line without newline is preserved",
       kB1 + "\n\n" + kB2,
       kB1 + "\n\n" + kB2,
       {}},
      {"last line without newline, CRLF before",
       kB1 + "\r\n\r\n" + kB2,
       kB1 + "\r\n\r\n" + kB2,
       {}},
      {"dropped last line leaves no trailing blank",
       kB1 + "\n\nShare this",
       kB1 + "\n",
       {{3, 1, "share"}}},
      {"no blank lines: no separators",
       kB1 + "\nHome\n" + kB2 + "\nShare this\n" + kB3 + "\n",
       kB1 + "\n" + kB2 + "\n" + kB3 + "\n",
       {{2, 1, ntp}, {4, 1, "share"}}},
      {"bytes pass through untouched",
       "The caf\xc3\xa9 \xff\xfe opened its doors again on\0 Monday morning.\n"s,
       "The caf\xc3\xa9 \xff\xfe opened its doors again on\0 Monday morning.\n"s,
       {}},
      {"consecutive lines dropped by one rule are one drop",
       "Home\nNews\nSport\n\n" + kB1 + "\n" + kB2 + "\n",
       kB1 + "\n" + kB2 + "\n",
       {{1, 3, ntp}}},
      {"one drop per rule run",
       "Home\nShare this\nNews\nSport\n\n" + kB1 + "\n",
       kB1 + "\n",
       {{1, 1, ntp}, {2, 1, "share"}, {3, 2, ntp}}},
      {"blank lines split a rule run",
       "Home\nMenu\n\nNews\nSport\n\n" + kB1 + "\n",
       kB1 + "\n",
       {{1, 2, ntp}, {4, 2, ntp}}},
      {"a short closing sentence is a sentence",
       kB1 + "\n\nThe end.\n",
       kB1 + "\n\nThe end.\n",
       {}},
      {"a short first line standing alone is the title",
       "Flood Warnings\n\n" + kB1 + "\n",
       "Flood Warnings\n\n" + kB1 + "\n",
       {}},
      {"keep_title off: the first line is judged like any other",
       "Flood Warnings\n\n" + kB1 + "\n",
       kB1 + "\n",
       {{1, 1, ntp}},
       [](FilterConfig* c) { c->lines.keep_title = false; }},
      {"near duplicate paragraph",
       kHarbour + "\n\n" + kB1 + "\n\n" + kHarbour + "\n",
       kHarbour + "\n\n" + kB1 + "\n",
       {{5, 1, kReasonNearDuplicate, 1}}},
      {"near duplicate of a multi-line paragraph",
       kB1 + "\n" + kB2 + "\n\n" + kB3 + "\n\n" + kB1 + "\n" + kB2 + "\n",
       kB1 + "\n" + kB2 + "\n\n" + kB3 + "\n",
       {{6, 2, kReasonNearDuplicate, 1}}},
      {"the lead restated behind a caption",
       kLead + "\n\n" + kB1 + "\n\n" + kCaptionedLead + "\n",
       kLead + "\n\n" + kB1 + "\n",
       {{5, 1, kReasonRestates, 1}}},
      // Structure and refrains are repeated on purpose (the line model is
      // off in these rows, so that only deduplication decides).
      {"a refrain of four lines comes back: kept",
       "The ferry leaves at half past nine\nI count the windows one by one\n\n"
       "So leave the harbour lights on for me\nLeave them burning on the quay\n"
       "However long the crossing takes\nI will find my way back home to you\n\n"
       "The winter came and stayed too long\nThe rope was stiff, the deck was grey\n\n"
       "So leave the harbour lights on for me\nLeave them burning on the quay\n"
       "However long the crossing takes\nI will find my way back home to you\n",
       "The ferry leaves at half past nine\nI count the windows one by one\n\n"
       "So leave the harbour lights on for me\nLeave them burning on the quay\n"
       "However long the crossing takes\nI will find my way back home to you\n\n"
       "The winter came and stayed too long\nThe rope was stiff, the deck was grey\n\n"
       "So leave the harbour lights on for me\nLeave them burning on the quay\n"
       "However long the crossing takes\nI will find my way back home to you\n",
       {},
       [](FilterConfig* c) { c->lines.model = false; }},
      {"a punctuated refrain, half of its lines sentences, comes back: kept",
       kPunctuatedRefrain,
       kPunctuatedRefrain,
       {},
       [](FilterConfig* c) { c->lines.model = false; }},
      {"repeated headings and list labels are kept",
       "Pros\n\n" + kB1 + "\n\nCons\n\n" + kB2 + "\n\nPros\n\n" + kB3 + "\n\nCons\n\n" + kHarbour + "\n",
       "Pros\n\n" + kB1 + "\n\nCons\n\n" + kB2 + "\n\nPros\n\n" + kB3 + "\n\nCons\n\n" + kHarbour + "\n",
       {},
       [](FilterConfig* c) { c->lines.model = false; }},
      {"code lines repeated in a page without blank lines are kept",
       kB1 + "\nfn main() {\n    println!(\"hello\");\n}\n" + kB2 +
           "\nfn main() {\n    println!(\"hello\");\n    println!(\"hello\");\n}\n" + kB3 + "\n",
       kB1 + "\nfn main() {\n    println!(\"hello\");\n}\n" + kB2 +
           "\nfn main() {\n    println!(\"hello\");\n    println!(\"hello\");\n}\n" + kB3 + "\n",
       {},
       [](FilterConfig* c) { c->lines.model = false; }},
      // Without blank lines every line is a paragraph: a repeated line of
      // more than four words is still structure when the run of short
      // lines around it is (a program, a verse), and still a duplicate
      // among sentences.
      {"longer code lines repeated in a page without blank lines are kept",
       kB1 + "\nint sum = 0;\nfor (int i = 0; i < n; ++i) {\n    sum += values[i];\n}\n" + kB2 +
           "\nint sum = 0;\nint negative = 0;\nfor (int i = 0; i < n; ++i) {\n    sum += values[i];\n"
           "    if (values[i] < 0) negative++;\n}\n" + kB3 + "\n",
       kB1 + "\nint sum = 0;\nfor (int i = 0; i < n; ++i) {\n    sum += values[i];\n}\n" + kB2 +
           "\nint sum = 0;\nint negative = 0;\nfor (int i = 0; i < n; ++i) {\n    sum += values[i];\n"
           "    if (values[i] < 0) negative++;\n}\n" + kB3 + "\n",
       {},
       [](FilterConfig* c) { c->lines.model = false; }},
      {"a verse's lines repeated in a page without blank lines are kept",
       "The ferry leaves at half past nine\nSo leave the harbour lights on for me\n"
       "Leave them burning on the quay\n" + kHarbour + "\nThe winter came and stayed too long\n"
       "So leave the harbour lights on for me\nLeave them burning on the quay\n",
       "The ferry leaves at half past nine\nSo leave the harbour lights on for me\n"
       "Leave them burning on the quay\n" + kHarbour + "\nThe winter came and stayed too long\n"
       "So leave the harbour lights on for me\nLeave them burning on the quay\n",
       {},
       [](FilterConfig* c) { c->lines.model = false; }},
      {"a repeated line among sentences in a page without blank lines is a near-duplicate",
       "Flood barriers failed in three towns overnight\n" + kB1 + "\n" + kB2 +
           "\nFlood barriers failed in three towns overnight\n" + kB3 + "\n",
       "Flood barriers failed in three towns overnight\n" + kB1 + "\n" + kB2 + "\n" + kB3 + "\n",
       {{4, 1, kReasonNearDuplicate, 1}},
       [](FilterConfig* c) { c->lines.model = false; }},
      {"a run of short sentences repeated without blank lines is still a near-duplicate",
       kB1 + "\nThe river rose very fast today.\nThe whole town was flooded again.\n" + kB2 +
           "\nThe river rose very fast today.\nThe whole town was flooded again.\n" + kB3 + "\n",
       kB1 + "\nThe river rose very fast today.\nThe whole town was flooded again.\n" + kB2 + "\n" + kB3 + "\n",
       {{5, 1, kReasonNearDuplicate, 2}, {6, 1, kReasonNearDuplicate, 3}},
       [](FilterConfig* c) { c->lines.model = false; }},
      // A command or a line of code a reader needs in each place it is
      // shown stays, with blank lines around it or without; a repeated
      // line of plain words (a share bar, a notice, a sentence that names
      // a command) is still a near-duplicate.
      {"commands and code lines repeated between paragraphs are kept",
       tutorial,
       tutorial,
       {},
       [](FilterConfig* c) { c->lines.model = false; }},
      {"a command repeated among sentences without blank lines is kept",
       kB1 + "\ndocker run --rm -it -p 8080:80 nginx:latest\n" + kB2 +
           "\ndocker run --rm -it -p 8080:80 nginx:latest\n" + kB3 + "\n",
       kB1 + "\ndocker run --rm -it -p 8080:80 nginx:latest\n" + kB2 +
           "\ndocker run --rm -it -p 8080:80 nginx:latest\n" + kB3 + "\n",
       {},
       [](FilterConfig* c) { c->lines.model = false; }},
      {"repeated lines of plain words are still near-duplicates, even with a program's name",
       "Follow our weekly newsletter for more stories\n\n" + kB1 +
           "\n\nFollow our weekly newsletter for more stories\n\n"
           "make sure the pumps are running tonight\n\n" + kB2 +
           "\n\nmake sure the pumps are running tonight\n\n"
           "Prices from $9.99 per month for new readers\n\n" + kB3 +
           "\n\nPrices from $9.99 per month for new readers\n\n"
           "Run pip install -r requirements.txt to install the dependencies.\n\n" + kHarbour +
           "\n\nRun pip install -r requirements.txt to install the dependencies.\n\n"
           "The compiler makes a copy of the code for every type(s) you use\n\n" + kLibrary +
           "\n\nThe compiler makes a copy of the code for every type(s) you use\n",
       "Follow our weekly newsletter for more stories\n\n" + kB1 + "\n\n"
           "make sure the pumps are running tonight\n\n" + kB2 + "\n\n"
           "Prices from $9.99 per month for new readers\n\n" + kB3 + "\n\n"
           "Run pip install -r requirements.txt to install the dependencies.\n\n" + kHarbour + "\n\n"
           "The compiler makes a copy of the code for every type(s) you use\n\n" + kLibrary + "\n",
       {{5, 1, kReasonNearDuplicate, 1},
        {11, 1, kReasonNearDuplicate, 7},
        {17, 1, kReasonNearDuplicate, 13},
        {23, 1, kReasonNearDuplicate, 19},
        {29, 1, kReasonNearDuplicate, 25}},
       [](FilterConfig* c) { c->lines.model = false; }},
      {"a five-word title repeated is still a near-duplicate",
       "Flood barriers failed in Carlisle\n\n" + kB1 + "\n\nFlood barriers failed in Carlisle\n",
       "Flood barriers failed in Carlisle\n\n" + kB1 + "\n",
       {{5, 1, kReasonNearDuplicate, 1}},
       [](FilterConfig* c) { c->lines.model = false; }},
      // A later paragraph that holds an earlier one keeps what it adds.
      {"holding an earlier paragraph and adding a name: kept",
       kLibrary + "\n\n" + kB1 + "\n\nMayor Ruth Okonjo said: " + kLibrary + "\n",
       kLibrary + "\n\n" + kB1 + "\n\nMayor Ruth Okonjo said: " + kLibrary + "\n",
       {},
       [](FilterConfig* c) { c->lines.model = false; }},
      {"holding an earlier paragraph and adding new facts: kept",
       kLibrary + "\n\n" + kB1 + "\n\n" + kLibrary + " It will hold forty thousand books.\n",
       kLibrary + "\n\n" + kB1 + "\n\n" + kLibrary + " It will hold forty thousand books.\n",
       {},
       [](FilterConfig* c) { c->lines.model = false; }},
      {"a near-duplicate by Jaccard that adds a name of three words: kept",
       "John Smith as the harbour master of the small fishing town\n\n" + kB1 +
           "\n\nMary Jones and John Smith as the harbour master of the small fishing town\n",
       "John Smith as the harbour master of the small fishing town\n\n" + kB1 +
           "\n\nMary Jones and John Smith as the harbour master of the small fishing town\n",
       {},
       [](FilterConfig* c) { c->lines.model = false; }},
      {"mostly held in an earlier paragraph and adding a short new sentence: kept",
       kHarbour + "\n\n" + kB1 + "\n\n" + kHarbour + " It cost five million.\n",
       kHarbour + "\n\n" + kB1 + "\n\n" + kHarbour + " It cost five million.\n",
       {},
       [](FilterConfig* c) { c->lines.model = false; }},
      {"holding an earlier paragraph and adding two words: a near-duplicate",
       kLibrary + "\n\n" + kB1 + "\n\nAs expected, " + kLibrary + "\n",
       kLibrary + "\n\n" + kB1 + "\n",
       {{5, 1, kReasonNearDuplicate, 1}},
       [](FilterConfig* c) { c->lines.model = false; }},
      {"holding an earlier paragraph and adding a photo credit: restates",
       kLead + "\n\n" + kB1 + "\n\n" + kLead + " Photo: Ruth Okonjo for the Clarion Gazette\n",
       kLead + "\n\n" + kB1 + "\n",
       {{5, 1, kReasonRestates, 1}},
       [](FilterConfig* c) { c->lines.model = false; }},
      {"a sentence restated from an earlier paragraph",
       kCouncil + "\n\n" + kB1 + "\n\n" + kLibrary + "\n",
       kCouncil + "\n\n" + kB1 + "\n",
       {{5, 1, kReasonRestated, 1}}},
      {"of_line is the first kept line of the earlier paragraph",
       kB1 + "\n\nShare this\n" + kHarbour + "\n\n" + kHarbour + "\n",
       kB1 + "\n\n" + kHarbour + "\n",
       {{3, 1, "share"}, {6, 1, kReasonNearDuplicate, 4}}},
      {"rule drops and a dedup drop in one paragraph stay in input order",
       kHarbour + "\n\nShare this\n" + kHarbour + "\nShare this\n",
       kHarbour + "\n",
       {{3, 1, "share"}, {4, 1, kReasonNearDuplicate, 1}, {5, 1, "share"}}},
      {"dedup compares what the rules left",
       kHarbour + "\n\n" + kHarbour + "\nShare this\n",
       kHarbour + "\n",
       {{3, 1, kReasonNearDuplicate, 1}, {4, 1, "share"}}},
      {"a dropped paragraph between kept ones leaves one separator, CRLF",
       kB1 + "\r\n\r\n" + kB1 + "\r\n\r\n" + kB2 + "\r\n",
       kB1 + "\r\n\r\n" + kB2 + "\r\n",
       {{3, 1, kReasonNearDuplicate, 1}}},
      {"no dedup: duplicates stay",
       kHarbour + "\n\n" + kHarbour + "\n",
       kHarbour + "\n\n" + kHarbour + "\n",
       {},
       [](FilterConfig* c) { c->dedup = false; }},
      {"no line rules: patterns and built-ins are off",
       "Home\n\nShare this\n\n" + kB1 + "\n\n" + kB1 + "\n",
       "Home\n\nShare this\n\n" + kB1 + "\n",
       {{7, 1, kReasonNearDuplicate, 5}},
       [](FilterConfig* c) { c->line_rules = false; }},
      {"line model off: only patterns drop",
       "Home\n\nShare this\n\n" + kB1 + "\n",
       "Home\n\n" + kB1 + "\n",
       {{3, 1, "share"}},
       [](FilterConfig* c) { c->lines.model = false; }},
  };
}

void CheckDrops(const std::vector<Drop>& got, const std::vector<ExpectedDrop>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE("drop " + std::to_string(i));
    EXPECT_EQ(got[i].line, want[i].line);
    EXPECT_EQ(got[i].lines, want[i].lines);
    EXPECT_EQ(got[i].reason, want[i].reason);
    EXPECT_EQ(got[i].of_line, want[i].of_line);
    if (want[i].of_line != 0) {
      EXPECT_GE(got[i].similarity, 0.7);
      EXPECT_LE(got[i].similarity, 1.0);
    } else {
      EXPECT_EQ(got[i].similarity, 0.0);
    }
  }
}

TEST(FilterTest, RunAndAppendKept) {
  RuleSet rules;
  rules.Parse(kTestRules, "test.rules");
  rules.Freeze();
  for (const FilterCase& c : FilterCases()) {
    SCOPED_TRACE(c.name);
    FilterConfig config = TestConfig();
    if (c.configure) c.configure(&config);
    Filter filter(&rules, config, &ClosedOnlyModel());
    Document doc;
    SplitDocument(c.input, &doc);
    FilterResult result;
    result.keep = {true, true};
    result.drops.push_back({99, 1, "stale"});
    filter.Run(doc, &result);
    ASSERT_EQ(result.keep.size(), doc.lines.size());
    for (std::size_t i = 0; i < doc.lines.size(); ++i) {
      if (doc.lines[i].blank) {
        EXPECT_FALSE(result.keep[i]) << "blank line " << i + 1;
      }
    }
    std::string out;
    AppendKept(doc, result.keep, &out);
    EXPECT_EQ(out, c.output);
    CheckDrops(result.drops, c.drops);
    // Every non-blank line is either kept or inside exactly one drop.
    std::vector<int> covered(doc.lines.size(), 0);
    for (const Drop& d : result.drops) {
      for (std::size_t i = 0; i < doc.lines.size(); ++i) {
        if (doc.lines[i].number >= d.line && doc.lines[i].number < d.line + d.lines &&
            !doc.lines[i].blank && !result.keep[i]) {
          ++covered[i];
        }
      }
    }
    for (std::size_t i = 0; i < doc.lines.size(); ++i) {
      if (doc.lines[i].blank) continue;
      EXPECT_EQ(covered[i] + (result.keep[i] ? 1 : 0), 1) << "line " << i + 1;
    }

    // The two phases called one by one, without handing the lines' words
    // from one to the other, decide the same.
    Filter phased(&rules, config, &ClosedOnlyModel());
    std::vector<int> verdicts;
    phased.JudgeLines(doc, &verdicts);
    FilterResult again;
    phased.Decide(doc, verdicts, &again);
    std::string out_again;
    AppendKept(doc, again.keep, &out_again);
    EXPECT_EQ(out_again, c.output) << "phase by phase";
    CheckDrops(again.drops, c.drops);
  }
}

TEST(FilterTest, SimilarityOfDedupDrops) {
  Filter filter(nullptr, TestConfig(), &ClosedOnlyModel());
  Document doc;
  const std::string input = kHarbour + "\n\n" + kLead + "\n\n" + kHarbour + "\n\n" +
                            kCaptionedLead + "\n";
  SplitDocument(input, &doc);
  FilterResult result;
  filter.Run(doc, &result);
  ASSERT_EQ(result.drops.size(), 2u);
  EXPECT_EQ(result.drops[0].reason, kReasonNearDuplicate);
  EXPECT_EQ(result.drops[0].similarity, 1.0);
  EXPECT_EQ(result.drops[1].reason, kReasonRestates);
  EXPECT_EQ(result.drops[1].of_line, 3u);
  EXPECT_EQ(result.drops[1].similarity, 1.0);
}

TEST(FilterTest, StatsCountPerReasonAcrossDocuments) {
  RuleSet rules;
  rules.Parse(kTestRules, "test.rules");
  rules.Freeze();
  Filter filter(&rules, TestConfig(), &ClosedOnlyModel());
  FilterResult result;
  Document doc;

  // Document 1: 7 non-blank lines in 5 paragraphs.
  const std::string doc1 = "Home\nNews\n\n" + kB1 + "\n" + kB2 + "\n\nShare this\n\n" +
                           kHarbour + "\n\n" + kHarbour + "\n";
  SplitDocument(doc1, &doc);
  filter.Run(doc, &result);
  // Document 2: the same paragraph as in document 1 is new here (dedup is
  // per document), and a restated sentence.
  const std::string doc2 = kHarbour + "\n\n" + kCouncil + "\n\n" + kLibrary + "\n";
  SplitDocument(doc2, &doc);
  filter.Run(doc, &result);
  EXPECT_TRUE(result.drops.size() == 1 && result.drops[0].reason == kReasonRestated);
  // Document 3: empty.
  SplitDocument("", &doc);
  filter.Run(doc, &result);
  EXPECT_TRUE(result.keep.empty());
  EXPECT_TRUE(result.drops.empty());

  const FilterStats& s = filter.stats();
  EXPECT_EQ(s.documents, 3u);
  EXPECT_EQ(s.lines_in, 7u + 3u);
  EXPECT_EQ(s.lines_out, 3u + 2u);
  EXPECT_EQ(s.paragraphs_in, 5u + 3u);
  EXPECT_EQ(s.paragraphs_out, 2u + 2u);
  const std::map<std::string, std::uint64_t, std::less<>> expected = {
      {std::string(kRuleLineModel), 2},
      {"share", 1},
      {std::string(kReasonNearDuplicate), 1},
      {std::string(kReasonRestated), 1},
  };
  EXPECT_EQ(s.dropped_lines, expected);
}

TEST(FilterTest, InvalidDedupConfigThrows) {
  FilterConfig config = TestConfig();
  config.dedup_config.shingle_words = 0;
  EXPECT_THROW(Filter(nullptr, config), Error);
  config.dedup_config.shingle_words = 3;
  config.dedup_config.jaccard = 2.0;
  EXPECT_THROW(Filter(nullptr, config), Error);
}

// AppendKept on its own, with keep vectors no filter would produce.
struct AppendCase {
  const char* name;
  std::string input;
  std::vector<bool> keep;
  std::string prefix;  // already in the output buffer
  std::string expected;
};

// --explain excerpts: at most 60 bytes, cut between grapheme clusters.
struct ExcerptCase {
  const char* name;
  std::string line;
  std::string excerpt;  // what follows "x:1: rule r: "
};

std::vector<ExcerptCase> ExcerptCases() {
  const std::string a59(59, 'a'), a58(58, 'a'), a57(57, 'a'), a60(60, 'a');
  return {
      {"short line whole", "Share this", "Share this"},
      {"60 bytes whole", a60, a60},
      {"61 bytes cut at 60", a60 + "b", a60 + "..."},
      // é as e + U+0301 (3 bytes) straddling byte 60: the e goes with it.
      {"combining accent stays with its letter", a59 + "e\u0301zz", a59 + "..."},
      {"precomposed letter across the edge", a59 + "\u00e9zz", a59 + "..."},
      {"a letter and its accent that fit are kept", a57 + "e\u0301zz", a57 + "e\u0301..."},
      // Thai ที่ (tho thahan, sara ii, mai ek: 9 bytes) from byte 55.
      {"thai vowel and tone marks stay with the consonant", std::string(55, 'a') + "\u0e17\u0e35\u0e48\u0e19",
       std::string(55, 'a') + "..."},
      // A family emoji (man ZWJ woman ZWJ girl: 18 bytes) from byte 50.
      {"emoji ZWJ sequence is not split", std::string(50, 'a') + "\U0001F468\u200D\U0001F469\u200D\U0001F467 x",
       std::string(50, 'a') + "..."},
      // A flag: two regional indicators (8 bytes) from byte 56.
      {"flag is not split", std::string(56, 'a') + "\U0001F1EC\U0001F1E7 x", std::string(56, 'a') + "..."},
      {"four-byte code point across the edge", a58 + "\U0001F600 x", a58 + "..."},
      // One cluster longer than 60 bytes: cut between code points.
      {"a cluster over 60 bytes is cut between code points",
       "e" + [] { std::string m; for (int i = 0; i < 40; ++i) m += "\u0301"; return m; }(),
       "e" + [] { std::string m; for (int i = 0; i < 29; ++i) m += "\u0301"; return m; }() + "..."},
      {"control characters and invalid bytes are '?'", "a\tb\x7f" "c\xc2\x80" "d\xff\xc3" "e",
       "a?b?c\xc2\x80" "d??e"},
      {"invalid bytes across the edge", a59 + "\xe2\x82zz", a59 + "?..."},
  };
}

TEST(ExplainTest, ExcerptEndsOnAGraphemeBoundary) {
  for (const ExcerptCase& c : ExcerptCases()) {
    SCOPED_TRACE(c.name);
    const std::string text = c.line + "\n";  // the document's lines are views into it
    Document doc;
    SplitDocument(text, &doc);
    FilterResult result;
    result.drops.push_back({1, 1, "r"});
    std::string out;
    AppendExplanation("x", doc, result, &out);
    EXPECT_EQ(out, "x:1: rule r: " + c.excerpt + "\n");
  }
}

TEST(AppendKeptTest, Table) {
  const AppendCase kCases[] = {
      {"nothing kept", "a\n\nb\n", {false, false, false}, "", ""},
      {"nothing kept, buffer untouched", "a\n\nb\n", {false, false, false}, "x\n", "x\n"},
      {"appends without a leading separator", "a\n\nb\n", {true, false, true}, "x\r\n",
       "x\r\na\n\nb\n"},
      {"only the second paragraph", "a\n\nb\n", {false, false, true}, "", "b\n"},
      {"partial paragraphs", "a\nb\nc\n\nd\ne\n", {false, true, false, false, false, true},
       "", "b\n\ne\n"},
      {"paragraph with nothing kept adds no separator",
       "a\n\nb\n\nc\n", {true, false, false, false, true}, "", "a\n\nc\n"},
      {"CRLF paragraph then LF", "a\r\n\r\nb\n", {true, false, true}, "", "a\r\n\r\nb\n"},
      {"LF paragraph then CRLF", "a\n\nb\r\n", {true, false, true}, "", "a\n\nb\r\n"},
      {"last kept line of the paragraph decides", "a\r\nb\n\nc\r\n", {true, true, false, true},
       "", "a\r\nb\n\nc\r\n"},
      {"last kept line decides, CRLF", "a\nb\r\n\nc\n", {true, true, false, true}, "",
       "a\nb\r\n\r\nc\n"},
      {"dropped CRLF line does not decide", "a\nb\r\n\nc\n", {true, false, false, true}, "",
       "a\n\nc\n"},
      {"no blank lines: no separators", "a\r\nb\nc", {true, true, true}, "", "a\r\nb\nc"},
      {"unterminated last line", "a\n\nb", {true, false, true}, "", "a\n\nb"},
      {"a lone CR ends a line, and the blank line after it",
       "a\rb\n\nc\r", {true, false, false, true}, "", "a\r\rc\r"},
      {"U+2029 paragraphs", "a\xe2\x80\xa9\xe2\x80\xa9" "b", {true, false, true}, "",
       "a\xe2\x80\xa9\xe2\x80\xa9" "b"},
      // Found by fuzz_document: a run of CRs before LF ends one line; the
      // blank line after it is CRLF however many CRs there were.
      {"CR runs before LF: the blank line is CRLF", "a\r\r\r\n\nb\r\r\n\nc\n",
       {true, false, true, false, true}, "", "a\r\r\r\n\r\nb\r\r\n\r\nc\n"},
      {"CRs, lone and before LF", "a\rb\r\n\r\r\nc\r", {true, true, false, true}, "",
       "a\rb\r\n\r\nc\r"},
  };
  for (const AppendCase& c : kCases) {
    SCOPED_TRACE(c.name);
    Document doc;
    SplitDocument(c.input, &doc);
    ASSERT_EQ(doc.lines.size(), c.keep.size());
    std::string out = c.prefix;
    AppendKept(doc, c.keep, &out);
    EXPECT_EQ(out, c.expected);
  }
}

TEST(AppendKeptTest, KeepingEverythingNonBlankReproducesNormalisedInput) {
  // With every non-blank line kept, the output is the input with runs of
  // blank lines squeezed to one and blank lines at the ends removed.
  const std::string input = "\n\na\r\nb\r\n\r\n\r\nc\nd\n \n\te\n\n";
  Document doc;
  SplitDocument(input, &doc);
  std::vector<bool> keep;
  for (const Line& l : doc.lines) keep.push_back(!l.blank);
  std::string out;
  AppendKept(doc, keep, &out);
  EXPECT_EQ(out, "a\r\nb\r\n\r\nc\nd\n\n\te\n");
}

TEST(WriteAllTest, DevFullThrows) {
  const int fd = open("/dev/full", O_WRONLY);
  if (fd < 0) GTEST_SKIP() << "/dev/full is not available";
  try {
    WriteAll(fd, "<stdout>", "some data\n");
    ADD_FAILURE() << "WriteAll to /dev/full did not throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.where(), "<stdout>");
    EXPECT_NE(e.message().find("write failed"), std::string::npos) << e.message();
  }
  // Nothing to write is not a failure.
  EXPECT_NO_THROW(WriteAll(fd, "<stdout>", ""));
  close(fd);
}

TEST(WriteAllTest, BadDescriptorThrows) {
  EXPECT_THROW(WriteAll(-1, "out", "x"), Error);
}

TEST(WriteAllTest, LargeWriteThroughAPipeArrivesWhole) {
  // More than a pipe holds: WriteAll must loop over short writes.
  std::string data(1 << 20, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7 + i / 251);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  std::string got;
  std::thread reader([&] { ReadAll(fds[0], "pipe", &got, 4096); });
  WriteAll(fds[1], "pipe", data);
  close(fds[1]);
  reader.join();
  close(fds[0]);
  EXPECT_TRUE(got == data);
  EXPECT_EQ(got.size(), data.size());
}

}  // namespace
}  // namespace winnow
