// The normaliser: the view of a line that rules and hashing see.
//
// Output bytes are never produced from this view; it exists so that trivial
// differences do not hide a match. Normalisation:
//  - decodes UTF-8; each invalid byte becomes U+FFFD (a letter, here);
//  - maps the text to NFKC_Casefold (Unicode UAX #15 and #44, by utf8proc):
//    composed and decomposed accents are one form ("é" == "e\u0301"),
//    compatibility forms fold (fullwidth "Ａ" == "a", halfwidth katakana ==
//    katakana, "ﬁ" == "fi"), case folds fully ("Straße" == "STRASSE"), and
//    default-ignorable code points are removed (zero-width space, joiners,
//    soft hyphen, BOM, direction marks, variation selectors), so
//    "Sh\u200bare" == "Share";
//  - treats punctuation, quotes, dashes, symbols and all Unicode spaces as
//    word separators, except that '.' and apostrophes (' and ’) inside a
//    word are dropped, joining its parts: "U.K." == "UK", "don’t" == "dont";
//  - makes every CJK ideograph and kana a word of its own, since those
//    scripts do not separate words by spaces;
//  - reads an HTML character reference left in scraped text (HtmlEntityChar:
//    "&nbsp;", "&#8217;", "&#x201D;", "&rsquo;", also escaped twice as
//    "&amp;nbsp;") as the character it spells, so "Share&nbsp;this" ==
//    "Share this" and "it&#8217;s" == "it’s" (HTML 5, 13.5 "Named character
//    references"; the common ones);
//  - drops the marks that a script writes optionally: the Arabic tatweel
//    (U+0640, kashida, a stretch of the line), Arabic vowel signs
//    (harakat, U+064B-U+065F, U+0670) and Hebrew points and cantillation
//    (U+0591-U+05BD, U+05BF, U+05C1-U+05C2, U+05C4-U+05C5, U+05C7), so a
//    vocalised or stretched word is the plain one;
//  - folds letters that are written either way: Russian ё as е, Turkish
//    dotless ı as i (and the dot above that case folding leaves on the i
//    of a capital İ is dropped), so "ЁЛКА" == "елка" and "ILIK" == "ılık".
// ASCII text and most other text map code point by code point from a table;
// a line holding a code point that needs context (a combining mark, a
// compatibility sequence, an ignorable) is mapped whole by utf8proc.
// The result is the words joined by single spaces.
#ifndef WINNOW_NORMALIZE_HPP_
#define WINNOW_NORMALIZE_HPP_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace winnow {

struct Normalized {
  struct Word {
    std::uint32_t begin;  // offset into text
    std::uint32_t size;
  };
  std::string text;          // words joined by ' '
  std::vector<Word> words;
  std::uint32_t cjk_words = 0;  // how many words are single CJK characters

  std::string_view word(std::size_t i) const {
    return std::string_view(text).substr(words[i].begin, words[i].size);
  }
};

// Normalises `in` into `*out` (cleared first; its capacity is reused).
void Normalize(std::string_view in, Normalized* out);

// `in` mapped to Unicode's NFKC_Casefold (UAX #44: NFKC, full case
// folding, default-ignorable code points removed), each invalid UTF-8 byte
// first replaced by U+FFFD. Normalize() applies the same mapping.
std::string NfkcCasefold(std::string_view in);

// Decodes one UTF-8 code point at `s[*pos]`, advancing *pos. An invalid or
// truncated sequence yields U+FFFD and advances by one byte.
char32_t DecodeUtf8(std::string_view s, std::size_t* pos);

// The character an HTML character reference's body spells (the text
// between '&' and ';': "nbsp", "#8221", "#x201D"; names in any case; the
// named references common in scraped text, HTML 5 13.5), or 0 for none.
char32_t HtmlEntityChar(std::string_view body);

// If `text` holds an HTML character reference that HtmlEntityChar() reads
// (also one escaped twice, "&amp;nbsp;"), writes `text` with each such
// reference replaced by the UTF-8 of its character to `*out` and returns
// true ("Photo&#58; AFP" -> "Photo: AFP"); otherwise returns false and
// leaves `*out` as it was. Linear in the text's length.
bool DecodeCharacterReferences(std::string_view text, std::string* out);

// Appends the UTF-8 encoding of `c` to `*out`.
void AppendUtf8(char32_t c, std::string* out);

}  // namespace winnow

#endif  // WINNOW_NORMALIZE_HPP_
