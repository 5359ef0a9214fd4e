// The cross-document state file (--index): its byte order, its lock and
// its checksums.
//
// A state file is read and written through StateReader and StateWriter.
// Every number in it is little-endian, written and read by value (never
// by copying a struct's bytes), so a file means the same on every machine:
// integers least significant byte first, a double as its IEEE 754 bits,
// an array as its values one after another. Its layout is versioned: a
// reader refuses another version by name (see Decider::LoadState). They
// hash every byte (XXH3-64). Checkpoint() writes, or reads and checks,
// the hash of every byte so far: the file has one after its headers, so a
// damaged header is reported as damage and not as other parameters, and one
// at its end, so that any change to any byte (every single-bit flip, a
// truncation, two writers' bytes mixed) is refused when the file is read.
//
// StateLock keeps two winnow runs from using one state file at once: each
// would load the same state, and the last to save would silently discard
// the other's documents.
#ifndef WINNOW_STATE_FILE_HPP_
#define WINNOW_STATE_FILE_HPP_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "winnow/writer.hpp"

namespace winnow {

class StateWriter {
 public:
  // Writes through `file` (which must outlive the writer).
  explicit StateWriter(AtomicFile* file);
  ~StateWriter();
  StateWriter(const StateWriter&) = delete;
  StateWriter& operator=(const StateWriter&) = delete;

  // Throws winnow::Error (where = the temporary file) on a failed write.
  void Write(const void* data, std::size_t size);
  // Little-endian values (see above).
  void WriteU32(std::uint32_t value);
  void WriteU64(std::uint64_t value);
  void WriteF64(double value);
  void WriteU16s(const std::uint16_t* values, std::size_t count);
  void WriteU32s(const std::uint32_t* values, std::size_t count);
  void WriteU64s(const std::uint64_t* values, std::size_t count);
  // Writes the 8-byte hash of everything written so far.
  void Checkpoint();
  const std::string& name() const;

 private:
  AtomicFile* file_;
  struct Hash;
  std::unique_ptr<Hash> hash_;
};

class StateReader {
 public:
  // Reads from `fd` (not owned; a file or a pipe); `name` names it in
  // messages.
  StateReader(int fd, std::string name);
  ~StateReader();
  StateReader(const StateReader&) = delete;
  StateReader& operator=(const StateReader&) = delete;

  // Reads exactly `size` bytes. Throws winnow::Error "file is truncated".
  void Read(void* data, std::size_t size);
  // Little-endian values, as StateWriter writes them; the same errors.
  std::uint32_t ReadU32();
  std::uint64_t ReadU64();
  double ReadF64();
  void ReadU16s(std::uint16_t* values, std::size_t count);
  void ReadU32s(std::uint32_t* values, std::size_t count);
  void ReadU64s(std::uint64_t* values, std::size_t count);
  // Reads the hash that Checkpoint() wrote here and compares it with the
  // hash of everything read so far. Throws winnow::Error when the file is
  // damaged.
  void Checkpoint();
  // Throws winnow::Error unless the file ends here.
  void ExpectEnd();
  // The file's size when it is a regular file (then counts read from it can
  // be checked against it before allocating), or -1 for a pipe.
  std::int64_t file_size() const { return file_size_; }
  const std::string& name() const { return name_; }

 private:
  int fd_;
  std::string name_;
  std::int64_t file_size_;
  struct Hash;
  std::unique_ptr<Hash> hash_;
};

// Checks, before any work and before the lock (StateLock) is made beside
// it, that PATH can hold a state file: when it exists it must be a regular
// file (after symbolic links), since every save renames a new file over it
// and its lock is PATH.lock beside it (a directory, a device such as
// /dev/null, a FIFO or a socket is refused, naming what it is). Throws
// winnow::Error(PATH, what); whether a new file can be created there (its
// directory exists and is writable) is the caller's to try (AtomicFile).
void CheckStatePath(const std::string& path);

// An exclusive lock on the state file PATH, held from before it is loaded
// until after it is saved: flock(2) on the file PATH.lock beside it (PATH
// itself is replaced by a rename on every save, so it cannot carry the
// lock). PATH.lock is created when missing and left in place: removing it
// would let a third run lock a new file while a second still waits on the
// old one. flock locks are released by the kernel when the process ends,
// however it ends.
class StateLock {
 public:
  // Without `wait`, throws winnow::Error at once when another process holds
  // the lock; with it, blocks until the lock is free. Also throws when
  // PATH.lock cannot be created.
  StateLock(const std::string& path, bool wait);
  ~StateLock();
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;

 private:
  int fd_;
};

}  // namespace winnow

#endif  // WINNOW_STATE_FILE_HPP_
