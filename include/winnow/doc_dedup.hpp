// Near-duplicate documents across a stream.
//
// Each document's cleaned text is cut into word shingles (characters in
// scripts without word spaces: HashTokens, shingle.hpp) and signed with
// MinHash (the same hashing as paragraph deduplication, its own shingle
// size and seed). Banded LSH finds candidates among the documents indexed
// so far; a candidate is verified on its stored sketch before anything is
// dropped, so a bucket collision alone never drops a document. The first
// document is kept, a later one whose estimated Jaccard similarity with a
// kept one reaches the threshold is dropped.
//
// The index is built to hold hundreds of millions of documents, so what it
// keeps per document is small and fixed (the layout was chosen from the
// measurements of bench/lsh_layouts.sh, in README):
//   ordinal   8 bytes: the document's position in the stream;
//   sketch    the lowest bit of each of 352 MinHash values (b-bit minwise
//             hashing, Li and Koenig 2010): 44 bytes. Two values agree by
//             chance half of the time, which the estimate corrects for:
//             J = 2 x agree - 1. At J = 0.8 its standard deviation is 0.032
//             (0.042 for the 2-bit sketch of 128 values it replaces, 0.021
//             for whole values);
//   bands     four LSH bands of the first values (rows chosen for the
//             threshold, recall first: 3 rows at 0.8), each an 8-byte entry
//             (a 32-bit fingerprint of the band, the document's position) in
//             an open-addressing table kept between 75% and 85% full: at most
//             4 x 8 / 0.755 = 42.4 bytes. A band value that kMaxPerBand
//             documents hold already is not entered again; a document none of
//             whose bands could be entered gets instead one entry for a 32-bit
//             fingerprint of the XXH3-128 hash of its normalised text, so an
//             identical copy is always found (a copy shares every band, so any
//             band entered finds it too). A copy's whole sketch agrees.
// That is at most 94.4 bytes per indexed document.
//
// Short documents are decided on exact evidence. With a few dozen shingles
// a 352-value estimate is too coarse (a pair at exact J 0.84 estimated at
// 0.75), so a document of at most kShortShingles shingles (in text order;
// 5-word shingles: at most 68 words, or 68 CJK characters) keeps its
// distinct shingles' 32-bit hashes, sorted, and is entered in kShortBands
// more LSH bands of kShortRows rows each, over kShortBands x kShortRows
// MinHash values of its own (one independent hash function each, the
// classic scheme: with so few shingles, one-permutation hashing's
// densified bins would copy each other and its bands would not be
// independent). A document of at most kProbeShingles shingles looks itself
// up in those bands, and each candidate found there is decided on the exact
// Jaccard similarity of the two shingle sets (32-bit hashes: a chance
// collision per pair of shingles is 2^-32). Two short documents are never
// decided on the sketch estimate. A pair at exact J 0.78 is a candidate
// with probability 1 - (1 - 0.78^2)^8 = 0.9995. A short document is not
// entered in the four ordinary bands (a longer document cannot reach the
// threshold with it unless it is short enough to look itself up), only in
// the exact-hash entry; it holds 8 + 44 bytes (ordinal, sketch), at most
// 8 + 4 x 64 bytes of shingles, and 9 band entries (at most 95.4 bytes):
// at most 403.4 bytes, about 260 for a 40-word post. Ordinals and sketches
// live in blocks of 65,536 documents, so growing never copies them and at
// most one block is partly used (memory_bytes() reports the bytes held); the
// table grows by an eighth at a time. After
// max_documents documents the index is full: later documents are still
// checked against it, but no longer added (the stats report how many).
#ifndef WINNOW_DOC_DEDUP_HPP_
#define WINNOW_DOC_DEDUP_HPP_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "winnow/hashing.hpp"
#include "winnow/lsh.hpp"
#include "winnow/minhash.hpp"
#include "winnow/normalize.hpp"
#include "winnow/state_file.hpp"

namespace winnow {

// Short documents (see above): stored and decided exactly at most
// kShortShingles shingles; looked up in the short bands at most
// kProbeShingles (a document of 128 shingles can reach J 0.5 with one of
// 64).
inline constexpr int kShortShingles = 64;
inline constexpr int kProbeShingles = 128;
inline constexpr int kShortBands = 8;
inline constexpr int kShortRows = 2;

struct DocDedupConfig {
  int shingle_words = 5;
  int permutations = kDocPermutations;
  int bands = kDocBands;  // LSH bands; rows are chosen for the threshold
  std::uint64_t seed = kDefaultSeed ^ 0x646f63ULL;  // "doc": not the paragraph seed
  double threshold = 0.8;
  std::uint64_t max_documents = 100'000'000;
};

struct DocVerdict {
  bool duplicate = false;
  bool exact = false;        // the same normalised text as the kept document
  std::uint64_t of = 0;      // ordinal of the kept document
  double similarity = 0.0;   // estimated Jaccard (1 for an exact copy)
  bool exact_similarity = false;  // `similarity` is the exact Jaccard of two short documents
};

// A document's signature, computed without touching the index (so workers
// can compute them in parallel).
struct DocSignature {
  std::vector<std::uint64_t> values;  // MinHash; empty for a document without words
  // XXH3-128 of the document's word hashes in order (its normalised text):
  // equal for identical texts, whatever the shingles' MinHash says.
  std::uint64_t exact_low = 0, exact_high = 0;
  // A document of at most kProbeShingles shingles: its distinct shingles'
  // 32-bit hashes, sorted (empty otherwise), and their kShortBands x
  // kShortRows MinHash values.
  std::vector<std::uint32_t> shingle_set;
  std::uint64_t short_values[kShortBands * kShortRows] = {};
  std::uint32_t shingles = 0;  // shingles in text order
};

class DocSigner {
 public:
  explicit DocSigner(const DocDedupConfig& config);
  void Sign(const Normalized& text, DocSignature* out);
  // The same for a text given as its tokens' hashes (HashTokens with
  // kWordSeed, in order: for text without unspaced scripts, its words').
  void SignWords(const std::vector<std::uint64_t>& words, DocSignature* out);

 private:
  DocDedupConfig config_;
  MinHasher hasher_;
  std::vector<std::uint64_t> words_, shingles_;
};

class DocumentIndex {
 public:
  // Throws winnow::Error if the configuration is out of range.
  explicit DocumentIndex(const DocDedupConfig& config);
  DocumentIndex(const DocumentIndex&) = delete;
  DocumentIndex& operator=(const DocumentIndex&) = delete;

  // Judges the document at `ordinal` (its record's position in the whole
  // stream, across runs: see next_ordinal); indexes it when kept and the
  // index is not full. Ordinals must increase.
  DocVerdict Add(const DocSignature& signature, std::uint64_t ordinal);

  // One past the last ordinal seen (1 for a new index): where a stream that
  // continues this index starts numbering its records.
  std::uint64_t next_ordinal() const { return next_ordinal_; }
  // Records that were not documents (passed through, malformed) still take
  // ordinals: the stream moves the count on before saving.
  void AdvanceTo(std::uint64_t next_ordinal) {
    if (next_ordinal > next_ordinal_) next_ordinal_ = next_ordinal;
  }
  std::uint64_t documents() const { return documents_; }
  std::uint64_t indexed() const { return indexed_; }
  // Bytes the index holds (capacity included), and their share per indexed
  // document.
  std::uint64_t memory_bytes() const;
  std::uint64_t not_indexed() const { return not_indexed_; }
  std::uint64_t short_documents() const { return short_documents_; }
  const DocDedupConfig& config() const { return config_; }
  LshParams lsh_params() const { return lsh_params_; }

  // Writes the index: a versioned header carrying every hashing parameter,
  // a checkpoint (see StateWriter), then the documents. Throws
  // winnow::Error.
  void Write(StateWriter& out) const;
  // Replaces this index with one read from `in`. Throws winnow::Error when
  // the data is truncated, damaged (its header checkpoint), of another
  // version, or made with other parameters than this index's configuration.
  // The caller checks the checkpoint after the rest of the file.
  void Read(StateReader& in);
  // Exchanges the contents of two indexes of the same configuration.
  void Swap(DocumentIndex& other);

 private:
  // A band entry: the band's 32-bit fingerprint and the position (index
  // into ordinals_) of a document holding it. Its slot is chosen from the
  // fingerprint, so the table can grow without the full band keys.
  struct Slot {
    std::uint32_t fingerprint;
    std::uint32_t position;  // kEmpty: a free slot
  };
  static constexpr std::uint32_t kEmpty = 0xFFFFFFFFu;

  // An open-addressing table of band entries, kept 75% to 85% full.
  struct BandTable {
    std::vector<Slot> slots;
    std::size_t used = 0;
    std::size_t Home(std::uint32_t fingerprint) const;
    // Appends the positions stored under `fingerprint` to *out; returns
    // how many there were.
    int Probe(std::uint32_t fingerprint, std::vector<std::uint32_t>* out) const;
    void Insert(std::uint32_t fingerprint, std::uint32_t position);
    void Grow();
  };

  std::uint32_t Fingerprint(const std::uint64_t* values, int band) const;
  static std::uint32_t ShortFingerprint(const std::uint64_t* values, int band);
  // Stores a short document's shingle set; returns its offset in the arena.
  std::uint32_t AppendShort(std::uint32_t position, const std::vector<std::uint32_t>& set);
  // The exact Jaccard similarity of `set` with the short document at
  // `offset`.
  double ExactJaccard(std::uint32_t offset, const std::vector<std::uint32_t>& set) const;
  const std::uint32_t* arena_at(std::uint32_t offset) const {
    return arena_blocks_[offset / kArenaBlockWords].get() + offset % kArenaBlockWords;
  }
  // Stores a document's ordinal and sketch; returns its position.
  std::uint32_t AppendDocument(std::uint64_t ordinal, const std::uint8_t* sketch);
  std::uint64_t ordinal_at(std::uint32_t position) const {
    return ordinal_blocks_[position / kBlockDocs][position % kBlockDocs] & ~kShortFlag;
  }
  bool short_at(std::uint32_t position) const {
    return (ordinal_blocks_[position / kBlockDocs][position % kBlockDocs] & kShortFlag) != 0;
  }
  // Marks a short document's stored ordinal (ordinals stay below 2^63).
  static constexpr std::uint64_t kShortFlag = std::uint64_t{1} << 63;
  const std::uint8_t* sketch_at(std::uint32_t position) const {
    return sketch_blocks_[position / kBlockDocs].get() +
           static_cast<std::size_t>(position % kBlockDocs) * sketch_bytes_;
  }
  int Agreement(const std::uint8_t* a, const std::uint8_t* b) const;

  DocDedupConfig config_;
  int permutations_;
  int sketch_bytes_;
  LshParams lsh_params_;
  BandTable table_;        // the bands (and exact-hash entries)
  BandTable short_table_;  // short documents' bands: positions are arena offsets
  // Short documents' shingle sets: [position, count, count hashes] records
  // in blocks of kArenaBlockWords words (a record never straddles two).
  static constexpr std::uint32_t kArenaBlockWords = 1u << 20;
  std::vector<std::unique_ptr<std::uint32_t[]>> arena_blocks_;
  std::uint64_t arena_words_ = 0;  // offset of the next record
  std::uint64_t short_documents_ = 0;
  // Per indexed document, by position: its stream ordinal and its sketch
  // (sketch_bytes_), in blocks of kBlockDocs documents, so that growing
  // never copies them and at most one block is partly used.
  static constexpr std::uint32_t kBlockDocs = 1u << 16;
  std::vector<std::unique_ptr<std::uint64_t[]>> ordinal_blocks_;
  std::vector<std::unique_ptr<std::uint8_t[]>> sketch_blocks_;
  std::uint64_t indexed_ = 0;
  std::uint64_t next_ordinal_ = 1;
  std::uint64_t documents_ = 0;
  std::uint64_t not_indexed_ = 0;
  std::vector<std::uint32_t> candidates_, short_candidates_;
};

}  // namespace winnow

#endif  // WINNOW_DOC_DEDUP_HPP_
