// Line features: what the line model (line_model.hpp) sees of each line.
//
// Every non-blank line of a document gets kFeatureCount numbers (float),
// in three groups:
//  - its own text: words, characters, closing punctuation (every script's
//    sentence marks, also when followed by invisible format characters,
//    spaces or an HTML entity), stopword share, capitals, digits, symbols,
//    URL and e-mail shapes, bullets, separators, key-value and code shapes,
//    and which built-in pattern rule (rules.hpp) it matches;
//  - its block: the paragraph's size and punctuation, and whether it is a
//    hard-wrapped paragraph (its lines are pieces of sentences cut at a
//    fixed width), whose lines then share one set of own features;
//  - its context: the page's size and prose share, neighbours and windows
//    of +-2, +-5 and +-10 lines (word density, body lines, rule matches),
//    the distance to the nearest body line, the share of the page's prose
//    seen so far, and the position relative to the main text;
//  - its structure: how many short lines (3 words or fewer) run directly
//    above and below it (a menu, a toolbar, a list), and how regular the
//    page is around it: a line's shape is its length class, closing mark,
//    digits and bullet, and the share of lines within +-10 lines (and in
//    the page) whose shape equals that of the line 1 above (a run of alike
//    lines) or 2, 3 or 4 above, the best of those (the repeating items of a
//    listing: title, summary, date);
//  - its posts: whether it is a post's or comment's header with a time
//    stamp (IsPostStamp), how many such headers lie within +-10 lines, above
//    it, inside the main text, and between the main text and it, and how
//    much of the page's prose comes before the first of them (an article,
//    then its comments: each comment under a "NAME wrote on DATE at 4:21 am"
//    line; a forum thread is such posts from its first line, and its main
//    text holds several);
//  - its vocabulary: the mean and the lowest prior of its words (see
//    WordPriors: "sitemap", "subscribe", "login" lean to boilerplate,
//    "thereby", "concluded" to prose), and the mean over the lines within
//    +-2 rows.
//
// A one- or two-word line that equals a rule's literal ("Settings",
// "Performance") counts as matching it only when a line within two lines
// of it also matches a rule (a banner's buttons, a menu); elsewhere it is a
// heading or a label.
//
// The main text is the densest run of prose: the maximum-sum run of lines
// (Kadane's algorithm) where body lines count their words and other lines
// count against it, boundary headings ("Comments", "Related articles":
// rules marked +list) most. Everything is computed in O(n) for n lines
// with prefix sums; no line is visited more than a fixed number of times.
//
// The comment section: a comments heading ("Comments", "12 Responses to
// TITLE", "Leave a Reply", "Kommentare"; IsCommentsHeading) after at least
// 150 words of prose, with a post stamp within 15 lines under it and at
// most one stamp above it, begins the page's comments, which the line
// filter drops to the end of the page (line_filter.hpp). A forum thread,
// a stamp on every post from the first, has none; nor has a blog's front
// page, whose every post ends in the same "Comments (3)" link.
//
// A body line ends in closing punctuation with at least 5 words, or has at
// least 20 words (C4's line rule, widened), and matches no rule, unless it
// is a closed sentence of 15 words or more (prose that uses a boilerplate
// phrase in passing).
//
// The feature names (FeatureNames()) are part of the model file format: a
// model lists the names it was trained on, and LineModel refuses a model
// whose names differ.
#ifndef WINNOW_LINE_FEATURES_HPP_
#define WINNOW_LINE_FEATURES_HPP_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "winnow/document.hpp"
#include "winnow/normalize.hpp"
#include "winnow/rules.hpp"

namespace winnow {

// The built-in rule names the model has one feature each for.
inline constexpr std::string_view kFeatureRuleNames[] = {
    "share",   "source-link", "advertisement", "read-more", "navigation", "cookie-banner",
    "newsletter", "counter",  "loading",       "javascript", "lorem-ipsum", "copyright",
    "policy",  "caption",     "credit",        "forum"};
inline constexpr int kFeatureRules =
    static_cast<int>(sizeof(kFeatureRuleNames) / sizeof(kFeatureRuleNames[0]));

// Column indexes of the feature matrix.
enum Feature : int {
  // Own text.
  kFWords, kFChars, kFClosed, kFColon, kFEllipsis, kFStopShare, kFCapShare,
  kFUpperShare, kFDigitShare, kFPunctShare, kFAvgWordLen, kFUrls, kFEmail,
  kFBullet, kFSeparators, kFKeyValue, kFCode, kFIndent, kFUnspaced, kFYear,
  kFRepeat, kFListHeading, kFRuleAny,
  kFRuleFirst,  // kFeatureRules columns, one per kFeatureRuleNames entry
  // Block.
  kFParaLines = kFRuleFirst + kFeatureRules, kFParaWords, kFParaClosedShare,
  kFParaFirst, kFParaLast, kFWrapped,
  // Document.
  kFDocLines, kFDocWords, kFDocProseShare, kFDocBlankLines,
  // Position.
  kFRelPos, kFProseBefore, kFInSpan, kFBeforeSpan, kFAfterSpan, kFBoundaryAfter,
  kFDistBodyPrev, kFDistBodyNext, kFFirstLine, kFSpanShare,
  // Neighbours and windows.
  kFPrevWords, kFPrevClosed, kFPrevRule, kFNextWords, kFNextClosed, kFNextRule,
  kFWin2Body, kFWin2Words, kFWin2Rule, kFWin5Body, kFWin5Words, kFWin5Rule,
  kFWin10Body, kFWin10Words, kFWin10Rule,
  // Structure: runs of short lines, and line shapes that repeat.
  kFShortAbove, kFShortBelow, kFWin10Same, kFWin10Period, kFDocSame, kFDocPeriod,
  // Posts and comments: their headers' time stamps (IsPostStamp).
  kFStamp, kFWin10Stamps, kFStampsAbove, kFProseBeforeStamps, kFStampsInSpan, kFStampsAfterSpan,
  // Vocabulary: the word priors (WordPriors) of the line and around it.
  kFLexMean, kFLexMin, kFLexWin2,
  kFeatureCount
};

// The name of every column, in order ("words", "rule:share", ...).
const std::vector<std::string>& FeatureNames();

// True if `text` ends, after trailing spaces (any Unicode space), invisible
// format characters (U+200B-U+200F, U+2060, U+FEFF, ...), variation
// selectors and tag characters, closing brackets and quotes, and HTML
// character references that spell any of those (&nbsp; &#8221; &rdquo;
// &ZeroWidthSpace; ..., names in any case; also escaped twice, &amp;nbsp;,
// and without the ';' at the very end of the text, &nbsp), in a sentence-final mark of any script (. ! ? ; of Latin,
// 。！？．, ۔ ؟, । ॥, ። ፧, ។ ៕, ། ༎, ။, ๚ ๛, ...) and not in an ellipsis.
// Also true for the closing quotes " ' ” ’ » themselves, as C4's rule has it.
bool EndsWithClosingPunctuation(std::string_view text);

// True if `text` ends in ':' or '：' (after spaces and format characters).
bool EndsWithColon(std::string_view text);

// True if `raw` (normalised as `norm`), a line of at most 30 words, looks
// like the header of a post or a comment: it holds a clock time ("4:21
// am", "18:05"), a time relative to now ("3 hours ago", "vor 2 Tagen",
// "hace 5 días", "il y a 3 jours", "2 дня назад", "3天前"; a number, a unit
// and the language's word for "ago", in 15 languages), or ends in a verb of
// saying ("Anna says:", "Bob wrote", "Jan schrieb:", "Progress Trap said,").
bool IsPostStamp(std::string_view raw, const Normalized& norm);

// True if `norm`, a line of at most 25 words, is the heading of a comment
// section: "Comments", "3 Comments", "Comments (12)", "Leave a Reply",
// "Kommentare", "Commentaires", "コメント", "댓글" (whole phrases in about
// twenty languages, with a count before or after), a count with a word for
// responses ("12 Responses", "1 Comment"; not "12 replies", which a forum
// thread counts its posts with), or "12 Responses to TITLE" and
// "One thought on TITLE", or such a count and word before a short
// invitation ("{87 comments… read them below or add one}", "42 Comments so
// far"; at most eight words; not a numbered item such as "16. Thought"),
// none ending in a full stop, as a sentence about comments does; not with
// a count of 0 ("Comments (0)"). "Add a comment"
// and "Discussion" are not: they stand under or above every post of a
// question-and-answer page. `norm` is `raw` normalised. The match also
// tells whether the heading holds a count, and hashes its words without
// the count (a blog's front page repeats one such heading per post).
struct CommentsHeadingMatch {
  bool heading = false;
  bool counted = false;     // with a count ("3 Comments", "Comments (12)")
  std::uint64_t hash = 0;   // of its normalised words without the count
};
CommentsHeadingMatch MatchCommentsHeading(std::string_view raw, const Normalized& norm);
inline bool IsCommentsHeading(std::string_view raw, const Normalized& norm) {
  return MatchCommentsHeading(raw, norm).heading;
}

// Words as the line model counts them: normalised words, two CJK characters
// counting as one, and runs of scripts written without spaces (Thai, Lao,
// Khmer, Myanmar, Tibetan) counting one word per four characters.
int CountWords(std::string_view raw, const Normalized& norm);

// Word priors: per normalised word (its HashWord(word, kWordSeed)), the
// log-odds that a line holding it is main content rather than boilerplate,
// relative to the base rate, learned with the line model from labelled
// pages (tools/train/train.py: words counted once per site, seen on at
// least 10 sites, additively smoothed), the same idea as the token
// features of Kohlschuetter et al., "Boilerplate detection using shallow
// text features" (WSDM 2010) and of Web2Text (Vogels et al., 2018). Shipped
// inside the model file (line_model.hpp). Also the stopword set of the
// stop_share column (its values unused). Build with Add(), then Find()
// from any number of threads.
struct WordTable;  // the stopwords and a WordPriors in one table (LineFeatures)

class WordPriors {
 public:
  void Add(std::uint64_t hash, float prior);
  // The prior of the word with this hash, or false when it has none.
  bool Find(std::uint64_t hash, float* prior) const;
  std::size_t size() const { return size_ + (has_zero_ ? 1 : 0); }
  // Calls f(hash, prior) for every word, in no particular order.
  template <typename F>
  void ForEach(F f) const {
    for (std::size_t s = 0; s < keys_.size(); ++s) {
      if (keys_[s] != 0) f(keys_[s], values_[s]);
    }
    if (has_zero_) f(std::uint64_t{0}, zero_value_);
  }

 private:
  // Open addressing at most half full, linear probing; key 0 marks a free
  // slot (a word hashing to 0 is kept aside).
  std::size_t Slot(std::uint64_t h) const { return static_cast<std::size_t>(h ^ (h >> 31)) & mask_; }
  void Grow();
  friend class LineFeatures;
  // These priors and the stopwords in one WordTable, built on first use
  // and shared by every LineFeatures that reads them (Add() drops it).
  std::shared_ptr<const WordTable> WithStopwords(const WordPriors& stopwords) const;
  mutable std::shared_ptr<const WordTable> with_stopwords_;
  std::vector<std::uint64_t> keys_;
  std::vector<float> values_;
  std::size_t mask_ = 0, size_ = 0;
  bool has_zero_ = false;
  float zero_value_ = 0;
};

// The stopwords and a WordPriors in one table: a word is looked up once,
// and its slot (16 bytes: hash, prior, whether it is a stopword and
// whether it has a prior) answers both, without a branch on the answer.
// Open addressing at most half full, linear probing; hash 0 marks a free
// slot, whose prior and bits are 0 (the word hashing to 0 is looked up in
// the two sets themselves).
struct WordTable {
  struct Slot {
    std::uint64_t hash = 0;
    float prior = 0;
    std::uint32_t bits = 0;  // 1: a stopword, 2: has a prior
  };
  std::vector<Slot> slots;
  std::size_t mask = 0;
  WordTable(const WordPriors& stopwords, const WordPriors* priors);
};

// Computes the feature matrix of one document at a time. Not thread-safe;
// one per thread (it keeps scratch memory between documents).
class LineFeatures {
 public:
  // `rules` (frozen, or null) maps its rule names to the kFRuleFirst
  // columns; it must outlive this object.
  explicit LineFeatures(const RuleSet* rules);

  // The word priors of the vocabulary columns (null, or empty: those
  // columns are 0). Must outlive this object; set before Reset().
  void set_word_priors(const WordPriors* priors);

  // Starts a document of `lines` lines.
  void Reset(std::size_t lines);
  // Adds line i (in order). `norm` is the line's normalised view, null for a
  // blank line or one too long to analyse; `rule` the index of a built-in
  // rule's matching pattern in rules->patterns() or -1 (patterns of rules
  // the model has no feature for are ignored); `word_hashes` the line's
  // words hashed with HashWord(word, kWordSeed).
  void AddLine(const Line& line, const Normalized* norm, int pattern,
               std::span<const std::uint64_t> word_hashes);
  // Asks the CPU to bring the word table's entries for these word hashes
  // into cache, for an AddLine() of them soon after (no other effect).
  void Prefetch(std::span<const std::uint64_t> word_hashes) const;
  // Computes the block and context features once every line is added.
  void Finish(const Document& doc);

  // Row of line i (kFeatureCount floats), computed on demand from the
  // compact per-line state into scratch memory of this object: valid until
  // the next call of row() or Reset(). Rows of blank lines are all zero.
  std::span<const float> row(std::size_t line) const;
  // Whether line i is a body line (see above), and its word count.
  bool body(std::size_t line) const { return body_[line]; }
  int words(std::size_t line) const { return words_[line]; }
  // Whether line i matches a built-in rule the model has a feature for.
  bool rule(std::size_t line) const { return rule_[line]; }
  // Whether line i belongs to a hard-wrapped paragraph.
  bool wrapped(std::size_t line) const { return wrapped_[line]; }
  // The hard-wrapped paragraphs as [first, end) line ranges, in order: the
  // document's paragraphs that are, or in a document without blank lines
  // the runs of wrapped lines with their tails. Valid after Finish().
  const std::vector<std::pair<std::uint32_t, std::uint32_t>>& wrapped_spans() const {
    return wrapped_spans_;
  }
  // Line i's shape (see above: length class * 8 + closing mark * 4 +
  // digits * 2 + bullet), or -1 for a blank line. Valid after Finish().
  int shape(std::size_t line) const {
    return row_of_[line] == kNoRow ? -1 : static_cast<int>(shape_[row_of_[line]]);
  }
  // The main text's first and last line indexes (inclusive), or
  // span_first() > span_last() when the page has no body line.
  std::size_t span_first() const { return span_first_; }
  std::size_t span_last() const { return span_last_; }
  // The words of the body lines inside the main text.
  double span_words() const { return span_words_; }
  // The comment section under the article: the index of its heading line
  // (IsCommentsHeading: the first such line after kCommentsMinProse words
  // of prose), when a post stamp (IsPostStamp) lies within
  // kCommentsStampRows non-blank lines under it, or, under a heading with
  // a count and under kCommentsMinProse words of the main text, two
  // commenters' names (a line of one to four words without a closing mark
  // or a rule, over a line of four words or more) do, and at most one
  // stamp lies above it,
  // and it is not the first of a blog front page's per-post links (a
  // heading of the same words with a count, a stamp under it, after
  // kCommentsMinProse more words); otherwise the document's line count.
  // Valid after Finish().
  static constexpr double kCommentsMinProse = 150;
  static constexpr std::size_t kCommentsStampRows = 15;
  std::size_t comments_first() const { return comments_first_; }

 private:
  // A non-blank line's own features, kept compact (60 bytes): the
  // context columns are computed by row() from prefix sums.
  struct Own {
    float words = 0, chars = 0;  // log1p of the counts (words: its paragraph's when wrapped)
    float stop_share = 0, cap_share = 0, upper_share = 0, digit_share = 0, punct_share = 0,
          avg_word_len = 0, unspaced = 0, repeat = 0;
    float lex_min = 0;  // the lowest prior of its words that have one
    std::uint32_t para = 0;  // 1 + index into paras_, 0 for none
    std::uint32_t lex_n = 0;  // its words that have a prior
    std::uint8_t urls = 0, separators = 0, code = 0, indent = 0;
    std::int8_t rule_column = -1;  // kFRuleFirst + k, or -1
    std::uint16_t flags = 0;       // kOwn* bits
  };
  enum : std::uint16_t {
    kOwnClosed = 1, kOwnColon = 2, kOwnEllipsis = 4, kOwnEmail = 8, kOwnBullet = 16,
    kOwnKeyValue = 32, kOwnYear = 64, kOwnWrapped = 128, kOwnStamp = 256
  };
  struct Para {
    std::uint32_t first = 0, end = 0;
    float lines = 0, words = 0, closed_share = 0;  // lines, words: log1p
  };

  // Rows exist for non-blank lines only: a document of blank lines costs a
  // few bytes a line, not a row each.
  static constexpr std::uint32_t kNoRow = 0xFFFFFFFFu;
  std::vector<std::uint32_t> row_of_;   // per line: its row, or kNoRow
  std::vector<int> rule_column_;        // per rule index of `rules`: column or -1
  // The stopwords' word hashes in an open-addressing table at most a third
  // full (linear probing, 0 marks a free slot): a line's words are looked up
  // one by one, and a binary search's mispredicted branches cost more.
  const WordPriors* stopwords_ = nullptr;  // a set (values unused): built once, shared
  // The stopwords and the priors_ in one table (set_word_priors), shared.
  std::shared_ptr<const WordTable> word_table_;
  const RuleSet* rules_;
  std::vector<Own> own_;                // per row
  std::vector<Para> paras_;
  std::vector<int> words_;
  std::vector<bool> body_, closed_, blank_, rule_, boundary_, wrapped_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> wrapped_spans_, candidates_;
  std::vector<bool> lone_literal_;      // a 1-2 word line equal to a rule's literal
  std::vector<std::uint32_t> stray_;    // scratch of Finish()
  std::vector<std::uint64_t> row_hash_;  // per row: the normalised text's hash
  std::size_t added_ = 0;
  // Per row, filled by Finish(): its line, prefix sums over rows (body
  // lines, log words, rule lines, body words) and the distances to the
  // nearest body line.
  std::vector<std::uint32_t> idx_;
  std::vector<std::uint16_t> dist_next_, dist_prev_;
  std::vector<std::uint32_t> pre_body_, pre_rule_;
  // Posts: prefix sums of stamp rows (IsPostStamp), and the share of the
  // body words above the first of them (1 when there is none).
  std::vector<std::uint32_t> pre_stamp_;
  float prose_before_stamps_ = 1;
  // Structure: short rows directly above and below (at most 1000), and
  // prefix sums of "same shape as the row p above" for p = 1..4.
  std::vector<std::uint16_t> short_above_, short_below_;
  std::vector<std::uint8_t> shape_;
  std::vector<std::uint32_t> pre_same_[4];
  float doc_same_ = 0, doc_period_ = 0;
  std::vector<double> pre_words_, pre_body_words_;
  // Vocabulary: per row the sum of its words' priors (their count is
  // Own::lex_n).
  const WordPriors* priors_ = nullptr;
  std::vector<double> lex_sum_;
  // Document-wide values of Finish().
  std::size_t span_first_ = 1, span_last_ = 0;
  std::size_t span_row_first_ = 1, span_row_last_ = 0;  // the span in rows
  std::size_t boundary_row_ = 0;  // first boundary heading after the span, or rows
  float doc_lines_ = 0, doc_words_ = 0, prose_share_ = 0, doc_blank_lines_ = 0;
  float span_share_ = 0;
  double body_words_ = 0, span_words_ = 0;
  // The comments headings (MatchCommentsHeading), in order: their rows,
  // whether they hold a count, and the hashes of their words without it.
  struct CommentsHeadingRow {
    std::uint32_t row;
    bool counted;
    std::uint64_t hash;
  };
  std::vector<CommentsHeadingRow> comments_headings_;
  std::size_t comments_first_ = 0;
  mutable float scratch_[kFeatureCount] = {};
};

}  // namespace winnow

#endif  // WINNOW_LINE_FEATURES_HPP_
