// LineModel::Score walks flattened trees without branches; these tests hold
// it to the node-by-node walk (ScoreByWalk), bit for bit, on the built-in
// model and on small models whose expected scores are worked out by hand.
#include "winnow/line_model.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
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
