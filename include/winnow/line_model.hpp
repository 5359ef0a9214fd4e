// The line model: a gradient-boosted tree ensemble that scores a line's
// features (line_features.hpp) as the probability that the line is main
// content.
//
// The model is learned offline from labelled web pages (tools/train/,
// scikit-learn's HistGradientBoostingClassifier: Friedman, "Greedy
// function approximation: a gradient boosting machine", 2001) and shipped
// in the binary as rules/line_model.txt, a versioned text file:
//
//     winnow-line-model 2
//     features N            then N lines "f NAME", in FeatureNames() order
//     threshold X           the default decision threshold on the score
//     smoothing S           the default switch cost of the sequence pass
//                           (line_filter.hpp), in log-odds; version 1
//                           files have no such line and mean 0
//     baseline B            the raw score before any tree
//     trees T               then per tree "tree K" and K node lines:
//     FEATURE THRESHOLD LEFT RIGHT VALUE MISSING_LEFT
//     priors P              optional: then P lines "HASH PRIOR", the word
//                           priors of the vocabulary features
//                           (line_features.hpp): HASH the word's
//                           HashWord(word, kWordSeed) in 16 hex digits,
//                           PRIOR its log-odds of content
//
// A node with FEATURE -1 is a leaf. An internal node sends a row left when
// its feature value is <= THRESHOLD. VALUE is the node's raw score
// contribution (internal nodes carry theirs too, for Explain()). The score
// is sigmoid(baseline + sum of the reached leaves' values).
//
// Build, freeze, query: Parse() once, then Score() and Explain() from any
// number of threads (const).
#ifndef WINNOW_LINE_MODEL_HPP_
#define WINNOW_LINE_MODEL_HPP_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "winnow/line_features.hpp"

namespace winnow {

// The bytes of rules/line_model.txt, built into the binary.
std::string_view DefaultLineModelText();

class LineModel {
 public:
  // Throws winnow::Error (where = `source`:LINE) on a malformed file, or
  // when its feature names differ from FeatureNames().
  static LineModel Parse(std::string_view text, std::string_view source);
  // The built-in model, parsed once (thread-safe).
  static const LineModel& Default();

  // The probability that a line with these features is content, in [0, 1].
  // `row` holds kFeatureCount values. Bit for bit ScoreByWalk()'s value:
  // the same leaves, summed in the same order; only the way down each tree
  // differs (see FlatTrees).
  double Score(std::span<const float> row) const;
  // The same score, found by following each tree's nodes one by one: the
  // reference Score() is tested against.
  double ScoreByWalk(std::span<const float> row) const;
  // The same score by the flat walk without vector instructions: what
  // Score() does on CPUs without AVX-512 VBMI (see ByteTrees).
  double ScoreFlat(std::span<const float> row) const;

  // The `k` features that moved this row's raw score most in the direction
  // of `toward_drop` (negative contributions when true), as (feature index,
  // contribution) pairs, largest first; path attribution as in Saabas,
  // "Interpreting random forests" (2014): each split credits its feature
  // with the change in node value along the row's path.
  std::vector<std::pair<int, double>> Explain(std::span<const float> row, int k,
                                              bool toward_drop) const;

  double threshold() const { return threshold_; }
  double smoothing() const { return smoothing_; }
  int trees() const { return static_cast<int>(roots_.size()); }
  // The word priors the model was trained with (empty for a file without
  // a priors section).
  const WordPriors& word_priors() const { return priors_; }

 private:
  struct Node {
    std::int32_t feature;  // -1: leaf
    float threshold;       // go left when value <= threshold
    std::int32_t left, right;  // absolute node indexes
    double value;
    bool missing_left;
  };
  // The trees laid out for a walk without branches (Asadi et al.,
  // "Runtime optimizations for tree-based machine learning models", 2014:
  // predication): every tree as a complete binary tree of `depth` levels in
  // heap order (node i's children at 2i+1 and 2i+2), a leaf above the last
  // level pushed down through split nodes that always go left, so that
  // each tree costs exactly `depth` steps of compare-and-index, with no
  // branch to mispredict. Empty when a tree is deeper than kMaxFlatDepth
  // (the layout doubles with each level): then Score() walks the nodes.
  // A row with a missing (NaN) value is walked by the nodes instead.
  struct FlatSplit {
    float threshold;  // go right when value > threshold
    std::uint32_t feature;
  };
  static constexpr int kMaxFlatDepth = 8;
  static constexpr std::size_t kFlatGroup = 8;  // trees walked together; the
                                                // tree count is padded to whole groups
  // The flat trees compared all at once, on x86-64 CPUs with AVX-512 VBMI
  // (chosen at run time), in the spirit of QuickScorer (Lucchese et al.,
  // "QuickScorer: a fast algorithm to rank documents with additive
  // ensembles of regression trees", 2015): each row's values are first
  // turned into small integers against the model's own thresholds, then
  // every split of a tree is one byte compare in one vector instruction.
  //
  // A feature's distinct thresholds, sorted, are cut into chunks of
  // consecutive ones; each chunk is a slot (at most 128). A row's slot
  // counts how many of its chunk's thresholds the value is greater than,
  // and a split on the chunk's i-th threshold goes right exactly when that
  // count is > i. Per tree the 2^depth - 1 flat split positions (depth <=
  // 6) hold a slot and such an i (255: never right); the outcomes, one bit
  // per position, lead from the root to the leaf in `depth` shifts, eight
  // trees at a time. Empty (depth 0) when the flat layout is, or a tree is
  // deeper than 6, or the slots would be more than 128.
  struct ByteTrees {
    int depth = 0;
    int trees = 0;
    // Slots in groups of 16 (a vector of floats), the groups with most
    // thresholds per chunk first.
    int groups = 0;
    std::vector<std::int32_t> slot_feature;  // 16 per group; padding: feature 0
    std::vector<std::uint16_t> pair_lanes;   // per group and 32 features, its lanes
    std::vector<int> group_steps;            // chunk length of each group's longest
    std::vector<float> cuts;                 // per group, steps x 16 thresholds
                                             // (padding: +inf)
    std::vector<std::uint8_t> node_slot;     // 64 per tree: flat position p at p + 1
    std::vector<std::uint8_t> node_rank;     // the same; 255: never right
    void Build(const LineModel& model);
    // raw = baseline + the reached leaves in tree order; false (raw unset)
    // when a value of the row is missing (NaN).
    bool Score(const LineModel& model, const float* row, double* raw) const;
  };
  void Flatten();
  std::vector<Node> nodes_;
  std::vector<std::int32_t> roots_;
  int flat_depth_ = 0;
  std::vector<FlatSplit> flat_splits_;  // (2^depth - 1) per tree
  std::vector<double> flat_leaves_;     // 2^depth per tree
  ByteTrees bytes_;
  bool use_bytes_ = false;  // bytes_ laid out and this CPU has AVX-512 VBMI
  double baseline_ = 0;
  double threshold_ = 0.5;
  double smoothing_ = 0;
  WordPriors priors_;
};

// A short human description of feature `index` at `value`, for --explain
// ("2 words", "no closing mark", "after the main text").
std::string DescribeFeature(int index, float value);

}  // namespace winnow

#endif  // WINNOW_LINE_MODEL_HPP_
