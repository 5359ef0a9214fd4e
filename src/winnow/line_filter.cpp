#include "winnow/line_filter.hpp"

namespace winnow {
namespace {

enum class Class : unsigned char { kBlank, kBad, kBody, kWeak };

// Characters that close a sentence, in the scripts winnow meets most.
bool IsClosingPunctuation(char32_t c) {
  switch (c) {
    case '.': case '!': case '?': case '"': case '\'':
    case 0x201D:  // ”
    case 0x2019:  // ’
    case 0x00BB:  // »
    case 0x3002:  // 。
    case 0xFF01:  // ！
    case 0xFF1F:  // ？
    case 0xFF61:  // ｡
    case 0x061F:  // ؟
    case 0x06D4:  // ۔
    case 0x0964:  // ।
    case 0x0965:  // ॥
    case 0x1362:  // ።
    case 0x203C:  // ‼
    case 0x2047: case 0x2048: case 0x2049:
      return true;
    default:
      return false;
  }
}

bool IsTrailingCloser(char32_t c) {
  return c == ')' || c == ']' || c == '}' || c == ' ' || c == '\t' ||
         c == '\r' || c == 0xFF09 || c == 0x300D || c == 0x300F ||
         c == 0x00A0 || c == '*';
}

// Decodes the code point that ends at s[end-1], moving `end` to its start.
char32_t PreviousCodePoint(std::string_view s, std::size_t* end) {
  std::size_t start = *end - 1;
  while (start > 0 && *end - start < 4 &&
         (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) {
    --start;
  }
  std::size_t pos = start;
  char32_t c = DecodeUtf8(s, &pos);
  if (pos != *end) {  // not a clean sequence: step one byte
    *end -= 1;
    return 0xFFFD;
  }
  *end = start;
  return c;
}

}  // namespace

bool EndsWithClosingPunctuation(std::string_view text) {
  std::size_t end = text.size();
  char32_t c = 0;
  while (end > 0) {
    c = PreviousCodePoint(text, &end);
    if (!IsTrailingCloser(c)) break;
    c = 0;
  }
  if (c == 0 || !IsClosingPunctuation(c)) return false;
  if (c == '.') {
    // "..." is a cut-off teaser, not the end of a sentence.
    std::size_t e = end;
    int dots = 1;
    while (e > 0 && text[e - 1] == '.') --e, ++dots;
    if (dots >= 3) return false;
  }
  return true;
}

int CountWords(const Normalized& norm) {
  const int cjk = static_cast<int>(norm.cjk_words);
  return static_cast<int>(norm.words.size()) - cjk + (cjk + 1) / 2;
}

LineFilter::LineFilter(const RuleSet* rules, const LineFilterConfig& config)
    : rules_(rules),
      config_(config),
      pattern_rules_(rules ? static_cast<int>(rules->names().size()) : 0) {}

std::string_view LineFilter::RuleName(int id) const {
  if (id < pattern_rules_) return rules_->names()[id];
  return id - pattern_rules_ == kBuiltinNoTerminalPunct ? kRuleNoTerminalPunct
                                                        : kRuleTooShort;
}

void LineFilter::Judge(const Document& doc, std::vector<int>* verdicts) {
  const std::size_t n = doc.lines.size();
  verdicts->assign(n, -1);
  std::vector<Class> cls(n, Class::kBlank);
  std::vector<int> weak_rule(n, -1);  // the built-in rule a weak line fails
  std::vector<int> weak_words(n, 0);
  std::vector<bool> caption(n, false);
  int body_lines = 0;
  double body_words = 0, weak_words_total = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const Line& line = doc.lines[i];
    if (line.blank) continue;
    Normalize(line.text, &norm_);
    if (rules_) {
      int rule = rules_->Match(line.text, norm_);
      if (rule >= 0) {
        cls[i] = Class::kBad;
        (*verdicts)[i] = rule;
        continue;
      }
    }
    const int words = CountWords(norm_);
    const bool closed = EndsWithClosingPunctuation(line.text);
    if ((closed && words >= config_.min_words) || words >= config_.long_words) {
      cls[i] = Class::kBody;
      ++body_lines;
      body_words += words;
      continue;
    }
    int rule = -1;
    if (!closed && config_.no_terminal_punct) {
      rule = pattern_rules_ + kBuiltinNoTerminalPunct;
    } else if (words < config_.min_words && config_.too_short) {
      rule = pattern_rules_ + kBuiltinTooShort;
    }
    if (rule < 0) {
      cls[i] = Class::kBody;  // the rules it fails are switched off
      ++body_lines;
      continue;
    }
    cls[i] = Class::kWeak;
    weak_rule[i] = rule;
    weak_words[i] = words;
    weak_words_total += words;
    if (!closed && words >= config_.caption_words) caption[i] = true;
  }
  // A caption is a sentence that lost its full stop, standing alone: a long
  // unpunctuated line next to other such lines is a list item instead.
  for (std::size_t i = 0; i < n; ++i) {
    if (!caption[i]) continue;
    const bool listed = (i > 0 && cls[i - 1] == Class::kWeak) ||
                        (i + 1 < n && cls[i + 1] == Class::kWeak);
    if (!listed) (*verdicts)[i] = weak_rule[i];
  }
  if (body_lines < config_.min_body_lines ||
      body_words < config_.min_prose_share * (body_words + weak_words_total)) {
    for (std::size_t i = 0; i < n; ++i) {
      if (cls[i] == Class::kWeak) (*verdicts)[i] = -1;
    }
    return;
  }

  // Runs of weak lines (blank and bad lines do not break a run) survive when
  // body lines stand on both sides and the run is short enough.
  bool body_before = false;
  std::size_t i = 0;
  while (i < n) {
    if (cls[i] != Class::kWeak) {
      body_before = body_before || cls[i] == Class::kBody;
      ++i;
      continue;
    }
    std::size_t j = i;
    int run = 0;
    long run_words = 0;
    while (j < n && cls[j] != Class::kBody) {
      if (cls[j] == Class::kWeak) ++run, run_words += weak_words[j];
      ++j;
    }
    const bool body_after = j < n;
    // A list of several multi-word items next to prose is content (search
    // results, job boards, link lists of an article); menus are one or two
    // words a line.
    const bool list = run >= 3 && run_words >= config_.list_words * run;
    const bool rescued = (body_before && body_after && run <= config_.max_run) ||
                         (list && (body_before || body_after));
    for (std::size_t k = i; k < j; ++k) {
      if (cls[k] != Class::kWeak) continue;
      if (!rescued) (*verdicts)[k] = weak_rule[k];
    }
    i = j;
  }
}

}  // namespace winnow
