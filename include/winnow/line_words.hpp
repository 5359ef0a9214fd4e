// Per-line analysis: each line of a document normalised and its words
// hashed once (normalize.hpp, shingle.hpp), for every stage after it to
// read (the line features, paragraph and document deduplication, the
// repeated-line counts), so that no text is normalised twice. The line
// filter fills it as it judges the lines (it needs the same normalised
// text); AnalyseLines fills it alone for runs without line rules.
#ifndef WINNOW_LINE_WORDS_HPP_
#define WINNOW_LINE_WORDS_HPP_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "winnow/document.hpp"
#include "winnow/normalize.hpp"

namespace winnow {

struct LineWords {
  // HashWord(word, kWordSeed) of every word, line after line: line i's
  // words are hashes[begin[i], begin[i + 1]).
  std::vector<std::uint64_t> hashes;
  std::vector<std::uint32_t> begin;
  std::vector<int> count;          // per line: CountWords() (line_features.hpp)
  // Per line: false for blank lines and lines over max_line_bytes, which
  // were not normalised (their hashes are empty).
  std::vector<bool> analysed;
  // The lines' shingle tokens (HashTokens with kWordSeed, shingle.hpp), for
  // paragraph and document deduplication: line i's are
  // tokens[token_begin[i], token_begin[i + 1]). They differ from the words
  // only in scripts written without word spaces, so both stay empty until
  // such a line comes (then the lines before it are copied in): until then
  // every line's tokens are its words.
  std::vector<std::uint64_t> tokens;
  std::vector<std::uint32_t> token_begin;

  void Reset(std::size_t lines);
  // Appends the next line (in order); `norm` null for a line not analysed.
  void AddLine(std::string_view raw, const Normalized* norm);
  std::size_t words(std::size_t line) const { return begin[line + 1] - begin[line]; }
  const std::uint64_t* words_of(std::size_t line) const { return hashes.data() + begin[line]; }
  bool split_tokens() const { return !token_begin.empty(); }
  std::size_t tokens_in(std::size_t line) const {
    return split_tokens() ? token_begin[line + 1] - token_begin[line] : words(line);
  }
  const std::uint64_t* tokens_of(std::size_t line) const {
    return split_tokens() ? tokens.data() + token_begin[line] : words_of(line);
  }
};

// Fills `*words` for every line of `doc` without judging them (for runs
// without line rules); lines over max_line_bytes are not analysed.
void AnalyseLines(const Document& doc, std::size_t max_line_bytes, LineWords* words);

}  // namespace winnow

#endif  // WINNOW_LINE_WORDS_HPP_
