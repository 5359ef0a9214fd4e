// Shingles, MinHash and LSH: the hashing pipeline, whose values are a file
// format (hashing.hpp), so golden values are pinned here.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <set>
#include <string_view>
#include <vector>

#include "winnow/error.hpp"
#include "winnow/hashing.hpp"
#include "winnow/lsh.hpp"
#include "winnow/minhash.hpp"
#include "winnow/normalize.hpp"
#include "winnow/shingle.hpp"

namespace winnow {
namespace {

using Hashes = std::vector<std::uint64_t>;

Hashes WordHashes(std::initializer_list<std::string_view> words,
                  std::uint64_t seed = kDefaultSeed) {
  Hashes out;
  for (std::string_view w : words) out.push_back(HashWord(w, seed));
  return out;
}

// ---------------------------------------------------------------------------
// Golden values. If one of these fails, the hashing scheme changed: every
// signature winnow computes changes with it. Update the values only on
// purpose.

TEST(GoldenTest, HashingConstants) {
  EXPECT_EQ(kDefaultSeed, 0x77696e6e6f77ULL);
  EXPECT_EQ(kDefaultShingleWords, 3);
  EXPECT_EQ(kDefaultPermutations, 128);
}

TEST(GoldenTest, HashWord) {
  EXPECT_EQ(HashWord("winnow", kDefaultSeed), 0xd70d831d64948339ULL);
  EXPECT_EQ(HashWord("winnow", 0), 0x8efec7314830a12bULL);
  EXPECT_EQ(HashWord("", kDefaultSeed), 0x1e96ea940237569dULL);
  EXPECT_EQ(WordHashes({"the", "quick", "brown", "fox", "jumps"}),
            (Hashes{0x54d520046011ab76ULL, 0x5d5bf41e97f706c4ULL,
                    0x130ac35d616088c9ULL, 0x49589f0280097485ULL,
                    0x58361119b4810748ULL}));
}

TEST(GoldenTest, Shingles) {
  Hashes shingles;
  Shingles(WordHashes({"the", "quick", "brown", "fox", "jumps"}), 3, kDefaultSeed,
           &shingles);
  EXPECT_EQ(shingles, (Hashes{0x3cc91bfaf2bb5c03ULL, 0x4ae4a559404b454bULL,
                              0xe1dcf051102f972aULL}));
}

TEST(GoldenTest, SignatureOfAFixedSet) {
  const MinHasher hasher(kDefaultPermutations, kDefaultSeed);
  Hashes sig, sample;
  hasher.Sign({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, &sig, &sample);
  ASSERT_EQ(sig.size(), 128u);
  EXPECT_EQ(Hashes(sig.begin(), sig.begin() + 4),
            (Hashes{0xdc73c091aee39e6dULL, 0xb7e47f38253115c6ULL,
                    0xdc73c091aee39e6dULL, 0xb7e47f38253115c6ULL}));
  EXPECT_EQ(Hashes(sample.begin(), sample.begin() + 4), (Hashes{4, 2, 4, 2}));
}

TEST(GoldenTest, SignatureOfAFixedText) {
  // Words -> shingles -> signature, end to end.
  Hashes shingles, sig;
  Shingles(WordHashes({"the", "quick", "brown", "fox", "jumps"}), 3, kDefaultSeed,
           &shingles);
  MinHasher(kDefaultPermutations, kDefaultSeed).Sign(shingles, &sig, nullptr);
  ASSERT_EQ(sig.size(), 128u);
  EXPECT_EQ(Hashes(sig.begin(), sig.begin() + 4),
            (Hashes{0xf6a21d7ef47b684aULL, 0xe2e7a64a2843cfa9ULL,
                    0xf6a21d7ef47b684aULL, 0xf6a21d7ef47b684aULL}));
}

TEST(GoldenTest, LshParamsForTheDefaults) {
  // README: "128 permutations at 0.7 give 14 bands of 9 rows".
  const LshParams p = OptimalLshParams(0.7, kDefaultPermutations);
  EXPECT_EQ(p.bands, 14);
  EXPECT_EQ(p.rows, 9);
}

// ---------------------------------------------------------------------------
// Shingles.

TEST(HashWordsTest, AppendsOneHashPerNormalisedWord) {
  Normalized norm;
  Normalize("The U.K. team", &norm);
  Hashes out = {42};
  HashWords(norm, kDefaultSeed, &out);
  EXPECT_EQ(out, (Hashes{42, HashWord("the", kDefaultSeed), HashWord("uk", kDefaultSeed),
                         HashWord("team", kDefaultSeed)}));
}

// Shingle tokens: the words, except in scripts written without word
// spaces, where each character with its marks is a token.
struct TokenCase {
  const char* name;
  const char* text;                     // normalised by Normalize first
  std::vector<std::string_view> tokens;  // expected, in order
};

const TokenCase kTokenCases[] = {
    {"latin words stay words", "The U.K. team won 3-1", {"the", "uk", "team", "won", "3", "1"}},
    {"cjk: a word per ideograph already", "東京タワー", {"東", "京", "タ", "ワ", "ー"}},
    // ที่ is tho thahan + sara ii + mai ek (two marks); นี่ likewise.
    {"thai: a consonant with its vowel and tone marks",
     "\u0E17\u0E35\u0E48\u0E19\u0E35\u0E48",
     {"\u0E17\u0E35\u0E48", "\u0E19\u0E35\u0E48"}},
    // A leading vowel (sara e) is a character of its own.
    {"thai: a leading vowel is its own token", "\u0E40\u0E21\u0E37\u0E2D\u0E07",
     {"\u0E40", "\u0E21\u0E37", "\u0E2D", "\u0E07"}},
    {"thai clauses separated by a space", "\u0E01\u0E02 \u0E04",
     {"\u0E01", "\u0E02", "\u0E04"}},
    // Angkhankhu (U+0E5A) and the Khmer khan (U+17D4) separate tokens only.
    {"thai punctuation only separates", "\u0E01\u0E5A\u0E02", {"\u0E01", "\u0E02"}},
    // Khmer ក្រុង: ka + coeng, ro + u, nga.
    {"khmer: the subscript sign stays with its consonant",
     "\u1780\u17D2\u179A\u17BB\u1784\u17D4",
     {"\u1780\u17D2", "\u179A\u17BB", "\u1784"}},
    // Tibetan བོད་ཡིག: the tsheg (U+0F0B) separates syllables and is no token.
    {"tibetan: tsheg separates", "\u0F56\u0F7C\u0F51\u0F0B\u0F61\u0F72\u0F42",
     {"\u0F56\u0F7C", "\u0F51", "\u0F61\u0F72", "\u0F42"}},
    // Myanmar မြို့: ma + medial ra + vowels + dot below.
    {"myanmar: medials and vowels stay with the consonant",
     "\u1019\u103C\u102D\u102F\u1037",
     {"\u1019\u103C\u102D\u102F\u1037"}},
    {"lao", "\u0EA5\u0EB2\u0EA7", {"\u0EA5", "\u0EB2", "\u0EA7"}},
    // Digits and Latin letters inside a Thai word are one token each run.
    {"mixed: runs of other scripts inside a thai word",
     "abc \u0E1B\u0E35 2569\u0E04\u0E19x",
     {"abc", "\u0E1B\u0E35", "2569", "\u0E04", "\u0E19", "x"}},
    {"a mark with no letter before it is a token", "\u0E48\u0E01", {"\u0E48", "\u0E01"}},
};

TEST(HashTokensTest, Table) {
  for (const TokenCase& c : kTokenCases) {
    SCOPED_TRACE(c.name);
    Normalized norm;
    Normalize(c.text, &norm);
    Hashes expected = {42};
    for (std::string_view t : c.tokens) expected.push_back(HashWord(t, kDefaultSeed));
    Hashes out = {42};
    HashTokens(norm, kDefaultSeed, &out);
    EXPECT_EQ(out, expected);
    if (!HasUnspacedScript(norm.text)) {  // then the tokens are the words
      Hashes words = {42};
      HashWords(norm, kDefaultSeed, &words);
      EXPECT_EQ(out, words);
    }
  }
}

TEST(HashTokensTest, HasUnspacedScriptByRange) {
  struct Row {
    char32_t c;
    bool unspaced;
  } rows[] = {{'a', false},    {0x0DFF, false}, {0x0E00, true},  {0x0E7F, true},  {0x0EFF, true},
              {0x0FFF, true},  {0x1000, true},  {0x109F, true},  {0x10A0, false}, {0x177F, false},
              {0x1780, true},  {0x17FF, true},  {0x1800, false}, {0x0915, false}, {0x4E2D, false},
              {0x1F600, false}};
  for (const Row& r : rows) {
    std::string s = "x ";
    AppendUtf8(r.c, &s);
    s += " y";
    EXPECT_EQ(HasUnspacedScript(s), r.unspaced) << std::hex << static_cast<std::uint32_t>(r.c);
  }
}

TEST(HashWordTest, SeedAndBytesMatter) {
  const std::set<std::uint64_t> distinct = {
      HashWord("share", kDefaultSeed), HashWord("share", kDefaultSeed + 1),
      HashWord("Share", kDefaultSeed), HashWord("shares", kDefaultSeed),
      HashWord(std::string_view("share\0", 6), kDefaultSeed)};
  EXPECT_EQ(distinct.size(), 5u);
  EXPECT_EQ(HashWord("share", 7), HashWord(std::string("share"), 7));
}

struct ShingleCountCase {
  const char* name;
  std::vector<std::string_view> words;
  int k;
  std::size_t expected;
};

const ShingleCountCase kShingleCountCases[] = {
    {"empty", {}, 3, 0},
    {"empty, k=1", {}, 1, 0},
    {"one word, k=3", {"a"}, 3, 1},
    {"two words, k=3", {"a", "b"}, 3, 1},
    {"exactly k words", {"a", "b", "c"}, 3, 1},
    {"k+1 words", {"a", "b", "c", "d"}, 3, 2},
    {"k=1 counts distinct words", {"a", "b", "a", "c", "b"}, 1, 3},
    {"repeats collapse", {"a", "a", "a", "a", "a", "a"}, 2, 1},
    {"period-2 text", {"a", "b", "a", "b", "a", "b"}, 3, 2},
    {"all distinct", {"a", "b", "c", "d", "e", "f", "g"}, 3, 5},
    {"k=16 on 16 words", {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l",
                          "m", "n", "o", "p"}, 16, 1},
};

TEST(ShinglesTest, Counts) {
  for (const ShingleCountCase& c : kShingleCountCases) {
    SCOPED_TRACE(c.name);
    Hashes words;
    for (std::string_view w : c.words) words.push_back(HashWord(w, kDefaultSeed));
    Hashes out = {1, 2, 3};  // replaced, not appended to
    Shingles(words, c.k, kDefaultSeed, &out);
    EXPECT_EQ(out.size(), c.expected);
    EXPECT_TRUE(std::is_sorted(out.begin(), out.end()));
    EXPECT_EQ(std::adjacent_find(out.begin(), out.end()), out.end());
  }
}

// The set is exactly the sequence's values, sorted and distinct, at every
// size (small sets and large ones are sorted in different ways).
TEST(ShinglesTest, TheSetOfTheSequence) {
  std::mt19937_64 rng(11);
  for (std::size_t n : {0, 1, 2, 5, 16, 17, 18, 40, 100, 1000, 5000, 70000}) {
    SCOPED_TRACE(n);
    Hashes words(n);
    // Some repeated words, so that some shingles repeat too.
    for (auto& w : words) w = rng() % (n / 3 + 2);
    Hashes sequence, set;
    ShingleSequence(words, 3, kDefaultSeed, &sequence);
    Shingles(words, 3, kDefaultSeed, &set);
    std::sort(sequence.begin(), sequence.end());
    sequence.erase(std::unique(sequence.begin(), sequence.end()), sequence.end());
    ASSERT_EQ(set, sequence);
  }
}

TEST(ShinglesTest, FewerWordsThanKIsOneShingleOfAllWords) {
  const Hashes two = WordHashes({"breaking", "news"});
  Hashes k3, k5, k2;
  Shingles(two, 3, kDefaultSeed, &k3);
  Shingles(two, 5, kDefaultSeed, &k5);
  Shingles(two, 2, kDefaultSeed, &k2);
  ASSERT_EQ(k3.size(), 1u);
  EXPECT_EQ(k3, k5);
  EXPECT_EQ(k3, k2);  // the shingle of both words
  Hashes one;
  Shingles(WordHashes({"breaking"}), 3, kDefaultSeed, &one);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_NE(one, k3);
}

TEST(ShinglesTest, SortedAndDistinctOnRandomWords) {
  std::mt19937_64 rng(7);
  for (int iter = 0; iter < 200; ++iter) {
    Hashes words(rng() % 60);
    for (auto& w : words) w = rng() % 8;  // few distinct words: many repeats
    const int k = 1 + static_cast<int>(rng() % 4);
    Hashes out;
    Shingles(words, k, kDefaultSeed, &out);
    ASSERT_TRUE(std::is_sorted(out.begin(), out.end()));
    ASSERT_EQ(std::adjacent_find(out.begin(), out.end()), out.end());
    // Never more than the number of windows.
    const std::size_t windows =
        words.empty() ? 0 : words.size() - std::min<std::size_t>(k, words.size()) + 1;
    ASSERT_LE(out.size(), windows);
    ASSERT_EQ(out.empty(), words.empty());
  }
}

TEST(ShinglesTest, OrderMatters) {
  const Hashes abc = WordHashes({"a", "b", "c"});
  const Hashes cba = WordHashes({"c", "b", "a"});
  const Hashes bac = WordHashes({"b", "a", "c"});
  Hashes s1, s2, s3;
  for (int k : {2, 3}) {
    SCOPED_TRACE(k);
    Shingles(abc, k, kDefaultSeed, &s1);
    Shingles(cba, k, kDefaultSeed, &s2);
    Shingles(bac, k, kDefaultSeed, &s3);
    EXPECT_EQ(IntersectionSize(s1, s2), 0u);
    EXPECT_NE(s1, s3);
  }
  // With k = 1 a shingle is one word: order no longer matters.
  Shingles(abc, 1, kDefaultSeed, &s1);
  Shingles(cba, 1, kDefaultSeed, &s2);
  EXPECT_EQ(s1, s2);
}

TEST(ShinglesTest, SeedMatters) {
  const Hashes words = WordHashes({"a", "b", "c", "d"});
  Hashes s1, s2;
  Shingles(words, 3, kDefaultSeed, &s1);
  Shingles(words, 3, kDefaultSeed + 1, &s2);
  EXPECT_EQ(IntersectionSize(s1, s2), 0u);
}

// ---------------------------------------------------------------------------
// MinHash.

Hashes RandomSet(std::mt19937_64* rng, std::size_t n) {
  std::set<std::uint64_t> s;
  while (s.size() < n) s.insert((*rng)());
  return Hashes(s.begin(), s.end());
}

TEST(MinHasherTest, PermutationLimits) {
  struct {
    int permutations;
    bool ok;
  } const kCases[] = {{-1, false}, {0, false}, {1, true}, {2, true},
                      {kMaxPermutations, true}, {kMaxPermutations + 1, false}};
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.permutations);
    if (c.ok) {
      MinHasher h(c.permutations, 1);
      EXPECT_EQ(h.permutations(), c.permutations);
      Hashes sig;
      h.Sign({5, 6}, &sig, nullptr);
      EXPECT_EQ(sig.size(), static_cast<std::size_t>(c.permutations));
    } else {
      EXPECT_THROW(MinHasher(c.permutations, 1), Error);
    }
  }
}

TEST(MinHasherTest, SameSeedSameSignatureOtherSeedDiffers) {
  std::mt19937_64 rng(1);
  const Hashes set = RandomSet(&rng, 50);
  Hashes a, b, c;
  MinHasher(128, 99).Sign(set, &a, nullptr);
  MinHasher(128, 99).Sign(set, &b, nullptr);
  MinHasher(128, 100).Sign(set, &c, nullptr);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  // 50 shingles in 128 bins reach about 128 * (1 - e^(-50/128)) = 41 bins,
  // each with its own value; densification copies those into the rest.
  const std::size_t distinct = std::set<std::uint64_t>(a.begin(), a.end()).size();
  EXPECT_GE(distinct, 30u);
  EXPECT_LE(distinct, 50u);
}

TEST(MinHasherTest, EmptySetIsAllOnes) {
  const MinHasher h(32, kDefaultSeed);
  Hashes sig = {1, 2}, sample = {3};
  h.Sign({}, &sig, &sample);
  const Hashes ones(32, std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(sig, ones);
  EXPECT_EQ(sample, ones);
}

TEST(MinHasherTest, SignatureIsAFunctionOfTheSet) {
  std::mt19937_64 rng(2);
  Hashes set = RandomSet(&rng, 40);
  const MinHasher h(64, kDefaultSeed);
  Hashes sig1, sample1, sig2, sample2, sig3;
  h.Sign(set, &sig1, &sample1);
  Hashes shuffled = set;
  shuffled.insert(shuffled.end(), set.begin(), set.begin() + 10);  // repeats
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  h.Sign(shuffled, &sig2, &sample2);
  h.Sign(set, &sig3, nullptr);  // with or without a sample
  EXPECT_EQ(sig1, sig2);
  EXPECT_EQ(sample1, sample2);
  EXPECT_EQ(sig1, sig3);
  // Every sampled shingle is in the set, and reaches its minimum.
  for (std::uint64_t s : sample1) {
    EXPECT_TRUE(std::binary_search(set.begin(), set.end(), s));
  }
  // A signature value is a minimum: adding an element never raises it.
  set.push_back(rng());
  Hashes bigger;
  h.Sign(set, &bigger, nullptr);
  for (std::size_t i = 0; i < bigger.size(); ++i) EXPECT_LE(bigger[i], sig1[i]);
}

TEST(EstimateJaccardTest, Rows) {
  EXPECT_EQ(EstimateJaccard({1, 2, 3, 4}, {1, 2, 3, 4}), 1.0);
  EXPECT_EQ(EstimateJaccard({1, 2, 3, 4}, {5, 6, 7, 8}), 0.0);
  EXPECT_EQ(EstimateJaccard({1, 2, 3, 4}, {1, 0, 3, 0}), 0.5);
  EXPECT_EQ(EstimateJaccard({1, 2, 3, 4}, {0, 0, 0, 4}), 0.25);
  // Positions matter, not values.
  EXPECT_EQ(EstimateJaccard({1, 2}, {2, 1}), 0.0);
  EXPECT_EQ(EstimateJaccard({}, {}), 0.0);
}

TEST(EstimateJaccardTest, CloseToExactJaccardOnRandomSets) {
  // 50 pairs of sets with a known overlap; Jaccard spread over [0, 1].
  std::mt19937_64 rng(12345);
  const MinHasher h(128, kDefaultSeed);
  double total_error = 0;
  int pairs = 0;
  for (int i = 0; i < 50; ++i) {
    const std::size_t shared = rng() % 200;
    const std::size_t only_a = rng() % 200;
    const std::size_t only_b = rng() % 200;
    if (shared + only_a + only_b == 0) continue;
    const Hashes pool = RandomSet(&rng, shared + only_a + only_b);
    Hashes idx(pool.size());
    for (std::size_t k = 0; k < idx.size(); ++k) idx[k] = k;
    std::shuffle(idx.begin(), idx.end(), rng);
    Hashes a, b;
    for (std::size_t k = 0; k < idx.size(); ++k) {
      const std::uint64_t v = pool[idx[k]];
      if (k < shared) {
        a.push_back(v);
        b.push_back(v);
      } else if (k < shared + only_a) {
        a.push_back(v);
      } else {
        b.push_back(v);
      }
    }
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    ASSERT_EQ(IntersectionSize(a, b), shared);
    const double exact = static_cast<double>(shared) / static_cast<double>(pool.size());
    Hashes sa, sb;
    h.Sign(a, &sa, nullptr);
    h.Sign(b, &sb, nullptr);
    const double estimate = EstimateJaccard(sa, sb);
    // No single estimate is wildly off (about 5 standard deviations).
    EXPECT_NEAR(estimate, exact, 0.25) << "pair " << i;
    total_error += std::fabs(estimate - exact);
    ++pairs;
  }
  ASSERT_GE(pairs, 45);
  EXPECT_LT(total_error / pairs, 0.05);
}

TEST(EstimateJaccardTest, SmallSetsStayUnbiasedAfterDensification) {
  // Paragraphs have few shingles, so most of the 128 bins are filled by
  // densification; estimates must still centre on the exact Jaccard.
  std::mt19937_64 rng(777);
  const MinHasher h(128, kDefaultSeed);
  double total_error = 0, total_signed = 0;
  int pairs = 0;
  for (int i = 0; i < 400; ++i) {
    const std::size_t shared = 1 + rng() % 12;
    const std::size_t only_a = rng() % 6;
    const std::size_t only_b = rng() % 6;
    const Hashes pool = RandomSet(&rng, shared + only_a + only_b);
    Hashes a(pool.begin(), pool.begin() + shared + only_a);
    Hashes b(pool.begin(), pool.begin() + shared);
    b.insert(b.end(), pool.begin() + shared + only_a, pool.end());
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    const double exact = static_cast<double>(shared) / static_cast<double>(pool.size());
    Hashes sa, sb;
    h.Sign(a, &sa, nullptr);
    h.Sign(b, &sb, nullptr);
    const double estimate = EstimateJaccard(sa, sb);
    total_error += std::fabs(estimate - exact);
    total_signed += estimate - exact;
    ++pairs;
  }
  EXPECT_LT(total_error / pairs, 0.12);
  EXPECT_LT(std::fabs(total_signed / pairs), 0.03);  // no bias
}

struct IntersectionCase {
  const char* name;
  Hashes a, b;
  std::size_t expected;
};

TEST(IntersectionSizeTest, Rows) {
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  const IntersectionCase kCases[] = {
      {"both empty", {}, {}, 0},
      {"left empty", {}, {1, 2}, 0},
      {"right empty", {1, 2}, {}, 0},
      {"identical", {1, 2, 3}, {1, 2, 3}, 3},
      {"overlap in the middle", {1, 2, 3}, {2, 3, 4}, 2},
      {"interleaved, disjoint", {1, 3, 5}, {2, 4, 6}, 0},
      {"subset", {2, 4}, {1, 2, 3, 4, 5}, 2},
      {"superset", {1, 2, 3, 4, 5}, {5}, 1},
      {"first elements only", {0, 7}, {0, 8}, 1},
      {"last elements only", {1, kMax}, {2, kMax}, 1},
      {"extremes", {0, kMax}, {0, kMax}, 2},
      {"one past the other", {1, 2}, {3, 4}, 0},
  };
  for (const IntersectionCase& c : kCases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(IntersectionSize(c.a, c.b), c.expected);
    EXPECT_EQ(IntersectionSize(c.b, c.a), c.expected);
  }
}

// ---------------------------------------------------------------------------
// LSH.

TEST(OptimalLshParamsTest, FitInThePermutations) {
  for (int permutations : {1, 2, 3, 7, 16, 64, 100, 128, 256}) {
    for (double threshold : {0.05, 0.3, 0.5, 0.7, 0.8, 0.95, 1.0}) {
      SCOPED_TRACE(std::to_string(permutations) + " @ " + std::to_string(threshold));
      const LshParams p = OptimalLshParams(threshold, permutations);
      EXPECT_GE(p.bands, 1);
      EXPECT_GE(p.rows, 1);
      EXPECT_LE(p.bands * p.rows, permutations);
    }
  }
}

TEST(OptimalLshParamsTest, SeparatesAroundTheThreshold) {
  const LshParams p = OptimalLshParams(0.7, 128);
  EXPECT_GT(CandidateProbability(0.9, p), 0.95);
  EXPECT_LT(CandidateProbability(0.3, p), 0.05);
  EXPECT_EQ(CandidateProbability(1.0, p), 1.0);
  EXPECT_EQ(CandidateProbability(0.0, p), 0.0);
  // A higher threshold gives a curve that is lower everywhere in between.
  const LshParams high = OptimalLshParams(0.9, 128);
  EXPECT_LT(CandidateProbability(0.7, high), CandidateProbability(0.7, p));
  // The curve rises with similarity.
  double last = -1;
  for (int i = 0; i <= 20; ++i) {
    const double prob = CandidateProbability(i / 20.0, p);
    EXPECT_GE(prob, last);
    last = prob;
  }
}

TEST(OptimalLshParamsTest, RejectsInvalidArguments) {
  struct {
    double threshold;
    int permutations;
  } const kBad[] = {{0.0, 128}, {-0.1, 128}, {1.0001, 128}, {std::nan(""), 128},
                    {0.7, 0}, {0.7, -5}};
  for (const auto& c : kBad) {
    SCOPED_TRACE(std::to_string(c.threshold) + " / " + std::to_string(c.permutations));
    EXPECT_THROW(OptimalLshParams(c.threshold, c.permutations), Error);
  }
  EXPECT_NO_THROW(OptimalLshParams(1.0, 1));
}

TEST(CandidateProbabilityTest, Rows) {
  EXPECT_DOUBLE_EQ(CandidateProbability(0.5, {1, 1}), 0.5);
  EXPECT_DOUBLE_EQ(CandidateProbability(0.5, {1, 2}), 0.25);
  EXPECT_DOUBLE_EQ(CandidateProbability(0.5, {2, 1}), 0.75);
  EXPECT_DOUBLE_EQ(CandidateProbability(0.5, {2, 2}), 1 - 0.75 * 0.75);
}

TEST(LshIndexTest, FindsIdenticalSignature) {
  std::mt19937_64 rng(3);
  const MinHasher h(128, kDefaultSeed);
  const LshParams params = OptimalLshParams(0.7, 128);
  LshIndex index(params);
  std::vector<Hashes> sigs;
  for (std::uint32_t id = 0; id < 20; ++id) {
    Hashes sig;
    h.Sign(RandomSet(&rng, 30), &sig, nullptr);
    index.Insert(sig, id * 10);
    sigs.push_back(sig);
  }
  for (std::uint32_t id = 0; id < 20; ++id) {
    std::vector<std::uint32_t> out;
    index.Query(sigs[id], &out);
    // Unrelated random sets are not candidates of each other.
    EXPECT_EQ(out, std::vector<std::uint32_t>{id * 10});
  }
}

TEST(LshIndexTest, ResultsAreSortedUniqueAndAppended) {
  const LshParams params{4, 2};
  LshIndex index(params);
  const Hashes sig = {1, 2, 3, 4, 5, 6, 7, 8};
  const Hashes shares_band2 = {21, 22, 23, 24, 5, 6, 27, 28};
  const Hashes shares_none = {41, 42, 43, 44, 45, 46, 47, 48};
  // sig's first band, moved to the second band.
  const Hashes band0_moved = {51, 52, 1, 2, 55, 56, 57, 58};
  index.Insert(sig, 30);
  index.Insert(sig, 10);
  index.Insert(shares_band2, 20);
  index.Insert(sig, 30);  // again: reported once
  index.Insert(shares_none, 40);
  index.Insert(band0_moved, 50);

  std::vector<std::uint32_t> out = {99};
  index.Query(sig, &out);
  EXPECT_EQ(out, (std::vector<std::uint32_t>{99, 10, 20, 30}));
  out.clear();
  index.Query({1, 2, 61, 62, 63, 64, 65, 66}, &out);
  EXPECT_EQ(out, (std::vector<std::uint32_t>{10, 30}));
  // Equal values in another band are not a shared band.
  out.clear();
  index.Query({61, 62, 1, 2, 63, 64, 65, 66}, &out);
  EXPECT_EQ(out, (std::vector<std::uint32_t>{50}));
  out.clear();
  index.Query({7, 7, 7, 7, 7, 7, 7, 7}, &out);
  EXPECT_TRUE(out.empty());
  // A longer signature than bands * rows: the extra values are ignored.
  out.clear();
  index.Query({41, 42, 43, 44, 45, 46, 47, 48, 1, 2, 3}, &out);
  EXPECT_EQ(out, (std::vector<std::uint32_t>{40}));

  index.Clear();
  out.clear();
  index.Query(sig, &out);
  EXPECT_TRUE(out.empty());
  index.Insert(sig, 7);
  index.Query(sig, &out);
  EXPECT_EQ(out, (std::vector<std::uint32_t>{7}));
}

TEST(LshIndexTest, ManyIdsUnderOneBand) {
  // A cap above the bucket size: every id comes back, in order.
  LshIndex index({2, 1}, 2000);
  for (std::uint32_t id = 1000; id > 0; --id) {
    index.Insert({5, static_cast<std::uint64_t>(id)}, id);
  }
  std::vector<std::uint32_t> out;
  index.Query({5, 123456}, &out);
  ASSERT_EQ(out.size(), 1000u);
  for (std::uint32_t i = 0; i < 1000; ++i) EXPECT_EQ(out[i], i + 1);
}

TEST(LshIndexTest, CrowdedBucketsYieldTheirNewestIds) {
  struct {
    int cap;
    std::vector<std::uint32_t> expected;  // query {5, 3}: band 0 crowded, band 1 id 3
  } const kCases[] = {
      {1, {3, 100}},
      {3, {3, 98, 99, 100}},
      {10, {3, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100}},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.cap);
    LshIndex index({2, 1}, c.cap);
    for (std::uint32_t id = 1; id <= 100; ++id) {
      index.Insert({5, static_cast<std::uint64_t>(id)}, id);
    }
    std::vector<std::uint32_t> out;
    // The cap is per band: band 1 still finds the old id 3.
    index.Query({5, 3}, &out);
    EXPECT_EQ(out, c.expected);
  }
  // The default cap still finds 64 members of one crowded bucket.
  LshIndex index({1, 1});
  for (std::uint32_t id = 1; id <= 64; ++id) index.Insert({7}, id);
  std::vector<std::uint32_t> out;
  index.Query({7}, &out);
  EXPECT_EQ(out.size(), 64u);
}

TEST(MinHasherTest, WinnersAreTheSamplesDistinctValues) {
  std::mt19937_64 rng(7);
  for (int k : {1, 8, 128}) {
    MinHasher h(k, 42);
    for (int size : {0, 1, 2, 5, 64, 300}) {
      std::vector<std::uint64_t> set = RandomSet(&rng, size);
      std::sort(set.begin(), set.end());
      set.erase(std::unique(set.begin(), set.end()), set.end());
      std::vector<std::uint64_t> sig, sample, winners;
      h.Sign(set, &sig, &sample);
      std::vector<std::uint64_t> expected;
      if (!set.empty()) expected = sample;
      std::sort(expected.begin(), expected.end());
      expected.erase(std::unique(expected.begin(), expected.end()), expected.end());
      h.Winners(set, sig, &winners);
      EXPECT_EQ(winners, expected) << "k " << k << ", set size " << size;
    }
  }
}

TEST(ShingleSequenceTest, IsTheSetInTextOrderAndSignsTheSame) {
  // Words with repeats, so that shingles repeat.
  std::vector<std::uint64_t> words;
  for (int i = 0; i < 200; ++i) words.push_back(static_cast<std::uint64_t>(i % 37) * 0x9E3779B97F4A7C15ULL);
  for (int k : {1, 3, 5, 250}) {
    std::vector<std::uint64_t> set, sequence;
    Shingles(words, k, 9, &set);
    ShingleSequence(words, k, 9, &sequence);
    std::vector<std::uint64_t> sorted = sequence;
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    EXPECT_EQ(sorted, set) << "k " << k;
    const std::size_t width = std::min<std::size_t>(static_cast<std::size_t>(k), words.size());
    EXPECT_EQ(sequence.size(), words.size() - width + 1) << "k " << k;
    std::vector<std::uint64_t> a, b;
    MinHasher h(128, 4);
    h.Sign(set, &a, nullptr);
    h.Sign(sequence, &b, nullptr);
    EXPECT_EQ(a, b) << "k " << k;
  }
}

TEST(MinHasherTest, EveryWayOfDensifyingGivesTheSameSignature) {
  std::mt19937_64 rng(21);
  for (int k : {1, 2, 7, 64, 127, 128, 129, 256}) {
    MinHasher h(k, 8);
    for (int size : {1, 2, 3, 5, 10, 20, 40, 63, 64, 65, 100, 300}) {
      const std::vector<std::uint64_t> set = RandomSet(&rng, static_cast<std::size_t>(size));
      std::vector<std::uint64_t> fast, walked, fast_sample, walked_sample;
      h.Sign(set, &fast, &fast_sample);
      h.SignByWalking(set, &walked, &walked_sample);
      EXPECT_EQ(fast, walked) << "k " << k << ", size " << size;
      EXPECT_EQ(fast_sample, walked_sample) << "k " << k << ", size " << size;
      // Signing with the winners' positions: the same signature, and the
      // positions of Winners()' shingles.
      std::vector<std::uint64_t> with, winners, values, at;
      std::vector<std::uint32_t> positions;
      std::vector<std::uint64_t> sorted = set;
      std::sort(sorted.begin(), sorted.end());
      h.SignWithWinners(sorted, &with, &positions, &values);
      EXPECT_EQ(with, fast) << "k " << k << ", size " << size;
      h.Winners(sorted, with, &winners);
      for (std::uint32_t p : positions) at.push_back(sorted[p]);
      EXPECT_EQ(at, winners) << "k " << k << ", size " << size;
    }
  }
}

}  // namespace
}  // namespace winnow
