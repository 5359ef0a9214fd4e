#include "winnow/dedup.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "winnow/error.hpp"
#include "winnow/minhash.hpp"
#include "winnow/normalize.hpp"
#include "winnow/shingle.hpp"

namespace winnow {
namespace {

using Reason = DedupVerdict::Reason;

// "prefix1 prefix2 ... prefixN"
std::string Numbered(std::string_view prefix, int n) {
  std::string s;
  for (int i = 1; i <= n; ++i) {
    if (i > 1) s.push_back(' ');
    s.append(prefix).append(std::to_string(i));
  }
  return s;
}

DedupVerdict Add(ParagraphDeduper* d, std::string_view text, std::uint32_t id) {
  Normalized norm;
  Normalize(text, &norm);
  return d->Add(norm, id);
}

std::vector<std::uint64_t> ShingleSet(std::string_view text, int k = kDefaultShingleWords) {
  Normalized norm;
  Normalize(text, &norm);
  std::vector<std::uint64_t> words, shingles;
  HashWords(norm, kDefaultSeed, &words);
  Shingles(words, k, kDefaultSeed, &shingles);
  return shingles;
}

double ExactJaccard(std::string_view a, std::string_view b) {
  const auto sa = ShingleSet(a), sb = ShingleSet(b);
  const double inter = static_cast<double>(IntersectionSize(sa, sb));
  return inter / (static_cast<double>(sa.size() + sb.size()) - inter);
}

const char* ReasonName(Reason r) {
  switch (r) {
    case Reason::kKeep: return "keep";
    case Reason::kNearDuplicate: return "near-duplicate";
    case Reason::kRestates: return "restates";
    case Reason::kRestated: return "restated";
  }
  return "?";
}

// 22 words.
constexpr std::string_view kHarbour =
    "The harbour authority confirmed that the northern pier will remain closed to "
    "visitors until engineers finish a full survey of the damage.";
// The same, other case, spacing and punctuation.
constexpr std::string_view kHarbourShouted =
    "THE HARBOUR AUTHORITY CONFIRMED THAT THE NORTHERN PIER WILL REMAIN CLOSED "
    "TO VISITORS -- UNTIL ENGINEERS FINISH A FULL SURVEY OF THE DAMAGE !";
// The last word changed: 19 of 20 shingles shared.
constexpr std::string_view kHarbourLastWord =
    "The harbour authority confirmed that the northern pier will remain closed to "
    "visitors until engineers finish a full survey of the wreckage.";
// Words 4, 10 and 16 changed: 11 of 20 shingles shared.
constexpr std::string_view kHarbourReworded =
    "The harbour authority said that the northern pier will stay closed to "
    "visitors until engineers complete a full survey of the damage.";
constexpr std::string_view kConcert =
    "Tickets for the summer concert series go on sale next week at the box office "
    "and online.";

// The flood-barrier example of the project brief (corpus/issue_example.txt):
// the lead, then the lead restated with "U.K." for "UK" and a space before
// the comma, followed by a "Pictured:" caption.
constexpr std::string_view kLead =
    "Flood barriers failed in three towns overnight, according to a report by a "
    "UK-based engineering panel.";
constexpr std::string_view kCaptionedLead =
    "Flood barriers failed in three towns overnight , according to a report by a "
    "U.K.-based engineering panel. Pictured: Residents wade through water in "
    "Carlisle, Cumbria, on 12 March 2025";

// 29 words, and a 12-word sentence taken from it.
constexpr std::string_view kCouncil =
    "The council met on Monday evening to discuss the budget. Councillors agreed "
    "that the new library would open in the spring after a long delay caused by "
    "the floods.";
constexpr std::string_view kLibrary =
    "Councillors agreed that the new library would open in the spring.";

const std::string kEight = "alpha beta gamma delta epsilon zeta eta theta";
const std::string kSeven = "alpha beta gamma delta epsilon zeta eta";

// The thresholds the rows below are built around, set here so that tuning a
// default does not silently change what a row tests.
DedupConfig TestConfig() {
  DedupConfig c;
  c.shingle_words = 3;
  c.permutations = 128;
  c.seed = kDefaultSeed;
  c.jaccard = 0.7;
  c.containment = 0.8;
  c.min_containment_words = 8;
  c.max_growth = 3.0;
  return c;
}

struct Expect {
  Reason reason;
  std::uint32_t of = 0;  // the id of the earlier paragraph (ids are 1-based)
};

struct DedupCase {
  const char* name;
  std::vector<std::string> paragraphs;  // ids 1, 2, ...
  std::vector<Expect> expected;
  std::function<void(DedupConfig*)> configure = nullptr;
};

std::vector<DedupCase> DedupCases() {
  const Expect keep{Reason::kKeep};
  auto near = [](std::uint32_t of) { return Expect{Reason::kNearDuplicate, of}; };
  auto restates = [](std::uint32_t of) { return Expect{Reason::kRestates, of}; };
  auto restated = [](std::uint32_t of) { return Expect{Reason::kRestated, of}; };
  const std::string s(kEight);
  return {
      {"first paragraph is kept", {std::string(kHarbour)}, {keep}},
      {"exact duplicate", {std::string(kHarbour), std::string(kHarbour)}, {keep, near(1)}},
      {"duplicate up to case and punctuation",
       {std::string(kHarbour), std::string(kHarbourShouted)},
       {keep, near(1)}},
      {"one word changed is a near duplicate",
       {std::string(kHarbour), std::string(kHarbourLastWord)},
       {keep, near(1)}},
      {"rewording below the threshold is kept",
       {std::string(kHarbour), std::string(kHarbourReworded)},
       {keep, keep}},
      {"unrelated paragraph is kept",
       {std::string(kHarbour), std::string(kConcert)},
       {keep, keep}},
      {"each later copy refers to the first occurrence",
       {std::string(kHarbour), std::string(kConcert), std::string(kHarbour),
        std::string(kConcert), std::string(kHarbour)},
       {keep, keep, near(1), near(2), near(1)}},
      {"lead restated behind a caption",
       {std::string(kLead), std::string(kCaptionedLead)},
       {keep, restates(1)}},
      {"a dropped paragraph is not remembered",
       {std::string(kLead), std::string(kCaptionedLead), std::string(kCaptionedLead)},
       {keep, restates(1), restates(1)}},
      {"a sentence first, then a story that holds it and adds facts: kept",
       {std::string(kLibrary), std::string(kCouncil)},
       {keep, keep}},
      {"a sentence first, then the same with a photo caption: restates",
       {std::string(kLibrary), std::string(kLibrary) + " Pictured: the site of the new library in March"},
       {keep, restates(1)}},
      {"sentence repeated from an earlier paragraph",
       {std::string(kCouncil), std::string(kLibrary)},
       {keep, restated(1)}},
      // min_containment_words = 8.
      {"restated: shorter has min_containment_words words",
       {s + " " + Numbered("f", 7), s},
       {keep, restated(1)}},
      {"restated: shorter has one word too few",
       {kSeven + " " + Numbered("f", 8), kSeven},
       {keep, keep}},
      {"restates: earlier has one word too few",
       {kSeven, kSeven + " " + Numbered("f", 8)},
       {keep, keep}},
      // max_growth = 3: the longer paragraph may have up to 24 words.
      {"restated: longer is exactly max_growth times longer",
       {s + " " + Numbered("f", 16), s},
       {keep, restated(1)}},
      {"restated: longer is one word past max_growth",
       {s + " " + Numbered("f", 17), s},
       {keep, keep}},
      // (What the longer one adds is a caption here: added content would
      // keep it whatever its length.)
      {"restates: longer is exactly max_growth times longer",
       {s, "Photo " + Numbered("f", 15) + " " + s},
       {keep, restates(1)}},
      {"restates: longer is one word past max_growth",
       {s, "Photo " + Numbered("f", 16) + " " + s},
       {keep, keep}},
      {"restates: what the longer adds is content, not a caption",
       {s, Numbered("f", 15) + " " + s},
       {keep, keep}},
      {"containment below the threshold is kept",
       // Only 3 of the edited sentence's 6 shingles are in the earlier one.
       {s + " " + Numbered("f", 8), "alpha beta gamma delta CHANGED zeta eta theta"},
       {keep, keep}},
      {"paragraphs without words are kept and not remembered",
       {"...", "...", "\xe2\x80\x94 !", std::string(kHarbour)},
       {keep, keep, keep, keep}},
      {"jaccard threshold from the config",
       {std::string(kHarbour), std::string(kHarbourLastWord)},
       {keep, keep},
       [](DedupConfig* c) {
         c->jaccard = 0.95;       // 19/21 = 0.905 is below it now
         c->containment = 0.99;   // and so is containment 19/20
       }},
      {"min_containment_words from the config",
       {s + " " + Numbered("f", 7), s},
       {keep, keep},
       [](DedupConfig* c) { c->min_containment_words = 9; }},
      {"max_growth from the config",
       {s + " " + Numbered("f", 16), s},
       {keep, keep},
       [](DedupConfig* c) { c->max_growth = 2.5; }},
  };
}

TEST(ParagraphDeduperTest, Table) {
  for (const DedupCase& c : DedupCases()) {
    SCOPED_TRACE(c.name);
    ASSERT_EQ(c.paragraphs.size(), c.expected.size());
    DedupConfig config = TestConfig();
    if (c.configure) c.configure(&config);
    ParagraphDeduper d(config);
    for (std::size_t i = 0; i < c.paragraphs.size(); ++i) {
      SCOPED_TRACE(i + 1);
      const DedupVerdict v = Add(&d, c.paragraphs[i], static_cast<std::uint32_t>(i + 1));
      EXPECT_STREQ(ReasonName(v.reason), ReasonName(c.expected[i].reason));
      if (c.expected[i].reason != Reason::kKeep) {
        EXPECT_EQ(v.of, c.expected[i].of);
        EXPECT_GT(v.similarity, 0.0);
        EXPECT_LE(v.similarity, 1.0);
      }
    }
  }
}

TEST(ParagraphDeduperTest, SimilarityIsExact) {
  struct {
    std::string_view first, second;
    Reason reason;
    double similarity;
  } const kCases[] = {
      {kHarbour, kHarbour, Reason::kNearDuplicate, 1.0},
      {kHarbour, kHarbourShouted, Reason::kNearDuplicate, 1.0},
      {kHarbour, kHarbourLastWord, Reason::kNearDuplicate, 19.0 / 21.0},
      {kLead, kCaptionedLead, Reason::kRestates, 1.0},
      {kCouncil, kLibrary, Reason::kRestated, 1.0},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(std::string(c.second));
    ParagraphDeduper d(TestConfig());
    ASSERT_EQ(Add(&d, c.first, 10).reason, Reason::kKeep);
    const DedupVerdict v = Add(&d, c.second, 20);
    EXPECT_EQ(v.reason, c.reason);
    EXPECT_EQ(v.of, 10u);
    EXPECT_DOUBLE_EQ(v.similarity, c.similarity);
    if (c.reason == Reason::kNearDuplicate) {
      EXPECT_DOUBLE_EQ(v.similarity, ExactJaccard(c.first, c.second));
    }
  }
  // The rows rely on these exact similarities.
  EXPECT_LT(ExactJaccard(kHarbour, kHarbourReworded), 0.7);
  EXPECT_LT(ExactJaccard(kLead, kCaptionedLead), 0.7);
  EXPECT_LT(ExactJaccard(kCouncil, kLibrary), 0.7);
}

TEST(ParagraphDeduperTest, ResetForgets) {
  ParagraphDeduper d(TestConfig());
  ASSERT_EQ(Add(&d, kHarbour, 1).reason, Reason::kKeep);
  ASSERT_EQ(Add(&d, kCouncil, 2).reason, Reason::kKeep);
  ASSERT_EQ(Add(&d, kHarbour, 3).reason, Reason::kNearDuplicate);
  d.Reset();
  EXPECT_EQ(Add(&d, kHarbour, 4).reason, Reason::kKeep);
  EXPECT_EQ(Add(&d, kLibrary, 5).reason, Reason::kKeep);  // kCouncil forgotten
  const DedupVerdict v = Add(&d, kHarbour, 6);
  EXPECT_EQ(v.reason, Reason::kNearDuplicate);
  EXPECT_EQ(v.of, 4u);
}

// Paragraphs drawn from a small vocabulary, many of them edited copies of
// earlier ones, so that every verdict occurs.
std::vector<std::string> RandomParagraphs(std::uint64_t seed, int count) {
  static const char* const kVocab[] = {
      "river", "town", "flood", "council", "said", "the", "a", "of", "new",
      "bridge", "school", "rain", "week", "police", "road", "closed", "open",
      "water", "crews", "homes", "north", "south", "morning", "night"};
  std::mt19937_64 rng(seed);
  std::vector<std::vector<std::string>> paras;
  for (int i = 0; i < count; ++i) {
    std::vector<std::string> words;
    if (!paras.empty() && rng() % 2 == 0) {
      words = paras[rng() % paras.size()];
      const int edits = static_cast<int>(rng() % 4);
      for (int e = 0; e < edits && !words.empty(); ++e) {
        words[rng() % words.size()] = kVocab[rng() % std::size(kVocab)];
      }
      if (rng() % 3 == 0) {
        // Added words: content, or (half of the time) a caption.
        if (rng() % 2 == 0) words.push_back("Pictured");
        for (int e = 0; e < 10; ++e) words.push_back(kVocab[rng() % std::size(kVocab)]);
      }
      if (rng() % 3 == 0 && words.size() > 12) words.resize(words.size() / 2);
    } else {
      const int n = static_cast<int>(rng() % 30);
      for (int w = 0; w < n; ++w) words.push_back(kVocab[rng() % std::size(kVocab)]);
    }
    paras.push_back(words);
  }
  std::vector<std::string> out;
  for (const auto& words : paras) {
    std::string s;
    for (const auto& w : words) s.append(w).push_back(' ');
    out.push_back(s);
  }
  return out;
}

TEST(ParagraphDeduperTest, DeterministicAcrossInstances) {
  const std::vector<std::string> paras = RandomParagraphs(42, 300);
  ParagraphDeduper a(TestConfig()), b(TestConfig());
  std::vector<DedupVerdict> first;
  int counts[4] = {0, 0, 0, 0};
  for (std::uint32_t i = 0; i < paras.size(); ++i) {
    const DedupVerdict va = Add(&a, paras[i], i);
    const DedupVerdict vb = Add(&b, paras[i], i);
    ASSERT_EQ(va.reason, vb.reason) << i;
    ASSERT_EQ(va.of, vb.of) << i;
    ASSERT_EQ(va.similarity, vb.similarity) << i;
    first.push_back(va);
    ++counts[static_cast<int>(va.reason)];
  }
  // The sequence exercised every kind of verdict.
  for (int r = 0; r < 4; ++r) EXPECT_GT(counts[r], 0) << ReasonName(static_cast<Reason>(r));
  // After Reset an instance behaves exactly like a new one.
  a.Reset();
  for (std::uint32_t i = 0; i < paras.size(); ++i) {
    const DedupVerdict v = Add(&a, paras[i], i);
    ASSERT_EQ(v.reason, first[i].reason) << i;
    ASSERT_EQ(v.of, first[i].of) << i;
    ASSERT_EQ(v.similarity, first[i].similarity) << i;
  }
}

TEST(ParagraphDeduperTest, VerdictsAgreeWithExactSimilarities) {
  // Every drop is backed by an exact check against a kept paragraph.
  const std::vector<std::string> paras = RandomParagraphs(7, 300);
  const DedupConfig config = TestConfig();
  ParagraphDeduper d(config);
  std::vector<std::string> kept(paras.size());
  for (std::uint32_t i = 0; i < paras.size(); ++i) {
    const DedupVerdict v = Add(&d, paras[i], i);
    if (v.reason == Reason::kKeep) {
      kept[i] = paras[i];
      continue;
    }
    ASSERT_LT(v.of, i);
    ASSERT_FALSE(kept[v.of].empty()) << "dropped as a copy of a dropped paragraph";
    const auto mine = ShingleSet(paras[i]);
    const auto theirs = ShingleSet(kept[v.of]);
    const double inter = static_cast<double>(IntersectionSize(mine, theirs));
    switch (v.reason) {
      case Reason::kNearDuplicate:
        EXPECT_DOUBLE_EQ(v.similarity, inter / (mine.size() + theirs.size() - inter));
        EXPECT_GE(v.similarity, config.jaccard);
        break;
      case Reason::kRestates:
        EXPECT_DOUBLE_EQ(v.similarity, inter / theirs.size());
        EXPECT_GE(v.similarity, config.containment);
        break;
      case Reason::kRestated:
        EXPECT_DOUBLE_EQ(v.similarity, inter / mine.size());
        EXPECT_GE(v.similarity, config.containment);
        break;
      case Reason::kKeep:
        break;
    }
  }
}

TEST(ParagraphDeduperTest, InvalidConfigThrows) {
  struct {
    const char* name;
    std::function<void(DedupConfig*)> configure;
    bool ok;
  } const kCases[] = {
      {"defaults", [](DedupConfig*) {}, true},
      {"shingle 0", [](DedupConfig* c) { c->shingle_words = 0; }, false},
      {"shingle 1", [](DedupConfig* c) { c->shingle_words = 1; }, true},
      {"shingle 16", [](DedupConfig* c) { c->shingle_words = kMaxShingleWords; }, true},
      {"shingle 17", [](DedupConfig* c) { c->shingle_words = kMaxShingleWords + 1; }, false},
      {"permutations 0", [](DedupConfig* c) { c->permutations = 0; }, false},
      {"permutations 1", [](DedupConfig* c) { c->permutations = 1; }, true},
      {"permutations over max",
       [](DedupConfig* c) { c->permutations = kMaxPermutations + 1; }, false},
      {"jaccard 0", [](DedupConfig* c) { c->jaccard = 0.0; }, false},
      {"jaccard 1", [](DedupConfig* c) { c->jaccard = 1.0; }, true},
      {"jaccard above 1", [](DedupConfig* c) { c->jaccard = 1.01; }, false},
      {"containment 0", [](DedupConfig* c) { c->containment = 0.0; }, false},
      {"containment 1", [](DedupConfig* c) { c->containment = 1.0; }, true},
      {"containment above 1", [](DedupConfig* c) { c->containment = 1.5; }, false},
      {"min_containment_words 0", [](DedupConfig* c) { c->min_containment_words = 0; }, false},
      {"min_containment_words 1", [](DedupConfig* c) { c->min_containment_words = 1; }, true},
      {"max_growth below 1", [](DedupConfig* c) { c->max_growth = 0.99; }, false},
      {"max_growth 1", [](DedupConfig* c) { c->max_growth = 1.0; }, true},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.name);
    DedupConfig config;
    c.configure(&config);
    if (c.ok) {
      EXPECT_NO_THROW(ParagraphDeduper{config});
    } else {
      try {
        ParagraphDeduper d(config);
        ADD_FAILURE() << "no error";
      } catch (const Error& e) {
        EXPECT_FALSE(e.where().empty());  // names the option
        EXPECT_FALSE(e.message().empty());
      }
    }
  }
}

TEST(ParagraphDeduperTest, LshParamsFollowTheConfig) {
  EXPECT_EQ(ParagraphDeduper(TestConfig()).lsh_params().bands, 14);
  EXPECT_EQ(ParagraphDeduper(TestConfig()).lsh_params().rows, 9);
  DedupConfig c = TestConfig();
  c.permutations = 64;
  const LshParams p = ParagraphDeduper(c).lsh_params();
  EXPECT_LE(p.bands * p.rows, 64);
}

}  // namespace
}  // namespace winnow
