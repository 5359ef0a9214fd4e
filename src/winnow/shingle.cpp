#include "winnow/shingle.hpp"

#include <algorithm>
#include <bit>

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
