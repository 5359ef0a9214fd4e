#include "winnow/dedup.hpp"

#include <algorithm>

#include "winnow/error.hpp"
#include "winnow/shingle.hpp"

namespace winnow {
namespace {

void Check(bool ok, const char* option, const char* what) {
  if (!ok) throw Error(option, what);
}

// Candidates from a sample need only be plausible; the exact check decides.
// A sample of 128 draws estimates a share within about +-0.1 (two standard
// deviations at p = 0.8), so this slack keeps false negatives rare.
constexpr double kSampleSlack = 0.2;

// A shingle shared by very many paragraphs of one document ("click here to")
// says little about any one of them; visiting only its newest postings keeps
// a pathological document linear instead of quadratic.
constexpr int kMaxPostingsPerKey = 64;

// The words a caption or a photo credit begins with (normalised). A
// paragraph that restates an earlier one and adds only text that begins
// with one of them ("... panel. Pictured: residents wade through water")
// adds a caption, not content.
const std::vector<std::uint64_t>& CaptionMarkers() {
  static const std::vector<std::uint64_t> markers = [] {
    const char* const words[] = {
        "pictured", "photo",   "photos",  "photograph", "photographs", "picture", "pictures",
        "image",    "images",  "caption", "credit",     "credits",     "courtesy", "illustration",
        "foto",     "fotos",   "bild",    "фото",       "getty",       "reuters",  "afp",
        "shutterstock", "alamy", "图片",  "图",
        // Japanese 写真 ("photo") by its first character, as 图 for 图片
        // (each CJK character is a word); Korean 사진.
        "写", "사진"};
    std::vector<std::uint64_t> m;
    for (const char* w : words) m.push_back(HashWord(w, kWordSeed));
    std::sort(m.begin(), m.end());
    return m;
  }();
  return markers;
}

}  // namespace

bool ParagraphDeduper::AddsContent(const std::vector<std::uint64_t>& word_hashes,
                                   const Entry& earlier) {
  // The words of this paragraph that no shingle shared with the earlier
  // one covers: what it adds.
  const std::size_t n = word_hashes.size();
  const auto k = static_cast<std::size_t>(config_.shingle_words);
  if (n <= k) return false;  // one shingle: all of it is held, or none
  ShingleSequence(word_hashes, config_.shingle_words, config_.seed, &sequence_);
  covered_.assign(n, false);
  const std::uint64_t* begin = entry_shingles_.data() + earlier.shingles_begin;
  const std::uint64_t* end = entry_shingles_.data() + earlier.shingles_end;
  for (std::size_t j = 0; j < sequence_.size(); ++j) {
    if (!std::binary_search(begin, end, sequence_[j])) continue;
    for (std::size_t w = j; w < j + k && w < n; ++w) covered_[w] = true;
  }
  // Content: a run of kNewContentWords added words or more that does not
  // begin like a caption. (Shorter runs are edits, or a caption's words
  // between words it shares with the earlier paragraph.)
  for (std::size_t w = 0; w < n;) {
    if (covered_[w]) {
      ++w;
      continue;
    }
    std::size_t end = w;
    while (end < n && !covered_[end]) ++end;
    if (end - w >= static_cast<std::size_t>(kNewContentWords) &&
        !std::binary_search(CaptionMarkers().begin(), CaptionMarkers().end(), word_hashes[w])) {
      return true;
    }
    w = end;
  }
  return false;
}

ParagraphDeduper::ParagraphDeduper(const DedupConfig& config)
    : config_(config),
      hasher_(config.permutations, config.seed),
      lsh_params_(OptimalLshParams(config.jaccard, config.permutations)),
      lsh_(lsh_params_) {
  Check(config.shingle_words >= 1 && config.shingle_words <= kMaxShingleWords,
        "--shingle", "must be between 1 and 16");
  Check(config.containment > 0.0 && config.containment <= 1.0, "--containment",
        "must be in (0, 1]");
  Check(config.min_containment_words >= 1, "--min-containment-words",
        "must be at least 1");
  Check(config.max_growth >= 1.0, "--max-growth", "must be at least 1");
}

void ParagraphDeduper::Reset(std::size_t paragraphs_hint, std::size_t words_hint) {
  lsh_.Clear();
  entries_.clear();
  entry_shingles_.clear();
  shingle_index_.Clear();
  // Up to what an ordinary page needs: a larger document's indexes grow
  // with what is really indexed (as memory bounds assume).
  constexpr std::size_t kMaxHint = std::size_t{1} << 14;
  lsh_.Reserve(std::min(paragraphs_hint, kMaxHint / 16));
  shingle_index_.Reserve(std::min(words_hint, kMaxHint));
  hits_.clear();
  touched_.clear();
}

std::size_t ParagraphDeduper::Intersection(const Entry& entry) const {
  return IntersectionSize(shingles_.data(), shingles_.size(),
                          entry_shingles_.data() + entry.shingles_begin,
                          entry.shingles_end - entry.shingles_begin);
}

void ParagraphDeduper::CountHits(int list, const std::vector<std::uint32_t>& slots) {
  for (std::uint32_t e : touched_) hits_[e] = 0;
  touched_.clear();
  for (std::uint32_t slot : slots) {
    int visited = 0;
    shingle_index_.ForEach(slot, list, [&](std::uint32_t e) {
      if (++visited > kMaxPostingsPerKey) return false;
      if (hits_[e]++ == 0) touched_.push_back(e);
      return true;
    });
  }
}

DedupVerdict ParagraphDeduper::Add(const Normalized& norm, std::uint32_t id, bool structural) {
  word_hashes_.clear();
  HashTokens(norm, kWordSeed, &word_hashes_);
  return AddWords(word_hashes_, id, structural);
}

DedupVerdict ParagraphDeduper::AddWords(const std::vector<std::uint64_t>& word_hashes,
                                        std::uint32_t id, bool structural) {
  DedupVerdict verdict;
  if (word_hashes.empty()) return verdict;
  Shingles(word_hashes, config_.shingle_words, config_.seed, &shingles_);
  // The signature, and the sample: the shingles that won a bin (as their
  // positions in the sorted set, then as their slots below).
  hasher_.SignWithWinners(shingles_, &signature_, &sample_slots_, &values_);
  // Each shingle's slot in the index, found once for the queries and the
  // insertion: added (with empty lists) while there is room for this
  // paragraph, else only looked up.
  const bool room = entries_.size() < config_.max_indexed;
  slots_.resize(shingles_.size());
  if (room) {
    shingle_index_.Reserve(shingles_.size());
    for (std::size_t i = 0; i < shingles_.size(); ++i) slots_[i] = shingle_index_.Locate(shingles_[i]);
  } else {
    for (std::size_t i = 0; i < shingles_.size(); ++i) slots_[i] = shingle_index_.Find(shingles_[i]);
  }
  const auto sample_size = static_cast<std::uint32_t>(sample_slots_.size());
  for (std::uint32_t& s : sample_slots_) s = slots_[s];
  const auto words = static_cast<std::uint32_t>(word_hashes.size());
  const double size = static_cast<double>(shingles_.size());

  auto consider = [&](DedupVerdict::Reason reason, std::uint32_t entry,
                      double similarity) {
    // The highest similarity wins; ties go to the earliest paragraph.
    const std::uint32_t of = entries_[entry].id;
    if (verdict.reason == DedupVerdict::Reason::kKeep ||
        similarity > verdict.similarity ||
        (similarity == verdict.similarity && of < verdict.of)) {
      verdict = {reason, of, similarity};
    }
  };

  // (a) near-identical: LSH candidates, exact Jaccard.
  candidates_.clear();
  lsh_.BandKeys(signature_, &band_keys_);
  if (!structural) lsh_.QueryKeys(band_keys_, &candidates_);
  for (std::uint32_t e : candidates_) {
    const Entry& entry = entries_[e];
    double inter = static_cast<double>(Intersection(entry));
    double jaccard = inter / (size + static_cast<double>(entry.shingles_end - entry.shingles_begin) - inter);
    // A near-duplicate that adds content of its own to the earlier
    // paragraph (a new name before a result restated) is kept, as for
    // containment below.
    if (jaccard >= config_.jaccard && !AddsContent(word_hashes, entry)) {
      consider(DedupVerdict::Reason::kNearDuplicate, e, jaccard);
    }
  }

  // (b) containment, both ways; only when no near-identical match was found.
  auto growth_ok = [&](std::uint32_t shorter, std::uint32_t longer) {
    return longer <= config_.max_growth * shorter;
  };
  if (verdict.reason == DedupVerdict::Reason::kKeep && !structural) {
    // This paragraph inside an earlier one: its sample against their sets.
    if (words >= static_cast<std::uint32_t>(config_.min_containment_words)) {
      CountHits(kHeldBy, sample_slots_);
      for (std::uint32_t e : touched_) {
        const std::uint32_t hit = hits_[e];
        if (hit < (config_.containment - kSampleSlack) * sample_size) continue;
        const Entry& entry = entries_[e];
        if (!growth_ok(words, entry.words)) continue;
        double c = static_cast<double>(Intersection(entry)) / size;
        // Mostly inside the earlier one, yet adding content of its own (a
        // restated lead and a new fact): kept, as below.
        if (c >= config_.containment && !AddsContent(word_hashes, entry)) {
          consider(DedupVerdict::Reason::kRestated, e, c);
        }
      }
    }
    // An earlier paragraph inside this one: our set against their samples.
    CountHits(kSampledBy, slots_);
    for (std::uint32_t e : touched_) {
      const std::uint32_t hit = hits_[e];
      const Entry& entry = entries_[e];
      if (hit < (config_.containment - kSampleSlack) * entry.sample_size) continue;
      if (!growth_ok(entry.words, words)) continue;
      double c = static_cast<double>(Intersection(entry)) /
                 static_cast<double>(entry.shingles_end - entry.shingles_begin);
      // A paragraph that holds an earlier one and adds content of its own
      // (a new name, new facts) is kept: dropping it would lose them.
      if (c >= config_.containment && !AddsContent(word_hashes, entry)) {
        consider(DedupVerdict::Reason::kRestates, e, c);
      }
    }
  }
  if (verdict.reason != DedupVerdict::Reason::kKeep) return verdict;

  // Kept: remember it, while there is room.
  if (!room) return verdict;
  const auto e = static_cast<std::uint32_t>(entries_.size());
  lsh_.InsertKeys(band_keys_, e);
  for (std::uint32_t slot : slots_) shingle_index_.Add(slot, kHeldBy, e);
  if (words >= static_cast<std::uint32_t>(config_.min_containment_words)) {
    for (std::uint32_t slot : sample_slots_) shingle_index_.Add(slot, kSampledBy, e);
  }
  hits_.push_back(0);
  const std::size_t begin = entry_shingles_.size();
  entry_shingles_.insert(entry_shingles_.end(), shingles_.begin(), shingles_.end());
  entries_.push_back({id, words, begin, entry_shingles_.size(), sample_size});
  return verdict;
}

}  // namespace winnow
