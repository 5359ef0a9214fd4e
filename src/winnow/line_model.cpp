#include "winnow/line_model.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <sstream>
#include <tuple>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define WINNOW_BYTE_TREES 1
#endif

#include "winnow/detail/cpu.hpp"
#include "winnow/error.hpp"
#include "winnow/line_features.hpp"

namespace winnow {
namespace {

constexpr std::string_view kMagic = "winnow-line-model 2";
constexpr std::string_view kMagicV1 = "winnow-line-model 1";  // no smoothing line

// Reads a file line by line, naming its position in errors.
class LineReader {
 public:
  LineReader(std::string_view text, std::string_view source) : text_(text), source_(source) {}

  std::string_view Next() {
    if (pos_ >= text_.size()) Fail("unexpected end of file");
    std::size_t nl = text_.find('\n', pos_);
    if (nl == std::string_view::npos) nl = text_.size();
    std::string_view line = text_.substr(pos_, nl - pos_);
    pos_ = nl + 1;
    ++line_;
    return line;
  }

  // True when only blank lines are left.
  bool AtEnd() const {
    return pos_ >= text_.size() ||
           text_.find_first_not_of('\n', pos_) == std::string_view::npos;
  }

  // "KEY VALUE": returns VALUE.
  std::string_view Expect(std::string_view key) {
    std::string_view line = Next();
    if (line.size() <= key.size() || line.substr(0, key.size()) != key ||
        line[key.size()] != ' ') {
      Fail("expected '" + std::string(key) + "'");
    }
    return line.substr(key.size() + 1);
  }

  [[noreturn]] void Fail(const std::string& what) const {
    throw Error(std::string(source_) + ":" + std::to_string(line_), what);
  }

  template <typename T>
  T Number(std::string_view s) const {
    T v{};
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size()) {
      Fail("bad number '" + std::string(s) + "'");
    }
    return v;
  }

 private:
  std::string_view text_, source_;
  std::size_t pos_ = 0;
  int line_ = 0;
};

}  // namespace

LineModel LineModel::Parse(std::string_view text, std::string_view source) {
  LineReader in(text, source);
  const std::string_view magic = in.Next();
  if (magic != kMagic && magic != kMagicV1) {
    in.Fail("not a winnow line model (expected '" + std::string(kMagic) + "')");
  }
  const auto& names = FeatureNames();
  const int features = in.Number<int>(in.Expect("features"));
  if (features != static_cast<int>(names.size())) {
    in.Fail("model has " + std::to_string(features) + " features, winnow computes " +
            std::to_string(names.size()) + ": retrain it (tools/train/train.py)");
  }
  for (int i = 0; i < features; ++i) {
    std::string_view name = in.Expect("f");
    if (name != names[i]) {
      in.Fail("feature " + std::to_string(i) + " is '" + std::string(name) + "', winnow's is '" +
              names[i] + "': retrain the model (tools/train/train.py)");
    }
  }
  LineModel model;
  model.threshold_ = in.Number<double>(in.Expect("threshold"));
  if (!(model.threshold_ >= 0 && model.threshold_ <= 1)) in.Fail("threshold must be in [0, 1]");
  if (magic == kMagic) {
    model.smoothing_ = in.Number<double>(in.Expect("smoothing"));
    if (!(model.smoothing_ >= 0 && model.smoothing_ <= 100)) in.Fail("smoothing must be in [0, 100]");
  }
  model.baseline_ = in.Number<double>(in.Expect("baseline"));
  const int trees = in.Number<int>(in.Expect("trees"));
  if (trees < 0 || trees > 100000) in.Fail("bad tree count");
  for (int t = 0; t < trees; ++t) {
    const int count = in.Number<int>(in.Expect("tree"));
    if (count < 1 || count > 1 << 20) in.Fail("bad node count");
    const auto base = static_cast<std::int32_t>(model.nodes_.size());
    model.roots_.push_back(base);
    for (int k = 0; k < count; ++k) {
      std::string_view line = in.Next();
      std::string_view field[6];
      for (auto& f : field) {
        while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
        std::size_t sp = line.find(' ');
        f = line.substr(0, sp);
        line = sp == std::string_view::npos ? std::string_view() : line.substr(sp);
        if (f.empty()) in.Fail("expected FEATURE THRESHOLD LEFT RIGHT VALUE MISSING_LEFT");
      }
      Node node;
      node.feature = in.Number<std::int32_t>(field[0]);
      node.threshold = in.Number<float>(field[1]);
      const int left = in.Number<int>(field[2]), right = in.Number<int>(field[3]);
      node.value = in.Number<double>(field[4]);
      node.missing_left = in.Number<int>(field[5]) != 0;
      if (node.feature < -1 || node.feature >= features) in.Fail("bad feature index");
      if (node.feature >= 0) {
        // Children come after their parent, so every path ends.
        if (left <= k || right <= k || left >= count || right >= count) in.Fail("bad child index");
      }
      node.left = base + left;
      node.right = base + right;
      model.nodes_.push_back(node);
    }
  }
  model.Flatten();
  if (in.AtEnd()) return model;
  const int priors = in.Number<int>(in.Expect("priors"));
  if (priors < 0 || priors > 1 << 24) in.Fail("bad prior count");
  for (int k = 0; k < priors; ++k) {
    std::string_view line = in.Next();
    if (line.size() < 18 || line[16] != ' ') in.Fail("expected HASH (16 hex digits) PRIOR");
    std::uint64_t hash = 0;
    const auto [ptr, ec] = std::from_chars(line.data(), line.data() + 16, hash, 16);
    if (ec != std::errc() || ptr != line.data() + 16) in.Fail("bad word hash");
    const float prior = in.Number<float>(line.substr(17));
    if (!std::isfinite(prior)) in.Fail("bad prior");
    model.priors_.Add(hash, prior);
  }
  if (!in.AtEnd()) in.Fail("unexpected text after the priors");
  return model;
}

namespace {

// AVX-512 F, BW and VBMI (vpermi2b; detail/cpu.hpp).
bool CpuHasByteTrees() {
#ifdef WINNOW_BYTE_TREES
  return detail::Cpu().avx512vbmi;
#else
  return false;
#endif
}

}  // namespace

void LineModel::Flatten() {
  // The depth of each tree (children come after their parent: one pass
  // from the back).
  std::vector<int> depth(nodes_.size(), 0);
  for (std::size_t i = nodes_.size(); i-- > 0;) {
    const Node& n = nodes_[i];
    if (n.feature >= 0) depth[i] = 1 + std::max(depth[n.left], depth[n.right]);
  }
  int d = 0;
  for (std::int32_t root : roots_) d = std::max(d, depth[root]);
  flat_splits_.clear();
  flat_leaves_.clear();
  flat_depth_ = 0;
  bytes_ = ByteTrees{};
  use_bytes_ = false;
  if (d > kMaxFlatDepth || roots_.empty()) return;
  flat_depth_ = d;
  const std::size_t splits = (std::size_t{1} << d) - 1, leaves = std::size_t{1} << d;
  // Never taken to the right: no value is greater than +inf.
  const FlatSplit always_left{std::numeric_limits<float>::infinity(), 0};
  // Whole groups: the padding trees' splits all go left.
  const std::size_t padded = (roots_.size() + kFlatGroup - 1) / kFlatGroup * kFlatGroup;
  flat_splits_.assign(splits * padded, always_left);
  flat_leaves_.assign(leaves * padded, 0.0);
  for (std::size_t t = 0; t < roots_.size(); ++t) {
    // Interleaved by group: position p of tree first + k at
    // (first * splits + p * kFlatGroup + k).
    FlatSplit* split = &flat_splits_[(t - t % kFlatGroup) * splits + t % kFlatGroup];
    double* leaf = &flat_leaves_[t * leaves];
    // (node, heap position) pairs; a position >= splits is a leaf slot.
    std::vector<std::pair<std::int32_t, std::size_t>> todo{{roots_[t], 0}};
    while (!todo.empty()) {
      auto [node, pos] = todo.back();
      todo.pop_back();
      const Node& n = nodes_[node];
      if (pos >= splits) {  // the last level: n is a leaf
        leaf[pos - splits] = n.value;
      } else if (n.feature < 0) {  // a leaf above it: down the left edge
        todo.emplace_back(node, 2 * pos + 1);
      } else {
        split[pos * kFlatGroup] = FlatSplit{n.threshold, static_cast<std::uint32_t>(n.feature)};
        todo.emplace_back(n.left, 2 * pos + 1);
        todo.emplace_back(n.right, 2 * pos + 2);
      }
    }
  }
  bytes_.Build(*this);
  use_bytes_ = bytes_.depth > 0 && CpuHasByteTrees();
}

void LineModel::ByteTrees::Build(const LineModel& model) {
  *this = ByteTrees{};
  const int d = model.flat_depth_;
  if (d == 0 || d > 6) return;
  const std::size_t splits = (std::size_t{1} << d) - 1, count = model.roots_.size();
  auto split_of = [&](std::size_t t, std::size_t p) -> const FlatSplit& {
    return model.flat_splits_[(t - t % kFlatGroup) * splits + p * kFlatGroup + t % kFlatGroup];
  };
  // A split that no value passes (+inf, the padding's, or NaN) never goes
  // right: it needs no slot.
  auto never_right = [](float threshold) {
    return !(threshold < std::numeric_limits<float>::infinity());
  };
  std::vector<std::vector<float>> cuts_of(kFeatureCount);
  for (std::size_t t = 0; t < count; ++t) {
    for (std::size_t p = 0; p < splits; ++p) {
      const FlatSplit& s = split_of(t, p);
      if (!never_right(s.threshold)) cuts_of[s.feature].push_back(s.threshold);
    }
  }
  for (auto& c : cuts_of) {
    std::sort(c.begin(), c.end());
    c.erase(std::unique(c.begin(), c.end()), c.end());
  }
  // The chunk length: the least work per row (a group's fixed cost and two
  // instructions per threshold of its longest chunk) within 128 slots.
  struct Slot {
    int length, feature, first;
  };
  std::vector<Slot> best;
  long best_cost = -1;
  for (int cap = 1; cap <= 254; ++cap) {
    std::vector<Slot> slots;
    for (int f = 0; f < kFeatureCount; ++f) {
      const int k = static_cast<int>(cuts_of[f].size());
      if (k == 0) continue;
      if (k > 254 * 128) return;  // more than any layout holds
      const int chunks = (k + cap - 1) / cap;
      for (int c = 0, first = 0; c < chunks; ++c) {
        const int length = k / chunks + (c < k % chunks ? 1 : 0);
        slots.push_back({length, f, first});
        first += length;
      }
    }
    if (slots.size() > 128) continue;
    std::sort(slots.begin(), slots.end(), [](const Slot& a, const Slot& b) {
      return std::tie(b.length, a.feature, a.first) < std::tie(a.length, b.feature, b.first);
    });
    long cost = 0;
    for (std::size_t i = 0; i < slots.size(); i += 16) cost += 10 + 2 * slots[i].length;
    if (best_cost < 0 || cost < best_cost) {
      best_cost = cost;
      best = std::move(slots);
    }
  }
  if (best_cost < 0) return;
  groups = static_cast<int>((best.size() + 15) / 16);
  slot_feature.assign(static_cast<std::size_t>(groups) * 16, 0);
  group_steps.assign(groups, 0);
  for (int g = 0; g < groups; ++g) group_steps[g] = best[16 * g].length;
  std::vector<std::size_t> offset(groups + 1, 0);
  for (int g = 0; g < groups; ++g) offset[g + 1] = offset[g] + 16 * group_steps[g];
  cuts.assign(offset[groups], std::numeric_limits<float>::infinity());
  constexpr int kPairs = (kFeatureCount + 31) / 32;
  pair_lanes.assign(static_cast<std::size_t>(groups) * kPairs, 0);
  for (std::size_t i = 0; i < best.size(); ++i) {
    const Slot& s = best[i];
    const std::size_t g = i / 16, lane = i % 16;
    slot_feature[i] = s.feature;
    pair_lanes[g * kPairs + s.feature / 32] |= static_cast<std::uint16_t>(1u << lane);
    for (int k = 0; k < s.length; ++k) cuts[offset[g] + 16 * k + lane] = cuts_of[s.feature][s.first + k];
  }
  // The slot of each threshold of each feature (by its rank in cuts_of).
  std::vector<std::vector<std::uint8_t>> slot_of(kFeatureCount);
  for (int f = 0; f < kFeatureCount; ++f) slot_of[f].resize(cuts_of[f].size());
  for (std::size_t i = 0; i < best.size(); ++i) {
    for (int k = 0; k < best[i].length; ++k) {
      slot_of[best[i].feature][best[i].first + k] = static_cast<std::uint8_t>(i);
    }
  }
  node_slot.assign(64 * count, 0);
  node_rank.assign(64 * count, 255);
  for (std::size_t t = 0; t < count; ++t) {
    for (std::size_t p = 0; p < splits; ++p) {
      const FlatSplit& s = split_of(t, p);
      if (never_right(s.threshold)) continue;
      const auto& c = cuts_of[s.feature];
      const auto rank = static_cast<std::size_t>(std::lower_bound(c.begin(), c.end(), s.threshold) - c.begin());
      const std::uint8_t slot = slot_of[s.feature][rank];
      node_slot[64 * t + p + 1] = slot;
      node_rank[64 * t + p + 1] = static_cast<std::uint8_t>(static_cast<int>(rank) - best[slot].first);
    }
  }
  depth = d;
  trees = static_cast<int>(count);
}

#ifdef WINNOW_BYTE_TREES
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) bool LineModel::ByteTrees::Score(
    const LineModel& model, const float* row, double* raw) const {
  // The row in vectors of 16, read in pairs by the slots.
  constexpr int kChunks = (kFeatureCount + 31) / 32 * 2;
  __m512 chunk[kChunks];
  for (int c = 0; c < kChunks; ++c) {
    const int left = kFeatureCount - 16 * c;
    const __mmask16 in = left >= 16 ? 0xffff : left <= 0 ? 0 : static_cast<__mmask16>((1u << left) - 1);
    chunk[c] = _mm512_maskz_loadu_ps(in, row + 16 * c);
  }
  // A missing value anywhere: walked (a split that no value passes still
  // sends a missing one its own way).
  __mmask16 missing = 0;
  for (int c = 0; c < kChunks; ++c) missing |= _mm512_cmp_ps_mask(chunk[c], chunk[c], _CMP_UNORD_Q);
  if (missing) return false;
  // Each slot's count: its value compared with its chunk's thresholds.
  alignas(16) std::uint8_t counts[128] = {};
  const __m512i minus_one = _mm512_set1_epi32(-1);
  const float* cut = cuts.data();
  for (int g = 0; g < groups; ++g) {
    const __m512i feature = _mm512_loadu_si512(slot_feature.data() + 16 * g);
    __m512 v = _mm512_permutex2var_ps(chunk[0], feature, chunk[1]);
    for (int c = 2; c < kChunks; c += 2) {
      const __mmask16 here = pair_lanes[kChunks / 2 * g + c / 2];
      v = _mm512_mask_mov_ps(v, here, _mm512_permutex2var_ps(chunk[c], feature, chunk[c + 1]));
    }
    __m512i n = _mm512_setzero_si512();
    for (int k = 0; k < group_steps[g]; ++k, cut += 16) {
      const __mmask16 above = _mm512_cmp_ps_mask(v, _mm512_loadu_ps(cut), _CMP_GT_OQ);
      n = _mm512_mask_sub_epi32(n, above, n, minus_one);
    }
    _mm_store_si128(reinterpret_cast<__m128i*>(counts + 16 * g), _mm512_cvtepi32_epi8(n));
  }
  auto quarter = [&](int q) {
    return _mm_load_si128(reinterpret_cast<const __m128i*>(counts + 16 * q));
  };
  const __m512i lo = _mm512_inserti64x4(
      _mm512_castsi256_si512(_mm256_inserti128_si256(_mm256_castsi128_si256(quarter(0)), quarter(1), 1)),
      _mm256_inserti128_si256(_mm256_castsi128_si256(quarter(2)), quarter(3), 1), 1);
  const __m512i hi = _mm512_inserti64x4(
      _mm512_castsi256_si512(_mm256_inserti128_si256(_mm256_castsi128_si256(quarter(4)), quarter(5), 1)),
      _mm256_inserti128_si256(_mm256_castsi128_si256(quarter(6)), quarter(7), 1), 1);
  const __m512i one = _mm512_set1_epi64(1);
  const std::size_t leaves = std::size_t{1} << depth;
  double sum = model.baseline_;
  for (int first = 0; first < trees; first += 64) {
    const int end = std::min(trees, first + 64);
    // Every split of a tree at once: bit p + 1 for flat position p, set
    // when the split goes right.
    alignas(64) std::uint64_t right[64];
    for (int t = first; t < end; ++t) {
      const __m512i slot = _mm512_loadu_si512(node_slot.data() + 64 * t);
      const __m512i n = _mm512_permutex2var_epi8(lo, slot, hi);
      right[t - first] =
          _cvtmask64_u64(_mm512_cmpgt_epu8_mask(n, _mm512_loadu_si512(node_rank.data() + 64 * t)));
    }
    // Down eight trees together, in heap positions counted from 1 (node
    // p's children at 2p and 2p + 1).
    alignas(64) std::uint64_t leaf[64];
    for (int k = 0; k < end - first; k += 8) {
      const __m512i bits = _mm512_load_si512(right + k);
      __m512i at = one;
      for (int level = 0; level < depth; ++level) {
        at = _mm512_ternarylogic_epi64(_mm512_slli_epi64(at, 1), _mm512_srlv_epi64(bits, at), one, 0xf8);
      }
      _mm512_store_si512(leaf + k, at);
    }
    const double* base = model.flat_leaves_.data() - leaves;
    for (int t = first; t < end; ++t) sum += base[t * leaves + leaf[t - first]];
  }
  *raw = sum;
  return true;
}
#else
bool LineModel::ByteTrees::Score(const LineModel&, const float*, double*) const { return false; }
#endif

const LineModel& LineModel::Default() {
  static const LineModel model = Parse(DefaultLineModelText(), "line_model.txt");
  return model;
}

double LineModel::Score(std::span<const float> row) const {
  if (use_bytes_) {
    double raw;
    if (bytes_.Score(*this, row.data(), &raw)) return 1.0 / (1.0 + std::exp(-raw));
    return ScoreByWalk(row);
  }
  return ScoreFlat(row);
}

double LineModel::ScoreFlat(std::span<const float> row) const {
  if (flat_depth_ == 0) return ScoreByWalk(row);
  // A missing value (NaN) goes the way its split says: rare, so such a row
  // is walked, and the flat walk below only compares.
  bool missing = false;
  for (const float v : row) missing |= v != v;
  if (missing) return ScoreByWalk(row);
  const int depth = flat_depth_;
  const std::size_t splits = (std::size_t{1} << depth) - 1, leaves = std::size_t{1} << depth;
  const float* values = row.data();
  const std::size_t trees = roots_.size();
  // The trees in groups of kFlatGroup walked level by level together: each
  // step waits on the one before it in its tree (a load, a compare), so
  // the walks of several trees are interleaved to keep the core busy.
  double raw = baseline_;
  for (std::size_t first = 0; first < trees; first += kFlatGroup) {
    const FlatSplit* split = &flat_splits_[first * splits];
    std::size_t pos[kFlatGroup] = {};
    for (int level = 0; level < depth; ++level) {
      for (std::size_t k = 0; k < kFlatGroup; ++k) {
        const FlatSplit& s = split[pos[k] * kFlatGroup + k];
        const float v = values[s.feature];
        pos[k] = 2 * pos[k] + 1 + static_cast<std::size_t>(v > s.threshold);
      }
    }
    // The leaves summed in tree order, as the walk sums them; a padding
    // tree's leaves are 0.0, which leaves the sum as it is (up to the sign
    // of a zero, which the sigmoid does not see).
    const double* leaf = &flat_leaves_[first * leaves];
    for (std::size_t k = 0; k < kFlatGroup; ++k) raw += leaf[k * leaves + pos[k] - splits];
  }
  return 1.0 / (1.0 + std::exp(-raw));
}

double LineModel::ScoreByWalk(std::span<const float> row) const {
  double raw = baseline_;
  for (std::int32_t root : roots_) {
    const Node* node = &nodes_[root];
    while (node->feature >= 0) {
      const float v = row[node->feature];
      const bool left = std::isnan(v) ? node->missing_left : v <= node->threshold;
      node = &nodes_[left ? node->left : node->right];
    }
    raw += node->value;
  }
  return 1.0 / (1.0 + std::exp(-raw));
}

std::vector<std::pair<int, double>> LineModel::Explain(std::span<const float> row, int k,
                                                       bool toward_drop) const {
  std::vector<double> credit(FeatureNames().size(), 0.0);
  for (std::int32_t root : roots_) {
    const Node* node = &nodes_[root];
    while (node->feature >= 0) {
      const float v = row[node->feature];
      const bool left = std::isnan(v) ? node->missing_left : v <= node->threshold;
      const Node* next = &nodes_[left ? node->left : node->right];
      credit[node->feature] += next->value - node->value;
      node = next;
    }
  }
  std::vector<std::pair<int, double>> out;
  for (int f = 0; f < static_cast<int>(credit.size()); ++f) {
    if (toward_drop ? credit[f] < 0 : credit[f] > 0) out.emplace_back(f, credit[f]);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::abs(a.second) > std::abs(b.second) ||
           (std::abs(a.second) == std::abs(b.second) && a.first < b.first);
  });
  if (static_cast<int>(out.size()) > k) out.resize(k);
  return out;
}

namespace {

const char* Window(int index) {
  if (index <= kFWin2Rule) return "2 lines";
  if (index <= kFWin5Rule) return "5 lines";
  return "10 lines";
}

}  // namespace

std::string DescribeFeature(int index, float value) {
  std::ostringstream s;
  s.precision(2);
  const bool on = value > 0.5f;
  auto count = [](float v) { return static_cast<long>(std::lround(std::expm1(v))); };
  // "1 word", "3 words": the count of a log1p column with its noun.
  auto counted = [&count](float v, const char* noun) {
    const long n = count(v);
    return std::to_string(n) + ' ' + noun + (n == 1 ? "" : "s");
  };
  if (index >= kFRuleFirst && index < kFRuleFirst + kFeatureRules) {
    s << (on ? "matches rule " : "no rule ") << kFeatureRuleNames[index - kFRuleFirst];
    return s.str();
  }
  switch (index) {
    case kFWords: s << counted(value, "word"); break;
    case kFChars: s << count(value) << " characters"; break;
    case kFClosed: s << (on ? "closing mark" : "no closing mark"); break;
    case kFColon: s << (on ? "ends in a colon" : "no colon at the end"); break;
    case kFEllipsis: s << (on ? "ends in an ellipsis" : "no ellipsis"); break;
    case kFStopShare: s << "stopword share " << value; break;
    case kFCapShare: s << "capitalised words " << value; break;
    case kFUpperShare: s << "capitals " << value; break;
    case kFDigitShare: s << "digits " << value; break;
    case kFPunctShare: s << "symbols " << value; break;
    case kFAvgWordLen: s << "word length " << value; break;
    case kFUrls: s << value << " URLs"; break;
    case kFEmail: s << (on ? "an e-mail address" : "no e-mail address"); break;
    case kFBullet: s << (on ? "a list item" : "not a list item"); break;
    case kFSeparators: s << value << " separators"; break;
    case kFKeyValue: s << (on ? "a label: value row" : "not a label: value row"); break;
    case kFCode: s << (on ? "code-like" : "not code-like"); break;
    case kFIndent: s << "indent " << value; break;
    case kFUnspaced: s << "unspaced script " << value; break;
    case kFYear: s << (on ? "a year" : "no year"); break;
    case kFRepeat: s << (value > 0 ? "repeated in the page" : "not repeated in the page"); break;
    case kFListHeading: s << (on ? "a list heading" : "not a list heading"); break;
    case kFLexMean:
      s << (value < 0 ? "words typical of boilerplate" : "words typical of main text") << ", log-odds " << value;
      break;
    case kFLexMin: s << "its most boilerplate-like word at log-odds " << value; break;
    case kFLexWin2:
      s << (value < 0 ? "boilerplate words" : "main-text words") << " within 2 lines, log-odds " << value;
      break;
    case kFRuleAny: s << (on ? "matches a rule" : "matches no rule"); break;
    case kFParaLines: s << counted(value, "line") << " in its block"; break;
    case kFParaWords: s << counted(value, "word") << " in its block"; break;
    case kFParaClosedShare: s << "closed lines in its block " << value; break;
    case kFParaFirst: s << (on ? "first of its block" : "not first of its block"); break;
    case kFParaLast: s << (on ? "last of its block" : "not last of its block"); break;
    case kFWrapped: s << (on ? "a hard-wrapped paragraph" : "not hard-wrapped"); break;
    case kFDocLines: s << counted(value, "line") << " in the page"; break;
    case kFDocWords: s << counted(value, "word") << " in the page"; break;
    case kFDocProseShare: s << "page prose share " << value; break;
    case kFDocBlankLines: s << (on ? "page has blank lines" : "page without blank lines"); break;
    case kFRelPos: s << "at " << static_cast<int>(value * 100) << "% of the page"; break;
    case kFProseBefore: s << static_cast<int>(value * 100) << "% of the prose before it"; break;
    case kFInSpan: s << (on ? "inside the main text" : "outside the main text"); break;
    case kFBeforeSpan: s << (value > 0 ? "before the main text" : "not before the main text"); break;
    case kFAfterSpan: s << (value > 0 ? "after the main text" : "not after the main text"); break;
    case kFBoundaryAfter: s << (on ? "past a boundary heading" : "no boundary heading above"); break;
    case kFDistBodyPrev: s << counted(value, "line") << " below prose"; break;
    case kFDistBodyNext: s << counted(value, "line") << " above prose"; break;
    case kFFirstLine: s << (on ? "the first line" : "not the first line"); break;
    case kFSpanShare: s << "main text holds " << static_cast<int>(value * 100) << "% of the prose"; break;
    case kFPrevWords: s << "previous line " << counted(value, "word"); break;
    case kFPrevClosed: s << (on ? "previous line closed" : "previous line unclosed"); break;
    case kFPrevRule: s << (on ? "previous line matches a rule" : "previous line matches no rule"); break;
    case kFNextWords: s << "next line " << counted(value, "word"); break;
    case kFNextClosed: s << (on ? "next line closed" : "next line unclosed"); break;
    case kFNextRule: s << (on ? "next line matches a rule" : "next line matches no rule"); break;
    case kFWin2Body: case kFWin5Body: case kFWin10Body:
      s << static_cast<int>(value * 100) << "% prose lines within " << Window(index); break;
    case kFWin2Words: case kFWin5Words: case kFWin10Words:
      s << "about " << counted(value, "word") << " a line within " << Window(index); break;
    case kFWin2Rule: case kFWin5Rule: case kFWin10Rule:
      s << static_cast<int>(value * 100) << "% rule lines within " << Window(index); break;
    case kFStamp: s << (on ? "a post's time stamp" : "no time stamp"); break;
    case kFWin10Stamps: s << counted(value, "time stamp") << " within 10 lines"; break;
    case kFStampsAbove: s << counted(value, "time stamp") << " above"; break;
    case kFProseBeforeStamps:
      s << static_cast<int>(value * 100) << "% of the prose before the first time stamp";
      break;
    case kFStampsInSpan: s << counted(value, "time stamp") << " inside the main text"; break;
    case kFStampsAfterSpan:
      s << counted(value, "time stamp") << " between the main text and it";
      break;
    default: s << FeatureNames()[index] << ' ' << value; break;
  }
  return s.str();
}

}  // namespace winnow
