#include "winnow/minhash.hpp"

#include <limits>

#include "winnow/error.hpp"
#include "winnow/hashing.hpp"

namespace winnow {
namespace {

std::uint64_t SplitMix64(std::uint64_t* state) {
  std::uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

MinHasher::MinHasher(int permutations, std::uint64_t seed) {
  if (permutations < 1 || permutations > kMaxPermutations) {
    throw Error("--permutations", "must be between 1 and " +
                                      std::to_string(kMaxPermutations));
  }
  std::uint64_t state = seed;
  a_.resize(permutations);
  b_.resize(permutations);
  for (int i = 0; i < permutations; ++i) {
    a_[i] = SplitMix64(&state) | 1;
    b_[i] = SplitMix64(&state);
  }
}

void MinHasher::Sign(const std::vector<std::uint64_t>& shingles,
                     std::vector<std::uint64_t>* signature,
                     std::vector<std::uint64_t>* sample) const {
  const std::size_t k = a_.size();
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  signature->assign(k, kMax);
  if (sample) sample->assign(k, kMax);
  std::uint64_t* sig = signature->data();
  const std::uint64_t* a = a_.data();
  const std::uint64_t* b = b_.data();
  for (std::uint64_t x : shingles) {
    if (sample) {
      std::uint64_t* smp = sample->data();
      for (std::size_t i = 0; i < k; ++i) {
        std::uint64_t h = a[i] * x + b[i];
        if (h < sig[i]) {
          sig[i] = h;
          smp[i] = x;
        }
      }
    } else {
      for (std::size_t i = 0; i < k; ++i) {
        std::uint64_t h = a[i] * x + b[i];
        sig[i] = h < sig[i] ? h : sig[i];
      }
    }
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
  std::size_t i = 0, j = 0, n = 0;
  while (i < a.size() && j < b.size()) {
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
