#include "winnow/stages.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "winnow/detail/xxhash.hpp"
#include "winnow/error.hpp"

namespace winnow {
namespace {

constexpr char kStageMagic[8] = {'W', 'N', 'W', 'S', 'T', 'A', 'G', 'E'};
constexpr std::uint8_t kTrailer = 0xFF;
constexpr std::size_t kFlushBytes = std::size_t{1} << 20;

// Values are written byte by byte, least significant first, so a file means
// the same on every machine.
void PutU8(std::string* b, std::uint8_t v) { b->push_back(static_cast<char>(v)); }
void PutU32(std::string* b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void PutU64(std::string* b, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) b->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void PutU16(std::string* b, std::uint16_t v) {
  b->push_back(static_cast<char>(v & 0xFF));
  b->push_back(static_cast<char>(v >> 8));
}
// The line rules' verdicts: u32 lines, u16 each (verdict + 1: 0 kept).
void PutVerdicts(std::string* b, const std::vector<int>* verdicts) {
  const std::size_t n = verdicts != nullptr ? verdicts->size() : 0;
  PutU32(b, static_cast<std::uint32_t>(n));
  for (std::size_t i = 0; i < n; ++i) {
    const int v = (*verdicts)[i];
    if (v < -1 || v > 65534) throw Error("", "line rule number out of range for a stage file");
    PutU16(b, static_cast<std::uint16_t>(v + 1));
  }
}
void PutF64(std::string* b, double v) { PutU64(b, std::bit_cast<std::uint64_t>(v)); }
void PutString(std::string* b, std::string_view s) {
  PutU32(b, static_cast<std::uint32_t>(s.size()));
  b->append(s);
}

// What DocumentIndex::Add reads of a signature (see stages.hpp): the values
// of the LSH bands whole, every other value by its lowest bit.
int BandValues(const DocDedupConfig& doc) {
  const DocumentIndex probe(doc);
  const LshParams p = probe.lsh_params();
  return std::min(p.bands * p.rows, doc.permutations);
}

}  // namespace

std::string DecisionsPath(const std::string& dir, std::uint32_t part, std::uint32_t parts) {
  char name[64];
  std::snprintf(name, sizeof name, "part-%05u-of-%05u.decisions", part + 1, parts);
  return dir + "/" + name;
}

std::uint64_t RawHash(std::string_view raw) { return XXH3_64bits(raw.data(), raw.size()); }

struct StageWriter::Hash {
  XXH3_state_t state;
};
struct StageReader::Hash {
  XXH3_state_t state;
};

StageWriter::StageWriter(const std::string& path, const StageHeader& header, const DocDedupConfig& doc)
    : file_(path), hash_(new Hash), band_values_(BandValues(doc)), permutations_(doc.permutations) {
  XXH3_64bits_reset(&hash_->state);
  buffer_.append(kStageMagic, sizeof kStageMagic);
  PutU32(&buffer_, kStageVersion);
  PutString(&buffer_, header.kind);
  PutString(&buffer_, header.parameters);
  PutU32(&buffer_, header.part);
  PutU32(&buffer_, header.parts);
  PutU64(&buffer_, header.first_ordinal);
  XXH3_64bits_update(&hash_->state, buffer_.data(), buffer_.size());
  PutU64(&buffer_, XXH3_64bits_digest(&hash_->state));
  // The records' checksum starts after the header's.
  XXH3_64bits_reset(&hash_->state);
  file_.Write(buffer_);
  bytes_ += buffer_.size();
  buffer_.clear();
}

StageWriter::~StageWriter() = default;

void StageWriter::Flush() {
  XXH3_64bits_update(&hash_->state, buffer_.data(), buffer_.size());
  file_.Write(buffer_);
  bytes_ += buffer_.size();
  buffer_.clear();
}

void StageWriter::AddFacts(StageRecord kind, std::uint64_t raw_hash, const DocFacts* facts) {
  ++records_;
  PutU8(&buffer_, static_cast<std::uint8_t>(kind));
  PutU64(&buffer_, raw_hash);
  if (kind == StageRecord::kDocument) {
    PutU64(&buffer_, facts->site);
    PutU8(&buffer_, facts->kept_uncounted ? 1 : 0);
    const std::size_t lines = facts->counted != nullptr ? facts->counted->size() : 0;
    PutU32(&buffer_, static_cast<std::uint32_t>(lines));
    for (std::size_t i = 0; i < lines; ++i) {
      const RepeatedLines::Line& line = (*facts->counted)[i];
      PutU64(&buffer_, line.key);
      PutU8(&buffer_, static_cast<std::uint8_t>((line.short_line ? 1 : 0) | (line.rule_dropped ? 2 : 0)));
    }
    const DocSignature& s = *facts->signature;
    PutU8(&buffer_, s.values.empty() ? 0 : 1);
    if (!s.values.empty()) {
      PutU32(&buffer_, s.shingles);
      PutU64(&buffer_, s.exact_low);
      PutU64(&buffer_, s.exact_high);
      for (int i = 0; i < band_values_; ++i) PutU64(&buffer_, s.values[i]);
      for (int i = 0; i < permutations_; i += 8) {
        std::uint8_t bits = 0;
        for (int k = 0; k < 8 && i + k < permutations_; ++k) {
          bits = static_cast<std::uint8_t>(bits | ((s.values[i + k] & 1) << k));
        }
        PutU8(&buffer_, bits);
      }
      PutU32(&buffer_, static_cast<std::uint32_t>(s.shingle_set.size()));
      for (std::uint32_t h : s.shingle_set) PutU32(&buffer_, h);
      if (!s.shingle_set.empty()) {
        for (std::uint64_t v : s.short_values) PutU64(&buffer_, v);
      }
    }
    PutString(&buffer_, facts->id);
    PutString(&buffer_, facts->url);
    PutVerdicts(&buffer_, facts->verdicts);
  }
  if (buffer_.size() >= kFlushBytes) Flush();
}

void StageWriter::AddDecision(StageRecord kind, std::uint64_t raw_hash, std::uint64_t ordinal,
                              const DocDecision* d, const std::vector<int>* verdicts) {
  ++records_;
  PutU8(&buffer_, static_cast<std::uint8_t>(kind));
  PutU64(&buffer_, raw_hash);
  PutU64(&buffer_, ordinal);
  if (kind == StageRecord::kDocument) {
    const DocVerdict& v = d->duplicate;
    PutU8(&buffer_, static_cast<std::uint8_t>((d->empty ? 1 : 0) | (v.duplicate ? 2 : 0) |
                                              (v.exact ? 4 : 0) | (v.exact_similarity ? 8 : 0)));
    PutU32(&buffer_, static_cast<std::uint32_t>(d->repeated.size()));
    for (std::size_t i = 0; i < d->repeated.size(); i += 8) {
      std::uint8_t bits = 0;
      for (std::size_t k = 0; k < 8 && i + k < d->repeated.size(); ++k) {
        if (d->repeated[i + k]) bits = static_cast<std::uint8_t>(bits | (1u << k));
      }
      PutU8(&buffer_, bits);
    }
    if (v.duplicate) {
      PutU64(&buffer_, v.of);
      PutF64(&buffer_, v.similarity);
      PutString(&buffer_, d->duplicate_id);
      PutString(&buffer_, d->duplicate_url);
    }
    PutVerdicts(&buffer_, verdicts);
  }
  if (buffer_.size() >= kFlushBytes) Flush();
}

void StageWriter::Commit() {
  PutU8(&buffer_, kTrailer);
  PutU64(&buffer_, records_);
  Flush();
  PutU64(&buffer_, XXH3_64bits_digest(&hash_->state));
  file_.Write(buffer_);
  bytes_ += buffer_.size();
  buffer_.clear();
  file_.Commit();
}

StageReader::StageReader(const std::string& path, std::string_view kind, const DocDedupConfig& doc)
    : path_(path), fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)), buffer_(kFlushBytes),
      hash_(new Hash), band_values_(BandValues(doc)), permutations_(doc.permutations) {
  if (fd_ < 0) throw Error(path, std::strerror(errno));
  XXH3_64bits_reset(&hash_->state);
  try {
    char magic[sizeof kStageMagic];
    Bytes(magic, sizeof magic);
    if (std::memcmp(magic, kStageMagic, sizeof magic) != 0) throw StageError(path, "not a winnow stage file");
    const std::uint32_t version = U32();
    if (version != kStageVersion) {
      throw StageError(path, "stage file version " + std::to_string(version) + ", this winnow reads version " +
                            std::to_string(kStageVersion));
    }
    String(&header_.kind);
    String(&header_.parameters);
    header_.part = U32();
    header_.parts = U32();
    header_.first_ordinal = U64();
    Need(8);
    XXH3_64bits_update(&hash_->state, buffer_.data() + hashed_, pos_ - hashed_);
    const std::uint64_t expected = XXH3_64bits_digest(&hash_->state);
    std::uint64_t stored = 0;
    for (int i = 0; i < 8; ++i) stored |= std::uint64_t{static_cast<unsigned char>(buffer_[pos_ + i])} << (8 * i);
    pos_ += 8;
    hashed_ = pos_;
    XXH3_64bits_reset(&hash_->state);
    if (stored != expected) throw StageError(path, "stage file is damaged (header checksum mismatch)");
    if (header_.kind != kind) {
      throw StageError(path, "a " + header_.kind + " file where a " + std::string(kind) + " file is needed");
    }
    if (header_.parts == 0 || header_.part >= header_.parts) throw StageError(path, "stage file is damaged (part number)");
  } catch (...) {
    ::close(fd_);
    throw;
  }
}

StageReader::~StageReader() { ::close(fd_); }

void StageReader::Need(std::size_t n) {
  if (end_ - pos_ >= n) return;
  // The bytes consumed are hashed before they leave the buffer.
  XXH3_64bits_update(&hash_->state, buffer_.data() + hashed_, pos_ - hashed_);
  std::memmove(buffer_.data(), buffer_.data() + pos_, end_ - pos_);
  end_ -= pos_;
  pos_ = hashed_ = 0;
  if (buffer_.size() < n) buffer_.resize(n);
  while (end_ < n && !eof_) {
    const ssize_t got = ::read(fd_, buffer_.data() + end_, buffer_.size() - end_);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw Error(path_, std::string("read failed: ") + std::strerror(errno));
    if (got == 0) eof_ = true;
    end_ += static_cast<std::size_t>(got);
  }
  if (end_ < n) throw StageError(path_, "stage file is truncated or damaged (a record runs past its end: a stage did not finish writing it, or its bytes changed)");
}

std::uint8_t StageReader::U8() {
  Need(1);
  return static_cast<std::uint8_t>(buffer_[pos_++]);
}
void StageReader::Verdicts(std::vector<int>* out) {
  const std::uint32_t n = U32();
  out->resize(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    Need(2);
    const unsigned v = static_cast<unsigned char>(buffer_[pos_]) |
                       (static_cast<unsigned>(static_cast<unsigned char>(buffer_[pos_ + 1])) << 8);
    pos_ += 2;
    (*out)[i] = static_cast<int>(v) - 1;
  }
}

std::uint32_t StageReader::U32() {
  Need(4);
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= std::uint32_t{static_cast<unsigned char>(buffer_[pos_ + i])} << (8 * i);
  pos_ += 4;
  return v;
}
std::uint64_t StageReader::U64() {
  Need(8);
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= std::uint64_t{static_cast<unsigned char>(buffer_[pos_ + i])} << (8 * i);
  pos_ += 8;
  return v;
}
double StageReader::F64() { return std::bit_cast<double>(U64()); }
void StageReader::Bytes(void* out, std::size_t n) {
  Need(n);
  std::memcpy(out, buffer_.data() + pos_, n);
  pos_ += n;
}
void StageReader::String(std::string* out) {
  const std::uint32_t n = U32();
  // A damaged length must not allocate gigabytes: strings are names and
  // parameters, far below this.
  if (n > (std::uint32_t{1} << 26)) throw StageError(path_, "stage file is damaged (string length)");
  out->resize(n);
  if (n > 0) Bytes(out->data(), n);
}

void StageReader::CheckParameters(const std::string& parameters) const {
  if (header_.parameters == parameters) return;
  // Name the first option that differs, as the user gave it.
  auto lines = [](const std::string& text) {
    std::vector<std::string> out;
    std::size_t at = 0;
    while (at < text.size()) {
      std::size_t nl = text.find('\n', at);
      if (nl == std::string::npos) nl = text.size();
      out.push_back(text.substr(at, nl - at));
      at = nl + 1;
    }
    return out;
  };
  const std::vector<std::string> file = lines(header_.parameters), run = lines(parameters);
  auto name_of = [](const std::string& line) { return line.substr(0, line.find('=')); };
  auto find = [&](const std::vector<std::string>& in, const std::string& name) -> std::string {
    for (const std::string& line : in) {
      if (name_of(line) == name) return line;
    }
    return name + " not given";
  };
  auto refuse = [&](const std::string& name, const std::string& a, const std::string& b) {
    const bool build = name == "winnow" || name == "built-in";
    throw StageError(path_, "made with other parameters (" + a + ", this run has " + b + "): every stage of a run needs " +
                                (build ? "the same build of winnow (its built-in rules and line model)"
                                       : "the same options"));
  };
  for (const std::string& line : run) {
    const std::string other = find(file, name_of(line));
    if (other != line) refuse(name_of(line), other, line);
  }
  for (const std::string& line : file) {
    const std::string other = find(run, name_of(line));
    if (other != line) refuse(name_of(line), line, other);
  }
  throw StageError(path_, "made with other parameters");
}

bool StageReader::End() {
  const std::uint64_t records = U64();
  XXH3_64bits_update(&hash_->state, buffer_.data() + hashed_, pos_ - hashed_);
  hashed_ = pos_;
  const std::uint64_t expected = XXH3_64bits_digest(&hash_->state);
  if (U64() != expected) throw StageError(path_, "stage file is damaged (checksum mismatch)");
  if (records != records_) throw StageError(path_, "stage file is damaged (record count)");
  Need(0);
  char extra;
  ssize_t n;
  if (end_ > pos_) throw StageError(path_, "stage file has trailing bytes");
  while ((n = ::read(fd_, &extra, 1)) < 0 && errno == EINTR) {
  }
  if (n != 0) throw StageError(path_, "stage file has trailing bytes");
  return false;
}

bool StageReader::NextFacts(FactsRecord* out) {
  const std::uint8_t kind = U8();
  if (kind == kTrailer) return End();
  if (kind > static_cast<std::uint8_t>(StageRecord::kDocument)) throw StageError(path_, "stage file is damaged (record kind)");
  ++records_;
  out->kind = static_cast<StageRecord>(kind);
  out->raw_hash = U64();
  if (out->kind != StageRecord::kDocument) return true;
  out->site = U64();
  out->kept_uncounted = U8() != 0;
  const std::uint32_t lines = U32();
  out->counted.resize(lines);
  for (RepeatedLines::Line& line : out->counted) {
    line.key = U64();
    const std::uint8_t flags = U8();
    line.short_line = (flags & 1) != 0;
    line.rule_dropped = (flags & 2) != 0;
  }
  DocSignature& s = out->signature;
  s.values.clear();
  s.shingle_set.clear();
  if (U8() != 0) {
    s.shingles = U32();
    s.exact_low = U64();
    s.exact_high = U64();
    s.values.resize(static_cast<std::size_t>(permutations_));
    for (int i = 0; i < band_values_; ++i) s.values[i] = U64();
    for (int i = 0; i < permutations_; i += 8) {
      const std::uint8_t bits = U8();
      for (int k = 0; k < 8 && i + k < permutations_; ++k) {
        if (i + k >= band_values_) s.values[i + k] = (bits >> k) & 1;
      }
    }
    const std::uint32_t set = U32();
    if (set > static_cast<std::uint32_t>(kProbeShingles)) throw StageError(path_, "stage file is damaged (shingle set)");
    s.shingle_set.resize(set);
    for (std::uint32_t& h : s.shingle_set) h = U32();
    if (set > 0) {
      for (std::uint64_t& v : s.short_values) v = U64();
    }
  }
  String(&out->id);
  String(&out->url);
  Verdicts(&out->verdicts);
  return true;
}

bool StageReader::NextDecision(StageRecord* kind, std::uint64_t* raw_hash, std::uint64_t* ordinal,
                               DocDecision* d, std::vector<int>* verdicts) {
  const std::uint8_t k = U8();
  if (k == kTrailer) return End();
  if (k > static_cast<std::uint8_t>(StageRecord::kDocument)) throw StageError(path_, "stage file is damaged (record kind)");
  ++records_;
  *kind = static_cast<StageRecord>(k);
  *raw_hash = U64();
  *ordinal = U64();
  if (*kind != StageRecord::kDocument) return true;
  d->ordinal = *ordinal;
  const std::uint8_t flags = U8();
  d->empty = (flags & 1) != 0;
  d->duplicate = DocVerdict{};
  d->duplicate.duplicate = (flags & 2) != 0;
  d->duplicate.exact = (flags & 4) != 0;
  d->duplicate.exact_similarity = (flags & 8) != 0;
  const std::uint32_t lines = U32();
  d->repeated.assign(lines, false);
  for (std::uint32_t i = 0; i < lines; i += 8) {
    const std::uint8_t bits = U8();
    for (std::uint32_t b = 0; b < 8 && i + b < lines; ++b) d->repeated[i + b] = ((bits >> b) & 1) != 0;
  }
  d->duplicate_id.clear();
  d->duplicate_url.clear();
  if (d->duplicate.duplicate) {
    d->duplicate.of = U64();
    d->duplicate.similarity = F64();
    String(&d->duplicate_id);
    String(&d->duplicate_url);
  }
  Verdicts(verdicts);
  return true;
}

DecisionSource::DecisionSource(const std::string& path, const std::string& parameters,
                               const DocDedupConfig& doc)
    : path_(path) {
  StageReader in(path, "decisions", doc);
  in.CheckParameters(parameters);
  header_ = in.header();
  Entry e;
  while (in.NextDecision(&e.kind, &e.raw_hash, &e.ordinal, &e.decision, &e.verdicts)) {
    entries_.push_back(e);
    e.verdicts.clear();
  }
}

void DecisionSource::Next(StageRecord kind, std::uint64_t raw_hash, const std::string& where,
                          std::uint64_t* ordinal, DocDecision* decision) {
  if (next_ >= entries_.size()) {
    throw StageError(where, "the decisions file " + path_ + " ends before this record: it was made for another input");
  }
  Entry& e = entries_[next_++];
  if (e.kind != kind || e.raw_hash != raw_hash) {
    throw StageError(where, "differs from the record the decisions file " + path_ +
                           " was made for (is this the shard given to winnow sign as part " +
                           std::to_string(header_.part + 1) + " of " + std::to_string(header_.parts) + "?)");
  }
  *ordinal = e.ordinal;
  if (kind == StageRecord::kDocument) *decision = std::move(e.decision);
  e.decision = DocDecision{};
  std::vector<int>().swap(e.verdicts);
}

const std::vector<int>* DecisionSource::VerdictsAt(std::size_t index) const {
  if (index >= entries_.size() || entries_[index].kind != StageRecord::kDocument) return nullptr;
  return &entries_[index].verdicts;
}

void DecisionSource::ExpectEnd() const {
  if (next_ != entries_.size()) {
    throw StageError(path_, "holds " + std::to_string(entries_.size()) + " records, the input only " +
                           std::to_string(next_) + ": it was made for another input");
  }
}

}  // namespace winnow
