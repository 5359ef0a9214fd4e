// Stage files: a run split into stages that many machines share.
//
//   winnow sign    per shard (in parallel): each record's facts (DocFacts,
//                  decide.hpp: its site, its lines' keys, its document's
//                  signature, its names), written to a facts file;
//   winnow decide  once, over every shard's facts file in shard order: the
//                  order-dependent decisions (Decider) exactly as one
//                  process makes them over the concatenated shards, written
//                  to one decisions file per shard;
//   winnow apply   per shard (in parallel): the shard read again, cleaned
//                  and written with its decisions: output, rejects and
//                  annotations byte-identical to one run over the
//                  concatenated shards.
//
// Every stage file has one layout, little-endian throughout:
//   magic "WNWSTAGE", u32 version, string kind ("facts" or "decisions"),
//   string parameters (ResultParameters(): every option that changes a
//   decision or an output byte, one "name=value" per line), u32 part,
//   u32 parts, u64 first ordinal (decisions: the part's first record's
//   ordinal in the whole run), u64 checksum of the header;
//   records (below), one after another;
//   u8 0xFF, u64 number of records, u64 XXH3-64 of every byte before it.
// A string is a u32 length and its bytes. A reader refuses, with a
// winnow::Error naming the file, a file that is not a stage file, of another
// version or kind, damaged (either checksum), truncated, or made with other
// parameters; `winnow decide` also refuses a missing or repeated part. Files
// are written under FILE.tmp and renamed into place when whole (AtomicFile),
// so a stage that fails leaves no file a later stage would take.
//
// A record starts with u8 kind (StageRecord) and u64 XXH3-64 of its raw
// bytes (the first piece of an oversized record), so that `winnow apply`
// given another shard than the one signed refuses it instead of writing
// another shard's decisions. Facts of a document then hold: u64 site; u8
// kept_uncounted; u32 lines, each u64 key and u8 flags (1 short, 2 dropped
// by the rules); its signature (u8 1 for one, 0 for a document without
// words; then u32 shingles, u64 exact low and high, the LSH bands' values
// as u64, the b-bit sketch as bytes, u32 count and the short-document
// shingle set as u32, and if that is not empty the short bands' values as
// u64): what DocumentIndex::Add reads of it, so the decision replayed from a
// facts file is the one made from the whole signature; string id, string
// url; the line rules' verdicts (u32 lines, u16 each: 0 kept, else the
// rule's number + 1). Decisions hold u64 ordinal, and for a document u8
// flags (1 empty, 2 duplicate, 4 exact copy, 8 exact similarity), u32 lines
// and their repeated-line bits (one per counted line, packed from bit 0),
// for a duplicate u64 its kept document's ordinal, f64 similarity, string
// id, string url; then the facts' verdicts, passed on, so that `winnow
// apply` reads a shard without running the line rules again (with
// --explain it runs them, for the line model's notes).
#ifndef WINNOW_STAGES_HPP_
#define WINNOW_STAGES_HPP_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "winnow/decide.hpp"
#include "winnow/doc_dedup.hpp"
#include "winnow/error.hpp"
#include "winnow/writer.hpp"

namespace winnow {

// Version 2: the line rules' verdicts of each document, in facts and
// decisions, so that `winnow apply` does not run the line rules again.
inline constexpr std::uint32_t kStageVersion = 2;

// A stage file refused: not a stage file, damaged, truncated, of another
// version or kind, made with other parameters or for another shard, or a
// part missing. Running again will not help (unlike a failed read or
// write): the command line exits with its own status (3).
class StageError : public Error {
 public:
  using Error::Error;
};

enum class StageRecord : std::uint8_t {
  kOther = 0,      // passed through (no text, or over --max-document-bytes)
  kMalformed = 1,  // with --on-error skip
  kDocument = 2,
};

struct StageHeader {
  std::string kind;        // "facts" or "decisions"
  std::string parameters;  // see ResultParameters (options.hpp)
  std::uint32_t part = 0;  // 0-based
  std::uint32_t parts = 0;
  std::uint64_t first_ordinal = 0;
};

// One record's facts as read back from a facts file.
struct FactsRecord {
  StageRecord kind = StageRecord::kOther;
  std::uint64_t raw_hash = 0;
  std::uint64_t site = 0;
  bool kept_uncounted = false;
  std::vector<RepeatedLines::Line> counted;
  DocSignature signature;
  std::string id, url;
  std::vector<int> verdicts;  // the line rules', per line (DocFacts::verdicts)
};

// Where `winnow decide` writes part `part` (0-based) of `parts`:
// DIR/part-00003-of-00016.decisions (1-based, five digits or more).
std::string DecisionsPath(const std::string& dir, std::uint32_t part, std::uint32_t parts);

// The hash a stage record carries of its raw bytes.
std::uint64_t RawHash(std::string_view raw);

// Writes a stage file (see above) through PATH.tmp. Throws winnow::Error
// on a failed write. Without Commit() nothing replaces PATH.
class StageWriter {
 public:
  StageWriter(const std::string& path, const StageHeader& header, const DocDedupConfig& doc);
  ~StageWriter();
  StageWriter(const StageWriter&) = delete;
  StageWriter& operator=(const StageWriter&) = delete;

  // A facts record; `facts` for documents only.
  void AddFacts(StageRecord kind, std::uint64_t raw_hash, const DocFacts* facts);
  // A decisions record; `decision` and the line rules' `verdicts` (passed
  // on from the facts) for documents only.
  void AddDecision(StageRecord kind, std::uint64_t raw_hash, std::uint64_t ordinal,
                   const DocDecision* decision, const std::vector<int>* verdicts = nullptr);
  // Writes the trailer and renames the file into place.
  void Commit();
  std::uint64_t records() const { return records_; }
  std::uint64_t bytes() const { return bytes_; }

 private:
  void Flush();
  AtomicFile file_;
  std::string buffer_;
  struct Hash;
  std::unique_ptr<Hash> hash_;
  int band_values_, permutations_;
  std::uint64_t records_ = 0, bytes_ = 0;
};

// Reads a stage file from its start, record by record, in bounded memory.
// The header is read and its checksum checked on construction; Next()
// checks the file's checksum when it reaches the trailer. Throws
// winnow::Error naming the file.
class StageReader {
 public:
  StageReader(const std::string& path, std::string_view kind, const DocDedupConfig& doc);
  ~StageReader();
  StageReader(const StageReader&) = delete;
  StageReader& operator=(const StageReader&) = delete;

  const StageHeader& header() const { return header_; }
  const std::string& path() const { return path_; }
  // Refuses the file unless it was made with `parameters` (names the first
  // line that differs).
  void CheckParameters(const std::string& parameters) const;

  // The next facts record; false at the end (after the checksum is checked).
  bool NextFacts(FactsRecord* out);
  // The next decisions record; false at the end.
  bool NextDecision(StageRecord* kind, std::uint64_t* raw_hash, std::uint64_t* ordinal,
                    DocDecision* decision, std::vector<int>* verdicts);

 private:
  void Need(std::size_t n);
  std::uint8_t U8();
  std::uint32_t U32();
  std::uint64_t U64();
  double F64();
  void Bytes(void* out, std::size_t n);
  void String(std::string* out);
  void Verdicts(std::vector<int>* out);
  // Reads the trailer after its 0xFF: false, or throws when damaged.
  bool End();

  std::string path_;
  int fd_;
  std::vector<char> buffer_;
  std::size_t pos_ = 0, end_ = 0, hashed_ = 0;
  bool eof_ = false;
  struct Hash;
  std::unique_ptr<Hash> hash_;
  StageHeader header_;
  int band_values_, permutations_;
  std::uint64_t records_ = 0;
};

// A decisions file read whole and checked (every checksum, the trailer)
// before the first decision is handed out: `winnow apply` never writes a
// record from a partial or damaged file.
class DecisionSource {
 public:
  // Throws winnow::Error when the file is refused (see StageReader), or
  // was made with other `parameters`.
  DecisionSource(const std::string& path, const std::string& parameters, const DocDedupConfig& doc);
  const StageHeader& header() const { return header_; }
  // The decision for the next record of the shard, which is of `kind` with
  // raw bytes hashing to `raw_hash`; `where` names it in the error thrown
  // when the file's record differs or the file has no more records.
  void Next(StageRecord kind, std::uint64_t raw_hash, const std::string& where,
            std::uint64_t* ordinal, DocDecision* decision);
  // Throws unless every decision was used (the shard was read whole).
  void ExpectEnd() const;
  // How many decisions Next() has handed out.
  std::size_t position() const { return next_; }
  // The line rules' verdicts of the document at `index` (0-based, as
  // position()), or null when there is none (another kind, past the end).
  // Valid until Next() passes it.
  const std::vector<int>* VerdictsAt(std::size_t index) const;

 private:
  struct Entry {
    StageRecord kind;
    std::uint64_t raw_hash, ordinal;
    DocDecision decision;
    std::vector<int> verdicts;
  };
  std::string path_;
  StageHeader header_;
  std::vector<Entry> entries_;
  std::size_t next_ = 0;
};

}  // namespace winnow

#endif  // WINNOW_STAGES_HPP_
