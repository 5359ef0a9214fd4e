// Line judgement: which lines of a document are boilerplate.
//
// Each line gets its features (line_features.hpp: own text, block, context
// and position relative to the main text) and a score from the line model
// (line_model.hpp), the probability that it is main content; a line scoring
// below the threshold is dropped by the built-in rule `line-model`, a body
// line inside the main text (line_features.hpp; a sentence of 15 words or
// more that uses a rule's phrase is one) below half the threshold. The lines of a hard-wrapped paragraph share one
// decision: their word-weighted mean score.
//
// A sequence pass then smooths the decisions over neighbouring lines, as
// jusText's context step does (Pomikalek, "Removing boilerplate and
// duplicate content from web corpora", 2011), here as a two-state Viterbi
// pass: each line's margin is the log-odds of its score minus the log-odds
// of its threshold (keep when positive), and changing state between two
// neighbouring lines costs `smoothing` (in log-odds; half of it across a
// blank line or a line decided by a rule). A line near its threshold then
// follows its neighbours: a short closing sentence inside the article
// stays, a lone teaser sentence in a menu goes. Lines decided by a rule
// keep their decision and do not pull their neighbours. After it, a run of
// three or more adjacent short lines of one shape (line_features.hpp: a
// menu, a theme picker, a short list) shares one decision, the sign of its
// lines' summed margins: a menu's last item above the article is no
// heading, and a list does not lose one item while its siblings stay.
//
// Pattern rules (rules.hpp) act by their action: the built-in rules are
// model features, the user's rules drop (and `+list` headings
// drop the short lines listed under them, up to the first body line), and
// `keep` rules keep. The built-in rule `comments` drops the comment section
// under an article (line_features.hpp: its heading, after 150 words of
// prose, with a commenter's time stamp under it), from its heading to the
// end of the page, whatever the model says: readers' comments are prose,
// and no benchmark of main content counts them. The page title, a short first line, is kept when
// keep_title is set, it stands alone (its own paragraph) and anything else
// of the page is kept.
//
// Judge() costs O(n) in the document's lines and bytes.
#ifndef WINNOW_LINE_FILTER_HPP_
#define WINNOW_LINE_FILTER_HPP_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "winnow/document.hpp"
#include "winnow/line_features.hpp"
#include "winnow/line_model.hpp"
#include "winnow/line_words.hpp"
#include "winnow/rules.hpp"
#include "winnow/stage_times.hpp"

namespace winnow {

inline constexpr std::string_view kRuleLineModel = "line-model";
inline constexpr std::string_view kRuleComments = "comments";

struct LineFilterConfig {
  bool model = true;       // false: only pattern rules judge (--disable line-model)
  bool comments = true;    // false: the comment section is judged line by line (--disable comments)
  double threshold = -1;   // a line scoring below this is dropped; < 0: the model's own
  double smoothing = -1;   // the sequence pass's switch cost; < 0: the model's own, 0: off
  // A model read from a file (--line-model) instead of the built-in one.
  std::shared_ptr<const LineModel> model_file;
  // A short first line standing alone (the page title) is kept when
  // anything else is.
  bool keep_title = true;
  // Lines longer than this are not analysed: they stay, as body.
  std::size_t max_line_bytes = 1 << 20;
  // Fill the notes of model drops (their score and main features).
  bool explain = false;
};

// Per-line verdicts for a document: -1 keeps the line; otherwise the index
// of the rule that drops it, where indexes below rules.names().size() are
// pattern rules, pattern count + kBuiltinLineModel is the line model and
// pattern count + kBuiltinComments the comment section. Blank lines get -1.
class LineFilter {
 public:
  static constexpr int kBuiltinLineModel = 0;
  static constexpr int kBuiltinComments = 1;
  static constexpr int kBuiltinCount = 2;

  // `rules` must be frozen and outlive the filter; null means no patterns.
  // `model` (null: config.model_file, else LineModel::Default(), parsed
  // only when config.model) must outlive the filter.
  LineFilter(const RuleSet* rules, const LineFilterConfig& config,
             const LineModel* model = nullptr);

  // With `line_words`, also fills it for every line (see LineWords). With
  // `notes` and config.explain, (*notes)[i] says why the model dropped line
  // i ("score 0.08: 2 words, no closing mark, after the main text"); other
  // lines' notes are empty.
  void Judge(const Document& doc, std::vector<int>* verdicts,
             LineWords* line_words = nullptr, std::vector<std::string>* notes = nullptr);

  // Ticks per stage (normalize, rules, line_features, line_model) go to
  // `*times` from now on; null stops counting. `times` must outlive the
  // filter's use of it.
  void set_stage_times(StageTimes* times) { times_ = times; }

  // The name of verdict `id` (pattern rule or built-in).
  std::string_view RuleName(int id) const;
  int rule_count() const { return pattern_rules_ + kBuiltinCount; }

  // Per line of the last judged document: the model's score (-1 for lines
  // it did not score: blank, forced by a rule, or with the model off).
  const std::vector<float>& scores() const { return scores_; }
  // The features of the last judged document.
  const LineFeatures& features() const { return features_; }
  // Per line of the last judged document: the first matching pattern of a
  // built-in (feature) rule, as an index into rules.patterns(), or -1.
  const std::vector<int>& feature_patterns() const { return feature_pattern_; }

 private:
  // The sequence pass: keep_ from margin_ (see above).
  void Smooth(const Document& doc);

  const RuleSet* rules_;
  const LineModel* model_;
  LineFilterConfig config_;
  int pattern_rules_;
  double threshold_;
  double smoothing_;
  LineFeatures features_;
  LineWords own_words_;          // when the caller wants none
  std::vector<float> scores_;
  std::vector<signed char> forced_;  // +1 kept by a rule, -1 dropped by one
  // forced_ while the lines are read: dropped by a built-in rule, which a
  // hard-wrapped paragraph may overrule (then -1 or 0).
  static constexpr signed char kForcedBuiltin = -2;
  std::vector<int> list_rule_;   // a user +list heading's rule, or -1
  std::vector<int> feature_pattern_;
  std::vector<float> margin_;                  // per line: the sequence pass's margin
  std::vector<float> run_margins_;             // scratch: a run of short lines' margins
  std::vector<std::uint8_t> keep_;             // per line: the pass's decision
  std::vector<std::uint8_t> back_keep_, back_drop_;  // Viterbi back-pointers
  Normalized norm_;
  LineScan line_scan_;  // the rules' scan of the document's lines
  StageTimes* times_ = nullptr;
};

}  // namespace winnow

#endif  // WINNOW_LINE_FILTER_HPP_
