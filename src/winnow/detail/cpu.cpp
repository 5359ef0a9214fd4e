#include "winnow/detail/cpu.hpp"

#include <cstdlib>
#include <string_view>

namespace winnow::detail {
namespace {

CpuFeatures Detect() {
  CpuFeatures f;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  const bool bmi = __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2");
  f.avx2 = __builtin_cpu_supports("avx2") && bmi;
  f.avx512bw = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && bmi;
  f.avx512vbmi = f.avx512bw && __builtin_cpu_supports("avx512vbmi");
  f.avx512vbmi2 = f.avx512bw && __builtin_cpu_supports("avx512vbmi2");
#endif
  const char* setting = std::getenv("WINNOW_CPU");
  if (setting == nullptr) return f;
  const std::string_view s = setting;
  if (s == "native") return f;
  f.avx512bw = f.avx512vbmi = f.avx512vbmi2 = false;
  if (s != "avx2") f.avx2 = false;
  return f;
}

}  // namespace

const CpuFeatures& Cpu() {
  static const CpuFeatures features = Detect();
  return features;
}

}  // namespace winnow::detail
