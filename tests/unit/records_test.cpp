#include "winnow/records.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "winnow/error.hpp"
#include "winnow/jsonl.hpp"
#include "winnow/writer.hpp"
#include "test_io.hpp"

namespace winnow {
namespace {

using testing::PipeFeed;
using testing::TempFile;

using namespace std::string_literals;

// The chunk sizes every reader test runs with: 1 byte splits a record at
// every byte boundary; 1 << 20 reads each input in one go.
constexpr std::size_t kChunks[] = {1, 2, 3, 5, 7, 64, std::size_t{1} << 20};

enum class Source { kPipe, kFile };

// A record's observable fields, copied out of the reader's Record (whose
// `warc` views point into its own `raw`, so it is not kept).
struct Rec {
  std::uint64_t number = 0;
  std::uint64_t offset = 0;
  std::string raw;
  std::string error;
  bool has_text = false;
  std::string text;
  std::string id;
  std::string url;
  bool operator==(const Rec&) const = default;
};

std::string Show(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

std::string Show(const Rec& r) {
  std::ostringstream os;
  os << "#" << r.number << " @" << r.offset << " raw='" << Show(r.raw) << "' error='"
     << r.error << "' has_text=" << r.has_text << " text='" << Show(r.text) << "' id='"
     << r.id << "' url='" << r.url << "'";
  return os.str();
}

struct ReadResult {
  std::vector<Rec> records;
  std::string rewritten;  // every record through AppendRecord with its own text
  std::uint64_t bytes_read = 0;
  bool next_after_end = false;  // Next() once more after it returned false
};

ReadResult ReadFrom(int fd, Format format, std::size_t chunk) {
  ReadResult result;
  RecordReader reader(fd, "input", format, JsonlFields{}, chunk);
  Record r;
  r.raw = "stale";
  r.error = "stale";
  r.id = "stale";
  while (reader.Next(&r)) {
    result.records.push_back({r.number, r.offset, r.raw, r.error, r.has_text, std::string(r.document()), r.id, r.url});
    // AppendRecord now, while r's views are valid.
    AppendRecord(format, r, r.document(), &result.rewritten);
  }
  result.bytes_read = reader.bytes_read();
  result.next_after_end = reader.Next(&r);
  return result;
}

ReadResult Read(const std::string& input, Format format, std::size_t chunk, Source source) {
  if (source == Source::kPipe) {
    PipeFeed feed(input);
    return ReadFrom(feed.fd(), format, chunk);
  }
  TempFile file(input);
  return ReadFrom(file.fd(), format, chunk);
}

// What a record should be. `error` is a substring the error must contain
// ("" for a record without error; kAnyError for any non-empty error).
struct Want {
  std::string raw;
  std::string error;
  bool has_text;
  std::string text;
  std::string id;
  std::string url;
};

const std::string kAnyError = "<any>";

Want Doc(std::string raw, std::string text, std::string id = "", std::string url = "") {
  return {std::move(raw), "", true, std::move(text), std::move(id), std::move(url)};
}
Want Pass(std::string raw, std::string id = "") { return {std::move(raw), "", false, "", std::move(id), ""}; }
Want Bad(std::string raw, std::string error) { return {std::move(raw), std::move(error), false, "", "", ""}; }

struct Case {
  std::string name;
  Format format;
  std::string input;
  std::vector<Want> want;
  // What AppendRecord(format, r, r.document()) gives for the whole input, when it
  // is not the input itself (only where a header documents the difference).
  std::optional<std::string> rewritten = std::nullopt;
};

// A WARC record. `eol` is the line end used throughout.
std::string Warc(std::string_view type, std::string_view id, std::string_view uri,
                 std::string_view block, std::string_view eol = "\r\n",
                 bool trailer = true) {
  std::string s = "WARC/1.0"s + std::string(eol);
  s += "WARC-Type: " + std::string(type) + std::string(eol);
  if (!uri.empty()) s += "WARC-Target-URI: " + std::string(uri) + std::string(eol);
  s += "WARC-Record-ID: " + std::string(id) + std::string(eol);
  s += "Content-Length: " + std::to_string(block.size()) + std::string(eol);
  s += eol;
  s += block;
  if (trailer) s += std::string(eol) + std::string(eol);
  return s;
}

std::string Repeat(std::string_view unit, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += unit;
  return s;
}

std::vector<Case> Cases() {
  std::vector<Case> cases;

  // --- text: the whole input is one document ---------------------------
  cases.push_back({"text: empty input is one empty document", Format::kText, "", {Doc("", "")}});
  cases.push_back({"text: every byte, NUL and newlines included", Format::kText,
                   "line one\n\0\r\n\xff last"s, {Doc("line one\n\0\r\n\xff last"s, "line one\n\0\r\n\xff last"s)}});
  {
    const std::string big = Repeat("0123456789abcdef\n", 40);  // 680 bytes: many chunks
    cases.push_back({"text: larger than a chunk", Format::kText, big, {Doc(big, big)}});
  }

  // --- nul ---------------------------------------------------------------
  cases.push_back({"nul: empty input has no records", Format::kNul, "", {}});
  cases.push_back({"nul: two terminated records", Format::kNul, "one\0two\0"s,
                   {Doc("one\0"s, "one"), Doc("two\0"s, "two")}});
  cases.push_back({"nul: trailing data without a NUL is a record", Format::kNul, "one\0tail"s,
                   {Doc("one\0"s, "one"), Doc("tail", "tail")}});
  cases.push_back({"nul: a single NUL is one empty record", Format::kNul, "\0"s, {Doc("\0"s, "")}});
  cases.push_back({"nul: empty records between NULs", Format::kNul, "\0\0a\0\0"s,
                   {Doc("\0"s, ""), Doc("\0"s, ""), Doc("a\0"s, "a"), Doc("\0"s, "")}});
  cases.push_back({"nul: newlines, CR and 0xff are text", Format::kNul, "a\nb\r\n\xff\0\n\0"s,
                   {Doc("a\nb\r\n\xff\0"s, "a\nb\r\n\xff"), Doc("\n\0"s, "\n")}});
  {
    // Records of 0..149 bytes: the buffer is compacted many times.
    Case c{"nul: 150 records of growing size", Format::kNul, "", {}};
    for (int i = 0; i < 150; ++i) {
      std::string body = Repeat("x", static_cast<std::size_t>(i));
      if (i > 0) body[static_cast<std::size_t>(i) / 2] = static_cast<char>('a' + i % 26);
      c.input += body + '\0';
      c.want.push_back(Doc(body + '\0', body));
    }
    cases.push_back(c);
  }

  // --- jsonl -------------------------------------------------------------
  cases.push_back({"jsonl: empty input has no records", Format::kJsonl, "", {}});
  cases.push_back(
      {"jsonl: text, id and url", Format::kJsonl,
       "{\"id\":\"a1\",\"url\":\"http://e.com/1\",\"text\":\"Hello\\nworld\"}\n"
       "{\"text\":\"tab\\there \\\"q\\\" \\\\ caf\xc3\xa9\",\"id\":42}\n",
       {Doc("{\"id\":\"a1\",\"url\":\"http://e.com/1\",\"text\":\"Hello\\nworld\"}\n", "Hello\nworld",
            "\"a1\"", "http://e.com/1"),
        Doc("{\"text\":\"tab\\there \\\"q\\\" \\\\ caf\xc3\xa9\",\"id\":42}\n",
            "tab\there \"q\" \\ caf\xc3\xa9", "42")}});
  cases.push_back({"jsonl: last line without a newline", Format::kJsonl,
                   "{\"text\":\"a\"}\n{\"text\":\"b\"}",
                   {Doc("{\"text\":\"a\"}\n", "a"), Doc("{\"text\":\"b\"}", "b")}});
  cases.push_back({"jsonl: blank lines pass through without text", Format::kJsonl,
                   "\n{\"text\":\"a\"}\n   \r\n\t\n\n{\"text\":\"b\"}\n\n",
                   {Pass("\n"), Doc("{\"text\":\"a\"}\n", "a"), Pass("   \r\n"), Pass("\t\n"), Pass("\n"),
                    Doc("{\"text\":\"b\"}\n", "b"), Pass("\n")}});
  cases.push_back({"jsonl: a blank last line without a newline", Format::kJsonl, "{\"text\":\"a\"}\n  ",
                   {Doc("{\"text\":\"a\"}\n", "a"), Pass("  ")}});
  cases.push_back({"jsonl: objects without a string text field pass through", Format::kJsonl,
                   "{\"id\":1}\n{\"text\":5,\"id\":\"x\"}\n{}\n",
                   {Pass("{\"id\":1}\n", "1"), Pass("{\"text\":5,\"id\":\"x\"}\n", "\"x\""), Pass("{}\n")}});
  cases.push_back({"jsonl: a bad line is an error record and reading goes on", Format::kJsonl,
                   "{\"text\":\"a\"}\n{\"text\":\"unterminated}\n{\"text\":\"c\"}\n",
                   {Doc("{\"text\":\"a\"}\n", "a"), Bad("{\"text\":\"unterminated}\n", kAnyError),
                    Doc("{\"text\":\"c\"}\n", "c")}});
  cases.push_back({"jsonl: malformed lines of every kind", Format::kJsonl,
                   "[1,2]\n{\"text\":\"a\"} x\n{\"text\":\"\xff\"}\nnot json\n{\"text\":\"ok\"}\n{",
                   {Bad("[1,2]\n", "not a JSON object"), Bad("{\"text\":\"a\"} x\n", kAnyError),
                    Bad("{\"text\":\"\xff\"}\n", "UTF-8"), Bad("not json\n", kAnyError),
                    Doc("{\"text\":\"ok\"}\n", "ok"), Bad("{", kAnyError)}});
  {
    // A line much longer than the 64-byte chunk.
    const std::string words = Repeat("long line ", 40);
    const std::string line = "{\"text\":\"" + words + "\",\"id\":7}\n";
    cases.push_back({"jsonl: a line longer than a chunk", Format::kJsonl,
                     line + "{\"text\":\"short\"}\n", {Doc(line, words, "7"), Doc("{\"text\":\"short\"}\n", "short")}});
  }
  {
    // Escapes that AppendJsonString does not write come back in its form:
    // only the value is rewritten (jsonl.hpp), and to the same text.
    const std::string line = "{\"text\":\"caf\\u00e9 \\/ \\u0041\", \"id\":1}\n";
    cases.push_back({"jsonl: non-canonical escapes", Format::kJsonl, line,
                     {Doc(line, "caf\xc3\xa9 / A", "1")},
                     "{\"text\":\"caf\xc3\xa9 / A\", \"id\":1}\n"});
  }

  // --- wet ---------------------------------------------------------------
  const std::string info = Warc("warcinfo", "<urn:uuid:info>", "", "software: test\r\n");
  const std::string conv1 =
      Warc("conversion", "<urn:uuid:1>", "http://a.example/1", "First page.\nSecond line.\n");
  const std::string conv2 =
      Warc("conversion", "<urn:uuid:2>", "http://b.example/2", "Other page.\n");
  const Want want_info{info, "", false, "", "<urn:uuid:info>", ""};
  const Want want1 = Doc(conv1, "First page.\nSecond line.\n", "<urn:uuid:1>", "http://a.example/1");
  const Want want2 = Doc(conv2, "Other page.\n", "<urn:uuid:2>", "http://b.example/2");

  cases.push_back({"wet: empty input has no records", Format::kWet, "", {}});
  cases.push_back({"wet: warcinfo passes through, conversions have text", Format::kWet,
                   info + conv1 + conv2, {want_info, want1, want2}});
  {
    const std::string lf = Warc("conversion", "<urn:uuid:lf>", "http://lf.example/", "LF only.\n", "\n");
    cases.push_back({"wet: bare LF line ends", Format::kWet, lf + conv1,
                     {Doc(lf, "LF only.\n", "<urn:uuid:lf>", "http://lf.example/"), want1}});
  }
  {
    // The block holds lines that look like record starts; Content-Length
    // decides where the record ends.
    const std::string block = "text\nWARC/1.0\nWARC-Type: conversion\n\n";
    const std::string tricky = Warc("conversion", "<urn:uuid:t>", "http://t.example/", block);
    cases.push_back({"wet: a block holding WARC lines", Format::kWet, tricky + conv2,
                     {Doc(tricky, block, "<urn:uuid:t>", "http://t.example/"), want2}});
  }
  {
    const std::string empty = Warc("conversion", "<urn:uuid:e>", "http://e.example/", "");
    cases.push_back({"wet: an empty block", Format::kWet, empty + conv1,
                     {Doc(empty, "", "<urn:uuid:e>", "http://e.example/"), want1}});
  }
  {
    // Lines starting with prefixes of "WARC/1." ("W", "WAR", "WARC/")
    // must not cut the garbage into pieces at any chunk size.
    const std::string garbage = "junk line\nWelcome\nWAR\nWARNING: x\nWARC/0.9\nW";
    cases.push_back({"wet: garbage between two records is one error record", Format::kWet,
                     conv1 + garbage + "\n" + conv2, {want1, Bad(garbage + "\n", "no WARC version line"), want2}});
  }
  {
    // A byte order mark at the start of the input (some editors and exports
    // write one) is skipped for parsing and kept in the first record's
    // bytes, whatever that record is; later in the input it is garbage.
    const std::string bom = "\xEF\xBB\xBF";
    cases.push_back({"wet: a BOM before the first record", Format::kWet, bom + conv1 + conv2,
                     {Doc(bom + conv1, "First page.\nSecond line.\n", "<urn:uuid:1>", "http://a.example/1"), want2}});
    cases.push_back({"wet: a BOM before a warcinfo record", Format::kWet, bom + info + conv1,
                     {Want{bom + info, "", false, "", "<urn:uuid:info>", ""}, want1}});
    const std::string lf = Warc("conversion", "<urn:uuid:lf>", "http://lf.example/", "LF only.\n", "\n");
    cases.push_back({"wet: a BOM before a record of bare LF line ends", Format::kWet, bom + lf,
                     {Doc(bom + lf, "LF only.\n", "<urn:uuid:lf>", "http://lf.example/")}});
    cases.push_back({"wet: a BOM before garbage", Format::kWet, bom + "junk\n" + conv1,
                     {Bad(bom + "junk\n", "no WARC version line"), want1}});
    // With no record after it, it passes through as it is, as in JSONL.
    cases.push_back({"wet: a BOM alone", Format::kWet, bom, {Pass(bom)}});
    cases.push_back({"wet: a BOM and blank lines before the first record", Format::kWet,
                     bom + "\r\n\n" + conv1 + conv2,
                     {Doc(bom + "\r\n\n" + conv1, "First page.\nSecond line.\n", "<urn:uuid:1>",
                          "http://a.example/1"),
                      want2}});
    cases.push_back({"wet: blank lines before a BOM: it is garbage, as after a record", Format::kWet,
                     "\n" + bom + conv1 + conv2, {Bad("\n" + bom + conv1, "no WARC version line"), want2}});
    cases.push_back({"wet: part of a BOM alone", Format::kWet, bom.substr(0, 2), {Bad(bom.substr(0, 2), "no WARC version line")}});
    cases.push_back({"wet: a BOM after the first record is garbage", Format::kWet, conv1 + bom + conv2,
                     {want1, Bad(bom + conv2, "no WARC version line")}});
  }
  {
    // Blank lines between records (tools that joined or re-wrapped files
    // leave them) belong to the record before them: its trailer. Before the
    // first record they are written back with it, before its version line.
    // Read at every chunk size, so a chunk boundary falls at every byte of
    // them.
    const std::string lf1 = Warc("conversion", "<urn:uuid:l1>", "http://lf.example/1", "LF page.\n", "\n");
    const std::string lf2 = Warc("warcinfo", "<urn:uuid:l2>", "", "x: y\n", "\n");
    const Want want_lf1 = Doc(lf1, "LF page.\n", "<urn:uuid:l1>", "http://lf.example/1");
    const Want want_lf2 = Pass(lf2, "<urn:uuid:l2>");
    auto with = [](Want w, const std::string& before, const std::string& after) {
      w.raw = before + w.raw + after;
      return w;
    };
    struct Run {
      std::string name, eol;
      int count;
    };
    for (const Run& run : {Run{"CRLF", "\r\n", 1}, Run{"CRLF", "\r\n", 2}, Run{"CRLF", "\r\n", 5},
                           Run{"LF", "\n", 1}, Run{"LF", "\n", 2}, Run{"LF", "\n", 5},
                           Run{"LF CRLF", "\n\r\n", 1}, Run{"CRLF LF", "\r\n\n", 2}}) {
      const std::string blank = Repeat(run.eol, static_cast<std::size_t>(run.count));
      const std::string what = std::to_string(run.count) + " x " + run.name;
      cases.push_back({"wet: blank lines between records: " + what, Format::kWet,
                       info + blank + conv1 + blank + conv2,
                       {with(want_info, "", blank), with(want1, "", blank), want2}});
      cases.push_back({"wet: blank lines before the first record: " + what, Format::kWet,
                       blank + conv1 + conv2, {with(want1, blank, ""), want2}});
      cases.push_back({"wet: blank lines after the last record: " + what, Format::kWet,
                       conv1 + conv2 + blank, {want1, with(want2, "", blank)}});
      cases.push_back({"wet: blank lines everywhere, LF records: " + what, Format::kWet,
                       blank + lf1 + blank + lf2 + blank + conv1 + blank,
                       {with(want_lf1, blank, blank), with(want_lf2, "", blank), with(want1, "", blank)}});
    }
    cases.push_back({"wet: no blank lines between records", Format::kWet, lf1 + conv1 + lf2,
                     {want_lf1, want1, want_lf2}});
    cases.push_back({"wet: only blank lines pass through", Format::kWet, "\r\n\n\r\n",
                     {Pass("\r\n\n\r\n")}});
    cases.push_back({"wet: a lone CR after the blank lines is garbage", Format::kWet,
                     conv1 + "\r\n\r" + "junk\n" + conv2,
                     {with(want1, "", "\r\n"), Bad("\rjunk\n", "no WARC version line"), want2}});
    cases.push_back({"wet: a lone CR at the end of input is garbage", Format::kWet, conv1 + "\n\r",
                     {with(want1, "", "\n"), Bad("\r", "no WARC version line")}});
    cases.push_back({"wet: a line of spaces is not blank", Format::kWet, conv1 + "\r\n  \r\n" + conv2,
                     {with(want1, "", "\r\n"), Bad("  \r\n", "no WARC version line"), want2}});
    cases.push_back({"wet: blank lines after garbage are the garbage's", Format::kWet,
                     conv1 + "junk\n\r\n\n" + conv2,
                     {want1, Bad("junk\n\r\n\n", "no WARC version line"), want2}});
    cases.push_back({"wet: blank lines before garbage at the start", Format::kWet, "\n\njunk\n" + conv1,
                     {Bad("\n\njunk\n", "no WARC version line"), want1}});
  }
  cases.push_back({"wet: garbage before the first record", Format::kWet, "leading junk\n" + conv1,
                   {Bad("leading junk\n", "no WARC version line"), want1}});
  cases.push_back({"wet: garbage after the last record", Format::kWet, conv1 + "trailing junk",
                   {want1, Bad("trailing junk", "no WARC version line")}});
  // At end of input, a last line that is a prefix of "WARC/1." cannot
  // start a record: it belongs to the garbage before it.
  cases.push_back({"wet: garbage ending in a prefix of a version line", Format::kWet,
                   conv1 + "junk\nWARC/1", {want1, Bad("junk\nWARC/1", "no WARC version line")}});
  cases.push_back({"wet: garbage ending in a line 'W'", Format::kWet, conv1 + "junk\nW\n\nW",
                   {want1, Bad("junk\nW\n\nW", "no WARC version line")}});
  cases.push_back({"wet: a truncated last record is an error record", Format::kWet,
                   conv1 + "WARC/1.0\r\nContent-Length: 100\r\n\r\nshort",
                   {want1, Bad("WARC/1.0\r\nContent-Length: 100\r\n\r\nshort",
                               "truncated record: 5 of 100 block bytes")}});
  cases.push_back({"wet: end of input in the headers", Format::kWet,
                   conv1 + "WARC/1.0\r\nWARC-Type: conv",
                   {want1, Bad("WARC/1.0\r\nWARC-Type: conv", "truncated record: end of input in the headers")}});
  // (A bad trailer followed by more records: see WetBadTrailerMessage.)
  cases.push_back({"wet: a bad trailer at end of input", Format::kWet,
                   conv1 + "WARC/1.0\r\nContent-Length: 3\r\n\r\nabcX",
                   {want1, Bad("WARC/1.0\r\nContent-Length: 3\r\n\r\nabcX",
                               "bad record trailer: expected CRLF CRLF after the block, found 'X'")}});
  {
    const std::string bad = "WARC/1.0\r\nno colon here\r\nContent-Length: 1\r\n\r\nx\r\n\r\n";
    cases.push_back({"wet: a header line without ':', then a good record", Format::kWet,
                     bad + conv1 + conv2, {Bad(bad, "header line without ':'"), want1, want2}});
  }
  {
    const std::string bad = "WARC/1.0\r\nContent-Length: 12x\r\n\r\nabc\r\n\r\n";
    cases.push_back({"wet: a bad Content-Length, then a good record", Format::kWet, bad + conv1,
                     {Bad(bad, "bad Content-Length"), want1}});
  }
  {
    // A missing trailer is bad at the end of input as before another record.
    const std::string open = Warc("conversion", "<urn:uuid:o>", "http://o.example/", "end", "\r\n", false);
    cases.push_back({"wet: no trailer at end of input", Format::kWet, conv1 + open,
                     {want1, Bad(open, "bad record trailer: expected CRLF CRLF after the block, found end of input")}});
  }
  {
    const std::string untyped = "WARC/1.0\r\nContent-Length: 3\r\n\r\nabc\r\n\r\n";
    cases.push_back({"wet: a record without WARC-Type is malformed", Format::kWet, untyped + conv1,
                     {Bad(untyped, "missing WARC-Type"), want1}});
  }
  return cases;
}

void ExpectRecords(const std::vector<Rec>& got, const std::vector<Want>& want) {
  ASSERT_EQ(got.size(), want.size());
  std::uint64_t offset = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE("record " + std::to_string(i + 1) + ": " + Show(got[i]));
    EXPECT_EQ(got[i].number, i + 1);
    EXPECT_EQ(got[i].offset, offset);
    EXPECT_EQ(got[i].raw, want[i].raw);
    if (want[i].error.empty()) {
      EXPECT_EQ(got[i].error, "");
    } else if (want[i].error == kAnyError) {
      EXPECT_NE(got[i].error, "");
    } else {
      EXPECT_NE(got[i].error.find(want[i].error), std::string::npos) << got[i].error;
    }
    EXPECT_EQ(got[i].has_text, want[i].has_text);
    EXPECT_EQ(got[i].text, want[i].text);
    EXPECT_EQ(got[i].id, want[i].id);
    EXPECT_EQ(got[i].url, want[i].url);
    offset += want[i].raw.size();
  }
}

void ExpectSameRecords(const std::vector<Rec>& got, const std::vector<Rec>& want) {
  for (std::size_t i = 0; i < std::max(got.size(), want.size()); ++i) {
    if (i >= got.size()) {
      ADD_FAILURE() << "missing " << Show(want[i]);
    } else if (i >= want.size()) {
      ADD_FAILURE() << "extra   " << Show(got[i]);
    } else {
      EXPECT_EQ(got[i], want[i]) << "got      " << Show(got[i]) << "\nexpected " << Show(want[i]);
    }
  }
}

TEST(RecordsTest, ParseFormatAndName) {
  struct Row {
    std::string name;
    bool ok;
    Format format;
    std::string canonical;
  };
  const Row rows[] = {
      {"text", true, Format::kText, "text"},  {"jsonl", true, Format::kJsonl, "jsonl"},
      {"wet", true, Format::kWet, "wet"},     {"warc", true, Format::kWet, "wet"},
      {"nul", true, Format::kNul, "nul"},     {"", false, Format::kText, ""},
      {"JSONL", false, Format::kText, ""},    {"json", false, Format::kText, ""},
      {"nul ", false, Format::kText, ""},     {"wet\0"s, false, Format::kText, ""},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE("'" + Show(row.name) + "'");
    Format f = Format::kNul;
    EXPECT_EQ(ParseFormat(row.name, &f), row.ok);
    if (row.ok) {
      EXPECT_EQ(f, row.format);
      EXPECT_EQ(FormatName(f), row.canonical);
    }
  }
}

// Every case, from a pipe and from a file, at every chunk size: the records
// are the expected ones, and all reads agree field for field.
TEST(RecordsTest, SameRecordsAtEveryChunkSize) {
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.name);
    const ReadResult reference = Read(c.input, c.format, std::size_t{1} << 20, Source::kFile);
    ExpectRecords(reference.records, c.want);
    for (Source source : {Source::kPipe, Source::kFile}) {
      for (std::size_t chunk : kChunks) {
        SCOPED_TRACE(std::string(source == Source::kPipe ? "pipe" : "file") + ", chunk " +
                     std::to_string(chunk));
        const ReadResult got = Read(c.input, c.format, chunk, source);
        ExpectSameRecords(got.records, reference.records);
        EXPECT_EQ(got.bytes_read, c.input.size());
        EXPECT_FALSE(got.next_after_end);
      }
    }
  }
}

// The error of a record with a bad trailer is part of the record, and is
// what the stream prints as a warning: it must not depend on how the input
// arrived (a pipe delivers different chunks from run to run).
TEST(RecordsTest, WetBadTrailerMessage) {
  const std::string bad = "WARC/1.0\r\nContent-Length: 3\r\n\r\nabcXY\r\n\r\n";
  const std::string good = Warc("conversion", "<urn:uuid:2>", "http://b.example/2", "Other page.\n");
  const std::string input = bad + good;
  const ReadResult reference = Read(input, Format::kWet, std::size_t{1} << 20, Source::kFile);
  ASSERT_EQ(reference.records.size(), 2u);
  EXPECT_EQ(reference.records[0].raw, bad);
  EXPECT_NE(reference.records[0].error.find("bad record trailer"), std::string::npos);
  EXPECT_EQ(reference.records[1].raw, good);
  for (std::size_t chunk : kChunks) {
    SCOPED_TRACE("chunk " + std::to_string(chunk));
    ExpectSameRecords(Read(input, Format::kWet, chunk, Source::kFile).records, reference.records);
  }
}

// Nothing is lost: the raw bytes of the records, malformed ones included,
// are the input, and each offset is where its raw bytes start.
TEST(RecordsTest, RawBytesConcatenateToTheInput) {
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.name);
    for (std::size_t chunk : kChunks) {
      SCOPED_TRACE("chunk " + std::to_string(chunk));
      const ReadResult got = Read(c.input, c.format, chunk, Source::kPipe);
      std::string joined;
      for (const Rec& r : got.records) {
        EXPECT_EQ(r.offset, joined.size());
        EXPECT_EQ(c.input.compare(r.offset, r.raw.size(), r.raw), 0) << Show(r);
        joined += r.raw;
      }
      EXPECT_EQ(joined, c.input);
    }
  }
}

// Writing each record back with its own text gives the input back.
TEST(RecordsTest, AppendRecordWithOwnTextGivesTheInputBack) {
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.name);
    for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{1} << 20}) {
      SCOPED_TRACE("chunk " + std::to_string(chunk));
      const ReadResult got = Read(c.input, c.format, chunk, Source::kFile);
      EXPECT_EQ(Show(got.rewritten), Show(c.rewritten.value_or(c.input)));
    }
  }
}

// The documented exceptions still round-trip through the reader: reading
// the rewritten bytes gives the same texts.
TEST(RecordsTest, RewrittenInputReadsBackToTheSameTexts) {
  for (const Case& c : Cases()) {
    if (!c.rewritten) continue;
    SCOPED_TRACE(c.name);
    const ReadResult first = Read(c.input, c.format, 1 << 20, Source::kFile);
    const ReadResult second = Read(*c.rewritten, c.format, 1, Source::kPipe);
    ASSERT_EQ(second.records.size(), first.records.size());
    for (std::size_t i = 0; i < first.records.size(); ++i) {
      EXPECT_EQ(second.records[i].text, first.records[i].text);
      EXPECT_EQ(second.records[i].error, first.records[i].error);
      EXPECT_EQ(second.records[i].has_text, first.records[i].has_text);
    }
  }
}

// A changed text: only the value's bytes change in a JSONL line.
TEST(RecordsTest, JsonlChangedTextKeepsEveryOtherByte) {
  struct Row {
    std::string name;
    std::string line;
    std::string text;
    std::string want;
  };
  const Row rows[] = {
      {"spacing and fields around the value",
       "{ \"id\" : 7 ,\"text\" :  \"old text\"  , \"n\":[1, 2.50e3, {\"text\":\"inner\"}] }\n", "new",
       "{ \"id\" : 7 ,\"text\" :  \"new\"  , \"n\":[1, 2.50e3, {\"text\":\"inner\"}] }\n"},
      {"CRLF line end", "{\"text\":\"old\",\"url\":\"u\"}\r\n", "a\nb",
       "{\"text\":\"a\\nb\",\"url\":\"u\"}\r\n"},
      {"no final newline", "{\"url\":\"u\",\"text\":\"old\"}", "", "{\"url\":\"u\",\"text\":\"\"}"},
      {"escaped key", "{\"te\\u0078t\":\"old\"}\n", "x", "{\"te\\u0078t\":\"x\"}\n"},
      {"characters needing escapes", "{\"text\":\"old\"}\n", "q\"b\\t\tc\x01\x7f/\xe2\x80\xa8",
       "{\"text\":\"q\\\"b\\\\t\\tc\\u0001\x7f/\xe2\x80\xa8\"}\n"},
      {"escapes in the old value", "{\"text\":\"\\u00e9\\n\\\"\",\"id\":null}\n", "plain",
       "{\"text\":\"plain\",\"id\":null}\n"},
      {"longer than the old value", "{\"a\":1,\"text\":\"x\",\"b\":2}\n", Repeat("long ", 30),
       "{\"a\":1,\"text\":\"" + Repeat("long ", 30) + "\",\"b\":2}\n"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    for (std::size_t chunk : {std::size_t{1}, std::size_t{1} << 20}) {
      PipeFeed feed(row.line);
      RecordReader reader(feed.fd(), "input", Format::kJsonl, JsonlFields{}, chunk);
      Record r;
      ASSERT_TRUE(reader.Next(&r));
      ASSERT_TRUE(r.has_text) << r.error;
      std::string out = "prefix|";
      AppendRecord(Format::kJsonl, r, row.text, &out);
      EXPECT_EQ(out, "prefix|" + row.want);
      EXPECT_FALSE(reader.Next(&r));
    }
    // And the result reads back with the new text.
    const ReadResult back = Read(row.want, Format::kJsonl, 3, Source::kPipe);
    ASSERT_EQ(back.records.size(), 1u);
    EXPECT_EQ(back.records[0].error, "");
    EXPECT_EQ(back.records[0].text, row.text);
  }
}

// A changed text in every format: the record reads back with that text and
// the records around it are unchanged.
TEST(RecordsTest, ChangedTextReadsBack) {
  const std::string conv1 = Warc("conversion", "<urn:uuid:1>", "http://a.example/1", "Old text.\n");
  const std::string info = Warc("warcinfo", "<urn:uuid:i>", "", "x: y\r\n");
  const std::string conv2 = Warc("conversion", "<urn:uuid:2>", "http://b.example/2", "Kept.\n");
  struct Row {
    std::string name;
    Format format;
    std::string input;
    std::size_t changed;  // index of the record given `text`
    std::string text;
  };
  const Row rows[] = {
      {"text", Format::kText, "old document\n", 0, "new\ndocument\n"},
      {"nul: terminated", Format::kNul, "a\0old\0c\0"s, 1, "new text"},
      {"nul: unterminated last", Format::kNul, "a\0old"s, 1, "newer"},
      {"nul: to empty", Format::kNul, "a\0old\0c"s, 1, ""},
      {"jsonl", Format::kJsonl, "{\"text\":\"a\"}\n{\"text\":\"old\"}\n\n", 1, "n\xc3\xa9w"},
      {"wet: shorter block", Format::kWet, conv1 + info + conv2, 0, "New.\n"},
      {"wet: longer block", Format::kWet, info + conv1 + conv2, 1, Repeat("Much longer text.\n", 20)},
      {"wet: empty block", Format::kWet, conv1 + conv2, 1, ""},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    std::string out;
    std::vector<Rec> before;
    {
      TempFile file(row.input);
      RecordReader reader(file.fd(), "input", row.format, JsonlFields{}, 5);
      Record r;
      while (reader.Next(&r)) {
        before.push_back({r.number, r.offset, r.raw, r.error, r.has_text, std::string(r.document()), r.id, r.url});
        const bool change = before.size() - 1 == row.changed;
        AppendRecord(row.format, r, change ? std::string_view(row.text) : r.document(), &out);
      }
    }
    const ReadResult after = Read(out, row.format, 2, Source::kPipe);
    ASSERT_EQ(after.records.size(), before.size()) << Show(out);
    for (std::size_t i = 0; i < before.size(); ++i) {
      SCOPED_TRACE("record " + std::to_string(i + 1));
      EXPECT_EQ(after.records[i].error, "");
      EXPECT_EQ(after.records[i].has_text, before[i].has_text);
      EXPECT_EQ(after.records[i].id, before[i].id);
      EXPECT_EQ(after.records[i].url, before[i].url);
      if (i == row.changed) {
        EXPECT_EQ(after.records[i].text, row.text);
      } else {
        EXPECT_EQ(after.records[i].raw, before[i].raw);
      }
    }
  }
}

// A record written from its document's kept lines (AppendKeptRecord) is
// byte for byte what AppendRecord writes with those lines' text
// (AppendKept), in every format, whatever is kept: the JSON escapes of the
// pieces (control bytes, quotes, invalid UTF-8 next to a line end, U+2028
// and NEL line ends) are those of the whole text, and a WET record's
// length and digest are the new block's.
TEST(RecordsTest, KeptLinesGoStraightIntoTheRecord) {
  const std::string lines =
      "Title \"quoted\"\r\n\r\nFirst\tline \xe2\x80\xa8second\xc2\x85third \xe2\n"
      "\x01\x7f control\n\nlast \xff\xfe\r\nend\xe2\x80\xa9";
  std::string escaped;
  AppendJsonString(lines, &escaped);
  struct Row {
    std::string name;
    Format format;
    std::string input;
  };
  const Row rows[] = {
      {"text", Format::kText, lines},
      {"nul: terminated", Format::kNul, lines + '\0'},
      {"nul: unterminated", Format::kNul, lines},
      {"jsonl", Format::kJsonl, "{\"id\": 7, \"text\": " + escaped + ", \"url\": \"u\"}\n"},
      {"jsonl: no newline, BOM", Format::kJsonl, "\xEF\xBB\xBF{\"text\":" + escaped + "}"},
      {"wet: BOM", Format::kWet, "\xEF\xBB\xBF" + Warc("conversion", "<urn:uuid:1>", "http://a.example/", lines)},
      {"wet", Format::kWet, Warc("conversion", "<urn:uuid:1>", "http://a.example/", lines) +
                                "WARC/1.0\r\nWARC-Type: conversion\r\nWARC-Block-Digest: sha1:X\r\n"
                                "Content-Length: 10\r\n\r\nshort\nline\r\n\r\n"},
  };
  for (const Row& row : rows) {
    TempFile file(row.input);
    RecordReader reader(file.fd(), "input", row.format, JsonlFields{}, 1 << 20);
    Record r;
    int records = 0;
    while (reader.Next(&r)) {
      ++records;
      ASSERT_TRUE(r.has_text) << row.name;
      Document doc;
      SplitDocument(r.document(), &doc);
      ASSERT_GT(doc.lines.size(), 1u);
      // Every pattern of kept lines for the first 8 lines; the rest kept.
      const std::size_t n = doc.lines.size();
      for (unsigned mask = 0; mask < 256; ++mask) {
        SCOPED_TRACE(row.name + ", record " + std::to_string(records) + ", mask " + std::to_string(mask));
        std::vector<bool> keep(n);
        for (std::size_t i = 0; i < n; ++i) keep[i] = !doc.lines[i].blank && (i >= 8 || (mask >> i & 1));
        std::string kept, want;
        AppendKept(doc, keep, &kept);
        AppendRecord(row.format, r, kept, &want);
        std::string got = "before";
        const std::size_t at = AppendKeptRecord(row.format, r, doc, keep, &got);
        EXPECT_EQ(Show(got), Show("before" + want));
        EXPECT_EQ(KeptBytes(doc, keep), kept.size());
        if (row.format == Format::kJsonl) {
          EXPECT_EQ(at, std::string::npos);
        } else {
          ASSERT_NE(at, std::string::npos);
          EXPECT_EQ(Show(got.substr(at, kept.size())), Show(kept));
        }
      }
    }
    EXPECT_EQ(records, row.name == "wet" ? 2 : 1) << row.name;
  }
}

// A read error is a winnow::Error naming the input.
TEST(RecordsTest, ReadErrorThrows) {
  for (Format format : {Format::kText, Format::kJsonl, Format::kWet, Format::kNul}) {
    SCOPED_TRACE(std::string(FormatName(format)));
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    close(fds[0]);
    // The write end cannot be read: read() fails with EBADF.
    RecordReader reader(fds[1], "the-input", format, JsonlFields{}, 16);
    Record r;
    try {
      reader.Next(&r);
      ADD_FAILURE() << "no exception";
    } catch (const Error& e) {
      EXPECT_EQ(e.where(), "the-input");
    }
    close(fds[1]);
  }
}

// --- records over the size limit -------------------------------------------

// A record as the caller sees it once its pieces are joined.
struct Joined {
  std::string raw;
  bool oversized = false;
  std::string error;
  bool operator==(const Joined&) const = default;
};

// Reads `input` with `limit`, joining the pieces of each oversized record
// and checking how they come: one number and offset for all, `continued`
// on all but the first, `more` on all but the last, none larger than the
// chunk, an error only on the last.
std::vector<Joined> ReadJoined(const std::string& input, Format format, std::size_t chunk,
                               std::size_t limit) {
  PipeFeed feed(input);
  RecordReader reader(feed.fd(), "input", format, JsonlFields{}, chunk, false, limit);
  std::vector<Joined> out;
  Record r;
  bool in_record = false;  // the last piece had `more`
  std::uint64_t number = 0, offset = 0;
  while (reader.Next(&r)) {
    if (in_record) {
      EXPECT_TRUE(r.oversized && r.continued) << "piece of record " << number;
      EXPECT_EQ(r.number, number);
      EXPECT_EQ(r.offset, offset);
      out.back().raw += r.raw;
      out.back().error = r.error;
    } else {
      EXPECT_FALSE(r.continued);
      number = r.number;
      offset = r.offset;
      out.push_back({r.raw, r.oversized, r.error});
    }
    if (r.oversized) {
      EXPECT_FALSE(r.has_text);
      // A WARC piece may end with its trailer, up to 4 bytes more, and the
      // blank lines after it.
      std::size_t blank = 0;
      if (format == Format::kWet && !r.more) {
        while (blank < r.raw.size() && (r.raw[r.raw.size() - 1 - blank] == '\n' ||
                                        r.raw[r.raw.size() - 1 - blank] == '\r')) {
          ++blank;
        }
      }
      EXPECT_LE(r.raw.size(), chunk + (format == Format::kWet ? 4 : 0) + blank);
      if (r.more) EXPECT_TRUE(r.error.empty());
    }
    in_record = r.oversized && r.more;
  }
  EXPECT_FALSE(in_record) << "input ended inside a record's pieces";
  EXPECT_EQ(reader.bytes_read(), input.size());
  return out;
}

TEST(RecordsTest, OversizedRecordsComeInPiecesThatJoinToTheirBytes) {
  const std::string ten = "0123456789";
  const std::string block = Repeat("words words words\n", 10);  // 180 bytes
  const std::string small = Warc("conversion", "<urn:uuid:1>", "", "Short page.\n");
  const std::string big = Warc("conversion", "<urn:uuid:2>", "", block);
  const std::string big_lf = Warc("conversion", "<urn:uuid:3>", "", block, "\n");
  const std::string cut = big.substr(0, big.size() - 50);  // 46 of 180 block bytes missing
  struct Row {
    std::string name;
    Format format;
    std::string input;
    std::size_t limit;
    std::vector<Joined> want;
  };
  const std::vector<Row> rows = {
      {"jsonl: a line of exactly the limit is whole", Format::kJsonl, ten + "\n", 10,
       {{ten + "\n", false, kAnyError}}},
      {"jsonl: one byte more is oversized, its newline included", Format::kJsonl,
       ten + "x\nnext\n", 10, {{ten + "x\n", true, ""}, {"next\n", false, kAnyError}}},
      {"jsonl: oversized last line without a newline", Format::kJsonl, "a\n" + ten + ten, 10,
       {{"a\n", false, kAnyError}, {ten + ten, true, ""}}},
      {"nul: oversized chunk between small ones", Format::kNul,
       "a\0"s + ten + ten + "\0b\0"s, 12,
       {{"a\0"s, false, ""}, {ten + ten + "\0"s, true, ""}, {"b\0"s, false, ""}}},
      {"nul: limit 0 leaves only empty chunks whole", Format::kNul, "\0a\0"s, 0,
       {{"\0"s, false, ""}, {"a\0"s, true, ""}}},
      {"wet: a block over the limit, CRLF", Format::kWet, small + big + small, 100,
       {{small, false, ""}, {big, true, ""}, {small, false, ""}}},
      {"wet: a block over the limit, LF", Format::kWet, big_lf + small, 179,
       {{big_lf, true, ""}, {small, false, ""}}},
      {"wet: a block of exactly the limit is whole", Format::kWet, big, 180,
       {{big, false, ""}}},
      {"wet: an oversized record cut short is passed through, then reported", Format::kWet,
       small + cut, 100,
       {{small, false, ""}, {cut, true, "truncated record: 134 of 180 block bytes"}}},
      {"wet: no trailer after an oversized block at end of input", Format::kWet,
       big.substr(0, big.size() - 4), 100,
       {{big.substr(0, big.size() - 4), true,
         "bad record trailer: expected CRLF CRLF after the block, found end of input"}}},
      {"wet: no trailer after an oversized block, then a record: bad the same way", Format::kWet,
       big.substr(0, big.size() - 4) + small, 100,
       {{big.substr(0, big.size() - 4), true, "bad record trailer: expected CRLF CRLF after the block"},
        {small, false, ""}}},
      {"wet: garbage after an oversized block is a record of its own", Format::kWet,
       big + "junk\n" + small, 100,
       {{big, true, ""}, {"junk\n", false, "no WARC version line"}, {small, false, ""}}},
      {"wet: blank lines after an oversized block join its trailer", Format::kWet,
       big + "\r\n\n\r\n" + small + "\n", 100,
       {{big + "\r\n\n\r\n", true, ""}, {small + "\n", false, ""}}},
      {"wet: blank lines before an oversized first record", Format::kWet, "\n\r\n" + big_lf + "\n\n", 100,
       {{"\n\r\n" + big_lf + "\n\n", true, ""}}},
      {"wet: a lone CR after an oversized block's blank lines", Format::kWet, big + "\n\r", 100,
       {{big + "\n", true, ""}, {"\r", false, "no WARC version line"}}},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    for (std::size_t chunk : kChunks) {
      SCOPED_TRACE("chunk " + std::to_string(chunk));
      std::vector<Joined> got = ReadJoined(row.input, row.format, chunk, row.limit);
      ASSERT_EQ(got.size(), row.want.size());
      for (std::size_t i = 0; i < got.size(); ++i) {
        SCOPED_TRACE("record " + std::to_string(i + 1));
        EXPECT_EQ(Show(got[i].raw), Show(row.want[i].raw));
        EXPECT_EQ(got[i].oversized, row.want[i].oversized);
        // JSONL errors here come from parsing, which the test does not ask for.
        if (row.want[i].error != kAnyError) EXPECT_EQ(got[i].error, row.want[i].error);
      }
    }
  }
}

// Garbage between WARC records is read in malformed records of at most
// the limit plus 2 MiB and 4 bytes (headers, blank lines and a trailer
// around a block of the limit), so that memory follows the limit, not the
// garbage; each record ends at the next "WARC/1." line when one starts
// within that size. Where the records end does not depend on the read size.
TEST(RecordsTest, WarcGarbageComesInBoundedRecords) {
  constexpr std::size_t kLimit = 100;
  constexpr std::size_t kMost = kLimit + kMaxWarcHeaderBytes + kMaxWarcBlankBytes + 4;
  const std::string good = Warc("conversion", "<urn:uuid:1>", "", "Short page.\n");
  const std::string next = "WARC/1.0\r\n";
  // Garbage of short lines, blank lines and lines that are nearly a record
  // start, `size` bytes of it ending in a line end.
  auto garbage = [](std::size_t size) {
    const std::string unit = "junk\n\r\n\nWARC/0.9\nWAR\n x WARC/1.0\n";
    std::string g;
    while (g.size() + unit.size() < size) g += unit;
    g += std::string(size - g.size(), '\n');
    return g;
  };
  struct Row {
    std::string name;
    std::string input;
    std::vector<Joined> want;
  };
  std::vector<Row> rows;
  {
    const std::string g = garbage(2 * kMost + 1000);
    rows.push_back({"garbage of twice the bound and more: three records", good + "x" + g + good,
                    {{good, false, ""},
                     {("x" + g).substr(0, kMost), false, "no WARC version line"},
                     {("x" + g).substr(kMost, kMost), false, "no WARC version line"},
                     {("x" + g).substr(2 * kMost), false, "no WARC version line"},
                     {good, false, ""}}});
  }
  {
    const std::string g = garbage(kMost);
    rows.push_back({"garbage of exactly the bound, then a record: one record", g + good,
                    {{g, false, "no WARC version line"}, {good, false, ""}}});
    rows.push_back({"garbage at the end of input, over the bound", g + "tail",
                    {{g, false, "no WARC version line"}, {"tail", false, "no WARC version line"}}});
    // The record that starts one byte past the bound: the bad record is cut
    // at the bound, and the line end before the record is one more.
    const std::string g1 = garbage(kMost + 1);
    rows.push_back({"a record just past the bound", g1 + good,
                    {{g1.substr(0, kMost), false, "no WARC version line"},
                     {"\n", false, "no WARC version line"},
                     {good, false, ""}}});
  }
  {
    const std::string g = std::string(5 * 1024 * 1024, '\n');
    rows.push_back({"5 MiB of blank lines after a record: 1 MiB joins it, the rest is garbage", good + g + good,
                    {{good + g.substr(0, kMaxWarcBlankBytes), false, ""},
                     {g.substr(kMaxWarcBlankBytes, kMost), false, "no WARC version line"},
                     {g.substr(kMaxWarcBlankBytes + kMost), false, "no WARC version line"},
                     {good, false, ""}}});
    // Before the first record, the 1 MiB allowed starts the garbage.
    rows.push_back({"5 MiB of blank lines before the first record", g + good,
                    {{g.substr(0, kMost), false, "no WARC version line"},
                     {g.substr(kMost, kMost), false, "no WARC version line"},
                     {g.substr(2 * kMost), false, "no WARC version line"},
                     {good, false, ""}}});
    const std::string most = std::string(kMaxWarcBlankBytes, '\n');
    rows.push_back({"1 MiB of blank lines before the first record joins it", most + good + most,
                    {{most + good + most, false, ""}}});
    rows.push_back({"1 MiB and a blank line before the first record: garbage", most + "\n" + good,
                    {{most + "\n", false, "no WARC version line"}, {good, false, ""}}});
  }
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    for (std::size_t chunk : {std::size_t{4093}, std::size_t{65536}, std::size_t{1} << 20}) {
      SCOPED_TRACE("chunk " + std::to_string(chunk));
      std::vector<Joined> got = ReadJoined(row.input, Format::kWet, chunk, kLimit);
      ASSERT_EQ(got.size(), row.want.size());
      for (std::size_t i = 0; i < got.size(); ++i) {
        SCOPED_TRACE("record " + std::to_string(i + 1));
        EXPECT_EQ(got[i].raw.size(), row.want[i].raw.size());
        EXPECT_TRUE(got[i].raw == row.want[i].raw);
        EXPECT_EQ(got[i].oversized, row.want[i].oversized);
        EXPECT_EQ(got[i].error, row.want[i].error);
      }
    }
  }
}

}  // namespace
}  // namespace winnow
