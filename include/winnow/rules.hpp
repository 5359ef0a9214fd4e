// Pattern rules: named boilerplate patterns read from a rules file.
//
// The rules format, one rule per line:
//
//     # a comment (a line whose first non-blank character is '#')
//     NAME   KIND[:MAXWORDS][+list]   PATTERN
//
// NAME is [a-z0-9._-]+ and may repeat: all lines with one name form one rule,
// enabled or disabled together. KIND says how PATTERN is compared with a line:
//   literal   the whole line, normalised, equals the normalised pattern
//   prefix    the normalised line starts with the normalised pattern's words
//   contains  the normalised line contains the normalised pattern's words
//   regex     RE2 syntax, searched in the line's raw bytes (use (?i) for
//             case-insensitive), its HTML character references spelled
//             out (DecodeCharacterReferences: "Photo&#58; AFP" is searched
//             as "Photo: AFP"); RE2 runs in linear time, so no pattern can
//             make winnow hang
//   words     a vocabulary in groups, `W W ... | W W ... | ...`: every word of
//             the normalised line is one of the pattern's words, and the
//             line holds a word of each group but the last (one group: any
//             of its words). `words share on | facebook twitter | and`
//             matches "Share on Facebook and Twitter", not "Share prices
//             rose"; a look-up a word, as cheap as a literal
// "Normalised" is the view of normalize.hpp: case folded, punctuation gone,
// so `literal share this` matches "Share This!" and "SHARE  THIS". A
// `:MAXWORDS` suffix limits the pattern to lines of at most that many words,
// which keeps a phrase like "privacy policy" from killing a body sentence.
// A `+list` suffix marks a heading that introduces boilerplate ("Related
// articles", "Read more"): the short lines listed under it go with it (see
// line_filter.hpp).
//
// What a match does depends on the rule's action. Rules read from a file
// the user gives (`--rules`) drop the lines they match; a line written
//     NAME  keep  KIND  PATTERN
// instead keeps every line it matches, whatever the line model says. The
// built-in rules are read as features: a match is one of the line model's
// inputs (line_features.hpp), which weighs it against the line's context;
// a line written `NAME drop KIND PATTERN` drops whatever the default is.
//
// Build, freeze, query: Parse() any number of sources, Disable() by name,
// Freeze(), then Match() from any number of threads.
#ifndef WINNOW_RULES_HPP_
#define WINNOW_RULES_HPP_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "winnow/document.hpp"
#include "winnow/normalize.hpp"

namespace winnow {

namespace detail {
class PatternScanner;
class ScannerBuild;
}

// The bytes of rules/default.rules, built into the binary.
std::string_view DefaultRulesText();

// See RuleSet::set_pattern_scan_after(): about a fifth of a second of RE2.
inline constexpr std::uint64_t kDefaultPatternScanAfter = std::uint64_t{2} << 20;

enum class PatternKind { kLiteral, kPrefix, kContains, kRegex, kWords };

// What a matching pattern does to a line.
enum class PatternAction : unsigned char {
  kDrop,     // the line is dropped
  kKeep,     // the line is kept, whatever the line model says
  kFeature,  // the match is a feature of the line model
};

// The first matching pattern of each action (indexes into patterns()), or -1.
struct RuleMatch {
  int drop = -1;
  int keep = -1;
  int feature = -1;
};

struct Pattern {
  int rule;            // index into RuleSet::names()
  PatternKind kind;
  std::string text;    // as written (regex) or normalised (the others; words:
                       // the groups' normalised words joined by " | ")
  int max_words;       // 0: no limit
  bool list;           // +list: also drops the short lines listed under it
  PatternAction action;
  bool builtin;        // parsed as a built-in rule (Parse(..., kFeature)):
                       // its drops give way where the line filter knows
                       // better (a hard-wrapped sentence's last word)
  std::string source;  // "FILE:LINE" where it was defined
};

// The regex candidates of a document's lines, from one automaton pass over
// them all (RuleSet::ScanLines), for RuleSet::MatchAll to take line by line.
// One per thread; reused from document to document.
class LineScan {
 public:
  // Whether line `i` was scanned (else MatchAll scans it alone).
  bool scanned(std::size_t i) const { return Find(i) != kNone; }

 private:
  friend class RuleSet;
  static constexpr std::size_t kNone = ~std::size_t{0};
  // The position of line `i` in lines_, or kNone.
  std::size_t Find(std::size_t i) const;
  // The lines scanned, in order (no memory for blank lines), and where
  // each one's candidates end in ids_ (they begin where the previous
  // line's end).
  std::vector<std::uint32_t> lines_;
  mutable std::size_t next_ = 0;  // where Find() looks first
  std::vector<std::uint32_t> ends_;
  std::vector<int> ids_;
  // Scratch for a block: its lines joined by '\n', their offsets there,
  // the (line, id) pairs reported.
  std::string text_;
  std::vector<std::size_t> starts_;
  std::vector<std::pair<std::uint32_t, int>> hits_;
  static constexpr std::uint32_t kNoLine = 0xFFFFFFFFu;
  std::vector<std::uint32_t> last_;  // per pattern: the line it was last reported on
};

class RuleSet {
 public:
  RuleSet();
  ~RuleSet();
  // Holds compiled automata; copying would be expensive and never needed.
  RuleSet(const RuleSet&) = delete;
  RuleSet& operator=(const RuleSet&) = delete;

  // Adds the rules in `text`. `source` names it in errors and in Pattern.
  // Patterns without a `keep` or `drop` word get `action` (kDrop or
  // kFeature).
  // Throws winnow::Error with where = "SOURCE:LINE" on a malformed line or an
  // invalid regex. Must be called before Freeze().
  void Parse(std::string_view text, std::string_view source,
             PatternAction action = PatternAction::kDrop);

  // Returns false if no rule has this name.
  bool Disable(std::string_view name);
  void DisableAll();

  // The memory budget of each of RE2's automata, in bytes (RE2's max_mem;
  // default kDefaultRegexMaxMem). Call before Freeze().
  void set_max_mem(std::int64_t bytes) { max_mem_ = bytes; }
  std::int64_t max_mem() const { return max_mem_; }

  // Where Hyperscan is built in and the CPU runs it, regex and contains
  // patterns are matched in one Hyperscan pass per line (a regex it
  // reports is then confirmed by RE2, so every match is RE2's; see
  // README). Its automaton is compiled by the thread that brings the
  // bytes of lines this rule set (and its clones) were asked about to this
  // many (0: by Freeze()); until then, on lines that are not valid UTF-8,
  // and for good if the compile fails, RE2 matches alone. The result never depends on which of them matched.
  // Call before Freeze().
  void set_pattern_scan_after(std::uint64_t bytes) { scan_after_ = bytes; }

  // Compiles the enabled patterns: the regex patterns into one RE2::Set,
  // the contains patterns into another (which only holds them to max_mem:
  // they are matched by their words), and the contains phrases' word
  // hashes. When the regex set's automaton does not fit max_mem, its
  // patterns are matched one by one instead (slower; see
  // split_automata()). Throws winnow::Error (where = the pattern's
  // "FILE:LINE") for a pattern whose automaton does not fit alone.
  void Freeze();

  // After Freeze(): "" when every set fits max_mem, or what is matched one
  // pattern at a time ("40 regex patterns").
  std::string split_automata() const;

  // The same rules, compiled again (frozen if this one is). RE2 guards the
  // state cache of its automata with a lock that every search takes, so
  // threads that share one RuleSet contend for it; each thread matching
  // with its own copy does not.
  std::unique_ptr<RuleSet> Clone() const;

  // The index (into patterns()) of the first enabled pattern, in file
  // order, that matches, or -1. `raw` is the line's bytes, `norm` its
  // normalised form. Requires Freeze().
  //
  // contains patterns are matched by their words' hashes (see Compiled);
  // regex patterns by one RE2::Set (and Hyperscan, see ScanLines), whose
  // automaton (a lazily built DFA) can run out of its memory budget on a
  // long line. Such a search is no "no match" (re2/set.h, ErrorInfo): the
  // line is then matched pattern by pattern, each pattern failing on its own
  // matched by RE2's other engines (linear time too, slower), so no match
  // is lost; the event is counted (automaton_errors()).
  int Match(std::string_view raw, const Normalized& norm) const;
  // The same, with the first match of each action.
  RuleMatch MatchAll(std::string_view raw, const Normalized& norm) const;
  // The same for line `line` of a document that ScanLines() scanned into
  // `scan` (`raw` is that line's text): its regex candidates are taken
  // from there instead of a scan of the line alone; `word_hashes`, when not
  // null, are HashWord(norm.word(i), kWordSeed) of its words, which the
  // contains patterns are matched by (else they are hashed here). The
  // result is the same.
  RuleMatch MatchAll(std::string_view raw, const Normalized& norm, const LineScan& scan,
                     std::size_t line, const std::uint64_t* word_hashes = nullptr) const;

  // Scans the lines of `doc` that are not blank and at most
  // `max_line_bytes` long with the regex automaton in one pass (in blocks
  // of about 64 KiB, joined by '\n'), instead of one call a line: what a
  // short line costs is mostly the call. Lines that are not valid UTF-8
  // are left out, and so is every line while the automaton is not built
  // or when a pattern turns multi-line matching off; MatchAll() scans
  // those alone. Requires Freeze().
  void ScanLines(const Document& doc, std::size_t max_line_bytes, LineScan* scan) const;

  const std::vector<std::string>& names() const { return names_; }
  const std::vector<Pattern>& patterns() const { return patterns_; }

  // The enabled regex and contains patterns as (index into patterns(),
  // text) pairs in index order: what Freeze() hands to Hyperscan, and what
  // winnow's build compiles ahead for the built-in rules
  // (tools/scanner_image).
  void AutomatonPatterns(std::vector<std::pair<int, std::string>>* regexes,
                         std::vector<std::pair<int, std::string>>* literals) const;
  bool enabled(int rule) const { return enabled_[rule]; }

  // Lines whose search ran out of automaton memory, counted over this rule
  // set and every Clone() of it: per pattern (index into patterns()), the
  // lines its own automaton failed on; and the lines on which the combined
  // automaton of all regex (or contains) patterns failed although no single
  // pattern's did. Each thread's automaton keeps what it has seen, so the
  // counts may differ between thread counts; the matches never do.
  std::vector<std::uint64_t> automaton_errors() const;
  std::uint64_t combined_automaton_errors() const;

 private:
  struct Compiled;
  // Freeze(), sharing `build` (a clone's) when given.
  void Freeze(std::shared_ptr<detail::ScannerBuild> build);
  // Makes c.confirm and c.rest for the patterns `scanner` holds.
  void Prepare(Compiled& c, const detail::PatternScanner& scanner) const;
  RuleMatch MatchAll(std::string_view raw, const Normalized& norm, const LineScan* scan,
                     std::size_t line, const std::uint64_t* word_hashes) const;
  // Builds Compiled::single and ::one; throws as Freeze() does.
  void BuildSingles(Compiled& c) const;
  // Shared by a rule set and its clones.
  struct Errors {
    explicit Errors(std::size_t patterns) : per_pattern(patterns) {}
    std::vector<std::atomic<std::uint64_t>> per_pattern;
    std::atomic<std::uint64_t> combined{0};
  };
  std::vector<std::string> names_;
  std::vector<bool> enabled_;
  std::vector<Pattern> patterns_;
  std::int64_t max_mem_;
  std::uint64_t scan_after_ = kDefaultPatternScanAfter;
  std::unique_ptr<Compiled> compiled_;
  std::shared_ptr<Errors> errors_;
};

// RE2's max_mem for winnow's automata unless told otherwise (--regex-max-mem).
inline constexpr std::int64_t kDefaultRegexMaxMem = std::int64_t{64} << 20;

}  // namespace winnow

#endif  // WINNOW_RULES_HPP_
