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
// to: twice as large, but `most` once that is more than half of `most`
// (unless `needed` is beyond `most`), and never less than `needed`. Growing by it costs linear time overall, and the
// peak (old and new buffer together) stays near 1.5 times `most`.
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

}  // namespace winnow

#endif  // WINNOW_READER_HPP_
