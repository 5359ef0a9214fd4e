// A multimap from 64-bit hash keys to 32-bit ids, for indexes that only grow
// until they are cleared (one document's paragraphs, a stream's bands).
//
// Open addressing with linear probing maps a key to the head of its posting
// list; postings live in one arena vector, newest first. No allocation per
// key or per posting, 16 bytes per slot and 8 per posting.
#ifndef WINNOW_DETAIL_POSTING_INDEX_HPP_
#define WINNOW_DETAIL_POSTING_INDEX_HPP_

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace winnow::detail {

class PostingIndex {
 public:
  void Add(std::uint64_t key, std::uint32_t id) {
    if ((used_ + 1) * 2 > slots_.size()) Grow();
    Slot& slot = Find(key);
    if (slot.generation != generation_) {
      slot = {key, kEmpty, generation_};
      ++used_;
    }
    postings_.push_back({id, slot.head});
    slot.head = static_cast<std::uint32_t>(postings_.size() - 1);
  }

  // The size of the slot array (16 bytes a slot).
  std::size_t slot_count() const { return slots_.size(); }

  // Calls f(id) for the ids added under `key`, newest first, while f
  // returns true (f may also return void: then all ids are visited).
  template <typename F>
  void ForEach(std::uint64_t key, F&& f) const {
    if (slots_.empty()) return;
    const Slot& slot = FindConst(key);
    if (slot.generation != generation_) return;
    for (std::uint32_t p = slot.head; p != kEmpty; p = postings_[p].next) {
      if constexpr (std::is_void_v<decltype(f(std::uint32_t{}))>) {
        f(postings_[p].id);
      } else if (!f(postings_[p].id)) {
        return;
      }
    }
  }

  // Empties the index in constant time: slots of older generations count
  // as empty. The slot array is kept for the next document: allocated
  // again whenever a larger document followed smaller ones, its fresh
  // pages cost the system more time than the index itself. Only an array
  // beyond kKeptSlots that this use left mostly empty is given back.
  void Clear() {
    if (slots_.size() > kKeptSlots && used_ * 16 < slots_.size()) {
      slots_.clear();
      slots_.shrink_to_fit();
    } else if (++generation_ == 0) {  // wrapped: really empty every slot
      std::fill(slots_.begin(), slots_.end(), Slot{});
      generation_ = 1;
    }
    postings_.clear();
    used_ = 0;
  }

 private:
  static constexpr std::uint32_t kEmpty = 0xFFFFFFFFu;
  static constexpr std::size_t kKeptSlots = std::size_t{1} << 16;  // 1 MiB
  struct Slot {
    std::uint64_t key = 0;
    std::uint32_t head = kEmpty;
    std::uint32_t generation = 0;  // in use when equal to generation_
  };
  struct Posting {
    std::uint32_t id;
    std::uint32_t next;
  };

  std::size_t Probe(std::uint64_t key) const {
    const std::size_t mask = slots_.size() - 1;
    // Keys are hashes already; mix once more so patterned keys spread too.
    std::size_t i = static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ULL) >> 17) & mask;
    while (slots_[i].generation == generation_ && slots_[i].key != key) i = (i + 1) & mask;
    return i;
  }
  Slot& Find(std::uint64_t key) { return slots_[Probe(key)]; }
  const Slot& FindConst(std::uint64_t key) const { return slots_[Probe(key)]; }

  void Grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(old.empty() ? 64 : old.size() * 2, Slot{});
    const std::uint32_t live = generation_;
    generation_ = 1;
    for (Slot s : old) {
      if (s.generation != live) continue;
      s.generation = generation_;
      Find(s.key) = s;
    }
  }

  std::vector<Slot> slots_;
  std::vector<Posting> postings_;
  std::size_t used_ = 0;
  std::uint32_t generation_ = 1;
};

}  // namespace winnow::detail

#endif  // WINNOW_DETAIL_POSTING_INDEX_HPP_
