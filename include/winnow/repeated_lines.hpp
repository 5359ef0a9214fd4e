// Site-wide repeated lines: a line that recurs across many documents of a
// stream (a menu, a footer, "Ir al contenido", cookie text) is boilerplate.
//
// Each document contributes the distinct normalised forms of its eligible
// lines once. A count-min sketch (4 rows of 2^20 16-bit counters, 8 MiB,
// conservative update) counts in how many documents each form has been
// seen; its estimates are never below the truth and, with conservative
// update, rarely above it for the forms that matter. Once a form has been
// seen in `min_documents` earlier documents, its later occurrences are
// dropped.
//
// Eligible lines are chosen so that real sentences quoted in many documents
// are not lost: a line is eligible only if it has at most `max_words` words
// and does not read as a sentence (it lacks closing punctuation, or has
// fewer than `sentence_words` words). A ten-word quotation with a full stop
// is never counted, however often it recurs.
#ifndef WINNOW_REPEATED_LINES_HPP_
#define WINNOW_REPEATED_LINES_HPP_

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace winnow {

struct RepeatedLinesConfig {
  std::uint32_t min_documents = 10;
  int max_words = 12;
  int sentence_words = 5;
  int log2_width = 20;
};

class RepeatedLines {
 public:
  explicit RepeatedLines(const RepeatedLinesConfig& config);

  // Whether a line with these features is counted at all.
  bool Eligible(int words, bool closed) const;

  // How many earlier documents have had the form `key`.
  std::uint32_t Seen(std::uint64_t key) const;
  bool Repeated(std::uint64_t key) const { return Seen(key) >= config_.min_documents; }

  // Counts one document with these distinct keys (duplicates are ignored).
  void AddDocument(std::vector<std::uint64_t>* keys);

  const RepeatedLinesConfig& config() const { return config_; }
  // The counters, for saving and loading (same configuration only).
  const std::vector<std::uint16_t>& counts() const { return counts_; }
  void set_counts(std::vector<std::uint16_t> counts) { counts_ = std::move(counts); }

 private:
  static constexpr int kDepth = 4;
  std::size_t Slot(std::uint64_t key, int row) const;
  RepeatedLinesConfig config_;
  std::size_t mask_;
  std::vector<std::uint16_t> counts_;  // kDepth rows
};

}  // namespace winnow

#endif  // WINNOW_REPEATED_LINES_HPP_
