#include "winnow/stream.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <sstream>

#include "winnow/detail/ordered_flow.hpp"
#include "winnow/detail/thread_pool.hpp"
#include "winnow/detail/xxhash.hpp"
#include "winnow/stages.hpp"
#include "winnow/document.hpp"
#include "winnow/error.hpp"
#include "winnow/jsonl.hpp"
#include "winnow/line_filter.hpp"
#include "winnow/normalize.hpp"
#include "winnow/reader.hpp"
#include "winnow/shingle.hpp"
#include "winnow/writer.hpp"

namespace winnow {

// One record on its way through the four phases.
struct StreamProcessor::Item {
  Record record;
  std::size_t input = 0;  // which input of the run it came from (Feed)
  Document doc;
  std::vector<int> verdicts;
  // Each line's words, hashed once in phase A. With document dedup, Sign()
  // leaves only the words of the lines the rules keep (the only ones later
  // stages read): dropped lines have none.
  LineWords words;
  std::vector<std::string> notes;  // the line model's reasons, with --explain
  // Phase A: the lines the repeated-line counts see (every analysed line
  // with words, whatever the rules decided), their line numbers, and the
  // document's site (a hash of its url's host; 0: none).
  std::vector<RepeatedLines::Line> counted;
  std::vector<std::uint32_t> counted_line;
  std::uint64_t site = 0;
  // A paragraph line the rules keep that is not in `counted`.
  bool kept_uncounted = false;
  // `winnow apply`: the line rules' verdicts from the decisions file.
  const std::vector<int>* given_verdicts = nullptr;
  // Phase B: its position in the stream, and (documents) its decisions.
  std::uint64_t ordinal = 0;
  DocDecision decision;
  FilterResult result;
  // Phase C: the record as written if it is kept, and its kept text: a span
  // of `rendered` (text, NUL, WET) or, for JSONL, where it is escaped,
  // `cleaned`, made only for a decision sink.
  std::string rendered;
  std::string cleaned;
  std::string_view kept;
  bool kept_nothing = true;  // no line is kept
  DocSignature signature;
};

// A thread's own rules (see RuleSet::Clone), filter and scratch space.
struct StreamProcessor::Worker {
  Worker(const RuleSet* shared, bool own_rules, const FilterConfig& filter_config,
         const DocDedupConfig& doc)
      : rules(own_rules && shared ? shared->Clone() : nullptr),
        shared_rules(shared),
        config(filter_config),
        doc_config(doc),
        signer(doc) {
    filter.emplace(rules ? rules.get() : shared, config);
  }

  // After a document of more than kReleaseLines lines: the per-document
  // buffers it grew (the filter's per-line vectors, features, normalised
  // text, word hashes, shingles, tens of MB for a document of 20 MB) are
  // given back rather than kept for the rest of the run, where each thread
  // would hold its largest document's. The filter is made again (the
  // buffers are all its members' and the members' members); its counts go
  // on in `retired`. Smaller documents keep their buffers for the next one.
  void ReleaseAfter(const Document& doc) {
    if (doc.lines.size() <= kReleaseLines) return;
    retired.Add(filter->stats());
    const RuleSet* const rule_set = filter_rules();
    filter.emplace(rule_set, config);
    signer = DocSigner(doc_config);
    norm = Normalized();
    std::vector<std::uint64_t>().swap(words);
  }
  // The filter's counts, those of filters it replaced included.
  FilterStats stats() const {
    FilterStats all = retired;
    all.Add(filter->stats());
    return all;
  }

  static constexpr std::size_t kReleaseLines = 4096;
  std::unique_ptr<RuleSet> rules;
  const RuleSet* shared_rules = nullptr;
  FilterConfig config;
  DocDedupConfig doc_config;
  std::optional<Filter> filter;  // made again by ReleaseAfter (it holds a pointer into itself)
  FilterStats retired;           // the counts of the filters ReleaseAfter replaced
  DocSigner signer;
  Normalized norm;
  std::vector<std::uint64_t> words;  // the signed text's word hashes, when normalised again
  std::string host;                  // the document's site (SiteOf)
  StageTimes stages;                 // with StreamConfig::time_stages

 private:
  const RuleSet* filter_rules() const { return rules ? rules.get() : shared_rules; }
};

namespace {

// A record at least this large is written by itself (StreamSinks::output).
constexpr std::size_t kOwnWrite = std::size_t{1} << 20;

// A batch ends once its records hold this many bytes (StreamConfig::batch
// bounds their number). Two batches are in memory at once (one is read and
// written while the threads work on the other), each with its records'
// per-line state (lines, word hashes, verdicts, the rendered record): some
// four to five times the text's bytes, so about 2 x 5 x 2 MiB at most,
// plus one record over the bound. Batches of 2 MiB still give each thread
// a hundred pages or more per batch.
constexpr std::size_t kBatchBytes = std::size_t{2} << 20;

// An item keeps its buffers for the next record it holds (no allocation
// per record) up to this many bytes; after its batch is written, an item
// holding more gives them back. Between batches the items hold at most
// StreamConfig::batch x 32 KiB (16 MiB by default), not the largest
// record each has ever seen.
constexpr std::size_t kItemKeepBytes = std::size_t{32} << 10;

template <typename T>
std::size_t Bytes(const std::vector<T>& v) {
  return v.capacity() * sizeof(T);
}
std::size_t Bytes(const std::vector<bool>& v) { return v.capacity() / 8; }
// The heap bytes of a string (short ones live inside it).
std::size_t Bytes(const std::string& s) {
  return s.capacity() > std::string().capacity() ? s.capacity() : 0;
}
std::size_t Bytes(const std::vector<std::string>& v) {
  std::size_t n = v.capacity() * sizeof(std::string);
  for (const std::string& s : v) n += Bytes(s);
  return n;
}

// The heap bytes an item's buffers hold: its record's and its per-line
// state's.
template <typename Item>
std::size_t Footprint(const Item& item) {
  return Bytes(item.record.raw) + Bytes(item.record.text) + Bytes(item.record.id) +
         Bytes(item.record.url) + Bytes(item.doc.lines) + Bytes(item.doc.paragraphs) +
         Bytes(item.verdicts) + Bytes(item.words.hashes) + Bytes(item.words.begin) +
         Bytes(item.words.count) + Bytes(item.words.analysed) + Bytes(item.words.tokens) +
         Bytes(item.words.token_begin) + Bytes(item.notes) +
         Bytes(item.counted) + Bytes(item.counted_line) + Bytes(item.decision.repeated) +
         Bytes(item.decision.duplicate_id) + Bytes(item.decision.duplicate_url) +
         Bytes(item.result.keep) + Bytes(item.result.drops) + Bytes(item.result.notes) +
         Bytes(item.rendered) + Bytes(item.cleaned) + Bytes(item.signature.values) +
         Bytes(item.signature.shingle_set);
}

// After an item's batch is written: frees its buffers when they hold more
// than kItemKeepBytes.
template <typename Item>
void ReleaseIfLarge(Item& item) {
  if (Footprint(item) <= kItemKeepBytes) return;
  // Moved out, not assigned over: a std::string assigned a short string
  // keeps its buffer.
  Item released(std::move(item));
  item = Item();
}

// A pipe holds 64 KiB by default: a stream read through one arrives in
// 64 KiB pieces, each a wake-up of both ends. Asking for 1 MiB (the
// unprivileged limit) lets reads and writes move 1 MiB at a time; where
// the kernel refuses, the pipe stays as it was.
void WidenPipe(int fd) {
#ifdef F_SETPIPE_SZ
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) ::fcntl(fd, F_SETPIPE_SZ, 1 << 20);
#else
  (void)fd;
#endif
}

// "FILE: record N (byte B)", where messages about a record point.
std::string RecordWhere(const std::string& name, const Record& r) {
  return name + ": record " + std::to_string(r.number) + " (byte " + std::to_string(r.offset) + ")";
}

void AppendJsonNumber(double value, std::string* out) {
  std::ostringstream os;
  os.precision(4);
  os << std::fixed << value;
  out->append(os.str());
}

// The names of the kept record a duplicate repeats (doc_names.hpp).
struct DuplicateNames {
  std::string id;   // JSONL: raw JSON; WARC: WARC-Record-ID
  std::string url;
};

// Appends `text` with control bytes shown as '?', so that an explanation
// stays one line.
void AppendPrintable(std::string_view text, std::string* out) {
  for (char c : text) {
    const auto b = static_cast<unsigned char>(c);
    out->push_back(b < 0x20 || b == 0x7F ? '?' : c);
  }
}

// The --annotate field: what would have been dropped, and why.
std::string Annotation(const FilterResult& result, bool keep, std::string_view reason,
                       const DocVerdict& dup, const DuplicateNames& names) {
  std::string a = "\"winnow\":{\"keep\":";
  a += keep ? "true" : "false";
  a += ",\"reason\":";
  if (reason.empty()) {
    a += "null";
  } else {
    a += '"';
    a += reason;
    a += '"';
  }
  if (dup.duplicate) {
    // The kept record by its id (a JSON value, as its record has it), else
    // its url, else its ordinal; its ordinal always.
    a += ",\"duplicate_of\":";
    if (!names.id.empty()) {
      a += names.id;
    } else if (!names.url.empty()) {
      AppendJsonString(names.url, &a);
    } else {
      a += std::to_string(dup.of);
    }
    a += ",\"duplicate_of_record\":" + std::to_string(dup.of);
    if (!names.url.empty()) {
      a += ",\"duplicate_of_url\":";
      AppendJsonString(names.url, &a);
    }
    a += ",\"similarity\":";
    AppendJsonNumber(dup.similarity, &a);
    if (dup.exact) a += ",\"exact\":true";
  }
  a += ",\"dropped_lines\":[";
  bool first = true;
  for (const Drop& d : result.drops) {
    if (!first) a += ',';
    first = false;
    a += "{\"line\":" + std::to_string(d.line) + ",\"lines\":" + std::to_string(d.lines) +
         ",\"reason\":\"" + std::string(d.reason) + "\"";
    if (d.of_line != 0) {
      a += ",\"of_line\":" + std::to_string(d.of_line) + ",\"similarity\":";
      AppendJsonNumber(d.similarity, &a);
    }
    a += '}';
  }
  a += "]}";
  return a;
}

// Inserts `field` ("name":value) as the last member of the JSON object in
// `line` (a line that parsed as one object, its '\n' included or not).
// Members of the same name that the record holds already, at `old`
// (Record::annotations, in order), go, each with the comma that joins it
// to the next member, or to the one before when it is the last:
// annotating an annotated file replaces the annotation.
void AppendAnnotated(std::string_view line, const std::string& field, std::string* out,
                     std::span<const std::pair<std::size_t, std::size_t>> old = {}) {
  std::string without;
  if (!old.empty()) {
    without.assign(line);
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    // From the last to the first, so that each span still holds where it was.
    for (auto it = old.rbegin(); it != old.rend(); ++it) {
      std::size_t b = it->first, e = it->second;
      if (e <= b || e > without.size()) continue;
      std::size_t after = e;
      while (after < without.size() && space(without[after])) ++after;
      if (after < without.size() && without[after] == ',') {
        e = after + 1;
        while (e < without.size() && space(without[e])) ++e;
      } else {
        std::size_t before = b;
        while (before > 0 && space(without[before - 1])) --before;
        if (before > 0 && without[before - 1] == ',') b = before - 1;
      }
      without.erase(b, e - b);
    }
    line = without;
  }
  std::size_t end = line.size();
  while (end > 0 && line[end - 1] != '}') --end;
  if (end == 0) {  // cannot happen for a parsed object; keep the bytes
    out->append(line);
    return;
  }
  std::size_t before = end - 1;  // the '}'
  std::size_t k = before;
  while (k > 0 && (line[k - 1] == ' ' || line[k - 1] == '\t' || line[k - 1] == '\r' || line[k - 1] == '\n')) --k;
  const bool empty_object = k > 0 && line[k - 1] == '{';
  out->append(line.substr(0, before));
  if (!empty_object) out->push_back(',');
  out->append(field);
  out->append(line.substr(before));
}

}  // namespace

namespace {

// Text mode runs the core filter only: see StreamConfig::format.
StreamConfig ForFormat(StreamConfig config) {
  if (config.format == Format::kText) {
    config.doc_dedup = false;
    config.repeated_lines = false;
    config.drop_empty = false;
    config.annotate = config.annotate_rejects = false;
    // The counts are never used: the smallest table, not 2 x 4 MiB.
    config.lines.log2_width = 1;
  }
  // The annotation a record holds already is replaced (AppendAnnotated).
  if (config.annotate || config.annotate_rejects) config.fields.annotation = "winnow";
  return config;
}

}  // namespace

StreamProcessor::StreamProcessor(const RuleSet* rules, const FilterConfig& filter,
                                 const StreamConfig& config)
    : rules_(rules),
      filter_config_(filter),
      config_(ForFormat(config)),
      decider_(config_) {
  const int threads = config.threads < 1 ? 1 : config.threads;
  for (int t = 0; t < threads; ++t) {
    workers_.push_back(std::make_unique<Worker>(rules, threads > 1, filter, config_.doc));
  }
  pool_ = std::make_unique<detail::ThreadPool>(workers_.size());
}

StreamProcessor::~StreamProcessor() = default;

void StreamProcessor::PhaseA(Item& item, Worker& w) {
  item.counted.clear();
  item.counted_line.clear();
  item.site = 0;
  item.kept_uncounted = false;
  item.signature.values.clear();
  StageTimes* const times = config_.time_stages ? &w.stages : nullptr;
  {
    StageTimer timer(times, Stage::kParse);
    if (item.record.json_pending) DecodeJsonRecord(config_.fields, &item.record);
    if (!item.record.has_text || !item.record.error.empty()) return;
    SplitDocument(item.record.document(), &item.doc);
  }
  if (item.given_verdicts != nullptr && item.given_verdicts->size() == item.doc.lines.size()) {
    // `winnow apply`: the line rules' verdicts of `winnow sign`, from the
    // decisions file; only the words are made again.
    StageTimer timer(times, Stage::kNormalize);
    item.verdicts = *item.given_verdicts;
    AnalyseLines(item.doc, filter_config_.lines.max_line_bytes, &item.words);
    item.notes.clear();
  } else {
    w.filter->JudgeLines(item.doc, &item.verdicts, &item.words, &item.notes);
  }
  const bool count_lines = config_.repeated_lines;
  for (const Paragraph& para : item.doc.paragraphs) {
    for (std::uint32_t i = para.first; i < para.end && !item.kept_uncounted; ++i) {
      if (item.verdicts[i] >= 0) continue;
      // Counted below (so judged in phase B): analysed, with words.
      const bool counted = count_lines && item.words.analysed[i] && item.words.words(i) > 0;
      item.kept_uncounted = !counted;
    }
  }
  // Repeated lines count every line, the ones the rules dropped too, so
  // their keys are taken before Sign() lets the dropped lines' words go.
  if (count_lines) {
    StageTimer timer(times, Stage::kRepeatedLines);
    CountLines(item, w);
  }
  if (config_.doc_dedup) {
    StageTimer timer(times, Stage::kDocumentSignature);
    Sign(item, w);
  }
}

void StreamProcessor::CountLines(Item& item, Worker& w) {
  if (!item.record.url.empty()) {
    const std::string_view site = SiteOf(item.record.url, &w.host);
    if (!site.empty()) item.site = XXH3_64bits(site.data(), site.size()) | 1;
  }
  for (std::uint32_t i = 0; i < item.doc.lines.size(); ++i) {
    // A line too long to analyse is not counted.
    if (!item.words.analysed[i] || item.words.words(i) == 0) continue;
    const Line& line = item.doc.lines[i];
    // Its key: the hash of its words' hashes (its normalised text).
    const std::uint64_t key =
        XXH3_64bits(item.words.words_of(i), item.words.words(i) * sizeof(std::uint64_t));
    const bool short_line =
        decider_.repeated_lines().Eligible(item.words.count[i], EndsWithClosingPunctuation(line.text));
    item.counted.push_back({key, short_line, item.verdicts[i] >= 0});
    item.counted_line.push_back(i);
  }
}

void StreamProcessor::PhaseC(Item& item, Worker& w) {
  item.rendered.clear();
  item.cleaned.clear();
  item.kept = {};
  item.kept_nothing = true;
  if (!item.record.has_text || !item.record.error.empty()) return;
  w.filter->Decide(item.doc, item.verdicts, &item.result, &item.words, &item.notes);
  const std::vector<bool>& keep = item.result.keep;
  item.kept_nothing = std::find(keep.begin(), keep.end(), true) == keep.end();
  // Written here, on the worker, so that phase D only copies it; the kept
  // text goes straight into the record, with no copy of its own.
  const bool jsonl = config_.format == Format::kJsonl;
  StageTimer timer(config_.time_stages ? &w.stages : nullptr, Stage::kRender);
  if (jsonl && want_kept_text_) {
    AppendKept(item.doc, keep, &item.cleaned);
    item.kept = item.cleaned;
  }
  if (jsonl && config_.annotate) return;  // written in phase D
  const std::size_t at =
      AppendKeptRecord(config_.format, item.record, item.doc, keep, &item.rendered);
  if (at != std::string::npos) {
    item.kept = std::string_view(item.rendered).substr(at, KeptBytes(item.doc, keep));
  }
}

void StreamProcessor::Sign(Item& item, Worker& w) {
  if (mode_ == Mode::kApply) {
    // Only the words' layout matters here (see below); the signature is not.
    bool analysed = true;
    for (std::size_t i = 0; i < item.doc.lines.size() && analysed; ++i) {
      analysed = item.verdicts[i] >= 0 || item.words.analysed[i] || item.doc.lines[i].blank;
    }
    if (!analysed) return;
  }
  // The document's own text after its line rules: what the stream-wide
  // stages later remove depends on the documents before it, and would give
  // two copies of one page two signatures. The words are the kept lines'
  // words, hashed by the line filter; the ones of a kept line it did not
  // analyse (over max_line_bytes) are made here.
  const std::size_t n = item.doc.lines.size();
  LineWords& lw = item.words;
  bool hashed = true;
  for (std::size_t i = 0; i < n && hashed; ++i) {
    hashed = item.verdicts[i] >= 0 || lw.analysed[i] || item.doc.lines[i].blank;
  }
  if (hashed) {
    // The kept lines' words, moved to the front of their own vector in line
    // order rather than copied: dropped lines keep none (see Item::words).
    // `winnow apply` does only this (its decisions are made).
    const auto keep_kept = [&](std::vector<std::uint64_t>& values, std::vector<std::uint32_t>& begin) {
      std::uint32_t to = 0;
      for (std::size_t i = 0; i < n; ++i) {
        const std::uint32_t from = begin[i], end = begin[i + 1];
        begin[i] = to;
        if (item.verdicts[i] >= 0) continue;
        std::copy(values.begin() + from, values.begin() + end, values.begin() + to);
        to += end - from;
      }
      begin[n] = to;
      values.resize(to);
      return to;
    };
    std::uint32_t to = keep_kept(lw.hashes, lw.begin);
    // The tokens, where they differ from the words (unspaced scripts).
    if (lw.split_tokens()) to = keep_kept(lw.tokens, lw.token_begin);
    if (mode_ == Mode::kApply) return;
    w.signer.SignWords(lw.split_tokens() ? lw.tokens : lw.hashes, &item.signature);
    // The signer keeps a shingle per word: let a huge document's go.
    if (to * sizeof(std::uint64_t) > kOwnWrite) w.signer = DocSigner(config_.doc);
    return;
  }
  // A line is normalised on its own as in the line filter (no word spans
  // two lines); a long one in pieces cut after a space or tab, which ends
  // every word and every combining sequence, so that memory follows the
  // piece, not the line.
  constexpr std::size_t kPiece = std::size_t{1} << 20;
  w.words.clear();
  for (std::size_t i = 0; i < n; ++i) {
    if (item.verdicts[i] >= 0) continue;
    if (lw.analysed[i] || item.doc.lines[i].blank) {
      w.words.insert(w.words.end(), lw.tokens_of(i), lw.tokens_of(i) + lw.tokens_in(i));
      continue;
    }
    std::string_view rest = item.doc.lines[i].text;
    while (!rest.empty()) {
      std::size_t cut = rest.size();
      if (cut > kPiece) {
        cut = rest.find_last_of(" \t", kPiece - 1);
        if (cut == std::string_view::npos) {
          // No space at all: a UTF-8 boundary (such a "word" is no word).
          cut = kPiece;
          while (cut > 0 && (static_cast<unsigned char>(rest[cut]) & 0xC0) == 0x80) --cut;
          if (cut == 0) cut = kPiece;
        } else {
          ++cut;
        }
      }
      Normalize(rest.substr(0, cut), &w.norm);
      HashTokens(w.norm, kWordSeed, &w.words);
      rest.remove_prefix(cut);
    }
  }
  w.signer.SignWords(w.words, &item.signature);
  if (w.words.capacity() * sizeof(std::uint64_t) > kOwnWrite) {  // after a huge document
    w.words = {};
    w.signer = DocSigner(config_.doc);
    Normalized released(std::move(w.norm));
    w.norm = Normalized();
  }
}

// --- where records come from --------------------------------------------------

// A run's records, input after input.
class StreamProcessor::Feed {
 public:
  virtual ~Feed() = default;
  // The next record; false after the last input's last record. Throws what
  // reading throws; after an InputError the next call goes on with the
  // next input.
  virtual bool Next(Record* record) = 0;
  // Which input the last record came from.
  virtual std::size_t input() const = 0;
  // An input's name in messages about its records (its path, or "-") and
  // in messages about the input itself (its path, or "standard input").
  virtual const std::string& name(std::size_t input) const = 0;
  virtual const std::string& label(std::size_t input) const = 0;
  // Bytes handed out in records so far (decompressed), over every input.
  virtual std::uint64_t bytes_read() const = 0;
  // Bytes read from the inputs so far (compressed ones as stored).
  virtual std::uint64_t raw_bytes() const = 0;
};

class StreamProcessor::FileFeed : public Feed {
 public:
  FileFeed(const std::vector<std::string>& paths, const StreamConfig& config)
      : paths_(paths), config_(config) {
    for (const std::string& path : paths) labels_.push_back(path == "-" ? "standard input" : path);
  }
  ~FileFeed() override { Close(); }

  bool Next(Record* record) override {
    while (at_ < paths_.size()) {
      if (!reader_) Open();
      try {
        if (reader_->Next(record)) return true;
      } catch (const InputError&) {
        Close();
        ++at_;
        throw;
      }
      Close();
      ++at_;
    }
    return false;
  }
  std::size_t input() const override { return at_; }
  const std::string& name(std::size_t input) const override { return paths_[input]; }
  const std::string& label(std::size_t input) const override { return labels_[input]; }
  std::uint64_t bytes_read() const override { return done_bytes_ + (reader_ ? reader_->bytes_read() : 0); }
  std::uint64_t raw_bytes() const override { return done_raw_ + (reader_ ? reader_->source().raw_bytes() : 0); }

 private:
  // Opens input at_; throws InputError (and moves past it) when it cannot.
  void Open() {
    const std::string& path = paths_[at_];
    const bool is_stdin = path == "-";
    fd_ = is_stdin ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      const int e = errno;
      ++at_;
      throw InputError(path, std::strerror(e));
    }
    WidenPipe(fd_);
    // Text: the input is one record, read into a buffer that grows by a
    // read at a time: reads of the file's size (plus the one that finds
    // its end) when it is a regular file, so that a small file costs no
    // large buffer; else of kDefaultReadChunk, which keeps the peak while
    // the buffer grows near the document's size.
    std::size_t chunk = std::size_t{1} << 20;
    if (config_.format == Format::kText) {
      chunk = kDefaultReadChunk;
      struct stat st;
      if (::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 0 &&
          static_cast<std::uint64_t>(st.st_size) < kDefaultReadChunk) {
        chunk = std::max<std::size_t>(static_cast<std::size_t>(st.st_size) + 1, 4096);
      }
    }
    reader_ = std::make_unique<RecordReader>(fd_, labels_[at_], config_.format, config_.fields, chunk,
                                             /*defer_json=*/true, config_.max_document_bytes);
  }
  void Close() {
    if (reader_) {
      done_bytes_ += reader_->bytes_read();
      done_raw_ += reader_->source().raw_bytes();
      reader_.reset();
    }
    if (fd_ > STDIN_FILENO) ::close(fd_);
    fd_ = -1;
  }

  const std::vector<std::string>& paths_;
  std::vector<std::string> labels_;
  const StreamConfig& config_;
  std::size_t at_ = 0;
  int fd_ = -1;
  std::unique_ptr<RecordReader> reader_;
  std::uint64_t done_bytes_ = 0, done_raw_ = 0;
};

class StreamProcessor::CallbackFeed : public Feed {
 public:
  CallbackFeed(const std::function<bool(Record*)>& next, const std::function<std::uint64_t()>& bytes_read,
               const std::string& name)
      : next_(next), bytes_read_(bytes_read), name_(name) {}
  bool Next(Record* record) override { return next_(record); }
  std::size_t input() const override { return 0; }
  const std::string& name(std::size_t) const override { return name_; }
  const std::string& label(std::size_t) const override { return name_; }
  std::uint64_t bytes_read() const override { return bytes_read_(); }
  std::uint64_t raw_bytes() const override { return bytes_read_(); }

 private:
  const std::function<bool(Record*)>& next_;
  const std::function<std::uint64_t()>& bytes_read_;
  const std::string& name_;
};

// A batch of records on its way through the phases.
struct StreamProcessor::Batch {
  std::vector<Item> items;
  std::size_t n = 0;        // records read into items
  std::size_t decided = 0;  // records through phase B (a malformed one stops it)
  std::size_t bytes = 0;    // their raw bytes
  std::uint64_t bytes_in = 0;  // input bytes they came from
  // Why reading stopped after items[n - 1], if it failed.
  std::exception_ptr failure;
};

void StreamProcessor::Run(const std::vector<std::string>& inputs, const StreamSinks& sinks) {
  FileFeed feed(inputs, config_);
  RunBatches(feed, sinks, Mode::kRun, nullptr, nullptr);
}

void StreamProcessor::Run(RecordReader& reader, const std::string& name,
                          const StreamSinks& sinks) {
  Run([&reader](Record* record) { return reader.Next(record); },
      [&reader] { return reader.bytes_read(); }, name, sinks);
}

void StreamProcessor::Run(const std::function<bool(Record*)>& next,
                          const std::function<std::uint64_t()>& bytes_read,
                          const std::string& name, const StreamSinks& sinks) {
  CallbackFeed feed(next, bytes_read, name);
  RunBatches(feed, sinks, Mode::kRun, nullptr, nullptr);
}

void StreamProcessor::Sign(const std::vector<std::string>& inputs, StageWriter& facts,
                           const StreamSinks& sinks) {
  FileFeed feed(inputs, config_);
  RunBatches(feed, sinks, Mode::kSign, &facts, nullptr);
}

void StreamProcessor::Apply(const std::vector<std::string>& inputs, DecisionSource& decisions,
                            const StreamSinks& sinks) {
  FileFeed feed(inputs, config_);
  RunBatches(feed, sinks, Mode::kApply, nullptr, &decisions);
}

void StreamProcessor::MergeWorkerStats() {
  // Sums: independent of which thread did what.
  FilterStats merged;
  StageTimes stages = main_stages_;
  for (const auto& w : workers_) {
    merged.Add(w->stats());
    stages.Add(w->stages);
  }
  stats_.lines = std::move(merged);
  stats_.stages = stages;
}

void StreamProcessor::RunBatches(Feed& feed, const StreamSinks& sinks, Mode mode, StageWriter* facts,
                                 DecisionSource* decisions) {
  want_kept_text_ = static_cast<bool>(sinks.decision);
  mode_ = mode;
  unterminated_ = false;
  // Names are kept when something reports them, now or in a later run.
  const bool report_names = config_.doc_dedup && (config_.explain || config_.annotate ||
                                                  config_.annotate_rejects || sinks.decision);
  decider_.set_keep_names(report_names || (config_.doc_dedup && config_.keep_names));
  // Lost names matter to a run that reports them.
  if (const std::string lost = decider_.TakeNamesWarning();
      report_names && !lost.empty() && sinks.warning) {
    sinks.warning(lost);
  }
  const std::function<void(const std::string&)> no_warning;
  StageTimes* const times = config_.time_stages ? &main_stages_ : nullptr;

  // Two batches: while the threads run phase A of one, the calling thread
  // writes the one before it and reads the one after it.
  // Each holds half of StreamConfig::batch records (and kBatchBytes), so
  // that the two keep no more buffers than one batch of it would.
  // Their items are made as records arrive (a run of one record makes
  // one), in room reserved at once: an item never moves.
  const std::size_t batch_records = std::max<std::size_t>(1, (config_.batch + 1) / 2);
  Batch batches[2];
  for (Batch& b : batches) b.items.reserve(batch_records);
  Batch* cur = &batches[0];
  Batch* other = &batches[1];
  bool cur_read = false;   // `cur` holds the next batch, read
  bool pending = false;    // `other` holds a batch phase D has still to write

  // Reads the next records into `b`. A batch ends after a piece of an
  // oversized record, so that memory holds one piece of it at a time, and
  // once it holds kBatchBytes, so that a batch of large records costs no
  // more than one of them. A read that fails ends the batch after the
  // whole records before it, which are processed and written first.
  auto read = [&](Batch& b) {
    StageTimer timer(times, Stage::kRead);
    b.n = b.bytes = 0;
    b.failure = nullptr;
    const std::uint64_t before = feed.bytes_read();
    try {
      while (b.n < batch_records) {
        if (b.n == b.items.size()) b.items.emplace_back();
        if (!feed.Next(&b.items[b.n].record)) break;
        Item& item = b.items[b.n++];
        item.input = feed.input();
        b.bytes += item.record.raw.size();
        if (item.record.oversized || b.bytes >= kBatchBytes) break;
      }
    } catch (...) {
      b.failure = std::current_exception();
    }
    b.bytes_in = feed.bytes_read() - before;
  };
  // Whether the batch after `b` may be read while `b` is worked on: not
  // after a failure, nor after a piece of an oversized record (memory holds
  // one piece at a time).
  auto read_ahead = [&](const Batch& b) {
    return !b.failure && !b.items[b.n - 1].record.oversized;
  };

  // The statistics are whole also when the run stops early.
  try {
  for (;;) {
    if (!cur_read) {
      if (pending) Write(*other, feed, sinks);
      pending = false;
      read(*cur);
      cur_read = true;
    }
    if (cur->n == 0) {
      if (pending) Write(*other, feed, sinks);
      pending = false;
      if (!cur->failure) break;
      Write(*cur, feed, sinks);  // reports the failure
      cur_read = false;
      continue;
    }
    const std::size_t n = cur->n;
    std::vector<Item>& items = cur->items;

    if (mode == Mode::kApply) {
      // The line rules ran in `winnow sign`: their verdicts come with the
      // decisions (checked against the record in phase B). With --explain
      // they run again, for the line model's notes.
      std::size_t at = decisions->position();
      for (std::size_t i = 0; i < n; ++i) {
        const Record& r = items[i].record;
        items[i].given_verdicts = nullptr;
        if (r.oversized && r.continued) continue;
        const std::vector<int>* given = decisions->VerdictsAt(at++);
        if (!config_.explain) items[i].given_verdicts = given;
      }
    }

    // B: the decisions, in input order, each as soon as its record is
    // through A, while the other threads go on with A and with C of the
    // records decided. A malformed record that stops the run ends them:
    // nothing after it is decided (or counted in the state a stopped run
    // saves).
    const int rule = workers_[0]->filter->repeated_line_rule();
    auto decide = [&](std::size_t i) {
      StageTimer timer(times, Stage::kDocumentDedup);
      Item& item = items[i];
      const Record& r = item.record;
      if (r.oversized && r.continued) return true;
      const bool document = !r.oversized && r.has_text && r.error.empty();
      const StageRecord kind = document ? StageRecord::kDocument
                               : !r.oversized && !r.error.empty() ? StageRecord::kMalformed
                                                                  : StageRecord::kOther;
      if (kind == StageRecord::kMalformed && !config_.skip_errors) {
        if (mode == Mode::kRun) item.ordinal = decider_.TakeOrdinal();
        return false;
      }
      DocFacts f;
      if (document) {
        f.site = item.site;
        f.counted = &item.counted;
        f.kept_uncounted = item.kept_uncounted;
        f.signature = &item.signature;
        f.id = r.id;
        f.url = r.url;
      }
      if (mode == Mode::kSign) {
        f.verdicts = &item.verdicts;
        facts->AddFacts(kind, RawHash(r.raw), document ? &f : nullptr);
        return true;
      }
      if (mode == Mode::kApply) {
        decisions->Next(kind, RawHash(r.raw), RecordWhere(feed.name(item.input), r), &item.ordinal,
                        &item.decision);
      } else if (!document) {
        item.ordinal = decider_.TakeOrdinal();
      } else {
        decider_.Decide(f, &item.decision, sinks.warning ? sinks.warning : no_warning);
        item.ordinal = item.decision.ordinal;
      }
      if (!document) {
        item.decision = DocDecision{};
        return true;
      }
      const std::vector<bool>& repeated = item.decision.repeated;
      for (std::size_t k = 0; k < repeated.size() && k < item.counted_line.size(); ++k) {
        if (repeated[k]) item.verdicts[item.counted_line[k]] = rule;
      }
      return true;
    };
    detail::OrderedFlow::Step phase_c;
    if (mode != Mode::kSign) {
      phase_c = [this, &items](std::size_t i, std::size_t t) {
        PhaseC(items[i], *workers_[t]);
        if (items[i].record.has_text) workers_[t]->ReleaseAfter(items[i].doc);
      };
    }
    detail::OrderedFlow flow(
        *pool_, n,
        [this, &items](std::size_t i, std::size_t t) {
          PhaseA(items[i], *workers_[t]);
          if (items[i].record.has_text) workers_[t]->ReleaseAfter(items[i].doc);
        },
        std::move(phase_c));
    flow.Start();
    // Meanwhile this thread writes the batch before and reads the next.
    bool other_read = false;
    if (pending) Write(*other, feed, sinks);
    pending = false;
    if (read_ahead(*cur)) {
      read(*other);
      other_read = true;
    }
    const std::size_t decided = flow.Finish(decide);
    cur->decided = decided;

    if (mode == Mode::kSign) {
      for (std::size_t i = 0; i < n; ++i) {
        const Record& r = items[i].record;
        if (r.oversized && !r.continued) {
          ++stats_.records;
          ++stats_.too_large;
        } else if (!r.oversized) {
          ++stats_.records;
          if (r.has_text && r.error.empty()) ++stats_.documents_in;
        }
        if (!r.error.empty() && (!r.oversized || !r.more)) {
          ++stats_.malformed;
          const std::string message = RecordWhere(feed.name(items[i].input), r) + ": " + r.error;
          if (!config_.skip_errors) throw Error("", message);
          if (sinks.warning) sinks.warning(message);
        }
      }
      stats_.bytes_in += cur->bytes_in;
      stats_.raw_bytes_in = feed.raw_bytes();
      MergeWorkerStats();
      if (cur->failure) {
        try {
          std::rethrow_exception(cur->failure);
        } catch (const InputError& e) {
          if (!sinks.input_error) throw;
          sinks.input_error(e);
        }
      }
      for (std::size_t i = 0; i < n; ++i) ReleaseIfLarge(items[i]);
      if (sinks.progress) sinks.progress(stats_);
      std::swap(cur, other);
      cur_read = other_read;
      continue;
    }

    MergeWorkerStats();
    pending = true;
    std::swap(cur, other);
    cur_read = other_read;
  }
  } catch (...) {
    MergeWorkerStats();
    throw;
  }
  MergeWorkerStats();
}

void StreamProcessor::Write(Batch& batch, Feed& feed, const StreamSinks& sinks) {
  StageTimes* const times = config_.time_stages ? &main_stages_ : nullptr;
  StageTimer timer(times, Stage::kWrite);
  std::vector<Item>& items = batch.items;
  const std::size_t n = batch.n;
  const bool text = config_.format == Format::kText;
  // Tells sinks.decision what became of a record.
  auto decide = [&sinks](const Item& item, bool keep, std::string_view reason, bool analysed) {
    if (!sinks.decision) return;
    StreamDecision d{&item.record, item.ordinal, keep, reason, item.decision.duplicate};
    d.duplicate_id = item.decision.duplicate_id;
    d.duplicate_url = item.decision.duplicate_url;
    if (analysed) {
      d.doc = &item.doc;
      d.lines = &item.result;
      d.text = item.kept;
    }
    sinks.decision(d);
  };
  out_.clear();
  rejects_.clear();
  explain_.clear();
  std::string fatal;
  // Records go into `out_`, written once per batch; a large record, or
  // every record when asked, is written by itself, without that copy.
  // `piece` continues a record passed through in pieces.
  auto emit = [&](std::string_view record, bool piece = false) {
    if (record.empty()) return;
    if (text) {
      // Documents are written one after another; one whose last kept line
      // has no newline gets one before the next document's text.
      if (unterminated_ && !piece) {
        stats_.bytes_out += 1;
        out_.push_back('\n');
      }
      unterminated_ = record.back() != '\n';
    }
    stats_.bytes_out += record.size();
    if (!sinks.output_each_record && record.size() < kOwnWrite) {
      out_.append(record);
      return;
    }
    if (sinks.output && !out_.empty()) sinks.output(out_);
    out_.clear();
    if (sinks.output) sinks.output(record);
  };
  for (std::size_t i = 0; i < n; ++i) {
    Item& item = items[i];
    const Record& r = item.record;
    const std::string& name = feed.name(item.input);
    if (r.oversized) {
      // Passed through as it comes, unanalysed, piece by piece.
      if (!r.continued) {
        ++stats_.records;
        ++stats_.too_large;
        decide(item, true, "", false);
        if (sinks.warning) {
          sinks.warning((text ? feed.label(item.input) : RecordWhere(name, r)) + ": larger than " +
                        std::to_string(config_.max_document_bytes) +
                        " bytes (--max-document-bytes): passed through unanalysed");
        }
      }
      emit(r.raw, r.continued);
      if (r.error.empty()) continue;
      // Cut short by the end of input: its bytes are out already, as read.
      ++stats_.malformed;
      const std::string message = RecordWhere(name, r) + ": " + r.error;
      if (!config_.skip_errors) {
        fatal = message;
        break;
      }
      if (sinks.warning) sinks.warning(message);
      continue;
    }
    ++stats_.records;
    if (!r.error.empty()) {
      ++stats_.malformed;
      const std::string message = RecordWhere(name, r) + ": " + r.error;
      if (!config_.skip_errors) {
        fatal = message;
        break;
      }
      ++stats_.dropped_documents["malformed"];
      decide(item, false, "malformed", false);
      rejects_.append(r.raw);
      if (sinks.warning) sinks.warning(message);
      continue;
    }
    if (!r.has_text) {
      ++stats_.passed_through;
      decide(item, true, "", false);
      emit(r.raw);
      continue;
    }
    ++stats_.documents_in;
    const DocDecision& d = item.decision;
    const std::string_view reason = d.reason();
    if (d.empty != (config_.drop_empty && item.kept_nothing)) {
      // Decided before phase C on what the line rules and repeated lines
      // left (see decide.hpp); phase C must agree.
      throw Error(RecordWhere(name, r), "internal error: phase C emptied a document phase B kept");
    }
    const DocVerdict& dup = d.duplicate;
    DuplicateNames names{d.duplicate_id, d.duplicate_url};
    if (config_.explain) {
      // Text: the input is the document.
      const std::string where = text ? name : name + ":" + std::to_string(r.number);
      AppendExplanation(where, item.doc, item.result, &explain_);
      if (!reason.empty()) {
        std::ostringstream line;
        line << where << ": document " << reason;
        if (dup.duplicate) {
          line << " of record " << dup.of << " (";
          std::string named;
          if (!names.id.empty()) {
            named += "id ";
            AppendPrintable(names.id, &named);
            named += ", ";
          }
          if (!names.url.empty()) {
            named += "url ";
            AppendPrintable(names.url, &named);
            named += ", ";
          }
          line.precision(2);
          line << named << std::fixed << "jaccard " << dup.similarity << ')';
        }
        line << '\n';
        explain_ += line.str();
      }
    }
    decide(item, reason.empty(), reason, true);
    if (config_.annotate && config_.format == Format::kJsonl) {
      item.rendered.clear();
      AppendAnnotated(r.raw, Annotation(item.result, reason.empty(), reason, dup, names),
                      &item.rendered, r.annotations);
      emit(item.rendered);
      if (reason.empty()) ++stats_.documents_out;
      else ++stats_.dropped_documents[std::string(reason)];
      continue;
    }
    if (!reason.empty()) {
      ++stats_.dropped_documents[std::string(reason)];
      if (config_.annotate_rejects && config_.format == Format::kJsonl) {
        AppendAnnotated(r.raw, Annotation(item.result, false, reason, dup, names), &rejects_,
                        r.annotations);
      } else {
        rejects_.append(r.raw);
      }
      continue;
    }
    ++stats_.documents_out;
    emit(item.rendered);
  }
  stats_.bytes_in += batch.bytes_in;
  stats_.raw_bytes_in = feed.raw_bytes();
  if (sinks.output && !out_.empty()) sinks.output(out_);
  if (sinks.rejects && !rejects_.empty()) sinks.rejects(rejects_);
  if (sinks.explain && !explain_.empty()) sinks.explain(explain_);
  if (!fatal.empty()) {
    // Only whole records before the bad one were written.
    throw Error("", fatal);
  }
  if (batch.failure) {
    try {
      std::rethrow_exception(batch.failure);
    } catch (const InputError& e) {
      if (!sinks.input_error) throw;
      sinks.input_error(e);
    }
  }
  for (std::size_t i = 0; i < n; ++i) ReleaseIfLarge(items[i]);
  if (n == 0) return;
  if (sinks.progress) sinks.progress(stats_);
  if (sinks.record_boundary && !(items[n - 1].record.oversized && items[n - 1].record.more)) {
    sinks.record_boundary();
  }
}

void StreamProcessor::SaveState(const std::string& path) { decider_.SaveState(path); }

void StreamProcessor::LoadState(const std::string& path) { decider_.LoadState(path); }

}  // namespace winnow
