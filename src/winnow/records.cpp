#include "winnow/records.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "winnow/error.hpp"
#include "winnow/reader.hpp"

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
                           JsonlFields fields, std::size_t chunk, bool defer_json)
    : fd_(fd),
      name_(std::move(name)),
      format_(format),
      fields_(std::move(fields)),
      chunk_(chunk == 0 ? 1 : chunk),
      defer_json_(defer_json) {}

bool RecordReader::Fill() {
  if (eof_) return false;
  // Compact once the consumed prefix dominates, so the buffer stays about
  // the size of the largest record.
  if (start_ > 0 && start_ >= buffer_.size() / 2) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  for (;;) {
    const std::size_t used = buffer_.size();
    buffer_.resize(used + chunk_);
    const ssize_t got = ::read(fd_, buffer_.data() + used, chunk_);
    if (got < 0) {
      buffer_.resize(used);
      if (errno == EINTR) {
        CheckInterrupted(name_);
        continue;
      }
      throw Error(name_, std::string("read failed: ") + std::strerror(errno));
    }
    buffer_.resize(used + static_cast<std::size_t>(got));
    if (got == 0) {
      eof_ = true;
      return false;
    }
    return true;
  }
}

bool RecordReader::Next(Record* r) {
  r->raw.clear();
  r->error.clear();
  r->has_text = false;
  r->text.clear();
  r->id.clear();
  r->url.clear();
  r->text_begin = r->text_end = 0;
  r->warc = WarcRecord{};
  r->json_pending = false;
  switch (format_) {
    case Format::kText: {
      while (Fill()) {
      }
      if (number_ > 0 && start_ == buffer_.size()) return false;
      r->number = ++number_;
      r->offset = consumed_;
      r->raw.assign(buffer_, start_, std::string::npos);
      consumed_ += r->raw.size();
      start_ = buffer_.size();
      r->has_text = true;
      r->text = r->raw;
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
    const void* hit = std::memchr(base + scanned, delimiter, avail - scanned);
    if (hit) {
      end = start_ + static_cast<std::size_t>(static_cast<const char*>(hit) - base) + 1;
      break;
    }
    scanned = avail;  // stays valid when Fill() compacts the buffer
    if (!Fill()) {
      end = buffer_.size();
      break;
    }
  }
  if (end == start_) return false;  // nothing left
  r->number = ++number_;
  r->offset = consumed_;
  r->raw.assign(buffer_, start_, end - start_);
  consumed_ += end - start_;
  start_ = end;

  std::string_view body = r->raw;
  if (!body.empty() && body.back() == delimiter) body.remove_suffix(1);
  if (format_ == Format::kNul) {
    r->has_text = true;
    r->text.assign(body);
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
  // A blank line is passed through as it is.
  std::string_view trimmed = body;
  while (!trimmed.empty() && (trimmed.back() == '\r' || trimmed.back() == ' ' || trimmed.back() == '\t')) {
    trimmed.remove_suffix(1);
  }
  if (trimmed.empty()) return;
  thread_local JsonLine json;
  if (!ParseJsonLine(body, fields, &json, &r->error)) return;
  r->has_text = json.has_text;
  r->text = std::move(json.text);
  r->text_begin = json.text_begin;
  r->text_end = json.text_end;
  r->id = std::move(json.id);
  r->url = std::move(json.url);
}

bool RecordReader::NextWarc(Record* r) {
  for (;;) {
    std::string_view data(buffer_.data() + start_, buffer_.size() - start_);
    if (data.empty()) {
      if (!Fill()) return false;
      continue;
    }
    WarcRecord parsed;
    std::string error;
    const long n = ParseWarcRecord(data, eof_, &parsed, &error);
    if (n == 0) {
      Fill();  // at end of input, the next ParseWarcRecord call decides
      continue;
    }
    r->number = ++number_;
    r->offset = consumed_;
    std::size_t size;
    if (n < 0) {
      // Skip to the next record start; the skipped bytes are the bad record.
      // FindNextWarcRecord also stops at a line holding only a prefix of
      // "WARC/1." at the end of the data: read on until at least that many
      // bytes follow the line start, so chunk boundaries never split the bad
      // record. At end of input such a prefix cannot start a record.
      constexpr std::size_t kResync = sizeof "WARC/1." - 1;
      size = FindNextWarcRecord(data, 1);
      while (data.size() - size < kResync && !eof_) {
        // Fill() may move the buffer even when it finds end of input.
        const bool more = Fill();
        data = std::string_view(buffer_.data() + start_, buffer_.size() - start_);
        if (!more) break;
        size = FindNextWarcRecord(data, 1);
      }
      if (eof_ && data.size() - size < kResync) size = data.size();
      r->error = error;
    } else {
      size = static_cast<std::size_t>(n);
    }
    r->raw.assign(data.substr(0, size));
    consumed_ += size;
    start_ += size;
    if (n < 0) return true;
    ParseWarcRecord(r->raw, true, &r->warc, &error);  // views into raw
    r->id = std::string(r->warc.Header("WARC-Record-ID"));
    r->url = std::string(r->warc.Header("WARC-Target-URI"));
    if (r->warc.Header("WARC-Type") == "conversion") {
      r->has_text = true;
      r->text.assign(r->warc.block);
    }
    return true;
  }
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
