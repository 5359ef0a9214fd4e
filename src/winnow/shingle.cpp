#include "winnow/shingle.hpp"

#include <utf8proc.h>

#include <algorithm>
#include <bit>
#include <cstring>

#include "winnow/detail/line_chars.hpp"
#include "winnow/detail/xxhash.hpp"

namespace winnow {

namespace {

// HashWord, compiled into each loop that calls it.
[[gnu::always_inline]] inline std::uint64_t Hash(const char* data, std::size_t size,
                                                 std::uint64_t seed) {
  return XXH3_64bits_withSeed(data, size, seed);
}

}  // namespace

std::uint64_t HashWord(std::string_view word, std::uint64_t seed) {
  return Hash(word.data(), word.size(), seed);
}

void HashWords(const Normalized& norm, std::uint64_t seed,
               std::vector<std::uint64_t>* out) {
  // Grown geometrically (appending line after line, an exact reserve
  // would copy the whole vector each time), to the power of two that
  // push_back would reach: a document's hashes then take the same address
  // space as before (growing by twice the capacity took 10 MB more on four
  // 20 MB documents, and broke the stated memory bound), then written in
  // place.
  const std::size_t at = out->size(), n = norm.words.size();
  if (out->capacity() < at + n) out->reserve(std::bit_ceil(at + n));
  out->resize(at + n);
  std::uint64_t* hashes = out->data() + at;
  const char* text = norm.text.data();
  for (std::size_t i = 0; i < n; ++i) {
    hashes[i] = Hash(text + norm.words[i].begin, norm.words[i].size, seed);
  }
}

bool HasUnspacedScript(std::string_view text) {
  // Every such character's UTF-8 begins with 0xE0 (U+0800-0FFF) or 0xE1
  // (U+1000-1FFF): two vector searches for most text, which has neither.
  const char* const data = text.data();
  const std::size_t n = text.size();
  for (const int lead : {0xE0, 0xE1}) {
    for (const void* p = std::memchr(data, lead, n); p != nullptr;) {
      std::size_t pos = static_cast<std::size_t>(static_cast<const char*>(p) - data);
      if (detail::IsUnspacedScript(DecodeUtf8(text, &pos))) return true;
      p = pos < n ? std::memchr(data + pos, lead, n - pos) : nullptr;
    }
  }
  return false;
}

namespace {

// The token kinds inside a word of an unspaced script (HashTokens).
enum class TokenChar { kCluster, kMark, kBreak, kOther };

TokenChar ClassifyTokenChar(char32_t c) {
  const utf8proc_property_t* p = utf8proc_get_property(static_cast<utf8proc_int32_t>(c));
  const auto cat = p->category;
  if (cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_MC || cat == UTF8PROC_CATEGORY_ME) {
    return TokenChar::kMark;
  }
  if (!detail::IsUnspacedScript(c)) return TokenChar::kOther;
  if (cat >= UTF8PROC_CATEGORY_PC && cat <= UTF8PROC_CATEGORY_PO) return TokenChar::kBreak;
  return TokenChar::kCluster;
}

// Appends the tokens of one word that holds a character of an unspaced
// script (see HashTokens).
void HashSplitWord(std::string_view word, std::uint64_t seed, std::vector<std::uint64_t>* out) {
  std::size_t begin = 0, pos = 0;
  // The open token: none, a character of the script with its marks, or a
  // run of other characters.
  enum class Open { kNone, kCluster, kRun } open = Open::kNone;
  auto close = [&](std::size_t end) {
    if (open != Open::kNone && end > begin) out->push_back(Hash(word.data() + begin, end - begin, seed));
    open = Open::kNone;
  };
  while (pos < word.size()) {
    const std::size_t at = pos;
    switch (ClassifyTokenChar(DecodeUtf8(word, &pos))) {
      case TokenChar::kMark:
        if (open == Open::kNone) {  // a mark after a break: a token of its own
          begin = at;
          open = Open::kCluster;
        }
        break;
      case TokenChar::kBreak:
        close(at);
        break;
      case TokenChar::kCluster:
        close(at);
        begin = at;
        open = Open::kCluster;
        break;
      case TokenChar::kOther:
        if (open == Open::kRun) break;
        close(at);
        begin = at;
        open = Open::kRun;
        break;
    }
  }
  close(word.size());
}

}  // namespace

void HashTokens(const Normalized& norm, std::uint64_t seed, std::vector<std::uint64_t>* out) {
  if (!HasUnspacedScript(norm.text)) {
    HashWords(norm, seed, out);
    return;
  }
  for (std::size_t i = 0; i < norm.words.size(); ++i) {
    const std::string_view word = norm.word(i);
    if (HasUnspacedScript(word)) {
      HashSplitWord(word, seed, out);
    } else {
      out->push_back(Hash(word.data(), word.size(), seed));
    }
  }
}

namespace {

// Sorts [a, a + n) by insertion: few moves when it is nearly sorted.
void InsertionSort(std::uint64_t* a, std::size_t n) {
  for (std::size_t i = 1; i < n; ++i) {
    const std::uint64_t x = a[i];
    std::size_t j = i;
    for (; j > 0 && a[j - 1] > x; --j) a[j] = a[j - 1];
    a[j] = x;
  }
}

// Sorts the hashes `*v` (uniform over 64 bits) and removes repeats: a
// counting pass on the top bits puts each value into one of about 2n
// buckets in order, so the insertion sort after it moves values only
// within a bucket (about one element each). Linear time on average, and
// few of the branch mispredictions that a comparison sort spends on
// random keys. The result is the sorted set, whatever the method.
void SortUnique(std::vector<std::uint64_t>* v) {
  const std::size_t n = v->size();
  std::uint64_t* a = v->data();
  if (n <= 16) {
    InsertionSort(a, n);
  } else {
    thread_local std::vector<std::uint64_t> sorted;
    thread_local std::vector<std::uint32_t> count;
    int bits = 1;
    while ((std::size_t{1} << bits) < 2 * n && bits < 16) ++bits;
    const int shift = 64 - bits;
    count.assign((std::size_t{1} << bits) + 1, 0);
    for (std::size_t i = 0; i < n; ++i) ++count[(a[i] >> shift) + 1];
    for (std::size_t b = 1; b < count.size(); ++b) count[b] += count[b - 1];
    sorted.resize(n);
    for (std::size_t i = 0; i < n; ++i) sorted[count[a[i] >> shift]++] = a[i];
    InsertionSort(sorted.data(), n);
    std::copy(sorted.begin(), sorted.end(), a);
  }
  v->erase(std::unique(v->begin(), v->end()), v->end());
}

}  // namespace

void Shingles(const std::vector<std::uint64_t>& words, int k, std::uint64_t seed,
              std::vector<std::uint64_t>* out) {
  ShingleSequence(words, k, seed, out);
  SortUnique(out);
}

void ShingleSequence(const std::vector<std::uint64_t>& words, int k, std::uint64_t seed,
                     std::vector<std::uint64_t>* out) {
  out->clear();
  if (words.empty()) return;
  const std::size_t n = words.size();
  const std::size_t width = std::min<std::size_t>(static_cast<std::size_t>(k), n);
  out->reserve(n - width + 1);
  for (std::size_t i = 0; i + width <= n; ++i) {
    // XXH3 over the words' hashes: order-sensitive, well mixed.
    out->push_back(XXH3_64bits_withSeed(words.data() + i,
                                        width * sizeof(std::uint64_t), seed));
  }
}

}  // namespace winnow
