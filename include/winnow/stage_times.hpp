// Where a run's time goes, counted by the library itself: the CPU time of
// each pipeline stage, summed over every thread (the same totals whichever
// thread did what, up to the clock's noise).
//
// Ticks are nanoseconds of the calling thread's CPU time: what the system
// charged to it (CLOCK_THREAD_CPUTIME_ID), not the time it waited while
// other processes ran, so that stage times mean the same on a loaded
// machine. Reading that clock is a system call, too slow for three reads a
// line; on x86-64 it is read every fifth of a millisecond, and in between
// the CPU's time-stamp counter (about 25 ns to read) carries it on at the
// rate it last kept, never backwards. Elsewhere the CPU-time clock is read
// every time. Counting costs a clock read per stage per document, and
// three per line for the line stages, so it is switched on only when asked
// for (FilterConfig::time_stages, --stats-json).
#ifndef WINNOW_STAGE_TIMES_HPP_
#define WINNOW_STAGE_TIMES_HPP_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace winnow {

enum class Stage : std::uint8_t {
  kRead,               // reading records (the stream's reader, one thread)
  kParse,              // JSON decoding, splitting into lines and paragraphs
  kNormalize,          // normalising lines and hashing their words
  kRules,              // matching the rule patterns
  kLineFeatures,       // the line model's features
  kLineModel,          // scoring, the sequence pass, list headings
  kRepeatedLines,      // repeated-line keys (per document, in parallel)
  kParagraphDedup,     // paragraph shingles, MinHash, LSH, containment
  kDocumentSignature,  // the document's MinHash signature
  kDocumentDedup,      // the decisions in input order: repeated-line counts, document index
  kRender,             // the kept text as output records
  kWrite,              // explanations, the batch's output, handing it to its sink
  kCount
};
inline constexpr std::size_t kStageCount = static_cast<std::size_t>(Stage::kCount);

// "read", "parse", "normalize", "rules", ... (the --stats-json keys).
std::string_view StageName(Stage stage);

// The calling thread's tick count (see above): differences of two reads in
// one thread count its CPU time between them.
std::uint64_t StageClock();

// `ticks` in seconds.
double StageSeconds(std::uint64_t ticks);

struct StageTimes {
  std::array<std::uint64_t, kStageCount> ticks{};

  std::uint64_t& operator[](Stage s) { return ticks[static_cast<std::size_t>(s)]; }
  std::uint64_t operator[](Stage s) const { return ticks[static_cast<std::size_t>(s)]; }
  void Add(const StageTimes& other) {
    for (std::size_t i = 0; i < kStageCount; ++i) ticks[i] += other.ticks[i];
  }
  std::uint64_t total() const {
    std::uint64_t t = 0;
    for (std::uint64_t x : ticks) t += x;
    return t;
  }
};

// Adds the ticks from construction to destruction to (*times)[stage]; does
// nothing when `times` is null.
class StageTimer {
 public:
  StageTimer(StageTimes* times, Stage stage)
      : times_(times), stage_(stage), start_(times ? StageClock() : 0) {}
  ~StageTimer() {
    if (times_) (*times_)[stage_] += StageClock() - start_;
  }
  StageTimer(const StageTimer&) = delete;
  StageTimer& operator=(const StageTimer&) = delete;

 private:
  StageTimes* times_;
  Stage stage_;
  std::uint64_t start_;
};

}  // namespace winnow

#endif  // WINNOW_STAGE_TIMES_HPP_
