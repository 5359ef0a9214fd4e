#include "winnow/shingle.hpp"

#include <algorithm>

#include "winnow/detail/xxhash.hpp"

namespace winnow {

std::uint64_t HashWord(std::string_view word, std::uint64_t seed) {
  return XXH3_64bits_withSeed(word.data(), word.size(), seed);
}

void HashWords(const Normalized& norm, std::uint64_t seed,
               std::vector<std::uint64_t>* out) {
  // No reserve(size + n): appending line after line, an exact reserve
  // would copy the whole vector each time; push_back grows geometrically.
  for (std::size_t i = 0; i < norm.words.size(); ++i) {
    out->push_back(HashWord(norm.word(i), seed));
  }
}

void Shingles(const std::vector<std::uint64_t>& words, int k, std::uint64_t seed,
              std::vector<std::uint64_t>* out) {
  ShingleSequence(words, k, seed, out);
  std::sort(out->begin(), out->end());
  out->erase(std::unique(out->begin(), out->end()), out->end());
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
