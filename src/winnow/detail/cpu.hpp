// The vector instructions winnow's hot paths may use: what the CPU and the
// operating system report, capped by the environment variable WINNOW_CPU,
// read once per process (README, "Environment"):
//   unset, "native"  everything the CPU has;
//   "avx2"           nothing beyond AVX2 (what most x86-64 CPUs in use have);
//   "baseline"       x86-64's own SSE2 only;
//   any other value  as "baseline".
// Every vector path gives the same output as the code beside it, so the
// setting changes speed only: it lets the tests hold each path to the
// reference on one machine, and shows what a CPU without AVX-512 gets.
// The build takes no -march: each path is compiled for its instructions
// alone (target attributes) and chosen by these flags at run time.
#ifndef WINNOW_DETAIL_CPU_HPP_
#define WINNOW_DETAIL_CPU_HPP_

namespace winnow::detail {

struct CpuFeatures {
  bool avx2 = false;         // AVX2 and BMI1/2
  bool avx512bw = false;     // AVX-512 F and BW (and BMI1/2)
  bool avx512vbmi = false;   // ... and VBMI (vpermi2b)
  bool avx512vbmi2 = false;  // ... and VBMI2 (vpcompressb)
};

// The features this process may use (all false off x86-64).
const CpuFeatures& Cpu();

}  // namespace winnow::detail

#endif  // WINNOW_DETAIL_CPU_HPP_
