// MinHash signatures over shingle hashes: one-permutation hashing with
// optimal densification (Shrivastava, ICML 2017).
//
// Each shingle hash x is remixed once with the seed (a splitmix64 finaliser,
// a bijection of the 64-bit space); the high bits of the result pick one of
// K bins and each bin keeps the smallest value that falls in it. That is one
// hash per shingle instead of K, the cost that dominates classic MinHash.
// Bins that no shingle reached are filled by optimal densification: empty
// bin i copies the value of the first non-empty bin in its probe order, a
// random order of all bins fixed by (seed, i), so two sets fill the same way
// and P[bin i agrees] stays equal to their Jaccard similarity. (The paper
// probes with a hash per attempt; a fixed shuffled order per bin is the same
// distribution without replacement, and a table walk instead of a hash.) Signatures are
// deterministic for a (seed, K) pair.
#ifndef WINNOW_MINHASH_HPP_
#define WINNOW_MINHASH_HPP_

#include <cstdint>
#include <vector>

namespace winnow {

class MinHasher {
 public:
  // `permutations` is the number of bins K (the signature length).
  // Throws winnow::Error unless 1 <= permutations <= kMaxPermutations.
  MinHasher(int permutations, std::uint64_t seed);

  int permutations() const { return bins_; }

  // Replaces `*signature` with each bin's value over the shingles (after
  // densification), and `*sample` (if not null) with the shingle that gave
  // each value: a sample of the set, used to estimate containment. Both are
  // all-ones for an empty set.
  void Sign(const std::vector<std::uint64_t>& shingles,
            std::vector<std::uint64_t>* signature,
            std::vector<std::uint64_t>* sample) const;

  // The same signature, filling empty bins by walking their probe orders
  // only: the plain reading of the method, which tests hold Sign() to.
  void SignByWalking(const std::vector<std::uint64_t>& shingles,
                     std::vector<std::uint64_t>* signature,
                     std::vector<std::uint64_t>* sample) const;

  // Replaces `*winners` with the shingles of the sorted, distinct set
  // `shingles` that hold a bin of `signature` (Sign() of that set): the
  // sample's distinct values, sorted, in one pass over the set.
  void Winners(const std::vector<std::uint64_t>& shingles,
               const std::vector<std::uint64_t>& signature,
               std::vector<std::uint64_t>* winners) const;
  // The same winners as their positions in `shingles`, in increasing order.
  void WinnerPositions(const std::vector<std::uint64_t>& shingles,
                       const std::vector<std::uint64_t>& signature,
                       std::vector<std::uint32_t>* positions) const;
  // Sign() without a sample and WinnerPositions() in one: each shingle's
  // value computed once (kept in `*values`, scratch space).
  void SignWithWinners(const std::vector<std::uint64_t>& shingles,
                       std::vector<std::uint64_t>* signature,
                       std::vector<std::uint32_t>* positions,
                       std::vector<std::uint64_t>* values) const;

 private:
  void Sign(const std::vector<std::uint64_t>& shingles, std::vector<std::uint64_t>* signature,
            std::vector<std::uint64_t>* sample, bool walk_only) const;
  // Fills the bins that no shingle reached (see above); `filled` has a bit
  // for each bin a shingle fell into (bin i: bit i % 64 of filled[i / 64]).
  void Densify(std::uint64_t* sig, std::uint64_t* smp, std::uint64_t* filled,
               bool walk_only) const;

  int bins_;
  std::uint64_t seed_;
  std::vector<std::uint16_t> probes_;  // bins_ x bins_ probe orders
  // Up to 128 bins: ranks_[j][i] = (position of bin j in probes_[i]) x 128 + j.
  std::vector<std::int16_t> ranks_;
};

// The share of positions where two signatures agree: an unbiased estimate of
// the Jaccard similarity of the two sets. Signatures must have equal length.
double EstimateJaccard(const std::vector<std::uint64_t>& a,
                       const std::vector<std::uint64_t>& b);

// Exact |A n B| of two sorted, de-duplicated hash sets.
std::size_t IntersectionSize(const std::vector<std::uint64_t>& a,
                             const std::vector<std::uint64_t>& b);
std::size_t IntersectionSize(const std::uint64_t* a, std::size_t a_size,
                             const std::uint64_t* b, std::size_t b_size);

}  // namespace winnow

#endif  // WINNOW_MINHASH_HPP_
