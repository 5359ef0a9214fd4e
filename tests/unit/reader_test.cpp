#include "winnow/reader.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "winnow/error.hpp"
#include "test_io.hpp"

namespace winnow {
namespace {

using testing::TempFile;

// Bytes that a text-oriented reader could mangle: NUL, 0xff, CR, LF.
std::string AwkwardBytes(std::size_t n) {
  std::string s;
  s.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    switch (i % 7) {
      case 0: s.push_back('\0'); break;
      case 1: s.push_back('\xff'); break;
      case 2: s.push_back('\r'); break;
      case 3: s.push_back('\n'); break;
      default: s.push_back(static_cast<char>('a' + i % 26)); break;
    }
  }
  return s;
}

// Writes `data` into a pipe from another thread (so that data larger than
// the pipe buffer does not deadlock) and reads it back with ReadAll.
std::string ReadThroughPipe(const std::string& data, std::size_t chunk) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  std::thread writer([&] {
    std::size_t done = 0;
    while (done < data.size()) {
      ssize_t n = write(fds[1], data.data() + done, data.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    close(fds[1]);
  });
  std::string out;
  ReadAll(fds[0], "pipe", &out, chunk);
  // Should ReadAll stop early, drain the pipe so that the writer can finish
  // and the test fails instead of hanging.
  char buf[4096];
  while (read(fds[0], buf, sizeof buf) > 0) {
  }
  writer.join();
  close(fds[0]);
  return out;
}

struct ReadCase {
  const char* name;
  std::string data;
};

std::vector<ReadCase> ReadCases() {
  return {
      {"empty", ""},
      {"one byte", "x"},
      {"one newline", "\n"},
      {"nul and ff", std::string("a\0b\xff\n\0", 6)},
      {"just under 4096", AwkwardBytes(4095)},
      {"exactly 4096", AwkwardBytes(4096)},
      {"just over 4096", AwkwardBytes(4097)},
      {"awkward 10000", AwkwardBytes(10000)},
  };
}

TEST(ReadAllTest, ReadsEverythingWithTinyChunks) {
  const std::string data(10000, 'x');
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  ASSERT_EQ(write(fds[1], data.data(), data.size()), static_cast<ssize_t>(data.size()));
  close(fds[1]);
  std::string out;
  ReadAll(fds[0], "pipe", &out, 7);
  close(fds[0]);
  EXPECT_EQ(out, data);
}

constexpr std::size_t kChunks[] = {0, 1, 2, 3, 7, 4096, kDefaultReadChunk};

TEST(ReadAllTest, PipeGivesBackEveryByteForEveryChunkSize) {
  for (const ReadCase& c : ReadCases()) {
    for (std::size_t chunk : kChunks) {
      SCOPED_TRACE(std::string(c.name) + ", chunk " + std::to_string(chunk));
      EXPECT_EQ(ReadThroughPipe(c.data, chunk), c.data);
    }
  }
}

TEST(ReadAllTest, FileGivesBackEveryByteForEveryChunkSize) {
  for (const ReadCase& c : ReadCases()) {
    for (std::size_t chunk : kChunks) {
      SCOPED_TRACE(std::string(c.name) + ", chunk " + std::to_string(chunk));
      TempFile file(c.data);
      std::string out;
      ReadAll(file.fd(), "file", &out, chunk);
      EXPECT_EQ(out, c.data);
    }
  }
}

TEST(ReadAllTest, AppendsToWhatIsAlreadyInTheBuffer) {
  for (std::size_t chunk : kChunks) {
    SCOPED_TRACE(chunk);
    TempFile file(std::string("tail\0\xff", 6));
    std::string out = "head:";
    ReadAll(file.fd(), "file", &out, chunk);
    EXPECT_EQ(out, std::string("head:tail\0\xff", 11));
  }
}

TEST(ReadAllTest, DataLargerThanThePipeBuffer) {
  // Linux pipes hold 64 KiB by default; 1 MiB forces many partial reads.
  const std::string data = AwkwardBytes(1 << 20);
  for (std::size_t chunk : {std::size_t{3}, std::size_t{4096}, kDefaultReadChunk}) {
    SCOPED_TRACE(chunk);
    std::string out = ReadThroughPipe(data, chunk);
    ASSERT_EQ(out.size(), data.size());
    EXPECT_TRUE(out == data);
  }
}

TEST(ReadAllTest, AllByteValuesSurvive) {
  std::string data;
  for (int i = 0; i < 256; ++i) data.push_back(static_cast<char>(i));
  for (std::size_t chunk : kChunks) {
    SCOPED_TRACE(chunk);
    EXPECT_EQ(ReadThroughPipe(data, chunk), data);
  }
}

TEST(ReadAllTest, BadFileDescriptorThrowsWithTheName) {
  // An fd that was just closed is certainly not open.
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  close(fds[0]);
  close(fds[1]);
  for (int fd : {-1, fds[0]}) {
    SCOPED_TRACE(fd);
    std::string out = "kept";
    try {
      ReadAll(fd, "some/file.txt", &out, 7);
      ADD_FAILURE() << "ReadAll did not throw";
    } catch (const Error& e) {
      EXPECT_EQ(e.where(), "some/file.txt");
      EXPECT_NE(e.message().find("read failed"), std::string::npos) << e.message();
    }
    // A failed read leaves no garbage behind what was there before.
    EXPECT_EQ(out, "kept");
  }
}

TEST(ReadAllTest, ReadingADirectoryThrows) {
  int fd = open("/", O_RDONLY | O_DIRECTORY);
  ASSERT_GE(fd, 0);
  std::string out;
  EXPECT_THROW(ReadAll(fd, "/", &out, 4096), Error);
  close(fd);
  EXPECT_TRUE(out.empty());
}

struct ExactCase {
  const char* name;
  std::size_t available;  // bytes in the file
  std::size_t wanted;
  bool ok;
};

TEST(ReadExactTest, Table) {
  const ExactCase kCases[] = {
      {"nothing from nothing", 0, 0, true},
      {"nothing from something", 5, 0, true},
      {"all of it", 4097, 4097, true},
      {"part of it", 10, 3, true},
      {"one byte short", 4096, 4097, false},
      {"from an empty file", 0, 1, false},
  };
  for (const ExactCase& c : kCases) {
    SCOPED_TRACE(c.name);
    const std::string data = AwkwardBytes(c.available);
    TempFile file(data);
    std::string buf(c.wanted, '?');
    if (c.ok) {
      ReadExact(file.fd(), "file", buf.data(), c.wanted);
      EXPECT_EQ(buf, data.substr(0, c.wanted));
      // The rest is still there to read.
      std::string rest;
      ReadAll(file.fd(), "file", &rest, 7);
      EXPECT_EQ(rest, data.substr(c.wanted));
    } else {
      try {
        ReadExact(file.fd(), "some.state", buf.data(), c.wanted);
        ADD_FAILURE() << "no error";
      } catch (const Error& e) {
        EXPECT_EQ(e.where(), "some.state");
        EXPECT_NE(e.message().find("truncated"), std::string::npos) << e.message();
      }
    }
  }
}

TEST(ReadExactTest, GathersAcrossShortPipeReads) {
  // The writer sends one byte at a time: ReadExact must keep reading.
  const std::string data = AwkwardBytes(300);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  std::thread writer([&] {
    for (char c : data) {
      if (write(fds[1], &c, 1) != 1) break;
    }
    close(fds[1]);
  });
  std::string buf(data.size(), '?');
  ReadExact(fds[0], "pipe", buf.data(), buf.size());
  writer.join();
  close(fds[0]);
  EXPECT_EQ(buf, data);
}

TEST(ReadExactTest, BadFileDescriptorThrows) {
  char c;
  try {
    ReadExact(-1, "bad", &c, 1);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.where(), "bad");
    EXPECT_NE(e.message().find("read failed"), std::string::npos) << e.message();
  }
}

// ReadAtMost at the boundary: an input of `limit` bytes is whole; one more
// byte makes it too large, with at most limit + chunk bytes read, and the
// rest of the input still there to be copied through.
TEST(ReadAtMostTest, StopsJustAfterTheLimit) {
  struct Row {
    std::size_t size, limit, chunk;
    bool whole;
  };
  const Row rows[] = {
      {0, 0, 1, true},        {0, 10, 3, true},       {10, 10, 3, true},
      {11, 10, 3, false},     {11, 10, 1, false},     {1000, 10, 7, false},
      {1000, 999, 64, false}, {1000, 1000, 64, true}, {5000, 100, 1 << 16, false},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE("size " + std::to_string(row.size) + ", limit " + std::to_string(row.limit) +
                 ", chunk " + std::to_string(row.chunk));
    const std::string data = AwkwardBytes(row.size);
    TempFile file(data);
    std::string got;
    const bool whole = ReadAtMost(file.fd(), "file", row.limit, &got, row.chunk);
    EXPECT_EQ(whole, row.whole);
    if (whole) {
      EXPECT_EQ(got, data);
      continue;
    }
    EXPECT_GT(got.size(), row.limit);
    EXPECT_LE(got.size(), row.limit + row.chunk);
    EXPECT_LE(got.capacity(), std::max<std::size_t>(row.limit + row.chunk, 15));
    // What is left is exactly the rest, for the caller to copy through.
    std::string rest(row.size, '?');
    std::size_t n = 0, k;
    while ((k = ReadSome(file.fd(), "file", rest.data() + n, rest.size() - n)) > 0) n += k;
    rest.resize(n);
    EXPECT_EQ(got + rest, data);
  }
}

TEST(ReadSomeTest, EndOfFileIsZero) {
  TempFile file("ab");
  char buf[8];
  EXPECT_EQ(ReadSome(file.fd(), "file", buf, sizeof buf), 2u);
  EXPECT_EQ(ReadSome(file.fd(), "file", buf, sizeof buf), 0u);
}

// Reads all of `data` through a Source fed by a pipe one byte at a time (so
// that the magic bytes arrive in pieces); returns what came out, or the error.
std::string ReadThroughSource(const std::string& data, std::string* error) {
  testing::PipeFeed feed(data, 1);
  Source source(feed.fd(), "in.x");
  std::string out;
  char buf[64];
  try {
    while (const std::size_t n = source.Read(buf, sizeof buf)) out.append(buf, n);
  } catch (const InputError& e) {
    *error = e.what();
  }
  return out;
}

TEST(SourceTest, OtherCompressedFormatsAreRefusedByName) {
  struct Row {
    const char* name;
    std::string data;
    const char* format;  // nullptr: read as the bytes they are
  };
  const Row rows[] = {
      {"xz", std::string("\xfd" "7zXZ\0\0\x04\xe6\xd6\xb4", 12), "xz"},
      {"bzip2", std::string("BZh91AY&SY\x01\x02", 12), "bzip2"},
      {"empty bzip2", std::string("BZh9\x17\x72\x45\x38\x50\x90\0\0\0\0", 14), "bzip2"},
      {"lz4 frame", std::string("\x04\x22\x4d\x18\x64\x40\xa7", 7), "lz4"},
      {"lz4 legacy", std::string("\x02\x21\x4c\x18\x01\0\0\0", 8), "lz4"},
      {"lzip", std::string("LZIP\x01\x0c\0", 7), "lzip"},
      {"zip", std::string("PK\x03\x04\x14\0", 6), "zip"},
      {"7z", std::string("7z\xbc\xaf\x27\x1c\0\x04", 8), "7z"},
      // Text that begins like a magic and is not one.
      {"text BZh", "BZh9 is a model name.\n", nullptr},
      {"short BZh", "BZh", nullptr},
      {"text PK", "PK 4 was scored.\n", nullptr},
      {"text LZIP", "LZIP files\n", nullptr},
      {"text 7z", "7z archives\n", nullptr},
      {"one byte", "B", nullptr},
  };
  for (const Row& row : rows) {
    std::string error;
    const std::string out = ReadThroughSource(row.data, &error);
    if (row.format == nullptr) {
      EXPECT_EQ(out, row.data) << row.name;
      EXPECT_EQ(error, "") << row.name;
    } else {
      EXPECT_EQ(out, "") << row.name;
      EXPECT_EQ(error.rfind(std::string("in.x: ") + row.format + "-compressed input: ", 0), 0u)
          << row.name << ": " << error;
    }
  }
}

}  // namespace
}  // namespace winnow
