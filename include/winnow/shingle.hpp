// Word shingles: the set of k consecutive tokens of a text.
//
// A token is a normalised word (normalize.hpp), except in scripts written
// without spaces between words (see HashTokens): there a whole clause is
// one "word", so a shingle of words would change with any edit in it, and
// the tokens are its characters instead, as each CJK ideograph already is
// a word of its own. Each token is hashed once with xxHash (XXH3, seeded);
// a shingle's hash is built from its tokens' hashes, so no text is rehashed
// per shingle. A text with fewer than k tokens yields one shingle of all of
// them, so short paragraphs still compare (by equality).
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

// Whether `text` holds a character of a script written without spaces
// between words: Thai and Lao (U+0E00-0EFF), Tibetan (U+0F00-0FFF),
// Myanmar (U+1000-109F), Khmer (U+1780-17FF).
bool HasUnspacedScript(std::string_view text);

// Appends the shingle tokens of `norm` to `*out`, each as HashWord(token,
// seed): the words of `norm`, except that a word holding a character of a
// script without word spaces (HasUnspacedScript) is cut into one token per
// character of that script, a letter with the combining marks after it (a
// Thai consonant with its vowel and tone marks, a Khmer one with its
// subscript sign); that script's punctuation (Tibetan tsheg, Khmer khan,
// Thai angkhankhu) only separates tokens, and any other run inside such a
// word (digits, Latin letters) is one token. A text without such
// characters gives exactly HashWords' hashes, so a one-character edit in a
// Thai clause changes k shingles, not every shingle holding the clause.
void HashTokens(const Normalized& norm, std::uint64_t seed,
                std::vector<std::uint64_t>* out);

// Replaces `*out` with the sorted, de-duplicated shingle hashes of the token
// hash sequence `words` for shingles of `k` tokens (k >= 1). Empty input gives
// an empty set.
void Shingles(const std::vector<std::uint64_t>& words, int k, std::uint64_t seed,
              std::vector<std::uint64_t>* out);

// The same shingle hashes in text order, repeats included: enough for a
// MinHash signature, which a repeated value does not change.
void ShingleSequence(const std::vector<std::uint64_t>& words, int k, std::uint64_t seed,
                     std::vector<std::uint64_t>* out);

}  // namespace winnow

#endif  // WINNOW_SHINGLE_HPP_
