#include "winnow/reader.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

namespace winnow {
namespace {

TEST(ReadAllTest, ReadsEverythingWithTinyChunks) {
  const std::string data(10000, 'x');
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  ASSERT_EQ(write(fds[1], data.data(), data.size()), static_cast<ssize_t>(data.size()));
  close(fds[1]);
  std::string out;
  ReadAll(fds[0], "pipe", &out, 7);
  close(fds[0]);
  EXPECT_EQ(out, data);
}

}  // namespace
}  // namespace winnow
