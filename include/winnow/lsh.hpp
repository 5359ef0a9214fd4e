// Banded locality-sensitive hashing over MinHash signatures.
//
// A signature of b*r values is cut into b bands of r rows; two sets become
// candidates when any band is equal. For Jaccard s the chance of that is
// 1 - (1 - s^r)^b. OptimalLshParams picks (b, r) the way datasketch does: it
// minimises the weighted sum of the false-positive area (the integral of
// that curve below the threshold) and the false-negative area (the integral
// of its complement above it). Candidates are only candidates: callers
// verify them before acting.
#ifndef WINNOW_LSH_HPP_
#define WINNOW_LSH_HPP_

#include <cstdint>
#include <vector>

#include "winnow/detail/posting_index.hpp"

namespace winnow {

struct LshParams {
  int bands;
  int rows;
};

// Throws winnow::Error unless 0 < threshold <= 1 and permutations >= 1.
// With max_bands > 0, only (b, r) with b <= max_bands are considered.
LshParams OptimalLshParams(double threshold, int permutations,
                           double false_positive_weight = 0.5,
                           double false_negative_weight = 0.5, int max_bands = 0);

// The probability that two sets of Jaccard similarity `s` share a band.
double CandidateProbability(double s, LshParams params);

class LshIndex {
 public:
  // A query reads at most `max_per_bucket` ids of each band's bucket, the
  // newest first: a document of many paragraphs that share one band (lines
  // built on one template) stays linear instead of quadratic, at the price
  // of not seeing the oldest members of a crowded bucket.
  explicit LshIndex(LshParams params, int max_per_bucket = 64);

  // Adds `id` under each band of `signature` (size >= bands * rows).
  void Insert(const std::vector<std::uint64_t>& signature, std::uint32_t id);

  // Appends to `*out` the ids sharing at least one band with `signature`
  // (up to max_per_bucket per band), each once, in increasing order.
  void Query(const std::vector<std::uint64_t>& signature,
             std::vector<std::uint32_t>* out) const;

  // The same two in steps, for a caller that queries and then inserts one
  // signature: its band keys are computed once.
  void BandKeys(const std::vector<std::uint64_t>& signature,
                std::vector<std::uint64_t>* keys) const;
  void InsertKeys(const std::vector<std::uint64_t>& keys, std::uint32_t id);
  void QueryKeys(const std::vector<std::uint64_t>& keys,
                 std::vector<std::uint32_t>* out) const;

  void Clear();
  // Makes room for `ids` more ids without growing step by step.
  void Reserve(std::size_t ids) { table_.Reserve(ids * static_cast<std::size_t>(params_.bands)); }

 private:
  std::uint64_t BandKey(const std::vector<std::uint64_t>& signature,
                        int band) const;
  LshParams params_;
  int max_per_bucket_;
  detail::PostingIndex table_;  // (band, band hash) -> ids
};

}  // namespace winnow

#endif  // WINNOW_LSH_HPP_
