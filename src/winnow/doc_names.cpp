#include "winnow/doc_names.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <random>

#include "winnow/detail/xxhash.hpp"
#include "winnow/error.hpp"
#include "winnow/writer.hpp"

namespace winnow {
namespace {

constexpr char kMagic[8] = {'W', 'I', 'N', 'N', 'O', 'W', 'N', 'M'};
constexpr std::uint32_t kVersion = 1;
// Magic, version, file id.
constexpr std::uint64_t kFileHeader = sizeof kMagic + sizeof kVersion + 8;

// A block's header: u32 payload bytes, u32 count, u64 first ordinal, u64
// XXH3-64 of the payload; like every number in the file, little-endian.
struct BlockHeader {
  std::uint32_t payload_bytes;
  std::uint32_t count;
  std::uint64_t first_ordinal;
  std::uint64_t hash;  // XXH3-64 of the payload
};
constexpr std::size_t kBlockHeader = 24;

void PutLittle(std::uint64_t v, int bytes, char* out) {
  for (int i = 0; i < bytes; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}
std::uint64_t GetLittle(const char* in, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= std::uint64_t{static_cast<unsigned char>(in[i])} << (8 * i);
  return v;
}
void EncodeBlockHeader(const BlockHeader& h, char* out) {
  PutLittle(h.payload_bytes, 4, out);
  PutLittle(h.count, 4, out + 4);
  PutLittle(h.first_ordinal, 8, out + 8);
  PutLittle(h.hash, 8, out + 16);
}
BlockHeader DecodeBlockHeader(const char* in) {
  return {static_cast<std::uint32_t>(GetLittle(in, 4)), static_cast<std::uint32_t>(GetLittle(in + 4, 4)),
          GetLittle(in + 8, 8), GetLittle(in + 16, 8)};
}

// The largest payload a block can have: every name at its longest.
constexpr std::uint64_t kMaxPayload = kNamesPerBlock * (2 * kMaxNameBytes + 3 * 10);

void PutVarint(std::uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// Reads a varint at *pos of `s`; false when it runs past the end.
bool GetVarint(std::string_view s, std::size_t* pos, std::uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64 && *pos < s.size(); shift += 7) {
    const auto byte = static_cast<unsigned char>(s[(*pos)++]);
    *v |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

void PreadAll(int fd, const std::string& name, void* data, std::size_t size, std::uint64_t offset) {
  auto* p = static_cast<char*>(data);
  while (size > 0) {
    const ssize_t n = ::pread(fd, p, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error(name, std::strerror(errno));
    if (n == 0) throw Error(name, "names file is truncated");
    p += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
}

void PwriteAll(int fd, const std::string& name, const void* data, std::size_t size,
               std::uint64_t offset) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::pwrite(fd, p, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error(name, std::strerror(errno));
    p += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
}

}  // namespace

std::string NamesFileFor(const std::string& index_path) {
  // A new index has no real path yet: its names go beside the path given.
  char* real = ::realpath(index_path.c_str(), nullptr);
  if (real == nullptr) return index_path + ".names";
  std::string names = std::string(real) + ".names";
  std::free(real);
  return names;
}

DocumentNames::~DocumentNames() { Close(); }

void DocumentNames::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  path_.clear();
  size_ = 0;
  blocks_.clear();
  pending_.clear();
  pending_count_ = 0;
  cached_offset_ = ~std::uint64_t{0};
  cache_.clear();
}

void DocumentNames::StartFile(int fd, const std::string& name) {
  if (::ftruncate(fd, 0) != 0) throw Error(name, std::strerror(errno));
  std::random_device random;
  file_id_ = (static_cast<std::uint64_t>(random()) << 32) ^ random();
  char head[kFileHeader];
  std::memcpy(head, kMagic, sizeof kMagic);
  PutLittle(kVersion, 4, head + sizeof kMagic);
  PutLittle(file_id_, 8, head + sizeof kMagic + sizeof kVersion);
  PwriteAll(fd, name, head, sizeof head, 0);
  size_ = kFileHeader;
}

void DocumentNames::Open(const std::string& path, std::uint64_t file_id, std::uint64_t bytes) {
  Close();
  names_ = 0;
  last_ordinal_ = 0;
  damaged_ = false;
  const std::string& name = path;
  const int fd = ::open(path.c_str(), bytes == 0 ? O_RDWR | O_CREAT | O_CLOEXEC : O_RDWR | O_CLOEXEC,
                        0666);
  if (fd < 0) throw Error(name, std::strerror(errno));
  try {
    if (bytes == 0) {
      StartFile(fd, name);
    } else {
      struct stat st;
      if (::fstat(fd, &st) != 0) throw Error(name, std::strerror(errno));
      if (static_cast<std::uint64_t>(st.st_size) < bytes || bytes < kFileHeader) {
        throw Error(name, "names file is shorter than its index says (" + std::to_string(st.st_size) +
                              " bytes, not " + std::to_string(bytes) + ")");
      }
      char head[kFileHeader];
      PreadAll(fd, name, head, sizeof head, 0);
      const auto version = static_cast<std::uint32_t>(GetLittle(head + sizeof kMagic, 4));
      const std::uint64_t id = GetLittle(head + sizeof kMagic + 4, 8);
      if (std::memcmp(head, kMagic, sizeof kMagic) != 0 || version != kVersion) {
        throw Error(name, "not a winnow names file of version " + std::to_string(kVersion));
      }
      if (id != file_id) throw Error(name, "names file of another index");
      std::uint64_t last = 0;
      for (std::uint64_t at = kFileHeader; at < bytes;) {
        if (bytes - at < kBlockHeader) throw Error(name, "names file is damaged (block headers)");
        char raw[kBlockHeader];
        PreadAll(fd, name, raw, sizeof raw, at);
        const BlockHeader h = DecodeBlockHeader(raw);
        if (h.count == 0 || h.count > kNamesPerBlock || h.payload_bytes > kMaxPayload ||
            bytes - at - kBlockHeader < h.payload_bytes || h.first_ordinal <= last) {
          throw Error(name, "names file is damaged (block headers)");
        }
        blocks_.push_back({h.first_ordinal, at});
        names_ += h.count;
        last = h.first_ordinal;
        at += kBlockHeader + h.payload_bytes;
      }
      // A run that added names and stopped before saving its index.
      if (static_cast<std::uint64_t>(st.st_size) > bytes &&
          ::ftruncate(fd, static_cast<off_t>(bytes)) != 0) {
        throw Error(name, std::strerror(errno));
      }
      last_ordinal_ = last;  // a lower bound: the next name's ordinal is above it
      file_id_ = id;
      size_ = bytes;
    }
  } catch (...) {
    ::close(fd);
    blocks_.clear();
    names_ = 0;
    size_ = 0;
    throw;
  }
  fd_ = fd;
  path_ = path;
}

void DocumentNames::OpenTemporary() {
  const char* dir = std::getenv("TMPDIR");
  std::string pattern = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/winnow-names-XXXXXX";
  const int fd = ::mkostemp(pattern.data(), O_CLOEXEC);
  if (fd < 0) throw Error(pattern, std::string("cannot create the names file: ") + std::strerror(errno));
  ::unlink(pattern.c_str());  // gone with the run
  try {
    StartFile(fd, pattern);
  } catch (...) {
    ::close(fd);
    throw;
  }
  fd_ = fd;
  path_.clear();
}

void DocumentNames::Add(std::uint64_t ordinal, std::string_view id, std::string_view url) {
  if (id.size() > kMaxNameBytes) id = {};
  if (url.size() > kMaxNameBytes) url = {};
  if (id.empty() && url.empty()) return;
  if (fd_ < 0) OpenTemporary();
  if (pending_count_ == 0) {
    pending_first_ = ordinal;
    last_ordinal_ = ordinal;
  }
  PutVarint(ordinal - last_ordinal_, &pending_);
  PutVarint(id.size(), &pending_);
  pending_.append(id);
  PutVarint(url.size(), &pending_);
  pending_.append(url);
  last_ordinal_ = ordinal;
  ++names_;
  if (++pending_count_ == kNamesPerBlock) Flush();
}

void DocumentNames::Flush() {
  if (pending_count_ == 0) return;
  BlockHeader h{static_cast<std::uint32_t>(pending_.size()), pending_count_, pending_first_,
                XXH3_64bits(pending_.data(), pending_.size())};
  const std::string name = path_.empty() ? "names file" : path_;
  std::string block(kBlockHeader, '\0');
  EncodeBlockHeader(h, block.data());
  block += pending_;
  PwriteAll(fd_, name, block.data(), block.size(), size_);
  blocks_.push_back({pending_first_, size_});
  size_ += block.size();
  pending_.clear();
  pending_count_ = 0;
}

bool DocumentNames::FindIn(std::string_view payload, std::uint64_t first, std::uint32_t count,
                           std::uint64_t ordinal, std::string* id, std::string* url) {
  std::size_t pos = 0;
  std::uint64_t at = first;
  for (std::uint32_t i = 0; i < count; ++i) {
    std::uint64_t step, n;
    if (!GetVarint(payload, &pos, &step)) return false;
    at += step;
    if (!GetVarint(payload, &pos, &n) || n > payload.size() - pos) return false;
    const std::string_view i_d = payload.substr(pos, n);
    pos += n;
    if (!GetVarint(payload, &pos, &n) || n > payload.size() - pos) return false;
    const std::string_view u = payload.substr(pos, n);
    pos += n;
    if (at == ordinal) {
      id->assign(i_d);
      url->assign(u);
      return true;
    }
    if (at > ordinal) return false;
  }
  return false;
}

bool DocumentNames::ReadBlock(std::uint64_t offset) {
  if (offset == cached_offset_) return true;
  cached_offset_ = ~std::uint64_t{0};
  const std::string name = path_.empty() ? "names file" : path_;
  char raw[kBlockHeader];
  PreadAll(fd_, name, raw, sizeof raw, offset);
  const BlockHeader h = DecodeBlockHeader(raw);
  if (h.payload_bytes > kMaxPayload || h.count > kNamesPerBlock) return false;
  cache_.resize(kBlockHeader + h.payload_bytes);
  std::memcpy(cache_.data(), raw, kBlockHeader);
  PreadAll(fd_, name, cache_.data() + kBlockHeader, h.payload_bytes, offset + kBlockHeader);
  if (XXH3_64bits(cache_.data() + kBlockHeader, h.payload_bytes) != h.hash) return false;
  cached_offset_ = offset;
  return true;
}

bool DocumentNames::Find(std::uint64_t ordinal, std::string* id, std::string* url) {
  if (pending_count_ > 0 && ordinal >= pending_first_) {
    return FindIn(pending_, pending_first_, pending_count_, ordinal, id, url);
  }
  // The last block whose first ordinal is at most `ordinal`.
  auto it = std::upper_bound(blocks_.begin(), blocks_.end(), ordinal,
                             [](std::uint64_t o, const Block& b) { return o < b.first_ordinal; });
  if (it == blocks_.begin()) return false;
  --it;
  if (!ReadBlock(it->offset)) {
    damaged_ = true;
    return false;
  }
  const BlockHeader h = DecodeBlockHeader(cache_.data());
  return FindIn(std::string_view(cache_).substr(kBlockHeader), h.first_ordinal, h.count, ordinal, id,
                url);
}

std::uint64_t DocumentNames::Save(const std::string& path) {
  if (fd_ < 0) {
    Open(path, 0, 0);
  } else {
    Flush();
  }
  if (path_ != path) {
    // Copied whole to the new place; the names go on there.
    {
      AtomicFile file(path);
      std::string chunk;
      for (std::uint64_t at = 0; at < size_;) {
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(size_ - at, 1 << 20));
        chunk.resize(n);
        PreadAll(fd_, path_.empty() ? "names file" : path_, chunk.data(), n, at);
        file.Write(chunk);
        at += n;
      }
      file.Commit();
    }
    const std::vector<Block> blocks = std::move(blocks_);
    const std::uint64_t size = size_, names = names_, last = last_ordinal_, id = file_id_;
    Close();
    file_id_ = id;
    fd_ = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd_ < 0) throw Error(path, std::strerror(errno));
    path_ = path;
    size_ = size;
    blocks_ = blocks;
    names_ = names;
    last_ordinal_ = last;
  } else if (::fdatasync(fd_) != 0) {
    throw Error(path, std::strerror(errno));
  }
  return size_;
}

}  // namespace winnow
