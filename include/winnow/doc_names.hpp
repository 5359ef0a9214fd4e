// The names of indexed documents: the id (JSONL --id-field, as raw JSON, or
// WARC-Record-ID) and the address (JSONL --url-field, WARC-Target-URI) of
// each document the cross-document index holds, found again by the
// document's stream ordinal when a later document duplicates it.
//
// Names are kept in a file, not in memory, so that the index's memory per
// document stays fixed whatever the names' lengths: with --index in the
// file INDEX.names beside it, which every run appends to (so a duplicate of
// a document from an earlier run is named by that run's id); without, in an
// unlinked temporary file in $TMPDIR (/tmp by default), gone when the run
// ends. Memory is one pending block of at most kNamesPerBlock names plus 16
// bytes per block written (0.25 bytes per named document).
//
// The file: an 8-byte magic, a 4-byte version and an 8-byte random file id
// (so that an index is never matched with another index's names), then
// blocks, each a 24-byte header (payload bytes, name count, first ordinal,
// XXH3-64 of the payload) and its payload: per name, the ordinal's
// distance from the previous one, the id's length, the id, the url's
// length and the url (lengths and distances as LEB128 varints). A block is
// written whole, once; a lookup reads one block and checks its hash. The
// index file records the names file's id and how many bytes of it it goes
// with: bytes after them (a run that stopped before saving its index) are
// cut off when the index is loaded.
//
// Names only name: an index whose names file is missing, another index's,
// shorter than recorded or damaged still loads (Open throws, the caller
// starts a new names file and says so), and a block found damaged later is
// a name not found (damaged() says so).
#ifndef WINNOW_DOC_NAMES_HPP_
#define WINNOW_DOC_NAMES_HPP_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace winnow {

// Names in one block of the file.
inline constexpr std::uint32_t kNamesPerBlock = 64;
// An id or url longer than this is not kept (its document is then named by
// its ordinal): a JSONL id is a whole JSON value, which could be large.
inline constexpr std::size_t kMaxNameBytes = 2048;

// The names file of the index file `index_path`: INDEX.names beside the
// file the index really is (through symbolic links), so that every path to
// one index finds the same names.
std::string NamesFileFor(const std::string& index_path);

class DocumentNames {
 public:
  DocumentNames() = default;
  ~DocumentNames();
  DocumentNames(const DocumentNames&) = delete;  // owns a file descriptor
  DocumentNames& operator=(const DocumentNames&) = delete;

  // Continues the names file at `path` whose id is `file_id` and which holds
  // `bytes` bytes that an index saved with (`bytes` 0: starts a new file
  // there, with a new id, replacing what was there): later bytes are cut
  // off, the block headers read. Names added before are dropped. Throws
  // winnow::Error when the file cannot be opened or created, is missing,
  // has another id, is shorter than `bytes`, or its blocks do not add up;
  // nothing is open then.
  void Open(const std::string& path, std::uint64_t file_id, std::uint64_t bytes);

  // Remembers the names of the document at `ordinal` (ordinals increase).
  // A document with neither id nor url is not stored. Opens a temporary
  // file at the first name when no file is open. Throws winnow::Error when
  // a write fails.
  void Add(std::uint64_t ordinal, std::string_view id, std::string_view url);

  // The names of the document at `ordinal`; false when none were stored, or
  // the block that holds them is damaged (then damaged() is true). `*id` and
  // `*url` are set (possibly empty) when true. Throws winnow::Error when
  // the file cannot be read.
  bool Find(std::uint64_t ordinal, std::string* id, std::string* url);

  // Makes every name added durable in the file at `path` and returns its
  // size in bytes, for the index to record. When the names are in another
  // file (a temporary one, or another index's), they are copied to `path`
  // through a temporary file and a rename, and `path` is used from then on.
  // Throws winnow::Error.
  std::uint64_t Save(const std::string& path);

  std::uint64_t names() const { return names_; }
  std::uint64_t file_id() const { return file_id_; }
  bool damaged() const { return damaged_; }
  const std::string& path() const { return path_; }

 private:
  struct Block {
    std::uint64_t first_ordinal;
    std::uint64_t offset;  // of its header in the file
  };
  void Close();
  void OpenTemporary();
  void Flush();  // writes the pending block, if any
  // Reads the block at `offset` into cache_; false when it is damaged.
  bool ReadBlock(std::uint64_t offset);
  // Writes a new file's header at `fd` with a new id.
  void StartFile(int fd, const std::string& name);
  // Finds `ordinal` in a block's payload.
  static bool FindIn(std::string_view payload, std::uint64_t first, std::uint32_t count,
                     std::uint64_t ordinal, std::string* id, std::string* url);

  int fd_ = -1;
  std::string path_;  // empty for the temporary file
  std::uint64_t size_ = 0;  // bytes in the file
  std::vector<Block> blocks_;
  // The block being filled.
  std::string pending_;
  std::uint32_t pending_count_ = 0;
  std::uint64_t pending_first_ = 0, last_ordinal_ = 0;
  // The block read last (duplicates of one document come together).
  std::uint64_t cached_offset_ = ~std::uint64_t{0};
  std::string cache_;
  std::uint64_t names_ = 0;
  std::uint64_t file_id_ = 0;
  bool damaged_ = false;
};

}  // namespace winnow

#endif  // WINNOW_DOC_NAMES_HPP_
