// File descriptors holding given bytes, for the reader tests.
#ifndef WINNOW_TESTS_UNIT_TEST_IO_HPP_
#define WINNOW_TESTS_UNIT_TEST_IO_HPP_

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <string>
#include <thread>
#include <utility>

namespace winnow::testing {

// A pipe whose write end is fed from another thread, so inputs larger than
// the pipe buffer cannot deadlock. The writer writes at most `piece` bytes
// at a time, so a reader also sees short reads.
class PipeFeed {
 public:
  explicit PipeFeed(std::string data, std::size_t piece = 4093) : data_(std::move(data)) {
    // A reader that stops early closes its end: the writer's next write
    // must fail with EPIPE, not kill the test process with SIGPIPE.
    std::signal(SIGPIPE, SIG_IGN);
    int fds[2];
    if (pipe(fds) != 0) std::abort();
    read_fd_ = fds[0];
    const int write_fd = fds[1];
    writer_ = std::thread([this, write_fd, piece] {
      std::size_t done = 0;
      while (done < data_.size()) {
        const std::size_t n_max = std::min(data_.size() - done, piece);
        const ssize_t n = write(write_fd, data_.data() + done, n_max);
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
      }
      close(write_fd);
    });
  }
  ~PipeFeed() {
    close(read_fd_);  // a reader that stopped early makes the writer fail, not block
    writer_.join();
  }
  PipeFeed(const PipeFeed&) = delete;
  PipeFeed& operator=(const PipeFeed&) = delete;
  int fd() const { return read_fd_; }

 private:
  std::string data_;
  int read_fd_;
  std::thread writer_;
};

// A temporary file holding `data`, open for reading from its start, removed
// when destroyed.
class TempFile {
 public:
  explicit TempFile(const std::string& data) {
    char name[] = "/tmp/winnow_test_XXXXXX";
    fd_ = mkstemp(name);
    if (fd_ < 0) std::abort();
    path_ = name;
    std::size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = write(fd_, data.data() + done, data.size() - done);
      if (n <= 0) std::abort();
      done += static_cast<std::size_t>(n);
    }
    if (lseek(fd_, 0, SEEK_SET) != 0) std::abort();
  }
  ~TempFile() {
    close(fd_);
    unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
  std::string path_;
};

}  // namespace winnow::testing

#endif  // WINNOW_TESTS_UNIT_TEST_IO_HPP_
