// Document streams: reading records of one format from a file descriptor,
// and writing them back in the same format.
//
//   text   the whole input is one document (the core filter's mode)
//   jsonl  one JSON object per line, the document in a string field
//   wet    WARC records; `conversion` records hold the documents
//   nul    documents separated by NUL bytes, as with sort -z and xargs -0
//
// Records are read with large reads into one buffer that is compacted as
// records are consumed, so memory follows the largest record, not the
// stream. A record larger than the reader's limit (--max-document-bytes) is
// not held whole: it comes back in pieces, to be passed through unanalysed,
// so memory follows the limit. A malformed record is returned with `error` set and its bytes in
// `raw`; reading goes on after it (at the next line for JSONL, the next
// "WARC/1." line for WET). A malformed WARC record holds at most the limit
// plus 2 MiB and 4 bytes (kMaxWarcHeaderBytes, kMaxWarcBlankBytes, a
// trailer): garbage longer than that, without a "WARC/1." line, comes
// back as several malformed records, each of at most that size, found in
// time linear in the garbage.
//
// WET: blank lines after a record, up to kMaxWarcBlankBytes, are part of
// its trailer (warc.hpp); a byte order mark and blank lines (to the same
// bound) before the first record of an input are part of that record,
// written back before its version line. An input of nothing but those is
// one record without text, passed through.
#ifndef WINNOW_RECORDS_HPP_
#define WINNOW_RECORDS_HPP_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "winnow/document.hpp"
#include "winnow/jsonl.hpp"
#include "winnow/reader.hpp"
#include "winnow/warc.hpp"

namespace winnow {

enum class Format { kText, kJsonl, kWet, kNul };

// Parses "text", "jsonl", "wet" (or "warc"), "nul". Returns false otherwise.
bool ParseFormat(std::string_view name, Format* format);
std::string_view FormatName(Format format);

struct Record {
  std::uint64_t number = 0;  // 1-based position in its input
  std::uint64_t offset = 0;  // byte offset of its first byte in its input
  std::string raw;           // its bytes as read, terminator included
  std::string error;         // non-empty: malformed, and why
  bool has_text = false;     // false: passed through unchanged
  // The document, when has_text and it is not a span of `raw`: a JSONL
  // record's unescaped string, or a document a caller made. NUL and WET
  // records leave it empty and point into `raw` instead (text_in_raw), so
  // that their document costs no second copy; read it with document().
  std::string text;
  bool text_in_raw = false;
  std::size_t raw_text_begin = 0, raw_text_size = 0;  // the span, when text_in_raw
  std::string id;            // JSONL id field (raw JSON) or WARC-Record-ID
  std::string url;           // JSONL url field or WARC-Target-URI
  // Where the text sits, to write the record back:
  std::size_t text_begin = 0, text_end = 0;  // jsonl: value span in raw
  // jsonl: the spans in raw of the members JsonlFields::annotation names
  // (JsonLine::annotations).
  std::vector<std::pair<std::size_t, std::size_t>> annotations;
  // wet: views into `raw` of this very object; a copy of a Record still
  // points into the original's `raw`, so copy with care (or re-parse).
  WarcRecord warc;
  bool json_pending = false;  // jsonl read with defer_json: DecodeJsonRecord() not yet called
  // A record over the reader's size limit comes as a run of pieces, each in
  // `raw`, all with its number and offset and `oversized` set, `has_text`
  // false: it is passed through unanalysed. `continued` is set on every
  // piece but the first, `more` on every piece but the last. Concatenated,
  // the pieces are the record's bytes (a WARC record's trailer included).
  // The last piece of a WARC record that the input cuts short has `error`
  // set ("truncated record: ...").
  bool oversized = false;
  bool continued = false;
  bool more = false;

  // The document: `text`, or its span of `raw`. A view into this record,
  // valid until it is modified or read into again.
  std::string_view document() const {
    if (!text_in_raw) return text;
    return std::string_view(raw).substr(raw_text_begin, raw_text_size);
  }
};

// Parses a JSONL record's raw line into its fields (text, span, id, url,
// error). A UTF-8 byte order mark at the start of the first record of an
// input (offset 0) is skipped; the span counts it, so the record is written
// back with it. RecordReader does this itself unless told to defer it, which lets
// callers parse lines on several threads.
void DecodeJsonRecord(const JsonlFields& fields, Record* record);

class RecordReader {
 public:
  // Reads `fd` (not owned), decompressing it if it is gzip or zstd (see
  // Source). `name` is used in error messages.
  // With `defer_json`, JSONL records come back with json_pending set and
  // only `raw`, `number` and `offset` filled: see DecodeJsonRecord().
  // `max_record_bytes` is the size limit of a JSONL line or NUL chunk
  // (without its terminator) and of a WARC block (its Content-Length);
  // larger records come back in pieces of at most `chunk` bytes (see
  // Record::oversized). For Format::kText the whole input is one record,
  // and the limit is its size.
  RecordReader(int fd, std::string name, Format format, JsonlFields fields,
               std::size_t chunk = 1 << 20, bool defer_json = false,
               std::size_t max_record_bytes = kDefaultMaxDocumentBytes);
  RecordReader(const RecordReader&) = delete;
  RecordReader& operator=(const RecordReader&) = delete;

  // Fills `*record` with the next record; returns false at end of input.
  // Throws winnow::InputError if reading fails (see Source): every whole
  // record before the failure has been returned, the bytes of a record it
  // cut short are not; the reader is at end of input after it.
  bool Next(Record* record);

  // Bytes handed out in records (decompressed bytes).
  std::uint64_t bytes_read() const { return consumed_; }
  const Source& source() const { return source_; }

 private:
  bool Fill();  // reads more; false at end of input
  bool NextDelimited(char delimiter, Record* record);
  bool NextWarc(Record* record);
  // The size of the malformed WARC record at buffer_[start_ + lead] (a
  // BOM and blank lines before it): up to the next "WARC/1." line, and with
  // `lead` at most MalformedWarcBytes().
  std::size_t SkipMalformedWarc(std::size_t lead);
  std::size_t MalformedWarcBytes() const;
  // The next piece of the oversized record in progress.
  void NextPiece(Record* record);
  // Takes the next `size` bytes of the buffer as `record->raw`.
  void TakeRecord(std::size_t size, Record* record);
  // Takes the bytes of an oversized record's piece from the buffer.
  void TakePiece(std::size_t size, Record* record);
  // Records this large take the reader's buffer with them (no copy).
  static constexpr std::size_t kHandOverBytes = std::size_t{1} << 20;

  // An oversized record in progress: how it continues.
  enum class Piece { kNone, kDelimited, kWarcBlock, kToEnd };

  Source source_;
  std::string name_;
  Format format_;
  JsonlFields fields_;
  std::size_t chunk_;
  std::string buffer_;
  std::size_t start_ = 0;      // first unconsumed byte of buffer_
  std::uint64_t consumed_ = 0; // input offset of buffer_[start_]
  std::uint64_t number_ = 0;
  bool eof_ = false;
  bool defer_json_;
  std::size_t max_record_;
  Piece piece_ = Piece::kNone;
  std::uint64_t piece_number_ = 0, piece_offset_ = 0;
  std::uint64_t piece_left_ = 0;   // WARC: header and block bytes still to come
  std::uint64_t block_size_ = 0;   // WARC: the block's Content-Length
};

// Appends `record` to `*out` with its document replaced by `text` (records
// without text and malformed records: their raw bytes).
void AppendRecord(Format format, const Record& record, std::string_view text,
                  std::string* out);

// AppendRecord() with the kept lines of `doc` (AppendKept(), writer.hpp)
// as the record's text, written straight into the record: the kept text is
// never held apart, and `*out` grows once, by exactly the record's size.
// `doc` is the record's document(), split. Returns where in `*out` the kept
// text lies verbatim (text, NUL and WET records; size KeptBytes()), or
// std::string::npos for JSONL, where it is escaped.
std::size_t AppendKeptRecord(Format format, const Record& record, const Document& doc,
                             const std::vector<bool>& keep, std::string* out);

}  // namespace winnow

#endif  // WINNOW_RECORDS_HPP_
