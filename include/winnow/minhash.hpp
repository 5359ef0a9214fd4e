// MinHash signatures over shingle hashes.
//
// Permutation i maps a shingle hash x to a_i * x + b_i (mod 2^64) with a_i
// odd: a bijection of the 64-bit space, so each is a true permutation of the
// (already uniformly hashed) shingles. a_i and b_i come from the seed through
// splitmix64, so signatures are deterministic for a (seed, permutations)
// pair. The inner loop is a multiply-add and a min over plain arrays, which
// compilers vectorise; there is no modulo prime per shingle.
#ifndef WINNOW_MINHASH_HPP_
#define WINNOW_MINHASH_HPP_

#include <cstdint>
#include <vector>

namespace winnow {

class MinHasher {
 public:
  // Throws winnow::Error unless 1 <= permutations <= kMaxPermutations.
  MinHasher(int permutations, std::uint64_t seed);

  int permutations() const { return static_cast<int>(a_.size()); }

  // Replaces `*signature` with the minimum of each permutation over the
  // shingles, and `*sample` (if not null) with the shingle that reached each
  // minimum: a sample of the set with replacement, used to estimate
  // containment. Both are all-ones for an empty set.
  void Sign(const std::vector<std::uint64_t>& shingles,
            std::vector<std::uint64_t>* signature,
            std::vector<std::uint64_t>* sample) const;

 private:
  std::vector<std::uint64_t> a_;
  std::vector<std::uint64_t> b_;
};

// The share of positions where two signatures agree: an unbiased estimate of
// the Jaccard similarity of the two sets. Signatures must have equal length.
double EstimateJaccard(const std::vector<std::uint64_t>& a,
                       const std::vector<std::uint64_t>& b);

// Exact |A n B| of two sorted, de-duplicated hash sets.
std::size_t IntersectionSize(const std::vector<std::uint64_t>& a,
                             const std::vector<std::uint64_t>& b);

}  // namespace winnow

#endif  // WINNOW_MINHASH_HPP_
