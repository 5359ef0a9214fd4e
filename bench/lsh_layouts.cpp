// lsh_layouts: the cross-document index's layouts measured on pairs of known
// exact Jaccard similarity (bench/lsh_layouts.sh runs it).
//
// Reads NUL-separated documents of real text on stdin. From them it makes
// pairs: a document and a copy changed by word replacements, deletions and
// insertions at a random rate, and computes the pair's exact Jaccard
// similarity over winnow's document shingles (5 words, as --doc-shingle).
// Then, for each layout (permutations K, sketch bits b, LSH bands x rows),
// it decides every pair as DocumentIndex would: a candidate when one band
// is equal, a duplicate when the b-bit estimate of the candidate reaches the
// threshold. It prints per layout the bytes per indexed document, the share
// of pairs found per Jaccard bin, the share of pairs below 0.75 dropped, and
// the candidates per document that unrelated documents of the input give.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "winnow/doc_dedup.hpp"
#include "winnow/hashing.hpp"
#include "winnow/minhash.hpp"
#include "winnow/normalize.hpp"
#include "winnow/shingle.hpp"

namespace {

using Words = std::vector<std::uint64_t>;

struct Layout {
  int permutations;
  int sketch_bits;
  int bands;
  int rows;
  double verify = 0;  // the estimate a candidate must reach (0: the threshold)
};

struct Pair {
  Words a, b;
  double jaccard;
};

double ExactJaccard(const Words& a, const Words& b, int k, std::uint64_t seed) {
  Words sa, sb;
  winnow::Shingles(a, k, seed, &sa);
  winnow::Shingles(b, k, seed, &sb);
  const std::size_t both = winnow::IntersectionSize(sa, sb);
  const std::size_t either = sa.size() + sb.size() - both;
  return either == 0 ? 1.0 : static_cast<double>(both) / static_cast<double>(either);
}

// A copy of `words` with each word changed at `rate`: replaced by a word of
// the vocabulary, deleted, or followed by an inserted one.
Words Mutate(const Words& words, double rate, const Words& vocabulary, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  Words out;
  for (std::uint64_t w : words) {
    if (u(rng) >= rate) {
      out.push_back(w);
      continue;
    }
    switch (rng() % 3) {
      case 0: out.push_back(vocabulary[rng() % vocabulary.size()]); break;
      case 1: break;
      default:
        out.push_back(w);
        out.push_back(vocabulary[rng() % vocabulary.size()]);
    }
  }
  return out;
}

const double kBins[] = {0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0001};
constexpr int kBinCount = 8;

int BinOf(double j) {
  for (int i = 0; i < kBinCount; ++i) {
    if (j >= kBins[i] && j < kBins[i + 1]) return i;
  }
  return -1;
}

// Bytes per indexed document for a layout, as DocumentIndex keeps them: an
// 8-byte ordinal, the sketch, and at most one 8-byte table entry per band
// (the exact-hash entry takes the place of bands too crowded to enter), in
// a table at least 75.5% full.
double BytesPerDocument(const Layout& l) {
  return 8.0 + l.permutations * l.sketch_bits / 8.0 + l.bands * 8.0 / 0.755;
}

double Estimate(const Words& x, const Words& y, int bits) {
  const std::uint64_t mask = (std::uint64_t{1} << bits) - 1;
  std::size_t agree = 0;
  for (std::size_t i = 0; i < x.size(); ++i) agree += ((x[i] ^ y[i]) & mask) == 0;
  const double chance = 1.0 / static_cast<double>(std::uint64_t{1} << bits);
  const double share = static_cast<double>(agree) / static_cast<double>(x.size());
  return std::max(0.0, (share - chance) / (1.0 - chance));
}

bool SameBand(const Words& x, const Words& y, const Layout& l) {
  for (int b = 0; b < l.bands; ++b) {
    bool same = true;
    for (int r = 0; r < l.rows && same; ++r) same = x[b * l.rows + r] == y[b * l.rows + r];
    if (same) return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  const double threshold = argc > 1 ? std::atof(argv[1]) : 0.8;
  const std::size_t pairs_per_bin = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 2000;
  const winnow::DocDedupConfig doc;  // shingle size and seed of the document stage

  // Documents: their words' hashes, as winnow signs them.
  std::vector<Words> docs;
  Words vocabulary;
  {
    std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    winnow::Normalized norm;
    std::size_t begin = 0;
    while (begin < text.size()) {
      std::size_t end = text.find('\0', begin);
      if (end == std::string::npos) end = text.size();
      winnow::Normalize(std::string_view(text).substr(begin, end - begin), &norm);
      Words words;
      winnow::HashWords(norm, winnow::kWordSeed, &words);
      if (words.size() >= 20) {
        vocabulary.insert(vocabulary.end(), words.begin(), words.end());
        docs.push_back(std::move(words));
      }
      begin = end + 1;
    }
  }
  if (docs.size() < 50) {
    std::cerr << "lsh_layouts: need at least 50 documents of 20 words on stdin\n";
    return 2;
  }

  // Pairs, until every bin from 0.5 up holds pairs_per_bin (the bins below
  // the threshold get three times as many: false drops are rare events).
  std::mt19937_64 rng(20261130);
  std::vector<Pair> pairs;
  std::vector<std::size_t> filled(kBinCount, 0);
  auto wanted = [&](int bin) { return kBins[bin] < 0.75 ? 3 * pairs_per_bin : pairs_per_bin; };
  std::size_t tries = 0;
  for (;;) {
    bool done = true;
    for (int i = 0; i < kBinCount; ++i) done = done && filled[i] >= wanted(i);
    if (done || ++tries > 50 * pairs_per_bin * kBinCount) break;
    const Words& base = docs[rng() % docs.size()];
    // Edit rates spread the pairs from J 1 down to about 0.4.
    const double rate = std::pow(10.0, -3.0 + 2.2 * std::uniform_real_distribution<double>(0, 1)(rng));
    Words copy = Mutate(base, rate, vocabulary, rng);
    const double j = ExactJaccard(base, copy, doc.shingle_words, doc.seed);
    const int bin = BinOf(j);
    if (bin < 0 || filled[bin] >= wanted(bin) || j == 1.0) continue;
    ++filled[bin];
    pairs.push_back({base, std::move(copy), j});
  }

  const std::vector<Layout> layouts = {
      {128, 2, 2, 3},       {128, 2, 4, 3},       {128, 2, 4, 4},       {128, 2, 5, 3},
      {128, 2, 6, 4},       {128, 4, 4, 3},       {192, 2, 4, 3},       {256, 1, 4, 3},
      {256, 1, 5, 4},       {256, 1, 6, 3},       {256, 2, 3, 3},       {320, 1, 4, 3},
      {352, 1, 4, 3},       {384, 1, 4, 3},       {448, 1, 2, 2},       {512, 1, 2, 3},
      {128, 16, 4, 3},      {256, 16, 4, 3},      {512, 16, 4, 3},
      {256, 1, 4, 3, 0.78}, {256, 1, 4, 3, 0.82}, {320, 1, 4, 3, 0.78}, {320, 1, 4, 3, 0.82},
  };
  std::printf("pairs: %zu from %zu documents of real text; threshold %.2f; shingles of %d words\n\n",
              pairs.size(), docs.size(), threshold, doc.shingle_words);
  std::printf("| K | b | bands x rows | verify at | bytes/doc | 0.75-0.8 | 0.8-0.85 | 0.85-0.9 | 0.9-0.95 | 0.95-1 |"
              " dropped < 0.75 | dropped 0.7-0.75 | candidates/doc |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  std::map<int, std::vector<Words>> signed_a, signed_b, signed_docs;
  for (const Layout& l : layouts) {
    if (!signed_a.count(l.permutations)) {
      winnow::MinHasher hasher(l.permutations, doc.seed);
      Words shingles, sig;
      auto sign = [&](const Words& words) {
        winnow::ShingleSequence(words, doc.shingle_words, doc.seed, &shingles);
        hasher.Sign(shingles, &sig, nullptr);
        return sig;
      };
      for (const Pair& p : pairs) {
        signed_a[l.permutations].push_back(sign(p.a));
        signed_b[l.permutations].push_back(sign(p.b));
      }
      for (const Words& d : docs) signed_docs[l.permutations].push_back(sign(d));
    }
    const auto& sa = signed_a[l.permutations];
    const auto& sb = signed_b[l.permutations];
    std::vector<std::size_t> found(kBinCount, 0);
    for (std::size_t i = 0; i < pairs.size(); ++i) {
      const double verify = l.verify > 0 ? l.verify : threshold;
      const bool dup = SameBand(sa[i], sb[i], l) && Estimate(sa[i], sb[i], l.sketch_bits) >= verify;
      found[BinOf(pairs[i].jaccard)] += dup;
    }
    // Candidates per document among the input's own documents (unrelated
    // pages, and whatever near-copies real text holds).
    std::unordered_map<std::uint64_t, std::uint32_t> bucket;
    std::uint64_t candidates = 0;
    for (const Words& s : signed_docs[l.permutations]) {
      for (int b = 0; b < l.bands; ++b) {
        std::uint64_t key = 0x9E3779B97F4A7C15ULL * static_cast<std::uint64_t>(b + 1);
        for (int r = 0; r < l.rows; ++r) key = (key ^ s[b * l.rows + r]) * 0xBF58476D1CE4E5B9ULL;
        candidates += bucket[key]++;
      }
    }
    auto share = [&](int bin) { return 100.0 * found[bin] / std::max<std::size_t>(1, filled[bin]); };
    const std::size_t below = filled[0] + filled[1] + filled[2];
    const std::size_t dropped_below = found[0] + found[1] + found[2];
    std::printf("| %d | %d | %d x %d | %.2f | %.1f | %.1f%% | %.1f%% | %.1f%% | %.1f%% | %.1f%% | %.2f%% (%zu of %zu) | %.2f%% | %.3f |\n",
                l.permutations, l.sketch_bits, l.bands, l.rows, l.verify > 0 ? l.verify : threshold,
                BytesPerDocument(l), share(3), share(4),
                share(5), share(6), share(7), 100.0 * dropped_below / std::max<std::size_t>(1, below),
                dropped_below, below, share(2),
                static_cast<double>(candidates) / static_cast<double>(docs.size()));
  }
  return 0;
}
