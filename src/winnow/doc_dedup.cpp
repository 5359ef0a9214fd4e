#include "winnow/doc_dedup.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>

#include "winnow/detail/xxhash.hpp"
#include "winnow/error.hpp"
#include "winnow/reader.hpp"
#include "winnow/writer.hpp"
#include "winnow/shingle.hpp"

namespace winnow {
namespace {

constexpr char kMagic[8] = {'W', 'I', 'N', 'N', 'O', 'W', 'I', 'X'};
// Version 6: short documents' shingle sets and bands. Version 5: 1-bit
// sketches of 352 values, four bands, an exact-hash entry for a document
// whose bands are all crowded. Version 4: an exact-hash entry per document
// beside its bands, documents signed before the stream's repeated-line
// stage (version 3 had bands only; version 2 kept 16-bit sketches; version
// 1 hashed words with the document seed).
constexpr std::uint32_t kVersion = 6;
constexpr std::uint32_t kSketchBits = 1;

// The band table grows by an eighth when it is 85% full, so it stays
// between 75% and 85% full.
constexpr double kMaxLoad = 0.85;

// A band value held by this many documents already (pages of one template
// that are not near-duplicates) is not entered again: lookups stay short,
// and such a document can still be found by its other band.
constexpr int kMaxPerBand = 8;

// The header: every parameter a saved index depends on, little-endian as
// this machine writes it (the file is not meant to move between
// architectures; the magic and version catch other files).
// The index's header in the state file. Written and read field by field,
// little-endian, in this order (state_file.hpp); the arrays that follow:
// ordinals (u64), band entries (u32 fingerprint, u32 position), sketches
// (bytes), the short documents' arena (u32), short band entries.
struct Header {
  char magic[8];
  std::uint32_t version;
  std::uint32_t shingle_words;
  std::uint32_t permutations;
  std::uint32_t bands;
  std::uint32_t rows;
  std::uint32_t sketch_bits;
  std::uint64_t seed;
  double threshold;
  std::uint64_t next_ordinal;
  std::uint64_t not_indexed;
  std::uint64_t indexed;
  std::uint64_t band_entries;
  std::uint64_t short_documents;
  std::uint64_t short_words;        // arena words of their records
  std::uint64_t short_band_entries;
};

// Few bands, so rows are chosen for recall: the most rows that still make a
// pair at the threshold a candidate 90% of the time (0.8: 3 rows, 94%). A
// false candidate costs one sketch comparison, a missed duplicate stays in
// the output. Throws winnow::Error for a configuration out of range.
LshParams RowsFor(const DocDedupConfig& config) {
  if (config.bands < 1 || config.permutations < config.bands) {
    throw Error("bands", "must be between 1 and the number of permutations");
  }
  if (!(config.threshold > 0.0 && config.threshold <= 1.0)) {
    throw Error("--doc-threshold", "must be above 0 and at most 1");
  }
  LshParams p{config.bands, 1};
  while ((p.rows + 1) * p.bands <= config.permutations &&
         CandidateProbability(config.threshold, {p.bands, p.rows + 1}) >= 0.9) {
    ++p.rows;
  }
  return p;
}

// A 64-bit finaliser (Stafford's variant 13, as in SplitMix64): every bit
// of the input moves every bit of the output.
std::uint64_t ShortMix(std::uint64_t x) {
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// A table an eighth larger than `size` (at least `minimum`).
std::size_t EighthMore(std::size_t size, std::size_t minimum) {
  return std::max(minimum, size + size / 8);
}

// Arrays to and from the state file, little-endian (state_file.hpp).
void WriteArray(StateWriter& out, const std::uint64_t* data, std::size_t count) { out.WriteU64s(data, count); }
void WriteArray(StateWriter& out, const std::uint32_t* data, std::size_t count) { out.WriteU32s(data, count); }
void WriteArray(StateWriter& out, const std::uint8_t* data, std::size_t count) { out.Write(data, count); }
void ReadValues(StateReader& in, std::uint64_t* data, std::size_t count) { in.ReadU64s(data, count); }
void ReadValues(StateReader& in, std::uint32_t* data, std::size_t count) { in.ReadU32s(data, count); }
void ReadValues(StateReader& in, std::uint8_t* data, std::size_t count) { in.Read(data, count); }

// Reads `count` elements into `*out`. Unless the file's size has been
// checked against the count (a regular file), it grows as the data arrives:
// from a pipe a corrupt count then costs memory only for the bytes really
// there.
template <typename T>
void ReadArray(StateReader& in, std::uint64_t count, std::vector<T>* out) {
  constexpr std::uint64_t kStep = (std::uint64_t{1} << 20) / sizeof(T);
  out->clear();
  if (in.file_size() >= 0) out->reserve(static_cast<std::size_t>(count));
  while (out->size() < count) {
    const std::size_t done = out->size();
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(count - done, kStep));
    out->resize(done + n);
    ReadValues(in, out->data() + done, n);
  }
}

}  // namespace

DocSigner::DocSigner(const DocDedupConfig& config)
    : config_(config), hasher_(config.permutations, config.seed) {}

void DocSigner::Sign(const Normalized& text, DocSignature* out) {
  words_.clear();
  HashTokens(text, kWordSeed, &words_);
  SignWords(words_, out);
}

void DocSigner::SignWords(const std::vector<std::uint64_t>& words, DocSignature* out) {
  out->values.clear();
  if (words.empty()) return;
  // Unsorted, repeats and all: the signature is the same.
  ShingleSequence(words, config_.shingle_words, config_.seed, &shingles_);
  hasher_.Sign(shingles_, &out->values, nullptr);
  out->shingles = static_cast<std::uint32_t>(std::min<std::size_t>(shingles_.size(), 0xFFFFFFFFu));
  out->shingle_set.clear();
  if (shingles_.size() <= static_cast<std::size_t>(kProbeShingles)) {
    for (std::uint64_t h : shingles_) out->shingle_set.push_back(static_cast<std::uint32_t>(h >> 32));
    std::sort(out->shingle_set.begin(), out->shingle_set.end());
    out->shingle_set.erase(std::unique(out->shingle_set.begin(), out->shingle_set.end()),
                           out->shingle_set.end());
    // Classic MinHash, one hash function per value: a remix of the
    // shingle hash with the value's own seed.
    for (int v = 0; v < kShortBands * kShortRows; ++v) {
      const std::uint64_t seed = config_.seed + 0x9E3779B97F4A7C15ULL * static_cast<std::uint64_t>(v + 1);
      std::uint64_t least = ~std::uint64_t{0};
      for (std::uint64_t h : shingles_) least = std::min(least, ShortMix(h ^ seed));
      out->short_values[v] = least;
    }
  }
  const XXH128_hash_t exact = XXH3_128bits_withSeed(
      words.data(), words.size() * sizeof(std::uint64_t), config_.seed);
  out->exact_low = exact.low64;
  out->exact_high = exact.high64;
}

DocumentIndex::DocumentIndex(const DocDedupConfig& config)
    : config_(config),
      permutations_(config.permutations),
      sketch_bytes_((config.permutations * static_cast<int>(kSketchBits) + 7) / 8),
      lsh_params_(RowsFor(config)) {
  if (config.shingle_words < 1 || config.shingle_words > kMaxShingleWords) {
    throw Error("--doc-shingle", "must be between 1 and 16");
  }
  if (config.bands < 1) throw Error("bands", "must be at least 1");
}

std::uint32_t DocumentIndex::Fingerprint(const std::uint64_t* values, int band) const {
  // The band number seeds the hash, so equal rows in different bands
  // never meet in the one table.
  const std::uint64_t key =
      XXH3_64bits_withSeed(values + static_cast<std::size_t>(band) * lsh_params_.rows,
                           static_cast<std::size_t>(lsh_params_.rows) * sizeof(std::uint64_t),
                           static_cast<std::uint64_t>(band));
  return static_cast<std::uint32_t>(key >> 32);
}

std::uint32_t DocumentIndex::ShortFingerprint(const std::uint64_t* values, int band) {
  // Seeded apart from the ordinary bands' (which live in another table).
  const std::uint64_t key = XXH3_64bits_withSeed(
      values + static_cast<std::size_t>(band) * kShortRows, kShortRows * sizeof(std::uint64_t),
      0x73686f7274ULL + static_cast<std::uint64_t>(band));  // "short"
  return static_cast<std::uint32_t>(key >> 32);
}

std::size_t DocumentIndex::BandTable::Home(std::uint32_t fingerprint) const {
  // Spread the fingerprint over the table (any size) without a division.
  const std::uint64_t mixed = static_cast<std::uint64_t>(fingerprint) * 0x9E3779B97F4A7C15ULL;
  return static_cast<std::size_t>((static_cast<unsigned __int128>(mixed) * slots.size()) >> 64);
}

int DocumentIndex::BandTable::Probe(std::uint32_t fingerprint,
                                    std::vector<std::uint32_t>* out) const {
  if (slots.empty()) return 0;
  int holders = 0;
  for (std::size_t i = Home(fingerprint); slots[i].position != kEmpty;) {
    if (slots[i].fingerprint == fingerprint) {
      out->push_back(slots[i].position);
      ++holders;
    }
    if (++i == slots.size()) i = 0;
  }
  return holders;
}

void DocumentIndex::BandTable::Insert(std::uint32_t fingerprint, std::uint32_t position) {
  if (static_cast<double>(used + 1) > kMaxLoad * static_cast<double>(slots.size())) Grow();
  std::size_t i = Home(fingerprint);
  while (slots[i].position != kEmpty) {
    if (++i == slots.size()) i = 0;
  }
  slots[i] = {fingerprint, position};
  ++used;
}

void DocumentIndex::BandTable::Grow() {
  std::vector<Slot> old;
  old.swap(slots);
  slots.assign(EighthMore(old.size(), 1024), Slot{0, kEmpty});
  used = 0;
  for (const Slot& slot : old) {
    if (slot.position != kEmpty) Insert(slot.fingerprint, slot.position);
  }
}

std::uint32_t DocumentIndex::AppendShort(std::uint32_t position,
                                         const std::vector<std::uint32_t>& set) {
  const std::uint64_t words = 2 + set.size();
  // A record never straddles two blocks: the rest of a block too small for
  // it stays unused.
  if (arena_words_ % kArenaBlockWords + words > kArenaBlockWords) {
    // Zeros: a count of 0 marks the rest of the block as unused.
    std::uint32_t* rest = arena_blocks_.back().get() + arena_words_ % kArenaBlockWords;
    std::fill(rest, arena_blocks_.back().get() + kArenaBlockWords, 0u);
    arena_words_ += kArenaBlockWords - arena_words_ % kArenaBlockWords;
  }
  if (arena_words_ / kArenaBlockWords == arena_blocks_.size()) {
    arena_blocks_.emplace_back(new std::uint32_t[kArenaBlockWords]);
  }
  const auto offset = static_cast<std::uint32_t>(arena_words_);
  std::uint32_t* record = arena_blocks_.back().get() + offset % kArenaBlockWords;
  record[0] = position;
  record[1] = static_cast<std::uint32_t>(set.size());
  std::copy(set.begin(), set.end(), record + 2);
  arena_words_ += words;
  ++short_documents_;
  return offset;
}

double DocumentIndex::ExactJaccard(std::uint32_t offset, const std::vector<std::uint32_t>& set) const {
  const std::uint32_t* record = arena_at(offset);
  const std::uint32_t* a = record + 2;
  const std::uint32_t* a_end = a + record[1];
  std::size_t common = 0;
  for (auto b = set.begin(); a != a_end && b != set.end();) {
    if (*a < *b) {
      ++a;
    } else if (*b < *a) {
      ++b;
    } else {
      ++common;
      ++a;
      ++b;
    }
  }
  const std::size_t either = record[1] + set.size() - common;
  return either == 0 ? 1.0 : static_cast<double>(common) / static_cast<double>(either);
}

std::uint32_t DocumentIndex::AppendDocument(std::uint64_t ordinal, const std::uint8_t* sketch) {
  const auto position = static_cast<std::uint32_t>(indexed_);
  if (position % kBlockDocs == 0) {
    // Not value-initialised: pages are touched as documents fill them.
    ordinal_blocks_.emplace_back(new std::uint64_t[kBlockDocs]);
    sketch_blocks_.emplace_back(
        new std::uint8_t[static_cast<std::size_t>(kBlockDocs) * sketch_bytes_]);
  }
  ordinal_blocks_.back()[position % kBlockDocs] = ordinal;
  std::memcpy(sketch_blocks_.back().get() +
                  static_cast<std::size_t>(position % kBlockDocs) * sketch_bytes_,
              sketch, static_cast<std::size_t>(sketch_bytes_));
  ++indexed_;
  return position;
}

int DocumentIndex::Agreement(const std::uint8_t* a, const std::uint8_t* b) const {
  // Bits that agree: the zero bits of the XOR, over the first
  // permutations_ bits.
  int agree = 0;
  int values = permutations_;
  for (int i = 0; i < sketch_bytes_; i += 8) {
    std::uint64_t x = 0, y = 0;
    const int n = std::min(8, sketch_bytes_ - i);
    std::memcpy(&x, a + i, static_cast<std::size_t>(n));
    std::memcpy(&y, b + i, static_cast<std::size_t>(n));
    std::uint64_t same = ~(x ^ y);
    const int here = std::min(values, 64);
    if (here < 64) same &= (std::uint64_t{1} << here) - 1;
    agree += __builtin_popcountll(same);
    values -= here;
  }
  return agree;
}

DocVerdict DocumentIndex::Add(const DocSignature& signature, std::uint64_t ordinal) {
  DocVerdict verdict;
  next_ordinal_ = std::max(next_ordinal_, ordinal + 1);
  ++documents_;
  if (signature.values.empty()) return verdict;  // nothing to compare
  std::uint32_t fingerprints[kMaxPermutations];
  std::uint8_t sketch[kMaxPermutations * kSketchBits / 8 + 1] = {};
  for (int i = 0; i < permutations_; ++i) {
    const auto bit = static_cast<std::uint8_t>(signature.values[i] & 1);
    sketch[i / 8] = static_cast<std::uint8_t>(sketch[i / 8] | (bit << (i % 8)));
  }
  std::vector<Slot>& slots = table_.slots;
  // An identical text first: its exact-hash entry, confirmed on the whole
  // sketch. Band crowding never applies to it, so every copy of an indexed
  // document is found whatever the bands hold.
  const auto exact_fingerprint = static_cast<std::uint32_t>(signature.exact_high);
  if (!slots.empty()) {
    for (std::size_t i = table_.Home(exact_fingerprint); slots[i].position != kEmpty;) {
      if (slots[i].fingerprint == exact_fingerprint &&
          Agreement(sketch_at(slots[i].position), sketch) == permutations_) {
        return {true, true, ordinal_at(slots[i].position), 1.0, false};
      }
      if (++i == slots.size()) i = 0;
    }
  }
  // A document small enough to look itself up among the short documents:
  // those are decided on the exact Jaccard similarity of the shingle sets.
  const bool probe = !signature.shingle_set.empty();
  const bool is_short = probe && signature.shingles <= static_cast<std::uint32_t>(kShortShingles) &&
                        arena_words_ + 2 * kArenaBlockWords < kEmpty;
  std::uint32_t short_fingerprints[kShortBands];
  bool short_crowded[kShortBands] = {};
  if (probe) {
    short_candidates_.clear();
    for (int b = 0; b < kShortBands; ++b) {
      short_fingerprints[b] = ShortFingerprint(signature.short_values, b);
      short_crowded[b] = short_table_.Probe(short_fingerprints[b], &short_candidates_) >= kMaxPerBand;
    }
    std::sort(short_candidates_.begin(), short_candidates_.end());
    short_candidates_.erase(std::unique(short_candidates_.begin(), short_candidates_.end()),
                            short_candidates_.end());
    for (std::uint32_t offset : short_candidates_) {
      const double similarity = ExactJaccard(offset, signature.shingle_set);
      // The highest similarity wins; ties go to the earliest document.
      if (similarity >= config_.threshold && similarity > verdict.similarity) {
        verdict = {true, false, ordinal_at(arena_at(offset)[0]), similarity, true};
      }
    }
  }
  candidates_.clear();
  bool crowded[kMaxPermutations] = {};
  for (int b = 0; b < lsh_params_.bands; ++b) {
    fingerprints[b] = Fingerprint(signature.values.data(), b);
    crowded[b] = table_.Probe(fingerprints[b], &candidates_) >= kMaxPerBand;
  }
  std::sort(candidates_.begin(), candidates_.end());
  candidates_.erase(std::unique(candidates_.begin(), candidates_.end()), candidates_.end());
  for (std::uint32_t position : candidates_) {
    // A short document against one that looked itself up was decided
    // exactly above, never on the estimate.
    if (probe && short_at(position)) continue;
    const int agree = Agreement(sketch_at(position), sketch);
    // 1-bit estimate: values agree by chance half of the time.
    const double share = static_cast<double>(agree) / permutations_;
    const double similarity = std::max(0.0, 2.0 * share - 1.0);
    if (similarity >= config_.threshold && similarity > verdict.similarity) {
      verdict = {true, false, ordinal_at(position), similarity, false};
    }
  }
  if (verdict.duplicate) return verdict;
  if (indexed_ >= config_.max_documents) {
    ++not_indexed_;
    return verdict;
  }
  const std::uint32_t position = AppendDocument(ordinal, sketch);
  if (is_short) {
    ordinal_blocks_[position / kBlockDocs][position % kBlockDocs] |= kShortFlag;
    const std::uint32_t offset = AppendShort(position, signature.shingle_set);
    for (int b = 0; b < kShortBands; ++b) {
      if (!short_crowded[b]) short_table_.Insert(short_fingerprints[b], offset);
    }
    // Found by its exact-hash entry too (its copies, and documents too long
    // to look themselves up, which cannot reach the threshold with it).
    table_.Insert(exact_fingerprint, position);
    return verdict;
  }
  // A copy shares every band, so one band entered is enough to find it;
  // when all are crowded, the exact-hash entry takes their place.
  bool entered = false;
  for (int b = 0; b < lsh_params_.bands; ++b) {
    if (crowded[b]) continue;
    table_.Insert(fingerprints[b], position);
    entered = true;
  }
  if (!entered) table_.Insert(exact_fingerprint, position);
  return verdict;
}

std::uint64_t DocumentIndex::memory_bytes() const {
  // Blocks count whole, though the unused part of the last one is not
  // touched, so not resident.
  return (table_.slots.capacity() + short_table_.slots.capacity()) * sizeof(Slot) +
         ordinal_blocks_.size() * (std::uint64_t{kBlockDocs} * (8 + sketch_bytes_)) +
         arena_blocks_.size() * std::uint64_t{kArenaBlockWords} * sizeof(std::uint32_t);
}

namespace {

// Band entries in a canonical order, so that an index read back and written
// again gives the same bytes whatever its table's history.
template <typename Slot>
std::vector<Slot> SortedEntries(const std::vector<Slot>& slots, std::uint32_t empty) {
  std::vector<Slot> entries;
  for (const Slot& slot : slots) {
    if (slot.position != empty) entries.push_back(slot);
  }
  std::sort(entries.begin(), entries.end(), [](const Slot& a, const Slot& b) {
    return a.position != b.position ? a.position < b.position : a.fingerprint < b.fingerprint;
  });
  return entries;
}

// Band entries as u32 pairs (fingerprint, position), through a u32 array.
template <typename Slot>
void WriteSlots(StateWriter& out, const std::vector<Slot>& slots) {
  std::vector<std::uint32_t> words;
  constexpr std::size_t kStep = std::size_t{1} << 16;
  for (std::size_t done = 0; done < slots.size(); done += kStep) {
    const std::size_t n = std::min(kStep, slots.size() - done);
    words.clear();
    for (std::size_t i = done; i < done + n; ++i) {
      words.push_back(slots[i].fingerprint);
      words.push_back(slots[i].position);
    }
    out.WriteU32s(words.data(), words.size());
  }
}

// As ReadArray: from a pipe, memory follows the entries really there.
template <typename Slot>
void ReadSlots(StateReader& in, std::uint64_t count, std::vector<Slot>* out) {
  constexpr std::uint64_t kStep = std::uint64_t{1} << 16;
  std::vector<std::uint32_t> words(2 * kStep);
  out->clear();
  if (in.file_size() >= 0) out->reserve(static_cast<std::size_t>(count));
  while (out->size() < count) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(count - out->size(), kStep));
    in.ReadU32s(words.data(), 2 * n);
    for (std::size_t i = 0; i < n; ++i) out->push_back(Slot{words[2 * i], words[2 * i + 1]});
  }
}

}  // namespace

void DocumentIndex::Write(StateWriter& out) const {
  const std::vector<Slot> entries = SortedEntries(table_.slots, kEmpty);
  const std::vector<Slot> short_entries = SortedEntries(short_table_.slots, kEmpty);
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.version = kVersion;
  h.shingle_words = static_cast<std::uint32_t>(config_.shingle_words);
  h.permutations = static_cast<std::uint32_t>(permutations_);
  h.bands = static_cast<std::uint32_t>(lsh_params_.bands);
  h.rows = static_cast<std::uint32_t>(lsh_params_.rows);
  h.sketch_bits = kSketchBits;
  h.seed = config_.seed;
  h.threshold = config_.threshold;
  h.next_ordinal = next_ordinal_;
  h.not_indexed = not_indexed_;
  h.indexed = indexed_;
  h.band_entries = entries.size();
  h.short_documents = short_documents_;
  h.short_words = arena_words_;
  h.short_band_entries = short_entries.size();
  out.Write(h.magic, sizeof h.magic);
  for (std::uint32_t v : {h.version, h.shingle_words, h.permutations, h.bands, h.rows, h.sketch_bits}) {
    out.WriteU32(v);
  }
  out.WriteU64(h.seed);
  out.WriteF64(h.threshold);
  for (std::uint64_t v : {h.next_ordinal, h.not_indexed, h.indexed, h.band_entries, h.short_documents,
                          h.short_words, h.short_band_entries}) {
    out.WriteU64(v);
  }
  out.Checkpoint();
  for (std::uint64_t p = 0; p < indexed_; p += kBlockDocs) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kBlockDocs, indexed_ - p));
    WriteArray(out, ordinal_blocks_[p / kBlockDocs].get(), n);
  }
  WriteSlots(out, entries);
  for (std::uint64_t p = 0; p < indexed_; p += kBlockDocs) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kBlockDocs, indexed_ - p));
    WriteArray(out, sketch_blocks_[p / kBlockDocs].get(), n * static_cast<std::size_t>(sketch_bytes_));
  }
  for (std::uint64_t w = 0; w < arena_words_; w += kArenaBlockWords) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(kArenaBlockWords, arena_words_ - w));
    WriteArray(out, arena_blocks_[w / kArenaBlockWords].get(), n);
  }
  WriteSlots(out, short_entries);
}

void DocumentIndex::Swap(DocumentIndex& other) {
  std::swap(table_, other.table_);
  std::swap(short_table_, other.short_table_);
  std::swap(arena_blocks_, other.arena_blocks_);
  std::swap(arena_words_, other.arena_words_);
  std::swap(short_documents_, other.short_documents_);
  std::swap(ordinal_blocks_, other.ordinal_blocks_);
  std::swap(sketch_blocks_, other.sketch_blocks_);
  std::swap(indexed_, other.indexed_);
  std::swap(next_ordinal_, other.next_ordinal_);
  std::swap(documents_, other.documents_);
  std::swap(not_indexed_, other.not_indexed_);
}

void DocumentIndex::Read(StateReader& in) {
  const std::string& path = in.name();
  Header h{};
  in.Read(h.magic, sizeof h.magic);
  if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0) {
    throw Error(path, "not a winnow index file");
  }
  h.version = in.ReadU32();
  if (h.version != kVersion) {
    throw Error(path, "document index format version " + std::to_string(h.version) +
                          "; this winnow reads version " + std::to_string(kVersion) +
                          " only (the file was made by another winnow: run that winnow on it, or start a new index)");
  }
  for (std::uint32_t* v : {&h.shingle_words, &h.permutations, &h.bands, &h.rows, &h.sketch_bits}) *v = in.ReadU32();
  h.seed = in.ReadU64();
  h.threshold = in.ReadF64();
  for (std::uint64_t* v : {&h.next_ordinal, &h.not_indexed, &h.indexed, &h.band_entries, &h.short_documents,
                           &h.short_words, &h.short_band_entries}) {
    *v = in.ReadU64();
  }
  // Nothing in the header is believed before its checksum.
  in.Checkpoint();
  auto mismatch = [&](const char* what, const std::string& file, const std::string& ours) {
    throw Error(path, std::string("index was made with ") + what + " " + file +
                          ", this run uses " + ours);
  };
  auto number = [](double x) {
    std::ostringstream out;
    out << x;
    return out.str();
  };
  if (h.shingle_words != static_cast<std::uint32_t>(config_.shingle_words)) {
    mismatch("--doc-shingle", std::to_string(h.shingle_words), std::to_string(config_.shingle_words));
  }
  if (h.permutations != static_cast<std::uint32_t>(permutations_)) {
    mismatch("--permutations", std::to_string(h.permutations), std::to_string(permutations_));
  }
  if (h.seed != config_.seed) mismatch("seed", std::to_string(h.seed), std::to_string(config_.seed));
  if (h.threshold != config_.threshold || h.bands != static_cast<std::uint32_t>(lsh_params_.bands) ||
      h.rows != static_cast<std::uint32_t>(lsh_params_.rows)) {
    mismatch("--doc-threshold", number(h.threshold), number(config_.threshold));
  }
  if (h.sketch_bits != kSketchBits) {
    mismatch("sketch bits", std::to_string(h.sketch_bits), std::to_string(kSketchBits));
  }
  if (h.indexed > h.next_ordinal || h.indexed >= kEmpty ||
      h.band_entries > h.indexed * h.bands || h.short_documents > h.indexed ||
      h.short_words >= kEmpty || h.short_band_entries > h.short_documents * kShortBands) {
    throw Error(path, "index file is corrupt (document counts)");
  }
  // Never trust a count for an allocation: the data must be in the file.
  const std::uint64_t need = h.indexed * (8 + static_cast<std::uint64_t>(sketch_bytes_)) +
                             (h.band_entries + h.short_band_entries) * sizeof(Slot) +
                             h.short_words * sizeof(std::uint32_t);
  if (in.file_size() >= 0 && static_cast<std::uint64_t>(in.file_size()) < sizeof h + need) {
    throw Error(path, "file is truncated");
  }
  std::vector<std::uint64_t> ordinals;
  std::vector<Slot> entries;
  std::vector<std::uint8_t> sketches;
  ReadArray(in, h.indexed, &ordinals);
  ReadSlots(in, h.band_entries, &entries);
  ReadArray(in, h.indexed * static_cast<std::uint64_t>(sketch_bytes_), &sketches);
  std::vector<std::uint32_t> arena;
  std::vector<Slot> short_entries;
  ReadArray(in, h.short_words, &arena);
  ReadSlots(in, h.short_band_entries, &short_entries);
  // Band entries come in the order Write() puts them (by position, then
  // fingerprint), so that what is read writes back to the same bytes.
  auto check_entries = [&](const std::vector<Slot>& list, auto valid) {
    for (std::size_t i = 0; i < list.size(); ++i) {
      const Slot& e = list[i];
      const bool ordered = i == 0 || list[i - 1].position < e.position ||
                           (list[i - 1].position == e.position &&
                            list[i - 1].fingerprint <= e.fingerprint);
      if (!valid(e.position) || !ordered) throw Error(path, "index file is corrupt (band entries)");
    }
  };
  check_entries(entries, [&](std::uint32_t position) { return position < h.indexed; });
  // The short documents' records, as AppendShort lays them out: each at an
  // increasing position marked short, a count of 0 ends a block.
  std::vector<std::uint32_t> records;
  std::uint64_t flagged = 0;
  for (std::uint64_t p = 0; p < h.indexed; ++p) flagged += (ordinals[p] & kShortFlag) != 0;
  for (std::uint64_t w = 0; w < arena.size();) {
    const std::uint64_t in_block = kArenaBlockWords - w % kArenaBlockWords;
    if (in_block >= 2 && w + 2 > arena.size()) throw Error(path, "index file is corrupt (short documents)");
    if (in_block < 2 || arena[w + 1] == 0) {
      w += in_block;
      continue;
    }
    const std::uint32_t position = arena[w], count = arena[w + 1];
    if (count > static_cast<std::uint32_t>(kShortShingles) || 2 + count > in_block ||
        w + 2 + count > arena.size() || position >= h.indexed ||
        (ordinals[position] & kShortFlag) == 0 ||
        (!records.empty() && arena[records.back()] >= position)) {
      throw Error(path, "index file is corrupt (short documents)");
    }
    records.push_back(static_cast<std::uint32_t>(w));
    w += 2 + count;
  }
  if (records.size() != h.short_documents || flagged != h.short_documents) {
    throw Error(path, "index file is corrupt (short documents)");
  }
  check_entries(short_entries, [&](std::uint32_t offset) {
    return std::binary_search(records.begin(), records.end(), offset);
  });
  table_ = BandTable();
  short_table_ = BandTable();
  ordinal_blocks_.clear();
  sketch_blocks_.clear();
  arena_blocks_.clear();
  arena_words_ = 0;
  short_documents_ = 0;
  indexed_ = 0;
  for (std::uint64_t p = 0; p < h.indexed; ++p) {
    AppendDocument(ordinals[p], sketches.data() + p * static_cast<std::uint64_t>(sketch_bytes_));
  }
  std::vector<std::uint32_t> set;
  for (std::uint32_t w : records) {
    set.assign(arena.begin() + w + 2, arena.begin() + w + 2 + arena[w + 1]);
    // The same layout as written, so the short bands' offsets hold.
    if (AppendShort(arena[w], set) != w) throw Error(path, "index file is corrupt (short documents)");
  }
  for (const Slot& e : entries) table_.Insert(e.fingerprint, e.position);
  for (const Slot& e : short_entries) short_table_.Insert(e.fingerprint, e.position);
  next_ordinal_ = h.next_ordinal;
  not_indexed_ = h.not_indexed;
}

}  // namespace winnow
