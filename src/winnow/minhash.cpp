#include "winnow/minhash.hpp"

#include <limits>
#include <utility>

#include "winnow/error.hpp"
#include "winnow/hashing.hpp"

namespace winnow {
namespace {

// The splitmix64 finaliser: a bijection with full avalanche.
std::uint64_t Mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Maps a uniform 64-bit value onto [0, n) without a division.
std::uint32_t Range(std::uint64_t h, std::uint32_t n) {
  return static_cast<std::uint32_t>((static_cast<unsigned __int128>(h) * n) >> 64);
}

}  // namespace

MinHasher::MinHasher(int permutations, std::uint64_t seed)
    : bins_(permutations), seed_(Mix(seed + 0x9E3779B97F4A7C15ULL)) {
  if (permutations < 1 || permutations > kMaxPermutations) {
    throw Error("--permutations", "must be between 1 and " +
                                      std::to_string(kMaxPermutations));
  }
  // Each bin's probe order: a seeded shuffle of all bins (Fisher-Yates with
  // a splitmix64 stream), fixed for the hasher, so densification is a table
  // walk rather than a hash per attempt.
  const auto k = static_cast<std::uint32_t>(bins_);
  probes_.resize(static_cast<std::size_t>(k) * k);
  ranks_.resize(static_cast<std::size_t>(k) * k);
  std::uint64_t state = seed_;
  for (std::uint32_t i = 0; i < k; ++i) {
    std::uint16_t* row = probes_.data() + static_cast<std::size_t>(i) * k;
    for (std::uint32_t j = 0; j < k; ++j) row[j] = static_cast<std::uint16_t>(j);
    for (std::uint32_t j = k - 1; j > 0; --j) {
      state += 0x9E3779B97F4A7C15ULL;
      const std::uint32_t r = Range(Mix(state), j + 1);
      std::swap(row[j], row[r]);
    }
    std::uint16_t* rank = ranks_.data() + static_cast<std::size_t>(i) * k;
    for (std::uint32_t p = 0; p < k; ++p) rank[row[p]] = static_cast<std::uint16_t>(p);
  }
}

void MinHasher::Sign(const std::vector<std::uint64_t>& shingles,
                     std::vector<std::uint64_t>* signature,
                     std::vector<std::uint64_t>* sample) const {
  const auto k = static_cast<std::uint32_t>(bins_);
  constexpr std::uint64_t kEmpty = std::numeric_limits<std::uint64_t>::max();
  signature->assign(k, kEmpty);
  if (sample) sample->assign(k, kEmpty);
  if (shingles.empty()) return;
  std::uint64_t* sig = signature->data();
  std::uint64_t* smp = sample ? sample->data() : nullptr;
  for (std::uint64_t x : shingles) {
    const std::uint64_t h = Mix(x ^ seed_);
    const std::uint32_t bin = Range(h, k);
    if (h < sig[bin]) {
      sig[bin] = h;
      if (smp) smp[bin] = x;
    }
  }
  // Optimal densification. `filled` marks the bins a shingle reached; only
  // those are copied from, so the result does not depend on the order in
  // which empty bins are visited.
  bool filled[kMaxPermutations];
  std::uint32_t empty = 0;
  for (std::uint32_t i = 0; i < k; ++i) {
    filled[i] = sig[i] != kEmpty;
    empty += !filled[i];
  }
  if (empty == 0) return;
  // With few filled bins, walking a probe order costs about k / filled
  // steps per empty bin; comparing the filled bins' ranks in that order
  // costs `filled` steps. Both find the same bin.
  const std::uint32_t filled_count = k - empty;
  std::uint32_t filled_bins[kMaxPermutations];
  std::uint32_t n = 0;
  for (std::uint32_t j = 0; j < k; ++j) {
    if (filled[j]) filled_bins[n++] = j;
  }
  const bool by_rank = filled_count * filled_count < k;
  for (std::uint32_t i = 0; i < k; ++i) {
    if (filled[i]) continue;
    std::uint32_t from;
    if (by_rank) {
      const std::uint16_t* rank = ranks_.data() + static_cast<std::size_t>(i) * k;
      from = filled_bins[0];
      for (std::uint32_t f = 1; f < n; ++f) {
        if (rank[filled_bins[f]] < rank[from]) from = filled_bins[f];
      }
    } else {
      const std::uint16_t* row = probes_.data() + static_cast<std::size_t>(i) * k;
      std::uint32_t p = 0;
      while (!filled[row[p]]) ++p;  // ends: at least one bin is filled
      from = row[p];
    }
    sig[i] = sig[from];
    if (smp) smp[i] = smp[from];
  }
}

void MinHasher::Winners(const std::vector<std::uint64_t>& shingles,
                        const std::vector<std::uint64_t>& signature,
                        std::vector<std::uint64_t>* winners) const {
  // A shingle's value is a bijection of it, so a bin whose minimum equals
  // it was won by it; densified bins copy winners' values, adding none.
  winners->clear();
  const auto k = static_cast<std::uint32_t>(bins_);
  for (std::uint64_t x : shingles) {
    const std::uint64_t h = Mix(x ^ seed_);
    if (signature[Range(h, k)] == h) winners->push_back(x);
  }
}

double EstimateJaccard(const std::vector<std::uint64_t>& a,
                       const std::vector<std::uint64_t>& b) {
  if (a.empty() || a.size() != b.size()) return 0.0;
  std::size_t same = 0;
  for (std::size_t i = 0; i < a.size(); ++i) same += a[i] == b[i];
  return static_cast<double>(same) / static_cast<double>(a.size());
}

std::size_t IntersectionSize(const std::vector<std::uint64_t>& a,
                             const std::vector<std::uint64_t>& b) {
  return IntersectionSize(a.data(), a.size(), b.data(), b.size());
}

std::size_t IntersectionSize(const std::uint64_t* a, std::size_t a_size,
                             const std::uint64_t* b, std::size_t b_size) {
  std::size_t i = 0, j = 0, n = 0;
  while (i < a_size && j < b_size) {
    if (a[i] < b[j]) {
      ++i;
    } else if (b[j] < a[i]) {
      ++j;
    } else {
      ++n, ++i, ++j;
    }
  }
  return n;
}

}  // namespace winnow
