#include "winnow/normalize.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace winnow {
namespace {

using namespace std::string_view_literals;

std::string Norm(std::string_view in) {
  Normalized n;
  Normalize(in, &n);
  return n.text;
}

std::vector<std::string> Words(std::string_view in) {
  Normalized n;
  Normalize(in, &n);
  std::vector<std::string> words;
  for (std::size_t i = 0; i < n.words.size(); ++i) words.emplace_back(n.word(i));
  return words;
}

struct NormCase {
  const char* name;
  std::string_view input;
  std::string_view expected;  // the normalised text
};

const NormCase kNormCases[] = {
    {"empty", "", ""},
    {"only separators", " ,.;-- \t!?", ""},
    {"plain words", "Hello world", "hello world"},
    {"runs of spaces collapse", "  a   b\t\tc  ", "a b c"},
    {"dots inside a word join", "U.K.-based", "uk based"},
    {"no dots", "UK-based", "uk based"},
    {"trailing dot ends the word", "end.", "end"},
    {"dot between words with space", "end. Next", "end next"},
    {"dot before a digit joins", "3.14", "314"},
    {"double dot separates", "a..b", "a b"},
    {"ascii apostrophe joins", "don't", "dont"},
    {"right single quote joins", "don\u2019t", "dont"},
    {"left single quote joins", "don\u2018t", "dont"},
    {"modifier apostrophe joins", "don\u02bct", "dont"},
    {"soft hyphen joins", "co\u00adop", "coop"},
    {"quote at word edges is a separator", "'quoted'", "quoted"},
    {"typographic quotes at edges", "\u2018hi\u2019 \u201cthere\u201d", "hi there"},
    {"space before comma", "overnight ,", "overnight"},
    {"comma", "overnight,", "overnight"},
    {"em dash separates", "one\u2014two", "one two"},
    {"en dash separates", "one\u2013two", "one two"},
    {"hyphen separates", "one-two", "one two"},
    {"slash and brackets", "(a)/[b]{c}", "a b c"},
    {"symbols separate", "a+b=c*d#e@f", "a b c d e f"},
    {"NUL separates", "a\0b"sv, "a b"},
    {"control characters separate", "a\x01\x1f\x7f" "b", "a b"},
    {"no-break space separates", "a\u00a0b", "a b"},
    {"ideographic space separates", "a\u3000b", "a b"},
    {"BOM separates", "\ufeffhello", "hello"},
    // Long ASCII words are folded sixteen bytes at a time: runs that end
    // before, at and after a block's end, with what may follow them.
    {"a word of 15 bytes", "AbCdEfGhIjKlMnO", "abcdefghijklmno"},
    {"a word of 16 bytes", "ABCDEFGHIJKLMNOP x", "abcdefghijklmnop x"},
    {"a word of 17 bytes", "ABCDEFGHIJKLMNOPQ", "abcdefghijklmnopq"},
    {"a word of 40 bytes", "Internationalisation2024ZZ@abcdefghijkl!", "internationalisation2024zz abcdefghijkl"},
    {"block edges of @ [ ` {", "AZaz09@[`{AZaz09AZaz09/:", "azaz09 azaz09azaz09"},
    {"a word before non-ASCII", "ABCDEFGHIJKLMNOPQRST\u00c9T\u00c9 x", "abcdefghijklmnopqrst\u00e9t\u00e9 x"},
    {"a word before an invalid byte", "ABCDEFGHIJKLMNOPQRSTUV\xff" "Wxyz", "abcdefghijklmnopqrstuv\ufffdwxyz"},
    {"a joiner after a long word", "ABCDEFGHIJKLMNOPQRS.T end.", "abcdefghijklmnopqrst end"},
    {"emoji separate", "a\U0001F600b", "a b"},
    {"Latin-1 punctuation separates", "\u00aba\u00bb \u00bfb?", "a b"},
    {"multiplication sign separates", "2\u00d73", "2 3"},
    {"ordinal indicators fold to letters (NFKC)", "1\u00aa 2\u00ba", "1a 2o"},
    {"ASCII case", "ABCXYZ abcxyz 0189", "abcxyz abcxyz 0189"},
    {"Latin-1 case", "\u00c0\u00c9\u00d6\u00d8\u00de", "\u00e0\u00e9\u00f6\u00f8\u00fe"},
    {"sharp s folds to ss", "STRA\u00dfE", "strasse"},
    {"Latin Extended-A case",
     "\u0100\u0106\u0139\u0141\u0147\u014a\u0150\u0152\u0160\u0176",
     "\u0101\u0107\u013a\u0142\u0148\u014b\u0151\u0153\u0161\u0177"},
    {"Latin Extended-A Z with marks and Y diaeresis",
     "\u0178\u0179\u017b\u017d", "\u00ff\u017a\u017c\u017e"},
    {"Cyrillic case", "\u041f\u0420\u0418\u0412\u0415\u0422 \u042f",
     "\u043f\u0440\u0438\u0432\u0435\u0442 \u044f"},
    {"Cyrillic Io (as ye) and Ukrainian letters", "\u0401\u0404\u0406\u0407\u040f",
     "\u0435\u0454\u0456\u0457\u045f"},
    {"Greek case", "\u0391\u0392\u0393 \u03a9\u03a3", "\u03b1\u03b2\u03b3 \u03c9\u03c3"},
    {"Greek final sigma folds to sigma", "\u03bf\u03b4\u03bf\u03c2",
     "\u03bf\u03b4\u03bf\u03c3"},
    {"fullwidth digits fold", "\uff11\uff12", "12"},
    {"CJK ideographs are one word each", "\u4e2d\u6587", "\u4e2d \u6587"},
    {"kana are one word each", "\u3072\u3089\u30ab\u30ca", "\u3072 \u3089 \u30ab \u30ca"},
    {"CJK next to latin", "abc\u4e2ddef", "abc \u4e2d def"},
    {"CJK punctuation separates", "\u4e2d\u3002\u6587\uff01", "\u4e2d \u6587"},
    {"Hangul is a letter", "\ud55c\uad6d\uc5b4", "\ud55c\uad6d\uc5b4"},
    {"decomposed accent composes", "e\u0301t\u0065\u0301", "\u00e9t\u00e9"},
    {"decomposed capital composes and folds", "E\u0301COLE", "\u00e9cole"},
    {"Vietnamese stacked marks compose", "Vie\u0323\u0302t", "vi\u1ec7t"},
    {"zero-width space inside a word is removed", "Sh\u200bare", "share"},
    {"zero-width joiner and non-joiner are removed", "a\u200db\u200cc", "abc"},
    {"direction marks are removed", "\u200fabc\u200e", "abc"},
    {"variation selector is removed", "a\ufe0fb", "ab"},
    {"word joiner is removed", "a\u2060b", "ab"},
    {"ligature decomposes", "\ufb01nd", "find"},
    {"fullwidth letters fold", "\uff21\uff22\uff43", "abc"},
    {"halfwidth katakana fold to katakana", "\uff76\uff9e\uff77", "\u30ac \u30ad"},
    {"ohm and kelvin signs fold", "\u2126 \u212a", "\u03c9 k"},
    {"superscript digit folds", "x\u00b2", "x2"},
    {"dotted capital I folds to i", "\u0130", "i"},
    {"a dot above after another letter stays", "a\u0307", "\u0227"},
    {"a mark alone stays a letter", "\u0301", "\u0301"},
    {"a mark after a dropped joiner composes", "e.\u0301t\u00e9", "\u00e9t\u00e9"},
    {"invalid byte before a decomposed accent", "\xff" "e\u0301", "\xef\xbf\xbd\u00e9"},
    {"invalid byte inside a word", "ab\xff" "cd", "ab\xef\xbf\xbd" "cd"},
    {"invalid byte alone", "\x80", "\xef\xbf\xbd"},
    {"each invalid byte is one U+FFFD", "\xc3\x28",
     "\xef\xbf\xbd"},  // 0xC3 invalid lead here; '(' separates
    {"truncated sequence at end", "ab\xe2\x82", "ab\xef\xbf\xbd\xef\xbf\xbd"},
    // HTML character references read as what they spell.
    {"nbsp reference separates", "Share&nbsp;this&NBSP;article", "share this article"},
    {"decimal and hex references", "it&#8217;s &#x201C;ok&#x201d;", "its ok"},
    {"named apostrophe joins", "don&rsquo;t", "dont"},
    {"a reference escaped twice", "Read&amp;nbsp;more", "read more"},
    {"amp alone is a separator", "Tom&amp;Jerry", "tom jerry"},
    {"accented letter references", "caf&eacute; &Eacute;T&Eacute;", "caf\u00e9 \u00e9t\u00e9"},
    {"a soft hyphen reference is dropped", "co&shy;op", "coop"},
    {"ellipsis references", "Loading&hellip; Loading&mldr;", "loading loading"},
    {"unknown names stay text", "AT&T; R&D &foo; &#;", "at t r d foo"},
    {"no semicolon, no reference", "&nbsp &amp", "nbsp amp"},
    {"a surrogate reference is text", "a&#xD800;b", "a xd800 b"},
    {"a reference at a block's edge",
     "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789&nbsp;end",
     "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz0123456789 end"},
    // Marks a script writes optionally.
    {"Arabic tatweel is dropped", "\u0634\u0640\u0640\u0627\u0631\u0643", "\u0634\u0627\u0631\u0643"},
    {"Arabic harakat are dropped", "\u0643\u064e\u062a\u064e\u0628\u064e", "\u0643\u062a\u0628"},
    {"Russian yo is ye", "\u0401\u043b\u043a\u0430 \u0451\u0436", "\u0435\u043b\u043a\u0430 \u0435\u0436"},
    {"Turkish dotless i and dotted capital I are i", "IL\u0131K \u0130L\u0130K", "ilik ilik"},
    {"Hebrew points are dropped", "\u05e9\u05c1\u05b8\u05dc\u05d5\u05b9\u05dd", "\u05e9\u05dc\u05d5\u05dd"},
};

TEST(NormalizeTest, Table) {
  for (const NormCase& c : kNormCases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(Norm(c.input), c.expected) << "input: " << ::testing::PrintToString(std::string(c.input));
  }
}

// Pairs that must normalise to the same words.
struct SameCase {
  std::string_view a, b;
};

const SameCase kSameCases[] = {
    {"U.K.-based", "UK-based"},
    {"U.K.-based", "uk based"},
    {"don\u2019t", "don't"},
    {"don't", "dont"},
    {"DON\u2019T", "dont"},
    {"overnight ,", "overnight,"},
    {"Flood barriers failed overnight , officials said.",
     "Flood barriers failed overnight, officials said"},
    {"war \u2014 and peace", "war - and peace"},
    {"war\u2013peace", "war peace"},
    {"\u00c9COLE", "\u00e9cole"},
    {"\u041c\u041e\u0421\u041a\u0412\u0410", "\u043c\u043e\u0441\u043a\u0432\u0430"},
    {"\u0391\u0398\u0397\u039d\u0391", "\u03b1\u03b8\u03b7\u03bd\u03b1"},
    {"\u039f\u0394\u039f\u03a3", "\u03bf\u03b4\u03bf\u03c2"},  // ΟΔΟΣ / οδος
    {"\u017d\u0139\u0164", "\u017e\u013a\u0165"},
    {"Share This!", "share  this"},
    {"Sh\u200bare this", "Share this"},
    {"Fran\u00e7ais \u00e0 l\u2019\u00e9cole", "Franc\u0327ais a\u0300 l\u2019e\u0301cole"},
    {"Ti\u1ebfng Vi\u1ec7t", "Tie\u0302\u0301ng Vie\u0323\u0302t"},
    {"\u30ab\u30bf\u30ab\u30ca", "\uff76\uff80\uff76\uff85"},
    {"\u30ac\u30c3\u30b3\u30a6", "\uff76\uff9e\uff6f\uff7a\uff73"},
    {"STRASSE", "Stra\u00dfe"},
    {"co\u00adop\u00ader\u00adate", "cooperate"},
    {"\ufeffhello", "hello"},
    {"Share&nbsp;this&nbsp;article", "Share this article"},
    {"The company&#8217;s U.K.&nbsp;office", "The company\u2019s UK office"},
    {"\u0634\u0640\u0640\u0627\u0631\u0643 \u0627\u0644\u0645\u0642\u0627\u0644", "\u0634\u0627\u0631\u0643 \u0627\u0644\u0645\u0642\u0627\u0644"},
};

TEST(NormalizeTest, EquivalentSpellingsGiveTheSameWords) {
  for (const SameCase& c : kSameCases) {
    SCOPED_TRACE(std::string(c.a) + " | " + std::string(c.b));
    EXPECT_EQ(Words(c.a), Words(c.b));
    EXPECT_FALSE(Words(c.a).empty());
  }
}

TEST(NormalizeTest, WordsIndexTheText) {
  Normalized n;
  Normalize("  Hello, W\u00d6RLD \u4e2d\u6587 x  ", &n);
  EXPECT_EQ(n.text, "hello w\u00f6rld \u4e2d \u6587 x");
  ASSERT_EQ(n.words.size(), 5u);
  const std::vector<std::string_view> expected = {"hello", "w\u00f6rld", "\u4e2d",
                                                  "\u6587", "x"};
  std::string rebuilt;
  for (std::size_t i = 0; i < n.words.size(); ++i) {
    EXPECT_EQ(n.word(i), expected[i]);
    if (i) rebuilt.push_back(' ');
    rebuilt.append(n.word(i));
  }
  EXPECT_EQ(rebuilt, n.text);
  EXPECT_EQ(n.cjk_words, 2u);
}

struct CjkCase {
  std::string_view input;
  std::size_t words;
  std::uint32_t cjk;
};

const CjkCase kCjkCases[] = {
    {"", 0, 0},
    {"plain latin words", 3, 0},
    {"\u4e2d", 1, 1},
    {"\u4e2d\u6587\u5b57", 3, 3},
    {"\u4e2d\u6587 and \u65e5\u672c\u8a9e", 6, 5},
    {"\u3072\u3089\u304c\u306a", 4, 4},                  // hiragana
    {"\U00020000\U0002A6D6", 2, 2},                       // CJK Extension B
    {"\uf900", 1, 1},                                      // compatibility ideograph
    {"\u4e00\u3002\u9fff", 2, 2},                          // block edges
};

TEST(NormalizeTest, CjkCharactersAreWordsAndCounted) {
  for (const CjkCase& c : kCjkCases) {
    SCOPED_TRACE(std::string(c.input));
    Normalized n;
    Normalize(c.input, &n);
    EXPECT_EQ(n.words.size(), c.words);
    EXPECT_EQ(n.cjk_words, c.cjk);
  }
}

TEST(DecodeCharacterReferencesTest, SpellsTheReferencesAndKeepsTheRest) {
  std::string out = "untouched";
  EXPECT_FALSE(DecodeCharacterReferences("Fish & chips &c; & more", &out));
  EXPECT_EQ(out, "untouched");
  EXPECT_FALSE(DecodeCharacterReferences("", &out));
  ASSERT_TRUE(DecodeCharacterReferences("Photo&#58; AFP", &out));
  EXPECT_EQ(out, "Photo: AFP");
  ASSERT_TRUE(DecodeCharacterReferences("it&#8217;s &amp;nbsp;&amp; &bogus; end&#x201D;", &out));
  EXPECT_EQ(out, "it\u2019s \u00a0& &bogus; end\u201d");
  ASSERT_TRUE(DecodeCharacterReferences("&lt;b&gt;", &out));
  EXPECT_EQ(out, "<b>");
}

TEST(NormalizeTest, OutputIsClearedAndReused) {
  Normalized n;
  Normalize("\u4e2d\u6587 many words here", &n);
  ASSERT_EQ(n.cjk_words, 2u);
  Normalize("x", &n);
  EXPECT_EQ(n.text, "x");
  EXPECT_EQ(n.words.size(), 1u);
  EXPECT_EQ(n.cjk_words, 0u);
  Normalize("", &n);
  EXPECT_EQ(n.text, "");
  EXPECT_TRUE(n.words.empty());
}

TEST(NormalizeTest, InvalidUtf8NeverEscapesAsRawBytes) {
  // Every byte value, alone and between letters: the output is valid UTF-8.
  for (int b = 0; b < 256; ++b) {
    SCOPED_TRACE(b);
    std::string in = "a";
    in.push_back(static_cast<char>(b));
    in.push_back('z');
    Normalized n;
    Normalize(in, &n);
    std::size_t pos = 0;
    while (pos < n.text.size()) {
      std::size_t before = pos;
      char32_t c = DecodeUtf8(n.text, &pos);
      if (c == 0xFFFD) {
        // Only a real, encoded U+FFFD may decode as the replacement.
        ASSERT_EQ(n.text.substr(before, 3), "\xef\xbf\xbd");
        pos = before + 3;
      }
    }
    if (b >= 0x80) {
      // A lone non-ASCII byte is invalid UTF-8: a letter U+FFFD in the word.
      EXPECT_EQ(n.text, "a\xef\xbf\xbdz");
    }
  }
}

struct DecodeCase {
  const char* name;
  std::string_view bytes;
  char32_t expected;
  std::size_t advance;
};

const DecodeCase kDecodeCases[] = {
    {"NUL", "\0"sv, 0, 1},
    {"ASCII", "A", 'A', 1},
    {"DEL", "\x7f", 0x7F, 1},
    {"2-byte min", "\xc2\x80", 0x80, 2},
    {"2-byte max", "\xdf\xbf", 0x7FF, 2},
    {"3-byte min", "\xe0\xa0\x80", 0x800, 3},
    {"before surrogates", "\xed\x9f\xbf", 0xD7FF, 3},
    {"after surrogates", "\xee\x80\x80", 0xE000, 3},
    {"U+FFFD itself", "\xef\xbf\xbd", 0xFFFD, 3},
    {"3-byte max", "\xef\xbf\xbf", 0xFFFF, 3},
    {"4-byte min", "\xf0\x90\x80\x80", 0x10000, 4},
    {"max code point", "\xf4\x8f\xbf\xbf", 0x10FFFF, 4},
    {"continuation byte alone", "\x80", 0xFFFD, 1},
    {"continuation byte 0xbf", "\xbf", 0xFFFD, 1},
    {"overlong C0", "\xc0\x80", 0xFFFD, 1},
    {"overlong C1", "\xc1\xbf", 0xFFFD, 1},
    {"overlong 3-byte", "\xe0\x80\x80", 0xFFFD, 1},
    {"overlong 3-byte max", "\xe0\x9f\xbf", 0xFFFD, 1},
    {"overlong 4-byte", "\xf0\x80\x80\x80", 0xFFFD, 1},
    {"overlong 4-byte max", "\xf0\x8f\xbf\xbf", 0xFFFD, 1},
    {"surrogate low edge", "\xed\xa0\x80", 0xFFFD, 1},
    {"surrogate high edge", "\xed\xbf\xbf", 0xFFFD, 1},
    {"above U+10FFFF", "\xf4\x90\x80\x80", 0xFFFD, 1},
    {"F5 lead", "\xf5\x80\x80\x80", 0xFFFD, 1},
    {"FE", "\xfe", 0xFFFD, 1},
    {"FF", "\xff", 0xFFFD, 1},
    {"truncated 2-byte", "\xc3", 0xFFFD, 1},
    {"truncated 3-byte", "\xe2\x82", 0xFFFD, 1},
    {"truncated 4-byte", "\xf0\x9f\x98", 0xFFFD, 1},
    {"bad continuation (ASCII)", "\xc3(", 0xFFFD, 1},
    {"bad continuation (lead)", "\xe2\xc3\xa9", 0xFFFD, 1},
    {"bad last continuation", "\xf0\x9f\x98\x41", 0xFFFD, 1},
};

// A slow model of Normalize() built from Normalize() on single code points
// (what each one is: a letter and its folded form, a joiner, a separator, an
// ideograph) and the word rules written plainly: the fast paths (ASCII runs,
// the output buffer) must agree with it on any bytes.
class SlowNormalizer {
 public:
  std::string Run(std::string_view raw, std::vector<std::string>* words, std::uint32_t* cjk) {
    // NFKC_Casefold of the whole text first, then its code points one by one.
    const std::string mapped = NfkcCasefold(raw);
    const std::string_view in = mapped;
    words->clear();
    *cjk = 0;
    std::string current;
    bool in_word = false;
    auto end_word = [&] {
      if (in_word) words->push_back(current);
      current.clear();
      in_word = false;
    };
    std::size_t pos = 0;
    while (pos < in.size()) {
      const char32_t c = DecodeUtf8(in, &pos);
      // The dot above that case folding leaves after the i of a capital
      // I with a dot is dropped (Normalize() of U+0307 alone keeps it).
      if (c == 0x0307 && in_word && !current.empty() && current.back() == 'i') continue;
      const Info& info = Classify(c);
      if (info.ideograph) {
        end_word();
        std::string one;
        AppendUtf8(c, &one);
        words->push_back(one);
        ++*cjk;
      } else if (info.joiner) {
        std::size_t peek = pos;
        const bool letter_follows =
            in_word && peek < in.size() && Classify(DecodeUtf8(in, &peek)).letter;
        if (!letter_follows) end_word();
      } else if (info.letter) {
        in_word = true;
        current += info.folded;
      } else {
        end_word();
      }
    }
    end_word();
    std::string text;
    for (const std::string& w : *words) text += (text.empty() ? "" : " ") + w;
    // Words that dropping a joiner left unnormalised are mapped once more.
    if (NfkcCasefold(text) != text) return Run(text, words, cjk);
    return text;
  }

 private:
  struct Info {
    bool letter = false, joiner = false, ideograph = false;
    std::string folded;
  };
  const Info& Classify(char32_t c) {
    auto it = cache_.find(c);
    if (it != cache_.end()) return it->second;
    Info info;
    std::string alone;
    AppendUtf8(c, &alone);
    Normalized n;
    Normalize(alone, &n);
    if (n.cjk_words == 1) {
      info.ideograph = true;
    } else if (n.words.size() == 1) {
      info.letter = true;
      info.folded = n.text;
    } else {
      Normalize("a" + alone + "a", &n);
      info.joiner = n.text == "aa";
    }
    return cache_[c] = info;
  }
  std::map<char32_t, Info> cache_;
};


// Normalize(in) gives the slow model's text, words and CJK count.
void ExpectAgreesWithSlow(const std::string& in, SlowNormalizer* slow, Normalized* fast) {
  std::vector<std::string> words;
  std::uint32_t cjk = 0;
  const std::string expected = slow->Run(in, &words, &cjk);
  Normalize(in, fast);
  ASSERT_EQ(fast->text, expected) << "input: " << testing::PrintToString(in);
  ASSERT_EQ(fast->words.size(), words.size()) << "input: " << testing::PrintToString(in);
  for (std::size_t i = 0; i < words.size(); ++i) ASSERT_EQ(fast->word(i), words[i]);
  ASSERT_EQ(fast->cjk_words, cjk);
}
TEST(NormalizeTest, AgreesWithASlowModelOnRandomBytes) {
  // Bytes drawn from a mix that exercises every path: ASCII letters and
  // punctuation, joiners, multi-byte letters, ideographs, invalid bytes.
  const std::vector<std::string> pieces = {
      "a", "Z", "7", " ", ".", "'", "-", "\n", "\t", "\xE2\x80\x99", "\xC3\x89",
      "\xC3\xA9", "\xD0\x96", "\xCE\xA3", "\xE4\xB8\xAD", "\xE3\x81\x82", "\xEF\xBC\xA1",
      "\xC2\xAD", "\xC2\xA0", "\x80", "\xFF", "\xE4\xB8", "\xF0\x9F\x98\x80", "\xC4\xB0",
      "U.K.", "don't", "x", "e\xCC\x81", "\xCC\x81", "\xE2\x80\x8B", "\xE2\x80\x8D",
      "\xEF\xAC\x81", "\xEF\xBD\xB6", "\xEF\xBE\x9E", "\xE2\x84\xA6", "\xE1\x84\x80",
      "\xE1\x85\xA1", "\xC3\x9F", "\xC2\xB2", "\xEF\xB8\x8F", "\xE0\xA4\x95\xE0\xA4\xBF",
      "\xE2\x80\xA6", "\xE2\x80\xA5", "\xE2\x80\xBC", "\xE2\x84\xA2", "\xEF\xB8\x99"};
  std::mt19937 rng(12345);
  SlowNormalizer slow;
  Normalized fast;
  for (int round = 0; round < 3000; ++round) {
    std::string in;
    const int n = static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) in += pieces[rng() % pieces.size()];
    ExpectAgreesWithSlow(in, &slow, &fast);
    if (HasFatalFailure()) return;
    // The result is its own normalisation.
    Normalized again;
    Normalize(fast.text, &again);
    ASSERT_EQ(again.text, fast.text) << "input: " << testing::PrintToString(in);
  }
}

// Long lines of mostly ASCII words, spaces and punctuation, with a joiner
// or a byte outside ASCII here and there: words and runs of separators
// that start, end or straddle the 16- and 64-byte blocks of the ASCII
// fast paths, at every offset.
TEST(NormalizeTest, AgreesWithASlowModelOnLongAsciiLines) {
  const std::vector<std::string> pieces = {
      "a", "Z", "7", "word", "Words", "HELLO", "x9", " ", " ", " ", "  ", ", ", ";", "-", "\t",
      "\x01", "\x7F", std::string(1, '\0'), ".", "'", "U.K.", "don't", "\xC3\xA9", "\xE2\x80\x99",
      "\xE4\xB8\xAD", "\x80", std::string(63, 'q'), std::string(64, 'R'), std::string(65, '5'),
      std::string(70, ' ')};
  std::mt19937 rng(64);
  SlowNormalizer slow;
  Normalized fast;
  for (int round = 0; round < 3000; ++round) {
    std::string in;
    const int n = static_cast<int>(rng() % 120);
    for (int i = 0; i < n; ++i) {
      const std::size_t k = rng() % pieces.size();
      // Rare: the joiners, the bytes outside ASCII and the long runs.
      if (k >= 18 && rng() % 4 != 0) continue;
      in += pieces[k];
    }
    ExpectAgreesWithSlow(in, &slow, &fast);
    if (HasFatalFailure()) return;
  }
}

TEST(DecodeUtf8Test, Table) {
  for (const DecodeCase& c : kDecodeCases) {
    SCOPED_TRACE(c.name);
    // Followed by more bytes, and at a non-zero offset: the decoder must
    // look only at its own sequence.
    const std::string padded = "x" + std::string(c.bytes) + "yz";
    std::size_t pos = 1;
    EXPECT_EQ(static_cast<std::uint32_t>(DecodeUtf8(padded, &pos)),
              static_cast<std::uint32_t>(c.expected));
    EXPECT_EQ(pos, 1 + c.advance);
    // Exactly at the end of the input (truncation is seen as truncation).
    pos = 0;
    DecodeUtf8(c.bytes, &pos);
    EXPECT_EQ(pos, c.advance);
  }
}

TEST(Utf8RoundTripTest, BoundaryCodePoints) {
  const char32_t kPoints[] = {0x0,    0x1,    0x7F,    0x80,    0x7FF,
                              0x800,  0xFFF,  0x1000,  0xD7FF,  0xE000,
                              0xFFFD, 0xFFFE, 0xFFFF,  0x10000, 0x3FFFF,
                              0x40000, 0xFFFFF, 0x100000, 0x10FFFF};
  const std::size_t kLengths[] = {1, 1, 1, 2, 2, 3, 3, 3, 3, 3,
                                  3, 3, 3, 4, 4, 4, 4, 4, 4};
  static_assert(std::size(kPoints) == std::size(kLengths));
  for (std::size_t i = 0; i < std::size(kPoints); ++i) {
    const char32_t c = kPoints[i];
    SCOPED_TRACE(static_cast<std::uint32_t>(c));
    std::string s = "pre";
    AppendUtf8(c, &s);
    ASSERT_EQ(s.size(), 3 + kLengths[i]);
    std::size_t pos = 3;
    EXPECT_EQ(static_cast<std::uint32_t>(DecodeUtf8(s, &pos)),
              static_cast<std::uint32_t>(c));
    EXPECT_EQ(pos, s.size());
  }
}

TEST(Utf8RoundTripTest, EveryScalarValue) {
  std::string s;
  for (char32_t c = 0; c <= 0x10FFFF; ++c) {
    if (c >= 0xD800 && c <= 0xDFFF) continue;
    s.clear();
    AppendUtf8(c, &s);
    std::size_t pos = 0;
    char32_t back = DecodeUtf8(s, &pos);
    if (back != c || pos != s.size()) {
      FAIL() << "U+" << std::hex << static_cast<std::uint32_t>(c);
    }
  }
}

TEST(Utf8RoundTripTest, KnownEncodings) {
  struct {
    char32_t c;
    std::string_view bytes;
  } const kCases[] = {
      {U'\u00e9', "\xc3\xa9"},
      {U'\u20ac', "\xe2\x82\xac"},
      {U'\uFFFD', "\xef\xbf\xbd"},
      {U'\U0001F600', "\xf0\x9f\x98\x80"},
  };
  for (const auto& c : kCases) {
    std::string s;
    AppendUtf8(c.c, &s);
    EXPECT_EQ(s, c.bytes);
  }
}

}  // namespace
}  // namespace winnow
