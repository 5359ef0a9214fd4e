#include "cli/cli.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <mutex>
#include <new>
#include <sstream>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "winnow/document.hpp"
#include "winnow/error.hpp"
#include "winnow/filter.hpp"
#include "winnow/reader.hpp"
#include "winnow/records.hpp"
#include "winnow/rules.hpp"
#include "winnow/stream.hpp"
#include "winnow/writer.hpp"

namespace po = boost::program_options;

namespace winnow::cli {
namespace {

static_assert(std::is_same_v<std::sig_atomic_t, int>, "SetInterruptFlag takes an int flag");
volatile std::sig_atomic_t g_signal = 0;  // the signal that asks winnow to stop

void OnSignal(int signal) { g_signal = signal; }

// Called after each whole write: stops between records.
void StopIfInterrupted() { CheckInterrupted("standard output"); }

constexpr const char* kUsage = "Usage: winnow [OPTIONS] [FILE...]";
constexpr const char* kAbout =
    "Removes boilerplate and caption lines, then near-duplicate paragraphs,\n"
    "from text. Each FILE is one document; with no FILE, or when FILE is -,\n"
    "reads standard input. Writes the kept lines, byte for byte, to standard\n"
    "output.\n"
    "\n"
    "Exit status: 0 ok, 1 runtime error (unreadable file, failed write),\n"
    "2 usage error (bad option, malformed rules file).\n";

struct Config {
  std::vector<std::string> files;
  std::vector<std::string> rules_files;
  std::vector<std::string> disabled;
  bool no_default_rules = false;
  bool no_rules = false;
  bool print_rules = false;
  bool list_rules = false;
  bool explain = false;
  std::string explain_file;
  bool stats = false;
  FilterConfig filter;
  std::size_t max_document_bytes = kDefaultMaxDocumentBytes;
  // Document streams (--format other than text).
  std::string format_name = "text";
  bool nul = false;
  StreamConfig stream;
  bool no_doc_dedup = false;
  bool no_repeated_lines = false;
  bool keep_empty = false;
  std::string index_file;
  std::string rejects_file;
  std::string on_error = "stop";
  std::string stats_json;
  bool progress = false;
  bool force_progress = false;
};

// A usage error: reported as `winnow: WHERE: WHAT`, exit 2.
struct UsageError : Error {
  using Error::Error;
};

std::string ReadFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(path, std::strerror(errno));
  std::string data;
  try {
    ReadAll(fd, path, &data);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  return data;
}

// A document over --max-document-bytes, passed through unanalysed.
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

std::string TooLargeMessage(std::size_t limit) {
  return "larger than " + std::to_string(limit) +
         " bytes (--max-document-bytes): passed through unanalysed";
}

void PrintStats(const FilterStats& s, std::ostream& os) {
  os << "winnow: stats: documents " << s.documents << ", lines in " << s.lines_in
     << ", lines out " << s.lines_out << ", paragraphs in " << s.paragraphs_in
     << ", paragraphs out " << s.paragraphs_out << ", paragraphs not analysed (too large) "
     << s.unanalysed_paragraphs << '\n';
  for (const auto& [reason, count] : s.dropped_lines) {
    os << "winnow: stats: dropped " << count << " line" << (count == 1 ? "" : "s")
       << " by " << reason << '\n';
  }
}

// Text mode, a document over --max-document-bytes: writes the bytes read so
// far (`*data`), then copies the rest of `fd` through with `*data` as the
// buffer, so memory stays at the limit. A stop request waits for the end
// of the document: its first bytes are out already. `*unterminated` says
// whether the output so far ends without a newline, before and after.
void PassThrough(int fd, const std::string& name, std::string* data, bool* unterminated) {
  if (*unterminated) WriteAll(STDOUT_FILENO, "standard output", "\n");
  *unterminated = false;
  std::size_t size = data->size();
  while (size > 0) {
    const std::string_view piece(data->data(), size);
    WriteAll(STDOUT_FILENO, "standard output", piece);
    *unterminated = piece.back() != '\n';
    data->resize(kDefaultReadChunk);
    size = ReadSome(fd, name, data->data(), data->size(), /*interruptible=*/false);
  }
}

// Returns false if --help/--version/--print-rules were answered.
bool ParseOptions(int argc, char** argv, Config* config) {
  LineFilterConfig& lines = config->filter.lines;
  DedupConfig& dedup = config->filter.dedup_config;
  po::options_description general("General");
  general.add_options()
      ("help,h", "print this help and exit")
      ("version,V", "print the version and exit")
      ("explain", po::bool_switch(&config->explain),
       "for every drop, print `FILE:LINE: REASON: TEXT` to stderr")
      ("explain-to", po::value<std::string>(&config->explain_file)->value_name("FILE"),
       "like --explain, but write the lines to FILE")
      ("stats", po::bool_switch(&config->stats),
       "print counts per rule and per dedup reason to stderr at the end");
  po::options_description rules("Line rules");
  rules.add_options()
      ("rules", po::value<std::vector<std::string>>(&config->rules_files)->composing()->value_name("FILE"),
       "add the pattern rules in FILE (repeatable)")
      ("no-default-rules", po::bool_switch(&config->no_default_rules),
       "do not load the built-in pattern rules")
      ("disable", po::value<std::vector<std::string>>(&config->disabled)->composing()->value_name("NAME"),
       "disable the rule NAME (repeatable; NAME,NAME,... also works)")
      ("no-rules", po::bool_switch(&config->no_rules),
       "disable every line rule (only deduplication runs)")
      ("print-rules", po::bool_switch(&config->print_rules),
       "print the built-in rules file and exit")
      ("list-rules", po::bool_switch(&config->list_rules),
       "list every rule name (pattern and built-in) and exit")
      ("min-words", po::value<int>(&lines.min_words)->default_value(lines.min_words)->value_name("N"),
       "too-short: body lines have at least this many words")
      ("long-words", po::value<int>(&lines.long_words)->default_value(lines.long_words)->value_name("N"),
       "a line this long is body even without closing punctuation")
      ("caption-words", po::value<int>(&lines.caption_words)->default_value(lines.caption_words)->value_name("N"),
       "an unpunctuated line this long is a caption even between body lines")
      ("min-prose-share", po::value<double>(&lines.min_prose_share)->default_value(lines.min_prose_share, "0.2")->value_name("X"),
       "below this share of words in body lines a page is a listing: short lines stay")
      ("listing-line-words", po::value<double>(&lines.listing_line_words)->default_value(lines.listing_line_words, "1.5")->value_name("X"),
       "... if its short lines average at least this many words (menus average fewer)")
      ("keep-title", po::value<bool>(&lines.keep_title)->default_value(lines.keep_title)->value_name("BOOL"),
       "keep a short first line that stands alone (the page title)")
      ("colon-closes", po::value<bool>(&lines.colon_closes)->default_value(lines.colon_closes)->value_name("BOOL"),
       "a line ending in ':' counts as closed (it introduces a list or code)")
      ("max-run", po::value<int>(&lines.max_run)->default_value(lines.max_run)->value_name("N"),
       "longest run of short lines that body lines around it can rescue");
  po::options_description dd("Near-duplicate paragraphs");
  dd.add_options()
      ("no-dedup", "do not remove near-duplicate paragraphs")
      ("shingle", po::value<int>(&dedup.shingle_words)->default_value(dedup.shingle_words)->value_name("N"),
       "words per shingle")
      ("permutations", po::value<int>(&dedup.permutations)->default_value(dedup.permutations)->value_name("N"),
       "MinHash permutations")
      ("seed", po::value<std::uint64_t>(&dedup.seed)->default_value(dedup.seed)->value_name("N"),
       "hash seed")
      ("jaccard", po::value<double>(&dedup.jaccard)->default_value(dedup.jaccard, "0.7")->value_name("X"),
       "drop a paragraph this similar (Jaccard) to an earlier one")
      ("containment", po::value<double>(&dedup.containment)->default_value(dedup.containment, "0.8")->value_name("X"),
       "drop a paragraph that holds, or is held in, an earlier one to this share")
      ("min-containment-words",
       po::value<int>(&dedup.min_containment_words)->default_value(dedup.min_containment_words)->value_name("N"),
       "the shorter paragraph needs this many words for containment")
      ("max-paragraph-bytes", po::value<std::size_t>(&config->filter.max_paragraph_bytes)->default_value(config->filter.max_paragraph_bytes)->value_name("N"),
       "larger paragraphs are kept without deduplication (bounds memory and time)")
      ("max-line-bytes", po::value<std::size_t>(&lines.max_line_bytes)->default_value(lines.max_line_bytes)->value_name("N"),
       "longer lines are kept without analysis (bounds memory and time)")
      ("max-document-bytes", po::value<std::size_t>(&config->max_document_bytes)->default_value(config->max_document_bytes)->value_name("N"),
       "larger documents (a FILE, a JSONL line, a NUL chunk, a WARC block) are passed through unanalysed, with memory bounded by N")
      ("max-growth", po::value<double>(&dedup.max_growth)->default_value(dedup.max_growth, "3")->value_name("X"),
       "containment applies only if the longer paragraph is at most this many times longer");
  StreamConfig& st = config->stream;
  po::options_description streams("Document streams (JSONL, WARC/WET, NUL)");
  streams.add_options()
      ("format", po::value<std::string>(&config->format_name)->default_value("text")->value_name("FMT"),
       "text (each FILE one document), jsonl, wet (WARC/WET), nul")
      (",z", po::bool_switch(&config->nul), "documents separated by NUL bytes (--format nul)")
      ("text-field", po::value<std::string>(&st.fields.text)->default_value(st.fields.text)->value_name("NAME"),
       "JSONL: the field holding the document")
      ("id-field", po::value<std::string>(&st.fields.id)->default_value(st.fields.id)->value_name("NAME"),
       "JSONL: the field naming the document")
      ("url-field", po::value<std::string>(&st.fields.url)->default_value(st.fields.url)->value_name("NAME"),
       "JSONL: the field holding the page address")
      ("threads,j", po::value<int>(&st.threads)->default_value(0)->value_name("N"),
       "worker threads (0: all cores); output is the same for every N")
      ("no-doc-dedup", po::bool_switch(&config->no_doc_dedup),
       "keep near-duplicate documents")
      ("doc-threshold", po::value<double>(&st.doc.threshold)->default_value(st.doc.threshold, "0.8")->value_name("X"),
       "drop a document this similar (Jaccard) to an earlier one")
      ("doc-shingle", po::value<int>(&st.doc.shingle_words)->default_value(st.doc.shingle_words)->value_name("N"),
       "words per shingle for documents")
      ("max-index-docs", po::value<std::uint64_t>(&st.doc.max_documents)->default_value(st.doc.max_documents)->value_name("N"),
       "index at most N documents; later ones are checked, not added")
      ("index", po::value<std::string>(&config->index_file)->value_name("FILE"),
       "load cross-document state from FILE if it exists, save it there at the end")
      ("no-repeated-lines", po::bool_switch(&config->no_repeated_lines),
       "keep lines that recur across documents")
      ("repeat-documents", po::value<std::uint32_t>(&st.lines.min_documents)->default_value(st.lines.min_documents)->value_name("N"),
       "a short line seen in N earlier documents is dropped")
      ("repeat-max-words", po::value<int>(&st.lines.max_words)->default_value(st.lines.max_words)->value_name("N"),
       "only lines of at most N words count as repeated lines")
      ("keep-empty", po::bool_switch(&config->keep_empty),
       "write documents that have no line left (default: drop them)")
      ("annotate", po::bool_switch(&st.annotate),
       "JSONL: drop nothing; add a \"winnow\" field saying what would go and why")
      ("rejects", po::value<std::string>(&config->rejects_file)->value_name("FILE"),
       "write dropped and malformed records to FILE, in the input format")
      ("on-error", po::value<std::string>(&config->on_error)->default_value("stop")->value_name("WHAT"),
       "a malformed record: stop (exit 1 after the records before it) or skip it")
      ("progress", po::bool_switch(&config->progress),
       "show bytes, documents and MB/s on stderr when it is a terminal")
      ("force-progress", po::bool_switch(&config->force_progress),
       "show progress even when stderr is not a terminal")
      ("stats-json", po::value<std::string>(&config->stats_json)->value_name("FILE"),
       "write the statistics as JSON to FILE");
  po::options_description hidden;
  hidden.add_options()("file", po::value<std::vector<std::string>>(&config->files));
  po::options_description all;
  all.add(general).add(rules).add(dd).add(streams).add(hidden);
  po::positional_options_description positional;
  positional.add("file", -1);

  po::variables_map vm;
  try {
    // No prefix guessing: a new option must never break an old abbreviation.
    auto style = po::command_line_style::default_style &
                 ~po::command_line_style::allow_guessing;
    po::store(po::command_line_parser(argc, argv)
                  .options(all)
                  .positional(positional)
                  .style(style)
                  .run(),
              vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError("", e.what());
  }
  if (vm.count("help")) {
    std::ostringstream os;
    os << kUsage << "\n\n" << kAbout << '\n' << general << '\n' << rules << '\n' << dd << '\n'
       << streams;
    std::cout << os.str();
    return false;
  }
  if (vm.count("version")) {
    std::cout << "winnow " << WINNOW_VERSION << '\n';
    return false;
  }
  if (!config->explain_file.empty()) config->explain = true;
  config->filter.dedup = vm.count("no-dedup") == 0;
  config->filter.line_rules = !config->no_rules;
  if (lines.min_words < 0 || lines.long_words < 1 || lines.caption_words < 1 ||
      lines.max_run < 0) {
    throw UsageError("", "word counts and --max-run must not be negative");
  }
  if (!(dedup.jaccard > 0.0 && dedup.jaccard <= 1.0)) {
    throw UsageError("--jaccard", "must be in (0, 1]");
  }
  if (config->files.empty()) config->files.push_back("-");
  if (config->nul) config->format_name = "nul";
  if (!ParseFormat(config->format_name, &st.format)) {
    throw UsageError("--format", "unknown format '" + config->format_name +
                                     "' (expected text, jsonl, wet or nul)");
  }
  if (config->on_error != "stop" && config->on_error != "skip") {
    throw UsageError("--on-error", "expected stop or skip, not '" + config->on_error + "'");
  }
  st.skip_errors = config->on_error == "skip";
  st.max_document_bytes = config->max_document_bytes;
  st.doc_dedup = !config->no_doc_dedup;
  st.repeated_lines = !config->no_repeated_lines;
  st.drop_empty = !config->keep_empty;
  st.explain = config->explain;
  if (!(st.doc.threshold > 0.0 && st.doc.threshold <= 1.0)) {
    throw UsageError("--doc-threshold", "must be in (0, 1]");
  }
  if (st.threads < 0 || st.threads > 256) throw UsageError("--threads", "must be between 0 and 256");
  if (st.threads == 0) st.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (st.annotate && st.format != Format::kJsonl) {
    throw UsageError("--annotate", "needs --format jsonl");
  }
  if (st.format == Format::kText &&
      (!config->index_file.empty() || !config->rejects_file.empty() || st.annotate)) {
    throw UsageError("--format", "--index, --rejects and --annotate work on document streams "
                                 "(--format jsonl, wet or nul)");
  }
  return true;
}

void LoadRules(Config& config, RuleSet* rules) {
  if (!config.no_default_rules) rules->Parse(DefaultRulesText(), "default.rules");
  for (const std::string& path : config.rules_files) {
    std::string text;
    try {
      text = ReadFile(path);
    } catch (const Error& e) {
      throw UsageError(e.where(), e.message());
    }
    try {
      rules->Parse(text, path);
    } catch (const Error& e) {
      throw UsageError(e.where(), e.message());
    }
  }
  for (const std::string& list : config.disabled) {
    std::stringstream ss(list);
    std::string name;
    while (std::getline(ss, name, ',')) {
      if (name == kRuleNoTerminalPunct) {
        config.filter.lines.no_terminal_punct = false;
      } else if (name == kRuleTooShort) {
        config.filter.lines.too_short = false;
      } else if (name == kRuleBoilerplateBlock) {
        config.filter.lines.boilerplate_block = false;
      } else if (!rules->Disable(name)) {
        throw UsageError("--disable", "no rule named '" + name +
                                          "' (see --list-rules)");
      }
    }
  }
  try {
    rules->Freeze();
  } catch (const Error& e) {
    throw UsageError(e.where(), e.message());
  }
}

void PrintStreamStats(const StreamStats& s, std::ostream& os) {
  os << "winnow: stats: records " << s.records << ", documents in " << s.documents_in
     << ", documents out " << s.documents_out << ", passed through " << s.passed_through
     << ", too large (passed through unanalysed) " << s.too_large << ", malformed " << s.malformed << ", bytes in " << s.bytes_in << ", bytes out "
     << s.bytes_out << '\n';
  for (const auto& [reason, count] : s.dropped_documents) {
    os << "winnow: stats: dropped " << count << " document" << (count == 1 ? "" : "s") << " as "
       << reason << '\n';
  }
  PrintStats(s.lines, os);
}

std::string StreamStatsJson(const StreamStats& s, const DocumentIndex& index) {
  std::ostringstream os;
  os << "{\"records\":" << s.records << ",\"documents_in\":" << s.documents_in
     << ",\"documents_out\":" << s.documents_out << ",\"passed_through\":" << s.passed_through
     << ",\"too_large\":" << s.too_large
     << ",\"malformed\":" << s.malformed << ",\"bytes_in\":" << s.bytes_in
     << ",\"bytes_out\":" << s.bytes_out << ",\"dropped_documents\":{";
  bool first = true;
  for (const auto& [reason, count] : s.dropped_documents) {
    os << (first ? "" : ",") << '"' << reason << "\":" << count;
    first = false;
  }
  os << "},\"lines_in\":" << s.lines.lines_in << ",\"lines_out\":" << s.lines.lines_out
     << ",\"dropped_lines\":{";
  first = true;
  for (const auto& [reason, count] : s.lines.dropped_lines) {
    os << (first ? "" : ",") << '"' << reason << "\":" << count;
    first = false;
  }
  os << "},\"index\":{\"documents\":" << index.documents() << ",\"indexed\":" << index.indexed()
     << ",\"not_indexed\":" << index.not_indexed() << ",\"bytes\":" << index.memory_bytes()
     << "}}\n";
  return os.str();
}

int RunStream(const Config& config, const RuleSet& rules) {
  StreamProcessor processor(&rules, config.filter, config.stream);
  if (!config.index_file.empty() && ::access(config.index_file.c_str(), F_OK) == 0) {
    processor.LoadState(config.index_file);
  }
  std::unique_ptr<AtomicFile> rejects;
  if (!config.rejects_file.empty()) rejects = std::make_unique<AtomicFile>(config.rejects_file);
  std::unique_ptr<AtomicFile> explain_file;
  if (!config.explain_file.empty()) explain_file = std::make_unique<AtomicFile>(config.explain_file);

  const bool show_progress = config.force_progress || (config.progress && ::isatty(STDERR_FILENO));
  const auto started = std::chrono::steady_clock::now();
  StreamSinks sinks;
  sinks.output = [](std::string_view data) { WriteAll(STDOUT_FILENO, "standard output", data); };
  sinks.record_boundary = [] { StopIfInterrupted(); };
  if (rejects) sinks.rejects = [&](std::string_view data) { rejects->Write(data); };
  if (config.explain) {
    sinks.explain = [&](std::string_view data) {
      if (explain_file) {
        explain_file->Write(data);
      } else {
        WriteAll(STDERR_FILENO, "standard error", data);
      }
    };
  }
  sinks.warning = [](const std::string& message) { std::cerr << "winnow: " << message << '\n'; };
  if (show_progress) {
    sinks.progress = [&](const StreamStats& s) {
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      char line[160];
      std::snprintf(line, sizeof line, "\rwinnow: %.1f MB, %llu documents, %.1f MB/s ",
                    s.bytes_in / 1e6, static_cast<unsigned long long>(s.records),
                    seconds > 0 ? s.bytes_in / 1e6 / seconds : 0.0);
      std::cerr << line << std::flush;
    };
  }

  int status = kExitOk;
  for (const std::string& file : config.files) {
    const bool is_stdin = file == "-";
    int fd = is_stdin ? STDIN_FILENO : ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      std::cerr << "winnow: " << file << ": " << std::strerror(errno) << '\n';
      status = kExitRuntimeError;
      continue;
    }
    WidenPipe(fd);
    RecordReader reader(fd, is_stdin ? "standard input" : file, config.stream.format,
                        config.stream.fields, 1 << 20, /*defer_json=*/true,
                        config.stream.max_document_bytes);
    try {
      processor.Run(reader, is_stdin ? "-" : file, sinks);
    } catch (const Error& e) {
      if (!is_stdin) ::close(fd);
      if (g_signal != 0) throw;  // no rejects, no index: Main reports it
      if (show_progress) std::cerr << '\n';
      std::cerr << "winnow: " << e.what() << '\n';
      if (rejects) rejects->Commit();
      return kExitRuntimeError;
    }
    if (!is_stdin) ::close(fd);
  }
  if (show_progress) std::cerr << '\n';
  if (rejects) rejects->Commit();
  if (explain_file) explain_file->Commit();
  if (!config.index_file.empty() && status == kExitOk) processor.SaveState(config.index_file);
  if (config.stats) PrintStreamStats(processor.stats(), std::cerr);
  if (!config.stats_json.empty()) {
    AtomicFile json(config.stats_json);
    json.Write(StreamStatsJson(processor.stats(), processor.index()));
    json.Commit();
  }
  return status;
}

int Run(int argc, char** argv) {
  Config config;
  if (!ParseOptions(argc, argv, &config)) return kExitOk;
  if (config.print_rules) {
    WriteAll(STDOUT_FILENO, "standard output", DefaultRulesText());
    return kExitOk;
  }
  RuleSet rules;
  LoadRules(config, &rules);
  if (config.list_rules) {
    std::string out;
    for (std::size_t i = 0; i < rules.names().size(); ++i) {
      out += rules.names()[i] + (rules.enabled(static_cast<int>(i)) ? "" : " (disabled)") + "\n";
    }
    out += std::string(kRuleNoTerminalPunct) +
           (config.filter.lines.no_terminal_punct ? "" : " (disabled)") + "\n";
    out += std::string(kRuleTooShort) + (config.filter.lines.too_short ? "" : " (disabled)") + "\n";
    out += std::string(kRuleBoilerplateBlock) +
           (config.filter.lines.boilerplate_block ? "" : " (disabled)") + "\n";
    WriteAll(STDOUT_FILENO, "standard output", out);
    return kExitOk;
  }

  // Files winnow writes must never be one of its inputs.
  const std::pair<const char*, const std::string*> outputs[] = {
      {"--explain-to", &config.explain_file},
      {"--rejects", &config.rejects_file},
      {"--stats-json", &config.stats_json}};
  for (const auto& [option, path] : outputs) {
    struct stat target;
    if (path->empty() || ::stat(path->c_str(), &target) != 0) continue;
    for (const std::string& file : config.files) {
      struct stat in;
      if (file != "-" && ::stat(file.c_str(), &in) == 0 && in.st_dev == target.st_dev &&
          in.st_ino == target.st_ino) {
        throw UsageError(*path, std::string(option) + " would overwrite an input file");
      }
    }
  }

  if (config.stream.format != Format::kText) return RunStream(config, rules);

  int explain_fd = STDERR_FILENO;
  std::string explain_name = "standard error";
  if (config.explain && !config.explain_file.empty()) {
    explain_fd = ::open(config.explain_file.c_str(),
                        O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (explain_fd < 0) throw Error(config.explain_file, std::strerror(errno));
    explain_name = config.explain_file;
  }

  // Text mode: each FILE (or stdin) is a document. Documents are read in
  // order into a batch (a few per thread, up to kBatchBytes together),
  // filtered in parallel, each by whichever thread's filter is free (a
  // document's result depends on nothing else), and written in order: the
  // output is the same for every -j.
  const auto threads = static_cast<std::size_t>(config.stream.threads);
  constexpr std::size_t kBatchBytes = std::size_t{64} << 20;
  // Each thread matches with its own copy of the rules (RuleSet::Clone).
  std::vector<std::unique_ptr<RuleSet>> thread_rules;
  std::vector<std::unique_ptr<Filter>> filters;
  for (std::size_t t = 0; t < threads; ++t) {
    if (threads > 1) thread_rules.push_back(rules.Clone());
    filters.push_back(std::make_unique<Filter>(threads > 1 ? thread_rules.back().get() : &rules,
                                               config.filter));
  }
  struct TextDocument {
    std::string where;  // the name in explanations: FILE, or "-"
    std::string input;
    Document doc;
    FilterResult result;
  };
  std::vector<TextDocument> batch(threads == 1 ? 1 : 4 * threads);
  std::size_t batched = 0, batch_bytes = 0;

  int status = kExitOk;
  bool unterminated = false;  // the output so far ends without a newline
  std::uint64_t too_large = 0;
  std::string output, explanation;

  auto flush = [&] {
    std::atomic<std::size_t> next{0};
    auto work = [&](Filter& filter) {
      for (std::size_t i; (i = next.fetch_add(1)) < batched;) {
        SplitDocument(batch[i].input, &batch[i].doc);
        filter.Run(batch[i].doc, &batch[i].result);
      }
    };
    if (threads == 1 || batched == 1) {
      work(*filters[0]);
    } else {
      std::vector<std::thread> pool;
      std::exception_ptr failure;
      std::mutex failure_mutex;
      for (std::size_t t = 0; t < std::min(threads, batched); ++t) {
        pool.emplace_back([&, t] {
          try {
            work(*filters[t]);
          } catch (...) {
            std::lock_guard<std::mutex> lock(failure_mutex);
            if (!failure) failure = std::current_exception();
          }
        });
      }
      for (std::thread& th : pool) th.join();
      if (failure) std::rethrow_exception(failure);
    }
    for (std::size_t i = 0; i < batched; ++i) {
      const TextDocument& d = batch[i];
      output.clear();
      // Documents are written one after another; one whose last kept line
      // has no newline gets one before the next document's text, so that
      // two documents never share a line.
      if (unterminated) output.push_back('\n');
      AppendKept(d.doc, d.result.keep, &output);
      if (output.size() > (unterminated ? 1u : 0u)) {
        unterminated = output.back() != '\n';
        WriteAll(STDOUT_FILENO, "standard output", output);
      }
      StopIfInterrupted();
      if (config.explain) {
        explanation.clear();
        AppendExplanation(d.where, d.doc, d.result, &explanation);
        WriteAll(explain_fd, explain_name, explanation);
      }
    }
    batched = 0;
    batch_bytes = 0;
  };

  std::string oversized;  // the first bytes of a document over the limit
  for (const std::string& file : config.files) {
    const bool is_stdin = file == "-";
    const std::string name = is_stdin ? "standard input" : file;
    const int fd = is_stdin ? STDIN_FILENO : ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      std::cerr << "winnow: " << file << ": " << std::strerror(errno) << '\n';
      status = kExitRuntimeError;
      continue;
    }
    TextDocument& d = batch[batched];
    d.input.clear();
    bool whole = true;
    try {
      whole = ReadAtMost(fd, name, config.max_document_bytes, &d.input);
      if (!whole) {
        // Written in its place: after the documents before it.
        oversized.swap(d.input);
        flush();
        ++too_large;
        std::cerr << "winnow: " << name << ": " << TooLargeMessage(config.max_document_bytes)
                  << '\n';
        PassThrough(fd, name, &oversized, &unterminated);
        oversized.clear();
      }
    } catch (const Error& e) {
      if (!is_stdin) ::close(fd);
      if (g_signal != 0) throw;  // Main reports it
      std::cerr << "winnow: " << e.what() << '\n';
      status = kExitRuntimeError;
      continue;
    }
    if (!is_stdin) ::close(fd);
    if (!whole) {
      StopIfInterrupted();
      continue;
    }
    d.where = is_stdin ? "-" : file;
    batch_bytes += d.input.size();
    if (++batched == batch.size() || batch_bytes >= kBatchBytes) flush();
  }
  flush();
  if (explain_fd != STDERR_FILENO && ::close(explain_fd) != 0) {
    throw Error(explain_name, std::strerror(errno));
  }
  if (config.stats) {
    FilterStats stats;
    for (const auto& filter : filters) stats.Add(filter->stats());
    PrintStats(stats, std::cerr);
    std::cerr << "winnow: stats: documents passed through unanalysed (too large) " << too_large
              << '\n';
  }
  return status;
}

}  // namespace

int Main(int argc, char** argv) {
  // `winnow ... | head` must end quietly: die of SIGPIPE like cat does.
  std::signal(SIGPIPE, SIG_DFL);
  // SIGINT and SIGTERM stop winnow between records, never inside one: the
  // handler only sets a flag; a blocked read gives up (no SA_RESTART), and
  // the flag is checked after each whole write.
  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  SetInterruptFlag(&g_signal);
  try {
    return Run(argc, argv);
  } catch (const UsageError& e) {
    std::cerr << "winnow: " << e.what() << '\n';
    if (e.where().empty()) std::cerr << "Try 'winnow --help' for more information.\n";
    return kExitUsageError;
  } catch (const Error& e) {
    if (g_signal != 0) {
      std::cerr << "winnow: interrupted by " << (g_signal == SIGINT ? "SIGINT" : "SIGTERM")
                << "; the output holds whole records only\n";
      return 128 + g_signal;
    }
    std::cerr << "winnow: " << e.what() << '\n';
    return kExitRuntimeError;
  } catch (const std::bad_alloc&) {
    std::cerr << "winnow: out of memory (a smaller --max-document-bytes, -j or --max-index-docs "
                 "needs less)\n";
    return kExitRuntimeError;
  } catch (const std::exception& e) {
    std::cerr << "winnow: " << e.what() << '\n';
    return kExitRuntimeError;
  }
}

}  // namespace winnow::cli
