// WARC/1.0 and WARC/1.1 records, as Common Crawl publishes WET files.
//
// A record is a version line, header lines ("Name: value"), an empty line,
// a block of Content-Length bytes, and two CRLFs. winnow cleans the block
// of `conversion` records (the extracted text of a WET file; in it each line
// is a paragraph) and passes every other record through unchanged. When a
// block changes, Content-Length is set to its new size and, if the record
// had a WARC-Block-Digest, the digest is recomputed (sha1, base32, as
// Common Crawl writes it); the other headers keep their bytes and order.
//
// Line endings: the WARC spec says CRLF. Some tools write bare LF, so every
// line (version, header, the empty line, each half of the trailer) may end
// in either "\r\n" or "\n"; the bytes read are kept and written back as
// they were. Files that went through tools also have runs of extra blank
// lines between records: they belong to the record before them, as part of
// its trailer (at most kMaxWarcBlankBytes of them), and are written back
// with it. Only the uncompressed format is handled here (a .warc.gz is a
// series of gzip members, which the caller inflates).
//
// Malformed input never throws; its errors are return values.
#ifndef WINNOW_WARC_HPP_
#define WINNOW_WARC_HPP_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace winnow {

// A Content-Length above this is refused as "bad Content-Length" rather
// than waited for (1 TiB; Common Crawl records are well under 1 MiB).
inline constexpr std::uint64_t kMaxWarcBlockBytes = std::uint64_t{1} << 40;

// A version line plus header lines longer than this, without the empty line
// that ends them, is refused rather than buffered for ever.
inline constexpr std::size_t kMaxWarcHeaderBytes = std::size_t{1} << 20;

// Blank lines ("\r\n" or "\n" each) after a record's two trailing line
// ends that join its trailer: at most this many bytes of them (1 MiB).
// Blank lines beyond are not skipped: they are where the next record
// should start, so it is malformed ("no WARC version line"). RecordReader
// holds blank lines before the first record of an input to the same bound.
inline constexpr std::size_t kMaxWarcBlankBytes = std::size_t{1} << 20;

// All views of a WarcHeader and a WarcRecord filled by ParseWarcRecord point
// into the `data` passed to it: they are valid while those bytes are
// unchanged and alive (appending to the std::string that holds them may
// move it and invalidate every view).
struct WarcHeader {
  std::string_view name;  // as written, before the ':'
  // Without leading/trailing spaces and tabs. A value folded over
  // continuation lines (lines starting with a space or tab) is one view
  // that keeps the inner line breaks and indentation as written.
  std::string_view value;
  // The whole header as read: name, ':', value, any continuation lines, and
  // the final line terminator ("\r\n" or "\n"). AppendWarcRecord writes
  // this back unchanged. Empty in a hand-made header, which is then written
  // as name + ": " + value + "\r\n".
  std::string_view raw;
};

struct WarcRecord {
  std::string_view version;         // "WARC/1.0" or "WARC/1.1"
  std::vector<WarcHeader> headers;  // in input order
  std::string_view block;           // Content-Length bytes

  // The framing bytes as read, so that a record can be written back byte
  // for byte. Empty in a hand-made record, which is then written with CRLFs.
  std::string_view version_line;  // `version` plus its line terminator
  std::string_view header_end;    // the empty line: "\r\n" or "\n"
  // After the block: two line terminators ("\r\n\r\n", "\n\n", or a mix)
  // and any blank lines that follow them, up to kMaxWarcBlankBytes of those
  // (so "\r\n\r\n\r\n\n" is a trailer too); fewer than two (possibly
  // none) only in a record that failed to parse, or a hand-made one.
  std::string_view trailer;

  // The value of the first header whose name equals `name` ignoring ASCII
  // case ("content-length" finds "Content-Length"); empty if absent.
  std::string_view Header(std::string_view name) const;
};

// Parses the record that starts at `data[0]`.
//
// On success returns the number of bytes it spans (from the 'W' of the
// version line through the trailer, which must be whole, at the end of
// the input as anywhere else, with the blank lines after it) and fills
// `*record` with views into `data` (see above for how long they live).
// Returns 0 when `data` does not yet hold a whole record and `at_eof` is
// false: read more and call again with the longer data (a prefix of a valid
// record always gives 0, never an error nor a shorter record). A record
// whose trailer, or a blank line after it, ends `data` also gives 0 until
// `at_eof`: more blank lines may follow, and belong to it. Returns -1 and sets `*error` on a malformed
// record; `at_eof` turns "need more" into a "truncated ..." error. Messages:
//   "no WARC version line"              data does not start with "WARC/"
//   "unsupported WARC version 'X'"      a version line other than 1.0/1.1
//   "header line without ':': 'X'"
//   "bad header name 'X'"               not an RFC 2616 token
//   "continuation line before the first header"
//   "header section longer than N bytes"  (kMaxWarcHeaderBytes)
//   "missing Content-Length", "duplicate Content-Length",
//   "bad Content-Length 'X'"            not decimal digits, or above 2^40
//   "truncated record: end of input in the headers"
//   "truncated record: N of M block bytes"
//   "bad record trailer: expected CRLF CRLF after the block, found 'X'"
//       (or "found end of input", "found 'X' and end of input")
// (X is the offending bytes, at most 40, non-printable ones as \xHH.)
// `record` and `error` must not be null; `*record` is unspecified unless
// the result is positive, and `*error` is untouched unless it is -1.
long ParseWarcRecord(std::string_view data, bool at_eof, WarcRecord* record,
                     std::string* error);

// Parses only the version line and the headers of the record at `data[0]`,
// as ParseWarcRecord does: returns the size of the header section (through
// the empty line that ends it) and sets `*block_size` to the record's
// Content-Length; 0 when `data` does not yet hold the whole header section
// and `at_eof` is false; -1 with `*error` set for the header errors listed
// above. Lets a reader decide on a record's size before its block arrives.
long ParseWarcHeaders(std::string_view data, bool at_eof, WarcRecord* record,
                      std::uint64_t* block_size, std::string* error);

// The blank lines at the start of `data`: the size of the longest run of
// whole "\r\n" and "\n" lines there of at most `limit` bytes. Sets `*open`
// when more data could lengthen the run: it reaches the end of `data` (or
// a '\r' that ends it), and a line end would still fit under `limit`.
// Otherwise the run is final. Linear in the run's size.
std::size_t WarcBlankLines(std::string_view data, std::size_t limit, bool* open);

// Where reading resumes after a malformed record: the offset of the first
// line at or after `from` (a line starts at offset 0 or just after a '\n')
// that begins with "WARC/1.", or data.size() if none does. A line at the end
// of `data` that is a proper prefix of "WARC/1." ("\nWAR") also counts, so
// a caller that is still reading keeps it. A block may itself hold such a
// line; resynchronising can only guess. To skip a bad record call it with
// `from` one past the bad record's start. Reads data[from - 1] and the
// bytes from `from` on: a caller that appends to `data` and calls again
// with `from` set to the last result scans each byte about once.
std::size_t FindNextWarcRecord(std::string_view data, std::size_t from);

// Appends `record` with its block replaced by `block`: the version line,
// every header in order with its raw bytes, the empty line, `block`, and
// the trailer with its blank lines (CRLF CRLF if the record had none, an
// incomplete one, or one that holds anything but line ends).
// Exceptions, both keeping the header's name and line terminator:
//  - Content-Length is rewritten as the decimal size of `block` unless its
//    value already says that size (and is added, last, if absent);
//  - WARC-Block-Digest is rewritten as WarcSha1Digest(block) when `block`
//    differs from record.block, and kept otherwise.
// So a parsed record with an unchanged block is written byte for byte as
// it was read. `block` may be a view into the record's input; neither it
// nor the record's views may point into `*out`, which appending may move.
void AppendWarcRecord(const WarcRecord& record, std::string_view block,
                      std::string* out);

// The two parts of AppendWarcRecord() around the block: the version line,
// headers and empty line (which depend on the block's size and digest),
// and the trailer. Lets a writer put a block it builds in place between them.
void AppendWarcHead(const WarcRecord& record, std::string_view block, std::string* out);
void AppendWarcTail(const WarcRecord& record, std::string* out);

// "sha1:" + base32 (RFC 4648 alphabet A-Z 2-7, upper case; 20 bytes give
// exactly 32 characters, so no padding) of SHA-1(data): the
// WARC-Block-Digest form Common Crawl writes. WarcSha1Digest("") is
// "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ". Throws winnow::Error only if
// OpenSSL cannot compute SHA-1 (a build whose providers lack it), and so
// may AppendWarcRecord when it recomputes a digest.
std::string WarcSha1Digest(std::string_view data);

}  // namespace winnow

#endif  // WINNOW_WARC_HPP_
