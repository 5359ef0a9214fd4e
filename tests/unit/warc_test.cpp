#include "winnow/warc.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace winnow {
namespace {

using namespace std::string_literals;
using namespace std::string_view_literals;

// A WET file as Common Crawl writes it: a warcinfo record, then one
// conversion record per page. Content-Length and WARC-Block-Digest values
// were computed outside winnow (Python's hashlib and base64.b32encode), so
// they are golden values for WarcSha1Digest too.
constexpr std::string_view kInfoHead =
    "WARC/1.0\r\n"
    "WARC-Type: warcinfo\r\n"
    "WARC-Date: 2024-04-25T08:49:03Z\r\n"
    "WARC-Filename: CC-MAIN-20240412101354-20240412131354-00000.warc.wet.gz\r\n"
    "WARC-Record-ID: <urn:uuid:5e1d9a4f-3c1b-4d7e-9a5e-0b6f2c8d1a73>\r\n"
    "Content-Type: application/warc-fields\r\n"
    "Content-Length: 368\r\n"
    "\r\n";
constexpr std::string_view kInfoBlock =
    "Software-Info: ia-web-commons.1.1.10-SNAPSHOT-20240409022453\r\n"
    "Extracted-Date: Thu, 25 Apr 2024 08:49:03 GMT\r\n"
    "robots: checked via crawler-commons 1.5-SNAPSHOT "
    "(https://github.com/crawler-commons/crawler-commons)\r\n"
    "isPartOf: CC-MAIN-2024-18\r\n"
    "operator: Common Crawl Admin (info@commoncrawl.org)\r\n"
    "description: Wide crawl of the web for April 2024\r\n"
    "publisher: Common Crawl\r\n";

constexpr std::string_view kCafeHead =
    "WARC/1.0\r\n"
    "WARC-Type: conversion\r\n"
    "WARC-Target-URI: https://cafe-lumiere.example/menu\r\n"
    "WARC-Date: 2024-04-12T11:32:51Z\r\n"
    "WARC-Record-ID: <urn:uuid:0f6b2c1e-8d4a-4e2b-b7c3-9a1d5e7f3b20>\r\n"
    "WARC-Refers-To: <urn:uuid:c7a9e3d1-2b4f-4a6c-8e0d-1f3b5a7c9e42>\r\n"
    "WARC-Block-Digest: sha1:YEHZ4F7FXTEHZ3BJF55RP43GURSR5ZER\r\n"
    "WARC-Identified-Content-Language: fra,eng\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 236\r\n"
    "\r\n";
// UTF-8, so that bytes and characters differ; no final newline, as in WET.
constexpr std::string_view kCafeBlock =
    "Caf\xc3\xa9 Lumi\xc3\xa8re \xe2\x80\x94 Menu\n"  // Café Lumière — Menu
    "Home | Menu | Contact\n"
    "Our kitchen opens at 7:30 every morning and serves breakfast until "
    "noon.\n"
    "The cr\xc3\xa8me br\xc3\xbbl\xc3\xa9"
    "e is made fresh each day with vanilla from Madagascar.\n"
    "\xc2\xa9 2024 Caf\xc3\xa9 Lumi\xc3\xa8re. All rights reserved.";

constexpr std::string_view kFigHead =
    "WARC/1.0\r\n"
    "WARC-Type: conversion\r\n"
    "WARC-Target-URI: "
    "https://plants.example/blog/repot-fiddle-leaf-fig?ref=home&utm_source=feed"
    "\r\n"
    "WARC-Date: 2024-04-12T11:40:07Z\r\n"
    "WARC-Record-ID: <urn:uuid:9d3e5f7a-1b2c-4d6e-8f0a-2b4c6d8e0f13>\r\n"
    "WARC-Refers-To: <urn:uuid:4a6c8e0f-2b3d-4f5a-9b1c-3d5e7f9a1b24>\r\n"
    "WARC-Block-Digest: sha1:ABTMEOODPO5WFNKVLWN24SX73P3V5WYC\r\n"
    "WARC-Identified-Content-Language: eng\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 273\r\n"
    "\r\n";
constexpr std::string_view kFigBlock =
    "How to repot a fiddle-leaf fig\n"
    "Repot in spring, when the roots start circling the bottom of the pot.\n"
    "Choose a pot only 5 cm wider than the old one; too much soil stays wet.\n"
    "Water thoroughly, then let the top 3 cm dry out before watering again.\n"
    "Related posts\n"
    "Cookie settings";

struct SampleRecord {
  std::string_view head;  // version line through the empty line
  std::string_view block;
  std::string_view type;
  std::string_view target_uri;
  std::string_view record_id;
  std::string_view digest;
  std::size_t header_count;
};

const SampleRecord kSample[] = {
    {kInfoHead, kInfoBlock, "warcinfo", "",
     "<urn:uuid:5e1d9a4f-3c1b-4d7e-9a5e-0b6f2c8d1a73>", "", 6},
    {kCafeHead, kCafeBlock, "conversion", "https://cafe-lumiere.example/menu",
     "<urn:uuid:0f6b2c1e-8d4a-4e2b-b7c3-9a1d5e7f3b20>",
     "sha1:YEHZ4F7FXTEHZ3BJF55RP43GURSR5ZER", 9},
    {kFigHead, kFigBlock, "conversion",
     "https://plants.example/blog/repot-fiddle-leaf-fig?ref=home&utm_source="
     "feed",
     "<urn:uuid:9d3e5f7a-1b2c-4d6e-8f0a-2b4c6d8e0f13>",
     "sha1:ABTMEOODPO5WFNKVLWN24SX73P3V5WYC", 9},
};

std::string SampleRecordBytes(const SampleRecord& r) {
  return std::string(r.head) + std::string(r.block) + "\r\n\r\n";
}

std::string SampleWet() {
  std::string out;
  for (const SampleRecord& r : kSample) out += SampleRecordBytes(r);
  return out;
}

bool Inside(std::string_view view, std::string_view data) {
  return view.data() >= data.data() &&
         view.data() + view.size() <= data.data() + data.size();
}

// Parses a whole in-memory file; fails the test on any error.
std::vector<WarcRecord> ParseAll(std::string_view data) {
  std::vector<WarcRecord> records;
  std::size_t pos = 0;
  while (pos < data.size()) {
    WarcRecord record;
    std::string error;
    long n = ParseWarcRecord(data.substr(pos), true, &record, &error);
    EXPECT_GT(n, 0) << "at " << pos << ": " << error;
    if (n <= 0) break;
    records.push_back(std::move(record));
    pos += static_cast<std::size_t>(n);
  }
  return records;
}

// --- WarcSha1Digest --------------------------------------------------------

TEST(WarcSha1Digest, KnownVectors) {
  struct Case {
    std::string name;
    std::string input;
    std::string_view expected;  // sha1 hex in the comment
  };
  const Case kCases[] = {
      // da39a3ee5e6b4b0d3255bfef95601890afd80709
      {"empty", "", "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ"},
      // a9993e364706816aba3e25717850c26c9cd0d89d (FIPS 180 "abc")
      {"abc", "abc", "sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5"},
      // 2fd4e1c67a2d28fced849ee1bb76e7391b93eb12
      {"fox", "The quick brown fox jumps over the lazy dog",
       "sha1:F7KODRT2FUUPZ3MET3Q3W5XHHENZH2YS"},
      // 34aa973cd4c4daa4f61eeb2bdbad27316534016f (FIPS 180 million 'a')
      {"million a", std::string(1000000, 'a'),
       "sha1:GSVJOPGUYTNKJ5Q65MV5XLJHGFSTIALP"},
      {"warcinfo block", std::string(kInfoBlock),
       "sha1:Z3G2GDH5QGDHJGVAB7264E5YHZCE52JL"},
      {"UTF-8 block", std::string(kCafeBlock),
       "sha1:YEHZ4F7FXTEHZ3BJF55RP43GURSR5ZER"},
      {"ASCII block", std::string(kFigBlock),
       "sha1:ABTMEOODPO5WFNKVLWN24SX73P3V5WYC"},
      {"NUL and high bytes", "\0\xff\x80\r\n"s,
       "sha1:PN4OTBNLNRMRTPO2TPJWBRWSQBUKEBL4"},
  };
  for (const Case& c : kCases) {
    std::string got = WarcSha1Digest(c.input);
    EXPECT_EQ(got.size(), 37u) << c.name;
    EXPECT_EQ(got.substr(0, 5), "sha1:") << c.name;
    for (char ch : got.substr(5)) {
      EXPECT_TRUE((ch >= 'A' && ch <= 'Z') || (ch >= '2' && ch <= '7'))
          << c.name << ": " << got;
    }
    EXPECT_EQ(got, c.expected) << c.name;
  }
  // Bytes past a NUL count: the digest is of the whole view.
  EXPECT_NE(WarcSha1Digest("\0a"sv), WarcSha1Digest("\0b"sv));
  EXPECT_NE(WarcSha1Digest("\0"sv), WarcSha1Digest(""sv));
}

// --- ParseWarcRecord on a well-formed file ----------------------------------

TEST(WarcParse, SampleWetFile) {
  const std::string wet = SampleWet();
  std::vector<WarcRecord> records = ParseAll(wet);
  ASSERT_EQ(records.size(), std::size(kSample));
  for (std::size_t i = 0; i < records.size(); ++i) {
    const WarcRecord& r = records[i];
    const SampleRecord& want = kSample[i];
    SCOPED_TRACE("record " + std::to_string(i));
    EXPECT_EQ(r.version, "WARC/1.0");
    EXPECT_EQ(r.version_line, "WARC/1.0\r\n");
    EXPECT_EQ(r.header_end, "\r\n");
    EXPECT_EQ(r.trailer, "\r\n\r\n");
    EXPECT_EQ(r.block, want.block);
    EXPECT_EQ(r.headers.size(), want.header_count);
    EXPECT_EQ(r.Header("WARC-Type"), want.type);
    EXPECT_EQ(r.Header("WARC-Target-URI"), want.target_uri);
    EXPECT_EQ(r.Header("WARC-Record-ID"), want.record_id);
    EXPECT_EQ(r.Header("WARC-Block-Digest"), want.digest);
    EXPECT_EQ(r.Header("Content-Length"), std::to_string(want.block.size()));
    if (!want.digest.empty()) {
      EXPECT_EQ(WarcSha1Digest(r.block), want.digest);
      EXPECT_EQ(r.Header("Content-Type"), "text/plain");
      EXPECT_EQ(r.Header("WARC-Refers-To").substr(0, 10), "<urn:uuid:");
    }
    // Every view points into the input, and the raw header lines tile the
    // bytes between the version line and the empty line.
    std::string joined(r.version_line);
    for (const WarcHeader& h : r.headers) {
      EXPECT_TRUE(Inside(h.name, wet) && Inside(h.value, wet) &&
                  Inside(h.raw, wet))
          << h.name;
      EXPECT_EQ(h.raw.substr(0, h.name.size()), h.name);
      EXPECT_EQ(h.raw.substr(h.raw.size() - 2), "\r\n");
      joined += h.raw;
    }
    joined += r.header_end;
    EXPECT_EQ(joined, want.head);
    EXPECT_TRUE(Inside(r.version, wet) && Inside(r.block, wet) &&
                Inside(r.trailer, wet));
  }
  EXPECT_EQ(records[1].headers[0].name, "WARC-Type");
  EXPECT_EQ(records[1].headers[7].name, "Content-Type");
  EXPECT_EQ(records[1].headers[7].raw, "Content-Type: text/plain\r\n");
}

// A prefix of a record is never an error and never a shorter record while
// more input may come; with or without bytes after it, the whole record
// parses to the same thing.
TEST(WarcParse, EveryPrefixWaitsForTheWholeRecord) {
  const std::string wet = SampleWet();
  std::size_t start = 0;
  for (const SampleRecord& want : kSample) {
    const std::size_t length = SampleRecordBytes(want).size();
    for (std::size_t n = 0; n < length; ++n) {
      WarcRecord record;
      std::string error = "untouched";
      ASSERT_EQ(ParseWarcRecord(std::string_view(wet).substr(start, n), false,
                                &record, &error),
                0)
          << "prefix of " << n << " bytes at " << start << ": " << error;
      ASSERT_EQ(error, "untouched");
    }
    // The whole record, before the end of input, still waits: blank lines
    // after it would be its own.
    {
      WarcRecord record;
      std::string error = "untouched";
      ASSERT_EQ(ParseWarcRecord(std::string_view(wet).substr(start, length), false, &record, &error), 0);
      ASSERT_EQ(error, "untouched");
    }
    // Followed by the next record, or at the end of input, it is whole.
    for (const bool at_eof : {false, true}) {
      const std::size_t n = at_eof ? length : wet.size() - start;
      if (!at_eof && n == length) continue;  // the last record: nothing follows
      WarcRecord record;
      std::string error;
      ASSERT_EQ(ParseWarcRecord(std::string_view(wet).substr(start, n), at_eof,
                                &record, &error),
                static_cast<long>(length))
          << error;
      EXPECT_EQ(record.block, want.block);
      EXPECT_EQ(record.Header("WARC-Record-ID"), want.record_id);
    }
    start += length;
  }
  EXPECT_EQ(start, wet.size());
}

// At end of input the same prefixes are errors naming what is missing,
// a trailer cut short included.
TEST(WarcParse, EveryPrefixAtEofIsTruncatedOrTheRecord) {
  for (const SampleRecord& want : kSample) {
    const std::string bytes = SampleRecordBytes(want);
    const std::size_t block_begin = want.head.size();
    const std::size_t block_end = block_begin + want.block.size();
    for (std::size_t n = 0; n <= bytes.size(); ++n) {
      SCOPED_TRACE("prefix of " + std::to_string(n) + " bytes");
      WarcRecord record;
      std::string error;
      long got = ParseWarcRecord(std::string_view(bytes).substr(0, n), true,
                                 &record, &error);
      if (n < 5) {
        EXPECT_EQ(got, -1);
        EXPECT_EQ(error, "no WARC version line");
      } else if (n < block_begin) {
        EXPECT_EQ(got, -1);
        EXPECT_EQ(error, "truncated record: end of input in the headers");
      } else if (n < block_end) {
        EXPECT_EQ(got, -1);
        EXPECT_EQ(error,
                  "truncated record: " + std::to_string(n - block_begin) +
                      " of " + std::to_string(want.block.size()) +
                      " block bytes");
      } else if (n < bytes.size()) {
        EXPECT_EQ(got, -1);
        EXPECT_TRUE(error.starts_with("bad record trailer: expected CRLF CRLF after the block, found "))
            << error;
        EXPECT_TRUE(error.ends_with("end of input")) << error;
      } else {
        EXPECT_EQ(got, static_cast<long>(n)) << error;
        EXPECT_EQ(record.block, want.block);
        EXPECT_EQ(record.trailer, "\r\n\r\n");
      }
    }
  }
}

// A trailer that the end of input cuts short is as bad as one that the next
// record cuts short: the verdict does not depend on where the record is.
TEST(WarcParse, TrailerCutShortByTheEndOfInputIsBad) {
  const std::string_view head = "WARC/1.0\r\nContent-Length: 3\r\n\r\nabc";
  const struct {
    std::string_view trailer;
    std::string_view found;
  } kCases[] = {
      {"", "end of input"},
      {"\r", "'\\x0d' and end of input"},
      {"\r\n", "'\\x0d\\x0a' and end of input"},
      {"\r\n\r", "'\\x0d\\x0a\\x0d' and end of input"},
      {"\n", "'\\x0a' and end of input"},
  };
  for (const auto& c : kCases) {
    const std::string input = std::string(head) + std::string(c.trailer);
    WarcRecord record;
    std::string error;
    EXPECT_EQ(ParseWarcRecord(input, true, &record, &error), -1) << input;
    EXPECT_EQ(error, "bad record trailer: expected CRLF CRLF after the block, found " +
                         std::string(c.found));
    // Before the end of input: wait for more.
    EXPECT_EQ(ParseWarcRecord(input, false, &record, &error), 0);
    // The same record followed by the next one: bad too.
    const std::string followed = input + "WARC/1.0\r\n";
    if (!c.trailer.empty() && c.trailer.back() == '\r') continue;  // "\rW": another message
    EXPECT_EQ(ParseWarcRecord(followed, true, &record, &error), -1);
    EXPECT_TRUE(error.starts_with("bad record trailer: expected CRLF CRLF after the block, found '"))
        << error;
  }
}

// A reader that appends `chunk` bytes at a time and parses whenever it can,
// the way a streaming caller uses ParseWarcRecord.
TEST(WarcParse, ChunkedStreamReadsEveryRecord) {
  const std::string wet = SampleWet();
  for (std::size_t chunk : {1u, 2u, 3u, 7u, 64u, 1000u, 1u << 16}) {
    SCOPED_TRACE("chunk " + std::to_string(chunk));
    std::string buffer;
    std::size_t fed = 0;
    std::size_t pos = 0;
    std::size_t count = 0;
    for (;;) {
      const bool at_eof = fed == wet.size();
      WarcRecord record;
      std::string error;
      long n = ParseWarcRecord(std::string_view(buffer).substr(pos), at_eof,
                               &record, &error);
      ASSERT_GE(n, 0) << error;
      if (n > 0) {
        ASSERT_LT(count, std::size(kSample));
        EXPECT_EQ(record.block, kSample[count].block);
        EXPECT_EQ(record.Header("WARC-Record-ID"), kSample[count].record_id);
        ++count;
        pos += static_cast<std::size_t>(n);
        if (pos == buffer.size() && at_eof) break;
        continue;
      }
      ASSERT_FALSE(at_eof);
      std::size_t take = std::min(chunk, wet.size() - fed);
      buffer.append(wet, fed, take);
      fed += take;
    }
    EXPECT_EQ(count, std::size(kSample));
  }
}

// --- Accepted variants ------------------------------------------------------

TEST(WarcParse, AcceptedVariants) {
  struct Case {
    std::string_view name;
    std::string_view input;
    bool at_eof;
    long consumed;
    std::string_view block;
    std::string_view trailer;
  };
  const Case kCases[] = {
      {"CRLF everywhere", "WARC/1.0\r\nContent-Length: 3\r\n\r\nabc\r\n\r\n",
       true, 38, "abc", "\r\n\r\n"},
      {"WARC/1.1", "WARC/1.1\r\nContent-Length: 3\r\n\r\nabc\r\n\r\n", true,
       38, "abc", "\r\n\r\n"},
      {"bare LF everywhere", "WARC/1.0\nContent-Length: 3\n\nabc\n\n", true,
       33, "abc", "\n\n"},
      {"mixed line ends", "WARC/1.0\nContent-Length: 3\r\n\nabc\r\n\n", true,
       35, "abc", "\r\n\n"},
      {"trailer LF CRLF", "WARC/1.0\r\nContent-Length: 3\r\n\r\nabc\n\r\n",
       true, 37, "abc", "\n\r\n"},
      {"next record follows",
       "WARC/1.0\r\nContent-Length: 3\r\n\r\nabc\r\n\r\nWARC/1.0\r\n", false,
       38, "abc", "\r\n\r\n"},
      {"whole trailer at EOF", "WARC/1.0\r\nContent-Length: 3\r\n\r\nabc\r\n\r\n", true,
       38, "abc", "\r\n\r\n"},
      {"empty block", "WARC/1.0\r\nContent-Length: 0\r\n\r\n\r\n\r\n", true,
       35, "", "\r\n\r\n"},
      {"leading zeros", "WARC/1.0\r\nContent-Length: 003\r\n\r\nabc\r\n\r\n",
       true, 40, "abc", "\r\n\r\n"},
      {"no space after colon",
       "WARC/1.0\r\nContent-Length:3\r\n\r\nabc\r\n\r\n", true, 37, "abc",
       "\r\n\r\n"},
      {"spaces and tabs around value",
       "WARC/1.0\r\nContent-Length: \t3 \t\r\n\r\nabc\r\n\r\n", true, 41,
       "abc", "\r\n\r\n"},
      {"lower-case name", "WARC/1.0\r\ncontent-length: 3\r\n\r\nabc\r\n\r\n",
       true, 38, "abc", "\r\n\r\n"},
      {"exactly 2^40 is allowed (waits for it)",
       "WARC/1.0\r\nContent-Length: 1099511627776\r\n\r\nabc", false, 0, "",
       ""},
      {"block holds a whole record",
       "WARC/1.0\r\nContent-Length: 20\r\n\r\n"
       "\r\n\r\nWARC/1.0\r\n\r\n\r\n\r\n\r\n\r\n",
       true, 56, "\r\n\r\nWARC/1.0\r\n\r\n\r\n\r\n", "\r\n\r\n"},
      {"NUL and high bytes in block",
       "WARC/1.0\r\nContent-Length: 4\r\n\r\n\0\xff\r\n\r\n\r\n"sv, true, 39,
       "\0\xff\r\n"sv, "\r\n\r\n"},
      // Blank lines after the trailer are the record's: they join it.
      {"blank lines after the trailer, CRLF and LF",
       "WARC/1.0\r\nContent-Length: 3\r\n\r\nabc\r\n\r\n\r\n\n\r\n", true, 43, "abc",
       "\r\n\r\n\r\n\n\r\n"},
      {"blank lines, then the next record",
       "WARC/1.0\r\nContent-Length: 3\r\n\r\nabc\r\n\r\n\r\nWARC/1.0\r\n", false, 40, "abc",
       "\r\n\r\n\r\n"},
      {"LF trailer and blank lines", "WARC/1.0\nContent-Length: 3\n\nabc\n\n\n\n\nWARC/1.0\n", false,
       36, "abc", "\n\n\n\n\n"},
      {"blank lines running into the end of the data wait for more",
       "WARC/1.0\r\nContent-Length: 3\r\n\r\nabc\r\n\r\n\r\n\n", false, 0, "", ""},
      {"a CR ending the data may be a blank line's: wait",
       "WARC/1.0\r\nContent-Length: 3\r\n\r\nabc\r\n\r\n\r", false, 0, "", ""},
      {"a CR at the end of input is not a blank line",
       "WARC/1.0\r\nContent-Length: 3\r\n\r\nabc\r\n\r\n\r", true, 38, "abc", "\r\n\r\n"},
      {"a CR before another byte is not a blank line",
       "WARC/1.0\r\nContent-Length: 3\r\n\r\nabc\r\n\r\n\rx", false, 38, "abc", "\r\n\r\n"},
      {"a line of a space is not blank",
       "WARC/1.0\r\nContent-Length: 3\r\n\r\nabc\r\n\r\n\n \r\n", false, 39, "abc", "\r\n\r\n\n"},
  };
  for (const Case& c : kCases) {
    WarcRecord record;
    std::string error;
    long got = ParseWarcRecord(c.input, c.at_eof, &record, &error);
    EXPECT_EQ(got, c.consumed) << c.name << ": " << error;
    if (got <= 0) continue;
    EXPECT_EQ(record.block, c.block) << c.name;
    EXPECT_EQ(record.trailer, c.trailer) << c.name;
    EXPECT_EQ(record.Header("content-length").back(),
              '0' + static_cast<char>(c.block.size() % 10))
        << c.name;
  }
}

TEST(WarcParse, HeaderValuesAndContinuationLines) {
  const std::string_view input =
      "WARC/1.0\r\n"
      "WARC-Type: conversion\r\n"
      "X-Folded: first\r\n"
      "  second\r\n"
      "\tthird  \r\n"
      "X-Empty:\r\n"
      "X-Folded-Empty:\r\n"
      " after\n"
      "X-Spaces:   a  b   \r\n"
      "X-Colon: http://example.com:8080/a\r\n"
      "X-Utf8: caf\xc3\xa9\r\n"
      "Content-Length: 2\r\n"
      "\r\n"
      "hi\r\n\r\n";
  WarcRecord record;
  std::string error;
  ASSERT_EQ(ParseWarcRecord(input, true, &record, &error),
            static_cast<long>(input.size()))
      << error;
  ASSERT_EQ(record.headers.size(), 8u);
  struct Want {
    std::string_view name, value, raw;
  };
  const Want kWant[] = {
      {"WARC-Type", "conversion", "WARC-Type: conversion\r\n"},
      {"X-Folded", "first\r\n  second\r\n\tthird",
       "X-Folded: first\r\n  second\r\n\tthird  \r\n"},
      {"X-Empty", "", "X-Empty:\r\n"},
      {"X-Folded-Empty", "after", "X-Folded-Empty:\r\n after\n"},
      {"X-Spaces", "a  b", "X-Spaces:   a  b   \r\n"},
      {"X-Colon", "http://example.com:8080/a",
       "X-Colon: http://example.com:8080/a\r\n"},
      {"X-Utf8", "caf\xc3\xa9", "X-Utf8: caf\xc3\xa9\r\n"},
      {"Content-Length", "2", "Content-Length: 2\r\n"},
  };
  for (std::size_t i = 0; i < std::size(kWant); ++i) {
    EXPECT_EQ(record.headers[i].name, kWant[i].name) << i;
    EXPECT_EQ(record.headers[i].value, kWant[i].value) << i;
    EXPECT_EQ(record.headers[i].raw, kWant[i].raw) << i;
  }
}

TEST(WarcHeader, LookupIgnoresAsciiCaseOnly) {
  WarcRecord record;
  record.headers = {{"WARC-Type", "conversion", ""},
                    {"Content-Length", "12", ""},
                    {"X-Caf\xc3\xa9", "latin", ""},
                    {"warc-type", "second", ""}};
  struct Case {
    std::string_view query, expected;
  };
  const Case kCases[] = {
      {"WARC-Type", "conversion"},  // first of two wins
      {"warc-type", "conversion"},
      {"WARC-TYPE", "conversion"},
      {"wArC-tYpE", "conversion"},
      {"content-length", "12"},
      {"CONTENT-LENGTH", "12"},
      {"Content-Lengt", ""},    // prefix
      {"Content-Length ", ""},  // longer
      {"Content_Length", ""},   // '_' is not '-'
      {"", ""},
      {"x-caf\xc3\xa9", "latin"},  // ASCII folded, é as is
      {"X-CAF\xc3\x89", ""},       // É is not folded to é
      {"WARC-Nope", ""},
  };
  for (const Case& c : kCases) {
    EXPECT_EQ(record.Header(c.query), c.expected) << c.query;
  }
  // '@' (0x40) and '`' (0x60) differ from 'A'/'a' by the case bit only.
  record.headers = {{"A[", "letters", ""}};
  EXPECT_EQ(record.Header("a["), "letters");
  EXPECT_EQ(record.Header("A{"), "");  // '{' is '[' | 0x20
  EXPECT_EQ(record.Header("@["), "");
  EXPECT_EQ(record.Header("`["), "");
}

// --- Malformed records ------------------------------------------------------

TEST(WarcParse, MalformedRecords) {
  struct Case {
    std::string_view name;
    std::string_view input;
    bool at_eof;
    std::string_view error;
  };
  const Case kCases[] = {
      {"empty input at EOF", "", true, "no WARC version line"},
      {"partial magic at EOF", "WARC", true, "no WARC version line"},
      {"HTTP instead of WARC", "HTTP/1.1 200 OK\r\n", false,
       "no WARC version line"},
      {"garbage first byte, more to come", "x", false, "no WARC version line"},
      {"lower-case magic", "warc/1.0\r\n", false, "no WARC version line"},
      {"leading blank line", "\r\nWARC/1.0\r\n", false, "no WARC version line"},
      {"leading space", " WARC/1.0\r\n", false, "no WARC version line"},
      {"old version", "WARC/0.17\r\nContent-Length: 0\r\n\r\n\r\n\r\n", false,
       "unsupported WARC version 'WARC/0.17'"},
      {"future version", "WARC/1.2\r\n", false,
       "unsupported WARC version 'WARC/1.2'"},
      {"space after version", "WARC/1.0 \r\n", false,
       "unsupported WARC version 'WARC/1.0 '"},
      {"CR CR LF after version", "WARC/1.0\r\r\n", false,
       "unsupported WARC version 'WARC/1.0\\x0d'"},
      {"header line without colon",
       "WARC/1.0\r\nWARC-Type conversion\r\nContent-Length: 0\r\n\r\n", false,
       "header line without ':': 'WARC-Type conversion'"},
      {"empty header name", "WARC/1.0\r\n: value\r\n", false,
       "bad header name ''"},
      {"space in header name", "WARC/1.0\r\nContent Length: 3\r\n", false,
       "bad header name 'Content Length'"},
      {"space before colon", "WARC/1.0\r\nContent-Length : 3\r\n", false,
       "bad header name 'Content-Length '"},
      {"NUL in header name", "WARC/1.0\r\nA\0B: 3\r\n"sv, false,
       "bad header name 'A\\x00B'"},
      {"continuation first", "WARC/1.0\r\n folded\r\n", false,
       "continuation line before the first header"},
      {"missing Content-Length", "WARC/1.0\r\nWARC-Type: resource\r\n\r\n",
       false, "missing Content-Length"},
      {"no headers at all", "WARC/1.0\r\n\r\n\r\n\r\n", false,
       "missing Content-Length"},
      {"duplicate Content-Length",
       "WARC/1.0\r\nContent-Length: 3\r\ncontent-length: 3\r\n\r\nabc\r\n\r\n",
       false, "duplicate Content-Length"},
      {"non-numeric Content-Length", "WARC/1.0\r\nContent-Length: abc\r\n\r\n",
       false, "bad Content-Length 'abc'"},
      {"empty Content-Length", "WARC/1.0\r\nContent-Length:\r\n\r\n", false,
       "bad Content-Length ''"},
      {"negative Content-Length", "WARC/1.0\r\nContent-Length: -3\r\n\r\n",
       false, "bad Content-Length '-3'"},
      {"signed Content-Length", "WARC/1.0\r\nContent-Length: +3\r\n\r\n", false,
       "bad Content-Length '+3'"},
      {"two numbers", "WARC/1.0\r\nContent-Length: 3 4\r\n\r\n", false,
       "bad Content-Length '3 4'"},
      {"hex Content-Length", "WARC/1.0\r\nContent-Length: 0x10\r\n\r\n", false,
       "bad Content-Length '0x10'"},
      {"folded Content-Length", "WARC/1.0\r\nContent-Length: 1\r\n 2\r\n\r\n",
       false, "bad Content-Length '1\\x0d\\x0a 2'"},
      {"2^40 + 1", "WARC/1.0\r\nContent-Length: 1099511627777\r\n\r\n", false,
       "bad Content-Length '1099511627777'"},
      {"2^64 + 1", "WARC/1.0\r\nContent-Length: 18446744073709551617\r\n\r\n",
       false, "bad Content-Length '18446744073709551617'"},
      {"long garbage value is cut",
       "WARC/1.0\r\nContent-Length: "
       "123456789012345678901234567890123456789012345678901234567890\r\n\r\n",
       false,
       "bad Content-Length '1234567890123456789012345678901234567890...'"},
      {"end of input in the version line", "WARC/1.0", true,
       "truncated record: end of input in the headers"},
      {"end of input in the headers", "WARC/1.0\r\nContent-Length: 3\r\n", true,
       "truncated record: end of input in the headers"},
      {"truncated block", "WARC/1.0\r\nContent-Length: 10\r\n\r\nabc", true,
       "truncated record: 3 of 10 block bytes"},
      {"no block at all", "WARC/1.0\r\nContent-Length: 10\r\n\r\n", true,
       "truncated record: 0 of 10 block bytes"},
      {"2^40 is only truncated",
       "WARC/1.0\r\nContent-Length: 1099511627776\r\n\r\nabc", true,
       "truncated record: 3 of 1099511627776 block bytes"},
      {"Content-Length too small",
       "WARC/1.0\r\nContent-Length: 3\r\n\r\nabcdef\r\n\r\n", false,
       "bad record trailer: expected CRLF CRLF after the block, found "
       "'d'"},
      {"Content-Length too small at EOF",
       "WARC/1.0\r\nContent-Length: 3\r\n\r\nabcd", true,
       "bad record trailer: expected CRLF CRLF after the block, found 'd'"},
      {"one CRLF then the next record",
       "WARC/1.0\r\nContent-Length: 3\r\n\r\nabc\r\nWARC/1.0\r\n", false,
       "bad record trailer: expected CRLF CRLF after the block, found "
       "'\\x0d\\x0aW'"},
      {"CR CR", "WARC/1.0\r\nContent-Length: 3\r\n\r\nabc\r\r\n\r\n", false,
       "bad record trailer: expected CRLF CRLF after the block, found "
       "'\\x0d'"},
      {"space in trailer", "WARC/1.0\r\nContent-Length: 3\r\n\r\nabc \r\n\r\n",
       false,
       "bad record trailer: expected CRLF CRLF after the block, found "
       "' '"},
  };
  for (const Case& c : kCases) {
    WarcRecord record;
    std::string error;
    EXPECT_EQ(ParseWarcRecord(c.input, c.at_eof, &record, &error), -1)
        << c.name;
    EXPECT_EQ(error, c.error) << c.name;
  }
}

TEST(WarcParse, HeaderSectionIsCapped) {
  const std::string too_long = "header section longer than " +
                               std::to_string(kMaxWarcHeaderBytes) + " bytes";
  // A header line that never ends: refused once it passes the cap, even
  // though more data might come.
  std::string endless =
      "WARC/1.0\r\nX-Long: " + std::string(kMaxWarcHeaderBytes, 'x');
  WarcRecord record;
  std::string error;
  EXPECT_EQ(ParseWarcRecord(endless, false, &record, &error), -1);
  EXPECT_EQ(error, too_long);
  // Just under the cap it still waits.
  EXPECT_EQ(
      ParseWarcRecord(std::string_view(endless).substr(0, kMaxWarcHeaderBytes),
                      false, &record, &error),
      0);
  // Headers that end exactly at the cap are fine.
  const std::string head = "WARC/1.0\r\nContent-Length: 2\r\nX-Pad: ";
  std::string fits = head;
  fits.append(kMaxWarcHeaderBytes - head.size() - 4, 'p');
  fits += "\r\n\r\n";
  ASSERT_EQ(fits.size(), kMaxWarcHeaderBytes);
  fits += "ok\r\n\r\n";
  EXPECT_EQ(ParseWarcRecord(fits, true, &record, &error),
            static_cast<long>(fits.size()))
      << error;
  EXPECT_EQ(record.block, "ok");
  // One byte more and the empty line falls outside it.
  std::string over = head + "p" + fits.substr(head.size());
  EXPECT_EQ(ParseWarcRecord(over, true, &record, &error), -1);
  EXPECT_EQ(error, too_long);
}

// Damaged copies of the sample (bytes replaced by framing characters,
// removed, inserted) read with resynchronisation: the reader always makes
// progress, views stay inside the input, and every record it accepts with a
// whole trailer is written back byte for byte.
TEST(WarcParse, DamagedInputReadsSafely) {
  const std::string wet = SampleWet();
  constexpr std::string_view kBytes = "\r\n: 09W/\t\0\xff"sv;
  std::mt19937 rng(20240412);  // the engine's output is fixed by the standard
  std::size_t records = 0;
  std::size_t errors = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string data = wet;
    for (int edits = 1 + static_cast<int>(rng() % 3); edits > 0; --edits) {
      std::size_t at = rng() % data.size();
      char byte = kBytes[rng() % kBytes.size()];
      switch (rng() % 3) {
        case 0:
          data[at] = byte;
          break;
        case 1:
          data.erase(at, 1);
          break;
        default:
          data.insert(at, 1, byte);
          break;
      }
    }
    std::size_t pos = 0;
    while (pos < data.size()) {
      const std::string_view rest = std::string_view(data).substr(pos);
      WarcRecord record;
      std::string error;
      long n = ParseWarcRecord(rest, true, &record, &error);
      ASSERT_NE(n, 0) << "trial " << trial;
      if (n < 0) {
        ++errors;
        ASSERT_FALSE(error.empty());
        std::size_t next = FindNextWarcRecord(data, pos + 1);
        ASSERT_GT(next, pos);
        pos = next;
        continue;
      }
      ++records;
      ASSERT_LE(static_cast<std::size_t>(n), rest.size());
      ASSERT_TRUE(Inside(record.block, rest) && Inside(record.trailer, rest));
      for (const WarcHeader& h : record.headers) {
        ASSERT_TRUE(Inside(h.raw, rest) && Inside(h.value, h.raw));
      }
      if (record.trailer.size() >= 2 && record.trailer.back() == '\n' &&
          record.trailer != "\r\n") {
        std::string out;
        AppendWarcRecord(record, record.block, &out);
        ASSERT_EQ(out, rest.substr(0, static_cast<std::size_t>(n)))
            << "trial " << trial;
      }
      pos += static_cast<std::size_t>(n);
    }
  }
  // Most damage is survivable; some must be caught.
  EXPECT_GT(records, 3000u);
  EXPECT_GT(errors, 300u);
}

// --- Resynchronising ---------------------------------------------------------

TEST(WarcResync, FindNextWarcRecord) {
  struct Case {
    std::string_view name;
    std::string_view data;
    std::size_t from;
    std::size_t expected;
  };
  const Case kCases[] = {
      {"empty", "", 0, 0},
      {"from past the end", "abc", 7, 3},
      {"record at from", "WARC/1.0\r\n", 0, 0},
      {"WARC/1.1", "WARC/1.1\r\n", 0, 0},
      {"after a garbage line", "garbage\nWARC/1.0\r\n", 0, 8},
      {"after a CRLF line", "garbage\r\nWARC/1.0\r\n", 0, 9},
      {"not at a line start", "xxWARC/1.0\r\nWARC/1.1\r\n", 0, 12},
      {"from mid-line skips to the next line", "WARC/1.0\nWARC/1.1\n", 1, 9},
      {"from at a line start", "a\nWARC/1.0\n", 2, 2},
      {"from just past a line start", "a\nWARC/1.0\n", 3, 11},
      {"other versions are not records", "WARC/0.17\nWARC/2.0\nWARC/1.0\n", 0,
       19},
      {"lower case is not a record", "warc/1.0\n", 0, 9},
      {"no record", "one\ntwo\nthree", 0, 13},
      {"ends with a newline", "junk\n", 0, 5},
      {"partial magic at the end", "junk\nWAR", 0, 5},
      {"whole magic at the end", "junk\nWARC/1.", 0, 5},
      {"partial magic cannot match", "junk\nWARX", 0, 9},
      {"partial magic, then more", "junk\nWAR\n", 0, 9},
      {"NUL bytes", "\0\0\nWARC/1.0"sv, 0, 3},
      {"after blank lines", "\n\r\n\n\r\nWARC/1.0\r\n", 0, 6},
      {"after blank lines, from inside them", "\n\r\n\n\r\nWARC/1.0\r\n", 2, 6},
      {"the magic mid-line, then at a line start", "x WARC/1.0 y WARC/1.1\nWARC/1.0\n", 0, 22},
      {"the magic mid-line at the end", "\n\nxWARC/1.", 0, 10},
      {"only blank lines", "\n\n\r\n\n", 0, 5},
      {"partial magic after blank lines", "\r\n\r\nWARC/", 1, 4},
      {"partial magic, from it", "junk\nWAR", 5, 5},
      {"from past a partial magic at a line start", "junk\nWAR", 6, 8},
      {"a CR line is no line start", "\rWARC/1.0\n", 0, 10},
  };
  for (const Case& c : kCases) {
    EXPECT_EQ(FindNextWarcRecord(c.data, c.from), c.expected) << c.name;
  }
}

TEST(WarcResync, SkipsGarbageBetweenRecords) {
  const std::string wet =
      SampleRecordBytes(kSample[0]) +
      "HTTP/1.1 200 OK\r\nServer: nginx\r\n\r\n" +
      SampleRecordBytes(kSample[1]) +
      "\0\xff\xfe binary junk WARC/1.0 not at a line start\n"s +
      "WARC/1.0\r\nContent-Length: 99\r\n\r\ntoo short\r\n" +
      SampleRecordBytes(kSample[2]) + "\n\n";
  std::vector<std::string_view> ids;
  std::vector<std::string> errors;
  std::size_t pos = 0;
  while (pos < wet.size()) {
    WarcRecord record;
    std::string error;
    long n = ParseWarcRecord(std::string_view(wet).substr(pos), true, &record,
                             &error);
    if (n > 0) {
      ids.push_back(record.Header("WARC-Record-ID"));
      pos += static_cast<std::size_t>(n);
    } else {
      ASSERT_EQ(n, -1);
      errors.push_back(error);
      pos = FindNextWarcRecord(wet, pos + 1);
    }
  }
  ASSERT_EQ(ids.size(), 3u);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(ids[i], kSample[i].record_id);
  }
  // The bad record with Content-Length 99 swallows the start of the next
  // one, so its trailer is wrong (the 'l' of "le-leaf-", in the middle of the next
  // record's WARC-Target-URI); resynchronising from one byte past the bad
  // record's start finds the next record anyway. The blank lines after the
  // last record are its trailer's.
  const std::vector<std::string> kErrors = {
      "no WARC version line", "no WARC version line",
      "bad record trailer: expected CRLF CRLF after the block, found "
      "'l'"};
  EXPECT_EQ(errors, kErrors);
}

// --- AppendWarcRecord
// ---------------------------------------------------------

TEST(WarcAppend, UnchangedBlockIsByteIdentical) {
  const std::string wet = SampleWet();
  std::string out;
  for (const WarcRecord& r : ParseAll(wet)) AppendWarcRecord(r, r.block, &out);
  EXPECT_EQ(out, wet);

  // Equal bytes from another buffer count as unchanged, and so does every
  // spelling that ParseWarcRecord accepts with a whole trailer.
  const std::string_view kInputs[] = {
      "WARC/1.0\nWARC-Block-Digest: sha1:NOT-CHECKED\nContent-Length: 3\n\n"
      "abc\n\n",
      "WARC/1.1\r\nX-Folded: a\r\n b\r\ncontent-length:003 \r\n\n"
      "abc\r\n\n",
      "WARC/1.0\r\nContent-Length: 0\r\n\r\n\r\n\r\n",
  };
  for (std::string_view input : kInputs) {
    WarcRecord record;
    std::string error;
    ASSERT_GT(ParseWarcRecord(input, true, &record, &error), 0) << error;
    const std::string copy(record.block);
    std::string again;
    AppendWarcRecord(record, copy, &again);
    EXPECT_EQ(again, input);
  }
}

// Resynchronising goes on from where the last search stopped as data
// arrives (RecordReader does): the same answers as searching all the data
// at once, at every split, and the search reads each byte about once.
TEST(WarcResync, SearchResumedAsDataArrivesFindsTheSameRecord) {
  const std::string data = "junk\n\r\n\nWA\nWARNING\nxx WARC/1.0\n\n\r\nWARC/1.1\r\nrest";
  const std::size_t want = FindNextWarcRecord(data, 1);
  ASSERT_EQ(want, data.find("WARC/1.1"));
  for (std::size_t step = 1; step <= data.size(); ++step) {
    std::size_t from = 1;
    std::size_t got = 0;
    for (std::size_t have = 1;; have = std::min(data.size(), have + step)) {
      const std::string_view seen = std::string_view(data).substr(0, have);
      got = FindNextWarcRecord(seen, from);
      if (seen.size() - got >= 7 || have == data.size()) break;
      from = got;
    }
    EXPECT_EQ(got, want) << "step " << step;
  }
}

// The blank lines at the start of some data, and whether more data could
// add to them.
TEST(WarcBlankLines, RunsOfLineEnds) {
  struct Case {
    std::string_view name, data;
    std::size_t limit, run;
    bool open;
  };
  const Case kCases[] = {
      {"nothing", "", 100, 0, true},
      {"nothing, no room", "", 0, 0, false},
      {"not blank", "x\n", 100, 0, false},
      {"a space is not blank", " \n", 100, 0, false},
      {"LF", "\nx", 100, 1, false},
      {"CRLF", "\r\nx", 100, 2, false},
      {"mixed, then a record", "\n\r\n\n\r\nWARC", 100, 6, false},
      {"to the end of the data", "\n\r\n", 100, 3, true},
      {"a CR ending the data", "\n\r", 100, 1, true},
      {"a CR before another byte", "\n\rx", 100, 1, false},
      {"a CR CR LF is not blank", "\r\r\n", 100, 0, false},
      {"the limit ends it", "\n\n\n\n", 2, 2, false},
      {"the limit ends it at the end of the data", "\n\n", 2, 2, false},
      {"a CRLF that does not fit", "\n\r\n", 2, 1, false},
      {"a CR ending the data, no room for its LF", "\n\r", 2, 1, false},
      {"a CR ending the data, room for its LF", "\n\r", 3, 1, true},
  };
  for (const Case& c : kCases) {
    bool open = !c.open;
    EXPECT_EQ(WarcBlankLines(c.data, c.limit, &open), c.run) << c.name;
    EXPECT_EQ(open, c.open) << c.name;
  }
}

// Blank lines after a record join its trailer up to kMaxWarcBlankBytes;
// the rest are where the next record should start.
TEST(WarcParse, BlankLinesAfterARecordAreBounded) {
  const std::string record = "WARC/1.0\r\nContent-Length: 3\r\n\r\nabc\r\n\r\n";
  const std::string next = "WARC/1.0\r\n";
  struct Case {
    std::string name;
    std::string blank;
    std::size_t joined;  // bytes of `blank` in the trailer
  };
  const std::string lf(kMaxWarcBlankBytes, '\n');
  std::string crlf;
  for (std::size_t i = 0; i < kMaxWarcBlankBytes / 2; ++i) crlf += "\r\n";
  const Case kCases[] = {
      {"exactly the bound, LF", lf, lf.size()},
      {"exactly the bound, CRLF", crlf, crlf.size()},
      {"one LF more", lf + "\n", lf.size()},
      {"one CRLF more", crlf + "\r\n", crlf.size()},
      {"a CRLF across the bound", lf.substr(1) + "\r\n", lf.size() - 1},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    for (const bool followed : {false, true}) {
      const std::string input = record + c.blank + (followed ? next : "");
      WarcRecord parsed;
      std::string error;
      const long want = static_cast<long>(record.size() + c.joined);
      // Decided by the bound, before the end of input, when it is reached.
      const bool reached = c.joined < c.blank.size() || c.joined == kMaxWarcBlankBytes;
      EXPECT_EQ(ParseWarcRecord(input, false, &parsed, &error), followed || reached ? want : 0) << error;
      EXPECT_EQ(ParseWarcRecord(input, true, &parsed, &error), want) << error;
      EXPECT_EQ(parsed.trailer.size(), 4 + c.joined);
      std::string out;
      AppendWarcRecord(parsed, parsed.block, &out);
      EXPECT_TRUE(out == std::string_view(input).substr(0, static_cast<std::size_t>(want)));
    }
  }
}

// Blank lines in a trailer are written back with it, also when the block
// changes; a hand-made trailer that is not all line ends is replaced.
TEST(WarcAppend, TrailerWithBlankLinesIsKept) {
  const std::string head = "WARC/1.0\r\nContent-Length: 3\r\n\r\nabc";
  for (const std::string_view trailer : {"\r\n\r\n\r\n"sv, "\n\n\n\n\n"sv, "\r\n\n\r\n\n"sv, "\n\r\n\r\n"sv}) {
    SCOPED_TRACE(std::string(trailer.size(), '.'));
    const std::string input = head + std::string(trailer);
    WarcRecord record;
    std::string error;
    ASSERT_EQ(ParseWarcRecord(input, true, &record, &error), static_cast<long>(input.size())) << error;
    EXPECT_EQ(record.trailer, trailer);
    std::string out;
    AppendWarcRecord(record, record.block, &out);
    EXPECT_EQ(out, input);
    out.clear();
    AppendWarcRecord(record, "longer", &out);
    EXPECT_EQ(out, "WARC/1.0\r\nContent-Length: 6\r\n\r\nlonger" + std::string(trailer));
  }
  WarcRecord record;
  std::string error;
  const std::string input = head + "\r\n\r\n";
  ASSERT_GT(ParseWarcRecord(input, true, &record, &error), 0);
  for (const std::string_view bad : {"\r\n\r\n \r\n"sv, "\r\n\rx\n"sv, "\n\r"sv, "\r\r\n\n"sv}) {
    record.trailer = bad;  // a hand-made record's
    std::string out;
    AppendWarcRecord(record, record.block, &out);
    EXPECT_EQ(out, input);
  }
}

TEST(WarcAppend, MissingTrailerIsWrittenWhole) {
  const std::string_view input = "WARC/1.0\r\nContent-Length: 3\r\n\r\nabc\r\n\r\n";
  for (std::size_t cut : {0, 2, 3}) {
    WarcRecord record;
    std::string error;
    ASSERT_GT(ParseWarcRecord(input, true, &record, &error), 0) << error;
    record.trailer = record.trailer.substr(0, cut);  // a hand-made record's
    std::string out;
    AppendWarcRecord(record, record.block, &out);
    EXPECT_EQ(out, "WARC/1.0\r\nContent-Length: 3\r\n\r\nabc\r\n\r\n");
  }
}

TEST(WarcAppend, ChangedBlockFixesLengthAndDigest) {
  const std::string wet = SampleWet();
  const std::vector<WarcRecord> records = ParseAll(wet);
  ASSERT_EQ(records.size(), 3u);
  struct Case {
    std::size_t record;
    std::string block;
    std::string_view length_line;
    std::string_view digest_line;  // empty: the record has none
  };
  const Case kCases[] = {
      // Shorter: the first paragraph only.
      {1, "Caf\xc3\xa9 Lumi\xc3\xa8re \xe2\x80\x94 Menu\n",
       "Content-Length: 24\r\n",
       "WARC-Block-Digest: sha1:"},  // value checked against WarcSha1Digest
      // Emptied.
      {2, "", "Content-Length: 0\r\n",
       "WARC-Block-Digest: sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ\r\n"},
      // Same length, different bytes: the digest still changes.
      {2, std::string(kFigBlock.size(), 'x'), "Content-Length: 273\r\n",
       "WARC-Block-Digest: sha1:"},
      // Longer, and a record without a digest gets none.
      {0, std::string(kInfoBlock) + "extra: 1\r\n", "Content-Length: 378\r\n",
       ""},
  };
  for (const Case& c : kCases) {
    const WarcRecord& original = records[c.record];
    SCOPED_TRACE("record " + std::to_string(c.record) + " block of " +
                 std::to_string(c.block.size()));
    std::string out;
    AppendWarcRecord(original, c.block, &out);

    WarcRecord parsed;
    std::string error;
    ASSERT_EQ(ParseWarcRecord(out, true, &parsed, &error),
              static_cast<long>(out.size()))
        << error;
    EXPECT_EQ(parsed.block, c.block);
    EXPECT_EQ(parsed.trailer, "\r\n\r\n");
    EXPECT_EQ(parsed.Header("Content-Length"), std::to_string(c.block.size()));
    ASSERT_EQ(parsed.headers.size(), original.headers.size());
    for (std::size_t i = 0; i < parsed.headers.size(); ++i) {
      const WarcHeader& before = original.headers[i];
      const WarcHeader& after = parsed.headers[i];
      EXPECT_EQ(after.name, before.name);
      if (before.name == "Content-Length") {
        EXPECT_EQ(after.raw, c.length_line);
      } else if (before.name == "WARC-Block-Digest") {
        EXPECT_EQ(after.raw.substr(0, c.digest_line.size()), c.digest_line);
        EXPECT_EQ(after.value, WarcSha1Digest(c.block));
        EXPECT_NE(after.value, before.value);
      } else {
        EXPECT_EQ(after.raw, before.raw);
      }
    }
    if (c.digest_line.empty()) {
      EXPECT_EQ(parsed.Header("WARC-Block-Digest"), "");
    }
  }
}

TEST(WarcAppend, RewrittenLinesKeepNameAndLineEnd) {
  const std::string_view input =
      "WARC/1.0\n"
      "warc-block-digest: sha1:OLD\n"
      "X-Other: kept  \n"
      "content-length:3\n"
      "\n"
      "abc\n\n";
  WarcRecord record;
  std::string error;
  ASSERT_GT(ParseWarcRecord(input, true, &record, &error), 0) << error;
  std::string out = "prefix|";  // appends, never overwrites
  AppendWarcRecord(record, "abcd", &out);
  EXPECT_EQ(out,
            "prefix|WARC/1.0\n"
            "warc-block-digest: " +
                WarcSha1Digest("abcd") +
                "\n"
                "X-Other: kept  \n"
                "content-length: 4\n"
                "\n"
                "abcd\n\n");
}

TEST(WarcAppend, HandMadeRecord) {
  WarcRecord record;
  record.version = "WARC/1.1";
  record.headers = {{"WARC-Type", "conversion", ""},
                    {"WARC-Block-Digest", "sha1:STALE", ""}};
  std::string out;
  AppendWarcRecord(record, "12345", &out);
  EXPECT_EQ(out,
            "WARC/1.1\r\n"
            "WARC-Type: conversion\r\n"
            "WARC-Block-Digest: sha1:RSZCG7IGPHFIRW3EMTVMMDNJMNCVCOLE\r\n"
            "Content-Length: 5\r\n"
            "\r\n"
            "12345\r\n\r\n");
  out.clear();
  AppendWarcRecord(WarcRecord{}, "", &out);
  EXPECT_EQ(out, "WARC/1.0\r\nContent-Length: 0\r\n\r\n\r\n\r\n");
}

// Writes the sample file and a copy with shortened blocks for the warcio.js
// check in tests/warc_roundtrip (see its run.sh) when WINNOW_WARC_DUMP_DIR
// names a directory; skipped otherwise.
TEST(WarcDump, WritesFilesForTheWarcioCheck) {
  const char* dir = std::getenv("WINNOW_WARC_DUMP_DIR");
  if (dir == nullptr || *dir == '\0') {
    GTEST_SKIP() << "set WINNOW_WARC_DUMP_DIR to write sample.wet and "
                    "shortened.wet";
  }
  const std::string wet = SampleWet();
  std::string shortened;
  for (const WarcRecord& r : ParseAll(wet)) {
    if (r.Header("WARC-Type") != "conversion") {
      AppendWarcRecord(r, r.block, &shortened);
    } else if (r.Header("WARC-Target-URI").find("plants") !=
               std::string_view::npos) {
      AppendWarcRecord(r, "", &shortened);
    } else {
      // Keep the first two paragraphs.
      std::size_t cut = r.block.find('\n', r.block.find('\n') + 1) + 1;
      AppendWarcRecord(r, r.block.substr(0, cut), &shortened);
    }
  }
  ASSERT_LT(shortened.size(), wet.size());
  const std::pair<const char*, const std::string*> kFiles[] = {
      {"sample.wet", &wet}, {"shortened.wet", &shortened}};
  for (auto [name, bytes] : kFiles) {
    std::ofstream file(std::string(dir) + "/" + name, std::ios::binary);
    file.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
    file.close();
    ASSERT_TRUE(file) << dir << "/" << name;
  }
}

}  // namespace
}  // namespace winnow
