// RecordReader (records.hpp) over an in-memory file with small reads.
//
// The first input byte picks the format (low two bits: text, jsonl, wet,
// nul) and the read size (1 to 16 bytes); the rest is the stream.
// Invariants:
//  - the raw bytes of all records, concatenated, are the stream; records
//    are numbered 1, 2, ... with offsets that add up; bytes_read() is the
//    stream's size at the end; Next() stays false after it;
//  - a JSONL or NUL record is one line or chunk: its delimiter only at its
//    end, and missing only on the last record;
//  - the records do not depend on the read size (the same fields with
//    1 MiB reads), nor, for JSONL, on deferring the parse to
//    DecodeJsonRecord;
//  - a well-formed record with text, written back with its own text by
//    AppendRecord, is its raw bytes (text, NUL, WET with a whole trailer);
//    a JSONL one parses back to the same text;
//  - with a size limit (a third of the stream), records over it come in
//    pieces that join to their bytes (one number and offset, `continued`
//    on all but the first, `more` on all but the last), the whole stream
//    still reads back, and the joined records do not depend on the read
//    size.
// A stream that starts with a gzip or zstd magic number is decompressed
// (Source, reader.hpp): then the reader must return records or throw
// winnow::InputError, never crash, and the same records at every read size.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_util.hpp"
#include "winnow/error.hpp"
#include "winnow/jsonl.hpp"
#include "winnow/records.hpp"

namespace {

using winnow::Format;
using winnow::fuzz::WholeTrailer;

struct Rec {
  std::uint64_t number, offset;
  std::string raw, error;
  bool has_text;
  std::string text, id, url;
  std::size_t text_begin, text_end;
  bool operator==(const Rec&) const = default;
};

std::vector<Rec> ReadAll(std::string_view stream, Format format, std::size_t chunk, bool defer,
                         bool check_written) {
  winnow::fuzz::MemFile file(stream);
  const winnow::JsonlFields fields;
  winnow::RecordReader reader(file.fd(), "fuzz", format, fields, chunk, defer);
  std::vector<Rec> records;
  winnow::Record r;
  std::string joined;
  while (reader.Next(&r)) {
    if (r.json_pending) {
      FUZZ_CHECK(defer && format == Format::kJsonl);
      winnow::DecodeJsonRecord(fields, &r);
    }
    FUZZ_CHECK(!r.json_pending);
    FUZZ_CHECK(r.number == records.size() + 1);
    FUZZ_CHECK(r.offset == joined.size());
    joined += r.raw;
    FUZZ_CHECK(!r.raw.empty() || (format == Format::kText && stream.empty()));
    if (format == Format::kJsonl || format == Format::kNul) {
      const char delimiter = format == Format::kJsonl ? '\n' : '\0';
      const std::size_t at = r.raw.find(delimiter);
      FUZZ_CHECK(at == std::string::npos || at + 1 == r.raw.size());
      FUZZ_CHECK(at != std::string::npos || joined.size() == stream.size());
    }
    if (check_written && r.has_text && r.error.empty()) {
      std::string out;
      winnow::AppendRecord(format, r, r.document(), &out);
      if (format == Format::kJsonl) {
        winnow::JsonLine parsed;
        std::string error;
        std::string_view line = out;
        if (line.ends_with('\n')) line.remove_suffix(1);
        FUZZ_CHECK(winnow::ParseJsonLine(line, fields, &parsed, &error));
        FUZZ_CHECK(parsed.has_text && parsed.text == r.document());
      } else if (format != Format::kWet || WholeTrailer(r.warc.trailer)) {
        FUZZ_CHECK(out == r.raw);
      }
    }
    records.push_back({r.number, r.offset, r.raw, r.error, r.has_text, std::string(r.document()), r.id, r.url,
                       r.text_begin, r.text_end});
  }
  FUZZ_CHECK(!reader.Next(&r));
  FUZZ_CHECK(joined == stream);
  FUZZ_CHECK(reader.bytes_read() == stream.size());
  return records;
}

// Reads with `limit`, joining each oversized record's pieces.
std::vector<Rec> ReadJoined(std::string_view stream, Format format, std::size_t chunk,
                            std::size_t limit) {
  winnow::fuzz::MemFile file(stream);
  winnow::RecordReader reader(file.fd(), "fuzz", format, winnow::JsonlFields{}, chunk, false,
                              limit);
  std::vector<Rec> records;
  winnow::Record r;
  std::string joined;
  bool more = false;  // inside an oversized record
  while (reader.Next(&r)) {
    FUZZ_CHECK(r.continued == more);
    FUZZ_CHECK(!r.oversized || !r.has_text);
    FUZZ_CHECK(!r.more || r.oversized);
    if (more) {
      FUZZ_CHECK(r.number == records.back().number && r.offset == records.back().offset);
      records.back().raw += r.raw;
      records.back().error = r.error;
    } else {
      FUZZ_CHECK(r.offset == joined.size());
      records.push_back({r.number, r.offset, r.raw, r.error, r.has_text, std::string(r.document()), r.id, r.url,
                         r.text_begin, r.text_end});
    }
    joined += r.raw;
    more = r.more;
  }
  FUZZ_CHECK(!more);
  FUZZ_CHECK(joined == stream);
  FUZZ_CHECK(reader.bytes_read() == stream.size());
  return records;
}

// Compressed input: every record's raw bytes and error, then "!" if
// reading failed (winnow::InputError; anything else escapes and crashes).
std::vector<std::string> ReadCompressed(std::string_view stream, Format format, std::size_t chunk) {
  winnow::fuzz::MemFile file(stream);
  winnow::RecordReader reader(file.fd(), "fuzz", format, winnow::JsonlFields{}, chunk);
  std::vector<std::string> out;
  winnow::Record r;
  try {
    while (reader.Next(&r)) out.push_back(r.raw + "|" + r.error);
  } catch (const winnow::InputError& e) {
    out.push_back("!");  // the byte it names may differ by a few with the read size
  }
  return out;
}

// True if reading `stream` fails with winnow::InputError before its first
// record: a compressed format that winnow refuses by its magic bytes (xz,
// bzip2, lz4, lzip, zip, 7z). Anything else escapes and crashes.
bool Refused(std::string_view stream, Format format, std::size_t chunk) {
  winnow::fuzz::MemFile file(stream);
  winnow::RecordReader reader(file.fd(), "fuzz", format, winnow::JsonlFields{}, chunk);
  winnow::Record r;
  try {
    reader.Next(&r);
  } catch (const winnow::InputError& e) {
    return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static constexpr Format kFormats[] = {Format::kText, Format::kJsonl, Format::kWet, Format::kNul};
  const Format format = kFormats[data[0] & 3];
  const std::size_t chunk = 1 + ((data[0] >> 2) & 15);
  const std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);

  if ((stream.size() >= 2 && stream[0] == '\x1f' && stream[1] == '\x8b') ||
      (stream.size() >= 4 && (stream.substr(0, 4) == "\x28\xb5\x2f\xfd" ||
                              (stream.substr(1, 3) == "\x2a\x4d\x18" && (stream[0] & 0xF0) == 0x50)))) {
    FUZZ_CHECK(ReadCompressed(stream, format, chunk) == ReadCompressed(stream, format, 1 << 20));
    return 0;
  }
  // Refused whatever the read size (the magic is read as far as it may
  // still match), and then not read further.
  const bool refused = Refused(stream, format, chunk);
  FUZZ_CHECK(refused == Refused(stream, format, std::size_t{1} << 20));
  if (refused) return 0;
  const std::vector<Rec> small = ReadAll(stream, format, chunk, false, true);
  FUZZ_CHECK(ReadAll(stream, format, std::size_t{1} << 20, false, false) == small);
  if (format == Format::kJsonl) {
    FUZZ_CHECK(ReadAll(stream, format, chunk, true, false) == small);
  }
  if (format != Format::kText) {
    const std::size_t limit = stream.size() / 3;
    FUZZ_CHECK(ReadJoined(stream, format, chunk, limit) ==
               ReadJoined(stream, format, std::size_t{1} << 20, limit));
  }
  return 0;
}
