#include "winnow/line_features.hpp"

#include <utf8proc.h>

#include <algorithm>
#include <cctype>
#include <array>
#include <cmath>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "winnow/detail/line_chars.hpp"
#include "winnow/hashing.hpp"
#include "winnow/normalize.hpp"
#include "winnow/shingle.hpp"

namespace winnow {

std::string_view StopwordsText();  // rules/stopwords.txt, built in

namespace {

using detail::IsSpaceOrFormat;
using detail::IsUnspacedScript;

// Sentence-final marks of the scripts winnow meets.
bool IsClosingMark(char32_t c) {
  switch (c) {
    case '.': case '!': case '?': case '"': case '\'':
    case 0x201D:  // ”
    case 0x2019:  // ’
    case 0x00BB:  // »
    case 0x3002:  // 。
    case 0xFF01:  // ！
    case 0xFF1F:  // ？
    case 0xFF0E:  // ．
    case 0xFF61:  // ｡
    case 0x061F:  // ؟
    case 0x06D4:  // ۔
    case 0x0964: case 0x0965:  // । ॥
    case 0x1362: case 0x1367:  // ። ፧
    case 0x17D4: case 0x17D5:  // ។ ៕
    case 0x0F0D: case 0x0F0E:  // ། ༎
    case 0x104A: case 0x104B:  // ၊ ။
    case 0x0E5A: case 0x0E5B:  // ๚ ๛
    case 0x0589:  // ։ Armenian
    case 0x203C: case 0x203D:  // ‼ ‽
    case 0x2047: case 0x2048: case 0x2049:
      return true;
    default:
      return false;
  }
}

// Closing brackets and quotes that may follow a sentence's mark.
bool IsTrailingCloser(char32_t c) {
  return c == ')' || c == ']' || c == '}' || c == '*' || c == 0xFF09 || c == 0x300D ||
         c == 0x300F || c == 0x3011 || c == 0x300B || c == 0x3009 || c == 0x201C ||
         c == 0x2018 || c == 0x00AB || c == 0x201E;
}

// Decodes the code point that ends at s[end-1], moving `end` to its start.
char32_t PreviousCodePoint(std::string_view s, std::size_t* end) {
  std::size_t start = *end - 1;
  if (static_cast<unsigned char>(s[start]) < 0x80) {
    *end = start;
    return static_cast<unsigned char>(s[start]);
  }
  while (start > 0 && *end - start < 4 &&
         (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) {
    --start;
  }
  std::size_t pos = start;
  char32_t c = DecodeUtf8(s, &pos);
  if (pos != *end) {  // not a clean sequence: step one byte
    *end -= 1;
    return 0xFFFD;
  }
  *end = start;
  return c;
}

// Invisible characters after a mark: spaces and format characters
// (IsSpaceOrFormat), variation selectors (U+FE00-U+FE0F, U+E0100-U+E01EF)
// and tag characters (U+E0000-U+E007F).
bool IsInvisible(char32_t c) {
  return IsSpaceOrFormat(c) || (c >= 0xFE00 && c <= 0xFE0F) || (c >= 0xE0000 && c <= 0xE007F) ||
         (c >= 0xE0100 && c <= 0xE01EF);
}

// If s[..end) ends in an HTML character reference (&name; &#NNN; &#xHH;,
// also escaped twice as &amp;name;, and without its ';' at the very end of
// the line, as &nbsp), returns the character it spells and moves `end` to
// its '&'; else 0.
char32_t TrailingEntity(std::string_view s, std::size_t* end) {
  if (*end == 0) return 0;
  const bool semicolon = s[*end - 1] == ';';
  if (!semicolon && *end != s.size()) return 0;
  const std::size_t stop = semicolon ? *end - 1 : *end;
  std::size_t amp = stop;
  while (amp > 0 && stop - amp < 16 && s[amp - 1] != '&' && s[amp - 1] != ';') --amp;
  if (amp == stop || amp == 0) return 0;
  std::size_t start;  // the first byte of the reference
  if (s[amp - 1] == '&') {
    start = amp - 1;
  } else if (s[amp - 1] == ';' && amp >= 5 && s.substr(amp - 5, 5) == "&amp;") {
    start = amp - 5;  // &amp;nbsp;
  } else {
    return 0;
  }
  const char32_t c = HtmlEntityChar(s.substr(amp, stop - amp));
  if (c == 0) return 0;
  *end = start;
  return c;
}

// The character that ends at text[end-1], an HTML character reference
// spelling one included, moving `end` to its start.
char32_t PreviousChar(std::string_view text, std::size_t* end) {
  // (Only a ';', or a letter or digit at the very end, can end a reference.)
  const char b = text[*end - 1];
  const bool entity = b == ';' || (*end == text.size() && std::isalnum(static_cast<unsigned char>(b)));
  const char32_t c = entity ? TrailingEntity(text, end) : 0;
  return c != 0 ? c : PreviousCodePoint(text, end);
}

// The last meaningful character of `text` (see EndsWithClosingPunctuation),
// and the position where it starts; 0 for none.
char32_t LastMark(std::string_view text, std::size_t* at) {
  std::size_t end = text.size();
  while (end > 0) {
    const char32_t c = PreviousChar(text, &end);
    if (IsInvisible(c) || IsTrailingCloser(c)) continue;
    *at = end;
    return c;
  }
  *at = 0;
  return 0;
}

// Whether the first letter of `text` (after spaces, punctuation and
// quotes) is a lower-case one: the line goes on with a sentence that the
// line above began. Scripts without case never do.
bool StartsLowerCase(std::string_view text) {
  for (std::size_t pos = 0; pos < text.size();) {
    const char32_t c = DecodeUtf8(text, &pos);
    const auto category = utf8proc_get_property(static_cast<utf8proc_int32_t>(c))->category;
    if (category == UTF8PROC_CATEGORY_LL) return true;
    if (category >= UTF8PROC_CATEGORY_LU && category <= UTF8PROC_CATEGORY_LO) return false;
    if (category == UTF8PROC_CATEGORY_ND) return false;
  }
  return false;
}

// log1p of a count. The features take it of whole numbers, most of them
// small: those come from a table made with std::log1p itself (the same
// floats, without a call into libm per count).
float Log1p(double x) {
  constexpr int kTableSize = 1024;
  static const std::array<float, kTableSize> kTable = [] {
    std::array<float, kTableSize> t{};
    for (int i = 0; i < kTableSize; ++i) t[i] = static_cast<float>(std::log1p(static_cast<double>(i)));
    return t;
  }();
  if (x >= 0 && x < kTableSize) {
    const int i = static_cast<int>(x);
    if (static_cast<double>(i) == x) return kTable[i];
  }
  return static_cast<float>(std::log1p(std::max(0.0, x)));
}

// Kadane's weights: how much a line adds to or takes from the main text.
double SpanWeight(bool body, int words, bool rule, bool boundary) {
  if (boundary) return -15.0;
  if (body) return words;
  if (rule) return -4.0;
  return -2.0 - std::min(words, 10) * 0.3;
}

}  // namespace

bool EndsWithClosingPunctuation(std::string_view text) {
  std::size_t at;
  const char32_t c = LastMark(text, &at);
  if (!IsClosingMark(c)) return false;
  if (c == '.') {
    // "..." is a cut-off teaser, not the end of a sentence.
    std::size_t e = at;
    int dots = 1;
    while (e > 0 && text[e - 1] == '.') --e, ++dots;
    if (dots >= 3) return false;
  }
  return true;
}

bool EndsWithColon(std::string_view text) {
  std::size_t end = text.size();
  while (end > 0) {
    const char32_t c = PreviousChar(text, &end);
    if (!IsInvisible(c)) return c == ':' || c == 0xFF1A;
  }
  return false;
}

namespace {

// The characters of scripts written without spaces in a line, and how many
// runs they form: fed every non-ASCII character, told of each ASCII one.
struct UnspacedRuns {
  int chars = 0, runs = 0;
  bool in_run = false;
  void Add(char32_t c) {
    const bool unspaced = IsUnspacedScript(c);
    chars += unspaced;
    runs += unspaced && !in_run;
    in_run = unspaced;
  }
  void Break() { in_run = false; }
};

// CountWords() from the line's characters of unspaced scripts and the runs
// they form (counted by the caller's pass over the line).
int WordCount(const Normalized& norm, int unspaced, int runs) {
  const int cjk = static_cast<int>(norm.cjk_words);
  int words = static_cast<int>(norm.words.size()) - cjk + (cjk + 1) / 2;
  // Runs of unspaced scripts normalise to one word each; count their
  // characters instead, four to a word.
  if (unspaced > 0) words += std::max(0, (unspaced + 3) / 4 - runs);
  return words;
}

}  // namespace

int CountWords(std::string_view raw, const Normalized& norm) {
  UnspacedRuns unspaced;
  for (std::size_t pos = 0; pos < raw.size();) {
    // ASCII only ends a run: eight bytes of it at a time.
    std::uint64_t eight = 0x80;  // (fewer than eight left: byte by byte)
    if (pos + 8 <= raw.size()) std::memcpy(&eight, raw.data() + pos, 8);
    if ((eight & 0x8080808080808080ULL) == 0) {
      pos += 8;
      unspaced.Break();
      continue;
    }
    if (static_cast<unsigned char>(raw[pos]) < 0x80) {
      ++pos;
      unspaced.Break();
      continue;
    }
    unspaced.Add(DecodeUtf8(raw, &pos));
  }
  return WordCount(norm, unspaced.chars, unspaced.runs);
}

namespace {

bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

// A clock time: one or two digits of hours (0-23), a colon, two digits of
// minutes (00-59), optionally a colon and two of seconds, not inside a
// longer run of digits and colons.
bool HasClockTime(std::string_view s) {
  for (std::size_t p = s.find(':'); p != std::string_view::npos; p = s.find(':', p + 1)) {
    std::size_t h = p;
    while (h > 0 && p - h < 3 && IsAsciiDigit(s[h - 1])) --h;
    const std::size_t hour_digits = p - h;
    if (hour_digits == 0 || hour_digits > 2 || (h > 0 && (s[h - 1] == ':' || IsAsciiDigit(s[h - 1])))) {
      continue;
    }
    const int hours = hour_digits == 1 ? s[h] - '0' : (s[h] - '0') * 10 + (s[h + 1] - '0');
    auto two_digits = [&](std::size_t at, int limit) {
      return at + 2 <= s.size() && IsAsciiDigit(s[at]) && IsAsciiDigit(s[at + 1]) &&
             (s[at] - '0') * 10 + (s[at + 1] - '0') <= limit &&
             (at + 2 == s.size() || !IsAsciiDigit(s[at + 2]));
    };
    if (hours > 23 || !two_digits(p + 1, 59)) continue;
    std::size_t end = p + 3;
    if (end < s.size() && s[end] == ':') {
      if (!two_digits(end + 1, 59)) continue;
      end += 3;
    }
    if (end < s.size() && s[end] == ':') continue;
    return true;
  }
  return false;
}

bool IsNumberWord(std::string_view w) {
  if (w.empty() || w.size() > 4) return false;
  for (char c : w) {
    if (!IsAsciiDigit(c)) return false;
  }
  return true;
}

// The words of relative times and of saying, normalised (NFKC_Casefold).
struct StampWords {
  std::unordered_set<std::string_view> units, ago_after, ago_before;
  std::vector<std::uint64_t> saying;  // HashWord(word, kWordSeed), sorted
  StampWords() {
    for (const char* w : {
             // English, German, French, Spanish, Portuguese, Italian, Dutch
             "second", "seconds", "sec", "secs", "minute", "minutes", "min", "mins", "hour",
             "hours", "hr", "hrs", "day", "days", "week", "weeks", "wk", "wks", "month", "months",
             "mo", "mos", "year", "years", "yr", "yrs", "sekunde", "sekunden", "minuten",
             "stunde", "stunden", "tag", "tage", "tagen", "woche", "wochen", "monat", "monate",
             "monaten", "jahr", "jahre", "jahren", "seconde", "secondes", "heure", "heures",
             "jour", "jours", "semaine", "semaines", "mois", "an", "ans", "année", "années",
             "segundo", "segundos", "minuto", "minutos", "hora", "horas", "día", "días", "dia",
             "dias", "semana", "semanas", "mes", "meses", "mês", "año", "años", "ano", "anos",
             "secondi", "minuti", "ora", "ore", "giorno", "giorni", "settimana", "settimane",
             "mese", "mesi", "anno", "anni", "seconden", "minuut", "uur", "uren", "dag", "dagen",
             "weken", "maand", "maanden", "jaar", "jaren",
             // Swedish, Danish, Norwegian, Polish, Russian, Ukrainian, Turkish
             "sekund", "sekunder", "minut", "minuter", "minutter", "timme", "timmar", "time",
             "timer", "dagar", "dage", "dager", "vecka", "veckor", "uge", "uger", "uke", "uker",
             "månad", "månader", "måned", "måneder", "år", "sekundy", "sekundę", "minuty",
             "minutę", "godzin", "godziny", "godzinę", "dzień", "dni", "tydzień", "tygodnie",
             "tygodni", "miesiąc", "miesiące", "miesięcy", "rok", "lata", "lat", "секунд",
             "секунду", "секунды", "минут", "минуту", "минуты", "час", "часа", "часов", "день",
             "дня", "дней", "неделю", "недели", "недель", "месяц", "месяца", "месяцев", "год",
             "года", "лет", "хвилин", "хвилину", "хвилини", "годину", "години", "годин", "днів",
             "дні", "тиждень", "тижні", "тижнів", "місяць", "місяці", "місяців", "рік", "роки",
             "років", "saniye", "dakika", "saat", "gün", "hafta", "ay", "yıl"}) {
      units.insert(w);
    }
    for (const char* w : {"ago", "fa", "geleden", "sedan", "siden", "temu", "назад", "тому", "önce"}) {
      ago_after.insert(w);
    }
    for (const char* w : {"vor", "hace", "há", "ha"}) ago_before.insert(w);
    for (const char* w : {"says", "said", "wrote", "writes", "commented", "replied", "responded",
                          "schrieb", "sagt", "écrit", "escribió", "dijo", "comentó", "escreveu",
                          "disse", "comentou", "scrive", "scritto", "schreef", "zegt", "написал",
                          "написала", "пишет", "napisał", "napisała", "skrev", "yazdı"}) {
      saying.push_back(HashWord(w, kWordSeed));
    }
    std::sort(saying.begin(), saying.end());
  }
};

// IsPostStamp() for a line whose ASCII digits the caller has counted, and
// whose last word hashes to `last_hash` (HashWord(word, kWordSeed)).
bool PostStamp(std::string_view raw, const Normalized& norm, bool digits, std::uint64_t last_hash) {
  const std::size_t n = norm.words.size();
  if (n == 0 || n > 30) return false;
  static const StampWords words;
  // "Maria says:", "Bob wrote": the verb ends the line, or a colon does
  // ("the council said." is a sentence).
  std::size_t end = raw.size();
  while (end > 0 && (raw[end - 1] == ' ' || raw[end - 1] == '\t')) --end;
  const unsigned char last = end == 0 ? 0 : static_cast<unsigned char>(raw[end - 1]);
  const bool open_end = last == ':' || last == ',' || last >= 0x80 || std::isalnum(last);
  if (open_end && std::binary_search(words.saying.begin(), words.saying.end(), last_hash)) return true;
  if (!digits) return false;
  if (HasClockTime(raw)) return true;
  for (std::size_t k = 0; k < n; ++k) {
    const std::string_view w = norm.word(k);
    if (w.empty() || !IsAsciiDigit(w[0])) continue;
    // "3天前", "3 小时前", "3時間前", "3시간 전": the mark within three words.
    for (std::size_t j = k + 1; j <= k + 3 && j < n; ++j) {
      if (norm.word(j) == "前" || norm.word(j) == "전") return true;
    }
    if (!IsNumberWord(w) || k + 1 >= n || !words.units.contains(norm.word(k + 1))) continue;
    if (k + 2 < n && words.ago_after.contains(norm.word(k + 2))) return true;  // "3 hours ago"
    if (k >= 1 && words.ago_before.contains(norm.word(k - 1))) return true;   // "vor 3 Tagen"
    if (k >= 2 && norm.word(k - 2) == "y" && norm.word(k - 1) == "a") return true;  // "il y a 3 jours"
  }
  return false;
}

// The headings of comment sections, normalised (Normalize()): whole
// phrases, and the words that name the comments only after a count ("12
// Responses", "1 Comment") or that open the "N responses to TITLE" form.
struct CommentWords {
  std::vector<std::uint64_t> phrases, counted;  // HashWord(text, kWordSeed), sorted
  std::unordered_set<std::string_view> titled, invited, joins;
  CommentWords() {
    Normalized norm;
    auto add = [&](std::vector<std::uint64_t>* set, const char* text) {
      Normalize(text, &norm);
      set->push_back(HashWord(norm.text, kWordSeed));
    };
    // Not among them: "Add a comment" and "Discussion", which stand under
    // or above every post of a question-and-answer page.
    for (const char* p : {
             // English
             "Comments", "Reader comments", "Readers' comments", "User comments",
             "Your comments", "Visitor comments", "Leave a Reply", "Leave a Reply Cancel reply",
             "Leave a comment", "Leave a Comment Cancel reply", "Post a comment",
             "Write a comment", "Join the discussion", "Join the conversation",
             "Show comments", "View comments", "Load comments", "Most recent comments",
             // German
             "Kommentare", "Leserkommentare", "Kommentar schreiben", "Kommentar verfassen",
             "Schreibe einen Kommentar", "Hinterlasse einen Kommentar", "Kommentar hinterlassen",
             // French
             "Commentaires", "Laisser un commentaire", "Laissez un commentaire",
             "Vos commentaires", "Réactions des lecteurs",
             // Spanish, Portuguese, Italian, Catalan
             "Comentarios", "Deja un comentario", "Deja una respuesta", "Dejar un comentario",
             "Escribe un comentario", "Comentários", "Deixe um comentário", "Deixe uma resposta",
             "Commenti", "Lascia un commento", "Lascia una risposta", "Comentaris",
             "Deixa un comentari",
             // Dutch, Swedish, Danish, Norwegian, Finnish
             "Reacties", "Laat een reactie achter", "Geef een reactie", "Kommentarer",
             "Lämna en kommentar", "Lämna ett svar", "Skriv en kommentar",
             "Efterlad en kommentar", "Legg igjen en kommentar", "Kommentit", "Jätä kommentti",
             // Polish, Czech, Slovak, Hungarian, Romanian
             "Komentarze", "Dodaj komentarz", "Skomentuj", "Komentáře", "Komentáre",
             "Hozzászólások", "Szólj hozzá", "Comentarii", "Lasă un comentariu",
             // Russian, Ukrainian, Greek, Turkish
             "Комментарии", "Оставить комментарий", "Коментарі", "Залишити коментар", "Σχόλια",
             "Αφήστε ένα σχόλιο", "Yorumlar", "Yorum yap", "Yorum yaz", "Bir yanıt yazın",
             // Indonesian, Vietnamese
             "Komentar", "Tinggalkan komentar", "Tinggalkan balasan", "Bình luận",
             "Ý kiến bạn đọc",
             // Japanese, Chinese, Korean
             "コメント", "コメントを書く", "コメントする", "评论", "評論", "发表评论",
             "發表評論", "网友评论", "留言", "댓글", "댓글 쓰기",
             // Arabic, Persian, Hebrew, Hindi, Thai
             "تعليقات", "التعليقات", "اترك تعليقا", "نظرات", "תגובות", "टिप्पणियाँ",
             "टिप्पणियां", "ความคิดเห็น", "แสดงความคิดเห็น"}) {
      add(&phrases, p);
    }
    // After a count only: the singulars are also buttons and rubrics. Not
    // "12 replies" (and its translations): a forum's threads and posts
    // count their replies, and those replies are the page's content.
    for (const char* p : {"Responses", "Response", "Thoughts", "Comment", "Kommentar",
                          "Commentaire", "Comentario", "Comentário", "Commento", "Reactie",
                          "Komentarz", "Komentář", "Kommentti", "Hozzászólás", "Комментарий",
                          "Коментар", "Σχόλιο", "Yorum"}) {
      add(&counted, p);
    }
    std::sort(phrases.begin(), phrases.end());
    std::sort(counted.begin(), counted.end());
    for (const char* w : {"responses", "response", "thoughts", "thought", "comments", "comment"}) {
      titled.insert(w);
    }
    // Before an invitation ("42 Comments so far"): not "thoughts", which
    // heads a comment section only as "N thoughts on TITLE".
    for (const char* w : {"responses", "response", "comments", "comment"}) invited.insert(w);
    for (const char* w : {"to", "on"}) joins.insert(w);
  }
};

bool IsCount(std::string_view w) { return IsNumberWord(w) || w == "one"; }

}  // namespace

CommentsHeadingMatch MatchCommentsHeading(std::string_view raw, const Normalized& norm) {
  std::size_t first = 0, end = norm.words.size();
  if (end == 0 || end > 25) return {};
  static const CommentWords words;
  const bool count_before = IsCount(norm.word(0));
  first += count_before;
  const bool count_after = end > first && IsNumberWord(norm.word(end - 1));
  end -= count_after;
  if (first >= end) return {};
  // "Comments (0)" heads no comments.
  if ((count_before && norm.word(0) == "0") || (count_after && norm.word(end) == "0")) return {};
  // Longer than any phrase and not the "N responses to TITLE" form: most
  // lines of prose end here, before any hashing.
  if (end - first > 8 && !count_before) return {};
  const std::string_view text = std::string_view(norm.text).substr(
      norm.words[first].begin,
      norm.words[end - 1].begin + norm.words[end - 1].size - norm.words[first].begin);
  const std::uint64_t hash = HashWord(text, kWordSeed);
  const bool counted = count_before || count_after;
  if (end - first <= 8 && std::binary_search(words.phrases.begin(), words.phrases.end(), hash)) {
    return {true, counted, hash};
  }
  if (!counted) return {};
  if (end - first == 1 && std::binary_search(words.counted.begin(), words.counted.end(), hash)) {
    return {true, counted, hash};
  }
  // "12 Responses to “Title”", "One thought on “Title”"; not a sentence
  // ("3 comments on the budget were received.").
  const std::size_t last = raw.find_last_not_of(" \t");
  // "{87 comments… read them below or add one}", "42 Comments so far":
  // a count and the word, then a short invitation.
  const bool sentence = last == std::string_view::npos || raw[last] == '.';
  if (!count_before || sentence || !words.titled.contains(norm.word(first))) return {};
  if (first + 1 < end && words.joins.contains(norm.word(first + 1))) {
    return end - first >= 3 ? CommentsHeadingMatch{true, counted, hash} : CommentsHeadingMatch{};
  }
  // Not a numbered item ("16. Thought", a brand in a list of them).
  const std::size_t digits = raw.find_first_not_of(" \t{([0123456789");
  const bool numbered = digits != std::string_view::npos && digits > 0 && raw[digits] == '.';
  const std::string_view word = norm.word(first);
  if (end - first <= 8 && !numbered && words.invited.contains(word)) {
    return {true, counted, HashWord(word, kWordSeed)};
  }
  return {};
}

bool IsPostStamp(std::string_view raw, const Normalized& norm) {
  if (norm.words.empty()) return false;
  return PostStamp(raw, norm, raw.find_first_of("0123456789") != std::string_view::npos,
                   HashWord(norm.word(norm.words.size() - 1), kWordSeed));
}

void WordPriors::Add(std::uint64_t hash, float prior) {
  with_stopwords_.reset();
  if (hash == 0) {
    has_zero_ = true;
    zero_value_ = prior;
    return;
  }
  if (2 * (size_ + 1) > keys_.size()) Grow();
  std::size_t s = Slot(hash);
  while (keys_[s] != 0 && keys_[s] != hash) s = (s + 1) & mask_;
  if (keys_[s] == 0) ++size_;
  keys_[s] = hash;
  values_[s] = prior;
}

void WordPriors::Grow() {
  std::vector<std::uint64_t> keys = std::move(keys_);
  std::vector<float> values = std::move(values_);
  const std::size_t capacity = keys.empty() ? 64 : 2 * keys.size();
  keys_.assign(capacity, 0);
  values_.assign(capacity, 0.0f);
  mask_ = capacity - 1;
  for (std::size_t k = 0; k < keys.size(); ++k) {
    if (keys[k] == 0) continue;
    std::size_t s = Slot(keys[k]);
    while (keys_[s] != 0) s = (s + 1) & mask_;
    keys_[s] = keys[k];
    values_[s] = values[k];
  }
}

bool WordPriors::Find(std::uint64_t hash, float* prior) const {
  if (hash == 0) {
    if (has_zero_) *prior = zero_value_;
    return has_zero_;
  }
  if (keys_.empty()) return false;
  for (std::size_t s = Slot(hash);; s = (s + 1) & mask_) {
    if (keys_[s] == hash) {
      *prior = values_[s];
      return true;
    }
    if (keys_[s] == 0) return false;
  }
}

const std::vector<std::string>& FeatureNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n = {
        "words", "chars", "closed", "colon", "ellipsis", "stop_share", "cap_share",
        "upper_share", "digit_share", "punct_share", "avg_word_len", "urls", "email",
        "bullet", "separators", "key_value", "code", "indent", "unspaced", "year",
        "repeat", "list_heading", "rule_any"};
    for (std::string_view r : kFeatureRuleNames) n.push_back("rule:" + std::string(r));
    for (const char* s :
         {"para_lines", "para_words", "para_closed_share", "para_first", "para_last",
          "wrapped", "doc_lines", "doc_words", "doc_prose_share", "doc_blank_lines",
          "rel_pos", "prose_before", "in_span", "before_span", "after_span",
          "boundary_after", "dist_body_prev", "dist_body_next", "first_line",
          "span_share", "prev_words", "prev_closed", "prev_rule", "next_words",
          "next_closed", "next_rule", "win2_body", "win2_words", "win2_rule",
          "win5_body", "win5_words", "win5_rule", "win10_body", "win10_words",
          "win10_rule", "short_above", "short_below", "win10_same", "win10_period",
          "doc_same", "doc_period", "stamp", "win10_stamps", "stamps_above",
          "prose_before_stamps", "stamps_in_span", "stamps_after_span", "lex_mean", "lex_min", "lex_win2"}) {
      n.emplace_back(s);
    }
    return n;
  }();
  return names;
}

LineFeatures::LineFeatures(const RuleSet* rules) : rules_(rules) {
  if (rules != nullptr) {
    for (const std::string& name : rules->names()) {
      int column = -1;
      for (int k = 0; k < kFeatureRules; ++k) {
        if (kFeatureRuleNames[k] == name) column = kFRuleFirst + k;
      }
      rule_column_.push_back(column);
    }
  }
  // The stopword list, hashed as the line filter hashes words.
  static const WordPriors stopwords = [] {
    WordPriors set;
    std::string_view text = StopwordsText();
    Normalized norm;
    std::size_t pos = 0;
    while (pos < text.size()) {
      std::size_t nl = text.find('\n', pos);
      if (nl == std::string_view::npos) nl = text.size();
      std::string_view word = text.substr(pos, nl - pos);
      pos = nl + 1;
      if (word.empty() || word[0] == '#') continue;
      Normalize(word, &norm);
      if (norm.words.size() == 1) set.Add(HashWord(norm.word(0), kWordSeed), 0.0f);
    }
    return set;
  }();
  stopwords_ = &stopwords;
  set_word_priors(nullptr);
}

WordTable::WordTable(const WordPriors& stopwords, const WordPriors* priors) {
  const std::size_t words = stopwords.size() + (priors != nullptr ? priors->size() : 0);
  std::size_t capacity = 64;
  while (capacity < 2 * words) capacity *= 2;
  slots.assign(capacity, Slot{});
  mask = capacity - 1;
  auto add = [&](std::uint64_t hash, float prior, std::uint32_t bit) {
    if (hash == 0) return;
    std::size_t s = static_cast<std::size_t>(hash ^ (hash >> 31)) & mask;
    while (slots[s].hash != 0 && slots[s].hash != hash) s = (s + 1) & mask;
    Slot& slot = slots[s];
    slot.hash = hash;
    slot.bits |= bit;
    if (bit == 2) slot.prior = prior;
  };
  stopwords.ForEach([&](std::uint64_t hash, float) { add(hash, 0.0f, 1); });
  if (priors != nullptr) priors->ForEach([&](std::uint64_t hash, float prior) { add(hash, prior, 2); });
}

namespace {
std::mutex g_word_tables;  // guards WordPriors::with_stopwords_
}  // namespace

std::shared_ptr<const WordTable> WordPriors::WithStopwords(const WordPriors& stopwords) const {
  const std::lock_guard<std::mutex> lock(g_word_tables);
  if (with_stopwords_ == nullptr) with_stopwords_ = std::make_shared<const WordTable>(stopwords, this);
  return with_stopwords_;
}

void LineFeatures::set_word_priors(const WordPriors* priors) {
  priors_ = priors;
  if (priors != nullptr && priors->size() > 0) {
    word_table_ = priors->WithStopwords(*stopwords_);
  } else {
    // The stopwords alone, built once.
    static const std::shared_ptr<const WordTable> alone =
        std::make_shared<const WordTable>(*stopwords_, nullptr);
    word_table_ = alone;
  }
}

void LineFeatures::Reset(std::size_t lines) {
  own_.clear();
  paras_.clear();
  lex_sum_.clear();
  row_of_.assign(lines, kNoRow);
  words_.assign(lines, 0);
  body_.assign(lines, false);
  closed_.assign(lines, false);
  blank_.assign(lines, true);
  rule_.assign(lines, false);
  boundary_.assign(lines, false);
  wrapped_.assign(lines, false);
  wrapped_spans_.clear();
  lone_literal_.assign(lines, false);
  row_hash_.clear();
  idx_.clear();
  // At most one row a line: reserved at once, a long document's rows are
  // never copied to a larger buffer (which would hold both for a moment).
  own_.reserve(lines);
  lex_sum_.reserve(lines);
  row_hash_.reserve(lines);
  idx_.reserve(lines);
  added_ = 0;
  span_first_ = span_row_first_ = 1;
  span_last_ = span_row_last_ = 0;
  span_words_ = 0;
  comments_first_ = lines;
  comments_headings_.clear();
}

void LineFeatures::Prefetch(std::span<const std::uint64_t> word_hashes) const {
  const WordTable::Slot* const table = word_table_->slots.data();
  const std::size_t mask = word_table_->mask;
  for (std::uint64_t h : word_hashes) {
    __builtin_prefetch(&table[static_cast<std::size_t>(h ^ (h >> 31)) & mask]);
  }
}

void LineFeatures::AddLine(const Line& line, const Normalized* norm, int pattern,
                           std::span<const std::uint64_t> word_hashes) {
  const std::size_t i = added_++;
  if (line.blank) return;
  row_of_[i] = static_cast<std::uint32_t>(own_.size());
  idx_.push_back(static_cast<std::uint32_t>(i));
  Own& f = own_.emplace_back();
  row_hash_.push_back(0);
  // One pass over the words: the stopwords, and the priors of the words
  // that have one, summed in order (the vocabulary columns).
  int stop = 0;
  double lex_sum = 0;
  std::uint32_t lex_n = 0;
  if (norm != nullptr) {
    const bool priors = priors_ != nullptr && priors_->size() > 0;
    float lowest = 0;
    const WordTable::Slot* const table = word_table_->slots.data();
    const std::size_t mask = word_table_->mask;
    for (std::uint64_t h : word_hashes) {
      float prior = 0;
      std::uint32_t bits = 0;
      if (h != 0) [[likely]] {
        std::size_t s = static_cast<std::size_t>(h ^ (h >> 31)) & mask;
        while (table[s].hash != h && table[s].hash != 0) s = (s + 1) & mask;
        prior = table[s].prior;  // 0 for a free slot
        bits = table[s].bits;
      } else {
        bits = stopwords_->Find(h, &prior) ? 1 : 0;
        prior = 0;
        if (priors && priors_->Find(h, &prior)) bits |= 2;
      }
      stop += static_cast<int>(bits & 1);
      if (!priors) continue;
      // A word without a prior adds 0.0 to the sum, which is never -0.0:
      // the same sum as skipping it.
      const bool has = (bits & 2) != 0;
      const float low = lex_n == 0 ? prior : std::min(lowest, prior);
      lowest = has ? low : lowest;
      lex_sum += prior;
      lex_n += has;
    }
    f.lex_min = lowest;
    f.lex_n = lex_n;
  }
  lex_sum_.push_back(lex_sum);
  blank_[i] = false;
  if (norm == nullptr) {  // too long to analyse: a body line, unjudged
    body_[i] = true;
    closed_[i] = true;
    words_[i] = 1000;
    f.words = Log1p(1000);
    f.flags = kOwnClosed;
    return;
  }
  std::string_view raw = line.text;

  // Characters by class, in one pass over the bytes.
  const detail::LineChars c = detail::CountLineChars(raw);
  const int chars = c.chars, letters = c.letters, upper = c.upper, digits = c.digits,
            punct = c.punct, nonspace = c.nonspace, unspaced = c.unspaced, code = c.code,
            seps = c.seps, indent = c.indent, words_raw = c.words, cap_words = c.cap_words;
  const bool email = c.email, year = c.year;
  const char32_t first = c.first;
  int urls = 0;
  for (std::size_t p = 0; (p = raw.find("://", p)) != std::string_view::npos; p += 3) ++urls;
  for (std::size_t p = 0; (p = raw.find("www.", p)) != std::string_view::npos; p += 4) ++urls;

  int words = WordCount(*norm, c.script_chars, c.script_runs);
  // A URL is one word to a reader, however many it normalises to.
  if (urls > 0) words = std::max(1, words - 3 * urls);
  words_[i] = words;
  const bool closed = EndsWithClosingPunctuation(raw);
  const bool colon = !closed && EndsWithColon(raw);
  closed_[i] = closed;

  const std::size_t nwords = word_hashes.size();

  bool bullet = first == '-' || first == '*' || first == 0x2022 || first == 0x25AA ||
                first == 0x25BA || first == 0x2013 || first == 0x2014 || first == 0x00B7 ||
                first == 0x25CF || first == 0x2023 || first == 0x2043;
  if (!bullet && first >= '0' && first <= '9') {
    std::size_t k = raw.find_first_not_of(" \t");
    while (k < raw.size() && raw[k] >= '0' && raw[k] <= '9') ++k;
    bullet = k < raw.size() && (raw[k] == '.' || raw[k] == ')') && k + 1 < raw.size() &&
             raw[k + 1] == ' ';
  }
  // "Breed: Labrador", "Price: €20": a label of one to three words, a colon,
  // then a value.
  bool key_value = false;
  if (std::size_t colon_at = raw.find(':'); colon_at != std::string_view::npos &&
                                           colon_at + 1 < raw.size() && colon_at > 0) {
    int label_words = 1;
    for (std::size_t k = 0; k < colon_at; ++k) label_words += raw[k] == ' ';
    key_value = label_words <= 3 && raw[colon_at + 1] == ' ';
  }
  const char last = raw.empty() ? 0 : raw.back();
  const bool code_end = last == '{' || last == '}' || last == ';' || last == ')';

  const int rule_column =
      pattern >= 0 && rules_ != nullptr ? rule_column_[rules_->patterns()[pattern].rule] : -1;
  rule_[i] = rule_column >= 0;
  boundary_[i] = rule_column >= 0 && rules_->patterns()[pattern].list;
  lone_literal_[i] = rule_[i] && !boundary_[i] && words <= 2 &&
                     rules_->patterns()[pattern].kind == PatternKind::kLiteral;
  // A long sentence is prose even when it uses a boilerplate phrase.
  body_[i] = (closed && (words >= 15 || (words >= 5 && !rule_[i]))) || (words >= 20 && !rule_[i]);
  row_hash_.back() = HashWord(norm->text, kWordSeed ^ 0x6c696e65ULL);

  const double nonspace_d = std::max(1, nonspace);
  f.words = Log1p(words);
  f.chars = Log1p(chars);
  f.flags = static_cast<std::uint16_t>(
      (closed ? kOwnClosed : 0) | (colon ? kOwnColon : 0) |
      (!closed && (raw.ends_with("...") || raw.ends_with("\xE2\x80\xA6")) ? kOwnEllipsis : 0) |
      (email ? kOwnEmail : 0) | (bullet ? kOwnBullet : 0) | (key_value ? kOwnKeyValue : 0) |
      (year ? kOwnYear : 0) |
      (nwords > 0 && PostStamp(raw, *norm, digits > 0, word_hashes[nwords - 1]) ? kOwnStamp : 0));
  if (const CommentsHeadingMatch heading = MatchCommentsHeading(raw, *norm); heading.heading) {
    comments_headings_.push_back(
        {static_cast<std::uint32_t>(own_.size() - 1), heading.counted, heading.hash});
  }
  f.stop_share = nwords ? static_cast<float>(stop) / static_cast<float>(nwords) : 0.0f;
  f.cap_share = words_raw ? static_cast<float>(cap_words) / static_cast<float>(words_raw) : 0.0f;
  f.upper_share = letters ? static_cast<float>(upper) / static_cast<float>(letters) : 0.0f;
  f.digit_share = static_cast<float>(digits / nonspace_d);
  f.punct_share = static_cast<float>(punct / nonspace_d);
  f.avg_word_len = words_raw ? static_cast<float>(nonspace) / static_cast<float>(words_raw) : 0.0f;
  f.urls = static_cast<std::uint8_t>(std::min(urls, 10));
  f.separators = static_cast<std::uint8_t>(std::min(seps, 20));
  f.code = static_cast<std::uint8_t>(std::min(code, 20) + (code_end ? 5 : 0));
  f.indent = static_cast<std::uint8_t>(std::min(indent, 16));
  f.unspaced = letters ? static_cast<float>(unspaced) / static_cast<float>(letters) : 0.0f;
  f.rule_column = static_cast<std::int8_t>(rule_column);
}

void LineFeatures::Finish(const Document& doc) {
  const std::size_t m = own_.size();  // rows: the non-blank lines, in order
  if (m == 0) return;
  auto own_of = [&](std::size_t line) -> Own* {
    return row_of_[line] == kNoRow ? nullptr : &own_[row_of_[line]];
  };

  // Repetition inside the page: how many lines normalise the same, counted
  // in an open-addressing table of twice the rows, freed on return.
  {
    std::size_t capacity = 16;
    while (capacity < 2 * m) capacity *= 2;
    std::vector<std::uint64_t> keys(capacity, 0);
    std::vector<std::uint32_t> counts(capacity, 0);
    auto slot = [&](std::uint64_t hash) {
      const std::uint64_t key = hash | 1;  // 0 marks a free slot
      std::size_t s = static_cast<std::size_t>(key) & (capacity - 1);
      while (keys[s] != 0 && keys[s] != key) s = (s + 1) & (capacity - 1);
      keys[s] = key;
      return s;
    };
    for (std::size_t j = 0; j < m; ++j) ++counts[slot(row_hash_[j])];
    for (std::size_t j = 0; j < m; ++j) own_[j].repeat = Log1p(counts[slot(row_hash_[j])] - 1.0);
  }

  // A one- or two-word line that equals a rule's literal ("Settings",
  // "Support", "Performance") is a banner or menu word only among other
  // lines that match rules (within two lines either side); elsewhere it is
  // a heading or a label, and its match does not count.
  for (std::size_t j = 0; j < m; ++j) {
    if (!lone_literal_[idx_[j]]) continue;
    bool among = false;
    for (std::size_t k = j >= 2 ? j - 2 : 0; k <= std::min(m - 1, j + 2) && !among; ++k) {
      among = k != j && rule_[idx_[k]];
    }
    if (!among) stray_.push_back(static_cast<std::uint32_t>(j));
  }
  for (std::uint32_t j : stray_) {
    own_[j].rule_column = -1;
    rule_[idx_[j]] = false;
  }
  stray_.clear();

  // Hard-wrapped paragraphs: lines but the last of nearly the same width
  // (40-100 characters), several of them ending inside a sentence. Their
  // lines share the paragraph's own features. In a document without blank
  // lines (WET text, where every line is a paragraph) the candidates are
  // runs of lines of nearly one width, each ended by the first line under
  // 65% of the run's widest (the paragraph's short last line), which the
  // run takes as its tail; and since a run of headlines or comment lines
  // has that shape too, at least half of the run's lines after its first
  // must go on with a sentence: begin with a lower-case letter. (Reset()
  // cleared wrapped_spans_.)
  candidates_.clear();
  if (doc.paragraphs.size() == m) {
    for (std::size_t j = 0; j < m;) {
      const float w = std::expm1(own_[j].chars);
      if (w < 40 || w > 100) {
        ++j;
        continue;
      }
      float widest = w;
      std::size_t end = j + 1;
      while (end < m && idx_[end] == idx_[end - 1] + 1) {
        const float x = std::expm1(own_[end].chars);
        if (x > 100) break;
        if (x < 0.65f * std::max(widest, x)) {
          ++end;  // the tail
          break;
        }
        widest = std::max(widest, x);
        ++end;
      }
      std::size_t lower = 0;
      for (std::size_t k = j + 1; k < end; ++k) lower += StartsLowerCase(doc.lines[idx_[k]].text);
      if (end - j >= 2 && 2 * lower >= end - j - 1) candidates_.push_back({idx_[j], idx_[end - 1] + 1});
      j = end;
    }
  } else {
    for (const Paragraph& para : doc.paragraphs) candidates_.push_back({para.first, para.end});
  }
  for (const auto& [first, end] : candidates_) {
    const std::uint32_t len = end - first;
    if (len < 2) continue;
    float widest = 0;
    int open = 0, bullets = 0;
    bool rows = true;
    for (std::uint32_t k = first; k < end; ++k) {
      const Own* o = own_of(k);
      if (o == nullptr) {
        rows = false;
        break;
      }
      widest = std::max(widest, o->chars);
      if (k + 1 < end && !closed_[k]) ++open;
      bullets += (o->flags & kOwnBullet) != 0;
    }
    if (!rows) continue;
    const float lo = Log1p(40), hi = Log1p(100);
    bool wrapped = widest >= lo && widest <= hi && open * 2 >= static_cast<int>(len - 1) &&
                   bullets * 2 < static_cast<int>(len);
    for (std::uint32_t k = first; wrapped && k + 1 < end; ++k) {
      // Within about 35% of the widest line, in characters.
      if (std::expm1(own_of(k)->chars) < 0.65 * std::expm1(widest)) wrapped = false;
    }
    if (!wrapped) continue;
    int total = 0;
    for (std::uint32_t k = first; k < end; ++k) total += words_[k];
    const std::uint32_t last = end - 1;
    const bool closed = closed_[last];
    const bool body = (closed && total >= 5) || total >= 20;  // its rule matches were cleared
    for (std::uint32_t k = first; k < end; ++k) {
      Own& f = *own_of(k);
      wrapped_[k] = true;
      f.words = Log1p(total);
      f.flags = static_cast<std::uint16_t>(
          (f.flags & ~(kOwnClosed | kOwnColon | kOwnEllipsis)) | kOwnWrapped |
          (closed ? kOwnClosed : 0));
      // A one-word wrap tail matching a literal is not a boilerplate line.
      if (rule_[k] && words_[k] < 3) {
        f.rule_column = -1;
        rule_[k] = false;
        boundary_[k] = false;
      }
      closed_[k] = closed;
      body_[k] = body && !rule_[k];
    }
    wrapped_spans_.push_back({first, end});
  }

  // Paragraph features.
  for (const Paragraph& para : doc.paragraphs) {
    int words = 0, closed = 0;
    for (std::uint32_t k = para.first; k < para.end; ++k) {
      words += words_[k];
      closed += closed_[k];
    }
    const std::uint32_t len = para.end - para.first;
    Para p;
    p.first = para.first;
    p.end = para.end;
    p.lines = Log1p(len);
    p.words = Log1p(words);
    p.closed_share = static_cast<float>(closed) / static_cast<float>(len);
    const auto index = static_cast<std::uint32_t>(paras_.size());
    paras_.push_back(p);
    for (std::uint32_t k = para.first; k < para.end; ++k) {
      if (Own* o = own_of(k)) o->para = index + 1;  // 0: in no paragraph
    }
  }

  // Prefix sums over rows: body lines, log words, rule lines, body words.
  pre_body_.assign(m + 1, 0);
  pre_words_.assign(m + 1, 0);
  pre_rule_.assign(m + 1, 0);
  pre_body_words_.assign(m + 1, 0);
  double all_words = 0;
  for (std::size_t j = 0; j < m; ++j) {
    const std::size_t i = idx_[j];
    pre_body_[j + 1] = pre_body_[j] + body_[i];
    pre_words_[j + 1] = pre_words_[j] + own_[j].words;
    pre_rule_[j + 1] = pre_rule_[j] + rule_[i];
    pre_body_words_[j + 1] = pre_body_words_[j] + (body_[i] ? words_[i] : 0);
    all_words += std::min(words_[i], 1000);
  }
  body_words_ = pre_body_words_[m];

  // Posts: the rows with a time stamp, and the prose above the first.
  pre_stamp_.assign(m + 1, 0);
  std::size_t first_stamp = m;
  for (std::size_t j = 0; j < m; ++j) {
    const bool stamp = (own_[j].flags & kOwnStamp) != 0;
    pre_stamp_[j + 1] = pre_stamp_[j] + stamp;
    if (stamp && first_stamp == m) first_stamp = j;
  }
  prose_before_stamps_ = first_stamp == m ? 1.0f
                         : body_words_ > 0 ? static_cast<float>(pre_body_words_[first_stamp] / body_words_)
                                           : 0.0f;

  // Structure. A row's shape: length class, closing mark, digits, bullet.
  {
    auto shape = [&](std::size_t j) {
      const int w = words_[idx_[j]];
      const int length = w <= 1 ? 0 : w <= 3 ? 1 : w <= 7 ? 2 : w <= 15 ? 3 : 4;
      const Own& o = own_[j];
      return length * 8 + ((o.flags & kOwnClosed) ? 4 : 0) + (o.digit_share >= 0.15f ? 2 : 0) +
             ((o.flags & kOwnBullet) ? 1 : 0);
    };
    auto is_short = [&](std::size_t j) { return words_[idx_[j]] <= 3; };
    short_above_.assign(m, 0);
    short_below_.assign(m, 0);
    for (std::size_t j = 1; j < m; ++j) {
      if (is_short(j - 1)) short_above_[j] = static_cast<std::uint16_t>(std::min(1000, short_above_[j - 1] + 1));
    }
    for (std::size_t j = m - 1; j-- > 0;) {
      if (is_short(j + 1)) short_below_[j] = static_cast<std::uint16_t>(std::min(1000, short_below_[j + 1] + 1));
    }
    shape_.resize(m);
    for (std::size_t j = 0; j < m; ++j) shape_[j] = static_cast<std::uint8_t>(shape(j));
    for (std::size_t p = 1; p <= 4; ++p) {
      std::vector<std::uint32_t>& pre = pre_same_[p - 1];
      pre.assign(m + 1, 0);
      for (std::size_t j = 0; j < m; ++j) pre[j + 1] = pre[j] + (j >= p && shape_[j] == shape_[j - p]);
    }
    doc_same_ = static_cast<float>(pre_same_[0][m]) / static_cast<float>(m);
    doc_period_ = 0;
    for (std::size_t p = 2; p <= 4; ++p) {
      doc_period_ = std::max(doc_period_, static_cast<float>(pre_same_[p - 1][m]) / static_cast<float>(m));
    }
  }

  // The main text: the maximum-sum run (Kadane).
  double best = 0, run = 0;
  std::size_t run_start = 0, best_first = 1, best_last = 0;
  for (std::size_t j = 0; j < m; ++j) {
    const std::size_t i = idx_[j];
    if (run <= 0) {
      run = 0;
      run_start = j;
    }
    run += SpanWeight(body_[i], words_[i], rule_[i], boundary_[i]);
    if (run > best) {
      best = run;
      best_first = run_start;
      best_last = j;
    }
  }
  const bool has_span = best_first <= best_last;
  span_row_first_ = best_first;
  span_row_last_ = best_last;
  span_first_ = has_span ? idx_[best_first] : 1;
  span_last_ = has_span ? idx_[best_last] : 0;
  const double span_words =
      has_span ? pre_body_words_[best_last + 1] - pre_body_words_[best_first] : 0;
  span_words_ = span_words;
  boundary_row_ = m;
  for (std::size_t j = best_last + 1; has_span && j < m; ++j) {
    if (boundary_[idx_[j]]) {
      boundary_row_ = j;
      break;
    }
  }

  // The comment section: the first comments heading after kCommentsMinProse
  // words of prose, with a post stamp within kCommentsStampRows rows under
  // it and at most one above it (the article's own date line; a forum
  // thread has one a post). A blog's front page has a "Comments (3)" link
  // and a stamp under each post: a heading of the same words and a count,
  // a stamp under it too, after kCommentsMinProse more words, is another
  // post's link.
  comments_first_ = doc.lines.size();
  auto stamp_below = [&](std::size_t j) {
    return pre_stamp_[std::min(m, j + 1 + kCommentsStampRows)] > pre_stamp_[j + 1];
  };
  // Comments whose headers hold only the commenter's name ("Gibbo",
  // "Mars Dorian", a URL and a name): under a heading with a count, two
  // short open lines, each over a line of four words or more, within the
  // same rows.
  auto names_below = [&](std::size_t j) {
    int names = 0;
    for (std::size_t k = j + 1; k + 1 < m && k <= j + kCommentsStampRows; ++k) {
      const std::size_t i = idx_[k];
      const std::size_t under = idx_[k + 1];
      names += words_[i] >= 1 && words_[i] <= 4 && !rule_[i] && !(own_[k].flags & kOwnClosed) &&
               !rule_[under] && words_[under] >= 4;
    }
    return names >= 2;
  };
  // Names alone count only under kCommentsMinProse words of the main
  // text: a count of comments above an article ("Comments: 37" in its
  // byline) is followed by the article's own headings and prose.
  auto posts_below = [&](const CommentsHeadingRow& heading) {
    const std::size_t j = heading.row;
    return stamp_below(j) ||
           (heading.counted && has_span && j > best_first &&
            pre_body_words_[j] - pre_body_words_[best_first] >= kCommentsMinProse && names_below(j));
  };
  for (std::size_t h = 0; h < comments_headings_.size(); ++h) {
    const CommentsHeadingRow& heading = comments_headings_[h];
    const std::size_t j = heading.row;
    if (pre_body_words_[j] < kCommentsMinProse) continue;
    bool front_page = false;
    for (std::size_t k = h + 1; heading.counted && !front_page && k < comments_headings_.size();
         ++k) {
      const CommentsHeadingRow& next = comments_headings_[k];
      front_page = next.counted && next.hash == heading.hash &&
                   pre_body_words_[next.row] - pre_body_words_[j] >= kCommentsMinProse &&
                   posts_below(next);
    }
    if (posts_below(heading) && pre_stamp_[j] <= 1 && !front_page) comments_first_ = idx_[j];
    break;
  }

  // Distance to the nearest body line, before and after (at most 1000).
  dist_next_.assign(m, 1000);
  for (std::size_t j = m; j-- > 0;) {
    if (body_[idx_[j]]) dist_next_[j] = 0;
    else if (j + 1 < m) dist_next_[j] = static_cast<std::uint16_t>(std::min(1000, dist_next_[j + 1] + 1));
  }
  dist_prev_.assign(m, 1000);
  for (std::size_t j = 0; j < m; ++j) {
    if (body_[idx_[j]]) dist_prev_[j] = 0;
    else if (j > 0) dist_prev_[j] = static_cast<std::uint16_t>(std::min(1000, dist_prev_[j - 1] + 1));
  }

  doc_lines_ = Log1p(static_cast<double>(m));
  doc_words_ = Log1p(all_words);
  prose_share_ = all_words > 0 ? static_cast<float>(body_words_ / all_words) : 0.0f;
  doc_blank_lines_ = doc.has_blank_lines;
  span_share_ = body_words_ > 0 ? static_cast<float>(span_words / body_words_) : 0.0f;
}

std::span<const float> LineFeatures::row(std::size_t line) const {
  float* f = scratch_;
  std::fill(f, f + kFeatureCount, 0.0f);
  const std::uint32_t row = row_of_[line];
  if (row == kNoRow) return {f, kFeatureCount};
  const std::size_t j = row, m = own_.size();
  const Own& o = own_[j];
  auto flag = [](const Own& x, std::uint16_t bit) { return (x.flags & bit) ? 1.0f : 0.0f; };

  // Own text.
  f[kFWords] = o.words;
  f[kFChars] = o.chars;
  f[kFClosed] = flag(o, kOwnClosed);
  f[kFColon] = flag(o, kOwnColon);
  f[kFEllipsis] = flag(o, kOwnEllipsis);
  f[kFStopShare] = o.stop_share;
  f[kFCapShare] = o.cap_share;
  f[kFUpperShare] = o.upper_share;
  f[kFDigitShare] = o.digit_share;
  f[kFPunctShare] = o.punct_share;
  f[kFAvgWordLen] = o.avg_word_len;
  f[kFUrls] = o.urls;
  f[kFEmail] = flag(o, kOwnEmail);
  f[kFBullet] = flag(o, kOwnBullet);
  f[kFSeparators] = o.separators;
  f[kFKeyValue] = flag(o, kOwnKeyValue);
  f[kFCode] = o.code;
  f[kFIndent] = o.indent;
  f[kFUnspaced] = o.unspaced;
  f[kFYear] = flag(o, kOwnYear);
  f[kFRepeat] = o.repeat;
  f[kFListHeading] = boundary_[line];
  f[kFRuleAny] = rule_[line];
  if (o.rule_column >= 0) f[o.rule_column] = 1.0f;

  // Block.
  if (o.para > 0) {
    const Para& p = paras_[o.para - 1];
    f[kFParaLines] = p.lines;
    f[kFParaWords] = p.words;
    f[kFParaClosedShare] = p.closed_share;
    f[kFParaFirst] = line == p.first;
    f[kFParaLast] = line + 1 == p.end;
  }
  f[kFWrapped] = flag(o, kOwnWrapped);

  // Document.
  f[kFDocLines] = doc_lines_;
  f[kFDocWords] = doc_words_;
  f[kFDocProseShare] = prose_share_;
  f[kFDocBlankLines] = doc_blank_lines_;

  // Position.
  const bool has_span = span_row_first_ <= span_row_last_;
  f[kFRelPos] = m > 1 ? static_cast<float>(j) / static_cast<float>(m - 1) : 0.0f;
  f[kFProseBefore] = body_words_ > 0 ? static_cast<float>(pre_body_words_[j] / body_words_) : 0.0f;
  f[kFInSpan] = has_span && j >= span_row_first_ && j <= span_row_last_;
  f[kFBeforeSpan] =
      has_span && j < span_row_first_ ? Log1p(static_cast<double>(span_row_first_ - j)) : 0.0f;
  f[kFAfterSpan] =
      has_span && j > span_row_last_ ? Log1p(static_cast<double>(j - span_row_last_)) : 0.0f;
  f[kFBoundaryAfter] = j >= boundary_row_;
  f[kFDistBodyPrev] = Log1p(static_cast<double>(dist_prev_[j]));
  f[kFDistBodyNext] = Log1p(static_cast<double>(dist_next_[j]));
  f[kFFirstLine] = j == 0;
  f[kFSpanShare] = span_share_;

  // Neighbours and windows.
  if (j > 0) {
    f[kFPrevWords] = own_[j - 1].words;
    f[kFPrevClosed] = flag(own_[j - 1], kOwnClosed);
    f[kFPrevRule] = rule_[idx_[j - 1]];
  }
  if (j + 1 < m) {
    f[kFNextWords] = own_[j + 1].words;
    f[kFNextClosed] = flag(own_[j + 1], kOwnClosed);
    f[kFNextRule] = rule_[idx_[j + 1]];
  }
  auto window = [&](const auto& pre, std::size_t w) {
    const std::size_t lo = j >= w ? j - w : 0;
    const std::size_t hi = std::min(m, j + w + 1);
    return static_cast<float>(static_cast<double>(pre[hi] - pre[lo]) / static_cast<double>(hi - lo));
  };
  f[kFWin2Body] = window(pre_body_, 2);
  f[kFWin2Words] = window(pre_words_, 2);
  f[kFWin2Rule] = window(pre_rule_, 2);
  f[kFWin5Body] = window(pre_body_, 5);
  f[kFWin5Words] = window(pre_words_, 5);
  f[kFWin5Rule] = window(pre_rule_, 5);
  f[kFWin10Body] = window(pre_body_, 10);
  f[kFWin10Words] = window(pre_words_, 10);
  f[kFWin10Rule] = window(pre_rule_, 10);

  // Structure.
  f[kFShortAbove] = Log1p(static_cast<double>(short_above_[j]));
  f[kFShortBelow] = Log1p(static_cast<double>(short_below_[j]));
  f[kFWin10Same] = window(pre_same_[0], 10);
  f[kFWin10Period] = std::max({window(pre_same_[1], 10), window(pre_same_[2], 10),
                               window(pre_same_[3], 10)});
  f[kFDocSame] = doc_same_;
  f[kFDocPeriod] = doc_period_;

  // Posts.
  {
    const std::size_t lo = j >= 10 ? j - 10 : 0, hi = std::min(m, j + 11);
    f[kFStamp] = flag(o, kOwnStamp);
    f[kFWin10Stamps] = Log1p(static_cast<double>(pre_stamp_[hi] - pre_stamp_[lo]));
    f[kFStampsAbove] = Log1p(static_cast<double>(pre_stamp_[j]));
    f[kFProseBeforeStamps] = prose_before_stamps_;
    f[kFStampsInSpan] = has_span ? Log1p(static_cast<double>(pre_stamp_[span_row_last_ + 1] -
                                                             pre_stamp_[span_row_first_]))
                                 : 0.0f;
    f[kFStampsAfterSpan] =
        has_span && j > span_row_last_
            ? Log1p(static_cast<double>(pre_stamp_[j] - pre_stamp_[span_row_last_ + 1]))
            : 0.0f;
  }

  // Vocabulary.
  if (o.lex_n > 0) f[kFLexMean] = static_cast<float>(lex_sum_[j] / o.lex_n);
  f[kFLexMin] = o.lex_min;
  {
    // Five rows at most: summed directly, no prefix sums to keep.
    double sum = 0;
    std::uint64_t known = 0;
    for (std::size_t k = j >= 2 ? j - 2 : 0, hi = std::min(m, j + 3); k < hi; ++k) {
      sum += lex_sum_[k];
      known += own_[k].lex_n;
    }
    if (known > 0) f[kFLexWin2] = static_cast<float>(sum / static_cast<double>(known));
  }
  return {f, kFeatureCount};
}

}  // namespace winnow
