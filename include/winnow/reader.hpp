// Reading one document's bytes from a file descriptor.
//
// In text mode a document is a whole input (one FILE operand, or stdin).
// It is read whole up to a size limit (--max-document-bytes); a larger one
// is passed through unanalysed, copied with a fixed buffer, so memory
// follows the limit and not the input. Reads are large and the buffer grows
// geometrically, so a single huge line costs linear time.
#ifndef WINNOW_READER_HPP_
#define WINNOW_READER_HPP_

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <string_view>

namespace winnow {

inline constexpr std::size_t kDefaultReadChunk = 1 << 18;

// Documents (a text-mode input, a JSONL line, a NUL chunk, a WARC block)
// larger than this many bytes are passed through unanalysed by default
// (--max-document-bytes).
inline constexpr std::size_t kDefaultMaxDocumentBytes = std::size_t{64} << 20;

// Interruption: when a read(2) fails with EINTR and `*flag` is non-zero,
// reads throw winnow::Error ("interrupted") instead of retrying, so that a
// signal handler that sets the flag (installed without SA_RESTART) stops a
// reader blocked on an idle pipe. Writes are never cut short this way: a
// record is written whole or not at all. Pass nullptr to turn it off.
void SetInterruptFlag(const volatile int* flag);

// Throws winnow::Error (where = name, "interrupted") if the flag is set.
void CheckInterrupted(std::string_view name);

// Appends every byte that can be read from `fd` until end of file to `*out`.
// `name` is used only in error messages. `chunk` is the size of each read(2)
// request (tests use tiny values). Retries on EINTR. Throws winnow::Error
// (where = name) if a read fails.
void ReadAll(int fd, std::string_view name, std::string* out,
             std::size_t chunk = kDefaultReadChunk);

// Like ReadAll, but stops once `*out` holds more than `limit` bytes.
// Returns true at end of file (every byte of `fd` is in `*out`); false when
// the input is larger than `limit` and more bytes may follow (`*out` then
// holds at most limit + chunk bytes). The buffer never grows beyond about
// limit + chunk, so memory follows the limit, not the input.
bool ReadAtMost(int fd, std::string_view name, std::size_t limit,
                std::string* out, std::size_t chunk = kDefaultReadChunk);

// Makes `s->capacity()` at least `capacity`, allocating exactly that much
// when it must grow (std::string::reserve may round a request up to twice
// the old capacity, which would double the memory a size limit allows).
void ReserveExactly(std::string* s, std::size_t capacity);

// The capacity a buffer of `capacity` bytes that needs `needed` should grow
// to: twice as large below 8 MiB, 1.5 times above, at most `most` (unless
// `needed` is beyond it), and never less than `needed`. Growing by it costs
// linear time overall; a large buffer holds at most half again what it
// needs, and the peak (old and new buffer together) stays within 2.5 times
// the old one, and within 1.67 times `most`.
std::size_t GrowthFor(std::size_t capacity, std::size_t needed, std::size_t most);

// One read(2) of at most `size` bytes into `data`; returns how many were
// read, 0 at end of file. Retries on EINTR; when `interruptible` and the
// interrupt flag is set it throws "interrupted" instead (see
// SetInterruptFlag): pass false while copying a document whose first bytes
// are written already, so that a signal takes effect at its end. Throws
// winnow::Error (where = name) if the read fails.
std::size_t ReadSome(int fd, std::string_view name, char* data,
                     std::size_t size, bool interruptible = true);

// Reads exactly `size` bytes into `data`. Throws winnow::Error (where =
// name) on a read error, or "file is truncated" at end of file.
void ReadExact(int fd, std::string_view name, void* data, std::size_t size);

// How an input's bytes are stored.
enum class Compression { kNone, kGzip, kZstd };

// "none", "gzip", "zstd".
std::string_view CompressionName(Compression compression);

// An input's bytes, decompressed. The first bytes decide:
//   1f 8b        gzip (RFC 1952), every member of a multi-member file in
//                turn, as Common Crawl writes WARC and WET files (zlib);
//   28 b5 2f fd  zstd (RFC 8878), every frame of a file of concatenated
//                frames, skippable frames skipped (libzstd);
//   xz, bzip2, lz4, lzip, zip or 7z magic bytes: refused (InputError
//                "xz-compressed input: ..."), never taken as text;
//   otherwise    the bytes as they are.
// The same holds on a pipe: nothing is read twice, nothing needs a seek.
//
// Errors throw winnow::InputError with where = `name`:
//   "read failed: STRERROR"
//   "truncated gzip input at byte N"  (N: the compressed input's size)
//   "corrupt gzip input at byte N: WHY" (N: the compressed byte where the
//       decoder stopped; after a member, any bytes that do not start
//       another member are corrupt input too)
// and the same for zstd. Every byte returned before the error is good
// data, so a reader can hand out the whole records before it.
class Source {
 public:
  // Reads `fd` (not owned); `name` is used in error messages.
  Source(int fd, std::string name);
  ~Source();
  Source(const Source&) = delete;
  Source& operator=(const Source&) = delete;

  // Reads at most `size` decompressed bytes into `data`; returns how many,
  // 0 at end of input (and on every call after it). Blocks only until some
  // bytes are available. `interruptible` as for ReadSome.
  std::size_t Read(char* data, std::size_t size, bool interruptible = true);

  // Known after the first Read.
  Compression compression() const { return compression_; }
  // Bytes read from the file descriptor so far (compressed bytes for a
  // compressed input): what a progress display compares with a file size.
  std::uint64_t raw_bytes() const { return raw_bytes_; }
  const std::string& name() const { return name_; }

 private:
  struct Decoder;  // the zlib or libzstd state, kept out of this header
  // Reads more raw bytes into in_ after the unconsumed ones; false at end
  // of input.
  bool FillRaw(bool interruptible);
  std::size_t Inflate(char* data, std::size_t size, bool interruptible);
  std::size_t Unzstd(char* data, std::size_t size, bool interruptible);
  [[noreturn]] void Corrupt(const std::string& why) const;
  [[noreturn]] void Truncated() const;

  int fd_;
  std::string name_;
  bool started_ = false;
  bool eof_ = false;       // the file descriptor is at end of file
  bool finished_ = false;  // every byte has been returned
  Compression compression_ = Compression::kNone;
  // Raw bytes read but not yet consumed: in_[in_pos_, in_end_) of
  // in_size_, never zero-filled (a file's first read touches only the
  // pages it fills).
  std::unique_ptr<char[]> in_;
  std::size_t in_size_ = 0;
  std::size_t in_pos_ = 0, in_end_ = 0;
  std::uint64_t raw_bytes_ = 0;
  std::unique_ptr<Decoder> decoder_;
  std::size_t produced_ = 0;      // bytes decoded by the Read() in progress
  std::exception_ptr failure_;    // an error met after decoding some bytes

};

// ReadAtMost, reading through a Source.
bool ReadAtMost(Source& source, std::size_t limit, std::string* out,
                std::size_t chunk = kDefaultReadChunk);

}  // namespace winnow

#endif  // WINNOW_READER_HPP_
