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

#include "cli/usage.hpp"
#include "winnow/document.hpp"
#include "winnow/error.hpp"
#include "winnow/filter.hpp"
#include "winnow/options.hpp"
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

// The command line's settings: winnow's option table (winnow/options.hpp).
using Config = Options;

// A usage error: reported as `winnow: WHERE: WHAT`, exit 2.
using UsageError = OptionError;

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

// Fills `*config` from the command line through winnow's option table.
// Returns false if --help/--version were answered.
bool ParseOptions(int argc, char** argv, Config* config) {
  po::options_description all;
  for (const OptionSpec& spec : AllOptions()) {
    std::string name(spec.name.size() == 1 ? "" : spec.name);
    if (spec.short_name != 0) name += std::string(",") + spec.short_name;
    switch (spec.kind) {
      case OptionKind::kFlag:
        all.add_options()(name.c_str(), "");
        break;
      case OptionKind::kList:
        all.add_options()(name.c_str(), po::value<std::vector<std::string>>()->composing(), "");
        break;
      default:
        all.add_options()(name.c_str(), po::value<std::string>(), "");
    }
  }
  all.add_options()("file", po::value<std::vector<std::string>>(&config->files));
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
  // In table order, so that a later option (-z) overrides an earlier one
  // (--format).
  for (const OptionSpec& spec : AllOptions()) {
    // Boost keys an option by its long name, or "-z" when it has none.
    const std::string key = spec.name.size() == 1 ? "-" + std::string(spec.name) : std::string(spec.name);
    if (vm.count(key) == 0) continue;
    if (spec.kind == OptionKind::kFlag) {
      spec.set(config, "");
    } else if (spec.kind == OptionKind::kList) {
      for (const std::string& value : vm[key].as<std::vector<std::string>>()) {
        spec.set(config, value);
      }
    } else {
      spec.set(config, vm[key].as<std::string>());
    }
  }
  if (config->help) {
    WriteAll(STDOUT_FILENO, "standard output", HelpText());
    return false;
  }
  if (config->version) {
    WriteAll(STDOUT_FILENO, "standard output", std::string("winnow ") + WINNOW_VERSION + "\n");
    return false;
  }
  FinishOptions(config);
  return true;
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
  // Held from the load to the save: a second run on FILE fails (or waits).
  std::unique_ptr<StateLock> lock;
  if (!config.index_file.empty()) lock = std::make_unique<StateLock>(config.index_file, config.index_wait);
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
  LoadRules(&config, &rules);
  if (config.list_rules) {
    std::string out;
    for (std::size_t i = 0; i < rules.names().size(); ++i) {
      out += rules.names()[i] + (rules.enabled(static_cast<int>(i)) ? "" : " (disabled)") + "\n";
    }
    out += std::string(kRuleLineModel) + (config.filter.lines.model ? "" : " (disabled)") + "\n";
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
  } catch (const OptionError& e) {
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
