#include "winnow/line_filter.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "winnow/hashing.hpp"
#include "winnow/shingle.hpp"

namespace winnow {
namespace {

// Calls f when it goes out of scope.
template <typename F>
struct OnExit {
  F f;
  ~OnExit() { f(); }
};
template <typename F>
OnExit(F) -> OnExit<F>;  // Clang before 17 deduces no aggregate's arguments

}  // namespace

void LineFilter::Smooth(const Document& doc) {
  const std::size_t n = doc.lines.size();
  keep_.assign(n, 0);
  if (smoothing_ <= 0) {
    for (std::size_t i = 0; i < n; ++i) keep_[i] = margin_[i] >= 0;
    return;
  }
  // Two-state Viterbi over the lines the model scored: keep and drop are
  // the best totals of the lines so far ending in that state (a kept line
  // adds its margin, a change of state costs smoothing_, half of it when
  // a blank line or a line a rule decided stands between), with
  // back-pointers to the previous scored line's state.
  back_keep_.assign(n, 0);
  back_drop_.assign(n, 0);
  double keep = 0, drop = 0;
  std::size_t prev = n;  // the previous scored line
  for (std::size_t i = 0; i < n; ++i) {
    if (scores_[i] < 0) continue;
    const double m = margin_[i];
    if (prev == n) {
      keep = m;
      drop = 0;
    } else {
      const double cost = i == prev + 1 ? smoothing_ : smoothing_ / 2;
      const double keep_from_drop = drop - cost, drop_from_keep = keep - cost;
      back_keep_[i] = keep >= keep_from_drop;  // 1: from keep
      back_drop_[i] = drop_from_keep > drop;   // 1: from keep
      const double k = m + std::max(keep, keep_from_drop);
      const double d = std::max(drop, drop_from_keep);
      keep = k;
      drop = d;
    }
    prev = i;
  }
  if (prev == n) return;
  bool state = keep >= drop;
  for (std::size_t i = prev + 1; i-- > 0;) {
    if (scores_[i] < 0) continue;
    keep_[i] = state;
    state = state ? back_keep_[i] : back_drop_[i];
  }
}

LineFilter::LineFilter(const RuleSet* rules, const LineFilterConfig& config,
                       const LineModel* model)
    : rules_(rules),
      model_(model != nullptr || !config.model ? model
             : config.model_file                ? config.model_file.get()
                                                : &LineModel::Default()),
      config_(config),
      pattern_rules_(rules ? static_cast<int>(rules->names().size()) : 0),
      threshold_(config.threshold >= 0 ? config.threshold
                 : model_ != nullptr    ? model_->threshold()
                                        : 0.5),
      smoothing_(config.smoothing >= 0 ? config.smoothing
                 : model_ != nullptr    ? model_->smoothing()
                                        : 0.0),
      features_(rules) {
  if (model_ != nullptr) features_.set_word_priors(&model_->word_priors());
}

std::string_view LineFilter::RuleName(int id) const {
  if (id < pattern_rules_) return rules_->names()[id];
  return id == pattern_rules_ + kBuiltinComments ? kRuleComments : kRuleLineModel;
}

void LineFilter::Judge(const Document& doc, std::vector<int>* verdicts,
                       LineWords* line_words, std::vector<std::string>* notes) {
  const std::size_t n = doc.lines.size();
  LineWords& words = line_words ? *line_words : own_words_;
  words.Reset(n);
  verdicts->assign(n, -1);
  std::vector<int>& v = *verdicts;
  scores_.assign(n, -1.0f);
  forced_.assign(n, 0);
  list_rule_.assign(n, -1);
  feature_pattern_.assign(n, -1);
  features_.Reset(n);
  // Notes cost a string a line: only when they are asked for.
  if (notes) {
    notes->clear();
    if (config_.explain) notes->resize(n);
  }

  // 1. Each line on its own: normalised and hashed once, matched against
  //    the rules, its own features.
  // With stage times: one clock read between stages, each counted to the
  // stage before it.
  std::uint64_t tick = times_ ? StageClock() : 0;
  auto count = [&](Stage stage) {
    if (!times_) return;
    const std::uint64_t now = StageClock();
    (*times_)[stage] += now - tick;
    tick = now;
  };
  // The regex rules scan the document's lines in one pass.
  if (rules_) rules_->ScanLines(doc, config_.max_line_bytes, &line_scan_);
  count(Stage::kRules);
  for (std::size_t i = 0; i < n; ++i) {
    const Line& line = doc.lines[i];
    if (line.blank || line.text.size() > config_.max_line_bytes) {
      // Too long to analyse (a binary blob, a minified script): it stays,
      // unjudged (the model does not score it); the limit keeps time and
      // memory bounded.
      words.AddLine(line.text, nullptr);
      features_.AddLine(line, nullptr, -1, {});
      if (!line.blank) forced_[i] = 1;
      continue;
    }
    Normalize(line.text, &norm_);
    words.AddLine(line.text, &norm_);
    features_.Prefetch({words.words_of(i), words.words(i)});
    count(Stage::kNormalize);
    RuleMatch match;
    if (rules_) match = rules_->MatchAll(line.text, norm_, line_scan_, i, words.words_of(i));
    count(Stage::kRules);
    if (match.keep >= 0) {
      forced_[i] = 1;
    } else if (match.drop >= 0) {
      const Pattern& p = rules_->patterns()[match.drop];
      forced_[i] = p.builtin ? kForcedBuiltin : -1;
      v[i] = p.rule;
      if (p.list) list_rule_[i] = v[i];
    }
    // A built-in rule that drops is still a feature of its neighbours.
    const int feature = match.feature >= 0 ? match.feature : match.drop;
    feature_pattern_[i] = feature;
    features_.AddLine(line, &norm_, feature,
                      {words.words_of(i), words.words(i)});
    count(Stage::kLineFeatures);
  }
  features_.Finish(doc);
  count(Stage::kLineFeatures);
  // A hard-wrapped paragraph's last line of a word or two ("please send me
  // an" / "email.", "Corresponding" / "Source.") ends a sentence: it is no
  // share button or source link, whatever a built-in drop rule says of it
  // alone. It is left to the model, which scores it with its paragraph. A
  // user's drop rule still drops it.
  for (std::size_t i = 0; i < n; ++i) {
    if (forced_[i] != kForcedBuiltin) continue;
    forced_[i] = -1;
    if (features_.wrapped(i) && features_.words(i) < 3) {
      forced_[i] = 0;
      v[i] = -1;
      list_rule_[i] = -1;
    }
  }
  // The rest (list headings, scores, the sequence pass, notes): the model.
  const OnExit at_end{[&] { count(Stage::kLineModel); }};

  // 2. A user's +list heading drops the lines under it up to the first body
  //    line (or the blank line after them). One forward pass: a heading met
  //    inside a list takes over.
  for (std::size_t i = 0; i < n; ++i) {
    if (list_rule_[i] < 0) continue;
    const int rule = list_rule_[i];
    bool listed = false;
    std::size_t k = i + 1;
    for (; k < n; ++k) {
      if (doc.lines[k].blank) {
        if (listed) break;
        continue;
      }
      if (list_rule_[k] >= 0) break;  // the next heading takes over
      if (features_.body(k)) break;
      if (forced_[k] == 0) {
        forced_[k] = -1;
        v[k] = rule;
      }
      listed = true;
    }
    i = k - 1;
  }

  // 3. The comment section under the article goes, from its heading to
  //    the end of the page; lines a user's keep rule holds stay.
  if (config_.comments) {
    const int rule = pattern_rules_ + kBuiltinComments;
    for (std::size_t i = features_.comments_first(); i < n; ++i) {
      if (doc.lines[i].blank || forced_[i] != 0) continue;
      forced_[i] = -1;
      v[i] = rule;
    }
  }

  if (!config_.model || model_ == nullptr) return;

  // 4. The model scores every line no rule decided; a hard-wrapped
  //    paragraph's lines share their word-weighted mean.
  for (std::size_t i = 0; i < n; ++i) {
    if (doc.lines[i].blank || forced_[i] != 0) continue;
    scores_[i] = static_cast<float>(model_->Score(features_.row(i)));
  }
  for (const auto& [first, end] : features_.wrapped_spans()) {
    double sum = 0, weight = 0;
    for (std::uint32_t k = first; k < end; ++k) {
      if (scores_[k] < 0) continue;
      const double w = 1 + words.count[k];
      sum += w * scores_[k];
      weight += w;
    }
    if (weight == 0) continue;
    for (std::uint32_t k = first; k < end; ++k) {
      if (scores_[k] >= 0) scores_[k] = static_cast<float>(sum / weight);
    }
  }

  // 5. Decisions: each line's margin against its threshold (a body line
  //    inside the main text needs half), smoothed by
  //    the sequence pass.
  const int model_rule = pattern_rules_ + kBuiltinLineModel;
  auto logit = [](double p) {
    p = std::clamp(p, 1e-6, 1 - 1e-6);
    return std::log(p / (1 - p));
  };
  margin_.assign(n, 0.0f);
  for (std::size_t i = 0; i < n; ++i) {
    if (scores_[i] < 0) continue;  // blank, or decided by a rule
    // A body line inside the main text. A sentence of 15 words or more
    // that uses a rule's phrase is a body line (line_features.hpp), but
    // counts here only beside other prose: alone, it may be the notice.
    const bool in_text =
        features_.body(i) && i >= features_.span_first() && i <= features_.span_last() &&
        (!features_.rule(i) || features_.span_words() >= 2.0 * features_.words(i) + 10);
    margin_[i] = static_cast<float>(logit(scores_[i]) - logit(in_text ? threshold_ / 2 : threshold_));
  }
  Smooth(doc);
  // A run of three or more adjacent short lines of one shape (a menu, a
  // theme picker, the items of a short list) shares one decision: the sign
  // of its lines' median margin, as a hard-wrapped paragraph shares one
  // score. The last item of a menu above the text is no heading, and one
  // item of a short list does not go while its siblings stay. (The median,
  // not the sum: the item next to the text scores as a heading would, and
  // alone it must not carry its siblings.)
  for (std::size_t i = 0, end; i < n; i = end) {
    end = i + 1;
    const int shape = features_.shape(i);
    if (scores_[i] < 0 || shape < 0 || shape / 8 > 1) continue;
    while (end < n && scores_[end] >= 0 && features_.shape(end) == shape) ++end;
    if (end - i < 3) continue;
    run_margins_.assign(margin_.begin() + static_cast<std::ptrdiff_t>(i),
                        margin_.begin() + static_cast<std::ptrdiff_t>(end));
    const std::size_t half = run_margins_.size() / 2;
    std::nth_element(run_margins_.begin(), run_margins_.begin() + static_cast<std::ptrdiff_t>(half),
                     run_margins_.end());
    double median = run_margins_[half];
    if (run_margins_.size() % 2 == 0) {
      median = (median + *std::max_element(run_margins_.begin(),
                                           run_margins_.begin() + static_cast<std::ptrdiff_t>(half))) / 2;
    }
    for (std::size_t k = i; k < end; ++k) keep_[k] = median >= 0;
  }
  // A block of prose inside the main text stays whole: a paragraph of eight
  // or more lines, every one a body line, is text whatever its length or
  // how alike its lines look (a book, a report, one sentence a line).
  for (const Paragraph& para : doc.paragraphs) {
    if (para.end - para.first < 8) continue;
    bool prose = true;
    for (std::uint32_t k = para.first; k < para.end && prose; ++k) {
      prose = scores_[k] >= 0 && features_.body(k) && k >= features_.span_first() &&
              k <= features_.span_last();
    }
    if (!prose) continue;
    for (std::uint32_t k = para.first; k < para.end; ++k) keep_[k] = 1;
  }
  // The title: a short first line standing alone, kept when anything else
  // of the page is.
  std::size_t title = 0;
  while (title < n && doc.lines[title].blank) ++title;
  bool any_kept = false;
  for (std::size_t i = 0; i < n; ++i) {
    if (doc.lines[i].blank) continue;
    if (scores_[i] < 0) {
      any_kept = any_kept || (forced_[i] >= 0 && i != title);
      continue;
    }
    if (!keep_[i]) {
      v[i] = model_rule;
    } else if (i != title) {
      any_kept = true;
    }
  }
  // Standing alone: its paragraph is that line (in a document without
  // blank lines every line is).
  const bool alone = !doc.paragraphs.empty() && doc.paragraphs[0].end == doc.paragraphs[0].first + 1;
  // A title heads what follows it: the line under it is kept. Above a menu
  // or a toolbar it is one more of them ("Keyboard shortcuts").
  std::size_t under = title + 1;
  while (under < n && doc.lines[under].blank) ++under;
  const bool heads_text = under < n && v[under] < 0;
  // A line that matches a built-in rule ("Skip to content") is no title.
  if (config_.keep_title && title < n && v[title] == model_rule && any_kept && alone &&
      heads_text && features_.words(title) < 20 && !features_.rule(title)) {
    v[title] = -1;
  }

  if (notes && config_.explain) {
    for (std::size_t i = 0; i < n; ++i) {
      if (v[i] != model_rule) continue;
      std::ostringstream note;
      note.precision(2);
      note << "score " << std::fixed << scores_[i];
      if (margin_[i] >= 0) note << ", dropped with its neighbours";
      const std::span<const float> row = features_.row(i);  // valid until the next row()
      const auto top = model_->Explain(row, 3, true);
      for (std::size_t k = 0; k < top.size(); ++k) {
        note << (k == 0 ? ": " : ", ")
             << DescribeFeature(top[k].first, row[top[k].first]);
      }
      (*notes)[i] = note.str();
    }
  }
}

}  // namespace winnow
