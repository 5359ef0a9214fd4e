// The state file: checksums, the lock, and how it is replaced on disk.
#include "winnow/state_file.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "test_io.hpp"
#include "winnow/detail/xxhash.hpp"
#include "winnow/error.hpp"
#include "winnow/records.hpp"
#include "winnow/rules.hpp"
#include "winnow/stream.hpp"
#include "winnow/writer.hpp"

namespace winnow {
namespace {

namespace fs = std::filesystem;
using testing::PipeFeed;

// A scratch directory, removed at the end of the test.
class ScratchDir {
 public:
  ScratchDir() {
    std::string t = (fs::temp_directory_path() / "winnow-state.XXXXXX").string();
    if (::mkdtemp(t.data()) == nullptr) std::abort();
    path_ = t;
  }
  ~ScratchDir() { fs::remove_all(path_); }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }
  std::vector<std::string> Names() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(path_)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  std::string path_;
};

std::string Slurp(const std::string& path) {
  std::string data;
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return data;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) data.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return data;
}

void Spit(const std::string& path, const std::string& data) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) std::abort();
  if (::write(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size())) std::abort();
  ::close(fd);
}

// A stream configuration whose state file is small: a repeated-line sketch
// of 4 x 16 counters.
StreamConfig SmallState() {
  StreamConfig config;
  config.format = Format::kNul;
  config.lines.log2_width = 4;
  return config;
}

void Feed(StreamProcessor& processor, const StreamConfig& config, const std::string& input,
         std::string* output = nullptr) {
  PipeFeed feed(input);
  RecordReader reader(feed.fd(), "input", config.format, config.fields);
  StreamSinks sinks;
  if (output) sinks.output = [output](std::string_view s) { output->append(s); };
  processor.Run(reader, "input", sinks);
}

using namespace std::string_literals;

const std::string kDocs =
    "The council voted to rebuild the bridge over the river next spring.\nMain menu\n\0"
    "Farmers brought their harvest to the market in the old square today.\nMain menu\n\0"
    "The museum opens a new wing for the railway collection in May.\n\0"s;

// Any change to any bit of a saved state is refused, and a refused file
// leaves the processor's state as it was.
TEST(StateFileTest, EverySingleBitFlipIsRefused) {
  ASSERT_EQ(kDocs.back(), '\0');
  ScratchDir dir;
  const StreamConfig config = SmallState();
  StreamProcessor writer(nullptr, FilterConfig{}, config);
  Feed(writer, config, kDocs);
  const std::string good_path = dir / "good.idx";
  writer.SaveState(good_path);
  const std::string good = Slurp(good_path);
  ASSERT_GT(good.size(), 300u);
  ASSERT_LT(good.size(), 4096u) << "the test means a small file";

  StreamProcessor reader(nullptr, FilterConfig{}, config);
  reader.LoadState(good_path);
  const std::string bad_path = dir / "bad.idx";
  // Every bit of the first 512 bytes (the header and the sections'
  // headers), then one bit of every byte, turn by turn: each load costs a
  // few milliseconds under the sanitizers, and every byte of the file is
  // under its checksums alike.
  std::size_t refused = 0, flipped = 0;
  for (std::size_t byte = 0; byte < good.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      if (byte >= 512 && bit != static_cast<int>(byte % 8)) continue;
      ++flipped;
      std::string bad = good;
      bad[byte] = static_cast<char>(bad[byte] ^ (1 << bit));
      Spit(bad_path, bad);
      try {
        reader.LoadState(bad_path);
        ADD_FAILURE() << "byte " << byte << " bit " << bit << " loaded";
      } catch (const Error& e) {
        EXPECT_EQ(e.where(), bad_path);
        ++refused;
      }
    }
  }
  EXPECT_EQ(refused, flipped);
  const std::size_t head = std::min<std::size_t>(good.size(), 512);
  EXPECT_EQ(flipped, head * 8 + (good.size() - head));
  // Nothing of the refused files was taken: the stream goes on as from the
  // good file, whose documents are all duplicates now.
  std::string output;
  Feed(reader, config, kDocs, &output);
  EXPECT_EQ(output, "");
  EXPECT_EQ(reader.stats().documents_in, 3u);
}

TEST(StateFileTest, DamagedHeaderIsReportedAsDamage) {
  ScratchDir dir;
  const StreamConfig config = SmallState();
  StreamProcessor p(nullptr, FilterConfig{}, config);
  Feed(p, config, kDocs);
  p.SaveState(dir / "a.idx");
  std::string data = Slurp(dir / "a.idx");
  data[12 + 8 + 4] ^= 1;  // the index header's shingle size: not "another --doc-shingle"
  Spit(dir / "a.idx", data);
  try {
    p.LoadState(dir / "a.idx");
    FAIL() << "loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), "index file is damaged (checksum mismatch)");
  }
}

// The saved state's byte order is the file's, not the machine's: numbers
// are little-endian at fixed places (decide.cpp, doc_dedup.cpp), and the
// file ends with the XXH3-64 of every byte before it, little-endian.
std::uint64_t LittleEndian(const std::string& data, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= std::uint64_t{static_cast<unsigned char>(data[at + i])} << (8 * i);
  return v;
}

TEST(StateFileTest, LayoutIsLittleEndianAndVersioned) {
  ScratchDir dir;
  const StreamConfig config = SmallState();
  StreamProcessor p(nullptr, FilterConfig{}, config);
  Feed(p, config, kDocs);
  p.SaveState(dir / "a.idx");
  const std::string data = Slurp(dir / "a.idx");
  ASSERT_GT(data.size(), 200u);
  EXPECT_EQ(data.substr(0, 8), "WINNOWST");
  EXPECT_EQ(LittleEndian(data, 8, 4), 5u);              // the state's version
  EXPECT_EQ(data.substr(12, 8), "WINNOWIX");            // the document index's header
  EXPECT_EQ(LittleEndian(data, 20, 4), 6u);             // its version
  EXPECT_EQ(LittleEndian(data, 24, 4), 5u);             // shingle words (default)
  EXPECT_EQ(LittleEndian(data, 28, 4), static_cast<std::uint64_t>(config.doc.permutations));
  EXPECT_EQ(LittleEndian(data, 44, 8), config.doc.seed);
  EXPECT_EQ(std::bit_cast<double>(LittleEndian(data, 52, 8)), config.doc.threshold);
  EXPECT_EQ(LittleEndian(data, 60, 8), 4u);             // next ordinal: three documents read
  EXPECT_EQ(LittleEndian(data, 76, 8), 3u);             // indexed documents
  const std::size_t end = data.size() - 8;
  EXPECT_EQ(LittleEndian(data, end, 8), XXH3_64bits(data.data(), end));
}

// A state file of another format version is refused by name, before
// anything else in it is read.
TEST(StateFileTest, OtherVersionsAreRefusedSayingWhy) {
  ScratchDir dir;
  const StreamConfig config = SmallState();
  StreamProcessor p(nullptr, FilterConfig{}, config);
  Feed(p, config, kDocs);
  p.SaveState(dir / "a.idx");
  const std::string good = Slurp(dir / "a.idx");
  for (std::uint32_t version : {4u, 6u, 0x05000000u}) {
    std::string data = good;
    for (int i = 0; i < 4; ++i) data[8 + i] = static_cast<char>(version >> (8 * i));
    Spit(dir / "b.idx", data);
    try {
      p.LoadState(dir / "b.idx");
      ADD_FAILURE() << "version " << version << " loaded";
    } catch (const Error& e) {
      EXPECT_EQ(e.message(), "index file format version " + std::to_string(version) +
                                 "; this winnow reads version 5 only (the file was made by another "
                                 "winnow: run that winnow on it, or start a new index)");
    }
  }
}

// Saving replaces a symbolic link's target, not the link, keeps the file's
// permission bits, and leaves no temporary file.
TEST(StateFileTest, SavingKeepsLinksAndModes) {
  ScratchDir dir;
  const StreamConfig config = SmallState();
  StreamProcessor p(nullptr, FilterConfig{}, config);
  Feed(p, config, kDocs);
  fs::create_directory(dir / "store");
  p.SaveState(dir / "store/real.idx");
  ASSERT_EQ(::chmod((dir / "store/real.idx").c_str(), 0640), 0);
  fs::create_symlink("store/real.idx", dir / "link.idx");
  const std::string before = Slurp(dir / "store/real.idx");

  StreamProcessor q(nullptr, FilterConfig{}, config);
  q.LoadState(dir / "link.idx");
  Feed(q, config, "A new page about the harbour and its ferry timetable today.\n\0"s);
  q.SaveState(dir / "link.idx");
  EXPECT_TRUE(fs::is_symlink(dir / "link.idx"));
  EXPECT_EQ(fs::read_symlink(dir / "link.idx"), "store/real.idx");
  struct stat st;
  ASSERT_EQ(::stat((dir / "store/real.idx").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_NE(Slurp(dir / "store/real.idx"), before);
  EXPECT_EQ(dir.Names(), (std::vector<std::string>{"link.idx", "store"}));
  std::vector<std::string> stored;
  for (const auto& e : fs::directory_iterator(dir / "store")) stored.push_back(e.path().filename().string());
  std::sort(stored.begin(), stored.end());
  // The names of its documents beside the real file, whatever path named it.
  EXPECT_EQ(stored, (std::vector<std::string>{"real.idx", "real.idx.names"}));
}

// Two files written at once to one path have their own temporary names.
TEST(StateFileTest, TemporaryNamesAreUnique) {
  ScratchDir dir;
  {
    AtomicFile a(dir / "x");
    AtomicFile b(dir / "x");
    EXPECT_NE(a.temp_name(), b.temp_name());
    a.Write("first");
    b.Write("second");
    a.Commit();
    EXPECT_EQ(Slurp(dir / "x"), "first");
    b.Commit();
  }
  EXPECT_EQ(Slurp(dir / "x"), "second");
  EXPECT_EQ(dir.Names(), std::vector<std::string>{"x"});
  {
    AtomicFile c(dir / "x");
    c.Write("abandoned");
  }
  EXPECT_EQ(Slurp(dir / "x"), "second");
  EXPECT_EQ(dir.Names(), std::vector<std::string>{"x"});
}

TEST(StateLockTest, SecondLockFailsAtOnceOrWaits) {
  ScratchDir dir;
  const std::string path = dir / "state.idx";
  auto first = std::make_unique<StateLock>(path, false);
  try {
    StateLock second(path, false);
    FAIL() << "two locks held at once";
  } catch (const Error& e) {
    EXPECT_EQ(e.where(), path);
    EXPECT_NE(e.message().find("in use by another winnow run"), std::string::npos) << e.message();
  }
  std::atomic<bool> got{false};
  std::thread waiter([&] {
    StateLock third(path, true);
    got = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(got) << "the waiting lock did not wait";
  first.reset();
  waiter.join();
  EXPECT_TRUE(got);
  StateLock again(path, false);  // free again
}

}  // namespace
}  // namespace winnow
