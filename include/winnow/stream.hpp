// The pipeline: a stream of documents through the core filter, site-wide
// repeated lines and cross-document deduplication, on N threads, with
// output that is byte-identical for every N. Every input format runs
// through it; text (records.hpp) is one more format, whose inputs are one
// document each, and which runs the core filter only.
//
// Records are read in batches, across inputs (a run over many small text
// files keeps every thread busy). Per batch:
//   A (parallel)   split each document, run the line rules, sign the text
//                  the rules keep, key its lines (its DocFacts: nothing in
//                  them depends on another document);
//   B (in order)   the decisions that depend on the documents before it
//                  (Decider, decide.hpp): repeated lines, empty documents,
//                  near-duplicate documents;
//   C (parallel)   remove near-duplicate paragraphs, render the record;
//   D (in order)   write the batch.
// Everything that depends on earlier documents happens in input order (B),
// so the result does not depend on the thread count. The threads are
// started once, with the processor; while they run phase A of one batch,
// the calling thread writes the batch before it (D) and reads the next.
// B runs on the calling thread once the batch is through A, while the
// other threads run C of the records it has decided
// (detail/ordered_flow.hpp): no thread waits for B to end.
// The same processor runs the stages of a cluster run (stages.hpp): Sign()
// stops after A and writes the facts; Apply() takes B's decisions from a
// decisions file.
#ifndef WINNOW_STREAM_HPP_
#define WINNOW_STREAM_HPP_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "winnow/decide.hpp"
#include "winnow/doc_dedup.hpp"
#include "winnow/doc_names.hpp"
#include "winnow/error.hpp"
#include "winnow/filter.hpp"
#include "winnow/records.hpp"
#include "winnow/repeated_lines.hpp"
#include "winnow/rules.hpp"
#include "winnow/state_file.hpp"

namespace winnow {

namespace detail {
class ThreadPool;
}

class StageWriter;
class DecisionSource;

struct StreamConfig {
  // Format::kText: every input is one document, run through the core
  // filter only (doc_dedup, repeated_lines and drop_empty do not apply);
  // a document whose kept text ends without a newline gets one before the
  // next document's text, so that two documents never share a line.
  Format format = Format::kJsonl;
  JsonlFields fields;
  bool doc_dedup = true;
  DocDedupConfig doc;
  bool repeated_lines = true;
  RepeatedLinesConfig lines;
  bool drop_empty = true;  // a document with no line left is dropped
  bool annotate = false;   // JSONL: keep every record, add a "winnow" field
  bool annotate_rejects = false;  // JSONL: dropped records go to rejects with that field
  bool explain = false;
  // Keep the names (id, url) of indexed documents even when nothing in this
  // run reports them: set with --index, so that later runs can name the
  // documents this one kept (doc_names.hpp).
  bool keep_names = false;
  int threads = 1;
  // Records in flight: two batches of half this many (one read and written
  // while the threads work on the other), each ending once it holds 2 MiB
  // of records (or after one record over that). Memory: the two batches'
  // records and their per-line state (four to five times their bytes),
  // and between batches at most 32 KiB of buffers kept per record slot
  // (batch x 32 KiB; larger ones are freed after their batch is written).
  std::size_t batch = 512;
  bool skip_errors = false;  // --on-error skip (default: stop)
  // The reader's max_record_bytes, named in the message about a record over
  // it (the processor writes such a record's pieces through as they come).
  std::size_t max_document_bytes = kDefaultMaxDocumentBytes;
  // Count ticks per stage into StreamStats::stages (stage_times.hpp); the
  // line stages also need FilterConfig::time_stages.
  bool time_stages = false;
};

struct StreamStats {
  std::uint64_t records = 0;        // read
  std::uint64_t documents_in = 0;   // records with text
  std::uint64_t documents_out = 0;
  std::uint64_t passed_through = 0; // records without text, written as they were
  std::uint64_t too_large = 0;      // records over max_document_bytes, written as they were
  std::uint64_t malformed = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  // Bytes read from the inputs (compressed bytes for compressed ones), for
  // a progress display; may run a batch ahead of the records processed.
  std::uint64_t raw_bytes_in = 0;
  std::map<std::string, std::uint64_t, std::less<>> dropped_documents;  // by reason
  FilterStats lines;
  // The stream's own stages (read, parse, repeated lines, document
  // signature and dedup, render, write); the line stages are in lines.stages.
  StageTimes stages;
};

// What became of one record, for callers that want decisions rather than
// bytes (the Python module). Views and pointers live until the callback
// returns.
struct StreamDecision {
  const Record* record;   // as read (the first piece of an oversized record)
  std::uint64_t ordinal;  // its position in the stream, across runs (see --index)
  bool keep;              // written to the output (also when passed through)
  // Why it was dropped: "empty", "near-duplicate-document", "malformed";
  // empty when kept.
  std::string_view reason;
  DocVerdict duplicate;   // near-duplicate-document: the kept record's ordinal
  // ... and its names, as its record gave them (see Record::id, url); empty
  // when it had none, or its names were not kept (doc_names.hpp).
  std::string_view duplicate_id, duplicate_url;
  // Analysed documents only (null for records without text, malformed and
  // oversized ones): its lines, their drops, and the kept text.
  const Document* doc = nullptr;
  const FilterResult* lines = nullptr;
  std::string_view text;
};

// Where output goes. Each callback may be empty.
struct StreamSinks {
  // Kept records: each call is given whole records (or one piece of a
  // record over max_document_bytes). A record of 1 MiB or more comes in a
  // call of its own, without being copied into the batch's output.
  std::function<void(std::string_view)> output;
  // Give `output` one record per call (for one gzip member per record).
  bool output_each_record = false;
  std::function<void(std::string_view)> rejects;  // dropped and malformed records, raw
  std::function<void(std::string_view)> explain;  // one line per decision
  std::function<void(const StreamStats&)> progress;  // after each batch
  // A malformed record: with skip_errors it is reported here and skipped;
  // otherwise Run() throws winnow::Error after writing every record before it.
  // Also a record over max_document_bytes, once, before its first piece.
  std::function<void(const std::string& message)> warning;
  // After each batch whose output ends between two records (not inside an
  // oversized one): the place to stop, if asked to, with whole records out.
  std::function<void()> record_boundary;
  // Every record's decision, in input order (an oversized record's once).
  std::function<void(const StreamDecision&)> decision;
  // An input of a run over input files that cannot be opened or read to
  // its end (a read error, corrupt compressed data): told after every whole
  // record before the failure is written; the run then goes on with the
  // next input. Empty: the run throws the winnow::InputError instead.
  std::function<void(const InputError&)> input_error;
};

class StreamProcessor {
 public:
  // `rules` must be frozen and outlive the processor.
  StreamProcessor(const RuleSet* rules, const FilterConfig& filter, const StreamConfig& config);
  ~StreamProcessor();
  StreamProcessor(const StreamProcessor&) = delete;
  StreamProcessor& operator=(const StreamProcessor&) = delete;

  // Processes every record of `inputs` (paths; "-" is standard input) in
  // turn, as one stream: the config's format, reader limits and fields.
  // Messages name an input by its path, or "-". An input that cannot be
  // opened or read goes to sinks.input_error (see there).
  void Run(const std::vector<std::string>& inputs, const StreamSinks& sinks);
  // Processes every record of `reader`; `name` names the input in messages.
  void Run(RecordReader& reader, const std::string& name, const StreamSinks& sinks);
  // The same for records the caller makes: `next` fills the next record
  // (number, has_text and text, or raw for one passed through) and returns
  // false at the end; `bytes_read` says how many input bytes they came from.
  void Run(const std::function<bool(Record*)>& next,
           const std::function<std::uint64_t()>& bytes_read, const std::string& name,
           const StreamSinks& sinks);

  // Cross-document state (document index and repeated-line counts) to and
  // from a file: a versioned header with the hashing parameters, checksums
  // (state_file.hpp); written to a temporary name, synced, renamed
  // (AtomicFile). Load throws winnow::Error on a missing, truncated, damaged
  // or foreign file, or one made with other parameters, and then leaves the
  // processor's state as it was. The caller holds a StateLock on `path`.
  // The indexed documents' names live beside it, in `path`.names
  // (DocumentNames): Save makes them durable first and records their size
  // in `path`; Load continues that file from that size. Names only name:
  // when they are missing or damaged, Load starts a new names file, and the
  // next Run() says so through StreamSinks::warning.
  void SaveState(const std::string& path);
  void LoadState(const std::string& path);

  // `winnow sign`: reads every record of `inputs` and writes its facts to
  // `facts` (a "facts" StageWriter), in order; nothing else is written and
  // nothing decided. A malformed record without skip_errors throws
  // winnow::Error (the caller then does not commit `facts`).
  void Sign(const std::vector<std::string>& inputs, StageWriter& facts, const StreamSinks& sinks);
  // `winnow apply`: as Run(), with every decision that depends on other
  // documents taken from `decisions` (made by `winnow decide` from this
  // shard's facts), so the output is what one run over every shard writes
  // for this one. Throws winnow::Error when a record is not the one the
  // decisions were made for. After the shard's last input, the caller
  // calls decisions.ExpectEnd().
  void Apply(const std::vector<std::string>& inputs, DecisionSource& decisions,
             const StreamSinks& sinks);

  const StreamStats& stats() const { return stats_; }
  const DocumentIndex& index() const { return decider_.index(); }

 private:
  struct Item;
  struct Worker;
  struct Batch;
  class Feed;
  class FileFeed;
  class CallbackFeed;
  enum class Mode { kRun, kSign, kApply };
  void RunBatches(Feed& feed, const StreamSinks& sinks, Mode mode, StageWriter* facts,
                  DecisionSource* decisions);
  // Phase D of `batch`: writes it, and reports how its reading ended.
  void Write(Batch& batch, Feed& feed, const StreamSinks& sinks);
  // The threads' line statistics and stage times into stats_ (the pool
  // idle).
  void MergeWorkerStats();
  void PhaseA(Item& item, Worker& worker);
  void PhaseC(Item& item, Worker& worker);
  // Signs a document on its lines that the line rules keep (phase A).
  void Sign(Item& item, Worker& worker);
  // The keys of the document's lines for the repeated-line counts.
  void CountLines(Item& item, Worker& worker);
  const RuleSet* rules_;
  FilterConfig filter_config_;
  StreamConfig config_;
  std::vector<std::unique_ptr<Worker>> workers_;  // one per thread
  std::unique_ptr<detail::ThreadPool> pool_;
  Decider decider_;
  Mode mode_ = Mode::kRun;  // of the Run in progress
  bool want_kept_text_ = false;     // a decision sink reads each record's kept text
  bool unterminated_ = false;       // text: the output so far ends without a newline
  std::string out_, rejects_, explain_;  // phase D's output of a batch
  StreamStats stats_;
  StageTimes main_stages_;  // the stages run on the calling thread
};

}  // namespace winnow

#endif  // WINNOW_STREAM_HPP_
