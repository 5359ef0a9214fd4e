// Near-duplicate documents across a stream.
//
// Each document's cleaned text is cut into word shingles and signed with
// MinHash (the same hashing as paragraph deduplication, its own shingle
// size and seed). Banded LSH, with bands and rows chosen from the threshold
// (OptimalLshParams), finds candidates among the documents indexed so far;
// a candidate is verified on its stored sketch before anything is dropped,
// so a bucket collision alone never drops a document. The first document is
// kept, a later one whose estimated Jaccard similarity with a kept one
// reaches the threshold is dropped.
//
// Memory per indexed document is fixed: the sketch keeps the low 16 bits of
// each MinHash value (2 bytes x permutations: 256 bytes at 128; two
// different values agree by chance with probability 2^-16, which moves the
// estimate by less than 0.0001), its band keys (8 bytes a band, kept so the
// index can be saved), its ordinal (8 bytes), and in the band table one
// 8-byte posting per band plus at most 32 bytes of slots per band (the table
// doubles at half load). At the defaults (128 permutations, threshold 0.8:
// 9 bands of 13 rows) that is 256 + 72 + 8 + 9 x 40 = 696 bytes per document
// at the very most, about 500 on average. After max_documents documents the
// index is full: later documents are still checked against it, but no
// longer added (the stats report how many).
#ifndef WINNOW_DOC_DEDUP_HPP_
#define WINNOW_DOC_DEDUP_HPP_

#include <cstdint>
#include <string>
#include <vector>

#include "winnow/detail/posting_index.hpp"
#include "winnow/hashing.hpp"
#include "winnow/lsh.hpp"
#include "winnow/minhash.hpp"
#include "winnow/normalize.hpp"

namespace winnow {

struct DocDedupConfig {
  int shingle_words = 5;
  int permutations = kDefaultPermutations;
  std::uint64_t seed = kDefaultSeed ^ 0x646f63ULL;  // "doc": not the paragraph seed
  double threshold = 0.8;
  std::uint64_t max_documents = 100'000'000;
};

struct DocVerdict {
  bool duplicate = false;
  std::uint64_t of = 0;      // ordinal of the kept document
  double similarity = 0.0;   // estimated Jaccard
};

// A document's signature, computed without touching the index (so workers
// can compute them in parallel).
struct DocSignature {
  std::vector<std::uint64_t> values;  // MinHash; empty for a document without words
};

class DocSigner {
 public:
  explicit DocSigner(const DocDedupConfig& config);
  void Sign(const Normalized& text, DocSignature* out);
  // The same for a text given as its words' hashes (HashWord with
  // kWordSeed, in order).
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
  std::uint64_t indexed() const { return sketches_.size() / permutations_; }
  std::uint64_t not_indexed() const { return not_indexed_; }
  const DocDedupConfig& config() const { return config_; }
  LshParams lsh_params() const { return lsh_params_; }

  // Writes the index to `fd`: a versioned header carrying every hashing
  // parameter, then the documents. Throws winnow::Error (where = name).
  void Write(int fd, const std::string& name) const;
  // Replaces this index with one read from `fd`. Throws winnow::Error when
  // the data is truncated, of another version, or made with other
  // parameters than this index's configuration.
  void Read(int fd, const std::string& name);

 private:
  std::uint64_t BandKey(const std::uint64_t* values, int band) const;
  void Insert(std::uint32_t position, const std::uint64_t* band_keys,
              const std::uint16_t* sketch);

  DocDedupConfig config_;
  int permutations_;
  LshParams lsh_params_;
  detail::PostingIndex bands_;              // band key -> index position
  std::vector<std::uint16_t> sketches_;     // permutations_ per document
  std::vector<std::uint64_t> band_keys_;    // bands per document (for Save)
  std::vector<std::uint64_t> ordinals_;     // stream ordinal per indexed document
  std::uint64_t next_ordinal_ = 1;
  std::uint64_t documents_ = 0;
  std::uint64_t not_indexed_ = 0;
  std::vector<std::uint32_t> candidates_;
};

}  // namespace winnow

#endif  // WINNOW_DOC_DEDUP_HPP_
