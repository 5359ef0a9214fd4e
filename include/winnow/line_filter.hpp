// Line rules: which lines of a document are boilerplate or captions.
//
// Every line gets features from its own text (words, closing punctuation,
// the pattern rules it matches) and then a verdict that also looks at its
// neighbours. Built-in rules, each switchable by name:
//   no-terminal-punct  C4's rule: a line must end in closing punctuation
//                      (. ! ? " ' ” ’ and 。！？｡ ؟ । ። …), not in "...";
//   too-short          a line with fewer than min_words words;
//   boilerplate-block  a short line in a block (paragraph) where lines
//                      matched by pattern rules outnumber the others;
// but a line that fails only these is kept when its neighbours say it is
// body text: it sits between body lines (a heading, a list item, a table row
// inside an article), with no longer run of such lines than max_run. Body
// lines are those with closing punctuation and at least min_words words, or
// at least long_words words. A line of caption_words or more words that ends
// without punctuation reads as a sentence missing its full stop, which on
// the web is almost always a photo caption, and is not rescued by context.
// Pattern rules (rules.hpp) always drop the lines they match.
#ifndef WINNOW_LINE_FILTER_HPP_
#define WINNOW_LINE_FILTER_HPP_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "winnow/document.hpp"
#include "winnow/rules.hpp"

namespace winnow {

inline constexpr std::string_view kRuleNoTerminalPunct = "no-terminal-punct";
inline constexpr std::string_view kRuleTooShort = "too-short";
inline constexpr std::string_view kRuleBoilerplateBlock = "boilerplate-block";

struct LineFilterConfig {
  bool no_terminal_punct = true;
  bool too_short = true;
  bool boilerplate_block = true;
  int min_words = 5;
  int long_words = 20;
  int caption_words = 9;
  int max_run = 40;
  // A run of three or more short lines averaging this many words next to
  // body text is a list that belongs to it.
  int list_words = 5;
  // A line ending in ':' introduces what follows (a list, a command, a
  // quote): it counts as closed.
  bool colon_closes = true;
  // A short first line standing alone is the page title, and is kept.
  bool keep_title = true;
  // Lines longer than this are not analysed: they stay, as body.
  std::size_t max_line_bytes = 1 << 20;
  // With fewer body lines than this, the page has no prose to anchor on
  // (a listing, a table, a code page): only pattern rules apply.
  int min_body_lines = 1;
  // When body lines hold less than this share of the page's words (body and
  // short lines, not pattern matches), the page is a listing, a table or a
  // catalogue: its short lines are its content, and only patterns apply.
  double min_prose_share = 0.2;
  // ... provided its short lines average at least this many words: menus,
  // footers and button rows average fewer, listings (titles, names, prices
  // with labels) more.
  double listing_line_words = 1.5;
};

// True if `text` ends in ':' (or a fullwidth colon), after trailing spaces.
bool EndsWithColon(std::string_view text);

// True if `text` ends, after trailing spaces and closing brackets, in
// closing punctuation (and not in an ellipsis).
bool EndsWithClosingPunctuation(std::string_view text);

// Words as the rules count them: normalised words, where two CJK characters
// count as one word.
int CountWords(const Normalized& norm);

// The words of a document's lines, normalised and hashed once by the line
// filter and read by the stages after it (paragraph and document
// deduplication, repeated lines), so no text is normalised twice.
struct LineWords {
  // HashWord(word, kWordSeed) of every word, line after line: line i's
  // words are hashes[begin[i], begin[i + 1]).
  std::vector<std::uint64_t> hashes;
  std::vector<std::uint32_t> begin;
  std::vector<int> count;          // per line: CountWords()
  // Per line: false for blank lines and lines over max_line_bytes, which
  // were not normalised (their hashes are empty).
  std::vector<bool> analysed;

  void Reset(std::size_t lines);
  // Appends the next line (in order); `norm` null for a line not analysed.
  void AddLine(const Normalized* norm);
  std::size_t words(std::size_t line) const { return begin[line + 1] - begin[line]; }
  const std::uint64_t* words_of(std::size_t line) const { return hashes.data() + begin[line]; }
};

// Fills `*words` for every line of `doc` without judging them (for runs
// without line rules); lines over max_line_bytes are not analysed.
void AnalyseLines(const Document& doc, std::size_t max_line_bytes, LineWords* words);

// Per-line verdicts for a document: -1 keeps the line; otherwise the index
// of the rule that drops it, where indexes below rules.names().size() are
// pattern rules and kBuiltinNoTerminalPunct / kBuiltinTooShort (offset by
// that size) are the built-in rules. Blank lines get -1.
class LineFilter {
 public:
  static constexpr int kBuiltinNoTerminalPunct = 0;
  static constexpr int kBuiltinTooShort = 1;
  static constexpr int kBuiltinBoilerplateBlock = 2;
  static constexpr int kBuiltinCount = 3;

  // `rules` must be frozen and outlive the filter; null means no patterns.
  LineFilter(const RuleSet* rules, const LineFilterConfig& config);

  // With `line_words`, also fills it for every line (see LineWords).
  void Judge(const Document& doc, std::vector<int>* verdicts,
             LineWords* line_words = nullptr);

  // The name of verdict `id` (pattern rule or built-in).
  std::string_view RuleName(int id) const;
  int rule_count() const { return pattern_rules_ + kBuiltinCount; }

 private:
  enum class Class : unsigned char { kBlank, kBad, kBody, kWeak };

  // How many more words than one the URLs in `text` normalise to.
  int UrlWords(std::string_view text);

  // Marks the short lines listed under a "+list" heading at `heading`.
  void DropListUnder(const Document& doc, std::size_t heading, int rule);

  const RuleSet* rules_;
  LineFilterConfig config_;
  int pattern_rules_;
  // Per-line scratch state of Judge(), kept to reuse its memory.
  std::vector<Class> cls_;
  std::vector<int> weak_rule_;   // the built-in rule a weak line fails
  std::vector<int> words_;
  std::vector<bool> forced_;     // dropped whatever its neighbours say
  std::vector<int> forced_rule_; // the +list rule that forced it, or -1
  std::vector<std::size_t> caption_candidate_;
  Normalized norm_, scratch_, url_scratch_;
};

}  // namespace winnow

#endif  // WINNOW_LINE_FILTER_HPP_
