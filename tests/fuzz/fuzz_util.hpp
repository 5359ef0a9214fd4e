// What the fuzz targets share: a check that aborts (the fuzzer reports it
// with the input), a UTF-8 validator written from RFC 3629's table rather
// than from winnow's decoder, line splitting, and an in-memory file.
#ifndef WINNOW_TESTS_FUZZ_FUZZ_UTIL_HPP_
#define WINNOW_TESTS_FUZZ_FUZZ_UTIL_HPP_

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "winnow/rules.hpp"
#include "winnow/stream.hpp"

// Aborts with the failed condition when an invariant does not hold.
#define FUZZ_CHECK(condition) \
  ((condition) ? static_cast<void>(0) : ::winnow::fuzz::Fail(#condition, __FILE__, __LINE__))

namespace winnow::fuzz {

// The built-in rules, parsed and frozen once per process.
inline const RuleSet& DefaultRules() {
  static const RuleSet* rules = [] {
    auto* r = new RuleSet;
    r->Parse(DefaultRulesText(), "default.rules", PatternAction::kFeature);
    r->Freeze();
    return r;
  }();
  return *rules;
}

[[noreturn]] inline void Fail(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: invariant violated: %s\n", file, line, condition);
  std::abort();
}

// RFC 3629, section 4: the well-formed byte sequences, by first byte.
inline bool IsValidUtf8(std::string_view s) {
  auto in = [](unsigned char b, unsigned char lo, unsigned char hi) { return b >= lo && b <= hi; };
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    auto at = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    std::size_t len;
    bool ok;
    if (b0 <= 0x7F) {
      len = 1, ok = true;
    } else if (in(b0, 0xC2, 0xDF)) {
      len = 2, ok = i + 2 <= s.size() && in(at(1), 0x80, 0xBF);
    } else if (in(b0, 0xE0, 0xEF)) {
      const unsigned char lo = b0 == 0xE0 ? 0xA0 : 0x80, hi = b0 == 0xED ? 0x9F : 0xBF;
      len = 3, ok = i + 3 <= s.size() && in(at(1), lo, hi) && in(at(2), 0x80, 0xBF);
    } else if (in(b0, 0xF0, 0xF4)) {
      const unsigned char lo = b0 == 0xF0 ? 0x90 : 0x80, hi = b0 == 0xF4 ? 0x8F : 0xBF;
      len = 4,
      ok = i + 4 <= s.size() && in(at(1), lo, hi) && in(at(2), 0x80, 0xBF) && in(at(3), 0x80, 0xBF);
    } else {
      return false;
    }
    if (!ok) return false;
    i += len;
  }
  return true;
}

// The lines of `s`, each with its '\n' (the last one may lack it).
inline std::vector<std::string_view> SplitLines(std::string_view s) {
  std::vector<std::string_view> lines;
  while (!s.empty()) {
    const std::size_t nl = s.find('\n');
    const std::size_t size = nl == std::string_view::npos ? s.size() : nl + 1;
    lines.push_back(s.substr(0, size));
    s.remove_prefix(size);
  }
  return lines;
}

// A file in memory holding `data`, open for reading from its start; its
// path (/proc/self/fd/N) opens it again.
class MemFile {
 public:
  explicit MemFile(std::string_view data) : fd_(::memfd_create("winnow-fuzz", MFD_CLOEXEC)) {
    FUZZ_CHECK(fd_ >= 0);
    while (!data.empty()) {
      const ssize_t n = ::write(fd_, data.data(), data.size());
      FUZZ_CHECK(n > 0);
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    FUZZ_CHECK(::lseek(fd_, 0, SEEK_SET) == 0);
  }
  ~MemFile() { ::close(fd_); }
  MemFile(const MemFile&) = delete;
  MemFile& operator=(const MemFile&) = delete;

  int fd() const { return fd_; }
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

 private:
  int fd_;
};

// Whether `t` is two line ends or more ("\r\n" or "\n"; blank lines after
// a WARC record are its trailer's), and nothing else.
inline bool WholeTrailer(std::string_view t) {
  int ends = 0;
  while (!t.empty()) {
    if (t.starts_with("\r\n")) {
      t.remove_prefix(2);
    } else if (t.starts_with('\n')) {
      t.remove_prefix(1);
    } else {
      return false;
    }
    ++ends;
  }
  return ends >= 2;
}

// The stream configuration fuzz_index loads index files with, and that
// make_index_seeds writes its seeds with: the defaults, except a 4 x 2^4
// repeated-line sketch, so that a valid index file is a few hundred bytes
// and not 8 MiB.
inline StreamConfig IndexFuzzConfig() {
  StreamConfig config;
  config.format = Format::kJsonl;
  config.lines.log2_width = 4;
  config.lines.min_documents = 2;
  return config;
}

}  // namespace winnow::fuzz

#endif  // WINNOW_TESTS_FUZZ_FUZZ_UTIL_HPP_
