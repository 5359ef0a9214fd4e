#include "winnow/warc.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>

#include "winnow/error.hpp"

namespace winnow {
namespace {

constexpr std::string_view kMagic = "WARC/";
constexpr std::string_view kResyncMagic = "WARC/1.";
constexpr std::string_view kContentLength = "Content-Length";
constexpr std::string_view kBlockDigest = "WARC-Block-Digest";

// Bytes classified once, never through <cctype> or the locale.
struct ByteTable {
  unsigned char lower[256];  // ASCII A-Z folded to a-z, all else unchanged
  bool digit[256];           // 0-9
  bool space[256];           // SP HT CR LF: trimmed around header values
  bool token[256];           // RFC 2616 token characters (header names)
  bool printable[256];       // shown as is in error messages
  constexpr ByteTable() : lower(), digit(), space(), token(), printable() {
    for (int c = 0; c < 256; ++c) {
      lower[c] = static_cast<unsigned char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
      digit[c] = c >= '0' && c <= '9';
      printable[c] = c >= 0x20 && c < 0x7f;
      token[c] = c > 0x20 && c < 0x7f;
    }
    for (char c : std::string_view("()<>@,;:\\\"/[]?={}")) {
      token[static_cast<unsigned char>(c)] = false;
    }
    for (char c : std::string_view(" \t\r\n")) {
      space[static_cast<unsigned char>(c)] = true;
    }
  }
};
constexpr ByteTable kBytes;

unsigned char Byte(char c) { return static_cast<unsigned char>(c); }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (kBytes.lower[Byte(a[i])] != kBytes.lower[Byte(b[i])]) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && kBytes.space[Byte(s.front())]) s.remove_prefix(1);
  while (!s.empty() && kBytes.space[Byte(s.back())]) s.remove_suffix(1);
  return s;
}

// The offending bytes for an error message: at most 40 of them, quoted,
// non-printable ones as \xHH, so a message stays one short line.
std::string Quote(std::string_view s) {
  constexpr std::size_t kMaxShown = 40;
  constexpr char kHex[] = "0123456789abcdef";
  std::string out = "'";
  for (char c : s.substr(0, kMaxShown)) {
    if (kBytes.printable[Byte(c)] && c != '\'' && c != '\\') {
      out.push_back(c);
    } else {
      out += "\\x";
      out.push_back(kHex[Byte(c) >> 4]);
      out.push_back(kHex[Byte(c) & 15]);
    }
  }
  if (s.size() > kMaxShown) out += "...";
  out.push_back('\'');
  return out;
}

long Fail(std::string* error, std::string message) {
  *error = std::move(message);
  return -1;
}

// Decimal digits only, no sign, no spaces, at most kMaxWarcBlockBytes.
bool ParseLength(std::string_view s, std::uint64_t* length) {
  if (s.empty()) return false;
  std::uint64_t n = 0;
  for (char c : s) {
    if (!kBytes.digit[Byte(c)]) return false;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
    if (n > kMaxWarcBlockBytes) return false;  // also keeps n * 10 in range
  }
  *length = n;
  return true;
}

// One line of `data` starting at `begin`: `text` without its terminator,
// `full` with it. False if no '\n' follows `begin`.
struct Line {
  std::string_view text;
  std::string_view full;
};

bool NextLine(std::string_view data, std::size_t begin, Line* line) {
  std::size_t lf = data.find('\n', begin);
  if (lf == std::string_view::npos) return false;
  std::size_t end = lf;
  if (end > begin && data[end - 1] == '\r') --end;
  line->text = data.substr(begin, end - begin);
  line->full = data.substr(begin, lf + 1 - begin);
  return true;
}

// The terminator a header line ended with, for a rewritten header.
std::string_view LineEnd(std::string_view raw) {
  if (raw.size() >= 2 && raw.substr(raw.size() - 2) == "\r\n") return "\r\n";
  if (!raw.empty() && raw.back() == '\n') return "\n";
  return "\r\n";
}

// Two line terminators or more, each "\r\n" or "\n", and nothing else.
bool IsWholeTrailer(std::string_view t) {
  bool open = false;
  return WarcBlankLines(t, t.size(), &open) == t.size() && std::count(t.begin(), t.end(), '\n') >= 2;
}

void AppendHeaderLine(std::string_view name, std::string_view value,
                      std::string_view eol, std::string* out) {
  out->append(name);
  out->append(": ");
  out->append(value);
  out->append(eol);
}

}  // namespace

std::string_view WarcRecord::Header(std::string_view name) const {
  for (const WarcHeader& h : headers) {
    if (EqualsIgnoreCase(h.name, name)) return h.value;
  }
  return {};
}

long ParseWarcHeaders(std::string_view data, bool at_eof, WarcRecord* record,
                      std::uint64_t* block_size, std::string* error) {
  // Refuse non-WARC bytes at once rather than wait for a line end that a
  // binary file may never have.
  std::size_t shown = std::min(data.size(), kMagic.size());
  if (data.substr(0, shown) != kMagic.substr(0, shown) ||
      (at_eof && shown < kMagic.size())) {
    return Fail(error, "no WARC version line");
  }

  // Every line of the header section must end within kMaxWarcHeaderBytes.
  const std::string_view head = data.substr(0, kMaxWarcHeaderBytes);
  const bool head_cut = head.size() < data.size();
  auto incomplete_head = [&]() -> long {
    if (head_cut) {
      return Fail(error, "header section longer than " +
                             std::to_string(kMaxWarcHeaderBytes) + " bytes");
    }
    if (!at_eof) return 0;
    return Fail(error, "truncated record: end of input in the headers");
  };

  Line line;
  if (!NextLine(head, 0, &line)) return incomplete_head();
  if (line.text != "WARC/1.0" && line.text != "WARC/1.1") {
    return Fail(error, "unsupported WARC version " + Quote(line.text));
  }
  record->version = line.text;
  record->version_line = line.full;
  record->headers.clear();

  std::size_t pos = line.full.size();
  std::size_t value_begin = 0;  // where the last header's value starts
  std::size_t raw_begin = 0;    // where the last header's line starts
  for (;;) {
    if (!NextLine(head, pos, &line)) return incomplete_head();
    std::size_t next = pos + line.full.size();
    if (line.text.empty()) {
      record->header_end = line.full;
      pos = next;
      break;
    }
    if (line.text[0] == ' ' || line.text[0] == '\t') {
      // A continuation line: the previous header grows to include it.
      if (record->headers.empty()) {
        return Fail(error, "continuation line before the first header");
      }
      WarcHeader& last = record->headers.back();
      std::size_t text_end = pos + line.text.size();
      last.value = Trim(data.substr(value_begin, text_end - value_begin));
      last.raw = data.substr(raw_begin, next - raw_begin);
      pos = next;
      continue;
    }
    std::size_t colon = line.text.find(':');
    if (colon == std::string_view::npos) {
      return Fail(error, "header line without ':': " + Quote(line.text));
    }
    std::string_view name = line.text.substr(0, colon);
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
          return kBytes.token[Byte(c)];
        })) {
      return Fail(error, "bad header name " + Quote(name));
    }
    raw_begin = pos;
    value_begin = pos + colon + 1;
    record->headers.push_back(
        {name, Trim(line.text.substr(colon + 1)), line.full});
    pos = next;
  }

  const WarcHeader* length_header = nullptr;
  for (const WarcHeader& h : record->headers) {
    if (!EqualsIgnoreCase(h.name, kContentLength)) continue;
    if (length_header != nullptr) {
      return Fail(error, "duplicate Content-Length");
    }
    length_header = &h;
  }
  if (length_header == nullptr) return Fail(error, "missing Content-Length");
  std::uint64_t length = 0;
  if (!ParseLength(length_header->value, &length)) {
    return Fail(error, "bad Content-Length " + Quote(length_header->value));
  }
  *block_size = length;
  return static_cast<long>(pos);
}

long ParseWarcRecord(std::string_view data, bool at_eof, WarcRecord* record,
                     std::string* error) {
  std::uint64_t length = 0;
  const long head = ParseWarcHeaders(data, at_eof, record, &length, error);
  if (head <= 0) return head;
  const std::size_t pos = static_cast<std::size_t>(head);
  const std::size_t available = data.size() - pos;
  if (available < length) {
    if (!at_eof) return 0;
    return Fail(error, "truncated record: " + std::to_string(available) +
                           " of " + std::to_string(length) + " block bytes");
  }
  record->block = data.substr(pos, static_cast<std::size_t>(length));

  // The trailer: two line ends, wherever the record is: one that the end
  // of input cuts short is as bad as one that the next record cuts short.
  const std::size_t trailer_begin = pos + static_cast<std::size_t>(length);
  std::size_t end = trailer_begin;
  for (int ends = 0; ends < 2;) {
    if (end == data.size() || (data[end] == '\r' && end + 1 == data.size())) {
      if (!at_eof) return 0;
      const std::string_view partial = data.substr(trailer_begin);
      return Fail(error, "bad record trailer: expected CRLF CRLF after the block, found " +
                             (partial.empty() ? std::string("end of input")
                                              : Quote(partial) + " and end of input"));
    }
    if (data[end] == '\n') {
      end += 1;
    } else if (data[end] == '\r' && data[end + 1] == '\n') {
      end += 2;
    } else {
      return Fail(error,
                  "bad record trailer: expected CRLF CRLF after the block, "
                  "found " +
                      // Up to the offending byte only: it is always in
                      // `data`, so the message never depends on how much
                      // input happened to be buffered.
                      Quote(data.substr(trailer_begin, end + 1 - trailer_begin)));
    }
    ++ends;
  }
  // Blank lines after it are the record's too, up to a bound; a run that
  // reaches the end of `data` may go on.
  bool open = false;
  end += WarcBlankLines(data.substr(end), kMaxWarcBlankBytes, &open);
  if (open && !at_eof) return 0;
  record->trailer = data.substr(trailer_begin, end - trailer_begin);
  return static_cast<long>(end);
}

std::size_t WarcBlankLines(std::string_view data, std::size_t limit, bool* open) {
  const std::size_t most = std::min(data.size(), limit);
  std::size_t end = 0;
  for (;;) {
    if (end < most && data[end] == '\n') {
      end += 1;
    } else if (end + 1 < most && data[end] == '\r' && data[end + 1] == '\n') {
      end += 2;
    } else {
      break;
    }
  }
  // More data could add a line end: "\n" after the last byte, or the '\n'
  // of a '\r' that is the last byte.
  const bool at_end = end == data.size() && end < limit;
  const bool cr_at_end = end + 1 == data.size() && data[end] == '\r' && end + 2 <= limit;
  *open = at_end || cr_at_end;
  return end;
}

std::size_t FindNextWarcRecord(std::string_view data, std::size_t from) {
  if (from >= data.size()) return data.size();
  std::size_t pos = from;
  if (pos > 0 && data[pos - 1] != '\n') {
    pos = data.find('\n', pos);
    if (pos == std::string_view::npos) return data.size();
    ++pos;
  }
  // `pos` is a line start. Looked for by the magic rather than line by
  // line: garbage of short or blank lines goes at memchr's speed.
  for (std::size_t at = pos; (at = data.find(kResyncMagic, at)) != std::string_view::npos; ++at) {
    if (at == pos || data[at - 1] == '\n') return at;
  }
  // A proper prefix of it can only end the data, on the last line.
  const std::size_t lf = data.rfind('\n');
  const std::size_t last = lf == std::string_view::npos || lf < pos ? pos : lf + 1;
  const std::string_view tail = data.substr(last);
  if (!tail.empty() && kResyncMagic.starts_with(tail)) return last;
  return data.size();
}

void AppendWarcRecord(const WarcRecord& record, std::string_view block,
                      std::string* out) {
  AppendWarcHead(record, block, out);
  out->append(block);
  AppendWarcTail(record, out);
}

void AppendWarcHead(const WarcRecord& record, std::string_view block, std::string* out) {
  if (!record.version_line.empty()) {
    out->append(record.version_line);
  } else {
    out->append(record.version.empty() ? "WARC/1.0" : record.version);
    out->append("\r\n");
  }

  const bool changed =
      !(block.size() == record.block.size() &&
        (block.data() == record.block.data() || block == record.block));
  const std::string length = std::to_string(block.size());
  bool has_length = false;
  for (const WarcHeader& h : record.headers) {
    if (EqualsIgnoreCase(h.name, kContentLength)) {
      has_length = true;
      std::uint64_t old_length = 0;
      if (!h.raw.empty() && ParseLength(h.value, &old_length) &&
          old_length == block.size()) {
        out->append(h.raw);
      } else {
        AppendHeaderLine(h.name, length, LineEnd(h.raw), out);
      }
    } else if (changed && EqualsIgnoreCase(h.name, kBlockDigest)) {
      AppendHeaderLine(h.name, WarcSha1Digest(block), LineEnd(h.raw), out);
    } else if (!h.raw.empty()) {
      out->append(h.raw);
    } else {
      AppendHeaderLine(h.name, h.value, "\r\n", out);
    }
  }
  if (!has_length) AppendHeaderLine(kContentLength, length, "\r\n", out);

  out->append(record.header_end.empty() ? "\r\n" : record.header_end);
}

void AppendWarcTail(const WarcRecord& record, std::string* out) {
  out->append(IsWholeTrailer(record.trailer) ? record.trailer : "\r\n\r\n");
}

std::string WarcSha1Digest(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md;
  unsigned int md_size = 0;
  if (EVP_Digest(data.data(), data.size(), md.data(), &md_size, EVP_sha1(),
                 nullptr) != 1 ||
      md_size != 20) {
    throw Error("", "SHA-1 (OpenSSL EVP_Digest) failed");
  }
  // RFC 4648 base32: 5 bytes make 8 characters; 20 bytes make 32, no '='.
  constexpr char kBase32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out = "sha1:";
  for (unsigned int i = 0; i < md_size; i += 5) {
    std::uint64_t group = 0;
    for (unsigned int j = 0; j < 5; ++j) group = group << 8 | md[i + j];
    for (int shift = 35; shift >= 0; shift -= 5) {
      out.push_back(kBase32[(group >> shift) & 31]);
    }
  }
  return out;
}

}  // namespace winnow
