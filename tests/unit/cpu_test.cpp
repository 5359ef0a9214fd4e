#include "winnow/detail/cpu.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace winnow::detail {
namespace {

// Run by ctest as it is and with WINNOW_CPU=baseline and =avx2 (the vector
// paths' agreement tests under each): the setting must hold.
TEST(CpuTest, TheSettingCapsTheFeatures) {
  const char* setting = std::getenv("WINNOW_CPU");
  const std::string s = setting ? setting : "native";
  const CpuFeatures& f = Cpu();
  // A feature implies the ones it is built on.
  if (f.avx512vbmi || f.avx512vbmi2) EXPECT_TRUE(f.avx512bw);
  if (s == "native") return;
  EXPECT_FALSE(f.avx512bw);
  EXPECT_FALSE(f.avx512vbmi);
  EXPECT_FALSE(f.avx512vbmi2);
  if (s != "avx2") EXPECT_FALSE(f.avx2);
}

}  // namespace
}  // namespace winnow::detail
