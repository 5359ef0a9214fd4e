#include "winnow/rules.hpp"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <charconv>
#include <unordered_map>
#include <unordered_set>

#include "winnow/error.hpp"

namespace winnow {

// Hashes std::string keys and looks them up by std::string_view, so a
// line's words are looked up without building a string.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const {
    return std::hash<std::string_view>()(s);
  }
};

struct RuleSet::Compiled {
  // literal and prefix patterns, keyed by normalised text.
  std::unordered_map<std::string, std::vector<int>, StringHash, std::equal_to<>> literal;
  std::unordered_map<std::string, std::vector<int>, StringHash, std::equal_to<>> prefix;
  std::vector<int> prefix_lengths;  // distinct word counts of prefixes
  // The first words of all literal and prefix patterns: a line whose first
  // word is not one of them matches none, which one look-up tells.
  std::unordered_set<std::string, StringHash, std::equal_to<>> first_words;
  int literal_max_words = 0;
  // contains patterns run as one automaton over the normalised text;
  // regex patterns as one automaton over the raw line.
  std::unique_ptr<RE2::Set> contains;
  std::vector<int> contains_ids;
  std::unique_ptr<RE2::Set> regex;
  std::vector<int> regex_ids;
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

RE2::Options SetOptions() {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(64 << 20);
  return options;
}

// Escapes a normalised phrase for RE2, anchored at word boundaries of the
// normalised text (where words are separated by single spaces).
std::string WordPhrase(std::string_view normalised) {
  return "(?:^| )" + RE2::QuoteMeta(std::string(normalised)) + "(?: |$)";
}

}  // namespace

RuleSet::RuleSet() = default;
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
    } else {
      throw Error(where, "unknown kind '" + std::string(kind_name) +
                             "' (expected literal, prefix, contains or regex)");
    }
    if (p.kind == PatternKind::kRegex) {
      RE2 re(std::string(pattern), SetOptions());
      if (!re.ok()) throw Error(where, "invalid regex: " + re.error());
      p.text = std::string(pattern);
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

void RuleSet::Freeze() {
  auto c = std::make_unique<Compiled>();
  c->contains = std::make_unique<RE2::Set>(SetOptions(), RE2::UNANCHORED);
  c->regex = std::make_unique<RE2::Set>(SetOptions(), RE2::UNANCHORED);
  for (int i = 0; i < static_cast<int>(patterns_.size()); ++i) {
    const Pattern& p = patterns_[i];
    if (!enabled_[p.rule]) continue;
    switch (p.kind) {
      case PatternKind::kLiteral:
        c->literal[p.text].push_back(i);
        c->first_words.emplace(p.text.substr(0, p.text.find(' ')));
        c->literal_max_words = std::max(
            c->literal_max_words, 1 + static_cast<int>(std::count(p.text.begin(), p.text.end(), ' ')));
        break;
      case PatternKind::kPrefix: {
        c->prefix[p.text].push_back(i);
        c->first_words.emplace(p.text.substr(0, p.text.find(' ')));
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
        break;
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
  if (!c->contains_ids.empty() && !c->contains->Compile()) {
    throw Error("rules", "contains patterns exceed the automaton memory budget");
  }
  if (!c->regex_ids.empty() && !c->regex->Compile()) {
    throw Error("rules", "regex patterns exceed the automaton memory budget");
  }
  compiled_ = std::move(c);
}

std::unique_ptr<RuleSet> RuleSet::Clone() const {
  auto copy = std::make_unique<RuleSet>();
  copy->names_ = names_;
  copy->enabled_ = enabled_;
  copy->patterns_ = patterns_;
  if (compiled_) copy->Freeze();
  return copy;
}

int RuleSet::Match(std::string_view raw, const Normalized& norm) const {
  const RuleMatch m = MatchAll(raw, norm);
  int best = -1;
  for (int id : {m.drop, m.keep, m.feature}) {
    if (id >= 0 && (best < 0 || id < best)) best = id;
  }
  return best;
}

RuleMatch RuleSet::MatchAll(std::string_view raw, const Normalized& norm) const {
  const Compiled& c = *compiled_;
  const int words = static_cast<int>(norm.words.size());
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
  if (words > 0) {
    // A line whose first word starts no literal or prefix pattern matches
    // none of them: one look-up instead of one per pattern length.
    const auto& first = norm.words[0];
    const bool known_start = c.first_words.find(std::string_view(norm.text).substr(
                                 first.begin, first.size)) != c.first_words.end();
    if (known_start && words <= c.literal_max_words) {
      if (auto it = c.literal.find(std::string_view(norm.text)); it != c.literal.end()) {
        for (int id : it->second) consider(id);
      }
    }
    for (int n : c.prefix_lengths) {
      if (n > words || !known_start) break;
      const auto& last = norm.words[n - 1];
      std::string_view key(norm.text.data(), last.begin + last.size);
      if (auto it = c.prefix.find(key); it != c.prefix.end()) {
        for (int id : it->second) consider(id);
      }
    }
    if (!c.contains_ids.empty()) {
      // Most lines match nothing: asking without a match list first
      // spares RE2 allocating one per call.
      if (c.contains->Match(norm.text, nullptr) && c.contains->Match(norm.text, &hits)) {
        for (int h : hits) consider(c.contains_ids[h]);
      }
    }
  }
  if (!c.regex_ids.empty()) {
    if (c.regex->Match(raw, nullptr) && c.regex->Match(raw, &hits)) {
      for (int h : hits) consider(c.regex_ids[h]);
    }
  }
  return best;
}

}  // namespace winnow
