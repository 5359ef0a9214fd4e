// One batch of items through three steps, with the in-order step on the
// calling thread overlapping the parallel ones (the pipeline's phases A, B
// and C, stream.hpp):
//   first    any thread, any order;
//   ordered  the calling thread, in item order, item i once its first step
//            is done;
//   second   any thread, item i once its ordered step is done.
// The pool's threads take first steps, then second ones as they are
// released. The calling thread takes second steps, else first ones, and
// the ordered steps in one run once every first step is done (or when
// nothing else is left to take), so that the second steps of the items
// decided run beside the ordered steps of the later ones instead of after
// all of them. Runs, not one ordered step between others: the in-order
// work (document dedup, repeated lines) reads large tables, which stay in
// the cache through a run (measured: a fifth more time for it when run an
// item at a time). With one thread the order is every first step, every
// ordered one, every second one.
//
// A flow is Start()ed (the pool's threads begin), then Finish()ed by the
// caller, who is free to do other work in between. The steps of one item
// must not depend on which thread runs them beyond scratch space and counts
// that are summed.
#ifndef WINNOW_DETAIL_ORDERED_FLOW_HPP_
#define WINNOW_DETAIL_ORDERED_FLOW_HPP_

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <utility>
#include <vector>

#include "winnow/detail/thread_pool.hpp"

namespace winnow::detail {

class OrderedFlow {
 public:
  // Item i's step on thread t (0: the caller's; ThreadPool::Work).
  using Step = std::function<void(std::size_t i, std::size_t t)>;
  // Item i's ordered step; false stops the flow at i: no later item gets
  // its ordered step, and neither i nor a later item its second step.
  using Ordered = std::function<bool(std::size_t i)>;

  // Items 0..n-1; `second` may be empty (no second step). The pool runs
  // nothing else while the flow is started.
  OrderedFlow(ThreadPool& pool, std::size_t n, Step first, Step second)
      : pool_(pool),
        n_(n),
        first_(std::move(first)),
        second_(std::move(second)),
        first_done_(n, 0),
        ordered_done_(n == 0) {}
  // Threads refer to `this`.
  OrderedFlow(const OrderedFlow&) = delete;
  OrderedFlow& operator=(const OrderedFlow&) = delete;
  // A flow started and not finished (the caller threw in between) is
  // stopped: steps under way end, no new one starts.
  ~OrderedFlow() {
    if (!started_) return;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    changed_.notify_all();
    try {
      pool_.Finish();
    } catch (...) {
    }
  }

  // The pool's threads start taking steps.
  void Start() {
    if (pool_.threads() == 1) return;
    pool_.Start(pool_.threads() - 1, [this](std::size_t, std::size_t t) { Help(t); });
    started_ = true;
  }

  // Runs `ordered` on the calling thread for every item in order, taking
  // other steps while the next item is not ready, and returns when every
  // step is done: the number of items whose ordered step returned true
  // (stopped at that item, or n). Rethrows the first exception a step
  // threw; steps under way still end, no new one starts.
  std::size_t Finish(const Ordered& ordered) {
    std::size_t at = 0;
    bool running = false;  // in a run of ordered steps
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stop_) {
      while (ready_ < n_ && first_done_[ready_]) ++ready_;
      const bool ready = !ordered_done_ && ready_ > at;
      const bool other = next_second_ < released_ || (!ordered_done_ && next_first_ < n_);
      running = ready && (running || ready_ == n_ || !other);
      if (running) {
        lock.unlock();
        bool go = false;
        try {
          go = ordered(at);
        } catch (...) {
          lock.lock();
          Fail(std::current_exception());
          break;
        }
        lock.lock();
        if (go) ++at;
        if (second_ && go) released_ = at;
        ordered_done_ = !go || at == n_;
        if (waiting_ > 0) changed_.notify_all();
        continue;
      }
      if (TakeSecond(0, lock) || (!ordered_done_ && TakeFirst(0, lock))) continue;
      if (ordered_done_) break;
      ++waiting_;
      changed_.wait(lock);
      --waiting_;
    }
    lock.unlock();
    if (started_) {
      started_ = false;
      pool_.Finish();  // the steps the pool's threads have under way
    }
    if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
    return at;
  }

 private:
  // A pool thread's loop: first steps while the ordered step needs them,
  // then second ones, until none is left.
  void Help(std::size_t t) {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stop_) {
      if ((!ordered_done_ && TakeFirst(t, lock)) || TakeSecond(t, lock)) continue;
      if (ordered_done_) return;
      ++waiting_;
      changed_.wait(lock);
      --waiting_;
    }
  }

  // Runs the next item's first step, if any is left; with `lock` held
  // before and after.
  bool TakeFirst(std::size_t t, std::unique_lock<std::mutex>& lock) {
    if (next_first_ == n_) return false;
    const std::size_t i = next_first_++;
    if (!Run(first_, i, t, lock)) return true;
    first_done_[i] = 1;
    if (waiting_ > 0) changed_.notify_all();
    return true;
  }
  bool TakeSecond(std::size_t t, std::unique_lock<std::mutex>& lock) {
    if (next_second_ >= released_) return false;
    Run(second_, next_second_++, t, lock);
    return true;
  }
  // Runs a step without the lock; false (the flow stopped) if it threw.
  bool Run(const Step& step, std::size_t i, std::size_t t, std::unique_lock<std::mutex>& lock) {
    lock.unlock();
    std::exception_ptr failure;
    try {
      step(i, t);
    } catch (...) {
      failure = std::current_exception();
    }
    lock.lock();
    if (!failure) return true;
    Fail(failure);
    return false;
  }
  // With the lock held: stops the flow with its first failure.
  void Fail(std::exception_ptr failure) {
    if (!failure_) failure_ = std::move(failure);
    stop_ = true;
    changed_.notify_all();
  }

  ThreadPool& pool_;
  const std::size_t n_;
  const Step first_, second_;
  bool started_ = false;  // the pool's threads run Help (caller's thread only)
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<char> first_done_;
  std::size_t next_first_ = 0, next_second_ = 0;
  std::size_t ready_ = 0;     // items 0..ready_-1 are through their first step
  std::size_t released_ = 0;  // items whose second step may run
  bool ordered_done_;         // no ordered step is left
  bool stop_ = false;         // a step failed, or the caller gave up
  std::size_t waiting_ = 0;   // threads waiting on `changed_`
  std::exception_ptr failure_;
};

}  // namespace winnow::detail

#endif  // WINNOW_DETAIL_ORDERED_FLOW_HPP_
