// One automaton pass over a line for many patterns, by Hyperscan.
//
// A PatternScanner holds two Hyperscan databases, built once and then only
// read (any number of threads may scan with one scanner):
//  - regexes, compiled in prefilter mode (HS_FLAG_PREFILTER | HS_FLAG_UTF8):
//    a reported id means the line *may* match that pattern, and the caller
//    confirms with RE2; an id not reported means it does not match. The
//    caller scans only valid UTF-8 with it (Hyperscan's UTF-8 mode is
//    undefined on other input).
//  - literals (the normalised phrases of `contains` rules), matched exactly:
//    every occurrence is reported with its start and end offsets.
// Hyperscan picks its code for the running CPU at run time (its "fat
// runtime"); winnow loads libhs.so.5 itself when it first compiles. When
// winnow is built without Hyperscan, the library is not installed, the CPU
// lacks what it needs (SSSE3) or the address space is limited, nothing is
// compiled: Available() is false and every pattern stays with RE2.
#ifndef WINNOW_DETAIL_PATTERN_SCAN_HPP_
#define WINNOW_DETAIL_PATTERN_SCAN_HPP_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace winnow::detail {

class PatternScanner {
 public:
  // `regexes` and `literals` are (id, pattern) pairs; ids are the caller's
  // (any int >= 0). A regex Hyperscan cannot compile, or whose syntax might
  // mean something else to Hyperscan than to RE2 (HyperscanSafe), is left
  // out: has_regex(id) tells. Literals are bytes, compiled as they are.
  PatternScanner(const std::vector<std::pair<int, std::string>>& regexes,
                 const std::vector<std::pair<int, std::string>>& literals);
  ~PatternScanner();
  // A scanner of the same patterns loaded from `image` (Image()'s bytes)
  // instead of compiled: in a millisecond instead of half a second. Null
  // when the image was made from other patterns (or by another version of
  // winnow), or Hyperscan refuses it here (another Hyperscan version, a
  // CPU without the features it was compiled for): then compile. A scanner
  // loaded reports the same ids as one compiled.
  static std::unique_ptr<PatternScanner> FromImage(
      const std::vector<std::pair<int, std::string>>& regexes,
      const std::vector<std::pair<int, std::string>>& literals, std::string_view image);
  PatternScanner(const PatternScanner&) = delete;
  PatternScanner& operator=(const PatternScanner&) = delete;

  // Whether Hyperscan may be used: built in, and no limit on the address
  // space (see README). Cheap: loads nothing.
  static bool Possible();
  // Whether it is: Possible(), libhs.so.5 loads (at the first call) and
  // runs on this CPU.
  static bool Available();

  // The compiled databases with a key of the patterns they were compiled
  // from, as bytes for the constructor above; empty when nothing was
  // compiled or Hyperscan cannot serialise.
  std::string Image() const;
  // Whether the databases came from an image.
  bool from_image() const { return from_image_; }

  bool has_regex(int id) const;
  bool has_literals() const { return literal_db_ != nullptr; }
  bool has_regexes() const { return regex_db_ != nullptr; }
  std::size_t regex_count() const { return compiled_ids_.size(); }

  // Appends to *ids the id of every regex that may match `text` (each id
  // once, in no particular order). `text` must be valid UTF-8. Returns
  // false when the scan could not run (no scratch memory): then nothing is
  // known, and the caller matches otherwise.
  bool ScanRegexes(std::string_view text, std::vector<int>* ids) const;
  // Calls f(id, end) for every match of a regex in `text` (valid UTF-8),
  // at each offset where one ends, in no particular order; false as
  // above. The regexes are compiled multi-line (^ and $ also match at a
  // '\n'), so that scanning lines joined by '\n' reports every line a
  // regex may match at an end inside that line or at its '\n', unless the
  // pattern turns multi-line off itself (MultilineSafe).
  template <typename F>
  bool ScanRegexEnds(std::string_view text, F f) const {
    return ScanRegexEndsImpl(text, &CallRegexEnd<F>, &f);
  }
  // Calls f(id, begin, end) for every occurrence of every literal in
  // `text`; false as above.
  template <typename F>
  bool ScanLiterals(std::string_view text, F f) const {
    return ScanLiteralsImpl(text, &CallLiteral<F>, &f);
  }

 private:
  using LiteralFn = void (*)(void* f, int id, std::size_t begin, std::size_t end);
  template <typename F>
  static void CallLiteral(void* f, int id, std::size_t begin, std::size_t end) {
    (*static_cast<F*>(f))(id, begin, end);
  }
  bool ScanLiteralsImpl(std::string_view text, LiteralFn fn, void* f) const;
  using RegexEndFn = void (*)(void* f, int id, std::size_t end);
  template <typename F>
  static void CallRegexEnd(void* f, int id, std::size_t end) {
    (*static_cast<F*>(f))(id, end);
  }
  bool ScanRegexEndsImpl(std::string_view text, RegexEndFn fn, void* f) const;
  PatternScanner() = default;
  // FromImage()'s work; false leaves the scanner as it was.
  bool Load(const std::vector<std::pair<int, std::string>>& regexes,
            const std::vector<std::pair<int, std::string>>& literals, std::string_view image);

  std::uint64_t key_ = 0;  // of the patterns, see Image()
  bool from_image_ = false;
  std::vector<unsigned> hs_ids_;  // the Hyperscan ids in regex_db_
  void* regex_db_ = nullptr;    // hs_database_t*
  void* literal_db_ = nullptr;  // hs_database_t*
  std::vector<int> regex_ids_;  // Hyperscan id -> caller's id
  std::vector<int> compiled_ids_;  // the caller's ids in regex_db_, sorted
  std::vector<int> literal_ids_;
  std::vector<std::uint32_t> literal_sizes_;
  std::size_t shortest_literal_ = 0;  // bytes
};

// A PatternScanner built when it pays: Hyperscan takes about half a second
// to compile winnow's default patterns, more than a small input takes to
// match with RE2 alone. The thread whose Get() brings the text asked about
// to `after_bytes` bytes builds it (the constructor, when 0); until it is
// built Get() returns null and the caller matches with RE2, as it does for
// good when the build fails. Where winnow's build made an image
// (PrebuiltScannerImage()), building is loading it, in about a millisecond:
// that is tried at kImageAfter bytes already (or after_bytes, when fewer),
// and the compile waits for after_bytes only when the image does not fit
// the patterns. Shared by a rule set and its clones.
class ScannerBuild {
 public:
  // Text (bytes) matched by RE2 alone before the prebuilt image is loaded:
  // an input smaller than this does not map Hyperscan's library at all.
  static constexpr std::uint64_t kImageAfter = std::uint64_t{64} << 10;

  ScannerBuild(std::vector<std::pair<int, std::string>> regexes,
               std::vector<std::pair<int, std::string>> literals, std::uint64_t after_bytes);
  ~ScannerBuild();
  ScannerBuild(const ScannerBuild&) = delete;
  ScannerBuild& operator=(const ScannerBuild&) = delete;

  // The scanner, or null while it is not built; `bytes` (the text about to
  // be matched) counts towards the thresholds.
  const PatternScanner* Get(std::size_t bytes) {
    const PatternScanner* s = ready_.load(std::memory_order_acquire);
    if (s != nullptr || started_.load(std::memory_order_relaxed)) return s;
    const std::uint64_t seen = seen_.fetch_add(bytes, std::memory_order_relaxed) + bytes;
    const std::uint64_t due =
        image_tried_.load(std::memory_order_relaxed) ? after_bytes_ : image_after_;
    if (seen >= due) Start(seen >= after_bytes_);
    return ready_.load(std::memory_order_acquire);
  }

 private:
  // Loads the image if not tried yet; compiles when that fails and
  // `compile`.
  void Start(bool compile);
  std::vector<std::pair<int, std::string>> regexes_, literals_;
  const std::uint64_t after_bytes_, image_after_;
  std::atomic<std::uint64_t> seen_{0};
  std::atomic<bool> image_tried_{false};
  std::atomic<bool> started_{false};
  std::atomic<const PatternScanner*> ready_{nullptr};
  std::unique_ptr<PatternScanner> scanner_;
  std::mutex mutex_;  // held by the building thread
};

// The image of the default rules' databases that winnow's build made
// (tools/scanner_image), or empty: then they are compiled at run time. A
// weak symbol: programs built without the image get the empty one.
std::string_view PrebuiltScannerImage();

// Whether `pattern` (RE2 syntax, valid) uses only syntax that Hyperscan
// reads with the same meaning or a wider one: no Unicode property classes,
// quoting, octal, back-reference-like or Perl-only escapes, no named
// groups, only the flags i, m, s and U; no repeat of at least 101 ({101},
// {101,}, {101,200}) and at most 4096 bytes (beyond which Hyperscan's
// compile grows slow). Hyperscan's wider readings (its \s
// also holds \v, its $ also matches before a final \n) only add candidates
// that RE2 then turns down.
bool HyperscanSafe(std::string_view pattern);

// Whether `pattern` leaves ^ and $ as the scanner compiles them: it has no
// flag group that names m ((?m), (?-m), (?sm:...)), which could turn
// multi-line matching off for part of it.
bool MultilineSafe(std::string_view pattern);

// `pattern` with every bounded repeat {m,n} made unbounded ({m,}, or * for
// m = 0): a wider language, so still a prefilter, that Hyperscan compiles
// in milliseconds where {0,120} of a UTF-8 class takes a second.
std::string WidenRepeats(std::string_view pattern);

// The part of `pattern` (RE2 syntax, HyperscanSafe) that Hyperscan is
// given as its prefilter, when a cheaper one exists: a contiguous run of the
// pattern's top-level concatenation, matched anywhere in the line (the
// anchors of a cut end dropped with it). Any such run matches, at the same
// offsets, every line the whole pattern matches, so it is a wider language
// and RE2 still decides. What is cut is a leading or trailing loop over a
// broad class (`[^.!?]{0,80}`, `.*`, `[\w ]{0,30}`): a loop that keeps
// Hyperscan's automaton busy on every byte of every line, where the rest,
// with a literal in it, is found by its literal matcher. The leading flag
// group ((?i)) is kept. A pattern with a top-level alternation, a flag group
// elsewhere at the top, or no such loop comes back as it is.
std::string PrefilterCore(std::string_view pattern);

}  // namespace winnow::detail

#endif  // WINNOW_DETAIL_PATTERN_SCAN_HPP_
