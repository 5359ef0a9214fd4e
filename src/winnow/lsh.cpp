#include "winnow/lsh.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <tuple>

#include "winnow/detail/xxhash.hpp"
#include "winnow/error.hpp"

namespace winnow {
namespace {

// Simpson's rule with a fixed even number of intervals: deterministic and
// far more precise than the choice of (b, r) needs.
template <typename F>
double Integrate(F f, double lo, double hi) {
  constexpr int kSteps = 64;
  if (hi <= lo) return 0.0;
  const double h = (hi - lo) / kSteps;
  double sum = f(lo) + f(hi);
  for (int i = 1; i < kSteps; ++i) sum += f(lo + i * h) * (i % 2 ? 4 : 2);
  return sum * h / 3;
}

}  // namespace

double CandidateProbability(double s, LshParams p) {
  return 1.0 - std::pow(1.0 - std::pow(s, p.rows), p.bands);
}

LshParams OptimalLshParams(double threshold, int permutations,
                           double false_positive_weight,
                           double false_negative_weight, int max_bands) {
  if (!(threshold > 0.0 && threshold <= 1.0)) {
    throw Error("threshold", "must be in (0, 1]");
  }
  if (permutations < 1) throw Error("permutations", "must be at least 1");
  // The search integrates over every (b, r): about 40 million instructions
  // at 128 permutations. Every filter of every thread asks the same
  // question, so answers are remembered.
  using Key = std::tuple<double, int, double, double, int>;
  static std::mutex mutex;
  static std::map<Key, LshParams> known;
  const Key key{threshold, permutations, false_positive_weight, false_negative_weight,
                max_bands};
  const int last_band = max_bands > 0 ? std::min(max_bands, permutations) : permutations;
  std::lock_guard<std::mutex> lock(mutex);
  if (auto it = known.find(key); it != known.end()) return it->second;
  LshParams best{1, permutations};
  double best_error = std::numeric_limits<double>::infinity();
  for (int b = 1; b <= last_band; ++b) {
    for (int r = 1; r <= permutations / b; ++r) {
      LshParams p{b, r};
      double fp = Integrate([&](double s) { return CandidateProbability(s, p); },
                            0.0, threshold);
      double fn = Integrate(
          [&](double s) { return 1.0 - CandidateProbability(s, p); }, threshold,
          1.0);
      double error = fp * false_positive_weight + fn * false_negative_weight;
      if (error < best_error) {
        best_error = error;
        best = p;
      }
    }
  }
  known.emplace(key, best);
  return best;
}

LshIndex::LshIndex(LshParams params, int max_per_bucket)
    : params_(params), max_per_bucket_(max_per_bucket) {}

std::uint64_t LshIndex::BandKey(const std::vector<std::uint64_t>& signature,
                                int band) const {
  // The band number seeds the hash, so equal values in different bands
  // never collide in the one table.
  return XXH3_64bits_withSeed(
      signature.data() + static_cast<std::size_t>(band) * params_.rows,
      static_cast<std::size_t>(params_.rows) * sizeof(std::uint64_t),
      static_cast<std::uint64_t>(band));
}

void LshIndex::BandKeys(const std::vector<std::uint64_t>& signature,
                        std::vector<std::uint64_t>* keys) const {
  keys->resize(static_cast<std::size_t>(params_.bands));
  for (int band = 0; band < params_.bands; ++band) (*keys)[band] = BandKey(signature, band);
}

void LshIndex::InsertKeys(const std::vector<std::uint64_t>& keys, std::uint32_t id) {
  for (std::uint64_t key : keys) table_.Add(key, id);
}

void LshIndex::QueryKeys(const std::vector<std::uint64_t>& keys,
                         std::vector<std::uint32_t>* out) const {
  const std::size_t start = out->size();
  for (std::uint64_t key : keys) {
    int visited = 0;
    table_.ForEach(key, [&](std::uint32_t id) {
      if (++visited > max_per_bucket_) return false;
      out->push_back(id);
      return true;
    });
  }
  std::sort(out->begin() + start, out->end());
  out->erase(std::unique(out->begin() + start, out->end()), out->end());
}

void LshIndex::Insert(const std::vector<std::uint64_t>& signature,
                      std::uint32_t id) {
  std::vector<std::uint64_t> keys;
  BandKeys(signature, &keys);
  InsertKeys(keys, id);
}

void LshIndex::Query(const std::vector<std::uint64_t>& signature,
                     std::vector<std::uint32_t>* out) const {
  std::vector<std::uint64_t> keys;
  BandKeys(signature, &keys);
  QueryKeys(keys, out);
}

void LshIndex::Clear() {
  table_.Clear();
}

}  // namespace winnow
