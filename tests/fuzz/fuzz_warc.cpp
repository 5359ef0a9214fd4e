// ParseWarcRecord, AppendWarcRecord and FindNextWarcRecord (warc.hpp) on
// arbitrary bytes.
//
// Invariants:
//  - ParseWarcRecord returns a length within the data, 0 ("need more")
//    only when not at end of input, or -1 with a message; its views point
//    into the data;
//  - more input never changes a verdict: over prefixes of the data (not at
//    end of input), once a prefix gives a record or an error, every longer
//    prefix gives the same record length or the same error message; and a
//    record found without at_eof is found the same with it;
//  - a parsed record written back with its own block is the input's bytes
//    (the trailer, with the blank lines after it, normalised to CRLF CRLF
//    only when it was incomplete), and
//    parses again to the same block and headers;
//  - written back with another block, it parses again to that block, with
//    the same headers except Content-Length (the new size) and
//    WARC-Block-Digest (the new block's digest);
//  - FindNextWarcRecord returns a line start at or after `from`, at which
//    "WARC/1." starts (or a prefix of it ends the data), with no such line
//    in between; or the data's size.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_util.hpp"
#include "winnow/warc.hpp"

namespace {

using winnow::WarcRecord;
using winnow::fuzz::WholeTrailer;

bool Within(std::string_view view, std::string_view data) {
  return view.empty() ||
         (view.data() >= data.data() && view.data() + view.size() <= data.data() + data.size());
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    return lower(x) == lower(y);
  });
}

// Whether a Content-Length value says `size` (leading zeros allowed).
bool SaysSize(std::string_view value, std::size_t size) {
  while (value.size() > 1 && value.front() == '0') value.remove_prefix(1);
  return value == std::to_string(size);
}

struct Result {
  long n;
  std::string error;
};

Result Parse(std::string_view data, bool at_eof, WarcRecord* record) {
  Result r{0, {}};
  r.n = winnow::ParseWarcRecord(data, at_eof, record, &r.error);
  FUZZ_CHECK(r.n >= -1 && r.n <= static_cast<long>(data.size()));
  FUZZ_CHECK(r.n != 0 || !at_eof);
  FUZZ_CHECK((r.n == -1) == !r.error.empty());
  if (r.n > 0) {
    FUZZ_CHECK(Within(record->block, data) && Within(record->trailer, data));
    FUZZ_CHECK(record->version == "WARC/1.0" || record->version == "WARC/1.1");
    for (const winnow::WarcHeader& h : record->headers) {
      FUZZ_CHECK(Within(h.raw, data) && Within(h.name, h.raw) && Within(h.value, h.raw));
    }
  }
  return r;
}

// Writes `record` with `block` and checks what parsing the result gives.
void CheckRewrite(const WarcRecord& record, std::string_view block) {
  std::string out;
  winnow::AppendWarcRecord(record, block, &out);
  WarcRecord again;
  // At the end of input: before it, blank lines might still follow.
  const Result r = Parse(out, true, &again);
  FUZZ_CHECK(r.n == static_cast<long>(out.size()));
  FUZZ_CHECK(again.block == block);
  FUZZ_CHECK(again.version_line == record.version_line);
  FUZZ_CHECK(again.headers.size() == record.headers.size());
  const bool same = block == record.block;
  for (std::size_t i = 0; i < record.headers.size(); ++i) {
    const winnow::WarcHeader& was = record.headers[i];
    const winnow::WarcHeader& now = again.headers[i];
    FUZZ_CHECK(now.name == was.name);
    if (EqualsIgnoreCase(was.name, "Content-Length")) {
      FUZZ_CHECK(SaysSize(now.value, block.size()));
    } else if (!same && EqualsIgnoreCase(was.name, "WARC-Block-Digest")) {
      FUZZ_CHECK(now.value == winnow::WarcSha1Digest(block));
    } else {
      FUZZ_CHECK(now.raw == was.raw && now.value == was.value);
    }
  }
}

void CheckFindNext(std::string_view data, std::size_t from) {
  constexpr std::string_view kMagic = "WARC/1.";
  auto starts_record = [&](std::size_t pos) {
    const std::string_view rest = data.substr(pos);
    return rest.starts_with(kMagic) || (rest.size() < kMagic.size() && kMagic.starts_with(rest));
  };
  auto line_start = [&](std::size_t pos) { return pos == 0 || data[pos - 1] == '\n'; };
  const std::size_t next = winnow::FindNextWarcRecord(data, from);
  FUZZ_CHECK(next <= data.size());
  if (from >= data.size()) {
    FUZZ_CHECK(next == data.size());
    return;
  }
  FUZZ_CHECK(next >= from);
  for (std::size_t pos = from; pos < next; ++pos) {
    FUZZ_CHECK(!(line_start(pos) && starts_record(pos)));
  }
  if (next < data.size()) FUZZ_CHECK(line_start(next) && starts_record(next));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string_view data(reinterpret_cast<const char*>(bytes), size);

  WarcRecord record;
  const Result open = Parse(data, false, &record);
  WarcRecord at_end;
  const Result closed = Parse(data, true, &at_end);
  if (open.n > 0) FUZZ_CHECK(closed.n == open.n);
  if (open.n < 0) FUZZ_CHECK(closed.n < 0);

  // Prefixes: at most 64 of them, evenly spread, and the last one.
  Result settled{0, {}};
  const std::size_t step = std::max<std::size_t>(1, size / 64);
  for (std::size_t k = 0; k <= size; k = k == size ? size + 1 : std::min(size, k + step)) {
    WarcRecord prefix_record;
    const Result r = Parse(data.substr(0, k), false, &prefix_record);
    if (settled.n != 0) {
      FUZZ_CHECK(r.n == settled.n && r.error == settled.error);
    } else {
      settled = r;
    }
  }
  FUZZ_CHECK(settled.n == open.n && settled.error == open.error);

  if (closed.n > 0) {
    // Written back as it was.
    std::string out;
    winnow::AppendWarcRecord(at_end, at_end.block, &out);
    const auto n = static_cast<std::size_t>(closed.n);
    if (WholeTrailer(at_end.trailer)) {
      FUZZ_CHECK(out == data.substr(0, n));
    } else {
      FUZZ_CHECK(out == std::string(data.substr(0, n - at_end.trailer.size())) + "\r\n\r\n");
    }
    CheckRewrite(at_end, at_end.block);
    // And with other blocks: shorter, longer, empty.
    const std::string block(at_end.block);
    CheckRewrite(at_end, std::string_view(block).substr(0, block.size() / 2));
    CheckRewrite(at_end, block + "\r\nWARC/1.0\r\n");
    CheckRewrite(at_end, std::string_view());
  }

  for (std::size_t from : {std::size_t{0}, std::size_t{1}, size / 3, size / 2, size, size + 1}) {
    CheckFindNext(data, from);
  }
  return 0;
}
