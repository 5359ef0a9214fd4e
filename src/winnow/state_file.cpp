#include "winnow/state_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>

#include "winnow/detail/xxhash.hpp"
#include "winnow/error.hpp"
#include "winnow/reader.hpp"

namespace winnow {
namespace {

// Values to and from little-endian bytes, a block at a time: on a
// little-endian machine the bytes are the values' own, elsewhere each is
// put together byte by byte.
constexpr std::size_t kBlockBytes = 1 << 16;

template <typename T>
void Encode(const T* values, std::size_t count, unsigned char* out) {
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(out, values, count * sizeof(T));
  } else {
    for (std::size_t i = 0; i < count; ++i) {
      for (std::size_t b = 0; b < sizeof(T); ++b) {
        out[i * sizeof(T) + b] = static_cast<unsigned char>(static_cast<std::uint64_t>(values[i]) >> (8 * b));
      }
    }
  }
}

template <typename T>
void Decode(const unsigned char* in, std::size_t count, T* values) {
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(values, in, count * sizeof(T));
  } else {
    for (std::size_t i = 0; i < count; ++i) {
      std::uint64_t v = 0;
      for (std::size_t b = 0; b < sizeof(T); ++b) v |= std::uint64_t{in[i * sizeof(T) + b]} << (8 * b);
      values[i] = static_cast<T>(v);
    }
  }
}

template <typename T>
void WriteValues(StateWriter& out, const T* values, std::size_t count) {
  unsigned char block[kBlockBytes];
  constexpr std::size_t kPer = kBlockBytes / sizeof(T);
  for (std::size_t done = 0; done < count;) {
    const std::size_t n = std::min(kPer, count - done);
    Encode(values + done, n, block);
    out.Write(block, n * sizeof(T));
    done += n;
  }
}

template <typename T>
void ReadValues(StateReader& in, T* values, std::size_t count) {
  unsigned char block[kBlockBytes];
  constexpr std::size_t kPer = kBlockBytes / sizeof(T);
  for (std::size_t done = 0; done < count;) {
    const std::size_t n = std::min(kPer, count - done);
    in.Read(block, n * sizeof(T));
    Decode(block, n, values + done);
    done += n;
  }
}

}  // namespace

struct StateWriter::Hash {
  XXH3_state_t state;
};
struct StateReader::Hash {
  XXH3_state_t state;
};

StateWriter::StateWriter(AtomicFile* file) : file_(file), hash_(new Hash) {
  XXH3_64bits_reset(&hash_->state);
}

StateWriter::~StateWriter() = default;

const std::string& StateWriter::name() const { return file_->temp_name(); }

void StateWriter::Write(const void* data, std::size_t size) {
  XXH3_64bits_update(&hash_->state, data, size);
  file_->Write(std::string_view(static_cast<const char*>(data), size));
}

void StateWriter::WriteU32(std::uint32_t value) { WriteValues(*this, &value, 1); }
void StateWriter::WriteU64(std::uint64_t value) { WriteValues(*this, &value, 1); }
void StateWriter::WriteF64(double value) { WriteU64(std::bit_cast<std::uint64_t>(value)); }
void StateWriter::WriteU16s(const std::uint16_t* values, std::size_t count) { WriteValues(*this, values, count); }
void StateWriter::WriteU32s(const std::uint32_t* values, std::size_t count) { WriteValues(*this, values, count); }
void StateWriter::WriteU64s(const std::uint64_t* values, std::size_t count) { WriteValues(*this, values, count); }

void StateWriter::Checkpoint() { WriteU64(XXH3_64bits_digest(&hash_->state)); }

StateReader::StateReader(int fd, std::string name)
    : fd_(fd), name_(std::move(name)), file_size_(-1), hash_(new Hash) {
  XXH3_64bits_reset(&hash_->state);
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) file_size_ = st.st_size;
}

StateReader::~StateReader() = default;

void StateReader::Read(void* data, std::size_t size) {
  ReadExact(fd_, name_, data, size);
  XXH3_64bits_update(&hash_->state, data, size);
}

std::uint32_t StateReader::ReadU32() {
  std::uint32_t value;
  ReadValues(*this, &value, 1);
  return value;
}
std::uint64_t StateReader::ReadU64() {
  std::uint64_t value;
  ReadValues(*this, &value, 1);
  return value;
}
double StateReader::ReadF64() { return std::bit_cast<double>(ReadU64()); }
void StateReader::ReadU16s(std::uint16_t* values, std::size_t count) { ReadValues(*this, values, count); }
void StateReader::ReadU32s(std::uint32_t* values, std::size_t count) { ReadValues(*this, values, count); }
void StateReader::ReadU64s(std::uint64_t* values, std::size_t count) { ReadValues(*this, values, count); }

void StateReader::Checkpoint() {
  const std::uint64_t expected = XXH3_64bits_digest(&hash_->state);
  const std::uint64_t stored = ReadU64();
  if (stored != expected) throw Error(name_, "index file is damaged (checksum mismatch)");
}

void StateReader::ExpectEnd() {
  char extra;
  ssize_t n;
  while ((n = ::read(fd_, &extra, 1)) < 0 && errno == EINTR) {
  }
  if (n < 0) throw Error(name_, std::string("read failed: ") + std::strerror(errno));
  if (n != 0) throw Error(name_, "index file has trailing bytes");
}

void CheckStatePath(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISREG(st.st_mode)) return;
    const char* what = S_ISDIR(st.st_mode)    ? "a directory"
                       : S_ISCHR(st.st_mode)  ? "a character device"
                       : S_ISBLK(st.st_mode)  ? "a block device"
                       : S_ISFIFO(st.st_mode) ? "a FIFO"
                       : S_ISSOCK(st.st_mode) ? "a socket"
                                              : "not a regular file";
    throw Error(path, std::string("the index must be a regular file or a new name, not ") + what +
                          " (it is saved by renaming a new file over it)");
  }
  // A new name: whether it can be created there is for the caller to try.
  if (errno != ENOENT) throw Error(path, std::strerror(errno));
}

StateLock::StateLock(const std::string& path, bool wait) {
  const std::string lock_path = path + ".lock";
  fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd_ < 0) throw Error(lock_path, std::strerror(errno));
  int rc;
  while ((rc = ::flock(fd_, LOCK_EX | (wait ? 0 : LOCK_NB))) != 0 && errno == EINTR) {
  }
  if (rc != 0) {
    const int e = errno;
    ::close(fd_);
    if (e == EWOULDBLOCK) {
      throw Error(path, "in use by another winnow run (locked through " + lock_path +
                            "); --index-wait waits for it");
    }
    throw Error(lock_path, std::string("cannot lock: ") + std::strerror(e));
  }
}

StateLock::~StateLock() { ::close(fd_); }

}  // namespace winnow
