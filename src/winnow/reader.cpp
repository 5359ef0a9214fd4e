#include "winnow/reader.hpp"

#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <new>
#include <utility>

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
      throw InputError(std::string(name), std::string("read failed: ") + std::strerror(errno));
    }
    if (interruptible) CheckInterrupted(name);
  }
}

std::size_t GrowthFor(std::size_t capacity, std::size_t needed, std::size_t most) {
  // Doubling while small; by half once large, so that a large buffer
  // overshoots what it holds by at most half, and old and new buffers
  // together stay within 2.5 times the old one. Never past `most` unless
  // `needed` is: a record just under a size limit costs the limit, not
  // twice it.
  constexpr std::size_t kLarge = std::size_t{8} << 20;
  std::size_t next = capacity < kLarge ? 2 * capacity
                     : capacity > SIZE_MAX / 3 * 2 ? SIZE_MAX
                                                  : capacity + capacity / 2;
  if (next > most && needed <= most) next = most;
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

namespace {

// Appends reads of `chunk` bytes from read(data, size) (0 at the end) to
// *out until the end (true) or until it holds more than `limit` bytes
// (false). On an exception *out keeps the bytes read before it.
template <typename ReadFn>
bool AppendUpTo(std::size_t limit, std::string* out, std::size_t chunk, ReadFn read) {
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
      got = read(out->data() + used, chunk);
    } catch (...) {
      out->resize(used);
      throw;
    }
    out->resize(used + got);
    if (got == 0) return true;
  }
  return false;
}

}  // namespace

bool ReadAtMost(int fd, std::string_view name, std::size_t limit,
                std::string* out, std::size_t chunk) {
  return AppendUpTo(limit, out, chunk,
                    [&](char* data, std::size_t size) { return ReadSome(fd, name, data, size); });
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

std::string_view CompressionName(Compression compression) {
  switch (compression) {
    case Compression::kNone: return "none";
    case Compression::kGzip: return "gzip";
    case Compression::kZstd: return "zstd";
  }
  return "none";
}

namespace {

// Raw bytes are read in pieces of this size.
constexpr std::size_t kRawChunk = std::size_t{1} << 18;

bool IsGzipMagic(std::string_view s) { return s.size() >= 2 && s[0] == '\x1f' && s[1] == '\x8b'; }

bool IsZstdMagic(std::string_view s) {
  if (s.size() < 4) return false;
  const std::uint32_t magic = static_cast<unsigned char>(s[0]) | static_cast<unsigned char>(s[1]) << 8 |
                              static_cast<unsigned char>(s[2]) << 16 |
                              static_cast<std::uint32_t>(static_cast<unsigned char>(s[3])) << 24;
  // A zstd frame, or a skippable frame (0x184D2A50 to 0x184D2A5F).
  return magic == ZSTD_MAGICNUMBER || (magic & ZSTD_MAGIC_SKIPPABLE_MASK) == ZSTD_MAGIC_SKIPPABLE_START;
}

// Compressed formats winnow does not decode, by their magic bytes: refused
// at once by name, not judged as text.
struct OtherFormat {
  std::string_view magic;
  std::string_view name, tool;
};
constexpr OtherFormat kOtherFormats[] = {
    {std::string_view("\xfd" "7zXZ\0", 6), "xz", "xz -dc"},
    {"BZh", "bzip2", "bzip2 -dc"},  // then a block size digit and a block or end-of-stream magic
    {"\x04\x22\x4d\x18", "lz4", "lz4 -dc"},
    {"\x02\x21\x4c\x18", "lz4", "lz4 -dc"},
    {"LZIP\x01", "lzip", "lzip -dc"},
    {"PK\x03\x04", "zip", "unzip -p"},
    {"7z\xbc\xaf\x27\x1c", "7z", "7z x -so"},
};
constexpr std::size_t kMostMagicBytes = 10;  // bzip2's "BZh9" and a 6-byte block magic

bool IsBzip2Magic(std::string_view s) {
  if (s.size() < 10 || s.substr(0, 3) != "BZh" || s[3] < '1' || s[3] > '9') return false;
  const std::string_view block = s.substr(4, 6);
  return block == "\x31\x41\x59\x26\x53\x59" || block == "\x17\x72\x45\x38\x50\x90";
}

// The format whose magic `head` starts with, or nullptr; `*undecided` is set
// when `head` is too short to tell and more bytes may follow.
const OtherFormat* OtherFormatOf(std::string_view head, bool* undecided) {
  *undecided = false;
  for (const OtherFormat& f : kOtherFormats) {
    const std::size_t need = f.name == "bzip2" ? kMostMagicBytes : f.magic.size();
    const std::size_t n = std::min(head.size(), need);
    const std::string_view known = f.name == "bzip2" ? std::string_view(head.data(), std::min<std::size_t>(n, 3))
                                                      : head.substr(0, n);
    if (f.magic.substr(0, known.size()) != known) continue;
    if (head.size() < need) {
      *undecided = true;
      continue;
    }
    if (f.name != "bzip2" || IsBzip2Magic(head)) return &f;
  }
  return nullptr;
}

}  // namespace

struct Source::Decoder {
  ~Decoder() {
    if (gzip_ready) inflateEnd(&gzip);
    if (zstd != nullptr) ZSTD_freeDStream(zstd);
  }
  z_stream gzip{};
  bool gzip_ready = false;
  bool member_done = false;  // gzip: the last member ended; another may follow
  ZSTD_DStream* zstd = nullptr;
  bool frame_done = false;   // zstd: the input so far ends with a whole frame
};

Source::Source(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}

Source::~Source() = default;

bool Source::FillRaw(bool interruptible) {
  if (eof_) return false;
  if (in_pos_ > 0) {  // keep the unconsumed bytes, at the front
    std::memmove(in_.get(), in_.get() + in_pos_, in_end_ - in_pos_);
    in_end_ -= in_pos_;
    in_pos_ = 0;
  }
  if (in_size_ < in_end_ + kRawChunk) {
    auto grown = std::make_unique_for_overwrite<char[]>(in_end_ + kRawChunk);
    if (in_end_ > 0) std::memcpy(grown.get(), in_.get(), in_end_);
    in_ = std::move(grown);
    in_size_ = in_end_ + kRawChunk;
  }
  const std::size_t got = ReadSome(fd_, name_, in_.get() + in_end_, in_size_ - in_end_, interruptible);
  if (got == 0) {
    eof_ = true;
    return false;
  }
  in_end_ += got;
  raw_bytes_ += got;
  return true;
}

void Source::Corrupt(const std::string& why) const {
  // The decoder stopped at the first byte it has not consumed.
  const std::uint64_t at = raw_bytes_ - (in_end_ - in_pos_);
  throw InputError(name_, "corrupt " + std::string(CompressionName(compression_)) + " input at byte " +
                              std::to_string(at) + ": " + why);
}

void Source::Truncated() const {
  throw InputError(name_, "truncated " + std::string(CompressionName(compression_)) + " input at byte " +
                              std::to_string(raw_bytes_));
}

std::size_t Source::Read(char* data, std::size_t size, bool interruptible) {
  if (failure_) {
    // Reported now: the bytes decoded before it went out first.
    std::exception_ptr failure = std::move(failure_);
    failure_ = nullptr;
    finished_ = true;
    std::rethrow_exception(failure);
  }
  if (finished_ || size == 0) return 0;
  if (!started_) {
    started_ = true;
    // Enough bytes to tell the formats apart (a pipe may give fewer).
    while (in_end_ < 4 && FillRaw(interruptible)) {
    }
    bool undecided = false;
    while (OtherFormatOf(std::string_view(in_.get(), in_end_), &undecided) == nullptr && undecided &&
           in_end_ < kMostMagicBytes && FillRaw(interruptible)) {
    }
    const std::string_view head(in_.get(), in_end_);
    if (const OtherFormat* other = OtherFormatOf(head, &undecided)) {
      finished_ = true;
      throw InputError(name_, std::string(other->name) + "-compressed input: winnow reads gzip and zstd; decompress it first (" +
                                  std::string(other->tool) + " FILE | winnow ...)");
    }
    decoder_ = std::make_unique<Decoder>();
    if (IsGzipMagic(head)) {
      compression_ = Compression::kGzip;
      // 16 + MAX_WBITS: a gzip header and trailer, not zlib's.
      if (inflateInit2(&decoder_->gzip, 16 + MAX_WBITS) != Z_OK) throw std::bad_alloc();
      decoder_->gzip_ready = true;
    } else if (IsZstdMagic(head)) {
      compression_ = Compression::kZstd;
      decoder_->zstd = ZSTD_createDStream();
      if (decoder_->zstd == nullptr) throw std::bad_alloc();
      ZSTD_initDStream(decoder_->zstd);
    }
  }
  std::size_t got;
  produced_ = 0;
  try {
    switch (compression_) {
      case Compression::kGzip:
        got = Inflate(data, size, interruptible);
        break;
      case Compression::kZstd:
        got = Unzstd(data, size, interruptible);
        break;
      default:
        got = 0;
        break;
    }
  } catch (const InputError&) {
    if (produced_ == 0) {
      finished_ = true;
      throw;
    }
    failure_ = std::current_exception();
    return produced_;
  }
  switch (compression_) {
    case Compression::kGzip:
    case Compression::kZstd:
      break;
    default:
      if (in_pos_ < in_end_) {  // the bytes read to look at the magic
        got = std::min(size, in_end_ - in_pos_);
        std::memcpy(data, in_.get() + in_pos_, got);
        in_pos_ += got;
        if (in_pos_ == in_end_) {
          in_.reset();
          in_size_ = in_pos_ = in_end_ = 0;
        }
      } else {
        got = eof_ ? 0 : ReadSome(fd_, name_, data, size, interruptible);
        raw_bytes_ += got;
      }
      break;
  }
  if (got == 0) {
    finished_ = true;
    decoder_.reset();
  }
  return got;
}

std::size_t Source::Inflate(char* data, std::size_t size, bool interruptible) {
  Decoder& d = *decoder_;
  z_stream& z = d.gzip;
  std::size_t& produced = produced_;
  for (;;) {
    if (d.member_done) {
      // Another member, or the end. Bytes produced so far go out before
      // waiting for more input.
      if (in_end_ - in_pos_ < 2 && produced > 0) return produced;
      while (in_end_ - in_pos_ < 2 && FillRaw(interruptible)) {
      }
      if (in_end_ == in_pos_) return produced;  // end of input after a whole member
      if (!IsGzipMagic(std::string_view(in_.get() + in_pos_, in_end_ - in_pos_))) {
        Corrupt("not a gzip member after the end of the previous one");
      }
      if (inflateReset(&z) != Z_OK) Corrupt("cannot restart the decoder");
      d.member_done = false;
    }
    z.next_in = reinterpret_cast<Bytef*>(in_.get() + in_pos_);
    z.avail_in = static_cast<uInt>(std::min<std::size_t>(in_end_ - in_pos_, UINT_MAX));
    z.next_out = reinterpret_cast<Bytef*>(data + produced);
    z.avail_out = static_cast<uInt>(std::min<std::size_t>(size - produced, UINT_MAX));
    const uInt in_before = z.avail_in, out_before = z.avail_out;
    const int ret = inflate(&z, Z_NO_FLUSH);
    in_pos_ += in_before - z.avail_in;
    produced += out_before - z.avail_out;
    if (ret == Z_STREAM_END) {
      d.member_done = true;
    } else if (ret == Z_MEM_ERROR) {
      throw std::bad_alloc();
    } else if (ret != Z_OK && ret != Z_BUF_ERROR) {
      Corrupt(z.msg != nullptr ? z.msg : "invalid data");
    }
    if (produced == size) return produced;
    if (d.member_done || in_pos_ < in_end_) continue;
    // All input consumed inside a member.
    if (produced > 0) return produced;
    if (!FillRaw(interruptible)) Truncated();
  }
}

std::size_t Source::Unzstd(char* data, std::size_t size, bool interruptible) {
  Decoder& d = *decoder_;
  std::size_t& produced = produced_;
  for (;;) {
    ZSTD_inBuffer in{in_.get() + in_pos_, in_end_ - in_pos_, 0};
    ZSTD_outBuffer out{data + produced, size - produced, 0};
    const std::size_t ret = ZSTD_decompressStream(d.zstd, &out, &in);
    in_pos_ += in.pos;
    produced += out.pos;
    if (ZSTD_isError(ret)) {
      if (ZSTD_getErrorCode(ret) == ZSTD_error_memory_allocation) throw std::bad_alloc();
      Corrupt(ZSTD_getErrorName(ret));
    }
    // 0: a frame is complete and flushed; the next bytes start another. A
    // call that did nothing (no input left) leaves the verdict as it was.
    if (in.pos > 0 || out.pos > 0) d.frame_done = ret == 0;
    if (produced == size) return produced;
    if (in_pos_ < in_end_) continue;
    // Input consumed and the output not full: the decoder has flushed
    // everything it can.
    if (produced > 0) return produced;
    if (!FillRaw(interruptible)) {
      if (!d.frame_done) Truncated();
      return 0;
    }
  }
}

bool ReadAtMost(Source& source, std::size_t limit, std::string* out, std::size_t chunk) {
  return AppendUpTo(limit, out, chunk,
                    [&](char* data, std::size_t size) { return source.Read(data, size); });
}

}  // namespace winnow
