// LineModel::Score walks flattened trees without branches; these tests hold
// it to the node-by-node walk (ScoreByWalk), bit for bit, on the built-in
// model and on small models whose expected scores are worked out by hand.
#include "winnow/line_model.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "winnow/line_features.hpp"

namespace winnow {
namespace {

// A model file of the given trees (each a list of node lines
// "FEATURE THRESHOLD LEFT RIGHT VALUE MISSING_LEFT"), baseline 0.
std::string ModelText(const std::vector<std::vector<std::string>>& trees) {
  std::ostringstream s;
  s << "winnow-line-model 2\nfeatures " << kFeatureCount << "\n";
  for (const std::string& name : FeatureNames()) s << "f " << name << "\n";
  s << "threshold 0.5\nsmoothing 0\nbaseline 0\ntrees " << trees.size() << "\n";
  for (const auto& tree : trees) {
    s << "tree " << tree.size() << "\n";
    for (const std::string& node : tree) s << node << "\n";
  }
  return s.str();
}

double Sigmoid(double raw) { return 1.0 / (1.0 + std::exp(-raw)); }

std::vector<float> Row(std::initializer_list<std::pair<int, float>> values) {
  std::vector<float> row(kFeatureCount, 0.0f);
  for (auto [f, v] : values) row[f] = v;
  return row;
}

// Every (feature, threshold) of the built-in model's splits.
std::vector<std::pair<int, float>> Splits(std::string_view text) {
  std::vector<std::pair<int, float>> out;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    int feature, left, right, missing_left;
    float threshold;
    double value;
    if (fields >> feature >> threshold >> left >> right >> value >> missing_left && feature >= 0) {
      out.emplace_back(feature, threshold);
    }
  }
  return out;
}

TEST(LineModelScoreTest, TheBuiltInModelScoresAsItsWalkBitForBit) {
  const LineModel& model = LineModel::Default();
  const auto splits = Splits(DefaultLineModelText());
  ASSERT_GT(splits.size(), 100u);
  std::mt19937 rng(13);
  std::uniform_real_distribution<float> any(-1.0f, 12.0f);
  std::uniform_int_distribution<std::size_t> pick(0, splits.size() - 1);
  std::uniform_int_distribution<int> coin(0, 3);
  int rows = 0, differ_from_half = 0;
  for (; rows < 10000; ++rows) {
    // Values on a threshold (which goes left), just above it, or anywhere,
    // so that every split is taken both ways.
    std::vector<float> row(kFeatureCount);
    for (float& v : row) v = any(rng);
    for (int k = 0; k < 40; ++k) {
      const auto [f, t] = splits[pick(rng)];
      const int c = coin(rng);
      row[f] = c == 0 ? t : c == 1 ? std::nextafter(t, std::numeric_limits<float>::infinity())
                                   : c == 2 ? std::nextafter(t, -1e30f) : row[f];
    }
    if (rows % 10 == 0) row[pick(rng) % kFeatureCount] = std::numeric_limits<float>::quiet_NaN();
    if (rows % 17 == 0) row[pick(rng) % kFeatureCount] = std::numeric_limits<float>::infinity();
    const double flat = model.Score(row), walk = model.ScoreByWalk(row);
    ASSERT_EQ(std::bit_cast<std::uint64_t>(flat), std::bit_cast<std::uint64_t>(walk))
        << "row " << rows << ": " << flat << " vs " << walk;
    const double scalar = model.ScoreFlat(row);
    ASSERT_EQ(std::bit_cast<std::uint64_t>(scalar), std::bit_cast<std::uint64_t>(walk))
        << "row " << rows << ": " << scalar << " vs " << walk;
    differ_from_half += flat != 0.5;
  }
  EXPECT_EQ(differ_from_half, rows);
}

// Three trees (fewer than a group of eight), of depths 1, 3 and 2: leaves
// above the last level, a split on a value equal to its threshold (left),
// and a missing value sent right by one split and left by another.
TEST(LineModelScoreTest, UnevenTreesScoreByHand) {
  const int w = kFWords, c = kFClosed;
  const LineModel model = LineModel::Parse(
      ModelText({
          {std::to_string(w) + " 1.5 1 2 0 1", "-1 0 0 0 0.25 0", "-1 0 0 0 -0.5 0"},
          {std::to_string(w) + " 2 1 2 0 1", "-1 0 0 0 1 0", std::to_string(c) + " 0.5 3 4 0 0",
           "-1 0 0 0 2 0", std::to_string(w) + " 3 5 6 0 1", "-1 0 0 0 4 0", "-1 0 0 0 8 0"},
          {std::to_string(c) + " 0.5 1 2 0 1", std::to_string(w) + " 0 3 4 0 1", "-1 0 0 0 0.125 0",
           "-1 0 0 0 16 0", "-1 0 0 0 32 0"},
      }),
      "m");
  struct Case {
    const char* name;
    std::vector<float> row;
    double raw;
  };
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Case cases[] = {
      {"words 1, open", Row({{w, 1.0f}}), 0.25 + 1 + 32},
      {"words 1.5 on the threshold", Row({{w, 1.5f}}), 0.25 + 1 + 32},
      {"words 2 on the second threshold", Row({{w, 2.0f}}), -0.5 + 1 + 32},
      {"words 3, closed", Row({{w, 3.0f}, {c, 1.0f}}), -0.5 + 4 + 0.125},
      {"words 5, closed", Row({{w, 5.0f}, {c, 1.0f}}), -0.5 + 8 + 0.125},
      {"words 5, open", Row({{w, 5.0f}}), -0.5 + 2 + 32},
      {"words 0 below the third tree's split", Row({{w, -1.0f}}), 0.25 + 1 + 16},
      {"closed missing: right in tree 2, left in tree 3", Row({{w, 5.0f}, {c, nan}}),
       -0.5 + 8 + 32},
      {"words missing: left everywhere", Row({{w, nan}}), 0.25 + 1 + 16},
  };
  for (const Case& k : cases) {
    EXPECT_EQ(model.Score(k.row), Sigmoid(k.raw)) << k.name;
    EXPECT_EQ(model.ScoreByWalk(k.row), Sigmoid(k.raw)) << k.name;
  }
}

// Random models of many shapes, scored as their walk bit for bit: trees
// of every depth up to 8 (the byte layout takes 6, the flat one 8), a
// feature split at up to 600 distinct thresholds (chunked over several
// slots, or more than the slots hold), tree counts that fill no whole group
// of eight or block of 64, and values on, beside and far from thresholds,
// infinite, negative zero or missing.
TEST(LineModelScoreTest, RandomModelsScoreAsTheirWalkBitForBit) {
  std::mt19937 rng(2015);
  auto uniform = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int trial = 0; trial < 24; ++trial) {
    const int max_depth = 1 + trial % 8;
    const int trees = uniform(1, 150);
    // A few features with many thresholds, many with few.
    const int many = trial % 3 == 0 ? 600 : trial % 3 == 1 ? 40 : 3;
    std::vector<std::vector<float>> cuts(kFeatureCount);
    for (int f = 0; f < kFeatureCount; ++f) {
      const int k = f % 7 == 0 ? many : uniform(1, 4);
      for (int i = 0; i < k; ++i) cuts[f].push_back(static_cast<float>(uniform(-2000, 2000)) / 64.0f);
    }
    cuts[1].push_back(-0.0f);
    cuts[2].push_back(std::numeric_limits<float>::infinity());
    cuts[3].push_back(-std::numeric_limits<float>::infinity());
    std::vector<std::vector<std::string>> model_trees;
    for (int t = 0; t < trees; ++t) {
      std::vector<std::string> nodes;
      // Node lines in preorder; a child's index is known once its
      // left sibling's subtree is written.
      auto grow = [&](auto& self, int depth) -> void {
        const int self_index = static_cast<int>(nodes.size());
        char value[32];
        std::snprintf(value, sizeof value, "%.17g", uniform(-1000, 1000) / 997.0);
        if (depth == max_depth || (depth > 0 && uniform(0, 3) == 0)) {
          nodes.push_back(std::string("-1 0 0 0 ") + value + " 0");
          return;
        }
        const int f = uniform(0, kFeatureCount - 1);
        const float threshold = cuts[f][uniform(0, static_cast<int>(cuts[f].size()) - 1)];
        nodes.emplace_back();
        const int left = static_cast<int>(nodes.size());
        self(self, depth + 1);
        const int right = static_cast<int>(nodes.size());
        self(self, depth + 1);
        char line[160];
        std::snprintf(line, sizeof line, "%d %.9g %d %d %s %d", f, threshold, left - self_index,
                      right - self_index, value, uniform(0, 1));
        nodes[self_index] = line;
      };
      grow(grow, 0);
      // Child indexes are relative above; the file wants them from the
      // tree's first node.
      for (std::size_t i = 0; i < nodes.size(); ++i) {
        std::istringstream fields(nodes[i]);
        int f, left, right, missing;
        std::string threshold, value;
        fields >> f >> threshold >> left >> right >> value >> missing;
        if (f < 0) continue;
        nodes[i] = std::to_string(f) + " " + threshold + " " + std::to_string(left + i) + " " +
                   std::to_string(right + i) + " " + value + " " + std::to_string(missing);
      }
      model_trees.push_back(std::move(nodes));
    }
    const LineModel model = LineModel::Parse(ModelText(model_trees), "m");
    for (int r = 0; r < 2000; ++r) {
      std::vector<float> row(kFeatureCount);
      for (int f = 0; f < kFeatureCount; ++f) {
        const float t = cuts[f][uniform(0, static_cast<int>(cuts[f].size()) - 1)];
        switch (uniform(0, 9)) {
          case 0: row[f] = std::nextafter(t, std::numeric_limits<float>::infinity()); break;
          case 1: row[f] = std::nextafter(t, -std::numeric_limits<float>::infinity()); break;
          case 2: row[f] = static_cast<float>(uniform(-4000, 4000)) / 64.0f; break;
          case 3: row[f] = uniform(0, 1) ? 0.0f : -0.0f; break;
          case 4: row[f] = uniform(0, 1) ? 1e30f : -std::numeric_limits<float>::infinity(); break;
          default: row[f] = t; break;
        }
      }
      if (r % 50 == 0) row[uniform(0, kFeatureCount - 1)] = std::numeric_limits<float>::quiet_NaN();
      const double score = model.Score(row), flat = model.ScoreFlat(row), walk = model.ScoreByWalk(row);
      ASSERT_EQ(std::bit_cast<std::uint64_t>(score), std::bit_cast<std::uint64_t>(walk))
          << "trial " << trial << " row " << r << ": " << score << " vs " << walk;
      ASSERT_EQ(std::bit_cast<std::uint64_t>(flat), std::bit_cast<std::uint64_t>(walk))
          << "trial " << trial << " row " << r << ": " << flat << " vs " << walk;
    }
  }
}

// A chain of nine splits is deeper than the flat layout takes: Score walks.
TEST(LineModelScoreTest, ADeepTreeIsWalked) {
  // Split i at words <= i: left a leaf of value i, right the next split;
  // past the last, a leaf of 100.
  const int depth = 9;
  std::vector<std::string> nodes;
  for (int i = 0; i < depth; ++i) {
    const int self = static_cast<int>(nodes.size());
    nodes.push_back(std::to_string(kFWords) + " " + std::to_string(i) + " " +
                    std::to_string(self + 1) + " " + std::to_string(self + 2) + " 0 1");
    nodes.push_back("-1 0 0 0 " + std::to_string(i) + " 0");
  }
  nodes.push_back("-1 0 0 0 100 0");
  const LineModel model = LineModel::Parse(ModelText({nodes}), "m");
  for (int words = 0; words <= depth + 1; ++words) {
    const auto row = Row({{kFWords, static_cast<float>(words) - 0.5f}});
    const double raw = words < depth ? words : 100;
    EXPECT_EQ(model.Score(row), Sigmoid(raw)) << words;
    EXPECT_EQ(model.ScoreByWalk(row), Sigmoid(raw)) << words;
  }
}

}  // namespace
}  // namespace winnow
