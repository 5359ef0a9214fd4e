#include "winnow/detail/pattern_scan.hpp"

#include <algorithm>
#include <cstdlib>
#include <new>
#include <cstring>
#include <type_traits>

#include "winnow/detail/xxhash.hpp"

#ifdef WINNOW_HAVE_HYPERSCAN
#include <dlfcn.h>
#include <hs/hs.h>
#include <sys/resource.h>
#endif

namespace winnow::detail {

bool HyperscanSafe(std::string_view p) {
  constexpr std::uint64_t kMaxCount = 100;
  if (p.size() > 4096) return false;  // a very long pattern: RE2 alone
  auto ascii_punct = [](unsigned char c) {
    return c >= 0x21 && c <= 0x7E && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                                       (c >= 'A' && c <= 'Z'));
  };
  for (std::size_t i = 0; i < p.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(p[i]);
    if (c == '\\') {
      if (++i == p.size()) return false;
      const unsigned char e = static_cast<unsigned char>(p[i]);
      switch (e) {
        case 's': case 'S': case 'd': case 'D': case 'w': case 'W': case 'b': case 'B':
        case 't': case 'n': case 'r': case 'f':
          continue;
        case 'x':
          continue;  // \xHH and \x{HHHH}: the same code point to both
        default:
          if (ascii_punct(e)) continue;  // an escaped metacharacter
          return false;  // \p \Q \C \A \z \v \0 ... : left to RE2
      }
    }
    if (c == '{') {
      // A repeat of at least kMaxCount makes Hyperscan's compile slow and
      // its automaton large: such a pattern stays with RE2.
      std::size_t j = i + 1;
      int count = 0, counts = 0;
      bool big = false;
      for (;; ++counts) {
        std::size_t k = j;
        std::uint64_t value = 0;
        while (k < p.size() && p[k] >= '0' && p[k] <= '9' && k - j < 12) value = value * 10 + (p[k++] - '0');
        if (k > j) ++count;
        // Only the least count matters: the prefilter widens the most away.
        big = big || (counts == 0 && value > kMaxCount);
        j = k;
        if (counts == 0 && j < p.size() && p[j] == ',') {
          ++j;
          continue;
        }
        break;
      }
      if (count > 0 && j < p.size() && p[j] == '}' && big) return false;
    }
    if (c == '(' && i + 1 < p.size() && p[i + 1] == '?') {
      // Only (?: and the flag groups (?i) (?i: (?-s) ..., flags i m s U.
      std::size_t k = i + 2;
      while (k < p.size() && (p[k] == 'i' || p[k] == 'm' || p[k] == 's' || p[k] == 'U' || p[k] == '-')) ++k;
      if (k >= p.size() || (p[k] != ')' && p[k] != ':')) return false;
      i = k;
    }
  }
  return true;
}

bool MultilineSafe(std::string_view p) {
  // Flag groups only: not an escaped "\(?" ("\(?(image|photo)" is an
  // optional parenthesis before a group) nor a "(?" inside a class.
  bool in_class = false;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\') {
      ++i;
      continue;
    }
    if (in_class) {
      in_class = c != ']';
      continue;
    }
    if (c == '[') {
      // A ']' first in a class (after an optional '^') is a member.
      in_class = true;
      if (i + 1 < p.size() && p[i + 1] == '^') ++i;
      if (i + 1 < p.size() && p[i + 1] == ']') ++i;
      continue;
    }
    if (c != '(' || i + 1 >= p.size() || p[i + 1] != '?') continue;
    for (std::size_t k = i + 2; k < p.size() && p[k] != ')' && p[k] != ':'; ++k) {
      if (p[k] == 'm') return false;
    }
  }
  return true;
}

std::string WidenRepeats(std::string_view p) {
  std::string out;
  out.reserve(p.size());
  bool in_class = false;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  for (std::size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\') {
      out += c;
      if (i + 1 < p.size()) out += p[++i];
      continue;
    }
    if (in_class) {
      in_class = c != ']';
      out += c;
      continue;
    }
    if (c == '[') {
      // A ']' first in a class (after an optional '^') is a member.
      in_class = true;
      out += c;
      if (i + 1 < p.size() && p[i + 1] == '^') out += p[++i];
      if (i + 1 < p.size() && p[i + 1] == ']') out += p[++i];
      continue;
    }
    if (c == '{') {
      std::size_t j = i + 1;
      while (j < p.size() && digit(p[j])) ++j;
      if (j > i + 1 && j < p.size() && p[j] == ',') {
        std::size_t k = j + 1;
        while (k < p.size() && digit(p[k])) ++k;
        if (k > j + 1 && k < p.size() && p[k] == '}') {
          const std::string_view min = p.substr(i + 1, j - i - 1);
          if (min.find_first_not_of('0') == std::string_view::npos) {
            out += '*';
          } else {
            out += '{';
            out += min;
            out += ",}";
          }
          i = k;
          continue;
        }
      }
    }
    out += c;
  }
  return out;
}

namespace {

// The index just past the class that starts at p[i] == '[', or npos.
std::size_t ClassEnd(std::string_view p, std::size_t i) {
  std::size_t k = i + 1;
  if (k < p.size() && p[k] == '^') ++k;
  if (k < p.size() && p[k] == ']') ++k;  // a ']' first is a member
  while (k < p.size()) {
    if (p[k] == '\\') {
      k += 2;
    } else if (p[k] == '[' && k + 1 < p.size() && p[k + 1] == ':') {
      const std::size_t end = p.find(":]", k + 2);
      if (end == std::string_view::npos) return end;
      k = end + 2;
    } else if (p[k] == ']') {
      return k + 1;
    } else {
      ++k;
    }
  }
  return std::string_view::npos;
}

bool FlagChar(char c) { return c == 'i' || c == 'm' || c == 's' || c == 'U' || c == '-'; }

// The end of a flag group "(?flags)" starting at p[i], or npos.
std::size_t FlagGroupEnd(std::string_view p, std::size_t i) {
  if (p.substr(i, 2) != "(?") return std::string_view::npos;
  std::size_t k = i + 2;
  while (k < p.size() && FlagChar(p[k])) ++k;
  return k < p.size() && p[k] == ')' ? k + 1 : std::string_view::npos;
}

}  // namespace

std::string PrefilterCore(std::string_view p) {
  constexpr std::size_t npos = std::string_view::npos;
  constexpr std::uint64_t kMany = ~std::uint64_t{0};
  enum class Kind { kChar, kGroup, kBroad, kOther, kAnchor };
  struct Atom {
    std::size_t begin, end;  // with its quantifier
    Kind kind;
    std::uint64_t min, max;
  };
  const std::string unchanged(p);
  std::size_t i = 0;
  std::string_view flags;
  if (const std::size_t e = FlagGroupEnd(p, 0); e != npos) {
    flags = p.substr(0, e);
    i = e;
  }
  std::vector<Atom> atoms;
  while (i < p.size()) {
    Atom a{i, i, Kind::kChar, 1, 1};
    const unsigned char c = static_cast<unsigned char>(p[i]);
    if (c == '|' || c == ')' || c == '*' || c == '+' || c == '?') return unchanged;
    if (c == '(') {
      if (FlagGroupEnd(p, i) != npos) return unchanged;  // flags from here on
      int depth = 0;
      std::size_t k = i;
      for (; k < p.size(); ++k) {
        if (p[k] == '\\') {
          ++k;
        } else if (p[k] == '[') {
          const std::size_t e = ClassEnd(p, k);
          if (e == npos) return unchanged;
          k = e - 1;
        } else if (p[k] == '(') {
          ++depth;
        } else if (p[k] == ')' && --depth == 0) {
          break;
        }
      }
      if (k >= p.size()) return unchanged;
      i = k + 1;
      a.kind = Kind::kGroup;
    } else if (c == '[') {
      const std::size_t e = ClassEnd(p, i);
      if (e == npos) return unchanged;
      const std::string_view body = p.substr(i + 1, e - i - 2);
      bool broad = !body.empty() && body[0] == '^';
      for (std::size_t k = 0; k + 1 < body.size(); ++k) {
        if (body[k] != '\\') continue;
        const char x = body[++k];
        broad = broad || x == 'w' || x == 'W' || x == 'S' || x == 'D';
      }
      a.kind = broad ? Kind::kBroad : Kind::kOther;
      i = e;
    } else if (c == '\\') {
      if (i + 1 >= p.size()) return unchanged;
      const char e = p[i + 1];
      if (e == 'x') {
        if (i + 2 < p.size() && p[i + 2] == '{') {
          const std::size_t close = p.find('}', i);
          if (close == npos) return unchanged;
          i = close + 1;
        } else {
          i = std::min(p.size(), i + 4);
        }
      } else {
        i += 2;
        if (e == 'b' || e == 'B') {
          a.kind = Kind::kAnchor;
        } else if (e == 'S' || e == 'W' || e == 'D') {
          a.kind = Kind::kBroad;
        } else if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z')) {
          a.kind = e == 't' || e == 'n' || e == 'r' || e == 'f' ? Kind::kChar : Kind::kOther;
        }
      }
    } else if (c == '^' || c == '$') {
      ++i;
      a.kind = Kind::kAnchor;
    } else if (c == '.') {
      ++i;
      a.kind = Kind::kBroad;
    } else {
      // One code point (its quantifier repeats all of its bytes).
      const std::size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
      i = std::min(p.size(), i + len);
    }
    // Its quantifier, if any.
    if (i < p.size()) {
      const char q = p[i];
      bool quantified = true;
      if (q == '*') {
        a.min = 0, a.max = kMany, ++i;
      } else if (q == '+') {
        a.max = kMany, ++i;
      } else if (q == '?') {
        a.min = 0, a.max = 1, ++i;
      } else if (q == '{') {
        // {m}, {m,} or {m,n}; anything else is a literal '{'.
        std::size_t k = i + 1;
        std::uint64_t m = 0, n = 0;
        const std::size_t m_begin = k;
        while (k < p.size() && p[k] >= '0' && p[k] <= '9' && k - m_begin < 9) m = m * 10 + (p[k++] - '0');
        bool ok = k > m_begin;
        n = m;
        if (ok && k < p.size() && p[k] == ',') {
          ++k;
          const std::size_t n_begin = k;
          n = 0;
          while (k < p.size() && p[k] >= '0' && p[k] <= '9' && k - n_begin < 9) n = n * 10 + (p[k++] - '0');
          if (k == n_begin) n = kMany;
        }
        ok = ok && k < p.size() && p[k] == '}';
        if (ok) {
          a.min = m, a.max = n, i = k + 1;
        } else {
          quantified = false;
        }
      } else {
        quantified = false;
      }
      if (quantified && i < p.size() && p[i] == '?') ++i;  // lazy
    }
    a.end = i;
    atoms.push_back(a);
  }
  // The part kept is around the atom that must occur and is most
  // selective: the longest run of literal characters, or the group whose
  // shortest alternative is longest. From it, the nearest broad loop on
  // each side is cut away with everything beyond it.
  const std::size_t n = atoms.size();
  if (n == 0) return unchanged;  // empty, or flags alone
  std::vector<std::size_t> strength(n, 0);
  for (std::size_t k = 0; k < n; ++k) {
    const Atom& a = atoms[k];
    if (a.min == 0) continue;
    if (a.kind == Kind::kChar) {
      if (a.max != 1) {
        strength[k] = 1;
        continue;
      }
      // A run of single characters counts as one literal.
      std::size_t end = k, bytes = 0;
      while (end < n && atoms[end].kind == Kind::kChar && atoms[end].min == 1 && atoms[end].max == 1) {
        bytes += atoms[end].end - atoms[end].begin;
        ++end;
      }
      for (std::size_t r = k; r < end; ++r) strength[r] = bytes;
      k = end - 1;
    } else if (a.kind == Kind::kGroup) {
      // The shortest top-level alternative, in pattern bytes.
      std::size_t body = a.begin + 1;
      const std::size_t close = p.rfind(')', a.end - 1);
      if (p.substr(body, 1) == "?") {
        const std::size_t colon = p.find(':', body);
        body = colon == npos || colon > close ? close : colon + 1;
      }
      std::size_t shortest = npos, start = body;
      int depth = 0;
      for (std::size_t k2 = body; k2 <= close; ++k2) {
        const char ch = p[k2];
        if (k2 < close && ch == '\\') {
          ++k2;
        } else if (k2 < close && ch == '[') {
          k2 = ClassEnd(p, k2) - 1;
        } else if (k2 < close && ch == '(') {
          ++depth;
        } else if (k2 < close && ch == ')') {
          --depth;
        } else if (k2 == close || (ch == '|' && depth == 0)) {
          shortest = std::min(shortest, k2 - start);
          start = k2 + 1;
        }
      }
      strength[k] = shortest == npos ? 0 : shortest;
    }
  }
  std::size_t core = 0;
  for (std::size_t k = 1; k < n; ++k) {
    if (strength[k] > strength[core]) core = k;
  }
  if (strength[core] == 0) return unchanged;
  auto broad_loop = [](const Atom& a) { return a.kind == Kind::kBroad && a.max > 1; };
  std::size_t front = 0, back = n;
  for (std::size_t k = 0; k < core; ++k) {
    if (broad_loop(atoms[k])) front = k + 1;
  }
  for (std::size_t k = n; k-- > core + 1;) {
    if (broad_loop(atoms[k])) back = k;
  }
  if (front == 0 && back == n) return unchanged;
  std::string out(flags);
  out += p.substr(atoms[front].begin, atoms[back - 1].end - atoms[front].begin);
  return out;
}

#ifdef WINNOW_HAVE_HYPERSCAN
namespace {

// Hyperscan's functions, from libhs.so.5 loaded when first needed: a run
// that never compiles an automaton (a small input, a limit on its address
// space) does not map the library's 10 MB, and winnow runs where it is not
// installed.
struct HsApi {
  decltype(&::hs_compile_multi) compile_multi;
  decltype(&::hs_compile_lit_multi) compile_lit_multi;
  decltype(&::hs_free_compile_error) free_compile_error;
  decltype(&::hs_free_database) free_database;
  decltype(&::hs_alloc_scratch) alloc_scratch;
  decltype(&::hs_free_scratch) free_scratch;
  decltype(&::hs_scan) scan;
  decltype(&::hs_valid_platform) valid_platform;
  decltype(&::hs_version) version;
  decltype(&::hs_serialize_database) serialize_database;
  decltype(&::hs_deserialize_database) deserialize_database;
};

const HsApi* LoadHs() {
  void* lib = ::dlopen("libhs.so.5", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) return nullptr;
  static HsApi api;
  auto get = [&](auto* slot, const char* name) {
    *slot = reinterpret_cast<std::remove_pointer_t<decltype(slot)>>(::dlsym(lib, name));
    return *slot != nullptr;
  };
  const bool ok = get(&api.compile_multi, "hs_compile_multi") &&
                  get(&api.compile_lit_multi, "hs_compile_lit_multi") &&
                  get(&api.free_compile_error, "hs_free_compile_error") &&
                  get(&api.free_database, "hs_free_database") &&
                  get(&api.alloc_scratch, "hs_alloc_scratch") &&
                  get(&api.free_scratch, "hs_free_scratch") && get(&api.scan, "hs_scan") &&
                  get(&api.valid_platform, "hs_valid_platform") &&
                  get(&api.version, "hs_version") &&
                  get(&api.serialize_database, "hs_serialize_database") &&
                  get(&api.deserialize_database, "hs_deserialize_database");
  // The CPU must run Hyperscan's code (SSSE3 at least; it picks the best
  // of its builds for this CPU itself).
  if (!ok || api.valid_platform() != HS_SUCCESS) return nullptr;
  return &api;
}

const HsApi* Hs() {
  static const HsApi* const api = LoadHs();
  return api;
}

hs_database_t* Db(void* p) { return static_cast<hs_database_t*>(p); }

// One scratch space per thread, grown to fit every database it scans
// (Hyperscan's hs_alloc_scratch() grows a scratch given to it); freed when
// the thread ends.
struct ThreadScratch {
  hs_scratch_t* scratch = nullptr;
  ~ThreadScratch() {
    if (scratch) Hs()->free_scratch(scratch);
  }
};
thread_local ThreadScratch t_scratch;

hs_scratch_t* ScratchFor(const hs_database_t* a, const hs_database_t* b) {
  if (a && Hs()->alloc_scratch(a, &t_scratch.scratch) != HS_SUCCESS) return nullptr;
  if (b && Hs()->alloc_scratch(b, &t_scratch.scratch) != HS_SUCCESS) return nullptr;
  return t_scratch.scratch;
}

// Scans with the thread's scratch; on HS_INVALID (a scratch from before
// that does not fit this database) grows it once and scans again.
template <typename Context>
bool Scan(const hs_database_t* db, const hs_database_t* other, std::string_view text,
          match_event_handler on_match, Context* context) {
  hs_scratch_t* scratch = t_scratch.scratch;
  if (scratch == nullptr && (scratch = ScratchFor(db, other)) == nullptr) return false;
  hs_error_t rc = Hs()->scan(db, text.data(), static_cast<unsigned>(text.size()), 0, scratch,
                          on_match, context);
  if (rc == HS_INVALID) {
    if ((scratch = ScratchFor(db, other)) == nullptr) return false;
    rc = Hs()->scan(db, text.data(), static_cast<unsigned>(text.size()), 0, scratch, on_match,
                 context);
  }
  return rc == HS_SUCCESS;
}

}  // namespace
#endif

// A build that made no image (tools/scanner_image) links this one.
__attribute__((weak)) std::string_view PrebuiltScannerImage() { return {}; }

#ifdef WINNOW_HAVE_HYPERSCAN
namespace {

// The flags every regex is compiled with, and the version of Image()'s
// layout: both are part of the key.
// Multi-line, every match reported: one scan of a document's lines, joined
// by '\n', reports each line's candidates at their end offsets (see
// ScanRegexEnds).
constexpr unsigned kRegexFlags = HS_FLAG_UTF8 | HS_FLAG_PREFILTER | HS_FLAG_MULTILINE | HS_FLAG_ALLOWEMPTY;
// 2: regexes cut to PrefilterCore(); 3: multi-line, every match
constexpr std::uint32_t kImageVersion = 3;
constexpr char kImageMagic[8] = {'w', 'i', 'n', 'n', 'o', 'w', 'H', 'S'};

// What an image's databases were compiled from: the patterns with their
// ids, the flags, the layout and Hyperscan's version.
std::uint64_t PatternKey(const std::vector<std::pair<int, std::string>>& regexes,
                         const std::vector<std::pair<int, std::string>>& literals,
                         std::string_view hs_version) {
  std::string text = "winnow pattern scanner " + std::to_string(kImageVersion) + " " +
                     std::to_string(kRegexFlags) + " " + std::string(hs_version) + "\n";
  for (const auto* list : {&regexes, &literals}) {
    for (const auto& [id, pattern] : *list) {
      text += std::to_string(id) + " " + std::to_string(pattern.size()) + " " + pattern + "\n";
    }
    text += "--\n";
  }
  return XXH3_64bits(text.data(), text.size());
}

void PutBytes(std::string* out, const void* p, std::size_t n) {
  out->append(static_cast<const char*>(p), n);
}

// Reads an image front to back; every read checks what is left.
struct ImageReader {
  std::string_view rest;
  template <typename T>
  bool Get(T* value) {
    if (rest.size() < sizeof(T)) return false;
    std::memcpy(value, rest.data(), sizeof(T));
    rest.remove_prefix(sizeof(T));
    return true;
  }
  bool Bytes(std::size_t n, std::string_view* out) {
    if (rest.size() < n) return false;
    *out = rest.substr(0, n);
    rest.remove_prefix(n);
    return true;
  }
};

}  // namespace
#endif

ScannerBuild::ScannerBuild(std::vector<std::pair<int, std::string>> regexes,
                           std::vector<std::pair<int, std::string>> literals,
                           std::uint64_t after_bytes)
    : regexes_(std::move(regexes)),
      literals_(std::move(literals)),
      after_bytes_(after_bytes),
      image_after_(PrebuiltScannerImage().empty() ? after_bytes
                                                  : std::min(after_bytes, kImageAfter)) {
  if (after_bytes_ == 0) {
    started_ = true;
    image_tried_ = true;
    scanner_ = PatternScanner::FromImage(regexes_, literals_, PrebuiltScannerImage());
    if (!scanner_) scanner_ = std::make_unique<PatternScanner>(regexes_, literals_);
    ready_.store(scanner_.get(), std::memory_order_release);
  }
}

ScannerBuild::~ScannerBuild() = default;

void ScannerBuild::Start(bool compile) {
  // The first thread over the threshold builds; the others go on with RE2
  // meanwhile (they never wait for the build).
  std::unique_lock<std::mutex> lock(mutex_, std::try_to_lock);
  if (!lock.owns_lock() || started_.load(std::memory_order_relaxed)) return;
  try {
    if (!image_tried_.load(std::memory_order_relaxed)) {
      image_tried_.store(true, std::memory_order_relaxed);
      scanner_ = PatternScanner::FromImage(regexes_, literals_, PrebuiltScannerImage());
      if (scanner_) {
        started_.store(true, std::memory_order_relaxed);
        ready_.store(scanner_.get(), std::memory_order_release);
        return;
      }
    }
    if (!compile) return;
    started_.store(true, std::memory_order_relaxed);
    scanner_ = std::make_unique<PatternScanner>(regexes_, literals_);
    ready_.store(scanner_.get(), std::memory_order_release);
  } catch (const std::bad_alloc&) {
    // No memory for the automaton: RE2 goes on matching every line.
    started_.store(true, std::memory_order_relaxed);
  }
}

bool PatternScanner::Possible() {
#ifdef WINNOW_HAVE_HYPERSCAN
  // Under a limit on its address space (ulimit -v), winnow keeps to RE2,
  // whose memory README's bound covers: Hyperscan's code and its compile
  // would take some 20 MB more.
  rlimit limit{};
  return !(::getrlimit(RLIMIT_AS, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY);
#else
  return false;
#endif
}

bool PatternScanner::Available() {
#ifdef WINNOW_HAVE_HYPERSCAN
  return Possible() && Hs() != nullptr;
#else
  return false;
#endif
}

PatternScanner::PatternScanner(const std::vector<std::pair<int, std::string>>& regexes,
                               const std::vector<std::pair<int, std::string>>& literals) {
#ifdef WINNOW_HAVE_HYPERSCAN
  if (!Available()) return;
  key_ = PatternKey(regexes, literals, Hs()->version());
  // Regexes: each checked alone first, so that one Hyperscan refuses (or
  // whose syntax is not safe to hand it) stays with RE2 and the others
  // still compile together.
  const unsigned flags = kRegexFlags;
  std::vector<const char*> expressions;
  std::vector<unsigned> flag_list, hs_ids;
  std::vector<std::string> widened;
  widened.reserve(regexes.size());
  for (const auto& [id, pattern] : regexes) {
    if (!HyperscanSafe(pattern)) continue;
    hs_ids.push_back(static_cast<unsigned>(regex_ids_.size()));
    regex_ids_.push_back(id);
    widened.push_back(WidenRepeats(PrefilterCore(pattern)));
    flag_list.push_back(flags);
  }
  for (const std::string& w : widened) expressions.push_back(w.c_str());
  // Several rounds: a database that does not compile names the expression
  // at fault, which goes back to RE2.
  while (!expressions.empty()) {
    hs_database_t* db = nullptr;
    hs_compile_error_t* error = nullptr;
    if (Hs()->compile_multi(expressions.data(), flag_list.data(), hs_ids.data(),
                         static_cast<unsigned>(expressions.size()), HS_MODE_BLOCK, nullptr, &db,
                         &error) == HS_SUCCESS) {
      regex_db_ = db;
      break;
    }
    const int bad = error ? error->expression : -1;
    Hs()->free_compile_error(error);
    if (bad < 0) {  // not one expression's fault: everything stays with RE2
      expressions.clear();
      break;
    }
    expressions.erase(expressions.begin() + bad);
    flag_list.erase(flag_list.begin() + bad);
    hs_ids.erase(hs_ids.begin() + bad);
  }
  if (regex_db_ != nullptr) {
    hs_ids_ = hs_ids;
    for (unsigned h : hs_ids) compiled_ids_.push_back(regex_ids_[h]);
    std::sort(compiled_ids_.begin(), compiled_ids_.end());
  }

  if (!literals.empty()) {
    std::vector<const char*> lits;
    std::vector<std::size_t> lens;
    std::vector<unsigned> lit_flags, ids;
    for (const auto& [id, text] : literals) {
      ids.push_back(static_cast<unsigned>(literal_ids_.size()));
      literal_ids_.push_back(id);
      literal_sizes_.push_back(static_cast<std::uint32_t>(text.size()));
      lits.push_back(text.data());
      lens.push_back(text.size());
      lit_flags.push_back(0);
    }
    hs_database_t* db = nullptr;
    hs_compile_error_t* error = nullptr;
    if (Hs()->compile_lit_multi(lits.data(), lit_flags.data(), ids.data(), lens.data(),
                             static_cast<unsigned>(lits.size()), HS_MODE_BLOCK, nullptr, &db,
                             &error) == HS_SUCCESS) {
      literal_db_ = db;
      shortest_literal_ = *std::min_element(literal_sizes_.begin(), literal_sizes_.end());
    } else {
      Hs()->free_compile_error(error);
      literal_ids_.clear();
      literal_sizes_.clear();
    }
  }
#else
  (void)regexes;
  (void)literals;
#endif
}

PatternScanner::~PatternScanner() {
#ifdef WINNOW_HAVE_HYPERSCAN
  if (regex_db_) Hs()->free_database(Db(regex_db_));
  if (literal_db_) Hs()->free_database(Db(literal_db_));
#endif
}

std::unique_ptr<PatternScanner> PatternScanner::FromImage(
    const std::vector<std::pair<int, std::string>>& regexes,
    const std::vector<std::pair<int, std::string>>& literals, std::string_view image) {
  std::unique_ptr<PatternScanner> scanner(new PatternScanner());
  if (!scanner->Load(regexes, literals, image)) return nullptr;
  return scanner;
}

// The image: kImageMagic, kImageVersion (u32), the key (u64), the number
// of Hyperscan ids in the regex database (u32) and the ids (u32 each),
// then each database's size (u64) and its serialised bytes (size 0: none),
// regexes first; in the byte order of the machine (the key holds
// Hyperscan's version, whose databases are only read where they were
// compiled for).
std::string PatternScanner::Image() const {
  std::string out;
#ifdef WINNOW_HAVE_HYPERSCAN
  if (!Available() || (regex_db_ == nullptr && literal_db_ == nullptr)) return out;
  PutBytes(&out, kImageMagic, sizeof(kImageMagic));
  PutBytes(&out, &kImageVersion, sizeof(kImageVersion));
  PutBytes(&out, &key_, sizeof(key_));
  const auto ids = static_cast<std::uint32_t>(hs_ids_.size());
  PutBytes(&out, &ids, sizeof(ids));
  for (unsigned h : hs_ids_) {
    const auto id = static_cast<std::uint32_t>(h);
    PutBytes(&out, &id, sizeof(id));
  }
  for (void* db : {regex_db_, literal_db_}) {
    std::uint64_t size = 0;
    char* bytes = nullptr;
    std::size_t length = 0;
    if (db != nullptr) {
      if (Hs()->serialize_database(Db(db), &bytes, &length) != HS_SUCCESS) return {};
      size = length;
    }
    PutBytes(&out, &size, sizeof(size));
    if (bytes != nullptr) {
      PutBytes(&out, bytes, length);
      std::free(bytes);  // Hyperscan's allocator is malloc's
    }
  }
#endif
  return out;
}

bool PatternScanner::Load(const std::vector<std::pair<int, std::string>>& regexes,
                          const std::vector<std::pair<int, std::string>>& literals,
                          std::string_view image) {
#ifdef WINNOW_HAVE_HYPERSCAN
  if (image.empty() || !Available()) return false;
  ImageReader in{image};
  std::string_view magic;
  std::uint32_t version = 0, ids = 0;
  std::uint64_t key = 0;
  if (!in.Bytes(sizeof(kImageMagic), &magic) ||
      magic != std::string_view(kImageMagic, sizeof(kImageMagic)) || !in.Get(&version) ||
      version != kImageVersion || !in.Get(&key) ||
      key != PatternKey(regexes, literals, Hs()->version()) || !in.Get(&ids)) {
    return false;
  }
  // The regexes handed to Hyperscan, in order, as the compile picks them.
  std::vector<int> regex_ids;
  for (const auto& [id, pattern] : regexes) {
    if (HyperscanSafe(pattern)) regex_ids.push_back(id);
  }
  if (ids > regex_ids.size()) return false;
  std::vector<unsigned> hs_ids(ids);
  for (unsigned& h : hs_ids) {
    std::uint32_t v = 0;
    if (!in.Get(&v) || v >= regex_ids.size()) return false;
    h = v;
  }
  hs_database_t* dbs[2] = {nullptr, nullptr};
  bool ok = true;
  for (hs_database_t*& db : dbs) {
    std::uint64_t size = 0;
    std::string_view bytes;
    if (!in.Get(&size) || !in.Bytes(static_cast<std::size_t>(size), &bytes)) {
      ok = false;
      break;
    }
    if (size > 0 && Hs()->deserialize_database(bytes.data(), bytes.size(), &db) != HS_SUCCESS) {
      db = nullptr;
      ok = false;
      break;
    }
  }
  // The regex database holds exactly the ids listed; the literal one, when
  // there are literals, all of them.
  ok = ok && in.rest.empty() && (dbs[0] != nullptr) == !hs_ids.empty() &&
       (dbs[1] != nullptr) == !literals.empty();
  if (!ok) {
    for (hs_database_t* db : dbs) {
      if (db != nullptr) Hs()->free_database(db);
    }
    return false;
  }
  key_ = key;
  regex_db_ = dbs[0];
  literal_db_ = dbs[1];
  regex_ids_ = std::move(regex_ids);
  hs_ids_ = std::move(hs_ids);
  for (unsigned h : hs_ids_) compiled_ids_.push_back(regex_ids_[h]);
  std::sort(compiled_ids_.begin(), compiled_ids_.end());
  for (const auto& [id, text] : literals) {
    literal_ids_.push_back(id);
    literal_sizes_.push_back(static_cast<std::uint32_t>(text.size()));
  }
  if (!literal_sizes_.empty()) {
    shortest_literal_ = *std::min_element(literal_sizes_.begin(), literal_sizes_.end());
  }
  from_image_ = true;
  return true;
#else
  (void)regexes;
  (void)literals;
  (void)image;
  return false;
#endif
}

bool PatternScanner::has_regex(int id) const {
  return std::binary_search(compiled_ids_.begin(), compiled_ids_.end(), id);
}

#ifdef WINNOW_HAVE_HYPERSCAN
namespace {
struct RegexContext {
  const std::vector<int>* ids;
  std::vector<int>* out;
  unsigned char* seen;  // per Hyperscan id: reported on this text
};
int OnRegex(unsigned id, unsigned long long, unsigned long long, unsigned, void* ctx) {
  auto* c = static_cast<RegexContext*>(ctx);
  if (c->seen[id]) return 0;  // every match is reported: each id once
  c->seen[id] = 1;
  c->out->push_back((*c->ids)[id]);
  return 0;
}
struct RegexEndContext {
  const std::vector<int>* ids;
  void (*fn)(void*, int, std::size_t);
  void* f;
};
int OnRegexEnd(unsigned id, unsigned long long, unsigned long long to, unsigned, void* ctx) {
  auto* c = static_cast<RegexEndContext*>(ctx);
  c->fn(c->f, (*c->ids)[id], static_cast<std::size_t>(to));
  return 0;
}
struct LiteralContext {
  const std::vector<int>* ids;
  const std::vector<std::uint32_t>* sizes;
  void (*fn)(void*, int, std::size_t, std::size_t);
  void* f;
};
int OnLiteral(unsigned id, unsigned long long, unsigned long long to, unsigned, void* ctx) {
  auto* c = static_cast<LiteralContext*>(ctx);
  const auto end = static_cast<std::size_t>(to);
  c->fn(c->f, (*c->ids)[id], end - (*c->sizes)[id], end);
  return 0;
}
}  // namespace
#endif

bool PatternScanner::ScanRegexes(std::string_view text, std::vector<int>* ids) const {
#ifdef WINNOW_HAVE_HYPERSCAN
  if (regex_db_ == nullptr) return true;
  thread_local std::vector<unsigned char> seen;
  seen.assign(regex_ids_.size(), 0);
  RegexContext context{&regex_ids_, ids, seen.data()};
  return Scan(Db(regex_db_), Db(literal_db_), text, OnRegex, &context);
#else
  (void)text;
  (void)ids;
  return true;
#endif
}

bool PatternScanner::ScanRegexEndsImpl(std::string_view text, RegexEndFn fn, void* f) const {
#ifdef WINNOW_HAVE_HYPERSCAN
  if (regex_db_ == nullptr) return true;
  RegexEndContext context{&regex_ids_, fn, f};
  return Scan(Db(regex_db_), Db(literal_db_), text, OnRegexEnd, &context);
#else
  (void)text;
  (void)fn;
  (void)f;
  return true;
#endif
}

bool PatternScanner::ScanLiteralsImpl(std::string_view text, LiteralFn fn, void* f) const {
#ifdef WINNOW_HAVE_HYPERSCAN
  if (literal_db_ == nullptr) return true;
  // Most lines of a page are shorter than any phrase: nothing to scan.
  if (text.size() < shortest_literal_) return true;
  LiteralContext context{&literal_ids_, &literal_sizes_, fn, f};
  return Scan(Db(literal_db_), Db(regex_db_), text, OnLiteral, &context);
#else
  (void)text;
  (void)fn;
  (void)f;
  return true;
#endif
}

}  // namespace winnow::detail
