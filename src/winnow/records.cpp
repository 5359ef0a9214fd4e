#include "winnow/records.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "winnow/error.hpp"
#include "winnow/reader.hpp"
#include "winnow/writer.hpp"

namespace winnow {

bool ParseFormat(std::string_view name, Format* format) {
  if (name == "text") {
    *format = Format::kText;
  } else if (name == "jsonl") {
    *format = Format::kJsonl;
  } else if (name == "wet" || name == "warc") {
    *format = Format::kWet;
  } else if (name == "nul") {
    *format = Format::kNul;
  } else {
    return false;
  }
  return true;
}

std::string_view FormatName(Format format) {
  switch (format) {
    case Format::kText: return "text";
    case Format::kJsonl: return "jsonl";
    case Format::kWet: return "wet";
    case Format::kNul: return "nul";
  }
  return "text";
}

RecordReader::RecordReader(int fd, std::string name, Format format,
                           JsonlFields fields, std::size_t chunk, bool defer_json,
                           std::size_t max_record_bytes)
    : source_(fd, name),
      name_(std::move(name)),
      format_(format),
      fields_(std::move(fields)),
      chunk_(chunk == 0 ? 1 : chunk),
      defer_json_(defer_json),
      // One less than the largest size_t, so that max_record_ + 1 is defined.
      max_record_(std::min(max_record_bytes, SIZE_MAX - 1)) {}

bool RecordReader::Fill() {
  if (eof_) return false;
  // Compact once the consumed prefix dominates, or before the buffer would
  // grow, so the buffer stays about the size of the largest record.
  if (start_ > 0 &&
      (start_ >= buffer_.size() / 2 || buffer_.size() + chunk_ > buffer_.capacity())) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  const std::size_t used = buffer_.size();
  if (used + chunk_ > buffer_.capacity()) {
    // Geometric growth, capped near the size limit: a record just under it
    // must not cost twice the limit.
    const std::size_t most = max_record_ > SIZE_MAX / 2 ? SIZE_MAX / 2 : max_record_ + 2 * chunk_;
    ReserveExactly(&buffer_, GrowthFor(buffer_.capacity(), used + chunk_, most));
  }
  buffer_.resize(used + chunk_);
  std::size_t got;
  try {
    // Within an oversized record, whose first pieces may be written already,
    // a stop request waits for the record's end.
    got = source_.Read(buffer_.data() + used, chunk_, piece_ == Piece::kNone);
  } catch (const InputError&) {
    // The bytes in the buffer stay unread: they do not make a whole record.
    buffer_.resize(used);
    eof_ = true;
    start_ = buffer_.size();
    piece_ = Piece::kNone;
    throw;
  } catch (...) {
    buffer_.resize(used);
    throw;
  }
  buffer_.resize(used + got);
  if (got == 0) {
    eof_ = true;
    return false;
  }
  return true;
}

bool RecordReader::Next(Record* r) {
  r->raw.clear();
  r->error.clear();
  r->has_text = false;
  r->text.clear();
  r->text_in_raw = false;
  r->raw_text_begin = r->raw_text_size = 0;
  r->id.clear();
  r->url.clear();
  r->text_begin = r->text_end = 0;
  r->warc = WarcRecord{};
  r->json_pending = false;
  r->oversized = r->continued = r->more = false;
  if (piece_ != Piece::kNone) {
    NextPiece(r);
    return true;
  }
  switch (format_) {
    case Format::kText: {
      // The whole input, unless it holds more than the limit: then it is
      // passed through in pieces, the first with every byte read so far.
      while (buffer_.size() - start_ <= max_record_ && Fill()) {
      }
      if (number_ > 0 && start_ == buffer_.size()) return false;
      r->number = ++number_;
      r->offset = consumed_;
      if (buffer_.size() - start_ > max_record_) {
        piece_ = Piece::kToEnd;
        piece_number_ = r->number;
        piece_offset_ = r->offset;
        TakeRecord(buffer_.size() - start_, r);
        r->oversized = true;
        r->more = true;
        return true;
      }
      TakeRecord(buffer_.size() - start_, r);
      r->has_text = true;
      r->text_in_raw = true;
      r->raw_text_size = r->raw.size();
      return true;
    }
    case Format::kJsonl:
      return NextDelimited('\n', r);
    case Format::kNul:
      return NextDelimited('\0', r);
    case Format::kWet:
      return NextWarc(r);
  }
  return false;
}

bool RecordReader::NextDelimited(char delimiter, Record* r) {
  std::size_t scanned = 0;  // bytes after start_ searched already
  std::size_t end;
  for (;;) {
    const char* base = buffer_.data() + start_;
    const std::size_t avail = buffer_.size() - start_;
    // A delimiter at offset max_record_ or before ends a record within the
    // limit; none there makes the record oversized, whatever follows.
    const std::size_t window = std::min(avail, max_record_ + 1);
    const void* hit = scanned < window ? std::memchr(base + scanned, delimiter, window - scanned) : nullptr;
    if (hit) {
      end = start_ + static_cast<std::size_t>(static_cast<const char*>(hit) - base) + 1;
      break;
    }
    if (avail > max_record_) {
      piece_ = Piece::kDelimited;
      piece_number_ = ++number_;
      piece_offset_ = consumed_;
      TakePiece(std::min(chunk_, max_record_ + 1), r);  // no delimiter in it
      r->more = true;
      return true;
    }
    scanned = window;  // stays valid when Fill() compacts the buffer
    if (!Fill()) {
      end = buffer_.size();
      break;
    }
  }
  if (end == start_) return false;  // nothing left
  r->number = ++number_;
  r->offset = consumed_;
  TakeRecord(end - start_, r);

  std::string_view body = r->raw;
  if (!body.empty() && body.back() == delimiter) body.remove_suffix(1);
  if (format_ == Format::kNul) {
    r->has_text = true;
    r->text_in_raw = true;
    r->raw_text_size = body.size();
    return true;
  }
  if (defer_json_) {
    r->json_pending = true;
  } else {
    DecodeJsonRecord(fields_, r);
  }
  return true;
}

void DecodeJsonRecord(const JsonlFields& fields, Record* r) {
  r->json_pending = false;
  std::string_view body = r->raw;
  if (!body.empty() && body.back() == '\n') body.remove_suffix(1);
  // A byte order mark at the start of an input (some editors and exports
  // write one) is not JSON: parsed without it, written back with it.
  std::size_t bom = 0;
  if (r->offset == 0 && body.starts_with("\xEF\xBB\xBF")) {
    bom = 3;
    body.remove_prefix(bom);
  }
  // A blank line is passed through as it is.
  std::string_view trimmed = body;
  while (!trimmed.empty() && (trimmed.back() == '\r' || trimmed.back() == ' ' || trimmed.back() == '\t')) {
    trimmed.remove_suffix(1);
  }
  if (trimmed.empty()) return;
  thread_local JsonLine json;
  // The bytes after the line in raw's allocation serve as simdjson's padding.
  const std::size_t readable = r->raw.capacity() - static_cast<std::size_t>(body.data() - r->raw.data());
  if (!ParseJsonLine(body, fields, &json, &r->error, readable)) return;
  r->has_text = json.has_text;
  r->text = std::move(json.text);
  r->text_begin = json.text_begin + bom;
  r->text_end = json.text_end + bom;
  r->id = std::move(json.id);
  r->url = std::move(json.url);
  r->annotations.clear();
  for (const auto& [begin, end] : json.annotations) r->annotations.emplace_back(begin + bom, end + bom);
}

bool RecordReader::NextWarc(Record* r) {
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  for (;;) {
    std::string_view data(buffer_.data() + start_, buffer_.size() - start_);
    if (data.empty()) {
      if (!Fill()) return false;
      continue;
    }
    // Before the first record of an input: a byte order mark (some editors
    // and exports write one) and blank lines (tools that joined files), up
    // to kMaxWarcBlankBytes of them. Neither is part of the WARC record:
    // parsed without them, written back with it, before its version line.
    std::size_t lead = 0;
    if (consumed_ == 0) {
      if (data.size() < kBom.size() && kBom.starts_with(data) && !eof_) {
        Fill();
        continue;
      }
      if (data.starts_with(kBom)) lead = kBom.size();
      bool open = false;
      lead += WarcBlankLines(data.substr(lead), kMaxWarcBlankBytes, &open);
      if (open && !eof_) {
        Fill();
        continue;
      }
      if (lead == data.size()) {
        // Nothing but those: no record, passed through as it is.
        r->number = ++number_;
        r->offset = consumed_;
        TakeRecord(lead, r);
        return true;
      }
    }
    data.remove_prefix(lead);
    WarcRecord parsed;
    std::string error;
    // A block over the limit is known from the headers: the record is
    // passed through in pieces rather than waited for.
    std::uint64_t block_size = 0;
    const long head = ParseWarcHeaders(data, eof_, &parsed, &block_size, &error);
    if (head > 0 && block_size > max_record_) {
      piece_ = Piece::kWarcBlock;
      piece_number_ = ++number_;
      piece_offset_ = consumed_;
      block_size_ = block_size;
      piece_left_ = lead + static_cast<std::uint64_t>(head) + block_size;
      NextPiece(r);
      return true;
    }
    const long n = ParseWarcRecord(data, eof_, &parsed, &error);
    if (n == 0) {
      Fill();  // at end of input, the next ParseWarcRecord call decides
      continue;
    }
    r->number = ++number_;
    r->offset = consumed_;
    const std::size_t size = n < 0 ? SkipMalformedWarc(lead) : static_cast<std::size_t>(n);
    TakeRecord(lead + size, r);
    if (n < 0) {
      r->error = error;
      return true;
    }
    ParseWarcRecord(std::string_view(r->raw).substr(lead), true, &r->warc, &error);  // views into raw
    // The mark and blank lines are written back before the version line.
    if (lead > 0) r->warc.version_line = std::string_view(r->raw.data(), lead + r->warc.version_line.size());
    r->id = std::string(r->warc.Header("WARC-Record-ID"));
    r->url = std::string(r->warc.Header("WARC-Target-URI"));
    if (r->warc.Header("WARC-Type").empty()) {
      // Mandatory (WARC 1.1, 5.5): without it no one can tell a document
      // from a request or metadata record.
      r->error = "missing WARC-Type";
      return true;
    }
    if (r->warc.Header("WARC-Type") == "conversion") {
      r->has_text = true;
      r->text_in_raw = true;
      r->raw_text_begin = static_cast<std::size_t>(r->warc.block.data() - r->raw.data());
      r->raw_text_size = r->warc.block.size();
    }
    return true;
  }
}

std::size_t RecordReader::SkipMalformedWarc(std::size_t lead) {
  // The bad record runs to the next line that starts with "WARC/1.".
  // FindNextWarcRecord also stops at a line holding only a prefix of it at
  // the end of the data: read on until at least that many bytes follow the
  // line start, so read sizes never split the bad record differently. At
  // end of input such a prefix cannot start a record. Each search goes on
  // from where the last one stopped, so every byte is looked at about once
  // however long the garbage (linear time); and the bad record ends after
  // MalformedWarcBytes() at the latest, so that memory follows the limit,
  // not the garbage: what follows is read as the next record, bad again.
  constexpr std::size_t kResync = sizeof "WARC/1." - 1;
  const std::size_t most = MalformedWarcBytes() - lead;  // lead <= kMaxWarcBlankBytes + 3
  std::size_t size = 1;
  for (;;) {
    // Fill() may move the buffer: the view is made again each time.
    const std::string_view data(buffer_.data() + start_ + lead, buffer_.size() - start_ - lead);
    size = FindNextWarcRecord(data, size);
    if (size > most) return most;
    if (data.size() - size >= kResync) return size;
    if (!Fill()) {
      const std::string_view all(buffer_.data() + start_ + lead, buffer_.size() - start_ - lead);
      return std::min(all.size(), most);
    }
  }
}

std::size_t RecordReader::MalformedWarcBytes() const {
  // A bad record may hold a whole block of up to the limit, its headers
  // and trailer: it is never cut short within those.
  constexpr std::size_t kFraming = kMaxWarcHeaderBytes + kMaxWarcBlankBytes + 4;
  return max_record_ > SIZE_MAX - kFraming ? SIZE_MAX : max_record_ + kFraming;
}

void RecordReader::TakeRecord(std::size_t size, Record* r) {
  consumed_ += size;
  if (size < kHandOverBytes) {
    r->raw.assign(buffer_, start_, size);
    start_ += size;
    return;
  }
  // A large record is handed over with the buffer that holds it, rather
  // than copied: only the bytes after it are copied, into a new buffer.
  std::string rest(buffer_, start_ + size);
  buffer_.resize(start_ + size);
  buffer_.erase(0, start_);
  r->raw.swap(buffer_);
  buffer_.swap(rest);
  start_ = 0;
}

void RecordReader::TakePiece(std::size_t size, Record* r) {
  r->number = piece_number_;
  r->offset = piece_offset_;
  r->oversized = true;
  r->raw.append(buffer_, start_, size);
  start_ += size;
  consumed_ += size;
}

void RecordReader::NextPiece(Record* r) {
  r->continued = consumed_ != piece_offset_;
  if (start_ == buffer_.size()) Fill();
  const std::size_t avail = buffer_.size() - start_;
  if (piece_ == Piece::kToEnd) {
    const std::size_t size = std::min(avail, chunk_);
    TakePiece(size, r);  // empty at end of input: the last piece
    r->more = size > 0;
    if (size == 0) piece_ = Piece::kNone;
    return;
  }
  if (piece_ == Piece::kDelimited) {
    const char delimiter = format_ == Format::kNul ? '\0' : '\n';
    const std::size_t size = std::min(avail, chunk_);
    const void* hit = std::memchr(buffer_.data() + start_, delimiter, size);
    if (hit) {
      TakePiece(static_cast<std::size_t>(static_cast<const char*>(hit) - (buffer_.data() + start_)) + 1, r);
      piece_ = Piece::kNone;
    } else {
      TakePiece(size, r);  // empty at end of input: the last piece
      r->more = size > 0;
      if (size == 0) piece_ = Piece::kNone;
    }
    return;
  }
  // WARC: the version line, headers and block, then the trailer.
  const std::size_t size = static_cast<std::size_t>(std::min<std::uint64_t>({avail, chunk_, piece_left_}));
  TakePiece(size, r);
  piece_left_ -= size;
  r->more = true;
  if (piece_left_ > 0) {
    if (size == 0) {  // end of input inside the block
      const std::uint64_t got = piece_left_ >= block_size_ ? 0 : block_size_ - piece_left_;
      r->error = "truncated record: " + std::to_string(got) + " of " + std::to_string(block_size_) +
                 " block bytes";
      r->more = false;
      piece_ = Piece::kNone;
    }
    return;
  }
  // The trailer: two line ends ("\r\n" or "\n"). Anything else is the
  // start of what follows, read as the next record, and the record's
  // framing is bad, as ParseWarcRecord says of a record held whole.
  int ends = 0;
  for (; ends < 2; ++ends) {
    while (buffer_.size() - start_ < 2 && Fill()) {
    }
    const std::string_view rest(buffer_.data() + start_, buffer_.size() - start_);
    if (rest.starts_with('\n')) {
      TakePiece(1, r);
    } else if (rest.starts_with("\r\n")) {
      TakePiece(2, r);
    } else {
      break;
    }
  }
  if (ends < 2) {
    const std::string_view rest(buffer_.data() + start_, std::min<std::size_t>(buffer_.size() - start_, 1));
    r->error = rest.empty() ? "bad record trailer: expected CRLF CRLF after the block, found end of input"
                            : "bad record trailer: expected CRLF CRLF after the block";
  } else {
    // The blank lines after it, as ParseWarcRecord takes them.
    std::size_t left = kMaxWarcBlankBytes;
    for (;;) {
      bool open = false;
      const std::size_t run =
          WarcBlankLines(std::string_view(buffer_.data() + start_, buffer_.size() - start_), left, &open);
      TakePiece(run, r);
      left -= run;
      if (!open || !Fill()) break;
    }
  }
  r->more = false;
  piece_ = Piece::kNone;
}

void AppendRecord(Format format, const Record& r, std::string_view text,
                  std::string* out) {
  if (!r.has_text || !r.error.empty()) {
    out->append(r.raw);
    return;
  }
  switch (format) {
    case Format::kText:
      out->append(text);
      return;
    case Format::kNul:
      out->append(text);
      if (!r.raw.empty() && r.raw.back() == '\0') out->push_back('\0');
      return;
    case Format::kJsonl: {
      std::string_view line = r.raw;
      const bool newline = !line.empty() && line.back() == '\n';
      if (newline) line.remove_suffix(1);
      AppendWithText(line, r.text_begin, r.text_end, text, out);
      if (newline) out->push_back('\n');
      return;
    }
    case Format::kWet:
      AppendWarcRecord(r.warc, text, out);
      return;
  }
}

}  // namespace winnow

namespace winnow {

std::size_t AppendKeptRecord(Format format, const Record& r, const Document& doc,
                             const std::vector<bool>& keep, std::string* out) {
  if (!r.has_text || !r.error.empty()) {
    out->append(r.raw);
    return std::string::npos;
  }
  const std::size_t kept = KeptBytes(doc, keep);
  const std::size_t at = out->size();
  switch (format) {
    case Format::kText:
    case Format::kNul: {
      const bool nul = format == Format::kNul && !r.raw.empty() && r.raw.back() == '\0';
      out->reserve(at + kept + 1);
      AppendKept(doc, keep, out);
      if (nul) out->push_back('\0');
      return at;
    }
    case Format::kJsonl: {
      std::string_view line = r.raw;
      const bool newline = !line.empty() && line.back() == '\n';
      if (newline) line.remove_suffix(1);
      std::size_t escaped = 0;
      ForEachKeptPiece(doc, keep, [&](std::string_view piece) { escaped += JsonEscapedSize(piece); });
      out->reserve(at + line.size() - (r.text_end - r.text_begin) + escaped + 3);
      out->append(line.substr(0, r.text_begin));
      out->push_back('"');
      ForEachKeptPiece(doc, keep, [out](std::string_view piece) { AppendJsonEscaped(piece, out); });
      out->push_back('"');
      out->append(line.substr(r.text_end));
      if (newline) out->push_back('\n');
      return std::string::npos;
    }
    case Format::kWet: {
      // The head holds the block's length and digest: the block goes in
      // first, and the head, built from it, is moved in before it.
      const std::size_t head_room = static_cast<std::size_t>(r.warc.block.data() - r.raw.data()) + 256;
      out->reserve(at + head_room + kept + 4);
      AppendKept(doc, keep, out);
      std::string head;
      AppendWarcHead(r.warc, std::string_view(*out).substr(at, kept), &head);
      out->insert(at, head);
      AppendWarcTail(r.warc, out);
      return at + head.size();
    }
  }
  return std::string::npos;
}

}  // namespace winnow
