#include "winnow/doc_dedup.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "winnow/error.hpp"
#include "winnow/lsh.hpp"
#include "winnow/normalize.hpp"

namespace winnow {
namespace {

// A distinct lowercase pseudo-word per number ("ba", "be", ... "babe", ...).
std::string Word(std::uint64_t n) {
  static const char* const kSyllables[] = {"ba", "ke", "li", "mo", "nu", "pa", "re", "si",
                                           "to", "vu", "da", "fe", "gi", "ho", "ju", "za"};
  std::string w;
  do {
    w += kSyllables[n % 16];
    n /= 16;
  } while (n > 0);
  return w;
}

// `count` words drawn from a vocabulary of 50,000 (so two random documents
// share no 5-word shingle), with a full stop every 11 words.
std::vector<std::string> RandomWords(std::mt19937_64& rng, std::size_t count) {
  std::vector<std::string> words;
  for (std::size_t i = 0; i < count; ++i) words.push_back(Word(rng() % 50000));
  return words;
}

std::string Join(const std::vector<std::string>& words) {
  std::string text;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) text += (i % 11 == 0) ? ". " : " ";
    text += words[i];
  }
  return text + ".";
}

DocSignature Sign(const DocDedupConfig& config, const std::string& text) {
  DocSigner signer(config);
  Normalized norm;
  Normalize(text, &norm);
  DocSignature sig;
  sig.values = {1, 2, 3};  // stale values must go
  signer.Sign(norm, &sig);
  return sig;
}

// The exact Jaccard similarity of the k-word shingle sets of two texts, as
// the normaliser splits them into words (fewer than k words: one shingle).
double ExactJaccard(const std::string& a, const std::string& b, int k) {
  auto shingles = [k](const std::string& text) {
    Normalized norm;
    Normalize(text, &norm);
    std::set<std::string> set;
    const std::size_t n = norm.words.size();
    const std::size_t width = std::min<std::size_t>(n, static_cast<std::size_t>(k));
    for (std::size_t i = 0; n > 0 && i + width <= n; ++i) {
      std::string s;
      for (std::size_t j = i; j < i + width; ++j) s += std::string(norm.word(j)) + ' ';
      set.insert(s);
    }
    return set;
  };
  const std::set<std::string> sa = shingles(a), sb = shingles(b);
  std::size_t both = 0;
  for (const std::string& s : sa) both += sb.count(s);
  const std::size_t either = sa.size() + sb.size() - both;
  return either == 0 ? 1.0 : static_cast<double>(both) / static_cast<double>(either);
}

// --- verdict sequences -----------------------------------------------------

struct Step {
  std::string text;
  std::uint64_t ordinal;
  bool duplicate;
  std::uint64_t of;  // when duplicate
};

struct SequenceCase {
  std::string name;
  std::vector<Step> steps;
};

std::vector<SequenceCase> SequenceCases() {
  std::mt19937_64 rng(20240611);
  const std::string a = Join(RandomWords(rng, 120));
  const std::string b = Join(RandomWords(rng, 120));
  const std::string c = Join(RandomWords(rng, 120));
  std::string a_shouted;  // the same words, other case and punctuation
  for (char ch : a) {
    if (ch == ' ') {
      a_shouted += ", ";
    } else {
      a_shouted += (ch >= 'a' && ch <= 'z') ? static_cast<char>(ch - 'a' + 'A') : ch;
    }
  }
  return {
      {"identical copy is a duplicate of the first", {{a, 1, false, 0}, {a, 2, true, 1}}},
      {"a third copy still names the first", {{a, 1, false, 0}, {a, 2, true, 1}, {a, 3, true, 1}}},
      {"copies after other documents", {{a, 1, false, 0}, {b, 2, false, 0}, {a, 3, true, 1}, {b, 4, true, 2}}},
      {"ordinals are the caller's, gaps included", {{b, 100, false, 0}, {a, 250, false, 0}, {b, 7000, true, 100}}},
      {"unrelated documents are kept", {{a, 1, false, 0}, {b, 2, false, 0}, {c, 3, false, 0}}},
      {"case and punctuation do not matter", {{a, 1, false, 0}, {a_shouted, 2, true, 1}}},
      {"documents shorter than a shingle compare whole",
       {{"hello world", 1, false, 0}, {"Hello, World!", 2, true, 1}, {"hello there", 3, false, 0},
        {"world hello", 4, false, 0}}},
      {"a prefix of a document is not a duplicate",
       {{a, 1, false, 0}, {a.substr(0, a.size() / 3), 2, false, 0}}},
  };
}

TEST(DocDedupTest, VerdictSequences) {
  const DocDedupConfig config;
  for (const SequenceCase& c : SequenceCases()) {
    SCOPED_TRACE(c.name);
    DocumentIndex index(config);
    EXPECT_EQ(index.next_ordinal(), 1u);
    std::uint64_t kept = 0;
    for (std::size_t i = 0; i < c.steps.size(); ++i) {
      const Step& step = c.steps[i];
      SCOPED_TRACE("step " + std::to_string(i + 1));
      const DocVerdict v = index.Add(Sign(config, step.text), step.ordinal);
      EXPECT_EQ(v.duplicate, step.duplicate);
      if (step.duplicate) {
        EXPECT_EQ(v.of, step.of);
        EXPECT_GE(v.similarity, config.threshold);
        EXPECT_LE(v.similarity, 1.0);
      } else {
        EXPECT_EQ(v.of, 0u);
        ++kept;
      }
      EXPECT_EQ(index.next_ordinal(), step.ordinal + 1);
      EXPECT_EQ(index.documents(), i + 1);
      EXPECT_EQ(index.indexed(), kept);
    }
  }
}

TEST(DocDedupTest, IdenticalDocumentsHaveSimilarityOne) {
  const DocDedupConfig config;
  std::mt19937_64 rng(7);
  for (std::size_t words : {1, 4, 5, 6, 50, 2000}) {
    SCOPED_TRACE(std::to_string(words) + " words");
    const std::string text = Join(RandomWords(rng, words));
    DocumentIndex index(config);
    EXPECT_FALSE(index.Add(Sign(config, text), 3).duplicate);
    const DocVerdict v = index.Add(Sign(config, text), 4);
    EXPECT_TRUE(v.duplicate);
    EXPECT_EQ(v.of, 3u);
    EXPECT_EQ(v.similarity, 1.0);
  }
}

// Pages of one template share their band values; past kMaxPerBand holders
// a band value is no longer entered. A copy of such a page is still found,
// by its exact hash, and named as an exact copy.
TEST(DocDedupTest, CopiesAreFoundWhenEveryBandIsCrowded) {
  const DocDedupConfig config;
  DocumentIndex index(config);
  const int band_values = index.lsh_params().bands * index.lsh_params().rows;
  std::mt19937_64 rng(99);
  std::vector<DocSignature> pages(30);
  for (std::size_t p = 0; p < pages.size(); ++p) {
    DocSignature& sig = pages[p];
    for (int i = 0; i < config.permutations; ++i) sig.values.push_back(i < band_values ? 42 + i : rng());
    sig.exact_low = rng();
    sig.exact_high = rng();
    const DocVerdict v = index.Add(sig, p + 1);
    ASSERT_FALSE(v.duplicate) << "page " << p << " is no copy";
  }
  for (std::size_t p : {0u, 7u, 8u, 20u, 29u}) {
    SCOPED_TRACE("copy of page " + std::to_string(p));
    const DocVerdict v = index.Add(pages[p], 100 + p);
    EXPECT_TRUE(v.duplicate);
    // The first pages entered their bands; the later ones only their
    // exact hash.
    EXPECT_EQ(v.exact, p >= 8);
    EXPECT_EQ(v.of, p + 1);
    EXPECT_EQ(v.similarity, 1.0);
  }
  // The same exact hash with another text's sketch is not a copy.
  DocSignature other = pages[20];
  for (int i = band_values; i < config.permutations; ++i) other.values[i] = rng();
  EXPECT_FALSE(index.Add(other, 200).exact);
}

TEST(DocDedupTest, ExactHashFollowsTheNormalisedText) {
  const DocDedupConfig config;
  const DocSignature a = Sign(config, "The river rose overnight, and the bridge closed.");
  const DocSignature b = Sign(config, "THE RIVER ROSE OVERNIGHT AND THE BRIDGE CLOSED");
  const DocSignature c = Sign(config, "The river rose overnight, and the bridge closed again.");
  EXPECT_EQ(a.exact_low, b.exact_low);
  EXPECT_EQ(a.exact_high, b.exact_high);
  EXPECT_NE(a.exact_high, c.exact_high);
  EXPECT_NE(a.exact_low, c.exact_low);
}

TEST(DocDedupTest, SignaturesAreDeterministicAndSeeded) {
  const DocDedupConfig config;
  std::mt19937_64 rng(11);
  const std::string text = Join(RandomWords(rng, 60));
  const DocSignature one = Sign(config, text);
  EXPECT_EQ(one.values.size(), static_cast<std::size_t>(config.permutations));
  EXPECT_EQ(Sign(config, text).values, one.values);
  DocDedupConfig other = config;
  other.seed ^= 1;
  EXPECT_NE(Sign(other, text).values, one.values);
  other = config;
  other.permutations = 64;
  EXPECT_EQ(Sign(other, text).values.size(), 64u);
}

// A copy with some words changed is dropped or kept as its exact Jaccard
// similarity says, away from the threshold: at or above 0.9 it must be
// dropped, at or below 0.6 kept (between them MinHash may go either way).
//
// Above the threshold, LSH can miss a pair: with 9 bands of 13 rows the
// chance is (1 - s^13)^9, 0.07 at s = 0.9 and under 0.005 at s = 0.95. The
// pairs here (fixed seed) that are above 0.9 are all above 0.92.
TEST(DocDedupTest, NearCopiesFollowExactJaccard) {
  const DocDedupConfig config;  // 5-word shingles, 128 permutations, 0.8
  ASSERT_EQ(config.shingle_words, 5);
  std::mt19937_64 rng(0x5eed);
  int high = 0, low = 0;
  for (int pair = 0; pair < 40; ++pair) {
    std::vector<std::string> words = RandomWords(rng, 400);
    const int mode = pair % 4;
    if (mode == 3) words.resize(100);
    const std::string original = Join(words);
    // Modes: 10% of the words changed at random places (exact about 0.45);
    // 10% changed in one run (about 0.8); 1 to 3 words changed (0.92 and
    // above); 10% of a 100-word document changed at random places.
    std::vector<std::size_t> changed;
    if (mode == 0) {
      for (int i = 0; i < 40; ++i) changed.push_back(rng() % words.size());
    } else if (mode == 1) {
      const std::size_t start = rng() % (words.size() - 40);
      for (std::size_t i = 0; i < 40; ++i) changed.push_back(start + i);
    } else if (mode == 2) {
      for (std::uint64_t i = 0, n = 1 + pair / 4 % 3; i < n; ++i) changed.push_back(rng() % words.size());
    } else {
      for (int i = 0; i < 10; ++i) changed.push_back(rng() % words.size());
    }
    for (std::size_t i : changed) words[i] = Word(50000 + rng() % 50000);  // never an old word
    const std::string copy = Join(words);
    const double exact = ExactJaccard(original, copy, config.shingle_words);

    DocumentIndex index(config);
    ASSERT_FALSE(index.Add(Sign(config, original), 1).duplicate);
    const DocVerdict v = index.Add(Sign(config, copy), 2);
    SCOPED_TRACE("pair " + std::to_string(pair) + ", exact Jaccard " + std::to_string(exact) +
                 ", estimate " + std::to_string(v.similarity));
    if (exact >= 0.9) {
      ++high;
      EXPECT_TRUE(v.duplicate);
      EXPECT_EQ(v.of, 1u);
      EXPECT_NEAR(v.similarity, exact, 0.1);
    } else if (exact <= 0.6) {
      ++low;
      EXPECT_FALSE(v.duplicate);
    }
    if (v.duplicate) {
      EXPECT_GE(v.similarity, config.threshold);
    }
  }
  // The test means something only if both sides are well represented.
  EXPECT_GE(high, 8);
  EXPECT_GE(low, 15);
}

// Short documents are decided on the exact Jaccard similarity of their
// shingle sets: each row is an original of `words` words and a copy made by
// `edit`, with the exact Jaccard similarity the edit gives (5-word
// shingles) and the decision at 0.8 that follows from it.
TEST(DocDedupTest, ShortDocumentsFollowTheExactJaccardAtTheThreshold) {
  struct Row {
    const char* name;
    std::size_t words;
    // Edits the copy's words; `fresh` gives a word no document has.
    void (*edit)(std::vector<std::string>* w, const std::function<std::string()>& fresh);
    double exact;
    bool dropped;
  };
  const Row rows[] = {
      {"one word added at the end of 21 (17 of 18 shingles)", 21,
       [](auto* w, const auto& fresh) { w->push_back(fresh()); }, 17.0 / 18, true},
      {"four words added at the end of 20 (16 of 20): the threshold itself", 20,
       [](auto* w, const auto& fresh) { for (int i = 0; i < 4; ++i) w->push_back(fresh()); },
       16.0 / 20, true},
      {"five words added at the end of 20 (16 of 21): just below", 20,
       [](auto* w, const auto& fresh) { for (int i = 0; i < 5; ++i) w->push_back(fresh()); },
       16.0 / 21, false},
      {"four words before 20 (an attribution first)", 20,
       [](auto* w, const auto& fresh) { for (int i = 0; i < 4; ++i) w->insert(w->begin(), fresh()); },
       16.0 / 20, true},
      {"the last word of 40 replaced (35 of 37)", 40,
       [](auto* w, const auto& fresh) { w->back() = fresh(); }, 35.0 / 37, true},
      {"a middle word of 40 replaced (31 of 41)", 40,
       [](auto* w, const auto& fresh) { (*w)[20] = fresh(); }, 31.0 / 41, false},
      {"a middle word of 64 replaced (55 of 65)", 64,
       [](auto* w, const auto& fresh) { (*w)[30] = fresh(); }, 55.0 / 65, true},
      {"a middle word of 48 deleted (39 of 48)", 48,
       [](auto* w, const auto&) { w->erase(w->begin() + 24); }, 39.0 / 48, true},
      {"two words at both ends of 30 (26 of 30)", 30,
       [](auto* w, const auto& fresh) {
         w->front() = fresh();
         w->back() = fresh();
       },
       24.0 / 28, true},
      {"a short quotation, 8 words, one changed at the end (3 of 5)", 8,
       [](auto* w, const auto& fresh) { w->back() = fresh(); }, 3.0 / 5, false},
      {"the same 6 words", 6, [](auto*, const auto&) {}, 1.0, true},
  };
  const DocDedupConfig config;
  std::uint64_t next_word = 200000;
  auto fresh = [&next_word] { return Word(next_word++); };
  std::mt19937_64 rng(0x5107);
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    // The same row with several texts: every draw must follow the exact
    // similarity (a noisy estimate fails some of them).
    for (int draw = 0; draw < 20; ++draw) {
      std::vector<std::string> words;
      for (std::size_t i = 0; i < row.words; ++i) words.push_back(Word(1000 + rng() % 100000));
      std::vector<std::string> edited = words;
      row.edit(&edited, fresh);
      std::string original, copy;
      for (const auto& w : words) original += w + " ";
      for (const auto& w : edited) copy += w + " ";
      const double exact = ExactJaccard(original, copy, config.shingle_words);
      ASSERT_NEAR(exact, row.exact, 1e-9) << "the row's arithmetic";
      DocumentIndex index(config);
      ASSERT_FALSE(index.Add(Sign(config, original), 1).duplicate);
      const DocVerdict v = index.Add(Sign(config, copy), 2);
      EXPECT_EQ(v.duplicate, row.dropped) << "draw " << draw;
      if (v.duplicate) {
        EXPECT_EQ(v.of, 1u);
        EXPECT_NEAR(v.similarity, exact, 1e-9);
        EXPECT_EQ(v.exact_similarity, !v.exact) << "a copy is found by its exact hash";
      }
      EXPECT_EQ(index.short_documents(), row.dropped ? 1u : 2u);
    }
  }
}

// A document just over the short size is looked up among short ones and
// decided exactly against them; one that is not short is decided on the
// estimate as before.
TEST(DocDedupTest, ShortSizeBoundaries) {
  const DocDedupConfig config;
  std::mt19937_64 rng(77);
  for (std::size_t words : {std::size_t{1}, std::size_t{4}, std::size_t{5}, std::size_t{68},
                            std::size_t{69}, std::size_t{132}, std::size_t{133}, std::size_t{400}}) {
    SCOPED_TRACE(std::to_string(words) + " words");
    std::string text;
    for (std::size_t i = 0; i < words; ++i) text += Word(1000 + rng() % 100000) + " ";
    const DocSignature sig = Sign(config, text);
    const std::size_t shingles = words < 5 ? 1 : words - 4;
    EXPECT_EQ(sig.shingles, shingles);
    EXPECT_EQ(sig.shingle_set.size(), shingles <= 128 ? shingles : 0u);
    DocumentIndex index(config);
    index.Add(sig, 1);
    EXPECT_EQ(index.short_documents(), shingles <= 64 ? 1u : 0u);
    // Its copy is found either way.
    const DocVerdict v = index.Add(sig, 2);
    EXPECT_TRUE(v.duplicate && v.of == 1u);
    EXPECT_EQ(v.similarity, 1.0);
  }
}

// Short documents of every size cost at most 8 + 44 + 4 x 64 + 8 + 9 band
// entries in tables at least 75.5% full; long ones stay within 94.4 bytes.
TEST(DocDedupTest, MemoryOfShortDocumentsIsBounded) {
  DocDedupConfig config;
  DocumentIndex index(config);
  std::mt19937_64 rng(12);
  constexpr std::uint64_t kBlockBytes = 65536 * (8 + kDocPermutations / 8);
  constexpr std::uint64_t kArenaBlockBytes = (1u << 20) * 4;
  const std::uint64_t n = 100000;
  DocSignature sig;
  for (std::uint64_t i = 1; i <= n; ++i) {
    sig.values.resize(static_cast<std::size_t>(config.permutations));
    for (auto& v : sig.values) v = rng();
    sig.exact_low = rng();
    sig.exact_high = rng();
    sig.shingles = 64;
    sig.shingle_set.resize(64);
    for (auto& h : sig.shingle_set) h = static_cast<std::uint32_t>(rng());
    std::sort(sig.shingle_set.begin(), sig.shingle_set.end());
    for (auto& v : sig.short_values) v = rng();
    ASSERT_FALSE(index.Add(sig, i).duplicate);
  }
  EXPECT_EQ(index.short_documents(), n);
  const double per_doc = static_cast<double>(index.memory_bytes() - kBlockBytes - kArenaBlockBytes) /
                         static_cast<double>(n);
  EXPECT_LE(per_doc, 8 + 44 + 8 + 4 * 64 + 9 * 8 / 0.755);
  EXPECT_GE(per_doc, 8 + 44 + 8 + 4 * 64);  // the test can tell
}

TEST(DocDedupTest, EmptySignatureIsKeptAndNotIndexed) {
  const DocDedupConfig config;
  DocumentIndex index(config);
  for (const std::string text : {"", "   ", "!!! ... ---", "\n\n"}) {
    SCOPED_TRACE("'" + text + "'");
    EXPECT_TRUE(Sign(config, text).values.empty());
  }
  for (std::uint64_t ordinal = 1; ordinal <= 3; ++ordinal) {
    const DocVerdict v = index.Add(DocSignature{}, ordinal);
    EXPECT_FALSE(v.duplicate);
    EXPECT_EQ(v.of, 0u);
    EXPECT_EQ(index.indexed(), 0u);
    EXPECT_EQ(index.not_indexed(), 0u);  // not a full index: nothing to index
    EXPECT_EQ(index.documents(), ordinal);
    EXPECT_EQ(index.next_ordinal(), ordinal + 1);
  }
  // A real document after them is indexed and named by its own ordinal.
  const std::string text = "one two three four five six seven";
  EXPECT_FALSE(index.Add(Sign(config, text), 4).duplicate);
  const DocVerdict v = index.Add(Sign(config, text), 5);
  EXPECT_TRUE(v.duplicate);
  EXPECT_EQ(v.of, 4u);
}

// max_documents: after the bound, kept documents are no longer indexed, so a
// copy of one of them is kept; copies of indexed documents are still dropped.
TEST(DocDedupTest, MaxDocumentsBound) {
  for (std::uint64_t bound : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{3}}) {
    SCOPED_TRACE("max_documents " + std::to_string(bound));
    DocDedupConfig config;
    config.max_documents = bound;
    DocumentIndex index(config);
    std::mt19937_64 rng(bound + 1);
    std::vector<std::string> docs;
    for (int i = 0; i < 6; ++i) docs.push_back(Join(RandomWords(rng, 80)));
    std::uint64_t ordinal = 0;
    for (std::size_t i = 0; i < docs.size(); ++i) {
      const DocVerdict v = index.Add(Sign(config, docs[i]), ++ordinal);
      EXPECT_FALSE(v.duplicate);
      EXPECT_EQ(index.indexed(), std::min<std::uint64_t>(i + 1, bound));
      EXPECT_EQ(index.not_indexed(), i + 1 > bound ? i + 1 - bound : 0);
    }
    const std::uint64_t not_indexed = index.not_indexed();
    for (std::size_t i = 0; i < docs.size(); ++i) {
      SCOPED_TRACE("copy of document " + std::to_string(i + 1));
      const DocVerdict v = index.Add(Sign(config, docs[i]), ++ordinal);
      if (i < bound) {
        EXPECT_TRUE(v.duplicate);
        EXPECT_EQ(v.of, i + 1);
      } else {
        EXPECT_FALSE(v.duplicate);
      }
    }
    // Dropped copies do not count as not indexed; kept ones do.
    EXPECT_EQ(index.not_indexed(), not_indexed + (docs.size() - std::min<std::uint64_t>(bound, docs.size())));
    EXPECT_EQ(index.indexed(), bound);
  }
}

// --- saving and loading -----------------------------------------------------

class TempPath {
 public:
  TempPath() {
    char name[] = "/tmp/winnow_doc_dedup_test_XXXXXX";
    const int fd = mkstemp(name);
    if (fd < 0) std::abort();
    close(fd);
    path_ = name;
  }
  ~TempPath() { unlink(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string Slurp(const std::string& path) {
  std::string data;
  const int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0) std::abort();
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) data.append(buf, static_cast<std::size_t>(n));
  close(fd);
  return data;
}

void Spit(const std::string& path, const std::string& data) {
  const int fd = open(path.c_str(), O_WRONLY | O_TRUNC);
  if (fd < 0) std::abort();
  if (write(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size())) std::abort();
  close(fd);
}

// The bytes Write() produces.
std::string Written(const DocumentIndex& index) {
  TempPath file;
  AtomicFile out(file.path());
  StateWriter writer(&out);
  index.Write(writer);
  out.Commit();
  return Slurp(file.path());
}

enum class Source { kFile, kPipe };

// Read()s `data` into `*index` from a regular file or from a pipe fed by
// another thread (no fstat size check possible there).
void ReadInto(DocumentIndex* index, const std::string& data, Source source) {
  if (source == Source::kFile) {
    TempPath file;
    Spit(file.path(), data);
    const int fd = open(file.path().c_str(), O_RDONLY);
    try {
      StateReader in(fd, file.path());
      index->Read(in);
    } catch (...) {
      close(fd);
      throw;
    }
    close(fd);
    return;
  }
  int fds[2];
  if (pipe(fds) != 0) std::abort();
  std::thread writer([&] {
    std::size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = write(fds[1], data.data() + done, data.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    close(fds[1]);
  });
  try {
    StateReader in(fds[0], "pipe");
    index->Read(in);
  } catch (...) {
    close(fds[0]);
    writer.join();
    throw;
  }
  close(fds[0]);
  writer.join();
}

// Documents for the round trip: new ones, copies and near copies of earlier
// ones (indexed or not), from a fixed seed.
std::vector<std::string> Stream(std::uint64_t seed, const std::vector<std::string>& earlier,
                                std::size_t count) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> docs;
  for (std::size_t i = 0; i < count; ++i) {
    const std::vector<std::string>& pool = (rng() % 2 == 0 && !earlier.empty()) ? earlier : docs;
    if (!pool.empty() && rng() % 3 != 0) {
      std::string copy = pool[rng() % pool.size()];
      if (rng() % 2 == 0) copy += " and one more sentence at the end of it.";
      docs.push_back(copy);
    } else {
      docs.push_back(Join(RandomWords(rng, 30 + rng() % 100)));
    }
  }
  return docs;
}

TEST(DocDedupTest, WriteReadRoundTripGivesTheSameVerdicts) {
  for (Source source : {Source::kFile, Source::kPipe}) {
    for (std::uint64_t bound : {std::uint64_t{100'000'000}, std::uint64_t{25}}) {
      SCOPED_TRACE(std::string(source == Source::kFile ? "file" : "pipe") + ", max_documents " +
                   std::to_string(bound));
      DocDedupConfig config;
      config.max_documents = bound;
      DocumentIndex original(config);
      const std::vector<std::string> part_a = Stream(1, {}, 60);
      std::uint64_t ordinal = 0;
      int dropped_a = 0;
      for (const std::string& doc : part_a) dropped_a += original.Add(Sign(config, doc), ordinal += 2).duplicate;
      original.AdvanceTo(ordinal + 5);  // records that were not documents
      ordinal += 4;
      ASSERT_GT(dropped_a, 5);

      const std::string bytes = Written(original);
      DocumentIndex loaded(config);
      // Whatever the loaded index held before is replaced.
      loaded.Add(Sign(config, part_a[0]), 1);
      loaded.Add(Sign(config, "an unrelated document that the saved index never saw at all"), 2);
      ReadInto(&loaded, bytes, source);
      EXPECT_EQ(loaded.next_ordinal(), original.next_ordinal());
      EXPECT_EQ(loaded.next_ordinal(), ordinal + 1);
      EXPECT_EQ(loaded.indexed(), original.indexed());
      EXPECT_EQ(loaded.not_indexed(), original.not_indexed());
      EXPECT_EQ(loaded.short_documents(), original.short_documents());
      if (bound > 25) EXPECT_GT(original.short_documents(), 5u) << "short documents are saved too";
      EXPECT_EQ(Written(loaded), bytes);

      std::vector<std::string> part_b = Stream(2, part_a, 80);
      part_b.push_back("an unrelated document that the saved index never saw at all");
      int dropped_b = 0;
      for (std::size_t i = 0; i < part_b.size(); ++i) {
        SCOPED_TRACE("document " + std::to_string(i + 1) + " after loading");
        const DocSignature sig = Sign(config, part_b[i]);
        ++ordinal;
        const DocVerdict want = original.Add(sig, ordinal);
        const DocVerdict got = loaded.Add(sig, ordinal);
        EXPECT_EQ(got.duplicate, want.duplicate);
        EXPECT_EQ(got.of, want.of);
        EXPECT_EQ(got.similarity, want.similarity);
        dropped_b += want.duplicate;
      }
      EXPECT_GT(dropped_b, 10);
      EXPECT_EQ(loaded.indexed(), original.indexed());
      EXPECT_EQ(loaded.not_indexed(), original.not_indexed());
    }
  }
}

TEST(DocDedupTest, ReadRejectsOtherParameters) {
  struct Row {
    std::string name;
    void (*change)(DocDedupConfig*);
    std::string parameter;  // the message names it
  };
  const Row rows[] = {
      {"shingle size", [](DocDedupConfig* c) { c->shingle_words = 4; }, "--doc-shingle"},
      {"permutations", [](DocDedupConfig* c) { c->permutations = 64; }, "--permutations"},
      {"seed", [](DocDedupConfig* c) { c->seed += 1; }, "seed"},
      {"threshold", [](DocDedupConfig* c) { c->threshold = 0.7; }, "--doc-threshold"},
      {"threshold, same bands", [](DocDedupConfig* c) { c->threshold = 0.8000001; }, "--doc-threshold"},
  };
  const DocDedupConfig saved_config;
  DocumentIndex saved(saved_config);
  saved.Add(Sign(saved_config, "one two three four five six"), 1);
  const std::string bytes = Written(saved);
  for (const Row& row : rows) {
    for (Source source : {Source::kFile, Source::kPipe}) {
      SCOPED_TRACE(row.name + (source == Source::kFile ? ", file" : ", pipe"));
      DocDedupConfig config = saved_config;
      row.change(&config);
      DocumentIndex index(config);
      try {
        ReadInto(&index, bytes, source);
        ADD_FAILURE() << "no exception";
      } catch (const Error& e) {
        EXPECT_NE(e.message().find(row.parameter), std::string::npos) << e.what();
      }
    }
  }
  // The same parameters, another bound on the index size: accepted.
  DocDedupConfig bigger = saved_config;
  bigger.max_documents = 5;
  DocumentIndex index(bigger);
  EXPECT_NO_THROW(ReadInto(&index, bytes, Source::kFile));
  EXPECT_EQ(index.indexed(), 1u);
}

TEST(DocDedupTest, ReadRejectsTruncatedAndForeignData) {
  const DocDedupConfig config;
  DocumentIndex saved(config);
  std::mt19937_64 rng(3);
  for (std::uint64_t i = 1; i <= 5; ++i) saved.Add(Sign(config, Join(RandomWords(rng, 40))), i);
  const std::string bytes = Written(saved);
  ASSERT_GT(bytes.size(), 5 * (8 + kDocPermutations / 8u));  // ordinal and 1-bit sketch each

  std::vector<std::size_t> cuts = {0, 1, 7, 8, 12, 40, bytes.size() / 2, bytes.size() - 2, bytes.size() - 1};
  // Around the end of the header, wherever it is: every length below the
  // full size must be refused.
  for (std::size_t n = 60; n < 100; ++n) cuts.push_back(n);
  for (std::size_t cut : cuts) {
    for (Source source : {Source::kFile, Source::kPipe}) {
      SCOPED_TRACE("first " + std::to_string(cut) + " of " + std::to_string(bytes.size()) +
                   (source == Source::kFile ? " bytes, file" : " bytes, pipe"));
      DocumentIndex index(config);
      EXPECT_THROW(ReadInto(&index, bytes.substr(0, cut), source), Error);
    }
  }
  struct Row {
    std::string name;
    std::string data;
  };
  std::string other_magic = bytes;
  other_magic[0] = 'X';
  std::string other_version = bytes;
  other_version[8] = static_cast<char>(other_version[8] + 1);  // after the 8-byte magic
  const Row rows[] = {
      {"other magic", other_magic},
      {"other version", other_version},
      {"text", std::string(200, 'a')},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    DocumentIndex index(config);
    EXPECT_THROW(ReadInto(&index, row.data, Source::kFile), Error);
  }
}

TEST(DocDedupTest, ConfigurationOutOfRangeThrows) {
  for (int k : {0, -1, 17}) {
    SCOPED_TRACE("shingle_words " + std::to_string(k));
    DocDedupConfig config;
    config.shingle_words = k;
    EXPECT_THROW(DocumentIndex index(config), Error);
  }
  for (int k : {1, 16}) {
    DocDedupConfig config;
    config.shingle_words = k;
    EXPECT_NO_THROW(DocumentIndex index(config));
  }
}

// The index's promise: at most 94.4 bytes per indexed document, beyond one
// partly used block of documents, and estimates that follow the 1-bit
// sketch's agreement (here: copies of random signatures with a known share
// of values changed).
TEST(DocDedupTest, MemoryPerDocumentStaysWithin96Bytes) {
  DocDedupConfig config;
  DocumentIndex index(config);
  std::mt19937_64 rng(11);
  DocSignature sig;
  constexpr std::uint64_t kBlock = 65536;  // documents per block (doc_dedup.hpp)
  constexpr std::uint64_t kBlockBytes = kBlock * (8 + kDocPermutations / 8);
  for (std::uint64_t i = 1; i <= 400000; ++i) {
    sig.values.resize(static_cast<std::size_t>(config.permutations));
    for (auto& v : sig.values) v = rng();
    sig.exact_low = rng();
    sig.exact_high = rng();
    ASSERT_FALSE(index.Add(sig, i).duplicate) << "random signatures are not duplicates";
    if (i % 20000 == 0) {
      const double per_doc =
          static_cast<double>(index.memory_bytes() - kBlockBytes) / static_cast<double>(i);
      EXPECT_LE(per_doc, 94.5) << "after " << i << " documents";
    }
  }
  EXPECT_EQ(index.indexed(), 400000u);
}

TEST(DocDedupTest, SketchEstimateFollowsTheShareOfEqualValues) {
  DocDedupConfig config;
  std::mt19937_64 rng(5);
  for (double share : {1.0, 0.95, 0.9, 0.85, 0.6, 0.3}) {
    double total = 0;
    const int trials = 40;
    int dropped = 0;
    for (int t = 0; t < trials; ++t) {
      DocumentIndex index(config);
      DocSignature a, b;
      a.values.resize(static_cast<std::size_t>(config.permutations));
      for (auto& v : a.values) v = rng();
      b = a;
      // Change the values outside the first band (kept, so it is a
      // candidate) with probability 1 - share.
      for (std::size_t i = 8; i < b.values.size(); ++i) {
        if (std::uniform_real_distribution<double>(0, 1)(rng) > share) b.values[i] = rng();
      }
      index.Add(a, 1);
      const DocVerdict v = index.Add(b, 2);
      if (v.duplicate) {
        ++dropped;
        total += v.similarity;
      }
    }
    SCOPED_TRACE("share " + std::to_string(share));
    if (share >= 0.9) {
      EXPECT_GE(dropped, trials * 3 / 4);
      EXPECT_NEAR(total / dropped, share, 0.06);
    }
    if (share <= 0.6) EXPECT_EQ(dropped, 0);
  }
}

}  // namespace
}  // namespace winnow
