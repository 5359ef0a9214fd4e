#include "winnow/writer.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

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

}  // namespace winnow
