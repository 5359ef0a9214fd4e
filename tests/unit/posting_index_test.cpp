#include "winnow/detail/posting_index.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <random>
#include <vector>

namespace winnow::detail {
namespace {

std::vector<std::uint32_t> Ids(const PostingIndex& index, std::uint64_t key) {
  std::vector<std::uint32_t> ids;
  index.ForEach(key, [&](std::uint32_t id) { ids.push_back(id); });
  return ids;
}

// Against a std::map model, over rounds of adds and clears of every size
// (so the table grows, is reused by later generations, and shrinks).
TEST(PostingIndexTest, AgreesWithAMapAcrossClears) {
  std::mt19937_64 rng(3);
  PostingIndex index;
  std::map<std::uint64_t, std::vector<std::uint32_t>> previous;
  for (int round = 0; round < 60; ++round) {
    std::map<std::uint64_t, std::vector<std::uint32_t>> model;  // newest first
    const int adds = round % 7 == 0 ? 20000 : static_cast<int>(rng() % 300);
    for (int i = 0; i < adds; ++i) {
      // Few distinct keys, so that keys repeat; some keys differ only in
      // high bits, as patterned hashes might.
      const std::uint64_t key = (rng() % 500) << (round % 2 ? 40 : 0);
      const auto id = static_cast<std::uint32_t>(rng());
      index.Add(key, id);
      auto& ids = model[key];
      ids.insert(ids.begin(), id);
    }
    for (const auto& [key, ids] : model) ASSERT_EQ(Ids(index, key), ids) << "round " << round;
    // Keys of the round before are gone unless added again.
    for (const auto& entry : previous) {
      if (model.count(entry.first) == 0) ASSERT_TRUE(Ids(index, entry.first).empty());
    }
    for (int i = 0; i < 50; ++i) {
      const std::uint64_t key = rng();
      if (model.count(key) == 0) ASSERT_TRUE(Ids(index, key).empty());
    }
    index.Clear();
    for (const auto& entry : model) ASSERT_TRUE(Ids(index, entry.first).empty());
    previous = std::move(model);
  }
}

// The slot array stays from one use to the next (no new pages for each
// document), unless it grew past 1 MiB and the last use left it mostly
// empty.
TEST(PostingIndexTest, KeepsItsSlotsUnlessFarTooMany) {
  PostingIndex index;
  for (std::uint64_t key = 0; key < 5000; ++key) index.Add(key * 0x9E3779B97F4A7C15ULL, 1);
  const std::size_t grown = index.slot_count();
  EXPECT_GE(grown, 10000u);
  index.Clear();
  for (std::uint64_t key = 0; key < 10; ++key) index.Add(key, 2);
  index.Clear();
  EXPECT_EQ(index.slot_count(), grown);
  for (std::uint64_t key = 0; key < 200000; ++key) index.Add(key, 3);
  EXPECT_GE(index.slot_count(), 400000u);
  index.Clear();  // mostly full: kept
  EXPECT_GE(index.slot_count(), 400000u);
  for (std::uint64_t key = 0; key < 10; ++key) index.Add(key, 4);
  EXPECT_EQ(Ids(index, 3), (std::vector<std::uint32_t>{4}));
  index.Clear();  // far too large for 10 keys: given back
  EXPECT_LT(index.slot_count(), 1000u);
  EXPECT_TRUE(Ids(index, 3).empty());
}

// Two lists per key, found once (Locate) and used after: the slots stay
// put while the table has the room it was given, across growth before and
// clears between; a key looked up (Find) but never located is absent.
TEST(PostingTableTest, TwoListsBySlotAgreeWithAMap) {
  std::mt19937_64 rng(5);
  PostingTable<2> table;
  for (int round = 0; round < 30; ++round) {
    std::map<std::uint64_t, std::vector<std::uint32_t>> model[2];  // newest first
    const int batches = 1 + static_cast<int>(rng() % 40);
    for (int b = 0; b < batches; ++b) {
      std::vector<std::uint64_t> keys(rng() % 200);
      for (auto& key : keys) key = rng() % 3000;
      table.Reserve(keys.size());
      std::vector<std::uint32_t> slots;
      for (std::uint64_t key : keys) slots.push_back(table.Locate(key));
      for (std::size_t i = 0; i < keys.size(); ++i) {
        const int list = static_cast<int>(rng() % 2);
        const auto id = static_cast<std::uint32_t>(rng());
        table.Add(slots[i], list, id);
        auto& ids = model[list][keys[i]];
        ids.insert(ids.begin(), id);
      }
    }
    for (int list = 0; list < 2; ++list) {
      for (std::uint64_t key = 0; key < 3000; ++key) {
        std::vector<std::uint32_t> ids;
        table.ForEach(table.Find(key), list, [&](std::uint32_t id) { ids.push_back(id); });
        const auto it = model[list].find(key);
        ASSERT_EQ(ids, it == model[list].end() ? std::vector<std::uint32_t>{} : it->second)
            << "round " << round << " list " << list << " key " << key;
      }
    }
    EXPECT_EQ(table.Find(123456789), PostingTable<2>::kNone);
    table.Clear();
    EXPECT_EQ(table.Find(1), PostingTable<2>::kNone);
  }
}

TEST(PostingIndexTest, ForEachStopsWhenTold) {
  PostingIndex index;
  for (std::uint32_t id = 0; id < 10; ++id) index.Add(42, id);
  std::vector<std::uint32_t> seen;
  index.ForEach(42, [&](std::uint32_t id) {
    seen.push_back(id);
    return seen.size() < 3;
  });
  EXPECT_EQ(seen, (std::vector<std::uint32_t>{9, 8, 7}));
}

}  // namespace
}  // namespace winnow::detail
