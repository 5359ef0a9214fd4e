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

std::size_t GrowthFor(std::size_t capacity, std::size_t needed, std::size_t most) {
  std::size_t next = capacity > SIZE_MAX / 2 ? SIZE_MAX : 2 * capacity;
  // Past half the cap, go to the cap at once: one more doubling step would
  // hold the old buffer and the new one together, near twice the cap. A
  // need beyond the cap grows by doubling again, to stay linear.
  if (next > most / 2 && needed <= most) next = most;
  return std::max(needed, next);
}

void ReserveExactly(std::string* s, std::size_t capacity) {
  if (capacity <= s->capacity()) return;
  // A fresh string asked for more than twice its small capacity gets
  // exactly what it asks for.
  std::string grown;
  grown.reserve(capacity);
  grown.append(*s);
  s->swap(grown);
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
    if (used + chunk > out->capacity()) ReserveExactly(out, GrowthFor(out->capacity(), used + chunk, most));
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
