#include "winnow/repeated_lines.hpp"

#include <algorithm>
#include <limits>

namespace winnow {

RepeatedLines::RepeatedLines(const RepeatedLinesConfig& config)
    : config_(config),
      mask_((std::size_t{1} << config.log2_width) - 1),
      counts_(kDepth << config.log2_width, 0) {}

bool RepeatedLines::Eligible(int words, bool closed) const {
  if (words == 0 || words > config_.max_words) return false;
  return !closed || words < config_.sentence_words;
}

std::size_t RepeatedLines::Slot(std::uint64_t key, int row) const {
  // One 64-bit hash gives every row its index: rotate and remix per row.
  std::uint64_t h = (key ^ (0x9E3779B97F4A7C15ULL * (row + 1))) * 0xBF58476D1CE4E5B9ULL;
  h ^= h >> 31;
  return (static_cast<std::size_t>(row) << config_.log2_width) + (h & mask_);
}

std::uint32_t RepeatedLines::Seen(std::uint64_t key) const {
  std::uint16_t least = std::numeric_limits<std::uint16_t>::max();
  for (int row = 0; row < kDepth; ++row) least = std::min(least, counts_[Slot(key, row)]);
  return least;
}

void RepeatedLines::AddDocument(std::vector<std::uint64_t>* keys) {
  std::sort(keys->begin(), keys->end());
  keys->erase(std::unique(keys->begin(), keys->end()), keys->end());
  for (std::uint64_t key : *keys) {
    // Conservative update: raise only the counters at the current minimum.
    const std::uint16_t least = static_cast<std::uint16_t>(Seen(key));
    if (least == std::numeric_limits<std::uint16_t>::max()) continue;
    for (int row = 0; row < kDepth; ++row) {
      std::uint16_t& c = counts_[Slot(key, row)];
      if (c == least) ++c;
    }
  }
}

}  // namespace winnow
