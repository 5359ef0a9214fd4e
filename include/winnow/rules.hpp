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
//             case-insensitive); RE2 runs in linear time, so no pattern can
//             make winnow hang
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

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "winnow/normalize.hpp"

namespace winnow {

// The bytes of rules/default.rules, built into the binary.
std::string_view DefaultRulesText();

enum class PatternKind { kLiteral, kPrefix, kContains, kRegex };

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
  std::string text;    // as written (regex) or normalised (the others)
  int max_words;       // 0: no limit
  bool list;           // +list: also drops the short lines listed under it
  PatternAction action;
  std::string source;  // "FILE:LINE" where it was defined
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

  // Compiles the enabled patterns. Throws winnow::Error if RE2 cannot build
  // the combined automaton (memory budget).
  void Freeze();

  // The same rules, compiled again (frozen if this one is). RE2 guards the
  // state cache of its automata with a lock that every search takes, so
  // threads that share one RuleSet contend for it; each thread matching
  // with its own copy does not.
  std::unique_ptr<RuleSet> Clone() const;

  // The index (into patterns()) of the first enabled pattern, in file
  // order, that matches, or -1. `raw` is the line's bytes, `norm` its
  // normalised form. Requires Freeze().
  int Match(std::string_view raw, const Normalized& norm) const;
  // The same, with the first match of each action.
  RuleMatch MatchAll(std::string_view raw, const Normalized& norm) const;

  const std::vector<std::string>& names() const { return names_; }
  const std::vector<Pattern>& patterns() const { return patterns_; }
  bool enabled(int rule) const { return enabled_[rule]; }

 private:
  struct Compiled;
  std::vector<std::string> names_;
  std::vector<bool> enabled_;
  std::vector<Pattern> patterns_;
  std::unique_ptr<Compiled> compiled_;
};

}  // namespace winnow

#endif  // WINNOW_RULES_HPP_
