#include "winnow/document.hpp"

#include <array>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>  // part of every x86-64 CPU: no dispatch needed
#endif

namespace winnow {
namespace {

bool IsBlank(std::string_view text) {
  for (unsigned char c : text) {
    if (c != ' ' && c != '\t' && c != '\f' && c != '\v' && c != '\r') {
      return false;
    }
  }
  return true;
}

// The first line end at or after `pos`: '\n' (with any '\r' before it),
// a lone '\r', U+2028, U+2029 or U+0085 (NEL). Returns the offset of the
// terminator, or bytes.size(), and its length in *eol.
// The first byte at or after p[i] that may begin a line end ('\n', '\r',
// 0xE2, 0xC2), or n: sixteen bytes a step where SSE2 is there.
std::size_t NextCandidate(const unsigned char* p, std::size_t i, std::size_t n) {
#if defined(__SSE2__)
  const __m128i nl = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
  const __m128i e2 = _mm_set1_epi8(static_cast<char>(0xE2)), c2 = _mm_set1_epi8(static_cast<char>(0xC2));
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, nl), _mm_cmpeq_epi8(v, cr)),
                                     _mm_or_si128(_mm_cmpeq_epi8(v, e2), _mm_cmpeq_epi8(v, c2)));
    const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(hit));
    if (mask != 0) return i + static_cast<std::size_t>(__builtin_ctz(mask));
  }
#endif
  static constexpr auto kCandidate = [] {
    std::array<bool, 256> t{};
    t['\n'] = t['\r'] = t[0xE2] = t[0xC2] = true;
    return t;
  }();
  while (i < n && !kCandidate[p[i]]) ++i;
  return i;
}

std::size_t FindLineEnd(std::string_view bytes, std::size_t pos, std::size_t* eol) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t n = bytes.size();
  for (std::size_t i = pos; (i = NextCandidate(p, i, n)) < n; ++i) {
    switch (p[i]) {
      case '\n':
        *eol = 1;
        return i;
      case '\r': {
        std::size_t j = i;
        while (j < n && p[j] == '\r') ++j;
        if (j < n && p[j] == '\n') {  // "\r\n", or "\r\r\n" from a double conversion
          *eol = j + 1 - i;
          return i;
        }
        *eol = 1;
        return i;
      }
      case 0xE2:
        if (i + 2 < n && p[i + 1] == 0x80 && (p[i + 2] == 0xA8 || p[i + 2] == 0xA9)) {
          *eol = 3;
          return i;
        }
        break;
      default:  // 0xC2
        if (i + 1 < n && p[i + 1] == 0x85) {
          *eol = 2;
          return i;
        }
        break;
    }
  }
  *eol = 0;
  return n;
}

}  // namespace

void SplitDocument(std::string_view bytes, Document* doc) {
  doc->lines.clear();
  doc->paragraphs.clear();
  doc->has_blank_lines = false;
  // A large document's lines are counted first so that the vector is
  // allocated once: growing it by doubling would cost up to twice as much
  // at its peak, and a document of empty lines has as many lines as bytes.
  // A small one's (most pages) grow in the vector the document before it
  // left, at most twice kCountLinesFirst's worth: a second pass over the
  // bytes would cost more.
  constexpr std::size_t kCountLinesFirst = std::size_t{64} << 10;
  std::size_t eol = 0;
  if (bytes.size() > kCountLinesFirst) {
    std::size_t count = 0;
    for (std::size_t pos = 0; (pos = FindLineEnd(bytes, pos, &eol)) < bytes.size(); pos += eol) {
      ++count;
    }
    doc->lines.reserve(count + 1);
  }
  std::size_t pos = 0;
  std::uint32_t number = 0;
  while (pos < bytes.size()) {
    const std::size_t end = FindLineEnd(bytes, pos, &eol);
    Line line;
    line.text = bytes.substr(pos, end - pos);
    line.eol = bytes.substr(end, eol);
    line.number = ++number;
    line.blank = IsBlank(line.text);
    doc->lines.push_back(line);
    pos = end + eol;
  }

  for (const Line& line : doc->lines) {
    if (line.blank) {
      doc->has_blank_lines = true;
      break;
    }
  }
  const auto n = static_cast<std::uint32_t>(doc->lines.size());
  // Counted first too: a document without blank lines has a paragraph a line.
  std::size_t paragraphs = 0;
  for (std::uint32_t k = 0; k < n; ++k) {
    paragraphs += !doc->lines[k].blank && (k == 0 || !doc->has_blank_lines || doc->lines[k - 1].blank);
  }
  doc->paragraphs.reserve(paragraphs);
  std::uint32_t i = 0;
  while (i < n) {
    if (doc->lines[i].blank) {
      ++i;
      continue;
    }
    std::uint32_t j = i + 1;
    if (doc->has_blank_lines) {
      while (j < n && !doc->lines[j].blank) ++j;
    }
    doc->paragraphs.push_back({i, j});
    i = j;
  }
}

}  // namespace winnow
