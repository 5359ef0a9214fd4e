#include "winnow/normalize.hpp"

#include <utf8proc.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>

#if defined(__SSE2__)
#include <emmintrin.h>  // part of every x86-64 CPU: no dispatch needed
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define WINNOW_ASCII_BLOCKS 1
#endif

#include "winnow/detail/cpu.hpp"

namespace winnow {
namespace {

enum class Kind : unsigned char {
  kSeparator,  // ends a word
  kJoiner,     // dropped inside a word, separator at its edges ('.', '’')
  kLetter,     // part of a word
  kIdeograph,  // a word by itself
};

constexpr char32_t kReplacement = 0xFFFD;

// ASCII bytes classified once, never through <cctype> or the locale.
struct AsciiTable {
  Kind kind[128];
  constexpr AsciiTable() : kind() {
    for (int c = 0; c < 128; ++c) {
      bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                   (c >= 'A' && c <= 'Z');
      kind[c] = alnum ? Kind::kLetter : Kind::kSeparator;
    }
    kind[static_cast<int>('.')] = Kind::kJoiner;
    kind[static_cast<int>('\'')] = Kind::kJoiner;
  }
};
constexpr AsciiTable kAscii;

// The ASCII letters and digits, and their case-folded bytes.
struct AsciiFold {
  bool letter[256];
  char lower[256];
  constexpr AsciiFold() : letter(), lower() {
    for (int c = 0; c < 128; ++c) {
      letter[c] = kAscii.kind[c] == Kind::kLetter;
      lower[c] = static_cast<char>((c >= 'A' && c <= 'Z') ? c + 32 : c);
    }
  }
};
constexpr AsciiFold kAsciiFold;

Kind Classify(char32_t c) {
  if (c < 0x80) return kAscii.kind[c];
  if (c == 0x2019 || c == 0x2018 || c == 0x02BC) {
    return Kind::kJoiner;
  }
  if (c < 0xC0) {
    // Latin-1 punctuation and symbols; keep the ordinal indicators and micro.
    return (c == 0xAA || c == 0xB5 || c == 0xBA) ? Kind::kLetter
                                                 : Kind::kSeparator;
  }
  if (c == 0xD7 || c == 0xF7) return Kind::kSeparator;  // multiplication, division
  if (c >= 0x2000 && c <= 0x2BFF) return Kind::kSeparator;  // punctuation, symbols, arrows
  if (c >= 0x3000 && c <= 0x303F) return Kind::kSeparator;  // CJK punctuation
  if (c >= 0xFE10 && c <= 0xFE6F) return Kind::kSeparator;  // vertical/small forms
  if (c >= 0xFF00 && c <= 0xFF0F) return Kind::kSeparator;  // fullwidth punctuation
  if (c >= 0xFF1A && c <= 0xFF20) return Kind::kSeparator;
  if (c >= 0xFF3B && c <= 0xFF40) return Kind::kSeparator;
  if (c >= 0xFF5B && c <= 0xFF65) return Kind::kSeparator;
  if (c == 0x0964 || c == 0x0965 || c == 0x060C || c == 0x061B ||
      c == 0x061F || c == 0x06D4 || c == 0x055D || c == 0x0589 ||
      c == 0x1362 || c == 0x00A0 || c == 0xFEFF) {
    return Kind::kSeparator;  // dandas, Arabic comma/question/full stop, ...
  }
  if (c >= 0x1F000 && c <= 0x1FAFF) return Kind::kSeparator;  // emoji, symbols
  if ((c >= 0x3040 && c <= 0x30FF) || (c >= 0x3400 && c <= 0x4DBF) ||
      (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) ||
      (c >= 0x20000 && c <= 0x2FFFF)) {
    return Kind::kIdeograph;
  }
  return Kind::kLetter;
}

// NFKC with case folding and default-ignorable code points removed
// (Unicode's NFKC_Casefold, UAX #15 and #44), by utf8proc.
constexpr utf8proc_option_t kNfkcCasefold = static_cast<utf8proc_option_t>(
    UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_IGNORE);

// Per code point, whether it maps on its own: its NFKC_Casefold is one
// code point of combining class 0, it is no mark (a spacing mark can
// compose with the letter before it) and no Hangul jamo (which compose with
// each other); or it is a separator whose NFKC_Casefold is ASCII
// punctuation (see ComputeFold). A line of such code points is normalised one code point at a
// time from this table; any other code point sends the whole line through
// utf8proc (NFD input, compatibility sequences, ignorables). Entries are
// filled on first use: bit 31 known, bit 30 maps alone, low 21 bits the
// folded code point. Racing threads store the same value.
constexpr std::uint32_t kKnown = 1u << 31;
constexpr std::uint32_t kAlone = 1u << 30;
std::atomic<std::uint32_t> g_fold[0x110000];

bool IsMark(const utf8proc_property_t* p) {
  return p->category == UTF8PROC_CATEGORY_MN || p->category == UTF8PROC_CATEGORY_MC ||
         p->category == UTF8PROC_CATEGORY_ME;
}

std::uint32_t ComputeFold(char32_t c) {
  const utf8proc_property_t* p = utf8proc_get_property(static_cast<utf8proc_int32_t>(c));
  if (p->combining_class != 0 || p->ignorable || IsMark(p) || (c >= 0x1100 && c <= 0x11FF) ||
      (c >= 0xD800 && c <= 0xDFFF)) {
    return kKnown;
  }
  // NFKC_Casefold of the code point alone (computed once per code point).
  utf8proc_uint8_t one[4];
  const utf8proc_ssize_t one_size = utf8proc_encode_char(static_cast<utf8proc_int32_t>(c), one);
  utf8proc_uint8_t* mapped = nullptr;
  const utf8proc_ssize_t n = utf8proc_map(one, one_size, &mapped, kNfkcCasefold);
  utf8proc_int32_t f = -1;
  const utf8proc_ssize_t used =
      n > 0 ? utf8proc_iterate(mapped, n, &f) : static_cast<utf8proc_ssize_t>(-1);
  // Several ASCII code points, none a letter or digit ("…" is "...", "‼"
  // is "!!"): two or more of them end a word and join none, as a separator
  // does, and ASCII composes with nothing before it. A separator itself
  // stands for them (the line's most common reason to go through utf8proc).
  bool ascii_punctuation = n >= 2 && used < n;
  for (utf8proc_ssize_t i = 0; ascii_punctuation && i < n; ++i) {
    ascii_punctuation = mapped[i] < 0x80 && kAscii.kind[mapped[i]] != Kind::kLetter;
  }
  std::free(mapped);
  if (ascii_punctuation && Classify(c) == Kind::kSeparator) {
    return kKnown | kAlone | static_cast<std::uint32_t>(c);
  }
  if (n <= 0 || used != n || f < 0) return kKnown;  // several code points, or none
  const utf8proc_property_t* q = utf8proc_get_property(f);
  if (q->combining_class != 0 || IsMark(q) || q->ignorable || (f >= 0x1100 && f <= 0x11FF)) {
    return kKnown;
  }
  return kKnown | kAlone | static_cast<std::uint32_t>(f);
}

// The folded form of `c`, or -1 when `c` does not map on its own.
inline std::int32_t FoldAlone(char32_t c) {
  std::uint32_t e = g_fold[c].load(std::memory_order_relaxed);
  if (e == 0) {
    e = ComputeFold(c);
    g_fold[c].store(e, std::memory_order_relaxed);
  }
  return (e & kAlone) ? static_cast<std::int32_t>(e & 0x1FFFFF) : -1;
}



}  // namespace

char32_t DecodeUtf8(std::string_view s, std::size_t* pos) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  std::size_t i = *pos;
  unsigned char b0 = byte(i);
  if (b0 < 0x80) {
    *pos = i + 1;
    return b0;
  }
  int len;
  char32_t c;
  char32_t min;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2, c = b0 & 0x1F, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3, c = b0 & 0x0F, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4, c = b0 & 0x07, min = 0x10000;
  } else {
    *pos = i + 1;
    return kReplacement;
  }
  if (i + len > s.size()) {
    *pos = i + 1;
    return kReplacement;
  }
  for (int k = 1; k < len; ++k) {
    unsigned char b = byte(i + k);
    if ((b & 0xC0) != 0x80) {
      *pos = i + 1;
      return kReplacement;
    }
    c = (c << 6) | (b & 0x3F);
  }
  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
    *pos = i + 1;
    return kReplacement;
  }
  *pos = i + len;
  return c;
}

char32_t HtmlEntityChar(std::string_view body) {
  char32_t c = 0;
  if (body.size() >= 2 && body[0] == '#') {
    const bool hex = body[1] == 'x' || body[1] == 'X';
    std::size_t i = hex ? 2 : 1;
    if (i >= body.size()) return 0;
    for (; i < body.size(); ++i) {
      const char d = body[i];
      int v;
      if (d >= '0' && d <= '9') v = d - '0';
      else if (hex && d >= 'a' && d <= 'f') v = d - 'a' + 10;
      else if (hex && d >= 'A' && d <= 'F') v = d - 'A' + 10;
      else return 0;
      c = c * (hex ? 16 : 10) + static_cast<char32_t>(v);
      if (c > 0x10FFFF) return 0;
    }
    return c >= 0xD800 && c <= 0xDFFF ? 0 : c;
  }
  static const std::unordered_map<std::string_view, char32_t> kNamed = {
      {"nbsp", 0xA0},    {"quot", '"'},     {"apos", '\''},   {"rdquo", 0x201D},
      {"ldquo", 0x201C}, {"rsquo", 0x2019}, {"lsquo", 0x2018}, {"raquo", 0xBB},
      {"laquo", 0xAB},   {"hellip", 0x2026}, {"amp", '&'},    {"gt", '>'},
      {"lt", '<'},       {"thinsp", 0x2009}, {"ensp", 0x2002}, {"emsp", 0x2003},
      {"zwsp", 0x200B},  {"lrm", 0x200E},    {"rlm", 0x200F},  {"rpar", ')'},
      {"excl", '!'},     {"quest", '?'},     {"period", '.'},  {"bdquo", 0x201E},
      {"zwnj", 0x200C},  {"zwj", 0x200D},    {"hairsp", 0x200A}, {"thinspace", 0x2009},
      {"zerowidthspace", 0x200B}, {"nobreak", 0x2060}, {"mediumspace", 0x205F},
      {"verythinspace", 0x200A}, {"emsp13", 0x2004}, {"emsp14", 0x2005},
      {"numsp", 0x2007}, {"puncsp", 0x2008}, {"rsaquo", 0x203A}, {"lsaquo", 0x2039},
      {"mdash", 0x2014}, {"ndash", 0x2013}, {"mldr", 0x2026}, {"shy", 0xAD},
      {"copy", 0xA9},    {"reg", 0xAE},      {"trade", 0x2122}, {"middot", 0xB7},
      {"bull", 0x2022},  {"sbquo", 0x201A},  {"deg", 0xB0},    {"euro", 0x20AC},
      {"pound", 0xA3},   {"times", 0xD7},    {"aacute", 0xE1}, {"agrave", 0xE0},
      {"acirc", 0xE2},   {"auml", 0xE4},     {"atilde", 0xE3}, {"aring", 0xE5},
      {"ccedil", 0xE7},  {"eacute", 0xE9},   {"egrave", 0xE8}, {"ecirc", 0xEA},
      {"euml", 0xEB},    {"iacute", 0xED},   {"igrave", 0xEC}, {"icirc", 0xEE},
      {"iuml", 0xEF},    {"ntilde", 0xF1},   {"oacute", 0xF3}, {"ograve", 0xF2},
      {"ocirc", 0xF4},   {"ouml", 0xF6},     {"otilde", 0xF5}, {"oslash", 0xF8},
      {"uacute", 0xFA},  {"ugrave", 0xF9},   {"ucirc", 0xFB},  {"uuml", 0xFC},
      {"szlig", 0xDF}};
  char lower[16];
  if (body.empty() || body.size() > sizeof lower) return 0;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char d = body[i];
    lower[i] = d >= 'A' && d <= 'Z' ? static_cast<char>(d - 'A' + 'a') : d;
  }
  auto it = kNamed.find(std::string_view(lower, body.size()));
  return it == kNamed.end() ? 0 : it->second;
}

void AppendUtf8(char32_t c, std::string* out) {
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (c >> 18)));
    out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

namespace {

// Normalises `in`, whose code points are each folded by the table, or,
// when `mapped`, are NFKC_Casefold already. Returns false, leaving `*out`
// unfinished, at the first code point that does not map on its own.
}  // namespace

std::string NfkcCasefold(std::string_view in) {
  // utf8proc refuses invalid UTF-8, so the replacement comes first.
  std::string valid;
  valid.reserve(in.size() + 8);
  for (std::size_t pos = 0; pos < in.size();) AppendUtf8(DecodeUtf8(in, &pos), &valid);
  utf8proc_uint8_t* mapped = nullptr;
  const utf8proc_ssize_t n =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(valid.data()),
                   static_cast<utf8proc_ssize_t>(valid.size()), &mapped, kNfkcCasefold);
  if (n < 0) {
    // Only on memory exhaustion, as the input is valid: keep the valid text.
    std::free(mapped);
    return valid;
  }
  std::string out(reinterpret_cast<const char*>(mapped), static_cast<std::size_t>(n));
  std::free(mapped);
  return out;
}

namespace {

#ifdef WINNOW_ASCII_BLOCKS
// AVX-512 BW and VBMI2 (vpcompressb; detail/cpu.hpp).
const bool kAsciiBlocks = detail::Cpu().avx512vbmi2;

// The words being written: where the next byte goes, and the open word.
struct WordState {
  char* base;
  char* o;
  bool in_word;
  std::uint32_t word_begin;
};

// Where a block's words start and end (bits of the block's bytes), the
// bytes it keeps (`keep`), written at st->o: the words that end, and the
// one left open.
[[gnu::always_inline]] __attribute__((target("bmi,popcnt"))) inline void RecordWords(
    std::uint64_t starts, std::uint64_t ends, std::uint64_t keep, WordState* st,
    std::vector<Normalized::Word>* words) {
  const auto at = static_cast<std::uint32_t>(st->o - st->base);
  for (std::uint64_t m = starts | ends; m != 0; m &= m - 1) {
    const std::uint64_t i = _tzcnt_u64(m);
    const auto here = at + static_cast<std::uint32_t>(_mm_popcnt_u64(keep & ((std::uint64_t{1} << i) - 1)));
    if ((ends >> i) & 1) {
      words->push_back({st->word_begin, here - st->word_begin});
      st->in_word = false;
    } else {
      st->word_begin = here;
      st->in_word = true;
    }
  }
}

// Up to 64 bytes at `in` (`avail` of them readable): the run of ASCII
// letters, digits and separators at their start, normalised at once, as
// the byte-at-a-time loop would (letters folded, each word's first letter
// after a separator preceded by one space when text came before, words
// recorded as they end). Stops before a joiner ('.', '\'') or a byte
// outside ASCII, which the caller takes. Returns the bytes consumed (0:
// the first byte is such a byte). Writes up to 64 bytes at st->o.
__attribute__((target("avx512f,avx512bw,avx512vbmi2,bmi,bmi2,popcnt"))) std::size_t AsciiBlock(
    const char* in, std::size_t avail, WordState* st, std::vector<Normalized::Word>* words) {
  const __mmask64 valid = avail >= 64 ? ~__mmask64{0} : (__mmask64{1} << avail) - 1;
  const __m512i v = _mm512_maskz_loadu_epi8(valid, in);
  const __m512i lower = _mm512_or_si512(v, _mm512_set1_epi8(0x20));
  const __mmask64 alpha =
      _mm512_cmple_epu8_mask(_mm512_sub_epi8(lower, _mm512_set1_epi8('a')), _mm512_set1_epi8(25));
  const __mmask64 digit =
      _mm512_cmple_epu8_mask(_mm512_sub_epi8(v, _mm512_set1_epi8('0')), _mm512_set1_epi8(9));
  const __mmask64 stop = _mm512_movepi8_mask(v) | _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('.')) |
                         _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\'')) |
                         _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('&')) | ~valid;
  const std::uint64_t p = stop == 0 ? 64 : _tzcnt_u64(stop);
  if (p == 0) return 0;
  const std::uint64_t prefix = p == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << p) - 1;
  const std::uint64_t letter = (alpha | digit) & prefix;
  const std::uint64_t separator = prefix & ~letter;
  // Each byte's predecessor a letter (the first byte's: the open word).
  const std::uint64_t after_letter = (letter << 1) | (st->in_word ? 1 : 0);
  const std::uint64_t starts = letter & ~after_letter;
  const std::uint64_t ends = separator & after_letter;  // a word ends at its separator
  // The separator before each word start becomes its space; none before
  // the text's first word.
  std::uint64_t space = starts >> 1;
  if (st->o == st->base) {
    if (!(starts & 1)) space &= space - 1;
  } else if (starts & 1) {
    *st->o++ = ' ';  // the separator was in an earlier block
  }
  const std::uint64_t keep = letter | space;
  __m512i text = _mm512_mask_mov_epi8(v, alpha, lower);
  text = _mm512_mask_mov_epi8(text, space, _mm512_set1_epi8(' '));
  _mm512_storeu_si512(st->o, _mm512_maskz_compress_epi8(keep, text));
  RecordWords(starts, ends, keep, st, words);
  st->o += _mm_popcnt_u64(keep);
  st->in_word = (letter >> (p - 1)) & 1;
  return p;
}

// AVX2 (detail/cpu.hpp), on CPUs without the AVX-512 block above.
const bool kAsciiBlocks32 = !kAsciiBlocks && detail::Cpu().avx2;

// For each byte value m, the positions of m's set bits, in order: the
// shuffle that packs the bytes an 8-bit mask keeps to the front.
struct PackTable {
  std::uint64_t shuffle[256] = {};
  constexpr PackTable() {
    for (int m = 0; m < 256; ++m) {
      std::uint64_t s = 0;
      int k = 0;
      for (int b = 0; b < 8; ++b) {
        if (m >> b & 1) s |= static_cast<std::uint64_t>(b) << (8 * k++);
      }
      shuffle[m] = s;
    }
  }
};
constexpr PackTable kPack;

// The bytes of `m` whose top bit is set, as bits.
[[gnu::always_inline]] __attribute__((target("avx2"))) inline std::uint64_t Bits32(__m256i m) {
  return static_cast<std::uint32_t>(_mm256_movemask_epi8(m));
}
// The bytes of `x` in [lo, hi] (ASCII; bytes from 0x80 compare as negative).
[[gnu::always_inline]] __attribute__((target("avx2"))) inline __m256i InRange32(__m256i x, char lo,
                                                                              char hi) {
  return _mm256_and_si256(_mm256_cmpgt_epi8(x, _mm256_set1_epi8(static_cast<char>(lo - 1))),
                          _mm256_cmpgt_epi8(_mm256_set1_epi8(static_cast<char>(hi + 1)), x));
}

// AsciiBlock, 32 bytes at a time: the same bytes out, the same words. The
// kept bytes are packed 8 at a time (vpshufb by kPack) in place of
// vpcompressb. Writes up to 32 bytes at st->o.
__attribute__((target("avx2,bmi,bmi2,popcnt"))) std::size_t AsciiBlock32(
    const char* in, std::size_t avail, WordState* st, std::vector<Normalized::Word>* words) {
  __m256i v;
  if (avail >= 32) {
    v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in));
  } else {
    // The last bytes, padded with 0x80 (outside ASCII: a stop).
    alignas(32) char tail[32];
    std::memset(tail, 0x80, sizeof tail);
    std::memcpy(tail, in, avail);
    v = _mm256_load_si256(reinterpret_cast<const __m256i*>(tail));
  }
  const __m256i lower = _mm256_or_si256(v, _mm256_set1_epi8(0x20));
  const __m256i alpha_v = InRange32(lower, 'a', 'z');
  const std::uint64_t alpha = Bits32(alpha_v);
  const std::uint64_t digit = Bits32(InRange32(v, '0', '9'));
  const std::uint64_t stop = Bits32(v) | Bits32(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('.'))) |
                             Bits32(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('\''))) |
                             Bits32(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('&')));
  const std::uint64_t p = stop == 0 ? 32 : _tzcnt_u64(stop);
  if (p == 0) return 0;
  const std::uint64_t prefix = p == 32 ? 0xFFFFFFFFu : (std::uint64_t{1} << p) - 1;
  const std::uint64_t letter = (alpha | digit) & prefix;
  const std::uint64_t separator = prefix & ~letter;
  const std::uint64_t after_letter = (letter << 1) | (st->in_word ? 1 : 0);
  const std::uint64_t starts = letter & ~after_letter;
  const std::uint64_t ends = separator & after_letter;
  std::uint64_t space = starts >> 1;
  if (st->o == st->base) {
    if (!(starts & 1)) space &= space - 1;
  } else if (starts & 1) {
    *st->o++ = ' ';
  }
  const std::uint64_t keep = letter | space;
  // `space` as a byte mask: each byte takes its bit of the 32.
  const __m256i byte_of_bit = _mm256_setr_epi64x(0, 0x0101010101010101LL, 0x0202020202020202LL,
                                                 0x0303030303030303LL);
  const __m256i bit_in_byte = _mm256_set1_epi64x(static_cast<long long>(0x8040201008040201ULL));
  const __m256i spread =
      _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(space)), byte_of_bit);
  const __m256i space_v = _mm256_cmpeq_epi8(_mm256_and_si256(spread, bit_in_byte), bit_in_byte);
  __m256i text = _mm256_blendv_epi8(v, lower, alpha_v);
  text = _mm256_blendv_epi8(text, _mm256_set1_epi8(' '), space_v);
  // Each 8 bytes' kept ones packed to their front (vpshufb stays within a
  // 16-byte lane: the second 8 of a lane index from 8), then stored one
  // after another.
  const std::uint64_t k0 = keep & 0xFF, k1 = keep >> 8 & 0xFF, k2 = keep >> 16 & 0xFF, k3 = keep >> 24 & 0xFF;
  constexpr long long kHigh = 0x0808080808080808LL;
  const __m256i order = _mm256_setr_epi64x(static_cast<long long>(kPack.shuffle[k0]),
                                           static_cast<long long>(kPack.shuffle[k1]) + kHigh,
                                           static_cast<long long>(kPack.shuffle[k2]),
                                           static_cast<long long>(kPack.shuffle[k3]) + kHigh);
  const __m256i packed = _mm256_shuffle_epi8(text, order);
  RecordWords(starts, ends, keep, st, words);
  char* o = st->o;
  const __m128i low = _mm256_castsi256_si128(packed), high = _mm256_extracti128_si256(packed, 1);
  _mm_storel_epi64(reinterpret_cast<__m128i*>(o), low);
  o += _mm_popcnt_u64(k0);
  _mm_storel_epi64(reinterpret_cast<__m128i*>(o), _mm_unpackhi_epi64(low, low));
  o += _mm_popcnt_u64(k1);
  _mm_storel_epi64(reinterpret_cast<__m128i*>(o), high);
  o += _mm_popcnt_u64(k2);
  _mm_storel_epi64(reinterpret_cast<__m128i*>(o), _mm_unpackhi_epi64(high, high));
  o += _mm_popcnt_u64(k3);
  st->o = o;
  st->in_word = (letter >> (p - 1)) & 1;
  return p;
}
#endif

// Marks a script writes optionally, dropped from the view: the Arabic
// tatweel (a stretch of the line), Arabic harakat, Hebrew points and
// cantillation (not maqaf, paseq, sof pasuq or nun hafukha, which are
// punctuation).
inline bool IsOptionalMark(char32_t c) {
  if (c < 0x0591 || c > 0x0670) return false;
  if (c <= 0x05C7) {
    return c != 0x05BE && c != 0x05C0 && c != 0x05C3 && c != 0x05C6;
  }
  return c == 0x0640 || (c >= 0x064B && c <= 0x065F) || c == 0x0670;
}

// The body of an HTML character reference at in[b..] (up to its ';'): the
// character it spells in *c and the body's length with its ';', or 0.
std::size_t ReferenceBody(std::string_view in, std::size_t b, char32_t* c) {
  std::size_t i = b;
  const std::size_t limit = std::min(in.size(), b + 32);
  while (i < limit && (kAsciiFold.letter[static_cast<unsigned char>(in[i])] || in[i] == '#')) ++i;
  if (i == b || i >= in.size() || in[i] != ';') return 0;
  *c = HtmlEntityChar(in.substr(b, i - b));
  return *c == 0 ? 0 : i + 1 - b;
}

// The HTML character reference at in[pos] (an '&'), also one escaped
// twice ("&amp;nbsp;" spells what "&nbsp;" does): the character in *c and
// the reference's length, or 0 for none.
std::size_t ReferenceAt(std::string_view in, std::size_t pos, char32_t* c) {
  const std::size_t len = ReferenceBody(in, pos + 1, c);
  if (len == 0) return 0;
  if (*c == '&') {
    char32_t inner;
    if (const std::size_t more = ReferenceBody(in, pos + 1 + len, &inner)) {
      *c = inner;
      return 1 + len + more;
    }
  }
  return 1 + len;
}

bool NormalizeView(std::string_view in, Normalized* out, bool mapped) {
  out->words.clear();
  out->cjk_words = 0;
  // The output is written through a pointer into a scratch buffer sized
  // for the worst case (an invalid byte becomes the three bytes of U+FFFD,
  // plus a space), then copied to its length: no capacity check per byte,
  // and no zero-filling of four times the line on every call.
  thread_local std::unique_ptr<char[]> scratch;
  thread_local std::size_t scratch_size = 0;
  // (64 bytes more: the ASCII loops below store 16 or 64 at a time.)
  const std::size_t need = in.size() * 4 + 1 + 64;
  if (scratch_size < need) {
    scratch_size = std::max(need, 2 * scratch_size);
    scratch = std::make_unique_for_overwrite<char[]>(scratch_size);
  }
  char* const base = scratch.get();
  char* o = base;
  bool in_word = false;
  std::uint32_t word_begin = 0;
  auto end_word = [&] {
    if (!in_word) return;
    const auto at = static_cast<std::uint32_t>(o - base);
    out->words.push_back({word_begin, at - word_begin});
    in_word = false;
  };
  auto start_word = [&] {
    if (o != base) *o++ = ' ';
    word_begin = static_cast<std::uint32_t>(o - base);
    in_word = true;
  };
  auto append = [&](char32_t c) {
    // AppendUtf8, into the buffer.
    if (c < 0x80) {
      *o++ = static_cast<char>(c);
    } else if (c < 0x800) {
      *o++ = static_cast<char>(0xC0 | (c >> 6));
      *o++ = static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      *o++ = static_cast<char>(0xE0 | (c >> 12));
      *o++ = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      *o++ = static_cast<char>(0x80 | (c & 0x3F));
    } else {
      *o++ = static_cast<char>(0xF0 | (c >> 18));
      *o++ = static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      *o++ = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      *o++ = static_cast<char>(0x80 | (c & 0x3F));
    }
  };
  const std::size_t n = in.size();
  std::size_t pos = 0;
  while (pos < n) {
#ifdef WINNOW_ASCII_BLOCKS
    if (kAsciiBlocks || kAsciiBlocks32) {
      WordState st{base, o, in_word, word_begin};
      const std::size_t took = kAsciiBlocks ? AsciiBlock(in.data() + pos, n - pos, &st, &out->words)
                                            : AsciiBlock32(in.data() + pos, n - pos, &st, &out->words);
      o = st.o;
      in_word = st.in_word;
      word_begin = st.word_begin;
      pos += took;
      if (took > 0) continue;
    }
#endif
    unsigned char b = static_cast<unsigned char>(in[pos]);
    // ASCII letters and digits, the bulk of most text: one table look-up
    // per byte, folded by the same table.
    if (kAsciiFold.letter[b]) {
      if (!in_word) start_word();
#if defined(__SSE2__)
      // Sixteen bytes at a time: the run of ASCII letters and digits among
      // them, folded (letters | 0x20) and stored whole; the bytes past the
      // run are overwritten by what follows or lie past the text's end.
      while (pos + 16 <= n) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in.data() + pos));
        const __m128i lower = _mm_or_si128(v, _mm_set1_epi8(0x20));
        const __m128i alpha = _mm_and_si128(_mm_cmpgt_epi8(lower, _mm_set1_epi8('a' - 1)),
                                            _mm_cmplt_epi8(lower, _mm_set1_epi8('z' + 1)));
        const __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                            _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
        const __m128i folded = _mm_or_si128(_mm_and_si128(alpha, lower), _mm_andnot_si128(alpha, v));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(o), folded);
        const unsigned word = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(alpha, digit)));
        const unsigned run = word == 0xFFFFu ? 16u : static_cast<unsigned>(__builtin_ctz(~word));
        o += run;
        pos += run;
        if (run < 16) break;
      }
      if (pos == n || !kAsciiFold.letter[static_cast<unsigned char>(in[pos])]) continue;
      b = static_cast<unsigned char>(in[pos]);
#endif
      do {
        *o++ = kAsciiFold.lower[b];
        if (++pos == n) break;
        b = static_cast<unsigned char>(in[pos]);
      } while (kAsciiFold.letter[b]);
      continue;
    }
    char32_t c;
    std::size_t reference;
    if (b == '&' && (reference = ReferenceAt(in, pos, &c)) != 0) {
      // An HTML character reference: the character it spells, folded
      // alone when it can be (else as it is; an ignorable one is dropped).
      pos += reference;
      const std::int32_t folded = FoldAlone(c);
      if (folded >= 0) {
        c = static_cast<char32_t>(folded);
      } else if (utf8proc_get_property(static_cast<utf8proc_int32_t>(c))->ignorable) {
        continue;
      }
    } else if (b < 0x80 && kAscii.kind[b] == Kind::kSeparator) {
      // ASCII spaces and punctuation (all but the joiners '.' and '\''):
      // the end of a word, without a call to Classify.
      end_word();
      ++pos;
      continue;
    } else if (b < 0x80) {
      c = b;
      ++pos;
    } else {
      c = DecodeUtf8(in, &pos);
      if (!mapped) {
        const std::int32_t folded = FoldAlone(c);
        if (folded < 0) return false;
        c = static_cast<char32_t>(folded);
      }
    }
    if (IsOptionalMark(c)) continue;
    // Letters written either way: Russian ё as е, Turkish dotless ı as i,
    // and the dot above that full case folding leaves after the i of
    // a capital İ, so that "ILIK", "ılık" and "İLİK" are one word.
    if (c == 0x0451) {
      c = 0x0435;
    } else if (c == 0x0131) {
      c = 'i';
    } else if (c == 0x0307 && in_word && o > base && o[-1] == 'i') {
      continue;
    }
    switch (Classify(c)) {
      case Kind::kLetter:
        if (!in_word) start_word();
        append(c);
        break;
      case Kind::kJoiner: {
        // Joins only between two letters: "U.K." -> "uk", "end." -> "end".
        std::size_t peek = pos;
        bool letter_follows = false;
        if (in_word && peek < n) {
          char32_t next = DecodeUtf8(in, &peek);
          if (!mapped && next >= 0x80) {
            const std::int32_t folded = FoldAlone(next);
            if (folded >= 0) next = static_cast<char32_t>(folded);
          }
          letter_follows = Classify(next) == Kind::kLetter;
        }
        if (!letter_follows) end_word();
        break;
      }
      case Kind::kIdeograph:
        end_word();
        start_word();
        append(c);
        end_word();
        ++out->cjk_words;
        break;
      case Kind::kSeparator:
        end_word();
        break;
    }
  }
  end_word();
  out->text.assign(base, static_cast<std::size_t>(o - base));
  // A huge line's buffer is not kept for the rest of the run.
  if (scratch_size > (std::size_t{4} << 20)) {
    scratch.reset();
    scratch_size = 0;
  }
  return true;
}

}  // namespace

void Normalize(std::string_view in, Normalized* out) {
  // Most lines map code point by code point; the others (decomposed
  // accents, compatibility forms, zero-width characters) go through
  // utf8proc whole, then the same word splitting.
  if (NormalizeView(in, out, false)) return;
  NormalizeView(NfkcCasefold(in), out, true);
  // Dropping a joiner can bring a mark next to a letter it composes with
  // ("e.\u0301" is the word "e\u0301"): the words are mapped once more, so
  // that the result is its own normalisation. Joiners are gone by then.
  const std::string again = NfkcCasefold(out->text);
  if (again != out->text) NormalizeView(again, out, true);
}

bool DecodeCharacterReferences(std::string_view text, std::string* out) {
  std::size_t at = text.find('&');
  if (at == std::string_view::npos) return false;
  bool any = false;
  std::size_t copied = 0;
  for (; at != std::string_view::npos; at = text.find('&', at + 1)) {
    char32_t c;
    const std::size_t length = ReferenceAt(text, at, &c);
    if (length == 0) continue;
    if (!any) out->clear();
    any = true;
    out->append(text.substr(copied, at - copied));
    AppendUtf8(c, out);
    copied = at + length;
    at = copied - 1;
  }
  if (any) out->append(text.substr(copied));
  return any;
}

}  // namespace winnow
