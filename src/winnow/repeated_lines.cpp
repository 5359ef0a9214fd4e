#include "winnow/repeated_lines.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "winnow/error.hpp"

namespace winnow {
namespace {

// The kinds of count, each its own key in the one sketch.
enum Kind : std::uint64_t {
  kSiteLine = 1,   // a line in a site's documents
  kSiteDocs = 2,   // a site's documents
  kLineDocs = 3,   // a short line's documents
  kRuleDocs = 4,   // ... those where the line rules dropped it
  kLineSites = 5,  // ... the sites it was seen on
  kBlockDocs = 6,  // a run of kBlockLines lines in documents without a site
};

std::uint64_t Mix(std::uint64_t x) {
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

std::uint64_t KeyOf(Kind kind, std::uint64_t line, std::uint64_t site = 0) {
  return Mix(line ^ Mix(site + 0x9E3779B97F4A7C15ULL * kind));
}

// A never-seen line is judged by at most five counts (its site's, or the
// kBlockLines runs that hold it; the rules'; everywhere): the bound is five
// times one count's.
constexpr double kCountsPerLine = 5.0;

// How many lines ahead the counters of a line are prefetched: far enough
// for memory to answer, near enough to stay in the cache.
constexpr std::size_t kPrefetchLines = 8;

// The key of the run of kBlockLines lines that starts at lines[at].
std::uint64_t BlockKey(const std::vector<RepeatedLines::Line>& lines, std::size_t at) {
  std::uint64_t h = 0;
  for (std::size_t i = at; i < at + kBlockLines; ++i) h = Mix(h ^ lines[i].key) + i - at;
  return KeyOf(kBlockDocs, h);
}

}  // namespace

std::string_view SiteOf(std::string_view url, std::string* buffer) {
  // scheme "://" [userinfo "@"] host [":" port] [path...]
  std::size_t start = url.find("://");
  start = start == std::string_view::npos ? 0 : start + 3;
  std::size_t end = start;
  while (end < url.size() && url[end] != '/' && url[end] != '?' && url[end] != '#') ++end;
  std::string_view authority = url.substr(start, end - start);
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  if (!authority.empty() && authority.front() == '[') {  // an IPv6 literal
    const std::size_t close = authority.find(']');
    authority = authority.substr(0, close == std::string_view::npos ? authority.size() : close + 1);
  } else if (const std::size_t colon = authority.find(':'); colon != std::string_view::npos) {
    authority = authority.substr(0, colon);
  }
  while (!authority.empty() && authority.back() == '.') authority.remove_suffix(1);
  buffer->assign(authority);
  for (char& c : *buffer) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  std::string_view host = *buffer;
  if (host.substr(0, 4) == "www.") host.remove_prefix(4);
  return host;
}

RepeatedLines::RepeatedLines(const RepeatedLinesConfig& config)
    : config_(config), mask_((std::size_t{1} << config.log2_width) - 1) {
  const std::uint32_t least = std::min(config.min_documents, config.cross_sites);
  heavy_at_ = static_cast<std::uint16_t>(std::max<std::uint32_t>(1, (least + 1) / 2));
  cells_.assign(std::size_t{2} * (static_cast<std::size_t>(kDepth) << config.log2_width), 0);
}

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

void RepeatedLines::Prefetch(std::uint64_t key) const {
  for (int row = 0; row < kDepth; ++row) __builtin_prefetch(&cells_[2 * Slot(key, row)]);
}

std::uint32_t RepeatedLines::Count(std::uint64_t key) const {
  std::uint32_t least = std::numeric_limits<std::uint32_t>::max();
  for (int row = 0; row < kDepth; ++row) {
    // Both generations' counters of a slot are neighbours: one cache line.
    const std::uint16_t* cell = &cells_[2 * Slot(key, row)];
    least = std::min<std::uint32_t>(least, std::uint32_t{cell[0]} + cell[1]);
  }
  return least;
}

std::uint32_t RepeatedLines::Increment(std::uint64_t key) {
  // Conservative update: raise only the current counters at their minimum.
  std::uint16_t* cells[kDepth];
  std::uint16_t least = std::numeric_limits<std::uint16_t>::max();
  std::uint32_t before = std::numeric_limits<std::uint32_t>::max();
  for (int row = 0; row < kDepth; ++row) {
    cells[row] = &cells_[2 * Slot(key, row)];
    least = std::min(least, cells[row][current_]);
    before = std::min<std::uint32_t>(before, std::uint32_t{cells[row][0]} + cells[row][1]);
  }
  if (least == std::numeric_limits<std::uint16_t>::max()) return before;
  for (int row = 0; row < kDepth; ++row) {
    std::uint16_t& c = cells[row][current_];
    if (c != least) continue;
    if (++c == heavy_at_) ++heavy_[0][row];
  }
  return before;
}

double RepeatedLines::FalseRepeatedBound() const {
  const double width = static_cast<double>(mask_ + 1);
  double bound = kCountsPerLine;
  for (int row = 0; row < kDepth; ++row) {
    bound *= std::min(1.0, static_cast<double>(heavy_[0][row] + heavy_[1][row]) / width);
  }
  return bound;
}

void RepeatedLines::Rotate() {
  // The older generation's counters become the current ones, emptied.
  current_ ^= 1;
  for (std::size_t i = current_; i < cells_.size(); i += 2) cells_[i] = 0;
  documents_[1] = documents_[0];
  documents_[0] = 0;
  heavy_[1] = heavy_[0];
  heavy_[0] = {};
  ++rotations_;
}

void RepeatedLines::Judge(std::uint64_t site, const std::vector<Line>& lines,
                          std::vector<bool>* repeated) const {
  repeated->assign(lines.size(), false);
  if (at_capacity_) return;
  const double window = static_cast<double>(window_documents());
  const std::uint32_t site_documents = site != 0 ? Count(KeyOf(kSiteDocs, 0, site)) : 0;
  if (site == 0) {
    for (std::size_t at = 0; at + kBlockLines <= lines.size(); ++at) {
      if (at + kPrefetchLines + kBlockLines <= lines.size()) {
        Prefetch(BlockKey(lines, at + kPrefetchLines));
      }
      if (Count(BlockKey(lines, at)) < config_.min_documents) continue;
      for (std::size_t i = at; i < at + kBlockLines; ++i) (*repeated)[i] = true;
    }
  }
  // The rules scope: a short line the rules dropped in min_documents
  // earlier documents (of its site, when it has one), and in at least half
  // of those that had it. Such lines count only in a run of two or more (a
  // menu): a lone one ("2", "Overview", "Features:") is a list number or a
  // heading that the line model drops on most pages and keeps, by its
  // context, where it is content.
  std::vector<bool> ruled(lines.size(), false);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i + kPrefetchLines < lines.size() && lines[i + kPrefetchLines].short_line) {
      Prefetch(KeyOf(kRuleDocs, lines[i + kPrefetchLines].key, site));
    }
    const Line& line = lines[i];
    if (!line.short_line) continue;
    const std::uint32_t dropped = Count(KeyOf(kRuleDocs, line.key, site));
    if (dropped < config_.min_documents) continue;
    const std::uint32_t had =
        site != 0 ? Count(KeyOf(kSiteLine, line.key, site)) : Count(KeyOf(kLineDocs, line.key));
    ruled[i] = 2.0 * dropped >= had;
  }
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i + kPrefetchLines < lines.size()) {
      const Line& ahead = lines[i + kPrefetchLines];
      if (site != 0) Prefetch(KeyOf(kSiteLine, ahead.key, site));
      if (ahead.short_line) {
        Prefetch(KeyOf(kLineSites, ahead.key));
        Prefetch(KeyOf(kLineDocs, ahead.key));
      }
    }
    const Line& line = lines[i];
    if ((*repeated)[i]) continue;
    if (site != 0) {
      const std::uint32_t seen = Count(KeyOf(kSiteLine, line.key, site));
      if (seen >= config_.min_documents && seen >= config_.site_share * site_documents) {
        (*repeated)[i] = true;
        continue;
      }
    }
    if (ruled[i] && ((i > 0 && ruled[i - 1]) || (i + 1 < lines.size() && ruled[i + 1]))) {
      (*repeated)[i] = true;
      continue;
    }
    if (!line.short_line) continue;
    if (Count(KeyOf(kLineSites, line.key)) >= config_.cross_sites &&
        Count(KeyOf(kLineDocs, line.key)) >= config_.cross_share * window) {
      (*repeated)[i] = true;
    }
  }
}

void RepeatedLines::AddDocument(std::uint64_t site, std::vector<Line>* lines) {
  if (site == 0) {
    // Runs of lines, in document order, each once.
    blocks_.clear();
    for (std::size_t at = 0; at + kBlockLines <= lines->size(); ++at) {
      blocks_.push_back(BlockKey(*lines, at));
    }
    std::sort(blocks_.begin(), blocks_.end());
    blocks_.erase(std::unique(blocks_.begin(), blocks_.end()), blocks_.end());
    for (std::size_t b = 0; b < blocks_.size(); ++b) {
      if (b + kPrefetchLines < blocks_.size()) Prefetch(blocks_[b + kPrefetchLines]);
      Increment(blocks_[b]);
    }
  }
  // Each line once per document; a line the rules dropped anywhere in it
  // counts as dropped.
  std::sort(lines->begin(), lines->end(), [](const Line& a, const Line& b) {
    return a.key != b.key ? a.key < b.key : a.rule_dropped > b.rule_dropped;
  });
  lines->erase(std::unique(lines->begin(), lines->end(),
                           [](const Line& a, const Line& b) { return a.key == b.key; }),
               lines->end());
  if (site != 0) Increment(KeyOf(kSiteDocs, 0, site));
  for (std::size_t i = 0; i < lines->size(); ++i) {
    if (i + kPrefetchLines < lines->size()) {
      const Line& ahead = (*lines)[i + kPrefetchLines];
      if (site != 0) Prefetch(KeyOf(kSiteLine, ahead.key, site));
      if (ahead.short_line) {
        Prefetch(KeyOf(kLineDocs, ahead.key));
        if (ahead.rule_dropped) Prefetch(KeyOf(kRuleDocs, ahead.key, site));
      }
    }
    const Line& line = (*lines)[i];
    if (site != 0) {
      // The first document of this site with the line: one more site.
      const bool new_site = Increment(KeyOf(kSiteLine, line.key, site)) == 0;
      if (new_site && line.short_line) Increment(KeyOf(kLineSites, line.key));
    }
    if (!line.short_line) continue;
    Increment(KeyOf(kLineDocs, line.key));
    if (line.rule_dropped) Increment(KeyOf(kRuleDocs, line.key, site));
  }
  ++documents_[0];
  ++total_documents_;
  // A generation ends when it holds half of what one row may hold, so that
  // both together stay under the bound.
  const double row_limit = std::pow(kMaxFalseRepeated / kCountsPerLine, 1.0 / kDepth);
  const double half = 0.5 * row_limit * static_cast<double>(mask_ + 1);
  // Over the bound (after documents too full for one generation): the
  // full generation goes at once.
  if (static_cast<double>(*std::max_element(heavy_[0].begin(), heavy_[0].end())) >= half ||
      FalseRepeatedBound() >= kMaxFalseRepeated) {
    Rotate();
  }
  // Documents so full of distinct lines that one generation holds more.
  at_capacity_ = FalseRepeatedBound() >= kMaxFalseRepeated;
}

RepeatedLines::State RepeatedLines::state() const {
  State s;
  for (int g = 0; g < 2; ++g) {
    const int cell = g == 0 ? current_ : 1 - current_;
    s.counts[g].resize(cells_.size() / 2);
    for (std::size_t i = 0; i < s.counts[g].size(); ++i) s.counts[g][i] = cells_[2 * i + cell];
  }
  s.documents = documents_;
  for (int g = 0; g < 2; ++g) {
    for (int row = 0; row < kDepth; ++row) s.heavy[g][row] = heavy_[g][row];
  }
  s.total_documents = total_documents_;
  s.rotations = rotations_;
  return s;
}

void RepeatedLines::set_state(State s) {
  const std::size_t size = cells_.size() / 2;
  if (s.counts[0].size() != size || s.counts[1].size() != size) {
    throw Error("", "repeated-line counts of another size");
  }
  // The heavy counts must be those of the counters, or the bound would lie.
  for (int g = 0; g < 2; ++g) {
    for (int row = 0; row < kDepth; ++row) {
      const auto* begin = s.counts[g].data() + (static_cast<std::size_t>(row) << config_.log2_width);
      const auto heavy = static_cast<std::uint64_t>(
          std::count_if(begin, begin + (mask_ + 1), [this](std::uint16_t c) { return c >= heavy_at_; }));
      if (heavy != s.heavy[g][row]) throw Error("", "repeated-line counts are inconsistent");
    }
  }
  current_ = 0;
  for (std::size_t i = 0; i < size; ++i) {
    cells_[2 * i] = s.counts[0][i];
    cells_[2 * i + 1] = s.counts[1][i];
  }
  documents_ = s.documents;
  heavy_ = s.heavy;
  total_documents_ = s.total_documents;
  rotations_ = s.rotations;
  at_capacity_ = FalseRepeatedBound() >= kMaxFalseRepeated;
}

}  // namespace winnow
