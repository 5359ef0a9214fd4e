#include "winnow/writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "winnow/error.hpp"

namespace winnow {

void AppendKept(const Document& doc, const std::vector<bool>& keep,
                std::string* out) {
  bool any = false;
  for (const Paragraph& para : doc.paragraphs) {
    bool first_in_para = true;
    for (std::uint32_t i = para.first; i < para.end; ++i) {
      if (!keep[i]) continue;
      const Line& line = doc.lines[i];
      if (first_in_para && any && doc.has_blank_lines) {
        // The last kept line always has a terminator here: only the input's
        // last line can lack one, and nothing comes after it.
        out->append(out->size() >= 2 && (*out)[out->size() - 2] == '\r'
                        ? "\r\n"
                        : "\n");
      }
      first_in_para = false;
      any = true;
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

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)), temp_(path_ + ".tmp") {
  fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd_ < 0) throw Error(temp_, std::strerror(errno));
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
    ::unlink(temp_.c_str());
    throw Error(path_, std::string("rename failed: ") + std::strerror(errno));
  }
}

}  // namespace winnow
