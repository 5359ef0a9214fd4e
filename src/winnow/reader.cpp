#include "winnow/reader.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "winnow/error.hpp"

namespace winnow {
namespace {

const volatile int* interrupt_flag = nullptr;

}  // namespace

void SetInterruptFlag(const volatile int* flag) { interrupt_flag = flag; }

void CheckInterrupted(std::string_view name) {
  if (interrupt_flag != nullptr && *interrupt_flag != 0) {
    throw Error(std::string(name), "interrupted");
  }
}

void ReadAll(int fd, std::string_view name, std::string* out,
             std::size_t chunk) {
  if (chunk == 0) chunk = 1;
  for (;;) {
    std::size_t used = out->size();
    // resize() on std::string grows capacity geometrically, so appending
    // chunk after chunk stays linear in the total size.
    out->resize(used + chunk);
    ssize_t got = ::read(fd, out->data() + used, chunk);
    if (got < 0) {
      out->resize(used);
      if (errno == EINTR) {
        CheckInterrupted(name);
        continue;
      }
      throw Error(std::string(name), std::string("read failed: ") +
                                         std::strerror(errno));
    }
    out->resize(used + static_cast<std::size_t>(got));
    if (got == 0) return;
  }
}

void ReadExact(int fd, std::string_view name, void* data, std::size_t size) {
  char* p = static_cast<char*>(data);
  while (size > 0) {
    ssize_t n = ::read(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) {
        CheckInterrupted(name);
        continue;
      }
      throw Error(std::string(name), std::string("read failed: ") + std::strerror(errno));
    }
    if (n == 0) throw Error(std::string(name), "file is truncated");
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

}  // namespace winnow
