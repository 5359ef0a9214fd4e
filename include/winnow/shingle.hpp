// Word shingles: the set of k consecutive normalised words of a text.
//
// Each word is hashed once with xxHash (XXH3, seeded); a shingle's hash is
// built from its words' hashes, so no text is rehashed per shingle. A text
// with fewer than k words yields one shingle of all its words, so short
// paragraphs still compare (by equality).
#ifndef WINNOW_SHINGLE_HPP_
#define WINNOW_SHINGLE_HPP_

#include <cstdint>
#include <string_view>
#include <vector>

#include "winnow/normalize.hpp"

namespace winnow {

// The seeded 64-bit hash of one normalised word.
std::uint64_t HashWord(std::string_view word, std::uint64_t seed);

// Appends the hash of every word of `norm` to `*out`.
void HashWords(const Normalized& norm, std::uint64_t seed,
               std::vector<std::uint64_t>* out);

// Replaces `*out` with the sorted, de-duplicated shingle hashes of the word
// hash sequence `words` for shingles of `k` words (k >= 1). Empty input gives
// an empty set.
void Shingles(const std::vector<std::uint64_t>& words, int k, std::uint64_t seed,
              std::vector<std::uint64_t>* out);

// The same shingle hashes in text order, repeats included: enough for a
// MinHash signature, which a repeated value does not change.
void ShingleSequence(const std::vector<std::uint64_t>& words, int k, std::uint64_t seed,
                     std::vector<std::uint64_t>* out);

}  // namespace winnow

#endif  // WINNOW_SHINGLE_HPP_
