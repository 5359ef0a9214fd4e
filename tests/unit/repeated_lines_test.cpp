#include "winnow/repeated_lines.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "winnow/error.hpp"

namespace winnow {
namespace {

TEST(RepeatedLinesTest, Eligible) {
  struct Row {
    int words;
    bool closed;
    bool eligible;
  };
  // Defaults: at most 12 words; a closed line of 5 or more words is a
  // sentence and never counted.
  const RepeatedLinesConfig defaults;
  ASSERT_EQ(defaults.max_words, 12);
  ASSERT_EQ(defaults.sentence_words, 5);
  const Row default_rows[] = {
      {0, false, false}, {0, true, false},   // nothing to count
      {1, false, true},  {1, true, true},    // "Home", "Menu."
      {4, true, true},                       // closed, but too short for a sentence
      {5, true, false},  {5, false, true},   // the sentence boundary
      {6, true, false},  {11, false, true},
      {12, false, true}, {12, true, false},  // the length boundary
      {13, false, false}, {13, true, false},
      {1000, false, false},
  };
  {
    RepeatedLines lines(defaults);
    for (const Row& row : default_rows) {
      EXPECT_EQ(lines.Eligible(row.words, row.closed), row.eligible)
          << row.words << " words, closed " << row.closed;
    }
  }
  // Other bounds move both boundaries.
  RepeatedLinesConfig config;
  config.max_words = 3;
  config.sentence_words = 2;
  const Row rows[] = {
      {0, false, false}, {1, true, true}, {1, false, true}, {2, true, false}, {2, false, true},
      {3, false, true},  {3, true, false}, {4, false, false},
  };
  RepeatedLines lines(config);
  for (const Row& row : rows) {
    EXPECT_EQ(lines.Eligible(row.words, row.closed), row.eligible)
        << "max 3, sentence 2: " << row.words << " words, closed " << row.closed;
  }
  // sentence_words above max_words: closure never matters.
  config.max_words = 4;
  config.sentence_words = 10;
  RepeatedLines loose(config);
  for (int words = 1; words <= 4; ++words) {
    EXPECT_TRUE(loose.Eligible(words, true)) << words;
    EXPECT_TRUE(loose.Eligible(words, false)) << words;
  }
  EXPECT_FALSE(loose.Eligible(5, false));
}

// The site of a url: the host, lower-cased, without www., port, user.
TEST(RepeatedLinesTest, SiteOf) {
  const std::pair<const char*, const char*> rows[] = {
      {"https://example.org/a/b?c#d", "example.org"},
      {"https://WWW.Example.ORG:8080/", "example.org"},
      {"http://user:pw@shop.example.com/x", "shop.example.com"},
      {"https://m.clarion.example/swans", "m.clarion.example"},
      {"https://example.org.", "example.org"},
      {"https://[2001:db8::1]:443/p", "[2001:db8::1]"},
      {"example.org/path", "example.org"},
      {"https://example.org?q=1", "example.org"},
      {"", ""},
      {"https://", ""},
      {"/relative/path", ""},
  };
  std::string buffer;
  for (const auto& [url, site] : rows) EXPECT_EQ(SiteOf(url, &buffer), site) << url;
}

using Line = RepeatedLines::Line;

// What one document holds: its site (0: none) and its lines.
struct Doc {
  std::uint64_t site;
  std::vector<Line> lines;
};

// Adds `docs` in order; then judges `probe` and returns its verdicts.
std::vector<bool> JudgeAfter(const RepeatedLinesConfig& config, std::vector<Doc> docs, Doc probe) {
  RepeatedLines lines(config);
  for (Doc& d : docs) lines.AddDocument(d.site, &d.lines);
  std::vector<bool> repeated;
  lines.Judge(probe.site, probe.lines, &repeated);
  return repeated;
}

constexpr std::uint64_t kSiteA = 0xA1, kSiteB = 0xB1;
constexpr std::uint64_t kFooter = 1001, kIngredients = 1002, kMenu = 1003, kMenu2 = 1006, kSkip = 1004,
                        kEggs = 1005, kOwn = 7000;

// `n` documents of `site`, each with the given lines and a line of its own.
std::vector<Doc> Docs(std::size_t n, std::uint64_t site, std::vector<Line> shared,
                      std::uint64_t own_from = kOwn) {
  std::vector<Doc> docs;
  for (std::size_t i = 0; i < n; ++i) {
    Doc d{site, shared};
    d.lines.push_back({own_from + i, true, false});
    docs.push_back(d);
  }
  return docs;
}

std::vector<Doc> Concat(std::vector<std::vector<Doc>> parts) {
  std::vector<Doc> all;
  for (auto& p : parts) all.insert(all.end(), p.begin(), p.end());
  return all;
}

// Each scope of repetition, at its boundaries.
TEST(RepeatedLinesTest, ScopesDecideWhatIsRepeated) {
  struct Row {
    const char* name;
    std::vector<Doc> before;
    Doc probe;
    std::vector<bool> repeated;
  };
  const Line footer{kFooter, false, false};  // a long sentence: site scope only
  const Line ingredients{kIngredients, true, false};
  const Line menu_kept{kMenu, true, false}, menu_dropped{kMenu, true, true};
  const Line menu2_kept{kMenu2, true, false}, menu2_dropped{kMenu2, true, true};
  const Line eggs{kEggs, true, false};
  const Line skip{kSkip, true, false};
  std::vector<Doc> many_sites;  // "Skip to content" on 100 sites
  for (std::uint64_t site = 1; site <= 100; ++site) {
    many_sites.push_back({site * 0x1000 + 1, {skip, {kOwn + site, true, false}}});
  }
  std::vector<Doc> ninety_nine(many_sites.begin(), many_sites.end() - 1);
  const Row rows[] = {
      {"a long footer sentence on 10 pages of a site", Docs(10, kSiteA, {footer}),
       {kSiteA, {footer}}, {true}},
      {"... on 9 pages", Docs(9, kSiteA, {footer}), {kSiteA, {footer}}, {false}},
      {"... on 10 pages of another site", Docs(10, kSiteB, {footer}), {kSiteA, {footer}}, {false}},
      {"... on 10 pages without a site", Docs(10, 0, {footer}), {0, {footer}}, {false}},
      {"a line on 10 of a site's 25 pages (under half)",
       Concat({Docs(10, kSiteA, {eggs}), Docs(15, kSiteA, {}, 8000)}), {kSiteA, {eggs}}, {false}},
      {"a line on 13 of a site's 25 pages", Concat({Docs(13, kSiteA, {eggs}), Docs(12, kSiteA, {}, 8000)}),
       {kSiteA, {eggs}}, {true}},
      {"a heading shared by 20 recipes without a site", Docs(20, 0, {ingredients}),
       {0, {ingredients}}, {false}},
      {"... by 20 recipes of 20 sites", [&] {
         std::vector<Doc> d;
         for (std::uint64_t i = 0; i < 20; ++i) d.push_back({0x5000 + i, {ingredients, {kOwn + i, true, false}}});
         return d;
       }(), {0x9999, {ingredients}}, {false}},
      {"a menu the rules dropped on 10 pages, kept here", Docs(10, 0, {menu_dropped, menu2_dropped}),
       {0, {menu_kept, menu2_kept}}, {true, true}},
      {"... dropped on 9", Docs(9, 0, {menu_dropped, menu2_dropped}), {0, {menu_kept, menu2_kept}},
       {false, false}},
      {"... dropped on 10 of 25 pages (kept on most)",
       Concat({Docs(10, 0, {menu_dropped, menu2_dropped}), Docs(15, 0, {menu_kept, menu2_kept}, 8000)}),
       {0, {menu_kept, menu2_kept}}, {false, false}},
      {"... one of its lines alone here (a heading, a list number)",
       Docs(10, 0, {menu_dropped, menu2_dropped}), {0, {menu_kept}}, {false}},
      {"... its lines apart here", Docs(10, 0, {menu_dropped, menu2_dropped}),
       {0, {menu_kept, eggs, menu2_kept}}, {false, false, false}},
      {"... dropped on 10 of a site's 25 pages (too few for the site's template), kept on one",
       Concat({Docs(10, kSiteA, {menu_dropped, menu2_dropped}), Docs(15, kSiteA, {}, 8000)}),
       {kSiteA, {menu_kept, menu2_kept}}, {true, true}},
      {"... kept on a page of another site",
       Concat({Docs(10, kSiteA, {menu_dropped, menu2_dropped}), Docs(15, kSiteA, {}, 8000)}),
       {kSiteB, {menu_kept, menu2_kept}}, {false, false}},
      {"a short line on 100 sites and in over 1% of documents", many_sites,
       {0x9999, {skip}}, {true}},
      {"... on 99 sites", ninety_nine, {0x9999, {skip}}, {false}},
      {"a line never seen", Docs(30, kSiteA, {footer}), {kSiteA, {{999999, true, false}}}, {false}},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(JudgeAfter(RepeatedLinesConfig{}, row.before, row.probe), row.repeated) << row.name;
  }
}

// A line repeated within one document counts once; a line the rules
// dropped anywhere in it counts as dropped.
TEST(RepeatedLinesTest, LinesCountOncePerDocument) {
  RepeatedLines lines(RepeatedLinesConfig{});
  for (int i = 0; i < 9; ++i) {
    std::vector<Line> doc = {{5, true, false}, {5, true, true}, {5, true, false}};
    lines.AddDocument(kSiteA, &doc);
  }
  std::vector<bool> repeated;
  lines.Judge(kSiteA, {{5, true, false}}, &repeated);
  EXPECT_FALSE(repeated[0]) << "9 documents, not 27";
  std::vector<Line> doc = {{5, true, false}};
  lines.AddDocument(kSiteA, &doc);
  lines.Judge(kSiteA, {{5, true, false}}, &repeated);
  EXPECT_TRUE(repeated[0]);
  EXPECT_EQ(lines.documents(), 10u);
}

// Never-seen lines are judged repeated in under kMaxFalseRepeated of cases
// at every point of a long stream: a simulation of 100 million documents
// of 50 lines, scaled down 128 times in the stream, the table (2^19 / 128 =
// 4,096 counters a row) and the populations of recurring lines, so that it
// makes as many generations (windows) as the real one would. The stream:
// 20,000 / 128 sites of Zipf-distributed size, each with a template of 4
// lines (one a long sentence); per document 42 lines of its own and 4
// short lines drawn from 5,000 / 128 that recur everywhere (one of them
// dropped by the rules). Each of 100 checkpoints judges 20,000 fresh lines,
// half with a site, half without.
TEST(RepeatedLinesTest, NeverSeenLinesStayUnder0Point1PercentAtEveryPoint) {
  RepeatedLinesConfig config;
  constexpr std::uint64_t kScale = 128;
  config.log2_width = 19 - 7;
  RepeatedLines lines(config);
  std::mt19937_64 rng(0x51e5);
  const std::uint64_t documents = 100'000'000 / kScale;
  const double sites = 20000.0 / kScale;
  const std::uint64_t recurring = 5000 / kScale;
  const int checkpoints = 100;
  std::uint64_t next_key = 1;
  std::vector<Line> doc;
  std::vector<bool> repeated;
  std::uint64_t judged = 0, wrong = 0, template_found = 0, template_judged = 0;
  double worst_bound = 0.0;
  std::uint64_t least_window = ~std::uint64_t{0};
  for (std::uint64_t d = 1; d <= documents; ++d) {
    // Site s has weight 1/s (Zipf).
    const double u = std::uniform_real_distribution<double>(0.0, std::log(sites))(rng);
    const std::uint64_t s = static_cast<std::uint64_t>(std::exp(u));
    const std::uint64_t site = 0x100000 + s;
    doc.clear();
    for (std::uint64_t t = 0; t < 4; ++t) doc.push_back({(site << 8) + t, t != 3, false});
    for (int i = 0; i < 42; ++i) doc.push_back({(next_key++) << 20, (i % 3) == 0, false});
    for (int i = 0; i < 4; ++i) doc.push_back({0x7000000 + rng() % recurring, true, i == 0});
    if (d % (documents / checkpoints) == 0) {
      // The template of the largest site, seen often: still found.
      lines.Judge(0x100001, {{(std::uint64_t{0x100001} << 8), true, false}}, &repeated);
      template_found += repeated[0];
      ++template_judged;
      std::vector<Line> fresh;
      for (int i = 0; i < 10000; ++i) fresh.push_back({((next_key++) << 20) | 1, i % 2 == 0, false});
      lines.Judge(site, fresh, &repeated);
      wrong += std::count(repeated.begin(), repeated.end(), true);
      lines.Judge(0, fresh, &repeated);
      wrong += std::count(repeated.begin(), repeated.end(), true);
      judged += 2 * fresh.size();
      EXPECT_LT(static_cast<double>(wrong) / static_cast<double>(judged), kMaxFalseRepeated)
          << "after " << d << " documents";
    }
    lines.AddDocument(site, &doc);
    worst_bound = std::max(worst_bound, lines.FalseRepeatedBound());
    if (lines.rotations() > 1) least_window = std::min(least_window, lines.window_documents());
    ASSERT_FALSE(lines.at_capacity());
  }
  EXPECT_LT(worst_bound, kMaxFalseRepeated);
  EXPECT_GT(lines.rotations(), 100u) << "the simulation must cover many windows";
  EXPECT_EQ(template_found, template_judged) << "a frequent site's template is still learnt";
  std::printf("never-seen lines judged repeated: %llu of %llu; worst bound %.6f; %llu windows, "
              "the shortest %llu documents\n",
              static_cast<unsigned long long>(wrong), static_cast<unsigned long long>(judged), worst_bound,
              static_cast<unsigned long long>(lines.rotations()),
              static_cast<unsigned long long>(least_window));
}

// Documents with more distinct lines than the table can hold: at capacity,
// nothing is judged repeated (rather than everything), and it recovers.
TEST(RepeatedLinesTest, AtCapacityNothingIsRepeated) {
  RepeatedLinesConfig config;
  config.log2_width = 8;  // 256 counters a row
  config.min_documents = 2;
  RepeatedLines lines(config);
  std::vector<Line> doc;
  for (std::uint64_t k = 0; k < 5000; ++k) doc.push_back({k << 16, true, false});
  std::vector<Line> copy = doc;
  lines.AddDocument(kSiteA, &copy);
  copy = doc;
  lines.AddDocument(kSiteA, &copy);
  EXPECT_TRUE(lines.at_capacity());
  std::vector<bool> repeated;
  lines.Judge(kSiteA, {{123456789, true, false}, {0, true, false}}, &repeated);
  EXPECT_EQ(repeated, (std::vector<bool>{false, false}));
  // Small documents again: the counts recover within two generations.
  for (std::uint64_t i = 0; i < 10; ++i) {
    std::vector<Line> small = {{77, true, false}};
    lines.AddDocument(kSiteA, &small);
  }
  EXPECT_FALSE(lines.at_capacity());
  lines.Judge(kSiteA, {{77, true, false}}, &repeated);
  EXPECT_TRUE(repeated[0]);
}

// 16-bit counters stop at their maximum instead of wrapping to 0.
TEST(RepeatedLinesTest, CountersSaturate) {
  RepeatedLinesConfig config;
  config.min_documents = 65535;
  config.log2_width = 10;
  RepeatedLines lines(config);
  constexpr std::uint32_t kMax = std::numeric_limits<std::uint16_t>::max();
  for (std::uint32_t i = 1; i <= kMax + 10; ++i) {
    std::vector<Line> doc = {{42, true, false}};
    lines.AddDocument(kSiteA, &doc);
  }
  std::vector<bool> repeated;
  lines.Judge(kSiteA, {{42, true, false}}, &repeated);
  EXPECT_TRUE(repeated[0]);
}

// The state carries everything: set into a new instance of the same
// configuration, every judgement is the same; inconsistent state is refused.
TEST(RepeatedLinesTest, StateRoundTrip) {
  RepeatedLinesConfig config;
  config.log2_width = 10;
  RepeatedLines a(config);
  std::mt19937_64 rng(5);
  for (int d = 0; d < 3000; ++d) {
    std::vector<Line> doc;
    for (int i = 0; i < 20; ++i) doc.push_back({rng() % 400, i % 2 == 0, i % 5 == 0});
    a.AddDocument(d % 7, &doc);
  }
  EXPECT_GT(a.rotations(), 0u);
  RepeatedLines b(config);
  b.set_state(a.state());
  std::vector<Line> probe;
  for (std::uint64_t k = 0; k < 500; ++k) probe.push_back({k, k % 2 == 0, false});
  for (std::uint64_t site = 0; site < 8; ++site) {
    std::vector<bool> ra, rb;
    a.Judge(site, probe, &ra);
    b.Judge(site, probe, &rb);
    EXPECT_EQ(ra, rb);
  }
  EXPECT_EQ(b.window_documents(), a.window_documents());
  RepeatedLines::State bad = a.state();
  bad.counts[0][3] = 60000;  // no longer matches its heavy counts
  RepeatedLines c(config);
  EXPECT_THROW(c.set_state(bad), Error);
  bad = a.state();
  bad.counts[1].pop_back();
  EXPECT_THROW(c.set_state(bad), Error);
}

}  // namespace
}  // namespace winnow
