// Hashing parameters. Changing any of these changes every signature winnow
// computes, so they live in one place, and tests pin golden values.
#ifndef WINNOW_HASHING_HPP_
#define WINNOW_HASHING_HPP_

#include <cstdint>

namespace winnow {

inline constexpr std::uint64_t kDefaultSeed = 0x77696e6e6f77ULL;  // "winnow"
// Words are hashed once, with this seed, and the hashes shared by every
// stage; each stage's own seed goes into its shingle hashes.
inline constexpr std::uint64_t kWordSeed = 0x776f726473ULL;  // "words"
inline constexpr int kDefaultShingleWords = 3;
inline constexpr int kDefaultPermutations = 128;
// Documents across a stream: more values, of one bit each in the index
// (doc_dedup.hpp; the layout was chosen by bench/lsh_layouts.sh).
inline constexpr int kDocPermutations = 352;
inline constexpr int kDocBands = 4;
inline constexpr int kMaxPermutations = 1024;
inline constexpr int kMaxShingleWords = 16;

}  // namespace winnow

#endif  // WINNOW_HASHING_HPP_
