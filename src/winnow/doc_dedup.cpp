#include "winnow/doc_dedup.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "winnow/detail/xxhash.hpp"
#include "winnow/error.hpp"
#include "winnow/reader.hpp"
#include "winnow/writer.hpp"
#include "winnow/shingle.hpp"

namespace winnow {
namespace {

constexpr char kMagic[8] = {'W', 'I', 'N', 'N', 'O', 'W', 'I', 'X'};
// Version 2: words are hashed with kWordSeed (version 1 used the document
// seed), so version 1 signatures do not compare with new ones.
constexpr std::uint32_t kVersion = 2;

// The header: every parameter a saved index depends on, little-endian as
// this machine writes it (the file is not meant to move between
// architectures; the magic and version catch other files).
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
};

// Writes raw bytes of a trivially copyable array.
template <typename T>
void WriteArray(int fd, const std::string& name, const T* data, std::size_t count) {
  WriteAll(fd, name, std::string_view(reinterpret_cast<const char*>(data), count * sizeof(T)));
}

// Reads `count` elements into `*out`. Unless `sized` (the file's size has
// been checked against the count), it grows as the data arrives: from a
// pipe a corrupt count then costs memory only for the bytes really there.
template <typename T>
void ReadArray(int fd, const std::string& name, std::uint64_t count, bool sized,
               std::vector<T>* out) {
  constexpr std::uint64_t kStep = (std::uint64_t{1} << 20) / sizeof(T);
  out->clear();
  if (sized) out->reserve(static_cast<std::size_t>(count));
  while (out->size() < count) {
    const std::size_t done = out->size();
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(count - done, kStep));
    out->resize(done + n);
    ReadExact(fd, name, out->data() + done, n * sizeof(T));
  }
}

}  // namespace

DocSigner::DocSigner(const DocDedupConfig& config)
    : config_(config), hasher_(config.permutations, config.seed) {}

void DocSigner::Sign(const Normalized& text, DocSignature* out) {
  words_.clear();
  HashWords(text, kWordSeed, &words_);
  SignWords(words_, out);
}

void DocSigner::SignWords(const std::vector<std::uint64_t>& words, DocSignature* out) {
  out->values.clear();
  if (words.empty()) return;
  Shingles(words, config_.shingle_words, config_.seed, &shingles_);
  hasher_.Sign(shingles_, &out->values, nullptr);
}

DocumentIndex::DocumentIndex(const DocDedupConfig& config)
    : config_(config),
      permutations_(config.permutations),
      lsh_params_(OptimalLshParams(config.threshold, config.permutations)) {
  if (config.shingle_words < 1 || config.shingle_words > kMaxShingleWords) {
    throw Error("--doc-shingle", "must be between 1 and 16");
  }
}

std::uint64_t DocumentIndex::BandKey(const std::uint64_t* values, int band) const {
  return XXH3_64bits_withSeed(values + static_cast<std::size_t>(band) * lsh_params_.rows,
                              static_cast<std::size_t>(lsh_params_.rows) * sizeof(std::uint64_t),
                              static_cast<std::uint64_t>(band));
}

void DocumentIndex::Insert(std::uint32_t position, const std::uint64_t* band_keys,
                           const std::uint16_t* sketch) {
  for (int b = 0; b < lsh_params_.bands; ++b) bands_.Add(band_keys[b], position);
  band_keys_.insert(band_keys_.end(), band_keys, band_keys + lsh_params_.bands);
  sketches_.insert(sketches_.end(), sketch, sketch + permutations_);
}

DocVerdict DocumentIndex::Add(const DocSignature& signature, std::uint64_t ordinal) {
  DocVerdict verdict;
  next_ordinal_ = std::max(next_ordinal_, ordinal + 1);
  ++documents_;
  if (signature.values.empty()) return verdict;  // nothing to compare
  std::uint64_t keys[kMaxPermutations];
  std::uint16_t sketch[kMaxPermutations];
  for (int i = 0; i < permutations_; ++i) {
    sketch[i] = static_cast<std::uint16_t>(signature.values[i]);
  }
  candidates_.clear();
  for (int b = 0; b < lsh_params_.bands; ++b) {
    keys[b] = BandKey(signature.values.data(), b);
    bands_.ForEach(keys[b], [&](std::uint32_t position) { candidates_.push_back(position); });
  }
  std::sort(candidates_.begin(), candidates_.end());
  candidates_.erase(std::unique(candidates_.begin(), candidates_.end()), candidates_.end());
  for (std::uint32_t position : candidates_) {
    const std::uint16_t* other = sketches_.data() + static_cast<std::size_t>(position) * permutations_;
    int same = 0;
    for (int i = 0; i < permutations_; ++i) same += other[i] == sketch[i];
    const double similarity = static_cast<double>(same) / permutations_;
    // The highest similarity wins; ties go to the earliest document.
    if (similarity >= config_.threshold && similarity > verdict.similarity) {
      verdict = {true, ordinals_[position], similarity};
    }
  }
  if (verdict.duplicate) return verdict;
  if (ordinals_.size() >= config_.max_documents) {
    ++not_indexed_;
    return verdict;
  }
  Insert(static_cast<std::uint32_t>(ordinals_.size()), keys, sketch);
  ordinals_.push_back(ordinal);
  return verdict;
}

void DocumentIndex::Write(int fd, const std::string& name) const {
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.version = kVersion;
  h.shingle_words = static_cast<std::uint32_t>(config_.shingle_words);
  h.permutations = static_cast<std::uint32_t>(permutations_);
  h.bands = static_cast<std::uint32_t>(lsh_params_.bands);
  h.rows = static_cast<std::uint32_t>(lsh_params_.rows);
  h.sketch_bits = 16;
  h.seed = config_.seed;
  h.threshold = config_.threshold;
  h.next_ordinal = next_ordinal_;
  h.not_indexed = not_indexed_;
  h.indexed = ordinals_.size();
  WriteArray(fd, name, &h, 1);
  WriteArray(fd, name, ordinals_.data(), ordinals_.size());
  WriteArray(fd, name, band_keys_.data(), band_keys_.size());
  WriteArray(fd, name, sketches_.data(), sketches_.size());
}

void DocumentIndex::Read(int fd, const std::string& path) {
  {
    Header h{};
    ReadExact(fd, path, &h, sizeof h);
    if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0) {
      throw Error(path, "not a winnow index file");
    }
    if (h.version != kVersion) {
      throw Error(path, "index file version " + std::to_string(h.version) +
                            ", this winnow reads version " + std::to_string(kVersion));
    }
    auto mismatch = [&](const char* what, const std::string& file, const std::string& ours) {
      throw Error(path, std::string("index was made with ") + what + " " + file +
                            ", this run uses " + ours);
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
      mismatch("--doc-threshold", std::to_string(h.threshold), std::to_string(config_.threshold));
    }
    if (h.sketch_bits != 16) mismatch("sketch bits", std::to_string(h.sketch_bits), "16");
    if (h.indexed > h.next_ordinal || h.indexed > (1ULL << 32)) {
      throw Error(path, "index file is corrupt (document counts)");
    }
    // Never trust a count for an allocation: the data must be in the file.
    struct stat st;
    const std::uint64_t need = h.indexed * (8 + 8ULL * h.bands + 2ULL * h.permutations);
    const bool sized = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    if (sized && static_cast<std::uint64_t>(st.st_size) < sizeof h + need) {
      throw Error(path, "file is truncated");
    }
    std::vector<std::uint64_t> ordinals, band_keys;
    std::vector<std::uint16_t> sketches;
    ReadArray(fd, path, h.indexed, sized, &ordinals);
    ReadArray(fd, path, h.indexed * h.bands, sized, &band_keys);
    ReadArray(fd, path, h.indexed * h.permutations, sized, &sketches);
    bands_.Clear();
    band_keys_.clear();
    sketches_.clear();
    ordinals_ = std::move(ordinals);
    for (std::size_t d = 0; d < ordinals_.size(); ++d) {
      Insert(static_cast<std::uint32_t>(d), band_keys.data() + d * h.bands,
             sketches.data() + d * h.permutations);
    }
    next_ordinal_ = h.next_ordinal;
    not_indexed_ = h.not_indexed;
  }
}

}  // namespace winnow
