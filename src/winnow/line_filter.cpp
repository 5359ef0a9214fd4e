#include "winnow/line_filter.hpp"

#include <algorithm>

#include "winnow/hashing.hpp"
#include "winnow/shingle.hpp"

namespace winnow {
namespace {

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

bool EndsWithColon(std::string_view text) {
  std::size_t end = text.size();
  while (end > 0 && (text[end - 1] == ' ' || text[end - 1] == '\t')) --end;
  if (end == 0) return false;
  if (text[end - 1] == ':') return true;
  // Fullwidth colon U+FF1A.
  return end >= 3 && text.substr(end - 3, 3) == "\xEF\xBC\x9A";
}

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

int LineFilter::UrlWords(std::string_view text) {
  // A URL is one word to a reader, however many it normalises to.
  int extra = 0;
  std::size_t pos = 0;
  while ((pos = text.find("://", pos)) != std::string_view::npos) {
    std::size_t begin = pos;
    while (begin > 0 && text[begin - 1] != ' ' && text[begin - 1] != '\t') --begin;
    std::size_t end = pos;
    while (end < text.size() && text[end] != ' ' && text[end] != '\t') ++end;
    Normalize(text.substr(begin, end - begin), &url_scratch_);
    extra += std::max(0, CountWords(url_scratch_) - 1);
    pos = end;
  }
  return extra;
}

void LineWords::Reset(std::size_t lines) {
  hashes.clear();
  begin.assign(1, 0);
  begin.reserve(lines + 1);
  count.clear();
  count.reserve(lines);
  analysed.clear();
  analysed.reserve(lines);
}

void LineWords::AddLine(const Normalized* norm) {
  if (norm != nullptr) {
    HashWords(*norm, kWordSeed, &hashes);
    count.push_back(CountWords(*norm));
  } else {
    count.push_back(0);
  }
  analysed.push_back(norm != nullptr);
  begin.push_back(static_cast<std::uint32_t>(hashes.size()));
}

void AnalyseLines(const Document& doc, std::size_t max_line_bytes, LineWords* words) {
  words->Reset(doc.lines.size());
  Normalized norm;
  for (const Line& line : doc.lines) {
    if (line.blank || line.text.size() > max_line_bytes) {
      words->AddLine(nullptr);
      continue;
    }
    Normalize(line.text, &norm);
    words->AddLine(&norm);
  }
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
  switch (id - pattern_rules_) {
    case kBuiltinNoTerminalPunct:
      return kRuleNoTerminalPunct;
    case kBuiltinTooShort:
      return kRuleTooShort;
    default:
      return kRuleBoilerplateBlock;
  }
}

void LineFilter::Judge(const Document& doc, std::vector<int>* verdicts,
                       LineWords* line_words) {
  const std::size_t n = doc.lines.size();
  if (line_words) line_words->Reset(n);
  verdicts->assign(n, -1);
  cls_.assign(n, Class::kBlank);
  weak_rule_.assign(n, -1);
  words_.assign(n, 0);
  forced_.assign(n, false);
  forced_rule_.assign(n, -1);
  std::vector<int>& v = *verdicts;
  double body_words = 0, weak_words = 0;
  int body_lines = 0, weak_lines = 0;

  // 1. Each line on its own: a pattern, body, or weak.
  for (std::size_t i = 0; i < n; ++i) {
    const Line& line = doc.lines[i];
    if (line.blank || line.text.size() > config_.max_line_bytes) {
      if (line_words) line_words->AddLine(nullptr);
    }
    if (line.blank) continue;
    if (line.text.size() > config_.max_line_bytes) {
      // Too long to analyse (a binary blob, a minified script): it stays,
      // as body, unjudged; the limit keeps time and memory bounded.
      cls_[i] = Class::kBody;
      ++body_lines;
      continue;
    }
    Normalize(line.text, &norm_);
    if (line_words) line_words->AddLine(&norm_);
    if (rules_) {
      const int p = rules_->Match(line.text, norm_);
      if (p >= 0) {
        cls_[i] = Class::kBad;
        v[i] = rules_->patterns()[p].rule;
        if (rules_->patterns()[p].list) DropListUnder(doc, i, v[i]);
        continue;
      }
    }
    if (forced_[i]) {  // listed under a "+list" heading above
      cls_[i] = Class::kBad;
      v[i] = forced_rule_[i];
      continue;
    }
    const int words = CountWords(norm_) - UrlWords(line.text);
    words_[i] = words;
    const bool closed = EndsWithClosingPunctuation(line.text) ||
                        (config_.colon_closes && EndsWithColon(line.text));
    int rule = -1;
    if (!closed && config_.no_terminal_punct) {
      rule = pattern_rules_ + kBuiltinNoTerminalPunct;
    } else if (words < config_.min_words && config_.too_short) {
      rule = pattern_rules_ + kBuiltinTooShort;
    }
    if (rule < 0 || (closed && words >= config_.min_words) ||
        words >= config_.long_words) {
      cls_[i] = Class::kBody;
      ++body_lines;
      body_words += words;
      continue;
    }
    cls_[i] = Class::kWeak;
    weak_rule_[i] = rule;
    weak_words += words;
    ++weak_lines;
    // A sentence that lost its full stop reads as a photo caption.
    if (!closed && words >= config_.caption_words) caption_candidate_.push_back(i);
  }

  // 2. Lines under a "+list" heading were marked while matching (forced_);
  //    a caption stands alone: next to other weak lines it is a list item.
  std::size_t title = 0;  // the first non-blank line
  while (title < n && cls_[title] == Class::kBlank) ++title;
  for (std::size_t i : caption_candidate_) {
    if (config_.keep_title && i == title) continue;
    std::size_t before = i, after = i + 1;
    while (before > 0 && cls_[before - 1] == Class::kBlank) --before;
    while (after < n && cls_[after] == Class::kBlank) ++after;
    const bool listed = (before > 0 && cls_[before - 1] == Class::kWeak) ||
                        (after < n && cls_[after] == Class::kWeak);
    if (!listed) forced_[i] = true;
  }
  caption_candidate_.clear();

  // 3. A page whose prose is a small share of its words is a listing: its
  //    weak lines are its content.
  const bool listing =
      weak_lines > 0 && weak_words >= config_.listing_line_words * weak_lines &&
      (body_lines < config_.min_body_lines ||
       body_words < config_.min_prose_share * (body_words + weak_words));

  // A block (paragraph) with more pattern lines than other lines is a
  // boilerplate block (a member card, a sign-up box, a signature above the
  // Quote/Reply buttons): its other short lines go with them. Not on
  // listings, where a product card is a name and a price among buttons.
  if (config_.boilerplate_block && !listing) {
    const int rule = pattern_rules_ + kBuiltinBoilerplateBlock;
    for (const Paragraph& para : doc.paragraphs) {
      int other = 0, bad = 0;
      for (std::uint32_t k = para.first; k < para.end; ++k) {
        other += cls_[k] == Class::kWeak || cls_[k] == Class::kBody;
        bad += cls_[k] == Class::kBad;
      }
      if (bad <= other) continue;
      for (std::uint32_t k = para.first; k < para.end; ++k) {
        if ((cls_[k] == Class::kWeak || cls_[k] == Class::kBody) &&
            words_[k] < config_.long_words) {
          cls_[k] = Class::kBad;
          v[k] = rule;
        }
      }
    }
  }

  // 4. Runs of weak lines (blank lines do not break a run, pattern lines
  //    count in it) are judged by their neighbours.
  bool body_before = false;
  std::size_t i = 0;
  while (i < n) {
    if (cls_[i] == Class::kBody) body_before = true;
    if (cls_[i] != Class::kWeak && cls_[i] != Class::kBad) {
      ++i;
      continue;
    }
    std::size_t j = i;
    int weak = 0;
    long run_words = 0;
    while (j < n && cls_[j] != Class::kBody) {
      if (cls_[j] == Class::kWeak) ++weak, run_words += words_[j];
      ++j;
    }
    const bool body_after = j < n;
    // A list of several multi-word items next to prose is content (search
    // results, job boards, an article's own lists); menus are one or two
    // words a line.
    const bool list = weak >= 3 && run_words >= config_.list_words * weak;
    const bool rescued = listing ||
                         (body_before && body_after && weak <= config_.max_run) ||
                         (list && (body_before || body_after));
    for (std::size_t k = i; k < j; ++k) {
      if (cls_[k] != Class::kWeak) continue;
      if (forced_[k]) {
        v[k] = forced_rule_[k] >= 0 ? forced_rule_[k] : weak_rule_[k];
      } else if (!rescued) {
        v[k] = weak_rule_[k];
      }
    }
    i = j;
  }

  // 5. The page title: a weak first line standing alone is the title, kept
  //    unless a pattern or a forced rule said otherwise.
  if (config_.keep_title && title < n && cls_[title] == Class::kWeak &&
      !forced_[title] && (title + 1 == n || doc.lines[title + 1].blank) &&
      body_lines > 0) {
    v[title] = -1;
  }
}

void LineFilter::DropListUnder(const Document& doc, std::size_t heading, int rule) {
  // The lines after the heading in its own paragraph; or, when the heading
  // ends its paragraph, the next paragraph. The list stops at the first line
  // that reads as body text.
  const std::size_t n = doc.lines.size();
  bool own_paragraph = true;  // still in the heading's block
  bool listed = false;        // forced a line already
  for (std::size_t k = heading + 1; k < n; ++k) {
    if (doc.lines[k].blank) {
      if (listed) break;
      own_paragraph = false;
      continue;
    }
    Normalize(doc.lines[k].text, &scratch_);
    const int words = CountWords(scratch_) - UrlWords(doc.lines[k].text);
    const bool closed = EndsWithClosingPunctuation(doc.lines[k].text);
    // In the heading's own block every line but a long one is an item (a
    // linked headline may well end in '?'); below it, the list ends at the
    // first line that reads as body text.
    if (words >= config_.long_words) break;
    if (!own_paragraph && closed && words >= config_.min_words) break;
    forced_[k] = true;
    forced_rule_[k] = rule;
    listed = true;
  }
}

}  // namespace winnow
