// The per-document pipeline: line rules, then near-duplicate paragraphs.
//
// Rules judge lines; deduplication judges what is left of each paragraph
// (its kept lines, joined). The result says, for every input line, whether
// it is kept, and records one Drop per dropped line run so that every
// decision can be explained.
#ifndef WINNOW_FILTER_HPP_
#define WINNOW_FILTER_HPP_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "winnow/dedup.hpp"
#include "winnow/document.hpp"
#include "winnow/line_filter.hpp"
#include "winnow/rules.hpp"
#include "winnow/stage_times.hpp"

namespace winnow {

struct FilterConfig {
  bool line_rules = true;  // false: no line rule at all (patterns and built-ins)
  LineFilterConfig lines;
  bool dedup = true;
  DedupConfig dedup_config;
  // Paragraphs larger than this are kept without deduplication: a single
  // 100 MiB paragraph would otherwise cost gigabytes of shingle index.
  std::size_t max_paragraph_bytes = 1 << 20;
  // Count ticks per stage into FilterStats::stages (stage_times.hpp).
  bool time_stages = false;
};

// 40 bytes: a document of a million one-line paragraphs that repeat one
// another has a million of them.
struct Drop {
  static constexpr std::uint32_t kNoNote = 0xFFFFFFFFu;
  std::uint32_t line;  // 1-based input line number of the first dropped line
  std::uint32_t lines; // how many lines this decision dropped
  // A line rule's name, or one of "near-duplicate", "restates", "restated".
  std::string_view reason;
  std::uint32_t of_line = 0;  // dedup: first line of the earlier paragraph
  // Line model (with explain): its score and main features, as an index
  // into FilterResult::notes, or kNoNote.
  std::uint32_t note = kNoNote;
  double similarity = 0.0;    // dedup: exact Jaccard or containment
};

struct FilterResult {
  std::vector<bool> keep;  // one per input line; blank lines are false
  std::vector<Drop> drops; // in input order
  std::vector<std::string> notes;  // the drops' notes (Drop::note)

  std::string_view note(const Drop& d) const {
    return d.note == Drop::kNoNote ? std::string_view() : std::string_view(notes[d.note]);
  }
};

// Counts per reason over all documents a Filter has seen.
struct FilterStats {
  std::uint64_t documents = 0;
  std::uint64_t lines_in = 0;      // non-blank
  std::uint64_t lines_out = 0;
  std::uint64_t paragraphs_in = 0;
  std::uint64_t paragraphs_out = 0;
  std::uint64_t unanalysed_paragraphs = 0;  // over max_paragraph_bytes, kept
  std::map<std::string, std::uint64_t, std::less<>> dropped_lines;  // by reason
  StageTimes stages;  // with FilterConfig::time_stages

  // Adds another filter's counts (threads' filters sum to the same totals
  // whoever did what).
  void Add(const FilterStats& other);
};

inline constexpr std::string_view kReasonNearDuplicate = "near-duplicate";
inline constexpr std::string_view kReasonRestates = "restates";
inline constexpr std::string_view kReasonRestated = "restated";
// Dropped by the stream: a line seen in too many earlier documents.
inline constexpr std::string_view kRuleRepeatedLine = "repeated-line";

// Appends one line per drop of `result`, for --explain:
//   WHERE:LINE: rule NAME: TEXT
//   WHERE:LINE: rule line-model (score 0.08: 2 words, no closing mark): TEXT
//   WHERE:LINE: near-duplicate of line N (jaccard 0.83): TEXT
//   WHERE:LINE: restates line N (containment 0.91) [3 lines]: TEXT
// TEXT is the start of the first dropped line: at most 60 bytes, cut on a
// grapheme cluster boundary (UAX #29: an accent, a Thai tone mark, an emoji
// ZWJ sequence or a flag stays with its base; a cluster over 60 bytes is
// cut between code points) and followed by "..." when cut; control
// characters (C0 and DEL) and bytes that are not UTF-8 are shown as '?',
// so a decision stays one line of valid UTF-8.
void AppendExplanation(std::string_view where, const Document& doc,
                       const FilterResult& result, std::string* out);

class Filter {
 public:
  // `rules` must be frozen and outlive the filter (null: no pattern rules);
  // `model`, the line model, too (null: the built-in one).
  // Throws winnow::Error for an invalid configuration.
  Filter(const RuleSet* rules, const FilterConfig& config, const LineModel* model = nullptr);
  Filter(const Filter&) = delete;
  Filter& operator=(const Filter&) = delete;

  // Both phases below, for a document on its own.
  void Run(const Document& doc, FilterResult* result);

  // Phase 1, line rules: (*verdicts)[i] is -1 to keep line i, or the id of
  // the rule that drops it (see RuleName).
  // With `words`, also fills it (see LineWords) for Decide(); with `notes`
  // (and config.lines.explain), the line model's reasons (LineFilter).
  void JudgeLines(const Document& doc, std::vector<int>* verdicts,
                  LineWords* words = nullptr, std::vector<std::string>* notes = nullptr);

  // Phase 2: applies `verdicts` (phase 1's, possibly with more drops added
  // by the caller, such as repeated_line_rule()), then removes near-duplicate
  // paragraphs, and fills `*result`.
  // `words`, from JudgeLines() on the same document, saves analysing the
  // lines again (without it Decide analyses them itself, and decides the
  // same); `notes`, from the same call, explain model drops.
  void Decide(const Document& doc, const std::vector<int>& verdicts,
              FilterResult* result, const LineWords* words = nullptr,
              const std::vector<std::string>* notes = nullptr);

  // The verdict id callers use for lines that recur across documents.
  int repeated_line_rule() const { return line_filter_.rule_count(); }
  std::string_view RuleName(int id) const;

  const FilterStats& stats() const { return stats_; }
  const ParagraphDeduper& deduper() const { return deduper_; }

 private:
  // Adds `lines` to the dropped-line count of `reason`.
  void Count(std::string_view reason, std::uint64_t lines);

  FilterConfig config_;
  LineFilter line_filter_;
  ParagraphDeduper deduper_;
  FilterStats stats_;
  std::vector<int> verdicts_;
  std::vector<std::string> notes_;
  LineWords words_;
  std::vector<std::uint64_t> paragraph_words_;
  // Decide, in a document without blank lines: per line, whether it lies in
  // a run of short lines that reads as structure or a refrain.
  std::vector<char> in_refrain_run_;
  std::vector<std::uint64_t> rule_drops_;  // Decide: lines dropped per rule id, counted at its end
  std::string joined_;
  Normalized norm_;
};

}  // namespace winnow

#endif  // WINNOW_FILTER_HPP_
