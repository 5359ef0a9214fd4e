#include "winnow/detail/ordered_flow.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

namespace winnow::detail {
namespace {

// What happened to each item, checked as it happens: a step out of its
// order is counted as a fault.
struct Trace {
  explicit Trace(std::size_t n) : first(n), ordered(n), second(n) {
    for (std::size_t i = 0; i < n; ++i) first[i] = ordered[i] = second[i] = 0;
  }
  std::vector<std::atomic<int>> first, ordered, second;
  std::atomic<int> faults{0};
  std::vector<std::size_t> order;  // ordered steps, as run (caller's thread only)
};

OrderedFlow::Step First(Trace& trace, std::size_t throw_at = SIZE_MAX) {
  return [&trace, throw_at](std::size_t i, std::size_t) {
    if (i == throw_at) throw std::runtime_error("first");
    // Uneven work, so that items finish out of order.
    volatile unsigned sink = 0;
    for (unsigned k = 0; k < (i % 7) * 2000; ++k) sink = sink + k;
    ++trace.first[i];
  };
}
OrderedFlow::Step Second(Trace& trace, std::size_t throw_at = SIZE_MAX) {
  return [&trace, throw_at](std::size_t i, std::size_t) {
    if (i == throw_at) throw std::runtime_error("second");
    if (trace.ordered[i] != 1) ++trace.faults;
    ++trace.second[i];
  };
}
OrderedFlow::Ordered InOrder(Trace& trace, std::thread::id caller, std::size_t stop_at = SIZE_MAX,
                             std::size_t throw_at = SIZE_MAX) {
  return [&trace, caller, stop_at, throw_at](std::size_t i) {
    if (std::this_thread::get_id() != caller) ++trace.faults;
    if (trace.first[i] != 1) ++trace.faults;
    if (i == throw_at) throw std::runtime_error("ordered");
    trace.order.push_back(i);
    ++trace.ordered[i];
    return i != stop_at;
  };
}

TEST(OrderedFlow, EveryStepOnceInItsOrder) {
  for (std::size_t threads : {1, 2, 4}) {
    ThreadPool pool(threads);
    for (std::size_t n : {0, 1, 2, 3, 200}) {
      for (bool with_second : {true, false}) {
        SCOPED_TRACE(testing::Message() << threads << " threads, " << n << " items, second "
                                        << with_second);
        Trace trace(n);
        OrderedFlow flow(pool, n, First(trace), with_second ? Second(trace) : OrderedFlow::Step());
        flow.Start();
        EXPECT_EQ(flow.Finish(InOrder(trace, std::this_thread::get_id())), n);
        EXPECT_EQ(trace.faults, 0);
        ASSERT_EQ(trace.order.size(), n);
        for (std::size_t i = 0; i < n; ++i) {
          EXPECT_EQ(trace.order[i], i);
          EXPECT_EQ(trace.first[i], 1);
          EXPECT_EQ(trace.ordered[i], 1);
          EXPECT_EQ(trace.second[i], with_second ? 1 : 0);
        }
      }
    }
  }
}

TEST(OrderedFlow, OrderedStepStopsTheFlow) {
  for (std::size_t threads : {1, 2, 3}) {
    SCOPED_TRACE(threads);
    ThreadPool pool(threads);
    const std::size_t n = 50, stop = 17;
    Trace trace(n);
    OrderedFlow flow(pool, n, First(trace), Second(trace));
    flow.Start();
    EXPECT_EQ(flow.Finish(InOrder(trace, std::this_thread::get_id(), stop)), stop);
    EXPECT_EQ(trace.faults, 0);
    ASSERT_EQ(trace.order.size(), stop + 1);  // the stopping item's ordered step ran
    for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(trace.second[i], i < stop ? 1 : 0) << i;
  }
}

TEST(OrderedFlow, AFailingStepIsRethrownAndNothingAfterItIsOrdered) {
  struct Case {
    const char* what;
    std::size_t first_throws, ordered_throws, second_throws;
  };
  const std::size_t n = 60;
  for (const Case& c : {Case{"first", 23, SIZE_MAX, SIZE_MAX}, Case{"ordered", SIZE_MAX, 23, SIZE_MAX},
                        Case{"second", SIZE_MAX, SIZE_MAX, 23}}) {
    for (std::size_t threads : {1, 2, 4}) {
      SCOPED_TRACE(testing::Message() << c.what << ", " << threads << " threads");
      ThreadPool pool(threads);
      Trace trace(n);
      OrderedFlow flow(pool, n, First(trace, c.first_throws), Second(trace, c.second_throws));
      flow.Start();
      try {
        flow.Finish(InOrder(trace, std::this_thread::get_id(), SIZE_MAX, c.ordered_throws));
        ADD_FAILURE() << "no exception";
      } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), c.what);
      }
      if (c.second_throws == SIZE_MAX) {
        // The ordered steps end before the failing item.
        ASSERT_LE(trace.order.size(), std::size_t{23});
        for (std::size_t i = 0; i < trace.order.size(); ++i) EXPECT_EQ(trace.order[i], i);
      }
      // The pool is free for the next flow.
      Trace next(5);
      OrderedFlow again(pool, 5, First(next), Second(next));
      again.Start();
      EXPECT_EQ(again.Finish(InOrder(next, std::this_thread::get_id())), 5u);
      EXPECT_EQ(next.faults, 0);
    }
  }
}

TEST(OrderedFlow, AFlowLeftUnfinishedStopsWhenDestroyed) {
  ThreadPool pool(3);
  auto trace = std::make_unique<Trace>(1000);
  {
    OrderedFlow flow(pool, 1000, First(*trace), Second(*trace));
    flow.Start();
    // The caller throws before Finish: the flow's end waits for the steps
    // under way, so that `trace` may go after it.
  }
  int started = 0;
  for (std::size_t i = 0; i < 1000; ++i) started += trace->first[i];
  EXPECT_LE(started, 1000);
  for (std::size_t i = 0; i < 1000; ++i) EXPECT_EQ(trace->second[i], 0);
  trace.reset();
  Trace next(5);
  OrderedFlow again(pool, 5, First(next), Second(next));
  again.Start();
  EXPECT_EQ(again.Finish(InOrder(next, std::this_thread::get_id())), 5u);
}

}  // namespace
}  // namespace winnow::detail
