// Multimaps from 64-bit hash keys to 32-bit ids, for indexes that only grow
// until they are cleared (one document's paragraphs, a stream's bands).
//
// Open addressing with linear probing maps a key to the heads of its
// posting lists (PostingTable: kLists lists per key, such as a paragraph
// shingle's "sets holding it" and "samples holding it"); postings live in
// one arena vector, newest first. No allocation per key or per posting,
// 16 bytes per slot (24 with two lists) and 8 per posting.
//
// The slot array is kept from one use to the next, but each use starts
// from a small active part of it (kStartSlots) that doubles as keys come:
// a small document probes a few cache lines, not the whole array a large
// document left behind, and no fresh pages are mapped either way.
#ifndef WINNOW_DETAIL_POSTING_INDEX_HPP_
#define WINNOW_DETAIL_POSTING_INDEX_HPP_

#include <algorithm>
#include <array>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

namespace winnow::detail {

template <int kLists>
class PostingTable {
 public:
  static constexpr std::uint32_t kNone = 0xFFFFFFFFu;

  // Makes room for `n` more keys: Locate() does not move slots (the slot
  // numbers it gave stay valid) until n more keys are added.
  void Reserve(std::size_t n) {
    if ((used_ + n) * 2 <= size_) return;
    std::size_t next = size_ == 0 ? kStartSlots : size_ * 2;
    while ((used_ + n) * 2 > next) next *= 2;
    Grow(next);
  }

  // The slot of `key`, added with empty lists if absent. Needs room
  // (Reserve).
  std::uint32_t Locate(std::uint64_t key) {
    const std::size_t i = Probe(key);
    Slot& slot = slots_[i];
    if (slot.generation != generation_) {
      slot.key = key;
      slot.generation = generation_;
      slot.heads.fill(kNone);
      ++used_;
    }
    return static_cast<std::uint32_t>(i);
  }

  // The slot of `key`, or kNone.
  std::uint32_t Find(std::uint64_t key) const {
    if (size_ == 0) return kNone;
    const std::size_t i = Probe(key);
    return slots_[i].generation == generation_ ? static_cast<std::uint32_t>(i) : kNone;
  }

  // Adds `id` to list `list` of the key in `slot` (from Locate).
  void Add(std::uint32_t slot, int list, std::uint32_t id) {
    std::uint32_t& head = slots_[slot].heads[static_cast<std::size_t>(list)];
    postings_.push_back({id, head});
    head = static_cast<std::uint32_t>(postings_.size() - 1);
  }

  // Calls f(id) for the ids of list `list` of the key in `slot` (from
  // Locate or Find; kNone: none), newest first, while f returns true (f
  // may also return void: then all ids are visited).
  template <typename F>
  void ForEach(std::uint32_t slot, int list, F&& f) const {
    if (slot == kNone) return;
    for (std::uint32_t p = slots_[slot].heads[static_cast<std::size_t>(list)]; p != kEmpty;
         p = postings_[p].next) {
      if constexpr (std::is_void_v<decltype(f(std::uint32_t{}))>) {
        f(postings_[p].id);
      } else if (!f(postings_[p].id)) {
        return;
      }
    }
  }

  // The size of the slot array (16 bytes a slot with one list).
  std::size_t slot_count() const { return slots_.size(); }

  // Empties the table in constant time: slots of older generations count
  // as empty. The slot array is kept for the next use (see above); only an
  // array beyond kKeptSlots that this use left mostly empty is given back.
  void Clear() {
    if (slots_.size() > kKeptSlots && used_ * 16 < slots_.size()) {
      slots_.clear();
      slots_.shrink_to_fit();
      generation_ = 1;
    } else {
      NextGeneration();
    }
    size_ = 0;
    postings_.clear();
    used_ = 0;
  }

 private:
  static constexpr std::uint32_t kEmpty = kNone;
  static constexpr std::size_t kStartSlots = 64;
  static constexpr std::size_t kKeptSlots = std::size_t{1} << 16;
  struct Slot {
    std::uint64_t key = 0;
    std::uint32_t generation = 0;  // in use when equal to generation_
    std::array<std::uint32_t, kLists> heads{};
  };
  struct Posting {
    std::uint32_t id;
    std::uint32_t next;
  };

  std::size_t Probe(std::uint64_t key) const {
    const std::size_t mask = size_ - 1;
    // Keys are hashes already; mix once more so patterned keys spread too.
    std::size_t i = static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ULL) >> 17) & mask;
    while (slots_[i].generation == generation_ && slots_[i].key != key) i = (i + 1) & mask;
    return i;
  }

  // Every slot of an older generation counts as empty.
  void NextGeneration() {
    if (++generation_ == 0) {  // wrapped: really empty every slot
      std::fill(slots_.begin(), slots_.end(), Slot{});
      generation_ = 1;
    }
  }

  // Widens the active part to `next` slots (within the array while it
  // fits), moving the live slots into it.
  void Grow(std::size_t next) {
    // The live slots, out of the way: the old array itself when a larger
    // one replaces it, else a copy of them (none right after a Clear).
    std::vector<Slot> live;
    const std::uint32_t was = generation_;
    if (next > slots_.size()) {
      if (used_ > 0) live.swap(slots_);
      slots_.assign(next, Slot{});
      generation_ = 1;
    } else {
      for (std::size_t i = 0; used_ > 0 && i < size_; ++i) {
        if (slots_[i].generation == was) live.push_back(slots_[i]);
      }
      NextGeneration();
    }
    size_ = next;
    // (Beyond the active part, the old array holds only older generations.)
    for (Slot s : live) {
      if (s.generation != was) continue;
      s.generation = generation_;
      slots_[Probe(s.key)] = s;
    }
  }

  std::vector<Slot> slots_;
  std::vector<Posting> postings_;
  std::size_t size_ = 0;  // the active part: slots_[0, size_), a power of two or 0
  std::size_t used_ = 0;
  std::uint32_t generation_ = 1;
};

// One list per key.
class PostingIndex {
 public:
  void Add(std::uint64_t key, std::uint32_t id) {
    table_.Reserve(1);
    table_.Add(table_.Locate(key), 0, id);
  }

  // Makes room for `n` more keys.
  void Reserve(std::size_t n) { table_.Reserve(n); }

  // The size of the slot array (16 bytes a slot).
  std::size_t slot_count() const { return table_.slot_count(); }

  // Calls f(id) for the ids added under `key`, newest first, while f
  // returns true (f may also return void: then all ids are visited).
  template <typename F>
  void ForEach(std::uint64_t key, F&& f) const {
    table_.ForEach(table_.Find(key), 0, std::forward<F>(f));
  }

  // Empties the index (see PostingTable::Clear).
  void Clear() { table_.Clear(); }

 private:
  PostingTable<1> table_;
};

}  // namespace winnow::detail

#endif  // WINNOW_DETAIL_POSTING_INDEX_HPP_
