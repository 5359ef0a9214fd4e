#include "winnow/writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <new>
#include <utility>

#include "winnow/error.hpp"

namespace winnow {

void AppendKept(const Document& doc, const std::vector<bool>& keep,
                std::string* out) {
  ForEachKeptPiece(doc, keep, [out](std::string_view piece) { out->append(piece); });
}

std::size_t KeptBytes(const Document& doc, const std::vector<bool>& keep) {
  std::size_t size = 0;
  ForEachKeptPiece(doc, keep, [&size](std::string_view piece) { size += piece.size(); });
  return size;
}

void WriteAll(int fd, std::string_view name, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(std::string(name),
                  std::string("write failed: ") + std::strerror(errno));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

struct OutputStream::Encoder {
  ~Encoder() {
    if (gzip_ready) deflateEnd(&gzip);
    if (zstd != nullptr) ZSTD_freeCCtx(zstd);
  }
  z_stream gzip{};
  bool gzip_ready = false;
  ZSTD_CCtx* zstd = nullptr;
};

OutputStream::OutputStream(int fd, std::string name, Compression compression)
    : fd_(fd), name_(std::move(name)), compression_(compression) {
  struct stat st;
  regular_ = ::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode);
  if (compression_ == Compression::kNone) return;
  encoder_ = std::make_unique<Encoder>();
  if (compression_ == Compression::kGzip) {
    // 16 + MAX_WBITS: a gzip header and trailer.
    if (deflateInit2(&encoder_->gzip, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      throw std::bad_alloc();
    }
    encoder_->gzip_ready = true;
  } else {
    encoder_->zstd = ZSTD_createCCtx();
    if (encoder_->zstd == nullptr) throw std::bad_alloc();
    ZSTD_CCtx_setParameter(encoder_->zstd, ZSTD_c_compressionLevel, 3);
    ZSTD_CCtx_setParameter(encoder_->zstd, ZSTD_c_checksumFlag, 1);
  }
}

OutputStream::~OutputStream() = default;

void OutputStream::Write(std::string_view records) {
  if (records.empty()) return;
  std::string_view data = records;
  if (compression_ == Compression::kGzip) {
    z_stream& z = encoder_->gzip;
    packed_.resize(deflateBound(&z, records.size()) + 64);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(records.data()));
    z.next_out = reinterpret_cast<Bytef*>(packed_.data());
    // avail_in and avail_out are 32-bit: a larger input goes in slices.
    constexpr std::size_t kSlice = std::size_t{1} << 30;
    std::size_t in_left = records.size(), out_left = packed_.size();
    for (;;) {
      const uInt in_now = static_cast<uInt>(std::min(in_left, kSlice));
      const uInt out_now = static_cast<uInt>(std::min(out_left, kSlice));
      z.avail_in = in_now;
      z.avail_out = out_now;
      const int ret = deflate(&z, in_left == in_now ? Z_FINISH : Z_NO_FLUSH);
      in_left -= in_now - z.avail_in;
      out_left -= out_now - z.avail_out;
      if (ret == Z_STREAM_END) break;
      if ((ret != Z_OK && ret != Z_BUF_ERROR) || out_left == 0) {
        deflateReset(&z);
        throw Error(name_, "gzip compression failed");
      }
    }
    const std::size_t out_done = packed_.size() - out_left;
    deflateReset(&z);
    data = std::string_view(packed_.data(), out_done);
  } else if (compression_ == Compression::kZstd) {
    packed_.resize(ZSTD_compressBound(records.size()));
    const std::size_t n = ZSTD_compress2(encoder_->zstd, packed_.data(), packed_.size(), records.data(),
                                         records.size());
    if (ZSTD_isError(n)) throw Error(name_, std::string("zstd compression failed: ") + ZSTD_getErrorName(n));
    data = std::string_view(packed_.data(), n);
  }
  off_t before = -1;
  if (regular_) {
    struct stat st;
    const int flags = ::fcntl(fd_, F_GETFL);
    if (flags >= 0 && (flags & O_APPEND) != 0) {
      if (::fstat(fd_, &st) == 0) before = st.st_size;
    } else {
      before = ::lseek(fd_, 0, SEEK_CUR);
    }
  }
  try {
    WriteAll(fd_, name_, data);
  } catch (const Error& e) {
    // Whole records only: take back the part of this write that got out.
    if (before >= 0 && ::ftruncate(fd_, before) == 0) {
      ::lseek(fd_, before, SEEK_SET);
      throw Error(name_, e.message() + " (cut back to the last whole record, at byte " +
                             std::to_string(before) + ")");
    }
    throw;
  }
  written_ += data.size();
  if (packed_.capacity() > (std::size_t{8} << 20)) std::string().swap(packed_);
}

namespace {

// The file that writing `path` should replace: `path`, or the target of the
// symbolic link it names (followed through every link; a relative target is
// relative to its link's directory).
std::string ReplacedFile(const std::string& path) {
  std::string current = path;
  for (int depth = 0; depth < 40; ++depth) {
    struct stat st;
    if (::lstat(current.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return current;
    std::string target(static_cast<std::size_t>(st.st_size > 0 ? st.st_size : 4096) + 1, '\0');
    const ssize_t n = ::readlink(current.c_str(), target.data(), target.size());
    if (n < 0 || static_cast<std::size_t>(n) >= target.size()) return current;
    target.resize(static_cast<std::size_t>(n));
    if (target.front() != '/') {
      const std::size_t slash = current.rfind('/');
      if (slash != std::string::npos) target = current.substr(0, slash + 1) + target;
    }
    current = target;
  }
  throw Error(path, std::strerror(ELOOP));
}

std::string DirectoryOf(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  struct stat st;
  // stat() follows the links as open() will: /dev/stderr is a link to
  // /proc/self/fd/2, whose target may be "pipe:[811144]", no file's name.
  if (::stat(path_.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    // A device, a FIFO, /dev/stderr: written in place. Renaming a file
    // over it would replace the device node itself.
    direct_ = true;
    temp_ = path_;
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd_ < 0) throw Error(path_, std::strerror(errno));
    return;
  }
  path_ = ReplacedFile(path_);
  temp_ = path_ + ".XXXXXX.tmp";
  fd_ = ::mkostemps(temp_.data(), 4, O_CLOEXEC);
  if (fd_ < 0) {
    const int e = errno;
    temp_ = path_ + ".tmp";  // what the message names: the directory is the problem
    throw Error(temp_, std::strerror(e));
  }
  // mkostemps creates 0600: give the file the mode it had, or the mode a
  // new file gets.
  mode_t mode;
  if (::stat(path_.c_str(), &st) == 0) {
    mode = st.st_mode & 07777;
  } else {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    mode = 0666 & ~mask;
  }
  if (::fchmod(fd_, mode) != 0) {
    const int e = errno;
    ::close(fd_);
    ::unlink(temp_.c_str());
    fd_ = -1;
    throw Error(path_, std::strerror(e));
  }
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) {
    ::close(fd_);
    if (!direct_) ::unlink(temp_.c_str());
  }
}

void AtomicFile::Write(std::string_view data) {
  try {
    // Named by the file asked for: the temporary name (PATH.XXXXXX.tmp,
    // removed again) would tell the user nothing.
    WriteAll(fd_, path_, data);
  } catch (...) {
    failed_ = true;
    throw;
  }
}

void AtomicFile::Commit() {
  const int fd = fd_;
  fd_ = -1;
  if (failed_) {
    ::close(fd);
    if (!direct_) ::unlink(temp_.c_str());
    return;
  }
  if (direct_) {
    if (::close(fd) != 0) throw Error(path_, std::string("write failed: ") + std::strerror(errno));
    return;
  }
  if (::fsync(fd) != 0) {
    const int e = errno;
    ::close(fd);
    ::unlink(temp_.c_str());
    throw Error(path_, std::string("fsync failed: ") + std::strerror(e));
  }
  if (::close(fd) != 0) {
    const int e = errno;
    ::unlink(temp_.c_str());
    throw Error(path_, std::string("write failed: ") + std::strerror(e));
  }
  if (::rename(temp_.c_str(), path_.c_str()) != 0) {
    const int e = errno;
    ::unlink(temp_.c_str());
    throw Error(path_, std::string("rename failed: ") + std::strerror(e));
  }
  // The rename is durable once the directory is.
  const std::string dir = DirectoryOf(path_);
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) throw Error(dir, std::string("cannot sync the directory: ") + std::strerror(errno));
  const int rc = ::fsync(dir_fd);
  const int e = errno;
  ::close(dir_fd);
  // Some file systems cannot sync a directory (EINVAL): nothing more to do.
  if (rc != 0 && e != EINVAL) {
    throw Error(dir, std::string("cannot sync the directory: ") + std::strerror(e));
  }
}

}  // namespace winnow
