#include "winnow/options.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <thread>
#include <type_traits>

#include "winnow/detail/xxhash.hpp"
#include "winnow/hashing.hpp"
#include "winnow/line_filter.hpp"

namespace winnow {
namespace {

constexpr std::string_view kGeneral = "General";
constexpr std::string_view kLineRules = "Line rules";
constexpr std::string_view kParagraphs = "Near-duplicate paragraphs";
constexpr std::string_view kStreams = "Document streams (JSONL, WARC/WET, NUL)";
constexpr std::string_view kGroups[] = {kGeneral, kLineRules, kParagraphs, kStreams};

[[noreturn]] void Fail(std::string_view name, const std::string& what) {
  throw OptionError("--" + std::string(name), what);
}

// A whole decimal integer in [lo, hi]; the message names the option.
template <typename T>
T ParseInteger(std::string_view name, std::string_view text, T lo, T hi) {
  const auto range = [&] {
    if (hi == std::numeric_limits<T>::max()) {
      return lo == 0 ? std::string("must be a non-negative integer")
                     : "must be an integer of at least " + std::to_string(lo);
    }
    return "must be an integer between " + std::to_string(lo) + " and " + std::to_string(hi);
  };
  // from_chars takes no '+'; a '-' before an unsigned value is out of range.
  std::string_view digits = text;
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  long long value = 0;
  unsigned long long uvalue = 0;
  bool ok;
  bool negative = !digits.empty() && digits.front() == '-';
  if (negative) {
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    ok = ec == std::errc() && end == digits.data() + digits.size();
    if (ok && (std::is_unsigned_v<T> || value < static_cast<long long>(lo))) {
      Fail(name, range() + ", not " + std::string(text));
    }
  } else {
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), uvalue);
    ok = end == digits.data() + digits.size() && !digits.empty();
    if (ok && (ec == std::errc::result_out_of_range ||
               uvalue > static_cast<unsigned long long>(hi) ||
               (lo > 0 && uvalue < static_cast<unsigned long long>(lo)))) {
      Fail(name, range() + ", not " + std::string(text));
    }
    ok = ok && ec == std::errc();
  }
  if (!ok) Fail(name, "'" + std::string(text) + "' is not an integer");
  return negative ? static_cast<T>(value) : static_cast<T>(uvalue);
}

// How a range bound is shown: "0.5", "1", "3".
std::string Number(double x) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", x);
  return buffer;
}

// A decimal number in [lo, hi], or (lo, hi] when `open_low`.
double ParseReal(std::string_view name, std::string_view text, double lo, double hi,
                 bool open_low = false) {
  double value = 0;
  std::string_view digits = text;
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value,
                                   std::chars_format::general);
  if (digits.empty() || end != digits.data() + digits.size() || ec != std::errc() ||
      !std::isfinite(value)) {
    Fail(name, "'" + std::string(text) + "' is not a number");
  }
  if (value < lo || value > hi || (open_low && value == lo)) {
    std::string range;
    if (hi == std::numeric_limits<double>::max()) {
      range = (open_low ? "must be above " : "must be at least ") + Number(lo);
    } else {
      range = std::string("must be in ") + (open_low ? "(" : "[") + Number(lo) + ", " +
              Number(hi) + "]";
    }
    Fail(name, range + ", not " + std::string(text));
  }
  return value;
}

bool ParseBool(std::string_view name, std::string_view text) {
  if (text == "true" || text == "yes" || text == "on" || text == "1") return true;
  if (text == "false" || text == "no" || text == "off" || text == "0") return false;
  Fail(name, "expected true or false, not '" + std::string(text) + "'");
}

std::string NonEmpty(std::string_view name, std::string_view text) {
  if (text.empty()) Fail(name, "must not be empty");
  return std::string(text);
}

std::string Text(bool b) { return b ? "true" : "false"; }
std::string Text(double x) { return Number(x); }
template <typename T>
  requires std::is_integral_v<T>
std::string Text(T x) {
  return std::to_string(x);
}
std::string None(const Options&) { return ""; }

constexpr auto kSizeMax = std::numeric_limits<std::size_t>::max();
constexpr auto kRealMax = std::numeric_limits<double>::max();
constexpr int kWordsMax = 1'000'000;

using K = OptionKind;
using S = OptionScope;

// Each row: name, short name, group, kind, scope, value name, help, setter,
// getter. The setters check ranges; FinishOptions checks combinations.
#define WINNOW_GET(expr) [](const Options& o) -> std::string { return Text(o.expr); }
const OptionSpec kOptions[] = {
    {"help", 'h', kGeneral, K::kFlag, S::kCommandLine, "", "print this help and exit",
     [](Options* o, std::string_view) { o->help = true; }, None},
    {"version", 'V', kGeneral, K::kFlag, S::kCommandLine, "", "print the version and exit",
     [](Options* o, std::string_view) { o->version = true; }, None},
    {"explain", 0, kGeneral, K::kFlag, S::kCommandLine, "",
     "for every drop, print `FILE:LINE: REASON: TEXT` to stderr",
     [](Options* o, std::string_view) { o->explain = true; }, None},
    {"explain-to", 0, kGeneral, K::kText, S::kCommandLine, "FILE",
     "like --explain, but write the lines to FILE",
     [](Options* o, std::string_view v) { o->explain_file = NonEmpty("explain-to", v); }, None},
    {"stats", 0, kGeneral, K::kFlag, S::kCommandLine, "",
     "print counts per rule and per dedup reason to stderr at the end",
     [](Options* o, std::string_view) { o->stats = true; }, None},

    {"rules", 0, kLineRules, K::kList, S::kAll, "FILE", "add the pattern rules in FILE (repeatable)",
     [](Options* o, std::string_view v) { o->rules_files.push_back(NonEmpty("rules", v)); }, None},
    {"no-default-rules", 0, kLineRules, K::kFlag, S::kAll, "",
     "do not load the built-in pattern rules",
     [](Options* o, std::string_view) { o->no_default_rules = true; }, None},
    {"disable", 0, kLineRules, K::kList, S::kAll, "NAME",
     "disable the rule NAME (repeatable; NAME,NAME,... also works)",
     [](Options* o, std::string_view v) { o->disabled.push_back(NonEmpty("disable", v)); }, None},
    {"no-rules", 0, kLineRules, K::kFlag, S::kAll, "",
     "disable every line rule (only deduplication runs)",
     [](Options* o, std::string_view) { o->filter.line_rules = false; }, None},
    {"print-rules", 0, kLineRules, K::kFlag, S::kCommandLine, "",
     "print the built-in rules file and exit",
     [](Options* o, std::string_view) { o->print_rules = true; }, None},
    {"list-rules", 0, kLineRules, K::kFlag, S::kCommandLine, "",
     "list every rule name (pattern and built-in) and exit",
     [](Options* o, std::string_view) { o->list_rules = true; }, None},
    {"threshold", 0, kLineRules, K::kReal, S::kAll, "X",
     "drop a line whose line-model score (0-1, the chance it is main content) is below X "
     "(a body line inside the main text: below X/2); higher keeps less (default: the model's own)",
     [](Options* o, std::string_view v) {
       o->filter.lines.threshold = ParseReal("threshold", v, 0.0, 1.0);
     },
     [](const Options& o) -> std::string {
       return o.filter.lines.threshold >= 0 ? Text(o.filter.lines.threshold) : std::string();
     }},
    {"regex-max-mem", 0, kLineRules, K::kInteger, S::kAll, "N",
     "memory budget in bytes of each rule automaton (RE2's max_mem, per thread); patterns that "
     "do not fit one together are matched one by one",
     [](Options* o, std::string_view v) {
       o->regex_max_mem = ParseInteger<std::int64_t>("regex-max-mem", v, std::int64_t{1} << 16,
                                                     std::int64_t{1} << 40);
     },
     WINNOW_GET(regex_max_mem)},
    {"smoothing", 0, kLineRules, K::kReal, S::kAll, "X",
     "the sequence pass's cost, in log-odds, of changing from kept to dropped between "
     "neighbouring lines; 0 judges every line on its own (default: the model's own)",
     [](Options* o, std::string_view v) {
       o->filter.lines.smoothing = ParseReal("smoothing", v, 0.0, 100.0);
     },
     [](const Options& o) -> std::string {
       return o.filter.lines.smoothing >= 0 ? Text(o.filter.lines.smoothing) : std::string();
     }},
    {"line-model", 0, kLineRules, K::kText, S::kAll, "FILE",
     "score lines with the line model in FILE (one retrained with tools/train/train.py) "
     "instead of the built-in one",
     [](Options* o, std::string_view v) { o->line_model_file = NonEmpty("line-model", v); },
     [](const Options& o) { return o.line_model_file; }},
    {"keep-title", 0, kLineRules, K::kBool, S::kAll, "BOOL",
     "keep the page title, a first line of under 20 words standing alone, when the line under "
     "it is kept and no built-in rule matches it",
     [](Options* o, std::string_view v) { o->filter.lines.keep_title = ParseBool("keep-title", v); },
     WINNOW_GET(filter.lines.keep_title)},

    {"no-dedup", 0, kParagraphs, K::kFlag, S::kAll, "",
     "do not remove near-duplicate paragraphs",
     [](Options* o, std::string_view) { o->filter.dedup = false; }, None},
    {"shingle", 0, kParagraphs, K::kInteger, S::kAll, "N", "words per shingle",
     [](Options* o, std::string_view v) {
       o->filter.dedup_config.shingle_words = ParseInteger("shingle", v, 1, kMaxShingleWords);
     },
     WINNOW_GET(filter.dedup_config.shingle_words)},
    {"permutations", 0, kParagraphs, K::kInteger, S::kAll, "N", "MinHash permutations",
     [](Options* o, std::string_view v) {
       o->filter.dedup_config.permutations = ParseInteger("permutations", v, 1, kMaxPermutations);
     },
     WINNOW_GET(filter.dedup_config.permutations)},
    {"seed", 0, kParagraphs, K::kInteger, S::kAll, "N", "hash seed",
     [](Options* o, std::string_view v) {
       o->filter.dedup_config.seed =
           ParseInteger<std::uint64_t>("seed", v, 0, std::numeric_limits<std::uint64_t>::max());
     },
     WINNOW_GET(filter.dedup_config.seed)},
    {"jaccard", 0, kParagraphs, K::kReal, S::kAll, "X",
     "drop a paragraph this similar (Jaccard) to an earlier one",
     [](Options* o, std::string_view v) {
       o->filter.dedup_config.jaccard = ParseReal("jaccard", v, 0.0, 1.0, /*open_low=*/true);
     },
     WINNOW_GET(filter.dedup_config.jaccard)},
    {"containment", 0, kParagraphs, K::kReal, S::kAll, "X",
     "drop a paragraph that holds, or is held in, an earlier one to this share",
     [](Options* o, std::string_view v) {
       o->filter.dedup_config.containment = ParseReal("containment", v, 0.0, 1.0, true);
     },
     WINNOW_GET(filter.dedup_config.containment)},
    {"min-containment-words", 0, kParagraphs, K::kInteger, S::kAll, "N",
     "the shorter paragraph needs this many words for containment",
     [](Options* o, std::string_view v) {
       o->filter.dedup_config.min_containment_words =
           ParseInteger("min-containment-words", v, 1, kWordsMax);
     },
     WINNOW_GET(filter.dedup_config.min_containment_words)},
    {"max-paragraph-bytes", 0, kParagraphs, K::kInteger, S::kAll, "N",
     "larger paragraphs are kept without deduplication (bounds memory and time)",
     [](Options* o, std::string_view v) {
       o->filter.max_paragraph_bytes =
           ParseInteger<std::size_t>("max-paragraph-bytes", v, 1, kSizeMax);
     },
     WINNOW_GET(filter.max_paragraph_bytes)},
    {"max-line-bytes", 0, kParagraphs, K::kInteger, S::kAll, "N",
     "longer lines are kept without analysis (bounds memory and time)",
     [](Options* o, std::string_view v) {
       o->filter.lines.max_line_bytes = ParseInteger<std::size_t>("max-line-bytes", v, 1, kSizeMax);
     },
     WINNOW_GET(filter.lines.max_line_bytes)},
    {"max-document-bytes", 0, kParagraphs, K::kInteger, S::kAll, "N",
     "larger documents (a FILE, a JSONL line, a NUL chunk, a WARC block) are passed "
     "through unanalysed, with memory bounded by N",
     [](Options* o, std::string_view v) {
       o->max_document_bytes = ParseInteger<std::size_t>("max-document-bytes", v, 1, kSizeMax);
     },
     WINNOW_GET(max_document_bytes)},
    {"max-growth", 0, kParagraphs, K::kReal, S::kAll, "X",
     "containment applies only if the longer paragraph is at most this many times longer",
     [](Options* o, std::string_view v) {
       o->filter.dedup_config.max_growth = ParseReal("max-growth", v, 1.0, kRealMax);
     },
     WINNOW_GET(filter.dedup_config.max_growth)},

    {"format", 0, kStreams, K::kText, S::kCommandLine, "FMT",
     "text (each FILE one document), jsonl, wet (WARC/WET), nul",
     [](Options* o, std::string_view v) {
       if (!ParseFormat(v, &o->stream.format)) {
         Fail("format", "unknown format '" + std::string(v) + "' (expected text, jsonl, wet or nul)");
       }
     },
     [](const Options& o) { return std::string(FormatName(o.stream.format)); }},
    {"z", 'z', kStreams, K::kFlag, S::kCommandLine, "",
     "documents separated by NUL bytes (--format nul)",
     [](Options* o, std::string_view) { o->stream.format = Format::kNul; }, None},
    {"text-field", 0, kStreams, K::kText, S::kStream, "NAME", "JSONL: the field holding the document",
     [](Options* o, std::string_view v) { o->stream.fields.text = NonEmpty("text-field", v); },
     [](const Options& o) { return o.stream.fields.text; }},
    {"id-field", 0, kStreams, K::kText, S::kStream, "NAME", "JSONL: the field naming the document in --explain, --annotate and across --index runs",
     [](Options* o, std::string_view v) { o->stream.fields.id = NonEmpty("id-field", v); },
     [](const Options& o) { return o.stream.fields.id; }},
    {"url-field", 0, kStreams, K::kText, S::kStream, "NAME",
     "JSONL: the field holding the page address (also names the document)",
     [](Options* o, std::string_view v) { o->stream.fields.url = NonEmpty("url-field", v); },
     [](const Options& o) { return o.stream.fields.url; }},
    {"threads", 'j', kStreams, K::kInteger, S::kAll, "N",
     "worker threads (0: all cores); output is the same for every N",
     [](Options* o, std::string_view v) { o->stream.threads = ParseInteger("threads", v, 0, 256); },
     WINNOW_GET(stream.threads)},
    {"no-doc-dedup", 0, kStreams, K::kFlag, S::kStream, "", "keep near-duplicate documents",
     [](Options* o, std::string_view) { o->stream.doc_dedup = false; }, None},
    {"doc-threshold", 0, kStreams, K::kReal, S::kStream, "X",
     "drop a document this similar (Jaccard) to an earlier one",
     [](Options* o, std::string_view v) {
       o->stream.doc.threshold = ParseReal("doc-threshold", v, 0.0, 1.0, true);
     },
     WINNOW_GET(stream.doc.threshold)},
    {"doc-shingle", 0, kStreams, K::kInteger, S::kStream, "N", "words per shingle for documents",
     [](Options* o, std::string_view v) {
       o->stream.doc.shingle_words = ParseInteger("doc-shingle", v, 1, kMaxShingleWords);
     },
     WINNOW_GET(stream.doc.shingle_words)},
    {"max-index-docs", 0, kStreams, K::kInteger, S::kStream, "N",
     "index at most N documents; later ones are checked, not added",
     [](Options* o, std::string_view v) {
       // Positions in the index are 32-bit, one value marking a free slot.
       o->stream.doc.max_documents = ParseInteger<std::uint64_t>("max-index-docs", v, 1, 0xFFFFFFFEu);
     },
     WINNOW_GET(stream.doc.max_documents)},
    {"index", 0, kStreams, K::kText, S::kStream, "FILE",
     "load cross-document state from FILE if it exists, save it there at the end",
     [](Options* o, std::string_view v) { o->index_file = NonEmpty("index", v); }, None},
    {"index-wait", 0, kStreams, K::kFlag, S::kStream, "",
     "when another run holds the --index FILE, wait for it instead of failing",
     [](Options* o, std::string_view) { o->index_wait = true; }, None},
    {"no-repeated-lines", 0, kStreams, K::kFlag, S::kStream, "",
     "keep lines that recur across documents",
     [](Options* o, std::string_view) { o->stream.repeated_lines = false; }, None},
    {"repeat-documents", 0, kStreams, K::kInteger, S::kStream, "N",
     "a line on N earlier pages of its site, a block of 3 lines in N earlier documents without urls, or two short lines in a row that the rules dropped in N, is dropped",
     [](Options* o, std::string_view v) {
       // The counters are 16-bit and saturate at 65535.
       o->stream.lines.min_documents = ParseInteger<std::uint32_t>("repeat-documents", v, 1, 65535);
     },
     WINNOW_GET(stream.lines.min_documents)},
    {"repeat-max-words", 0, kStreams, K::kInteger, S::kStream, "N",
     "only lines of at most N words count as repeated lines",
     [](Options* o, std::string_view v) {
       o->stream.lines.max_words = ParseInteger("repeat-max-words", v, 1, kWordsMax);
     },
     WINNOW_GET(stream.lines.max_words)},
    {"keep-empty", 0, kStreams, K::kFlag, S::kStream, "",
     "write documents that have no line left (default: drop them)",
     [](Options* o, std::string_view) { o->stream.drop_empty = false; }, None},
    {"annotate", 0, kStreams, K::kFlag, S::kCommandLine, "",
     "JSONL: drop nothing; add a \"winnow\" field saying what would go and why",
     [](Options* o, std::string_view) { o->stream.annotate = true; }, None},
    {"rejects", 0, kStreams, K::kText, S::kCommandLine, "FILE",
     "write dropped and malformed records to FILE, in the input format",
     [](Options* o, std::string_view v) { o->rejects_file = NonEmpty("rejects", v); }, None},
    {"annotate-rejects", 0, kStreams, K::kFlag, S::kCommandLine, "",
     "JSONL: each dropped record in --rejects gets the --annotate field (why, and duplicate_of)",
     [](Options* o, std::string_view) { o->stream.annotate_rejects = true; }, None},
    {"on-error", 0, kStreams, K::kText, S::kStream, "WHAT",
     "a malformed record: stop (exit 1 after the records before it) or skip it",
     [](Options* o, std::string_view v) {
       if (v != "stop" && v != "skip") {
         Fail("on-error", "expected stop or skip, not '" + std::string(v) + "'");
       }
       o->stream.skip_errors = v == "skip";
     },
     [](const Options& o) { return std::string(o.stream.skip_errors ? "skip" : "stop"); }},
    {"duplicate-text-key", 0, kStreams, K::kText, S::kStream, "WHAT",
     "JSONL: a record with the text field twice: refuse it as malformed, or use the first",
     [](Options* o, std::string_view v) {
       if (v != "refuse" && v != "first") {
         Fail("duplicate-text-key", "expected refuse or first, not '" + std::string(v) + "'");
       }
       o->stream.fields.first_duplicate_wins = v == "first";
     },
     [](const Options& o) { return std::string(o.stream.fields.first_duplicate_wins ? "first" : "refuse"); }},
    {"compress", 0, kStreams, K::kText, S::kCommandLine, "HOW",
     "compress standard output: none, gzip or zstd (WET: one gzip member per record); "
     "gzip and zstd input is always read as such",
     [](Options* o, std::string_view v) {
       if (v == "none") {
         o->compression = Compression::kNone;
       } else if (v == "gzip") {
         o->compression = Compression::kGzip;
       } else if (v == "zstd") {
         o->compression = Compression::kZstd;
       } else {
         Fail("compress", "expected none, gzip or zstd, not '" + std::string(v) + "'");
       }
     },
     [](const Options& o) { return std::string(CompressionName(o.compression)); }},
    {"progress", 0, kStreams, K::kFlag, S::kCommandLine, "",
     "show bytes, documents, MB/s and, for files, the share done and time left on stderr "
     "when it is a terminal",
     [](Options* o, std::string_view) { o->progress = true; }, None},
    {"force-progress", 0, kStreams, K::kFlag, S::kCommandLine, "",
     "show progress even when stderr is not a terminal",
     [](Options* o, std::string_view) { o->force_progress = true; }, None},
    {"stats-json", 0, kStreams, K::kText, S::kCommandLine, "FILE",
     "write the statistics as JSON to FILE",
     [](Options* o, std::string_view v) { o->stats_json = NonEmpty("stats-json", v); }, None},
};
#undef WINNOW_GET

std::string ReadRulesFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw OptionError(path, std::strerror(errno));
  std::string data;
  try {
    ReadAll(fd, path, &data);
  } catch (const Error& e) {
    ::close(fd);
    throw OptionError(e.where(), e.message());
  }
  ::close(fd);
  return data;
}

}  // namespace

StreamConfig Options::DefaultStreamConfig() {
  StreamConfig config;
  config.format = Format::kText;
  config.threads = 0;
  return config;
}

std::span<const std::string_view> OptionGroups() { return kGroups; }

std::span<const OptionSpec> AllOptions() { return kOptions; }

const OptionSpec* FindOption(std::string_view name) {
  for (const OptionSpec& spec : kOptions) {
    if (spec.name == name) return &spec;
    if (name.size() == 1 && spec.short_name == name[0]) return &spec;
  }
  return nullptr;
}

std::string OptionFlag(const OptionSpec& spec) {
  if (spec.name.size() == 1) return std::string("-") + spec.name[0];
  return "--" + std::string(spec.name);
}

void SetOption(Options* options, std::string_view name, std::string_view value) {
  const OptionSpec* spec = FindOption(name);
  if (spec == nullptr) {
    throw OptionError("", "unrecognised option '" +
                              std::string(name.size() == 1 ? "-" : "--") + std::string(name) + "'");
  }
  spec->set(options, value);
}

void FinishOptions(Options* options) {
  if (options->files.empty()) options->files.push_back("-");
  if (!options->explain_file.empty()) options->explain = true;
  StreamConfig& st = options->stream;
  st.max_document_bytes = options->max_document_bytes;
  st.explain = options->explain;
  st.keep_names = !options->index_file.empty();  // later runs name this one's documents
  options->filter.lines.explain = options->explain;
  // --stats-json says where the time went.
  options->filter.time_stages = st.time_stages = !options->stats_json.empty();
  if (st.threads == 0) st.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (options->index_wait && options->index_file.empty()) {
    throw OptionError("--index-wait", "needs --index FILE");
  }
  if (st.annotate_rejects && options->rejects_file.empty()) {
    throw OptionError("--annotate-rejects", "needs --rejects FILE");
  }
  if (st.annotate && !options->rejects_file.empty()) {
    // Nothing would go there: every record is written to the output with its
    // decision. Refused rather than left as an empty file that looks like
    // "nothing was dropped".
    throw OptionError("--rejects", "holds nothing with --annotate (every record goes to the output "
                                   "with its decision); --annotate-rejects annotates the rejects instead");
  }
  if (st.annotate && st.format != Format::kJsonl) {
    throw OptionError("--annotate", "needs --format jsonl");
  }
  if (st.format == Format::kText &&
      (!options->index_file.empty() || !options->rejects_file.empty() || st.annotate)) {
    throw OptionError("--format", "--index, --rejects and --annotate work on document streams "
                                  "(--format jsonl, wet or nul)");
  }
}

std::string_view StopwordsText();  // rules/stopwords.txt, built in

std::string BuiltInDataHashes() {
  std::string out;
  for (const std::string_view text : {DefaultRulesText(), StopwordsText(), DefaultLineModelText()}) {
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx",
                  static_cast<unsigned long long>(XXH3_64bits(text.data(), text.size())));
    out += (out.empty() ? "" : ",") + std::string(hex);
  }
  return out;
}

std::string ResultParameters(const Options& o) {
  // Options that change nothing in what a stage writes or decides.
  static constexpr std::string_view kNoEffect[] = {
      "help",    "version", "explain",    "explain-to", "stats",          "print-rules",
      "list-rules", "regex-max-mem", "threads", "index", "index-wait",   "annotate",
      "rejects", "annotate-rejects", "compress", "progress", "force-progress", "stats-json"};
  auto file_hash = [](const std::string& path) {
    const std::string text = ReadRulesFile(path);
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx",
                  static_cast<unsigned long long>(XXH3_64bits(text.data(), text.size())));
    return std::string(hex);
  };
  std::string out = std::string("winnow=") + WINNOW_VERSION + "\n";
  // The built-in rules, stopwords and line model by the hash of their text:
  // the version stays when the model is retrained, and a part signed by a
  // build with another model would not be what one run writes.
  out += "built-in=" + BuiltInDataHashes() + "\n";
  for (const OptionSpec& spec : kOptions) {
    if (std::find(std::begin(kNoEffect), std::end(kNoEffect), spec.name) != std::end(kNoEffect)) continue;
    std::string value;
    if (spec.name == "rules") {
      for (const std::string& path : o.rules_files) value += (value.empty() ? "" : ",") + file_hash(path);
    } else if (spec.name == "line-model") {
      if (!o.line_model_file.empty()) value = file_hash(o.line_model_file);
    } else if (spec.name == "disable") {
      for (const std::string& d : o.disabled) value += (value.empty() ? "" : ",") + d;
    } else if (spec.name == "no-default-rules") {
      value = o.no_default_rules ? "1" : "0";
    } else if (spec.name == "no-rules") {
      value = o.filter.line_rules ? "0" : "1";
    } else if (spec.name == "no-dedup") {
      value = o.filter.dedup ? "0" : "1";
    } else if (spec.name == "no-doc-dedup") {
      value = o.stream.doc_dedup ? "0" : "1";
    } else if (spec.name == "no-repeated-lines") {
      value = o.stream.repeated_lines ? "0" : "1";
    } else if (spec.name == "keep-empty") {
      value = o.stream.drop_empty ? "0" : "1";
    } else if (spec.name == "z") {
      continue;  // the format, said by --format
    } else if (spec.kind == OptionKind::kFlag || spec.kind == OptionKind::kList) {
      // A new flag or list must be named above (tests/unit/options_test.cpp).
      throw OptionError(OptionFlag(spec), "missing from the stage parameters");
    } else {
      value = spec.get(o);
    }
    out += std::string(spec.name) + "=" + value + "\n";
  }
  return out;
}

void LoadRules(Options* options, RuleSet* rules) {
  try {
    // The built-in rules are features of the line model; the user's rules
    // drop (or keep) what they match.
    if (!options->no_default_rules) {
      rules->Parse(DefaultRulesText(), "default.rules", PatternAction::kFeature);
    }
    for (const std::string& path : options->rules_files) rules->Parse(ReadRulesFile(path), path);
  } catch (const OptionError&) {
    throw;
  } catch (const Error& e) {
    throw OptionError(e.where(), e.message());
  }
  LineFilterConfig& lines = options->filter.lines;
  if (!options->line_model_file.empty() && !lines.model_file) {
    try {
      lines.model_file = std::make_shared<const LineModel>(
          LineModel::Parse(ReadRulesFile(options->line_model_file), options->line_model_file));
    } catch (const Error& e) {
      throw OptionError(e.where(), e.message());
    }
  }
  for (const std::string& list : options->disabled) {
    std::string_view rest = list;
    while (true) {
      const std::size_t comma = rest.find(',');
      const std::string_view name = rest.substr(0, comma);
      if (name == kRuleLineModel) {
        lines.model = false;
      } else if (name == kRuleComments) {
        lines.comments = false;
      } else if (!name.empty() && !rules->Disable(name)) {
        throw OptionError("--disable", "no rule named '" + std::string(name) + "' (see --list-rules)");
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  rules->set_max_mem(options->regex_max_mem);
  try {
    rules->Freeze();
  } catch (const Error& e) {
    throw OptionError(e.where(), e.message());
  }
}

}  // namespace winnow
