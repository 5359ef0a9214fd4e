// Writing kept lines back out, byte for byte.
#ifndef WINNOW_WRITER_HPP_
#define WINNOW_WRITER_HPP_

#include <string>
#include <string_view>
#include <vector>

#include "winnow/document.hpp"

namespace winnow {

// Appends the kept lines of `doc` to `*out`: each with its own bytes and
// terminator, in input order, with exactly one blank line between
// paragraphs that keep something (when the document separates paragraphs
// by blank lines), and no blank line before the first or after the last.
// The blank line is "\r\n" when the line before it ends in "\r\n".
void AppendKept(const Document& doc, const std::vector<bool>& keep,
                std::string* out);

// Writes all of `data` to `fd`, retrying on EINTR and short writes. Throws
// winnow::Error (where = name) on failure.
void WriteAll(int fd, std::string_view name, std::string_view data);

// A file written under a temporary name and renamed into place by Commit()
// after fsync, so that a reader never sees half of it, after a crash or a
// full disk alike; the directory is synced after the rename, so the new
// name survives a crash too. The temporary name is unique (PATH.XXXXXX.tmp,
// by mkostemps), so two writers never share one. When PATH is a symbolic
// link, its target is replaced and the link kept; an existing file keeps
// its permission bits (a new one gets 0666 less the umask). Destroyed
// without Commit(), it removes the temporary file and leaves PATH as it
// was. Throws winnow::Error.
class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void Write(std::string_view data) { WriteAll(fd_, temp_, data); }
  int fd() const { return fd_; }
  const std::string& temp_name() const { return temp_; }
  void Commit();

 private:
  std::string path_;    // the file replaced: PATH, or its link's target
  std::string temp_;
  int fd_;
};

}  // namespace winnow

#endif  // WINNOW_WRITER_HPP_
