#include "winnow/reader.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
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

std::size_t ReadSome(int fd, std::string_view name, char* data,
                     std::size_t size, bool interruptible) {
  for (;;) {
    const ssize_t got = ::read(fd, data, size);
    if (got >= 0) return static_cast<std::size_t>(got);
    if (errno != EINTR) {
      throw Error(std::string(name), std::string("read failed: ") + std::strerror(errno));
    }
    if (interruptible) CheckInterrupted(name);
  }
}

bool ReadAtMost(int fd, std::string_view name, std::size_t limit,
                std::string* out, std::size_t chunk) {
  if (chunk == 0) chunk = 1;
  // The largest buffer ever needed: `limit` bytes plus one more read.
  const std::size_t most = limit > SIZE_MAX - chunk ? SIZE_MAX : limit + chunk;
  while (out->size() <= limit) {
    const std::size_t used = out->size();
    // Geometric growth keeps appending linear in the total size; the cap
    // keeps a document just over the limit from costing twice the limit.
    if (used + chunk > out->capacity()) {
      out->reserve(std::min(most, std::max(used + chunk, 2 * out->capacity())));
    }
    out->resize(used + chunk);
    std::size_t got;
    try {
      got = ReadSome(fd, name, out->data() + used, chunk);
    } catch (...) {
      out->resize(used);
      throw;
    }
    out->resize(used + got);
    if (got == 0) return true;
  }
  return false;
}

void ReadAll(int fd, std::string_view name, std::string* out,
             std::size_t chunk) {
  ReadAtMost(fd, name, SIZE_MAX - 1, out, chunk);
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
