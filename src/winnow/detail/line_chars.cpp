#include "winnow/detail/line_chars.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>  // part of every x86-64 CPU: no dispatch needed
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define WINNOW_LINE_CHARS_64 1
#endif

#include "winnow/detail/cpu.hpp"
#include "winnow/normalize.hpp"

namespace winnow::detail {
namespace {

// The state of a pass between characters; Char() takes one code point.
struct Counter {
  LineChars n;
  bool at_word_start = true, seen = false, in_script_run = false;
  int digit_run = 0;

  void EndDigits() {
    if (digit_run == 4) n.year = true;
    digit_run = 0;
  }
  // The next `k` ASCII bytes, of which those with bit i set in `digits` are
  // digits (none at or past bit k): the runs of digits among them, the first
  // continuing the run before them.
  void DigitBits(std::uint64_t digits, unsigned k) {
    unsigned b = 0;
    while (b < k) {
      const std::uint64_t rest = digits >> b;
      if (rest & 1) {
        const auto len = static_cast<unsigned>(std::countr_one(rest));  // 64: to the end
        digit_run += static_cast<int>(std::min(len, k - b));
        b += len;
      } else {
        EndDigits();
        if (rest == 0) break;
        b += static_cast<unsigned>(std::countr_zero(rest));
      }
    }
  }
  void Char(char32_t c) {
    if (c < 0x80) {
      in_script_run = false;
    } else {
      const bool script = IsUnspacedScript(c);
      n.script_chars += script;
      n.script_runs += script && !in_script_run;
      in_script_run = script;
    }
    ++n.chars;
    if (IsSpaceOrFormat(c)) {
      if (!seen) ++n.indent;
      at_word_start = true;
      EndDigits();
      return;
    }
    seen = true;
    if (n.first == 0) n.first = c;
    ++n.nonspace;
    if (at_word_start) {
      ++n.words;
      if (IsUpperLetter(c)) ++n.cap_words;
      at_word_start = false;
    }
    if (c >= '0' && c <= '9') {
      ++n.digits;
      ++digit_run;
      return;
    }
    EndDigits();
    if (IsLetter(c)) {
      ++n.letters;
      if (IsUpperLetter(c)) ++n.upper;
      if (IsUnspacedScript(c) || IsCjk(c)) ++n.unspaced;
      return;
    }
    ++n.punct;
    switch (c) {
      case '{': case '}': case ';': case '=': case '<': case '>': case '(': case ')':
      case '[': case ']':
        ++n.code;
        break;
      case '|': case 0x2022: case 0x00B7: case 0x00BB: case 0x203A:
        ++n.seps;
        break;
      default:
        break;
    }
  }
};

}  // namespace

LineChars CountLineCharsScalar(std::string_view line) {
  Counter counter;
  for (std::size_t pos = 0; pos < line.size();) {
    const char32_t c = DecodeUtf8(line, &pos);
    counter.Char(c);
    if (c == '@') {
      counter.n.email = counter.n.email ||
                        (pos < line.size() && line.find('.', pos) != std::string_view::npos);
    }
  }
  counter.EndDigits();
  return counter.n;
}

#ifdef WINNOW_LINE_CHARS_64
namespace {

// AVX-512 BW (cpu.hpp).
const bool kLineChars64 = Cpu().avx512bw;

// The lanes of `x` equal to `c`; in [lo, hi] (ASCII).
[[gnu::always_inline]] __attribute__((target("avx512f,avx512bw"))) inline std::uint64_t Eq64(
    __m512i x, char c) {
  return _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8(c));
}
[[gnu::always_inline]] __attribute__((target("avx512f,avx512bw"))) inline std::uint64_t In64(
    __m512i x, char lo, char hi) {
  return _mm512_cmple_epu8_mask(_mm512_sub_epi8(x, _mm512_set1_epi8(lo)),
                                _mm512_set1_epi8(static_cast<char>(hi - lo)));
}

// The pass below, 64 bytes at a time, each class a bit mask counted by
// popcount: a line of ordinary length in one block, with no per-lane
// counters to sum.
__attribute__((target("avx512f,avx512bw,bmi,bmi2,popcnt"))) LineChars CountLineChars64(
    std::string_view line) {
  Counter counter;
  LineChars& n = counter.n;
  const char* const data = line.data();
  const std::size_t size = line.size();
  std::size_t pos = 0;
  while (pos < size) {
    // Up to 64 bytes; the mask keeps the load inside the line.
    const std::size_t avail = size - pos;
    const __mmask64 valid = avail >= 64 ? ~__mmask64{0} : (__mmask64{1} << avail) - 1;
    const __m512i v = _mm512_maskz_loadu_epi8(valid, data + pos);
    // The ASCII run at its start: k bytes.
    const std::uint64_t high = _mm512_movepi8_mask(v) | ~valid;
    const unsigned k = high == 0 ? 64u : static_cast<unsigned>(_tzcnt_u64(high));
    if (k > 0) {
      const std::uint64_t run = k == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << k) - 1;
      // ' ' and \t \v \f \r (never \n inside a line; excluded all the same).
      const std::uint64_t space = ((Eq64(v, ' ') & run) | (In64(v, '\t', '\r') & run)) & ~Eq64(v, '\n');
      const std::uint64_t other = run & ~space;
      const __m512i lower = _mm512_or_si512(v, _mm512_set1_epi8(0x20));
      const std::uint64_t up = In64(v, 'A', 'Z') & run;
      const std::uint64_t letter = In64(lower, 'a', 'z') & run;
      const std::uint64_t digit = In64(v, '0', '9') & run;
      // A word starts at a non-space after a space (or after the state's).
      const std::uint64_t start = other & ((space << 1) | (counter.at_word_start ? 1 : 0));
      const std::uint64_t code_char =
          (In64(v, ';', '>') | In64(v, '(', ')') | Eq64(lower, '{') | Eq64(lower, '}')) & run;
      n.nonspace += static_cast<int>(_mm_popcnt_u64(other));
      n.letters += static_cast<int>(_mm_popcnt_u64(letter));
      n.upper += static_cast<int>(_mm_popcnt_u64(up));
      n.digits += static_cast<int>(_mm_popcnt_u64(digit));
      n.words += static_cast<int>(_mm_popcnt_u64(start));
      n.cap_words += static_cast<int>(_mm_popcnt_u64(start & up));
      n.code += static_cast<int>(_mm_popcnt_u64(code_char));
      n.seps += static_cast<int>(_mm_popcnt_u64(Eq64(v, '|') & run));

      n.chars += static_cast<int>(k);
      counter.in_script_run = false;
      counter.at_word_start = (space >> (k - 1)) & 1;
      if (!counter.seen || n.first == 0) {
        if (!counter.seen) {
          n.indent += static_cast<int>(other == 0 ? k : static_cast<unsigned>(_tzcnt_u64(other)));
          counter.seen = other != 0;
        }
        const std::uint64_t named = other & ~Eq64(v, 0);
        if (n.first == 0 && named != 0) {
          n.first = static_cast<unsigned char>(data[pos + _tzcnt_u64(named)]);
        }
      }
      if (!n.year) {
        // Runs of digits, continuing the state's.
        counter.DigitBits(digit, k);
      }
      pos += k;
      if (k == 64) continue;
      if (pos >= size) break;
    }
    // A code point outside ASCII.
    counter.Char(DecodeUtf8(line, &pos));
  }
  counter.EndDigits();
  n.punct = n.nonspace - n.letters - n.digits;
  // Any '@' with a '.' after it: the first '@' has the most text after it.
  const std::size_t at = line.find('@');
  n.email = at != std::string_view::npos && line.find('.', at + 1) != std::string_view::npos;
  return n;
}

}  // namespace
#endif

#if defined(__SSE2__)

LineChars CountLineChars(std::string_view line) {
#ifdef WINNOW_LINE_CHARS_64
  if (kLineChars64) return CountLineChars64(line);
#endif
  Counter counter;
  LineChars& n = counter.n;
  // Per-byte-lane counters of the ASCII blocks (a class mask's lanes are
  // -1, subtracted), summed into the counts every 255 blocks and at the end.
  const __m128i zero = _mm_setzero_si128();
  __m128i nonspace = zero, letters = zero, upper = zero, digits = zero, words = zero,
          cap_words = zero, code = zero, seps = zero;
  int blocks = 0;
  auto lanes = [&](__m128i acc) {
    const __m128i sums = _mm_sad_epu8(acc, zero);
    return _mm_cvtsi128_si32(sums) + _mm_cvtsi128_si32(_mm_srli_si128(sums, 8));
  };
  auto flush = [&] {
    n.nonspace += lanes(nonspace);
    n.letters += lanes(letters);
    n.upper += lanes(upper);
    n.digits += lanes(digits);
    n.words += lanes(words);
    n.cap_words += lanes(cap_words);
    n.code += lanes(code);
    n.seps += lanes(seps);
    nonspace = letters = upper = digits = words = cap_words = code = seps = zero;
    blocks = 0;
  };
  auto in = [](__m128i v, char lo, char hi) {  // lanes of v in [lo, hi] (ASCII)
    return _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(static_cast<char>(lo - 1))),
                         _mm_cmplt_epi8(v, _mm_set1_epi8(static_cast<char>(hi + 1))));
  };
  const char* const data = line.data();
  const std::size_t size = line.size();
  std::size_t pos = 0;
  while (pos < size) {
    // Sixteen bytes, or the last few padded with 0x80 (no ASCII class).
    __m128i v;
    alignas(16) unsigned char tail[16];
    if (pos + 16 <= size) {
      v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + pos));
    } else {
      std::memset(tail, 0x80, sizeof tail);
      std::memcpy(tail, data + pos, size - pos);
      v = _mm_load_si128(reinterpret_cast<const __m128i*>(tail));
    }
    // The ASCII run at its start: k bytes.
    const unsigned high = static_cast<unsigned>(_mm_movemask_epi8(v));
    const unsigned k = high == 0 ? 16u : static_cast<unsigned>(__builtin_ctz(high));
    if (k > 0) {
      const unsigned valid = (1u << k) - 1;
      // Lanes past the run read as 0x80: in no class below.
      const __m128i run_lanes =
          _mm_cmplt_epi8(_mm_set_epi8(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                         _mm_set1_epi8(static_cast<char>(k)));
      v = _mm_or_si128(v, _mm_andnot_si128(run_lanes, _mm_set1_epi8(static_cast<char>(0x80))));
      // ' ' and \t \v \f \r (never \n inside a line; excluded all the same).
      const __m128i space =
          _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')),
                       _mm_andnot_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n')), in(v, '\t', '\r')));
      const __m128i other = _mm_andnot_si128(space, run_lanes);
      const __m128i lower = _mm_or_si128(v, _mm_set1_epi8(0x20));
      const __m128i up = in(v, 'A', 'Z');
      const __m128i letter = in(lower, 'a', 'z');
      const __m128i digit = in(v, '0', '9');
      // A word starts at a non-space after a space (or after the state's).
      const __m128i before =
          _mm_or_si128(_mm_slli_si128(space, 1), _mm_cvtsi32_si128(counter.at_word_start ? 0xFF : 0));
      const __m128i start = _mm_and_si128(other, before);
      const __m128i code_char =
          _mm_or_si128(_mm_or_si128(in(v, ';', '>'), in(v, '(', ')')),
                       _mm_or_si128(_mm_cmpeq_epi8(lower, _mm_set1_epi8('{')),
                                    _mm_cmpeq_epi8(lower, _mm_set1_epi8('}'))));
      nonspace = _mm_sub_epi8(nonspace, other);
      letters = _mm_sub_epi8(letters, letter);
      upper = _mm_sub_epi8(upper, up);
      digits = _mm_sub_epi8(digits, digit);
      words = _mm_sub_epi8(words, start);
      cap_words = _mm_sub_epi8(cap_words, _mm_and_si128(start, up));
      code = _mm_sub_epi8(code, code_char);
      seps = _mm_sub_epi8(seps, _mm_cmpeq_epi8(v, _mm_set1_epi8('|')));
      if (++blocks == 255) flush();

      n.chars += static_cast<int>(k);
      counter.in_script_run = false;
      const unsigned space_bits = static_cast<unsigned>(_mm_movemask_epi8(space));
      counter.at_word_start = (space_bits >> (k - 1)) & 1;
      if (!counter.seen || n.first == 0) {
        const unsigned other_bits = valid & ~space_bits;
        if (!counter.seen) {
          n.indent += static_cast<int>(other_bits == 0 ? k : static_cast<unsigned>(__builtin_ctz(other_bits)));
          counter.seen = other_bits != 0;
        }
        const unsigned named =
            other_bits & ~static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, zero)));
        if (n.first == 0 && named != 0) {
          n.first = static_cast<unsigned char>(data[pos + static_cast<unsigned>(__builtin_ctz(named))]);
        }
      }
      if (!n.year) {
        // Runs of digits, continuing the state's.
        counter.DigitBits(static_cast<unsigned>(_mm_movemask_epi8(digit)), k);
      }
      pos += k;
      if (k == 16) continue;
      if (pos >= size) break;
    }
    // A code point outside ASCII.
    counter.Char(DecodeUtf8(line, &pos));
  }
  counter.EndDigits();
  flush();
  n.punct = n.nonspace - n.letters - n.digits;
  // Any '@' with a '.' after it: the first '@' has the most text after it.
  const std::size_t at = line.find('@');
  n.email = at != std::string_view::npos && line.find('.', at + 1) != std::string_view::npos;
  return n;
}

#else

LineChars CountLineChars(std::string_view line) { return CountLineCharsScalar(line); }

#endif

}  // namespace winnow::detail
