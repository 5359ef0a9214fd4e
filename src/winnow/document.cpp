#include "winnow/document.hpp"

#include <cstring>

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

}  // namespace

void SplitDocument(std::string_view bytes, Document* doc) {
  doc->lines.clear();
  doc->paragraphs.clear();
  doc->has_blank_lines = false;
  // Lines are counted first so that the vector is allocated once: growing
  // it by doubling would cost up to twice as much at its peak, and a
  // document of empty lines has as many lines as bytes.
  std::size_t count = 0;
  for (const char* p = bytes.data(), *end = p + bytes.size();
       (p = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)))) != nullptr;
       ++p) {
    ++count;
  }
  doc->lines.reserve(count + 1);
  std::size_t pos = 0;
  std::uint32_t number = 0;
  while (pos < bytes.size()) {
    const char* start = bytes.data() + pos;
    const void* nl = std::memchr(start, '\n', bytes.size() - pos);
    std::size_t end = nl ? static_cast<const char*>(nl) - bytes.data()
                         : bytes.size();
    std::size_t next = nl ? end + 1 : end;
    std::size_t text_end = end;
    if (nl && text_end > pos && bytes[text_end - 1] == '\r') --text_end;
    Line line;
    line.text = bytes.substr(pos, text_end - pos);
    line.eol = bytes.substr(text_end, next - text_end);
    line.number = ++number;
    line.blank = IsBlank(line.text);
    doc->lines.push_back(line);
    pos = next;
  }

  for (const Line& line : doc->lines) {
    if (line.blank) {
      doc->has_blank_lines = true;
      break;
    }
  }
  const auto n = static_cast<std::uint32_t>(doc->lines.size());
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
