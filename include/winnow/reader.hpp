// Reading one document's bytes from a file descriptor.
//
// In text mode a document is a whole input (one FILE operand, or stdin), so
// memory is proportional to the largest document and not to the stream of
// documents. Reads are large and the buffer grows geometrically, so a single
// huge line costs linear time.
#ifndef WINNOW_READER_HPP_
#define WINNOW_READER_HPP_

#include <cstddef>
#include <string>
#include <string_view>

namespace winnow {

inline constexpr std::size_t kDefaultReadChunk = 1 << 18;

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

// Reads exactly `size` bytes into `data`. Throws winnow::Error (where =
// name) on a read error, or "file is truncated" at end of file.
void ReadExact(int fd, std::string_view name, void* data, std::size_t size);

}  // namespace winnow

#endif  // WINNOW_READER_HPP_
