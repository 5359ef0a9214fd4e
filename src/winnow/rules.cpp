#include "winnow/rules.hpp"

#include <re2/re2.h>
#include <re2/set.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <mutex>
#include <unordered_map>

#include "winnow/detail/pattern_scan.hpp"
#include "winnow/detail/xxhash.hpp"
#include "winnow/error.hpp"
#include "winnow/hashing.hpp"
#include "winnow/shingle.hpp"

namespace winnow {

// Hashes std::string keys and looks them up by std::string_view, so a
// line's words are looked up without building a string.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const {
    return std::hash<std::string_view>()(s);
  }
};

// A set of words asked about once a line: their hashes in an
// open-addressing table at most a quarter full, one probe or two where a
// node-based set takes a division and a pointer chase. A hash says "maybe"
// (two words may share one), which is all a gate needs: the look-ups it
// lets through compare the text.
class WordGate {
 public:
  void Add(std::string_view word) {
    const std::uint64_t h = Hash(word);
    if ((used_ + 1) * 4 > slots_.size()) Grow();
    Insert(h);
  }
  bool MayHold(std::string_view word) const {
    if (slots_.empty()) return false;
    const std::uint64_t h = Hash(word);
    for (std::size_t s = h & (slots_.size() - 1);; s = (s + 1) & (slots_.size() - 1)) {
      if (slots_[s] == h) return true;
      if (slots_[s] == 0) return false;
    }
  }

 private:
  static std::uint64_t Hash(std::string_view word) {
    return XXH3_64bits(word.data(), word.size()) | 1;  // 0 marks a free slot
  }
  void Insert(std::uint64_t h) {
    std::size_t s = h & (slots_.size() - 1);
    while (slots_[s] != 0 && slots_[s] != h) s = (s + 1) & (slots_.size() - 1);
    used_ += slots_[s] == 0;
    slots_[s] = h;
  }
  void Grow() {
    std::vector<std::uint64_t> old = std::move(slots_);
    slots_.assign(std::max<std::size_t>(64, 2 * old.size()), 0);
    used_ = 0;
    for (std::uint64_t h : old) {
      if (h != 0) Insert(h);
    }
  }
  std::vector<std::uint64_t> slots_;
  std::size_t used_ = 0;
};

struct RuleSet::Compiled {
  // literal and prefix patterns, keyed by normalised text.
  std::unordered_map<std::string, std::vector<int>, StringHash, std::equal_to<>> literal;
  std::unordered_map<std::string, std::vector<int>, StringHash, std::equal_to<>> prefix;
  std::vector<int> prefix_lengths;  // distinct word counts of prefixes
  // The first words of all literal and prefix patterns: a line whose first
  // word is not one of them matches none, which one look-up tells.
  WordGate first_words;
  int literal_max_words = 0;
  // literal_sizes[n]: some literal pattern is n bytes long (normalised),
  // and the same for prefix patterns; a key longer than these hold is
  // looked up when some pattern is.
  std::vector<bool> literal_sizes = std::vector<bool>(256, false);
  std::vector<bool> prefix_sizes = std::vector<bool>(256, false);
  bool long_literals = false, long_prefixes = false;
  // contains patterns run as one automaton over the normalised text (which
  // Freeze() compiles to refuse a phrase too large for the budget, as it
  // does a regex); regex patterns as one automaton over the raw line.
  std::unique_ptr<RE2::Set> contains;
  std::vector<int> contains_ids;
  // contains patterns matched by their words: a phrase of n words is in
  // the line where n consecutive words of the line have its words' hashes
  // (HashWord, kWordSeed: the line filter has them already) and, checked
  // on the normalised text, its bytes: exactly where the automaton finds
  // it between word boundaries, for a look-up a word instead of a search
  // a line.
  struct Phrase {
    std::uint64_t first;  // its first word's hash: phrases are sorted by it
    int id;
    std::uint32_t words_begin, words_end;  // its words' hashes in phrase_words
  };
  std::vector<Phrase> phrases;
  std::vector<std::uint64_t> phrase_words;
  // The phrases whose first word's hash has top 12 bits b are
  // phrases[phrase_at[b], phrase_at[b + 1]) (sorted by that hash, they are
  // sorted by its top bits): most words of a line start none, which one
  // look-up tells.
  static constexpr int kPhraseBits = 12;
  std::vector<std::uint32_t> phrase_at;
  // words patterns: per pattern, each word's hash -> the bits of the groups
  // it is in, and the bits a line must cover (every group but the last).
  struct Vocabulary {
    int id;
    std::unordered_map<std::uint64_t, std::uint32_t> groups;
    std::uint32_t required;
  };
  std::vector<Vocabulary> vocabularies;
  // The top 12 bits of every vocabulary word's hash, as a bit set: most
  // words of a line are in no vocabulary, which one bit tells.
  std::array<std::uint64_t, 64> vocabulary_gate{};
  std::unique_ptr<RE2::Set> regex;
  std::vector<int> regex_ids;
  // After a set's search fails: each of its patterns on its own, as a set
  // of one (which fails alone or not) and as an RE2 (which falls back to
  // its other engines), built on first need. Indexed like patterns_.
  std::once_flag singles_built;
  std::vector<std::unique_ptr<RE2::Set>> single;
  std::vector<std::unique_ptr<RE2>> one;
  // The combined set did not fit max_mem: its patterns are matched one by
  // one.
  bool contains_split = false;
  bool regex_split = false;
  // Hyperscan: the regex patterns it reads as RE2 does (or wider), in one
  // pass (its image also holds the contains patterns as literals, which
  // MatchAll matches by their words instead); shared by a rule set and its
  // clones (it is only read). A regex it reports is confirmed by `confirm`,
  // that pattern's own RE2; the regex patterns it does not hold are
  // matched by `rest` (rest_ids), an RE2::Set, on the same line. A line
  // that is not valid UTF-8 is matched by RE2 alone, as without Hyperscan.
  std::shared_ptr<detail::ScannerBuild> build;
  std::once_flag prepared;  // confirm, rest: once the scanner is there
  std::vector<std::unique_ptr<RE2>> confirm;  // indexed like patterns_
  std::unique_ptr<RE2::Set> rest;
  std::vector<int> rest_ids;
  bool rest_split = false;
  bool scan_regexes = false;   // scanner holds some regex patterns
  bool scan_lines = false;     // ... and a document's lines may be scanned together
};

namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string_view NextField(std::string_view* rest) {
  std::size_t i = 0;
  while (i < rest->size() && IsSpace((*rest)[i])) ++i;
  std::size_t j = i;
  while (j < rest->size() && !IsSpace((*rest)[j])) ++j;
  std::string_view field = rest->substr(i, j - i);
  *rest = rest->substr(j);
  return field;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool ValidName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

RE2::Options SetOptions(std::int64_t max_mem = kDefaultRegexMaxMem) {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(max_mem);
  return options;
}

// Escapes a normalised phrase for RE2, anchored at word boundaries of the
// normalised text (where words are separated by single spaces).
std::string WordPhrase(std::string_view normalised) {
  return "(?:^| )" + RE2::QuoteMeta(std::string(normalised)) + "(?: |$)";
}

}  // namespace

RuleSet::RuleSet() : max_mem_(kDefaultRegexMaxMem) {}
RuleSet::~RuleSet() = default;

void RuleSet::Parse(std::string_view text, std::string_view source, PatternAction action) {
  int line_no = 0;
  std::size_t pos = 0;
  Normalized norm;
  while (pos <= text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    std::string where = std::string(source) + ":" + std::to_string(line_no);
    std::string_view body = Trim(line);
    if (body.empty() || body.front() == '#') continue;

    std::string_view rest = body;
    std::string_view name = NextField(&rest);
    std::string_view kind_field = NextField(&rest);
    PatternAction line_action = action;
    if (kind_field == "keep") {
      line_action = PatternAction::kKeep;
      kind_field = NextField(&rest);
    } else if (kind_field == "drop") {
      line_action = PatternAction::kDrop;
      kind_field = NextField(&rest);
    }
    std::string_view pattern = Trim(rest);
    if (!ValidName(name)) {
      throw Error(where, "rule name '" + std::string(name) +
                             "' must be lower-case letters, digits, '.', '_' or '-'");
    }
    if (kind_field.empty() || pattern.empty()) {
      throw Error(where, "expected NAME KIND PATTERN");
    }
    int max_words = 0;
    bool list = false;
    if (kind_field.size() > 5 &&
        kind_field.substr(kind_field.size() - 5) == "+list") {
      list = true;
      kind_field.remove_suffix(5);
    }
    std::string_view kind_name = kind_field;
    if (std::size_t colon = kind_field.find(':');
        colon != std::string_view::npos) {
      kind_name = kind_field.substr(0, colon);
      std::string_view num = kind_field.substr(colon + 1);
      auto [ptr, ec] =
          std::from_chars(num.data(), num.data() + num.size(), max_words);
      if (ec != std::errc() || ptr != num.data() + num.size() ||
          max_words <= 0) {
        throw Error(where, "word limit '" + std::string(num) +
                               "' must be a positive number");
      }
    }
    Pattern p;
    if (kind_name == "literal") {
      p.kind = PatternKind::kLiteral;
    } else if (kind_name == "prefix") {
      p.kind = PatternKind::kPrefix;
    } else if (kind_name == "contains") {
      p.kind = PatternKind::kContains;
    } else if (kind_name == "regex") {
      p.kind = PatternKind::kRegex;
    } else if (kind_name == "words") {
      p.kind = PatternKind::kWords;
    } else {
      throw Error(where, "unknown kind '" + std::string(kind_name) +
                             "' (expected literal, prefix, contains, regex or words)");
    }
    if (p.kind == PatternKind::kRegex) {
      RE2 re(std::string(pattern), SetOptions());
      if (!re.ok()) throw Error(where, "invalid regex: " + re.error());
      p.text = std::string(pattern);
    } else if (p.kind == PatternKind::kWords) {
      // Groups split at '|' before normalising (which would drop it).
      std::string_view rest = pattern;
      int groups = 0;
      while (true) {
        const std::size_t bar = rest.find('|');
        Normalize(rest.substr(0, bar), &norm);
        if (norm.words.empty()) throw Error(where, "a group of words pattern has no words");
        if (++groups > 32) throw Error(where, "a words pattern has more than 32 groups");
        if (!p.text.empty()) p.text += " | ";
        p.text += norm.text;
        if (bar == std::string_view::npos) break;
        rest.remove_prefix(bar + 1);
      }
    } else {
      Normalize(pattern, &norm);
      if (norm.words.empty()) {
        throw Error(where, "pattern has no words after normalisation");
      }
      p.text = norm.text;
    }
    auto it = std::find(names_.begin(), names_.end(), name);
    if (it == names_.end()) {
      names_.emplace_back(name);
      enabled_.push_back(true);
      it = names_.end() - 1;
    }
    p.rule = static_cast<int>(it - names_.begin());
    p.max_words = max_words;
    p.list = list;
    p.action = line_action;
    p.builtin = action == PatternAction::kFeature;
    p.source = std::move(where);
    patterns_.push_back(std::move(p));
  }
}

bool RuleSet::Disable(std::string_view name) {
  auto it = std::find(names_.begin(), names_.end(), name);
  if (it == names_.end()) return false;
  enabled_[it - names_.begin()] = false;
  return true;
}

void RuleSet::DisableAll() { std::fill(enabled_.begin(), enabled_.end(), false); }

void RuleSet::Freeze() { Freeze(nullptr); }

void RuleSet::Prepare(Compiled& c, const detail::PatternScanner& scanner) const {
  c.scan_regexes = scanner.has_regexes();
  if (!c.scan_regexes) return;
  c.scan_lines = std::all_of(c.regex_ids.begin(), c.regex_ids.end(), [&](int id) {
    return !scanner.has_regex(id) || detail::MultilineSafe(patterns_[id].text);
  });
  c.confirm.resize(patterns_.size());
  c.rest = std::make_unique<RE2::Set>(SetOptions(max_mem_), RE2::UNANCHORED);
  for (int id : c.regex_ids) {
    if (scanner.has_regex(id)) {
      auto re = std::make_unique<RE2>(patterns_[id].text, SetOptions(max_mem_));
      if (re->ok()) c.confirm[id] = std::move(re);
    }
    if (!c.confirm[id]) {
      c.rest->Add(patterns_[id].text, nullptr);
      c.rest_ids.push_back(id);
    }
  }
  c.rest_split = !c.rest_ids.empty() && !c.rest->Compile();
  if (c.rest_split) std::call_once(c.singles_built, [&] { BuildSingles(c); });
}

void RuleSet::Freeze(std::shared_ptr<detail::ScannerBuild> build) {
  auto c = std::make_unique<Compiled>();
  c->contains = std::make_unique<RE2::Set>(SetOptions(max_mem_), RE2::UNANCHORED);
  c->regex = std::make_unique<RE2::Set>(SetOptions(max_mem_), RE2::UNANCHORED);
  for (int i = 0; i < static_cast<int>(patterns_.size()); ++i) {
    const Pattern& p = patterns_[i];
    if (!enabled_[p.rule]) continue;
    switch (p.kind) {
      case PatternKind::kLiteral:
        c->literal[p.text].push_back(i);
        if (p.text.size() < c->literal_sizes.size()) {
          c->literal_sizes[p.text.size()] = true;
        } else {
          c->long_literals = true;
        }
        c->first_words.Add(std::string_view(p.text).substr(0, p.text.find(' ')));
        c->literal_max_words = std::max(
            c->literal_max_words, 1 + static_cast<int>(std::count(p.text.begin(), p.text.end(), ' ')));
        break;
      case PatternKind::kPrefix: {
        c->prefix[p.text].push_back(i);
        if (p.text.size() < c->prefix_sizes.size()) {
          c->prefix_sizes[p.text.size()] = true;
        } else {
          c->long_prefixes = true;
        }
        c->first_words.Add(std::string_view(p.text).substr(0, p.text.find(' ')));
        int words = 1 + static_cast<int>(std::count(p.text.begin(), p.text.end(), ' '));
        if (std::find(c->prefix_lengths.begin(), c->prefix_lengths.end(), words) ==
            c->prefix_lengths.end()) {
          c->prefix_lengths.push_back(words);
        }
        break;
      }
      case PatternKind::kContains:
        if (c->contains->Add(WordPhrase(p.text), nullptr) < 0) {
          throw Error(p.source, "cannot compile pattern");
        }
        c->contains_ids.push_back(i);
        if (!p.text.empty()) {
          Compiled::Phrase phrase{0, i, static_cast<std::uint32_t>(c->phrase_words.size()), 0};
          std::string_view rest = p.text;
          while (true) {
            const std::size_t space = rest.find(' ');
            c->phrase_words.push_back(HashWord(rest.substr(0, space), kWordSeed));
            if (space == std::string_view::npos) break;
            rest.remove_prefix(space + 1);
          }
          phrase.words_end = static_cast<std::uint32_t>(c->phrase_words.size());
          phrase.first = c->phrase_words[phrase.words_begin];
          c->phrases.push_back(phrase);
        }
        break;
      case PatternKind::kWords: {
        Compiled::Vocabulary v{i, {}, 0};
        std::string_view rest = p.text;
        std::uint32_t bit = 1;
        while (true) {
          const std::size_t bar = rest.find(" | ");
          std::string_view group = rest.substr(0, bar);
          while (!group.empty()) {
            const std::size_t space = group.find(' ');
            const std::uint64_t h = HashWord(group.substr(0, space), kWordSeed);
            v.groups[h] |= bit;
            c->vocabulary_gate[h >> 58] |= std::uint64_t{1} << ((h >> 52) & 63);
            if (space == std::string_view::npos) break;
            group.remove_prefix(space + 1);
          }
          if (bar == std::string_view::npos) break;
          v.required |= bit;
          bit <<= 1;
          rest.remove_prefix(bar + 3);
        }
        if (v.required == 0) v.required = 1;  // one group: any of its words
        c->vocabularies.push_back(std::move(v));
        break;
      }
      case PatternKind::kRegex: {
        std::string error;
        if (c->regex->Add(p.text, &error) < 0) {
          throw Error(p.source, "invalid regex: " + error);
        }
        c->regex_ids.push_back(i);
        break;
      }
    }
  }
  std::sort(c->prefix_lengths.begin(), c->prefix_lengths.end());
  std::sort(c->phrases.begin(), c->phrases.end(), [](const Compiled::Phrase& a, const Compiled::Phrase& b) {
    return a.first != b.first ? a.first < b.first : a.id < b.id;
  });
  c->phrase_at.assign((std::size_t{1} << Compiled::kPhraseBits) + 1, 0);
  for (const Compiled::Phrase& phrase : c->phrases) ++c->phrase_at[(phrase.first >> (64 - Compiled::kPhraseBits)) + 1];
  for (std::size_t b = 1; b < c->phrase_at.size(); ++b) c->phrase_at[b] += c->phrase_at[b - 1];
  // Patterns that do not fit one automaton together are matched one by
  // one (slower, and said once: split_automata()); a pattern that does not
  // fit one alone is refused (a contains pattern too, though its automaton
  // only holds it to the limit: MatchAll matches it by its words).
  c->contains_split = !c->contains_ids.empty() && !c->contains->Compile();
  c->regex_split = !c->regex_ids.empty() && !c->regex->Compile();
  if (c->contains_split || c->regex_split) {
    std::call_once(c->singles_built, [&] { BuildSingles(*c); });
  }
  if (!build && detail::PatternScanner::Possible() &&
      !(c->regex_ids.empty() && c->contains_ids.empty())) {
    std::vector<std::pair<int, std::string>> regexes, literals;
    AutomatonPatterns(&regexes, &literals);
    build = std::make_shared<detail::ScannerBuild>(std::move(regexes), std::move(literals),
                                                   scan_after_);
  }
  c->build = std::move(build);
  compiled_ = std::move(c);
  if (!errors_) errors_ = std::make_shared<Errors>(patterns_.size());
}

void RuleSet::AutomatonPatterns(std::vector<std::pair<int, std::string>>* regexes,
                                std::vector<std::pair<int, std::string>>* literals) const {
  regexes->clear();
  literals->clear();
  for (int i = 0; i < static_cast<int>(patterns_.size()); ++i) {
    const Pattern& p = patterns_[i];
    if (!enabled_[p.rule]) continue;
    if (p.kind == PatternKind::kRegex) regexes->emplace_back(i, p.text);
    if (p.kind == PatternKind::kContains) literals->emplace_back(i, p.text);
  }
}

void RuleSet::BuildSingles(Compiled& c) const {
  c.single.resize(patterns_.size());
  c.one.resize(patterns_.size());
  auto build = [&](int id, const std::string& pattern) {
    c.single[id] = std::make_unique<RE2::Set>(SetOptions(max_mem_), RE2::UNANCHORED);
    c.one[id] = std::make_unique<RE2>(pattern, SetOptions(max_mem_));
    if (c.single[id]->Add(pattern, nullptr) < 0 || !c.single[id]->Compile() || !c.one[id]->ok()) {
      throw Error(patterns_[id].source, names_[patterns_[id].rule] + ": the pattern's automaton does not fit "
                                        "in " + std::to_string(max_mem_) + " bytes (--regex-max-mem)");
    }
  };
  for (int id : c.contains_ids) build(id, WordPhrase(patterns_[id].text));
  for (int id : c.regex_ids) build(id, patterns_[id].text);
}

std::string RuleSet::split_automata() const {
  // (contains patterns are matched by their words whether their automaton
  // fits or not: only the regex patterns can be slowed down.)
  if (!compiled_ || !compiled_->regex_split) return "";
  return std::to_string(compiled_->regex_ids.size()) + " regex patterns";
}

std::unique_ptr<RuleSet> RuleSet::Clone() const {
  auto copy = std::make_unique<RuleSet>();
  copy->names_ = names_;
  copy->enabled_ = enabled_;
  copy->patterns_ = patterns_;
  copy->max_mem_ = max_mem_;
  copy->errors_ = errors_;  // one count over every thread's copy
  copy->scan_after_ = scan_after_;
  if (compiled_) copy->Freeze(compiled_->build);
  return copy;
}

std::vector<std::uint64_t> RuleSet::automaton_errors() const {
  std::vector<std::uint64_t> counts(patterns_.size());
  if (!errors_) return counts;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    counts[i] = errors_->per_pattern[i].load(std::memory_order_relaxed);
  }
  return counts;
}

std::uint64_t RuleSet::combined_automaton_errors() const {
  return errors_ ? errors_->combined.load(std::memory_order_relaxed) : 0;
}

int RuleSet::Match(std::string_view raw, const Normalized& norm) const {
  const RuleMatch m = MatchAll(raw, norm);
  int best = -1;
  for (int id : {m.drop, m.keep, m.feature}) {
    if (id >= 0 && (best < 0 || id < best)) best = id;
  }
  return best;
}

std::size_t LineScan::Find(std::size_t i) const {
  // Lines are asked about in order: most often the one after the last.
  if (next_ < lines_.size() && lines_[next_] == i) return next_++;
  const auto it = std::lower_bound(lines_.begin(), lines_.end(), i);
  if (it == lines_.end() || *it != i) return kNone;
  next_ = static_cast<std::size_t>(it - lines_.begin()) + 1;
  return next_ - 1;
}

void RuleSet::ScanLines(const Document& doc, std::size_t max_line_bytes, LineScan* scan) const {
  scan->lines_.clear();
  scan->next_ = 0;
  scan->ends_.clear();
  scan->ids_.clear();
  Compiled& c = *compiled_;
  if (c.regex_ids.empty() || !c.build) return;
  const detail::PatternScanner* scanner = c.build->Get(0);
  if (scanner == nullptr) return;
  std::call_once(c.prepared, [&] { Prepare(c, *scanner); });
  if (!c.scan_regexes || !c.scan_lines) return;
  // Blocks of lines: a document's scan needs no copy of all of it.
  constexpr std::size_t kBlock = std::size_t{64} << 10;
  std::string& text = scan->text_;
  std::vector<std::size_t>& starts = scan->starts_;
  auto& hits = scan->hits_;
  std::vector<std::uint32_t>& last = scan->last_;
  std::size_t block_first = 0;  // the block's first line in scan->lines_
  auto flush = [&] {
    if (starts.empty()) return;
    hits.clear();
    // A match of a line alone ends inside it or at its '\n' (the regexes
    // are multi-line): at or after its start, before the next line's.
    // A pattern that matches at every byte reports every byte: a line's
    // repeats are dropped as they come, so that memory stays a pair per
    // line and pattern.
    last.assign(patterns_.size(), LineScan::kNoLine);
    std::uint32_t k = 0;  // the line of the last match: ends come mostly in order
    const bool ok = scanner->ScanRegexEnds(text, [&](int id, std::size_t end) {
      if (end < starts[k] || (k + 1 < starts.size() && end >= starts[k + 1])) {
        k = static_cast<std::uint32_t>(
            std::upper_bound(starts.begin(), starts.end(), end) - starts.begin() - 1);
      }
      if (last[id] == k) return;
      last[id] = k;
      hits.emplace_back(k, id);
    });
    if (ok) {
      std::sort(hits.begin(), hits.end());
      hits.erase(std::unique(hits.begin(), hits.end()), hits.end());
      std::size_t h = 0;
      for (std::uint32_t k = 0; k < starts.size(); ++k) {
        for (; h < hits.size() && hits[h].first == k; ++h) scan->ids_.push_back(hits[h].second);
        scan->ends_.push_back(static_cast<std::uint32_t>(scan->ids_.size()));
      }
    } else {  // no scratch memory: these lines are matched alone
      scan->lines_.resize(block_first);
    }
    block_first = scan->lines_.size();
    text.clear();
    starts.clear();
  };
  for (std::size_t i = 0; i < doc.lines.size(); ++i) {
    const Line& line = doc.lines[i];
    // The lines MatchAll() is asked about, in UTF-8 (the scanner's input).
    if (line.blank || line.text.size() > max_line_bytes ||
        !simdjson::validate_utf8(line.text.data(), line.text.size())) {
      continue;
    }
    starts.push_back(text.size());
    scan->lines_.push_back(static_cast<std::uint32_t>(i));
    text.append(line.text);
    text.push_back('\n');
    if (text.size() >= kBlock) flush();
  }
  flush();
  if (text.capacity() > 4 * kBlock) std::string().swap(text);  // after a huge line
}

RuleMatch RuleSet::MatchAll(std::string_view raw, const Normalized& norm) const {
  return MatchAll(raw, norm, nullptr, 0, nullptr);
}

RuleMatch RuleSet::MatchAll(std::string_view raw, const Normalized& norm, const LineScan& scan,
                            std::size_t line, const std::uint64_t* word_hashes) const {
  return MatchAll(raw, norm, &scan, line, word_hashes);
}

RuleMatch RuleSet::MatchAll(std::string_view raw, const Normalized& norm, const LineScan* scan,
                            std::size_t line, const std::uint64_t* word_hashes) const {
  Compiled& c = *compiled_;  // its fallback automata are built on first need
  const int words = static_cast<int>(norm.words.size());
  const detail::PatternScanner* scanner = c.build ? c.build->Get(raw.size()) : nullptr;
  if (scanner != nullptr) std::call_once(c.prepared, [&] { Prepare(c, *scanner); });
  RuleMatch best;  // lowest pattern index that matches, per action
  auto consider = [&](int id) {
    const Pattern& p = patterns_[id];
    if (p.max_words != 0 && words > p.max_words) return;
    int& slot = p.action == PatternAction::kDrop   ? best.drop
                : p.action == PatternAction::kKeep ? best.keep
                                                   : best.feature;
    if (slot < 0 || id < slot) slot = id;
  };
  thread_local std::vector<int> hits;  // RE2::Set's matches, memory reused
  // Searches `text` with `set` (the patterns `ids`); see Match() for what
  // happens when the automaton runs out of memory.
  auto search = [&](const RE2::Set& set, bool split, const std::vector<int>& ids,
                    std::string_view text) {
    RE2::Set::ErrorInfo info{RE2::Set::kNoError};
    if (!split) {
      // Most lines match nothing: asking without a match list first spares
      // RE2 allocating one per call.
      if (set.Match(text, nullptr, &info) && set.Match(text, &hits, &info)) {
        for (int h : hits) consider(ids[h]);
        return;
      }
      if (info.kind == RE2::Set::kNoError) return;
      // The patterns were checked one by one when they were compiled
      // together, so this cannot fail (each is compiled again here).
      std::call_once(c.singles_built, [&] { BuildSingles(c); });
    }
    bool blamed = false;
    for (int id : ids) {
      RE2::Set::ErrorInfo one_info{RE2::Set::kNoError};
      if (c.single[id]->Match(text, nullptr, &one_info)) {
        consider(id);
      } else if (one_info.kind != RE2::Set::kNoError) {
        errors_->per_pattern[id].fetch_add(1, std::memory_order_relaxed);
        blamed = true;
        if (RE2::PartialMatch(text, *c.one[id])) consider(id);
      }
    }
    if (!blamed && !split) errors_->combined.fetch_add(1, std::memory_order_relaxed);
  };
  if (words > 0) {
    // A line whose first word starts no literal or prefix pattern matches
    // none of them: one look-up instead of one per pattern length.
    const auto& first = norm.words[0];
    const bool known_start =
        c.first_words.MayHold(std::string_view(norm.text).substr(first.begin, first.size));
    const std::size_t size = norm.text.size();
    if (known_start && words <= c.literal_max_words &&
        (size < c.literal_sizes.size() ? c.literal_sizes[size] : c.long_literals)) {
      if (auto it = c.literal.find(std::string_view(norm.text)); it != c.literal.end()) {
        for (int id : it->second) consider(id);
      }
    }
    for (int n : c.prefix_lengths) {
      if (n > words || !known_start) break;
      const auto& last = norm.words[n - 1];
      std::string_view key(norm.text.data(), last.begin + last.size);
      if (!(key.size() < c.prefix_sizes.size() ? c.prefix_sizes[key.size()] : c.long_prefixes)) continue;
      if (auto it = c.prefix.find(key); it != c.prefix.end()) {
        for (int id : it->second) consider(id);
      }
    }
    thread_local std::vector<std::uint64_t> own_hashes;
    if (word_hashes == nullptr && (!c.phrases.empty() || !c.vocabularies.empty())) {
      own_hashes.clear();
      for (int w = 0; w < words; ++w) own_hashes.push_back(HashWord(norm.word(w), kWordSeed));
      word_hashes = own_hashes.data();
    }
    // A words pattern: every word in its vocabulary, every group but the
    // last met. Words are tried from the last, which in prose is seldom a
    // function word, and first against the gate: most lines fail there.
    if (!c.vocabularies.empty()) {
      auto gated = [&](std::uint64_t h) {
        return (c.vocabulary_gate[h >> 58] >> ((h >> 52) & 63)) & 1;
      };
      bool all_gated = true;
      for (int w = words - 1; w >= 0 && all_gated; --w) all_gated = gated(word_hashes[w]);
      for (std::size_t k = 0; all_gated && k < c.vocabularies.size(); ++k) {
        const Compiled::Vocabulary& v = c.vocabularies[k];
        const int max_words = patterns_[v.id].max_words;
        if (max_words != 0 && words > max_words) continue;
        std::uint32_t seen = 0;
        int w = words - 1;
        for (; w >= 0; --w) {
          const auto it = v.groups.find(word_hashes[w]);
          if (it == v.groups.end()) break;
          seen |= it->second;
        }
        if (w < 0 && (seen & v.required) == v.required) consider(v.id);
      }
    }
    if (!c.phrases.empty()) {
      // A phrase counts where it starts and ends at word boundaries of the
      // normalised text (words joined by single spaces), as WordPhrase()
      // says to RE2: where its words are words of the line in a row.
      const std::string_view text = norm.text;
      for (int w = 0; w < words; ++w) {
        const std::uint64_t h = word_hashes[w];
        const std::size_t bucket = h >> (64 - Compiled::kPhraseBits);
        const std::uint32_t end = c.phrase_at[bucket + 1];
        for (auto it = c.phrases.begin() + c.phrase_at[bucket]; it != c.phrases.begin() + end; ++it) {
          if (it->first != h) continue;
          const std::uint32_t n = it->words_end - it->words_begin;
          if (static_cast<std::uint32_t>(words - w) < n ||
              !std::equal(c.phrase_words.begin() + it->words_begin + 1,
                          c.phrase_words.begin() + it->words_end, word_hashes + w + 1)) {
            continue;
          }
          const std::string& phrase = patterns_[it->id].text;
          const auto& last = norm.words[static_cast<std::size_t>(w) + n - 1];
          const std::size_t begin = norm.words[w].begin;
          if (last.begin + last.size - begin == phrase.size() &&
              text.compare(begin, phrase.size(), phrase) == 0) {
            consider(it->id);
          }
        }
      }
    }
  }
  if (c.regex_ids.empty()) return best;
  // Regexes read a line as it reads: with its HTML character references
  // as the characters they spell ("Photo&#58; AFP" is "Photo: AFP"), as
  // the other kinds see them in the normalised line. Such a line is
  // scanned alone (the document's scan saw its raw bytes).
  thread_local std::string decoded;
  std::string_view text = raw;
  bool references = false;
  if (raw.find('&') != std::string_view::npos && DecodeCharacterReferences(raw, &decoded)) {
    text = decoded;
    references = true;
  }
  // The regexes the scanner says may match: from the document's scan, or
  // from a scan of this line.
  thread_local std::vector<int> line_ids;
  const int* candidates = nullptr;
  std::size_t count = 0;
  bool have = false;
  const std::size_t at = scan != nullptr && !references ? scan->Find(line) : LineScan::kNone;
  if (at != LineScan::kNone) {
    const std::uint32_t first = at == 0 ? 0 : scan->ends_[at - 1];
    candidates = scan->ids_.data() + first;
    count = scan->ends_[at] - first;
    have = true;
  } else if (scanner != nullptr && c.scan_regexes &&
             simdjson::validate_utf8(text.data(), text.size())) {
    line_ids.clear();
    have = scanner->ScanRegexes(text, &line_ids);
    candidates = line_ids.data();
    count = line_ids.size();
  }
  if (have) {
    for (std::size_t k = 0; k < count; ++k) {
      const int id = candidates[k];
      if (!c.confirm[id]) continue;  // matched by `rest`
      // Only a match that could change the result is confirmed.
      const Pattern& p = patterns_[id];
      if (p.max_words != 0 && words > p.max_words) continue;
      const int slot = p.action == PatternAction::kDrop   ? best.drop
                       : p.action == PatternAction::kKeep ? best.keep
                                                          : best.feature;
      if (slot >= 0 && slot < id) continue;
      if (RE2::PartialMatch(text, *c.confirm[id])) consider(id);
    }
    if (!c.rest_ids.empty()) search(*c.rest, c.rest_split, c.rest_ids, text);
    return best;
  }
  search(*c.regex, c.regex_split, c.regex_ids, text);
  return best;
}

}  // namespace winnow
