#include "winnow/line_words.hpp"

#include "winnow/hashing.hpp"
#include "winnow/line_features.hpp"
#include "winnow/shingle.hpp"

namespace winnow {

void LineWords::Reset(std::size_t lines) {
  hashes.clear();
  begin.assign(1, 0);
  begin.reserve(lines + 1);
  count.clear();
  count.reserve(lines);
  analysed.clear();
  analysed.reserve(lines);
  tokens.clear();
  token_begin.clear();
}

void LineWords::AddLine(std::string_view raw, const Normalized* norm) {
  if (norm != nullptr) {
    HashWords(*norm, kWordSeed, &hashes);
    count.push_back(CountWords(raw, *norm));
    if (!split_tokens() && HasUnspacedScript(norm->text)) {
      // The first such line: the lines before it have their words as tokens.
      const std::size_t before = begin.back();
      tokens.assign(hashes.begin(), hashes.begin() + static_cast<std::ptrdiff_t>(before));
      token_begin = begin;
    }
    if (split_tokens()) HashTokens(*norm, kWordSeed, &tokens);
  } else {
    count.push_back(0);
  }
  analysed.push_back(norm != nullptr);
  begin.push_back(static_cast<std::uint32_t>(hashes.size()));
  if (split_tokens()) token_begin.push_back(static_cast<std::uint32_t>(tokens.size()));
}

void AnalyseLines(const Document& doc, std::size_t max_line_bytes, LineWords* words) {
  words->Reset(doc.lines.size());
  Normalized norm;
  for (const Line& line : doc.lines) {
    if (line.blank || line.text.size() > max_line_bytes) {
      words->AddLine(line.text, nullptr);
      continue;
    }
    Normalize(line.text, &norm);
    words->AddLine(line.text, &norm);
  }
}

}  // namespace winnow
