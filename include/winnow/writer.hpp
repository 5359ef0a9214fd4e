// Writing kept lines back out, byte for byte.
#ifndef WINNOW_WRITER_HPP_
#define WINNOW_WRITER_HPP_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "winnow/document.hpp"
#include "winnow/reader.hpp"

namespace winnow {

// Appends the kept lines of `doc` to `*out`: each with its own bytes and
// terminator, in input order, with exactly one blank line between
// paragraphs that keep something (when the document separates paragraphs
// by blank lines), and no blank line before the first or after the last.
// The blank line ends as the kept line before it does ("\n", "\r\n",
// "\r", U+2028, ...), with "\r\n" for a run of "\r" before "\n"
// ("\r\r\n" from a double conversion).
void AppendKept(const Document& doc, const std::vector<bool>& keep,
                std::string* out);

// Calls `piece(bytes)` with each piece of what AppendKept() appends, in
// order: lines' text, their terminators and the blank lines between
// paragraphs, as views into the document's buffer (or a static "\r\n").
// No piece boundary falls inside a UTF-8 sequence, so a byte-wise encoding
// of the pieces (JSON escaping) is that of the whole text. Lets a writer put
// the kept text straight into a record without building it apart.
template <typename F>
void ForEachKeptPiece(const Document& doc, const std::vector<bool>& keep, F&& piece) {
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
        piece(last_eol.size() > 2 && last_eol.back() == '\n' ? std::string_view("\r\n") : last_eol);
      }
      first_in_para = false;
      last_eol = line.eol;
      piece(line.text);
      piece(line.eol);
    }
  }
}

// The size of what AppendKept() appends.
std::size_t KeptBytes(const Document& doc, const std::vector<bool>& keep);

// Writes all of `data` to `fd`, retrying on EINTR and short writes. Throws
// winnow::Error (where = name) on failure.
void WriteAll(int fd, std::string_view name, std::string_view data);

// The output stream (standard output): whole records only, optionally
// compressed. Each Write() is given whole records and writes them whole, as
// one gzip member (RFC 1952, zlib, level 6) or one zstd frame (RFC 8878,
// libzstd, level 3) when compressing, so that the output is at every moment
// a valid multi-member gzip or multi-frame zstd file: `zcat` and `zstdcat`
// read it, and so does winnow.
//
// When a write fails part way (a full disk: ENOSPC; a file size limit:
// EFBIG) and `fd` is a regular file, the file is cut back to its size
// before that Write(), so that it ends after a whole record; on a pipe or
// a terminal the bytes written cannot be taken back.
class OutputStream {
 public:
  // Writes to `fd` (not owned); `name` is used in error messages.
  OutputStream(int fd, std::string name, Compression compression = Compression::kNone);
  ~OutputStream();
  OutputStream(const OutputStream&) = delete;
  OutputStream& operator=(const OutputStream&) = delete;

  // Writes `records`, whole. Throws winnow::Error (where = name) "write
  // failed: STRERROR" after cutting a regular file back (see above).
  void Write(std::string_view records);

  Compression compression() const { return compression_; }
  // Bytes written to the file descriptor (compressed bytes when compressing).
  std::uint64_t bytes_written() const { return written_; }

 private:
  struct Encoder;  // zlib or libzstd state, kept out of this header
  int fd_;
  std::string name_;
  Compression compression_;
  bool regular_;  // fd is a regular file: a failed write can be cut back
  std::uint64_t written_ = 0;
  std::string packed_;  // the compressed bytes of one Write()
  std::unique_ptr<Encoder> encoder_;
};

// A file written under a temporary name and renamed into place by Commit()
// after fsync, so that a reader never sees half of it, after a crash or a
// full disk alike; the directory is synced after the rename, so the new
// name survives a crash too. The temporary name is unique (PATH.XXXXXX.tmp,
// by mkostemps), so two writers never share one. When PATH is a symbolic
// link, its target is replaced and the link kept; an existing file keeps
// its permission bits (a new one gets 0666 less the umask). Destroyed
// without Commit(), it removes the temporary file and leaves PATH as it
// was. A PATH that exists and is neither a regular file nor a link to one
// (/dev/stderr, a FIFO, /dev/full) is written in place, since a rename would
// replace the device node. Throws winnow::Error: a write, sync or rename
// that fails names PATH (or its link's target), not the temporary file; a
// temporary file that cannot be made names PATH.tmp (its directory is the
// problem).
class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // A failed Write() marks the file failed: Commit() then removes the
  // temporary file and leaves PATH as it was, since it would be incomplete.
  void Write(std::string_view data);
  int fd() const { return fd_; }
  const std::string& temp_name() const { return temp_; }
  void Commit();

 private:
  std::string path_;    // the file replaced: PATH, or its link's target
  std::string temp_;
  int fd_;
  bool direct_ = false;  // PATH is written in place (not a regular file)
  bool failed_ = false;  // a write failed
};

}  // namespace winnow

#endif  // WINNOW_WRITER_HPP_
