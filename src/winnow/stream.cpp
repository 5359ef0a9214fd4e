#include "winnow/stream.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <sstream>
#include <thread>

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
  Worker(const RuleSet* shared, bool own_rules, const FilterConfig& filter,
         const DocDedupConfig& doc)
      : rules(own_rules && shared ? shared->Clone() : nullptr),
        filter(rules ? rules.get() : shared, filter),
        signer(doc) {}
  std::unique_ptr<RuleSet> rules;
  Filter filter;
  DocSigner signer;
  Normalized norm;
  std::vector<std::uint64_t> words;  // the signed text's word hashes, when normalised again
  std::string host;                  // the document's site (SiteOf)
  StageTimes stages;                 // with StreamConfig::time_stages
};

namespace {

// A record at least this large is written by itself (StreamSinks::output).
constexpr std::size_t kOwnWrite = std::size_t{1} << 20;

// A batch ends once its records hold this many bytes (StreamConfig::batch
// bounds their number).
constexpr std::size_t kBatchBytes = std::size_t{16} << 20;

// Frees what an item holds once it held a large record, so that one huge
// record does not keep its buffers for the rest of the run.
template <typename Item>
void ReleaseIfLarge(Item& item) {
  if (item.record.raw.capacity() < kOwnWrite && item.rendered.capacity() < kOwnWrite &&
      item.cleaned.capacity() < kOwnWrite && item.record.text.capacity() < kOwnWrite &&
      item.words.hashes.capacity() * sizeof(std::uint64_t) < kOwnWrite &&
      item.doc.lines.capacity() * sizeof(Line) < kOwnWrite) {
    return;
  }
  // Moved out, not assigned over: a std::string assigned a short string
  // keeps its buffer.
  Item released(std::move(item));
  item = Item();
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
void AppendAnnotated(std::string_view line, const std::string& field, std::string* out) {
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

StreamProcessor::StreamProcessor(const RuleSet* rules, const FilterConfig& filter,
                                 const StreamConfig& config)
    : rules_(rules),
      filter_config_(filter),
      config_(config),
      decider_(config) {
  const int threads = config.threads < 1 ? 1 : config.threads;
  for (int t = 0; t < threads; ++t) {
    workers_.push_back(std::make_unique<Worker>(rules, threads > 1, filter, config.doc));
  }
}

StreamProcessor::~StreamProcessor() = default;

template <typename F>
void StreamProcessor::Parallel(std::vector<Item>& items, std::size_t n, F f) {
  const std::size_t threads = std::min(workers_.size(), n);
  if (threads <= 1) {
    for (std::size_t i = 0; i < n; ++i) f(items[i], *workers_[0]);
    return;
  }
  // Each thread takes the next record as it becomes free, so documents of
  // different sizes do not leave a thread idle. Which thread handles a
  // record never changes its result: a worker keeps nothing from one
  // record to the next but counts that are summed.
  std::vector<std::thread> pool;
  std::exception_ptr failure;
  std::mutex failure_mutex;
  std::atomic<std::size_t> next{0};
  for (std::size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      try {
        for (std::size_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < n;) {
          f(items[i], *workers_[t]);
        }
      } catch (...) {
        std::lock_guard<std::mutex> lock(failure_mutex);
        if (!failure) failure = std::current_exception();
      }
    });
  }
  for (std::thread& th : pool) th.join();
  if (failure) std::rethrow_exception(failure);
}

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
    w.filter.JudgeLines(item.doc, &item.verdicts, &item.words, &item.notes);
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
  w.filter.Decide(item.doc, item.verdicts, &item.result, &item.words, &item.notes);
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
    std::uint32_t to = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint32_t from = lw.begin[i], end = lw.begin[i + 1];
      lw.begin[i] = to;
      if (item.verdicts[i] >= 0) continue;
      std::copy(lw.hashes.begin() + from, lw.hashes.begin() + end, lw.hashes.begin() + to);
      to += end - from;
    }
    lw.begin[n] = to;
    lw.hashes.resize(to);
    if (mode_ == Mode::kApply) return;
    w.signer.SignWords(lw.hashes, &item.signature);
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
      w.words.insert(w.words.end(), lw.words_of(i), lw.words_of(i) + lw.words(i));
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
      HashWords(w.norm, kWordSeed, &w.words);
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

void StreamProcessor::Run(RecordReader& reader, const std::string& name,
                          const StreamSinks& sinks) {
  Run([&reader](Record* record) { return reader.Next(record); },
      [&reader] { return reader.bytes_read(); }, name, sinks);
}

void StreamProcessor::Run(const std::function<bool(Record*)>& next,
                          const std::function<std::uint64_t()>& bytes_read,
                          const std::string& name, const StreamSinks& sinks) {
  RunBatches(next, bytes_read, name, sinks, Mode::kRun, nullptr, nullptr);
}

void StreamProcessor::Sign(RecordReader& reader, const std::string& name, StageWriter& facts,
                           const StreamSinks& sinks) {
  RunBatches([&reader](Record* record) { return reader.Next(record); },
             [&reader] { return reader.bytes_read(); }, name, sinks, Mode::kSign, &facts, nullptr);
}

void StreamProcessor::Apply(RecordReader& reader, const std::string& name, DecisionSource& decisions,
                            const StreamSinks& sinks) {
  RunBatches([&reader](Record* record) { return reader.Next(record); },
             [&reader] { return reader.bytes_read(); }, name, sinks, Mode::kApply, nullptr,
             &decisions);
}

void StreamProcessor::RunBatches(const std::function<bool(Record*)>& next,
                                 const std::function<std::uint64_t()>& bytes_read,
                                 const std::string& name, const StreamSinks& sinks, Mode mode,
                                 StageWriter* facts, DecisionSource* decisions) {
  want_kept_text_ = static_cast<bool>(sinks.decision);
  mode_ = mode;
  std::vector<Item> items(config_.batch);
  std::string out, rejects, explain;
  std::uint64_t bytes_counted = bytes_read();  // stats are totals over every Run()
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
  for (;;) {
    std::size_t n = 0;
    // A read that fails (a read error, corrupt compressed data) ends the
    // input after the whole records before it, which are processed and
    // written first.
    std::exception_ptr read_failure;
    StageTimes* const times = config_.time_stages ? &main_stages_ : nullptr;
    std::uint64_t tick = times ? StageClock() : 0;
    // Counts the ticks since the last count to `stage`.
    auto count = [&](Stage stage) {
      if (!times) return;
      const std::uint64_t now = StageClock();
      (*times)[stage] += now - tick;
      tick = now;
    };
    try {
      // A batch ends after a piece of an oversized record, so that memory
      // holds one piece of it at a time, and once it holds kBatchBytes, so
      // that a batch of large records costs no more than one of them.
      std::size_t batch_bytes = 0;
      while (n < items.size() && next(&items[n].record)) {
        batch_bytes += items[n].record.raw.size();
        if (items[n++].record.oversized || batch_bytes >= kBatchBytes) break;
      }
    } catch (const InputError&) {
      read_failure = std::current_exception();
    }
    count(Stage::kRead);
    if (n == 0) {
      if (read_failure) std::rethrow_exception(read_failure);
      break;
    }

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

    Parallel(items, n, [this](Item& item, Worker& w) { PhaseA(item, w); });

    // B: the decisions, in input order. A malformed record that stops the
    // run ends them: nothing after it is decided (or counted in the state
    // a stopped run saves).
    tick = times ? StageClock() : 0;
    const int rule = workers_[0]->filter.repeated_line_rule();
    std::size_t decided = n;
    for (std::size_t i = 0; i < n; ++i) {
      Item& item = items[i];
      const Record& r = item.record;
      if (r.oversized && r.continued) continue;
      const bool document = !r.oversized && r.has_text && r.error.empty();
      const StageRecord kind = document ? StageRecord::kDocument
                               : !r.oversized && !r.error.empty() ? StageRecord::kMalformed
                                                                  : StageRecord::kOther;
      if (kind == StageRecord::kMalformed && !config_.skip_errors) {
        if (mode == Mode::kRun) item.ordinal = decider_.TakeOrdinal();
        decided = i;
        break;
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
        continue;
      }
      if (mode == Mode::kApply) {
        decisions->Next(kind, RawHash(r.raw), RecordWhere(name, r), &item.ordinal, &item.decision);
      } else if (!document) {
        item.ordinal = decider_.TakeOrdinal();
      } else {
        decider_.Decide(f, &item.decision, sinks.warning ? sinks.warning : no_warning);
        item.ordinal = item.decision.ordinal;
      }
      if (!document) {
        item.decision = DocDecision{};
        continue;
      }
      const std::vector<bool>& repeated = item.decision.repeated;
      for (std::size_t k = 0; k < repeated.size() && k < item.counted_line.size(); ++k) {
        if (repeated[k]) item.verdicts[item.counted_line[k]] = rule;
      }
    }
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
          const std::string message = RecordWhere(name, r) + ": " + r.error;
          if (!config_.skip_errors) throw Error("", message);
          if (sinks.warning) sinks.warning(message);
        }
      }
      stats_.bytes_in += bytes_read() - bytes_counted;
      bytes_counted = bytes_read();
      if (read_failure) std::rethrow_exception(read_failure);
      for (std::size_t i = 0; i < n; ++i) ReleaseIfLarge(items[i]);
      if (sinks.progress) sinks.progress(stats_);
      continue;
    }

    count(Stage::kDocumentDedup);

    Parallel(items, decided, [this](Item& item, Worker& w) { PhaseC(item, w); });
    tick = times ? StageClock() : 0;

    // D: documents, in input order.
    out.clear();
    rejects.clear();
    explain.clear();
    std::string fatal;
    // Records go into `out`, written once per batch; a large record, or
    // every record when asked, is written by itself, without that copy.
    auto emit = [&](std::string_view record) {
      stats_.bytes_out += record.size();
      if (!sinks.output_each_record && record.size() < kOwnWrite) {
        out.append(record);
        return;
      }
      if (sinks.output && !out.empty()) sinks.output(out);
      out.clear();
      if (sinks.output && !record.empty()) sinks.output(record);
    };
    for (std::size_t i = 0; i < n; ++i) {
      Item& item = items[i];
      const Record& r = item.record;
      if (r.oversized) {
        // Passed through as it comes, unanalysed, piece by piece.
        if (!r.continued) {
          ++stats_.records;
          ++stats_.too_large;
          decide(item, true, "", false);
          if (sinks.warning) {
            sinks.warning(RecordWhere(name, r) + ": larger than " +
                          std::to_string(config_.max_document_bytes) +
                          " bytes (--max-document-bytes): passed through unanalysed");
          }
        }
        emit(r.raw);
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
        rejects.append(r.raw);
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
        const std::string where = name + ":" + std::to_string(r.number);
        AppendExplanation(where, item.doc, item.result, &explain);
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
          explain += line.str();
        }
      }
      decide(item, reason.empty(), reason, true);
      if (config_.annotate && config_.format == Format::kJsonl) {
        item.rendered.clear();
        AppendAnnotated(r.raw, Annotation(item.result, reason.empty(), reason, dup, names),
                        &item.rendered);
        emit(item.rendered);
        if (reason.empty()) ++stats_.documents_out;
        else ++stats_.dropped_documents[std::string(reason)];
        continue;
      }
      if (!reason.empty()) {
        ++stats_.dropped_documents[std::string(reason)];
        if (config_.annotate_rejects && config_.format == Format::kJsonl) {
          AppendAnnotated(r.raw, Annotation(item.result, false, reason, dup, names), &rejects);
        } else {
          rejects.append(r.raw);
        }
        continue;
      }
      ++stats_.documents_out;
      emit(item.rendered);
    }
    count(Stage::kWrite);
    // The threads' line statistics, merged after every batch so that they
    // are whole when a run stops early (sums: independent of who did what).
    FilterStats merged;
    StageTimes stages = main_stages_;
    for (const auto& w : workers_) {
      merged.Add(w->filter.stats());
      stages.Add(w->stages);
    }
    stats_.lines = std::move(merged);
    stats_.stages = stages;
    stats_.bytes_in += bytes_read() - bytes_counted;
    bytes_counted = bytes_read();
    {
      StageTimer timer(times, Stage::kWrite);
      if (sinks.output && !out.empty()) sinks.output(out);
      if (sinks.rejects && !rejects.empty()) sinks.rejects(rejects);
      if (sinks.explain && !explain.empty()) sinks.explain(explain);
    }
    if (times) stats_.stages[Stage::kWrite] = main_stages_[Stage::kWrite];
    if (!fatal.empty()) {
      // Only whole records before the bad one were written.
      throw Error("", fatal);
    }
    if (read_failure) std::rethrow_exception(read_failure);
    for (std::size_t i = 0; i < n; ++i) ReleaseIfLarge(items[i]);
    if (sinks.progress) sinks.progress(stats_);
    if (sinks.record_boundary && !(items[n - 1].record.oversized && items[n - 1].record.more)) {
      sinks.record_boundary();
    }
  }
}

void StreamProcessor::SaveState(const std::string& path) { decider_.SaveState(path); }

void StreamProcessor::LoadState(const std::string& path) { decider_.LoadState(path); }

}  // namespace winnow
