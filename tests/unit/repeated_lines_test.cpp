#include "winnow/repeated_lines.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

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

// A key added in N documents is Repeated() from then on, not before, for
// min_documents N; other keys in the same documents do not disturb it.
TEST(RepeatedLinesTest, RepeatedExactlyFromTheNthDocument) {
  for (std::uint32_t n : {1u, 2u, 3u, 10u, 100u}) {
    SCOPED_TRACE("min_documents " + std::to_string(n));
    RepeatedLinesConfig config;
    config.min_documents = n;
    RepeatedLines lines(config);
    std::mt19937_64 rng(n);
    const std::uint64_t key = 0x123456789abcdefULL;
    EXPECT_EQ(lines.Seen(key), 0u);
    EXPECT_FALSE(lines.Repeated(key));
    for (std::uint32_t added = 1; added <= n + 3; ++added) {
      std::vector<std::uint64_t> keys = {rng(), key, rng(), rng()};
      lines.AddDocument(&keys);
      // A document without the key changes nothing for it.
      std::vector<std::uint64_t> others = {rng(), rng()};
      lines.AddDocument(&others);
      EXPECT_EQ(lines.Seen(key), added);
      EXPECT_EQ(lines.Repeated(key), added >= n) << "after " << added << " documents";
    }
  }
}

TEST(RepeatedLinesTest, DuplicatesWithinADocumentCountOnce) {
  struct Row {
    std::string name;
    std::vector<std::vector<std::uint64_t>> documents;
    std::map<std::uint64_t, std::uint32_t> seen;
  };
  const Row rows[] = {
      {"one key three times", {{7, 7, 7}}, {{7, 1}}},
      {"duplicates around another key", {{7, 9, 7, 9, 7}}, {{7, 1}, {9, 1}}},
      {"across documents", {{7, 7}, {7}, {9, 7, 9}}, {{7, 3}, {9, 1}}},
      {"key zero and the largest key", {{0, 0, ~0ULL}, {~0ULL, ~0ULL}}, {{0, 1}, {~0ULL, 2}}},
      {"an empty document", {{}, {5}}, {{5, 1}, {6, 0}}},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    RepeatedLinesConfig config;
    config.min_documents = 2;
    RepeatedLines lines(config);
    for (std::vector<std::uint64_t> keys : row.documents) lines.AddDocument(&keys);
    for (const auto& [key, count] : row.seen) {
      EXPECT_EQ(lines.Seen(key), count) << "key " << key;
      EXPECT_EQ(lines.Repeated(key), count >= 2) << "key " << key;
    }
  }
}

// 10,000 distinct random keys, each added in one document (ten keys a
// document), min_documents 2: none may read as repeated.
//
// The bound: a key reads 2 only if each of its 4 counters was raised by
// another key, and each row of 2^20 counters holds 10,000 keys, so per row
// the chance is at most 10^4 / 2^20 < 0.01 and for all four < 10^-8; over
// 10,000 keys the expected number of false positives is below 10^-4. We
// assert 0, and the same for 10,000 keys never added (Seen() == 0).
TEST(RepeatedLinesTest, NoFalsePositivesForDistinctKeys) {
  RepeatedLinesConfig config;
  config.min_documents = 2;
  RepeatedLines lines(config);
  std::mt19937_64 rng(0xc0ffee);
  std::vector<std::uint64_t> added;
  for (int i = 0; i < 10000; ++i) added.push_back(rng());
  for (std::size_t i = 0; i < added.size(); i += 10) {
    std::vector<std::uint64_t> keys(added.begin() + static_cast<std::ptrdiff_t>(i),
                                    added.begin() + static_cast<std::ptrdiff_t>(i + 10));
    lines.AddDocument(&keys);
  }
  int repeated = 0, undercounted = 0;
  for (std::uint64_t key : added) {
    repeated += lines.Seen(key) >= 2;
    undercounted += lines.Seen(key) < 1;
  }
  EXPECT_EQ(undercounted, 0);  // a count-min estimate is never below the truth
  EXPECT_EQ(repeated, 0);
  int seen_unknown = 0;
  for (int i = 0; i < 10000; ++i) seen_unknown += lines.Seen(rng()) != 0;
  EXPECT_EQ(seen_unknown, 0);
}

// With a tiny table collisions are certain: estimates may be too high but
// never too low, and Repeated() follows Seen().
TEST(RepeatedLinesTest, SmallTableNeverUndercounts) {
  RepeatedLinesConfig config;
  config.min_documents = 3;
  config.log2_width = 6;  // 64 counters a row
  RepeatedLines lines(config);
  EXPECT_EQ(lines.counts().size(), 4u * 64u);
  std::mt19937_64 rng(99);
  std::vector<std::uint64_t> keys(300);
  for (std::uint64_t& k : keys) k = rng();
  std::map<std::uint64_t, std::uint32_t> truth;
  int overcounted = 0;
  for (int doc = 0; doc < 200; ++doc) {
    std::vector<std::uint64_t> chosen;
    for (int i = 0; i < 8; ++i) chosen.push_back(keys[rng() % keys.size()]);
    std::vector<std::uint64_t> distinct = chosen;
    std::sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    for (std::uint64_t k : distinct) ++truth[k];
    lines.AddDocument(&chosen);
  }
  for (std::uint64_t k : keys) {
    EXPECT_GE(lines.Seen(k), truth[k]);
    EXPECT_EQ(lines.Repeated(k), lines.Seen(k) >= 3);
    overcounted += lines.Seen(k) > truth[k];
  }
  EXPECT_GT(overcounted, 0);  // the table is too small for this not to happen
}

// 16-bit counters stop at their maximum instead of wrapping to 0.
TEST(RepeatedLinesTest, CountersSaturate) {
  RepeatedLinesConfig config;
  config.min_documents = 65535;
  config.log2_width = 4;
  RepeatedLines lines(config);
  constexpr std::uint32_t kMax = std::numeric_limits<std::uint16_t>::max();
  for (std::uint32_t i = 1; i <= kMax + 10; ++i) {
    std::vector<std::uint64_t> keys = {42};
    lines.AddDocument(&keys);
    if (i == kMax - 1) {
      EXPECT_FALSE(lines.Repeated(42));
    }
  }
  EXPECT_EQ(lines.Seen(42), kMax);
  EXPECT_TRUE(lines.Repeated(42));
}

// The counters carry the whole state: copied into a new instance of the
// same configuration, every key reads the same.
TEST(RepeatedLinesTest, CountsRoundTrip) {
  RepeatedLinesConfig config;
  config.min_documents = 2;
  config.log2_width = 10;
  RepeatedLines a(config);
  std::mt19937_64 rng(5);
  std::vector<std::uint64_t> keys(50);
  for (std::uint64_t& k : keys) k = rng();
  for (int doc = 0; doc < 40; ++doc) {
    std::vector<std::uint64_t> some = {keys[rng() % 50], keys[rng() % 50], keys[rng() % 50]};
    a.AddDocument(&some);
  }
  RepeatedLines b(config);
  b.set_counts(a.counts());
  for (std::uint64_t k : keys) {
    EXPECT_EQ(b.Seen(k), a.Seen(k));
    EXPECT_EQ(b.Repeated(k), a.Repeated(k));
  }
  EXPECT_GT(a.Seen(keys[0]) + a.Seen(keys[1]) + a.Seen(keys[2]), 0u);
}

}  // namespace
}  // namespace winnow
