// Near-duplicate paragraphs within one document.
//
// Each paragraph is normalised, cut into word shingles (characters in
// scripts without word spaces: HashTokens, shingle.hpp) and signed with
// MinHash. Candidates come from the signature: LSH bands find paragraphs of
// high Jaccard similarity, and the signature's sample of shingles (one per
// permutation) finds paragraphs that hold another almost wholly. Every
// candidate is then verified on the exact shingle sets, so a hash collision
// alone never drops a paragraph. The first occurrence is kept; a later
// paragraph is dropped when
//   (a) its Jaccard similarity with a kept one is >= jaccard, or
//   (b) it restates a kept paragraph: the share of the shorter one's
//       shingles found in the longer one is >= containment, the shorter one
//       has at least min_containment_words words, and the longer one is at
//       most max_growth times as long (so a long body paragraph is not lost
//       because it quotes one earlier sentence), and, when it is the later
//       paragraph that holds the earlier one, it adds nothing of its own:
//       no run of kNewContentWords words or more outside the shingles it
//       shares with the earlier one, other than a caption (a run that begins
//       with "Pictured", "Photo", "Credit", "Getty" ..., as a restated lead
//       followed by a photo caption). A paragraph that restates an earlier
//       one and adds a name or a sentence keeps them.
//
// The caller keeps structure out of this (see Filter): short headings, list
// labels, code lines and refrains are repeated on purpose.
#ifndef WINNOW_DEDUP_HPP_
#define WINNOW_DEDUP_HPP_

#include <cstdint>
#include <vector>

#include "winnow/detail/posting_index.hpp"
#include "winnow/hashing.hpp"
#include "winnow/lsh.hpp"
#include "winnow/minhash.hpp"
#include "winnow/normalize.hpp"

namespace winnow {

// A later paragraph that holds an earlier one is kept when it adds this
// many words of its own (see above).
inline constexpr int kNewContentWords = 3;

struct DedupConfig {
  int shingle_words = kDefaultShingleWords;
  int permutations = kDefaultPermutations;
  std::uint64_t seed = kDefaultSeed;
  double jaccard = 0.7;
  double containment = 0.8;
  int min_containment_words = 5;
  double max_growth = 3.0;
  // At most this many paragraphs of one document are remembered; later ones
  // are still compared with them but not added, which bounds the index of a
  // pathological document (600,000 one-line paragraphs) to a few tens of MB.
  std::uint32_t max_indexed = 20000;
};

struct DedupVerdict {
  enum class Reason {
    kKeep,
    kNearDuplicate,  // Jaccard >= threshold
    kRestates,       // holds an earlier paragraph almost wholly
    kRestated,       // almost wholly inside an earlier paragraph
  };
  Reason reason = Reason::kKeep;
  std::uint32_t of = 0;     // the caller's id of the earlier paragraph
  double similarity = 0.0;  // Jaccard or containment, exact
};

class ParagraphDeduper {
 public:
  // Throws winnow::Error if the configuration is out of range.
  explicit ParagraphDeduper(const DedupConfig& config);
  ParagraphDeduper(const ParagraphDeduper&) = delete;
  ParagraphDeduper& operator=(const ParagraphDeduper&) = delete;

  // Forgets every paragraph (call between documents). The hints, the
  // document's paragraphs and their words (upper bounds of what will be
  // indexed; 0: unknown), size the indexes once instead of step by step.
  void Reset(std::size_t paragraphs_hint = 0, std::size_t words_hint = 0);

  // Judges a paragraph given in normalised form. If it is kept, it is
  // remembered under `id` for later paragraphs. A paragraph without words is
  // always kept and never remembered.
  // A `structural` paragraph (a heading, a list label, a code line, a
  // refrain: see Filter) is remembered but never dropped.
  DedupVerdict Add(const Normalized& norm, std::uint32_t id, bool structural = false);
  // The same for a paragraph given as its tokens' hashes (HashTokens with
  // kWordSeed, in order), as the line filter leaves them (LineWords).
  DedupVerdict AddWords(const std::vector<std::uint64_t>& words, std::uint32_t id,
                        bool structural = false);

  LshParams lsh_params() const { return lsh_params_; }

 private:
  struct Entry {
    std::uint32_t id;
    std::uint32_t words;
    std::size_t shingles_begin;  // its shingles: shingles_[begin, end), sorted, distinct
    std::size_t shingles_end;
    std::uint32_t sample_size;   // distinct shingles in the sample
  };

  // The two posting lists of a shingle in shingle_index_.
  static constexpr int kHeldBy = 0;     // entries whose set holds it
  static constexpr int kSampledBy = 1;  // entries whose sample holds it
  // Fills hits_ with, per entry, how many of the shingles in `slots` list
  // `list` holds it under, and touched_ with the entries that have any.
  void CountHits(int list, const std::vector<std::uint32_t>& slots);
  // |shingles_ n entry's shingles|.
  std::size_t Intersection(const Entry& entry) const;
  // Whether the paragraph of `word_hashes`, which holds `earlier`, adds
  // content of its own (see above).
  bool AddsContent(const std::vector<std::uint64_t>& word_hashes, const Entry& earlier);

  DedupConfig config_;
  MinHasher hasher_;
  LshParams lsh_params_;
  LshIndex lsh_;
  std::vector<Entry> entries_;
  std::vector<std::uint64_t> entry_shingles_;  // every entry's shingles, one after another
  // shingle -> entries holding it (kHeldBy), entries sampling it (kSampledBy)
  detail::PostingTable<2> shingle_index_;

  // Scratch space reused across calls.
  std::vector<std::uint64_t> word_hashes_, shingles_, signature_, band_keys_, values_;
  // The paragraph's shingles' slots in shingle_index_ (kNone: absent), and
  // those of its sample (the shingles that won a bin), in shingle order.
  std::vector<std::uint32_t> slots_, sample_slots_;
  std::vector<std::uint32_t> candidates_;
  std::vector<std::uint32_t> hits_;     // per entry, zero between uses
  std::vector<std::uint32_t> touched_;  // entries with non-zero hits_
  std::vector<std::uint64_t> sequence_;  // AddsContent: shingles in text order
  std::vector<bool> covered_;
};

}  // namespace winnow

#endif  // WINNOW_DEDUP_HPP_
