#include "winnow/stage_times.hpp"

#include <chrono>

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

std::uint64_t StageClock() {
#if defined(__x86_64__) || defined(__i386__)
  return __rdtsc();
#else
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
#endif
}

namespace {

// The clocks at the program's start, against which the tick rate is measured.
struct Origin {
  std::uint64_t ticks = StageClock();
  std::chrono::steady_clock::time_point time = std::chrono::steady_clock::now();
};
const Origin g_origin;

}  // namespace

double StageSeconds(std::uint64_t ticks) {
#if defined(__x86_64__) || defined(__i386__)
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - g_origin.time).count();
  const std::uint64_t counted = StageClock() - g_origin.ticks;
  if (elapsed <= 0 || counted == 0) return 0;
  return static_cast<double>(ticks) * elapsed / static_cast<double>(counted);
#else
  return static_cast<double>(ticks) / 1e9;
#endif
}

}  // namespace winnow
