// A fixed set of threads, started once, that run one parallel loop at a
// time: the pipeline's (stream.hpp) per-record phases, batch after batch,
// without starting threads per batch.
//
// A loop is Start()ed, which hands items 0..n-1 to the pool's threads (each
// takes the next item when it is free), and Finish()ed by the caller, whose
// own thread takes items too until none is left and then waits for the
// others. Between the two the caller is free to do other work (read the
// next batch, write the last one). Which thread runs an item is not fixed,
// so an item's work must not depend on it beyond scratch space and counts
// that are summed.
#ifndef WINNOW_DETAIL_THREAD_POOL_HPP_
#define WINNOW_DETAIL_THREAD_POOL_HPP_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace winnow::detail {

class ThreadPool {
 public:
  // The work on item `i`, run by thread `t` (0 is the caller's thread, 1 to
  // threads() - 1 the pool's).
  using Work = std::function<void(std::size_t i, std::size_t t)>;

  // `threads` counts the caller's thread: ThreadPool(1) starts none.
  explicit ThreadPool(std::size_t threads) {
    for (std::size_t t = 1; t < threads; ++t) threads_.emplace_back([this, t] { Loop(t); });
  }
  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (std::thread& th : threads_) th.join();
  }
  // Threads refer to `this`.
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  std::size_t threads() const { return threads_.size() + 1; }

  // Starts work(i, t) for i < n on the pool's threads. `work` must stay
  // valid until Finish() returns; one loop at a time.
  void Start(std::size_t n, Work work) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      work_ = std::move(work);
      n_ = n;
      next_.store(0, std::memory_order_relaxed);
      failure_ = nullptr;
      busy_ = threads_.size();
      ++generation_;
    }
    if (!threads_.empty()) wake_.notify_all();
  }

  // Takes items on the caller's thread (t = 0) until none is left, waits
  // for the pool's threads to finish theirs, and rethrows the first
  // exception any item threw (the other items still ran or were skipped).
  void Finish() {
    Take(0);
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return busy_ == 0; });
    work_ = nullptr;
    if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
  }

  // Start() and Finish() with nothing in between.
  void Run(std::size_t n, Work work) {
    Start(n, std::move(work));
    Finish();
  }

 private:
  void Take(std::size_t t) {
    for (std::size_t i; (i = next_.fetch_add(1, std::memory_order_relaxed)) < n_;) {
      try {
        work_(i, t);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!failure_) failure_ = std::current_exception();
        next_.store(n_, std::memory_order_relaxed);  // the rest is skipped
      }
    }
  }

  void Loop(std::size_t t) {
    std::uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
      }
      Take(t);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (--busy_ > 0) continue;
      }
      done_.notify_one();
    }
  }

  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  bool stop_ = false;
  std::uint64_t generation_ = 0;
  std::size_t busy_ = 0;  // pool threads not yet done with the loop
  Work work_;
  std::size_t n_ = 0;
  std::atomic<std::size_t> next_{0};
  std::exception_ptr failure_;
};

}  // namespace winnow::detail

#endif  // WINNOW_DETAIL_THREAD_POOL_HPP_
