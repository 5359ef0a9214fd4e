#include "winnow/state_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "winnow/detail/xxhash.hpp"
#include "winnow/error.hpp"
#include "winnow/reader.hpp"

namespace winnow {

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

void StateWriter::Checkpoint() {
  const std::uint64_t sum = XXH3_64bits_digest(&hash_->state);
  Write(&sum, sizeof sum);
}

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

void StateReader::Checkpoint() {
  const std::uint64_t expected = XXH3_64bits_digest(&hash_->state);
  std::uint64_t stored;
  Read(&stored, sizeof stored);
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
