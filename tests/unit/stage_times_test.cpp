#include "winnow/stage_times.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <ctime>
#include <thread>

namespace winnow {
namespace {

std::uint64_t ThreadCpu() {
  timespec t{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<std::uint64_t>(t.tv_sec) * 1000000000u + static_cast<std::uint64_t>(t.tv_nsec);
}

// Keeps the thread busy for `ns` nanoseconds of its own CPU time, reading
// the stage clock as the line stages do; the readings never go backwards.
void BusyFor(std::uint64_t ns) {
  const std::uint64_t end = ThreadCpu() + ns;
  std::uint64_t previous = StageClock();
  volatile std::uint64_t sink = 0;
  while (ThreadCpu() < end) {
    for (int i = 0; i < 1000; ++i) sink = sink + static_cast<std::uint64_t>(i);
    const std::uint64_t now = StageClock();
    ASSERT_GE(now, previous);
    previous = now;
  }
}

// Time the thread spends waiting is not counted: stage times stay the same
// on a machine whose other processes take the CPU.
TEST(StageTimesTest, CountsTheThreadsCpuTimeNotTheWait) {
  BusyFor(5000000);  // the clock's rate is known from here on
  const std::uint64_t before = StageClock();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const std::uint64_t slept = StageClock() - before;
  EXPECT_LT(StageSeconds(slept), 0.005);
}

TEST(StageTimesTest, CountsBusyTimeAsTheSystemDoes) {
  BusyFor(5000000);
  const std::uint64_t cpu0 = ThreadCpu();
  const std::uint64_t before = StageClock();
  BusyFor(50000000);
  const double counted = StageSeconds(StageClock() - before);
  const double cpu = static_cast<double>(ThreadCpu() - cpu0) / 1e9;
  EXPECT_NEAR(counted, cpu, 0.005);
}

}  // namespace
}  // namespace winnow
