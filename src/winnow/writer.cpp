#include "winnow/writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "winnow/error.hpp"

namespace winnow {

void AppendKept(const Document& doc, const std::vector<bool>& keep,
                std::string* out) {
  std::string_view last_eol;  // of the last kept line; empty before any
  for (const Paragraph& para : doc.paragraphs) {
    bool first_in_para = true;
    for (std::uint32_t i = para.first; i < para.end; ++i) {
      if (!keep[i]) continue;
      const Line& line = doc.lines[i];
      if (first_in_para && !last_eol.empty() && doc.has_blank_lines) {
        // The blank line between paragraphs ends as the line before it:
        // only the input's last line can lack a terminator, and nothing
        // comes after it.
        out->append(last_eol == "\r\r\n" ? std::string_view("\r\n") : last_eol);
      }
      first_in_para = false;
      last_eol = line.eol;
      out->append(line.text);
      out->append(line.eol);
    }
  }
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

AtomicFile::AtomicFile(std::string path) : path_(ReplacedFile(path)) {
  temp_ = path_ + ".XXXXXX.tmp";
  fd_ = ::mkostemps(temp_.data(), 4, O_CLOEXEC);
  if (fd_ < 0) {
    const int e = errno;
    temp_ = path_ + ".tmp";  // what the message names: the directory is the problem
    throw Error(temp_, std::strerror(e));
  }
  // mkostemps creates 0600: give the file the mode it had, or the mode a
  // new file gets.
  struct stat st;
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
    throw Error(temp_, std::strerror(e));
  }
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(temp_.c_str());
  }
}

void AtomicFile::Commit() {
  const int fd = fd_;
  fd_ = -1;
  if (::fsync(fd) != 0) {
    const int e = errno;
    ::close(fd);
    ::unlink(temp_.c_str());
    throw Error(temp_, std::string("fsync failed: ") + std::strerror(e));
  }
  if (::close(fd) != 0) {
    ::unlink(temp_.c_str());
    throw Error(temp_, std::string("write failed: ") + std::strerror(errno));
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
