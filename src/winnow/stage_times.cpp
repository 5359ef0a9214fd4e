#include "winnow/stage_times.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

namespace winnow {

std::string_view StageName(Stage stage) {
  switch (stage) {
    case Stage::kRead: return "read";
    case Stage::kParse: return "parse";
    case Stage::kNormalize: return "normalize";
    case Stage::kRules: return "rules";
    case Stage::kLineFeatures: return "line_features";
    case Stage::kLineModel: return "line_model";
    case Stage::kRepeatedLines: return "repeated_lines";
    case Stage::kParagraphDedup: return "paragraph_dedup";
    case Stage::kDocumentSignature: return "document_signature";
    case Stage::kDocumentDedup: return "document_dedup";
    case Stage::kRender: return "render";
    case Stage::kWrite: return "write";
    case Stage::kCount: break;
  }
  return "?";
}

namespace {

std::uint64_t ThreadCpuNanoseconds() {
  timespec t{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<std::uint64_t>(t.tv_sec) * 1000000000u + static_cast<std::uint64_t>(t.tv_nsec);
}

#if defined(__x86_64__) || defined(__i386__)
// Nanoseconds of wall time per time-stamp tick, measured once over a
// millisecond: the rate assumed until a thread's first two readings of
// its CPU clock give its own.
double WallNanosecondsPerTick() {
  static const double rate = [] {
    const auto t0 = std::chrono::steady_clock::now();
    const std::uint64_t c0 = __rdtsc();
    std::chrono::steady_clock::time_point t1;
    do {
      t1 = std::chrono::steady_clock::now();
    } while (t1 - t0 < std::chrono::milliseconds(1));
    const std::uint64_t c1 = __rdtsc();
    const double ns = std::chrono::duration<double, std::nano>(t1 - t0).count();
    return c1 > c0 ? ns / static_cast<double>(c1 - c0) : 1.0;
  }();
  return rate;
}

// One thread's clock: its CPU time read at the last sync, carried on from
// there by the time-stamp counter at the rate the thread last kept.
struct ThreadClock {
  std::uint64_t last = 0;                   // the last value returned
  std::uint64_t sync_cpu = 0, sync_tsc = 0;  // the CPU clock at the last sync
  std::uint64_t next_sync = 0;              // time-stamp of the next sync
  double per_tick = 0;                      // CPU ns per tick, as last measured
};
thread_local ThreadClock t_clock;
#endif

}  // namespace

// Values never go backwards: a carried value that ran ahead of the CPU
// clock holds until the clock catches up. Each sync starts again from the
// CPU clock, so the error stays within one sync's interval instead of
// adding up over a run.
std::uint64_t StageClock() {
#if defined(__x86_64__) || defined(__i386__)
  ThreadClock& c = t_clock;
  const std::uint64_t tsc = __rdtsc();
  if (c.next_sync != 0 && tsc < c.next_sync && tsc >= c.sync_tsc) {
    const auto carried =
        c.sync_cpu + static_cast<std::uint64_t>(static_cast<double>(tsc - c.sync_tsc) * c.per_tick);
    c.last = std::max(c.last, carried);
    return c.last;
  }
  const std::uint64_t cpu = ThreadCpuNanoseconds();
  if (c.next_sync == 0) {  // the thread's first reading
    c.per_tick = WallNanosecondsPerTick();
  } else if (tsc > c.sync_tsc && cpu >= c.sync_cpu) {
    c.per_tick = static_cast<double>(cpu - c.sync_cpu) / static_cast<double>(tsc - c.sync_tsc);
  }
  c.sync_cpu = cpu;
  c.sync_tsc = tsc;
  // About a fifth of a millisecond of wall time.
  c.next_sync = tsc + static_cast<std::uint64_t>(200000.0 / WallNanosecondsPerTick());
  c.last = std::max(c.last, cpu);
  return c.last;
#else
  return ThreadCpuNanoseconds();
#endif
}

double StageSeconds(std::uint64_t ticks) { return static_cast<double>(ticks) / 1e9; }

}  // namespace winnow
