// The order-dependent decisions of a document stream, in one place.
//
// Everything winnow decides about a document from the documents before it
// happens here, one document at a time in input order:
//   repeated lines   which of its lines are boilerplate by the counts of the
//                    documents before it (RepeatedLines), then its lines
//                    are counted;
//   empty            a document with no line left is dropped (and takes an
//                    ordinal but no index entry);
//   near-duplicate   keep-first with verification against the documents
//                    indexed before it (DocumentIndex).
// What it reads of a document is small and computed without any other
// document (DocFacts: its site, its lines' keys, its signature, its names),
// so a single process computes them on its threads and decides in order
// (stream.hpp), and a cluster computes them per shard (`winnow sign`),
// decides once over every shard's facts in global order (`winnow decide`)
// and writes per shard (`winnow apply`): both run this code on the same
// facts in the same order, so their decisions are the same.
//
// A document is empty exactly when no line of a paragraph survives the line
// rules and the repeated lines: paragraph deduplication (dedup.hpp) only
// drops a paragraph that repeats an earlier kept one of the same document,
// so the first paragraph with a line left always stays.
//
// The state (document index, repeated-line counts, next ordinal, the
// indexed documents' names) is saved to and loaded from one versioned,
// checksummed file (SaveState, LoadState; state_file.hpp).
#ifndef WINNOW_DECIDE_HPP_
#define WINNOW_DECIDE_HPP_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "winnow/doc_dedup.hpp"
#include "winnow/doc_names.hpp"
#include "winnow/repeated_lines.hpp"

namespace winnow {

struct StreamConfig;

// What the decisions read about one document (views live as long as the
// caller's record).
struct DocFacts {
  std::uint64_t site = 0;  // hash of its url's host (SiteOf), 0: none
  // Every analysed line with words, in document order (see RepeatedLines).
  // Decide() sorts it.
  std::vector<RepeatedLines::Line>* counted = nullptr;
  // A line of a paragraph that the line rules keep and that is not in
  // `counted` (so no repeated-line judgement can drop it).
  bool kept_uncounted = false;
  const DocSignature* signature = nullptr;  // of the text its line rules keep
  // Per line of the document, the line rules' verdict (-1 kept, else the
  // rule): not read by the decisions, carried by the stage files so that
  // `winnow apply` need not run the line rules again.
  const std::vector<int>* verdicts = nullptr;
  std::string_view id, url;                 // its names, as its record has them
};

struct DocDecision {
  std::uint64_t ordinal = 0;
  // Per line of DocFacts::counted (in the order given): a line the rules
  // kept that is a repeated line, to be dropped.
  std::vector<bool> repeated;
  bool empty = false;      // dropped: no line left
  DocVerdict duplicate;    // dropped as a near-duplicate of duplicate.of
  // The kept document's names, when they are kept (see Decider) and known.
  std::string duplicate_id, duplicate_url;
  std::string_view reason() const {
    return empty ? "empty" : duplicate.duplicate ? "near-duplicate-document" : "";
  }
};

class Decider {
 public:
  // Throws winnow::Error when the configuration is out of range.
  explicit Decider(const StreamConfig& config);
  Decider(const Decider&) = delete;
  Decider& operator=(const Decider&) = delete;

  // Whether the names (id, url) of indexed documents are kept, to name the
  // document a duplicate repeats (costs a names file: doc_names.hpp).
  void set_keep_names(bool keep) { keep_names_ = keep; }

  // A record that is no document (passed through, malformed, oversized):
  // it takes the next ordinal.
  std::uint64_t TakeOrdinal() { return next_ordinal_++; }

  // Decides the next document. `warning` (may be empty) is told once when
  // the repeated-line counts reach capacity, the index fills, or the names
  // file turns out damaged.
  void Decide(DocFacts& facts, DocDecision* out,
              const std::function<void(const std::string&)>& warning);

  // The state to and from `path` (see StreamProcessor::SaveState). Load
  // leaves this decider as it was when it throws; a missing or damaged
  // names file is no error, and names_warning() then says why.
  void SaveState(const std::string& path);
  void LoadState(const std::string& path);
  // Why the loaded state's names were not found; cleared by the caller.
  std::string TakeNamesWarning() { return std::move(names_warning_); }

  std::uint64_t next_ordinal() const { return next_ordinal_; }
  const DocumentIndex& index() const { return index_; }
  const RepeatedLines& repeated_lines() const { return repeated_; }
  DocumentNames& names() { return names_; }

 private:
  bool doc_dedup_, repeated_lines_on_, drop_empty_;
  bool keep_names_ = false;
  RepeatedLines repeated_;
  DocumentIndex index_;
  DocumentNames names_;
  std::string names_warning_;
  bool capacity_said_ = false;
  std::uint64_t next_ordinal_ = 1;
};

}  // namespace winnow

#endif  // WINNOW_DECIDE_HPP_
