// A multimap from 64-bit hash keys to 32-bit ids, for indexes that only grow
// until they are cleared (one document's paragraphs, a stream's bands).
//
// Open addressing with linear probing maps a key to the head of its posting
// list; postings live in one arena vector, newest first. No allocation per
// key or per posting, 16 bytes per slot and 8 per posting.
#ifndef WINNOW_DETAIL_POSTING_INDEX_HPP_
#define WINNOW_DETAIL_POSTING_INDEX_HPP_

#include <cstdint>
#include <type_traits>
#include <vector>

namespace winnow::detail {

class PostingIndex {
 public:
  void Add(std::uint64_t key, std::uint32_t id) {
    if ((used_ + 1) * 2 > slots_.size()) Grow();
    Slot& slot = Find(key);
    if (slot.head == kEmpty) {
      slot.key = key;
      ++used_;
    }
    postings_.push_back({id, slot.head});
    slot.head = static_cast<std::uint32_t>(postings_.size() - 1);
  }

  // Calls f(id) for the ids added under `key`, newest first, while f
  // returns true (f may also return void: then all ids are visited).
  template <typename F>
  void ForEach(std::uint64_t key, F&& f) const {
    if (slots_.empty()) return;
    const Slot& slot = FindConst(key);
    for (std::uint32_t p = slot.head; p != kEmpty; p = postings_[p].next) {
      if constexpr (std::is_void_v<decltype(f(std::uint32_t{}))>) {
        f(postings_[p].id);
      } else if (!f(postings_[p].id)) {
        return;
      }
    }
  }

  void Clear() {
    slots_.clear();
    postings_.clear();
    used_ = 0;
  }

 private:
  static constexpr std::uint32_t kEmpty = 0xFFFFFFFFu;
  struct Slot {
    std::uint64_t key = 0;
    std::uint32_t head = kEmpty;
  };
  struct Posting {
    std::uint32_t id;
    std::uint32_t next;
  };

  std::size_t Probe(std::uint64_t key) const {
    const std::size_t mask = slots_.size() - 1;
    // Keys are hashes already; mix once more so patterned keys spread too.
    std::size_t i = static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ULL) >> 17) & mask;
    while (slots_[i].head != kEmpty && slots_[i].key != key) i = (i + 1) & mask;
    return i;
  }
  Slot& Find(std::uint64_t key) { return slots_[Probe(key)]; }
  const Slot& FindConst(std::uint64_t key) const { return slots_[Probe(key)]; }

  void Grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(old.empty() ? 64 : old.size() * 2, Slot{});
    for (const Slot& s : old) {
      if (s.head != kEmpty) Find(s.key) = s;
    }
  }

  std::vector<Slot> slots_;
  std::vector<Posting> postings_;
  std::size_t used_ = 0;
};

}  // namespace winnow::detail

#endif  // WINNOW_DETAIL_POSTING_INDEX_HPP_
