// A line's characters counted by class, for its own features
// (LineFeatures::AddLine) and its word count (CountWords): one pass over the
// bytes, sixteen ASCII bytes at a time (SSE2, part of every x86-64 CPU), a
// code point at a time elsewhere. CountLineCharsScalar is the same count a
// code point at a time everywhere: the reference the fast pass must equal.
#ifndef WINNOW_DETAIL_LINE_CHARS_HPP_
#define WINNOW_DETAIL_LINE_CHARS_HPP_

#include <string_view>

namespace winnow::detail {

inline bool InRange(char32_t c, char32_t lo, char32_t hi) { return c >= lo && c <= hi; }

// Spaces of every kind and invisible format characters (Unicode Zs and the
// Cf characters met at line ends).
inline bool IsSpaceOrFormat(char32_t c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' || c == 0x00A0 ||
         c == 0x00AD || c == 0x1680 || (c >= 0x2000 && c <= 0x200F) ||
         (c >= 0x2028 && c <= 0x202F) || (c >= 0x205F && c <= 0x2064) ||
         (c >= 0x2066 && c <= 0x206F) || c == 0x3000 || c == 0xFEFF || c == 0x061C ||
         c == 0x180E;
}

// Scripts written without spaces between words.
inline bool IsUnspacedScript(char32_t c) {
  return InRange(c, 0x0E00, 0x0EFF) ||  // Thai, Lao
         InRange(c, 0x0F00, 0x0FFF) ||  // Tibetan
         InRange(c, 0x1000, 0x109F) ||  // Myanmar
         InRange(c, 0x1780, 0x17FF);    // Khmer
}

inline bool IsCjk(char32_t c) {
  return InRange(c, 0x3040, 0x30FF) || InRange(c, 0x3400, 0x4DBF) ||
         InRange(c, 0x4E00, 0x9FFF) || InRange(c, 0xAC00, 0xD7AF) ||
         InRange(c, 0xF900, 0xFAFF);
}

inline bool IsUpperLetter(char32_t c) {
  return InRange(c, 'A', 'Z') || (InRange(c, 0xC0, 0xDE) && c != 0xD7) ||
         InRange(c, 0x391, 0x3A9) || InRange(c, 0x410, 0x42F) ||
         (InRange(c, 0x100, 0x17F) && (c % 2 == 0));
}

inline bool IsLetter(char32_t c) {
  return InRange(c, 'a', 'z') || InRange(c, 'A', 'Z') ||
         (c >= 0xC0 && c != 0xD7 && c != 0xF7 && !IsSpaceOrFormat(c) &&
          !InRange(c, 0x2000, 0x2BFF) && !InRange(c, 0x3000, 0x303F) &&
          !InRange(c, 0xFF00, 0xFF0F) && !InRange(c, 0xFF1A, 0xFF20));
}

// The counts of one line. Characters are code points (an invalid byte is
// one U+FFFD); spaces are IsSpaceOrFormat; every other character is a
// digit (ASCII), a letter (IsLetter) or punctuation.
struct LineChars {
  int chars = 0, nonspace = 0, letters = 0, upper = 0, digits = 0, punct = 0;
  int unspaced = 0;     // letters of unspaced scripts and CJK
  int code = 0;         // { } ; = < > ( ) [ ]
  int seps = 0;         // | • · » ›
  int indent = 0;       // spaces before the first other character
  int words = 0;        // runs of characters between spaces
  int cap_words = 0;    // those that start with an upper-case letter
  int script_chars = 0; // characters of unspaced scripts (IsUnspacedScript)
  int script_runs = 0;  // the runs they form (broken by any other character)
  char32_t first = 0;   // the first character that is no space and not U+0000
  bool year = false;    // a run of exactly four ASCII digits
  bool email = false;   // an '@' with a '.' somewhere after it
  bool operator==(const LineChars&) const = default;
};

LineChars CountLineChars(std::string_view line);
LineChars CountLineCharsScalar(std::string_view line);

}  // namespace winnow::detail

#endif  // WINNOW_DETAIL_LINE_CHARS_HPP_
