// Repeated lines: a line that recurs across the documents of a stream (a
// menu, a footer, "Ir al contenido", cookie text) is boilerplate. Which
// recurrence counts depends on the line's scope:
//
//   site         the documents of one site (the host of the document's url:
//                JSONL --url-field, WARC-Target-URI). A line of any length
//                seen in `min_documents` earlier documents of the site, and
//                in at least `site_share` of them, is the site's template:
//                a 22-word footer sentence on every page goes, a line that
//                some of its recipes share ("2 eggs") stays.
//   block        a document without a site: a run of kBlockLines
//                consecutive lines seen in `min_documents` earlier
//                documents without a site is a template block (a menu,
//                opening hours, an address) and its lines go; a line alone
//                is not (ingredients recur, in other combinations, in
//                recipes that are not one template).
//   rules        any document: a run of two or more short lines, each of
//                which the line rules dropped in `min_documents` earlier
//                documents (of its site, when it has one), and in at least
//                half of those that had it, is boilerplate the rules missed
//                here (a menu kept on the one page where it stands between
//                sentences). A lone such line ("2", "Overview") is a list
//                number or a heading that the line model drops on most
//                pages and keeps, by its context, where it is content.
//   everywhere   a short line seen on `cross_sites` sites and in at least
//                `cross_share` of the documents: only very frequent lines
//                ("Skip to content"), so that content lines many pages of
//                many sites share ("Ingredients", "250 ml milk") stay.
// Short lines are those of at most `max_words` words that do not read as a
// sentence (closing punctuation and `sentence_words` words or more): a
// quotation repeated across sites is never lost. Every line is counted
// whatever the line rules decided about it; only lines the rules keep are
// judged.
//
// The counts are approximate and their error is bounded and stated. Each
// kind of count (a line in a site, a site's documents, a line's documents,
// its documents where the rules dropped it, its sites, a block) is a key in one
// count-min sketch (Cormode and Muthukrishnan 2005) of 4 rows of 2^log2_width
// 16-bit counters with conservative update (Estan and Varghese 2002): never
// below the truth, and above it only when a key's counters collide with
// others'. A line never seen is judged repeated only if, for one of at most
// five keys (its site's, or its three blocks'; the rules'; everywhere),
// each of the 4 counters reads at least min_documents; so the chance of
// that is at most five times the product over the rows of the share of
// counters at min_documents / 2 or more in either of two generations
// (below). To keep that under kMaxFalseRepeated at every point of a stream
// of any length, the sketch
// counts in two generations: counts are read as the sum of both, new
// documents go into the current one, and when the bound would pass
// kMaxFalseRepeated the older generation is dropped and the current one
// becomes the older. Counts then cover a sliding window of the recent
// documents (window_documents(): a generation lasts until it fills; with
// the default 2 x 4 MiB at least 34,000 documents of 50 lines in the
// simulation of repeated_lines_test.cpp), so a site's
// template is learnt from its pages in the window. If even a fresh
// generation cannot keep the bound (documents with millions of distinct
// lines), the sketch is at capacity: nothing is judged repeated until it
// recovers, and at_capacity() says so (the stream warns once).
//
// All of this happens in input order, so the result does not depend on the
// thread count.
#ifndef WINNOW_REPEATED_LINES_HPP_
#define WINNOW_REPEATED_LINES_HPP_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace winnow {

// The most a never-seen line may be judged repeated, at every point of a
// stream (see above).
inline constexpr double kMaxFalseRepeated = 0.001;

// Consecutive lines that make a block (see above).
inline constexpr std::size_t kBlockLines = 3;

struct RepeatedLinesConfig {
  std::uint32_t min_documents = 10;
  int max_words = 12;
  int sentence_words = 5;
  int log2_width = 19;
  double site_share = 0.5;
  std::uint32_t cross_sites = 100;
  double cross_share = 0.01;
};

// The site of a url: its host, lower-cased, without "www.", a port or user
// information ("https://WWW.Example.org:8080/a" is "example.org"). Empty
// when the url has no host.
std::string_view SiteOf(std::string_view url, std::string* buffer);

class RepeatedLines {
 public:
  // One line of a document, as the stream gives it: every line with words,
  // in document order.
  struct Line {
    std::uint64_t key;   // the hash of its normalised words
    bool short_line;     // Eligible(): counted outside its site too
    bool rule_dropped;   // the line rules dropped it here
  };

  explicit RepeatedLines(const RepeatedLinesConfig& config);

  // Whether a line counts outside its site (a short line, see above).
  bool Eligible(int words, bool closed) const;

  // Judges the lines of one document of site `site` (a hash, 0: no site)
  // against the documents before it: (*repeated)[i] says whether lines[i]
  // is boilerplate by one of the three scopes. Lines the rules dropped are
  // judged too (the caller ignores them). Nothing is repeated while the
  // sketch is at capacity.
  void Judge(std::uint64_t site, const std::vector<Line>& lines, std::vector<bool>* repeated) const;

  // Counts one document: its site, and each of its distinct lines once.
  void AddDocument(std::uint64_t site, std::vector<Line>* lines);

  // The documents the counts cover (both generations).
  std::uint64_t window_documents() const { return documents_[0] + documents_[1]; }
  std::uint64_t documents() const { return total_documents_; }
  // Generations dropped so far.
  std::uint64_t rotations() const { return rotations_; }
  // The bound on the share of never-seen lines judged repeated, now.
  double FalseRepeatedBound() const;
  bool at_capacity() const { return at_capacity_; }
  std::uint64_t memory_bytes() const { return cells_.size() * sizeof(std::uint16_t); }

  const RepeatedLinesConfig& config() const { return config_; }

  // The state, for saving and loading (same configuration only): both
  // generations' counters (current first), their documents and their
  // counters at min_documents / 2 or more per row.
  struct State {
    std::array<std::vector<std::uint16_t>, 2> counts;
    std::array<std::uint64_t, 2> documents;
    std::array<std::array<std::uint64_t, 4>, 2> heavy;
    std::uint64_t total_documents, rotations;
  };
  State state() const;
  // Throws winnow::Error when `state` does not fit this configuration.
  void set_state(State state);

  // Internal keys of the counts, exposed for tests.
  std::uint32_t Count(std::uint64_t key) const;

 private:
  static constexpr int kDepth = 4;
  std::size_t Slot(std::uint64_t key, int row) const;
  // Asks the CPU to load `key`'s counters: the sketch is megabytes, and a
  // count waits for memory unless its loads were started lines earlier.
  void Prefetch(std::uint64_t key) const;
  // Counts `key` once more; returns its count before.
  std::uint32_t Increment(std::uint64_t key);
  void Rotate();
  RepeatedLinesConfig config_;
  std::size_t mask_;
  std::uint16_t heavy_at_;  // a counter this high counts towards the bound
  // Per slot, two neighbouring counters, one per generation: cell
  // current_ of the pair is the current generation's. Below, arrays indexed
  // by generation put the current one first.
  std::vector<std::uint16_t> cells_;
  int current_ = 0;
  std::array<std::uint64_t, 2> documents_{};
  std::array<std::array<std::uint64_t, kDepth>, 2> heavy_{};
  std::uint64_t total_documents_ = 0;
  std::uint64_t rotations_ = 0;
  bool at_capacity_ = false;
  std::vector<std::uint64_t> blocks_;  // AddDocument's scratch space
};

}  // namespace winnow

#endif  // WINNOW_REPEATED_LINES_HPP_
