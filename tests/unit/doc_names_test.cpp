#include "winnow/doc_names.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "winnow/error.hpp"

namespace winnow {
namespace {

// A fresh directory per test, removed with its files.
class NamesDir {
 public:
  NamesDir() {
    char pattern[] = "/tmp/winnow-names-test-XXXXXX";
    dir_ = ::mkdtemp(pattern);
  }
  ~NamesDir() { std::system(("rm -rf '" + dir_ + "'").c_str()); }
  std::string operator/(const std::string& name) const { return dir_ + "/" + name; }

 private:
  std::string dir_;
};

std::uint64_t FileSize(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

struct Named {
  std::uint64_t ordinal;
  std::string id, url;
};

// Ordinals with gaps (records that were not indexed), names of every
// length up to the limit, some with an id only or a url only.
std::vector<Named> SomeNames(std::size_t count, std::uint64_t first = 1) {
  std::vector<Named> names;
  std::uint64_t ordinal = first;
  for (std::size_t i = 0; i < count; ++i) {
    ordinal += 1 + i % 3;
    std::string id = i % 5 == 4 ? "" : "\"doc-" + std::to_string(ordinal) + "\"";
    std::string url = i % 7 == 6 ? "" : "https://example.org/" + std::to_string(ordinal);
    if (id.empty() && url.empty()) url = "urn:x-" + std::to_string(ordinal);
    if (i % 11 == 0) id += std::string(i % kMaxNameBytes, 'x');
    names.push_back({ordinal, id, url});
  }
  return names;
}

void ExpectFound(DocumentNames& names, const std::vector<Named>& want) {
  for (const Named& n : want) {
    std::string id = "stale", url = "stale";
    ASSERT_TRUE(names.Find(n.ordinal, &id, &url)) << n.ordinal;
    EXPECT_EQ(id, n.id) << n.ordinal;
    EXPECT_EQ(url, n.url) << n.ordinal;
  }
}

TEST(DocumentNamesTest, FindsEveryNameAddedInMemoryAndInBlocks) {
  // Counts around the block size: a pending block only, one whole block,
  // whole blocks and a pending one.
  for (std::size_t count : {std::size_t{1}, std::size_t{kNamesPerBlock - 1}, std::size_t{kNamesPerBlock},
                            std::size_t{kNamesPerBlock + 1}, std::size_t{5 * kNamesPerBlock + 7}}) {
    DocumentNames names;
    const std::vector<Named> want = SomeNames(count);
    for (const Named& n : want) names.Add(n.ordinal, n.id, n.url);
    EXPECT_EQ(names.names(), count);
    ExpectFound(names, want);
    // Ordinals between, before and after the stored ones are not found.
    std::string id, url;
    EXPECT_FALSE(names.Find(0, &id, &url));
    EXPECT_FALSE(names.Find(want.back().ordinal + 1, &id, &url));
    if (count > 2) EXPECT_FALSE(names.Find(want[1].ordinal + 1, &id, &url)) << count;
  }
}

TEST(DocumentNamesTest, DocumentsWithoutNamesOrWithTooLongOnesAreNotStored) {
  DocumentNames names;
  names.Add(1, "", "");
  names.Add(2, std::string(kMaxNameBytes + 1, 'i'), "");
  names.Add(3, std::string(kMaxNameBytes + 1, 'i'), "https://a.example/");
  names.Add(4, std::string(kMaxNameBytes, 'i'), std::string(kMaxNameBytes + 1, 'u'));
  std::string id, url;
  EXPECT_FALSE(names.Find(1, &id, &url));
  EXPECT_FALSE(names.Find(2, &id, &url));
  ASSERT_TRUE(names.Find(3, &id, &url));
  EXPECT_EQ(id, "");
  EXPECT_EQ(url, "https://a.example/");
  ASSERT_TRUE(names.Find(4, &id, &url));
  EXPECT_EQ(id, std::string(kMaxNameBytes, 'i'));
  EXPECT_EQ(url, "");
  EXPECT_EQ(names.names(), 2u);
}

TEST(DocumentNamesTest, SavedNamesAreFoundByTheNextRun) {
  NamesDir dir;
  const std::string path = dir / "x.idx.names";
  const std::vector<Named> first = SomeNames(3 * kNamesPerBlock + 5);
  const std::vector<Named> second = SomeNames(kNamesPerBlock + 9, first.back().ordinal + 1);
  std::uint64_t saved, id;
  {
    DocumentNames names;  // a first run: a temporary file, copied to `path`
    for (const Named& n : first) names.Add(n.ordinal, n.id, n.url);
    saved = names.Save(path);
    id = names.file_id();
    EXPECT_EQ(FileSize(path), saved);
    EXPECT_EQ(names.path(), path);
  }
  std::uint64_t saved_again;
  {
    DocumentNames names;  // a second run appends in place
    names.Open(path, id, saved);
    ExpectFound(names, first);
    for (const Named& n : second) names.Add(n.ordinal, n.id, n.url);
    ExpectFound(names, second);
    saved_again = names.Save(path);
    EXPECT_GT(saved_again, saved);
  }
  DocumentNames names;
  names.Open(path, id, saved_again);
  EXPECT_EQ(names.names(), first.size() + second.size());
  ExpectFound(names, first);
  ExpectFound(names, second);
}

TEST(DocumentNamesTest, NamesOfARunThatNeverSavedAreCutOff) {
  NamesDir dir;
  const std::string path = dir / "x.idx.names";
  const std::vector<Named> kept = SomeNames(kNamesPerBlock + 3);
  std::uint64_t saved, id;
  {
    DocumentNames names;
    names.Open(path, 0, 0);
    for (const Named& n : kept) names.Add(n.ordinal, n.id, n.url);
    saved = names.Save(path);
    id = names.file_id();
  }
  {
    DocumentNames names;  // adds whole blocks, then stops without a save
    names.Open(path, id, saved);
    for (const Named& n : SomeNames(4 * kNamesPerBlock, kept.back().ordinal + 1)) {
      names.Add(n.ordinal, n.id, n.url);
    }
  }
  EXPECT_GT(FileSize(path), saved);
  DocumentNames names;
  names.Open(path, id, saved);
  EXPECT_EQ(FileSize(path), saved);
  EXPECT_EQ(names.names(), kept.size());
  ExpectFound(names, kept);
  std::string i, u;
  EXPECT_FALSE(names.Find(kept.back().ordinal + 2, &i, &u));
}

TEST(DocumentNamesTest, DamagedOrForeignFilesAreRefused) {
  NamesDir dir;
  const std::string path = dir / "x.idx.names";
  std::uint64_t saved, id;
  {
    DocumentNames names;
    for (const Named& n : SomeNames(2 * kNamesPerBlock)) names.Add(n.ordinal, n.id, n.url);
    saved = names.Save(path);
    id = names.file_id();
  }
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  ASSERT_EQ(bytes.size(), saved);
  std::string other;  // another index's names file, of the same size
  {
    DocumentNames names;
    for (const Named& n : SomeNames(2 * kNamesPerBlock)) names.Add(n.ordinal, n.id, n.url);
    names.Save(dir / "y.idx.names");
    std::ifstream in(dir / "y.idx.names", std::ios::binary);
    other.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto flip = [&](std::size_t at, char bit) {
    std::string b = bytes;
    b[at] = static_cast<char>(b[at] ^ bit);
    return b;
  };
  struct Case {
    const char* name;
    std::string content;      // "" with missing: no file
    bool missing;
    bool refused_at_open;     // else found damaged at the lookup of its block
  };
  const Case cases[] = {
      {"shorter than the index says", bytes.substr(0, bytes.size() - 1), false, true},
      {"missing", "", true, true},
      {"another file (magic)", flip(0, 0x20), false, true},
      {"another version", flip(8, 0x01), false, true},
      {"another index's names", other, false, true},
      {"block headers that do not add up", flip(20 + 4, 0x40), false, true},
      {"a flipped bit in a name", flip(bytes.size() - 3, 0x01), false, false},
  };
  const std::uint64_t last = SomeNames(2 * kNamesPerBlock).back().ordinal;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ::unlink(path.c_str());
    if (!c.missing) std::ofstream(path, std::ios::binary) << c.content;
    DocumentNames names;
    if (c.refused_at_open) {
      EXPECT_THROW(names.Open(path, id, saved), Error);
      continue;
    }
    names.Open(path, id, saved);
    std::string i, u;
    EXPECT_TRUE(names.Find(1 + 1, &i, &u));  // the first block is whole
    EXPECT_FALSE(names.damaged());
    EXPECT_FALSE(names.Find(last, &i, &u));
    EXPECT_TRUE(names.damaged());
  }
}

}  // namespace
}  // namespace winnow
