#include "cli/cli.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <new>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "cli/usage.hpp"
#include "winnow/decide_stage.hpp"
#include "winnow/doc_names.hpp"
#include "winnow/document.hpp"
#include "winnow/error.hpp"
#include "winnow/filter.hpp"
#include "winnow/options.hpp"
#include "winnow/reader.hpp"
#include "winnow/records.hpp"
#include "winnow/rules.hpp"
#include "winnow/stages.hpp"
#include "winnow/state_file.hpp"
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

// A stage of a cluster run (`winnow sign|decide|apply`, stages.hpp) and its
// own options.
struct StageArgs {
  std::string name;       // empty: an ordinary run
  std::string part;       // sign: --part I/N
  std::string output;     // sign: the facts file; decide: the decisions folder
  std::string decisions;  // apply: the shard's decisions file
};

// --stats: the counts on standard error, written and checked as standard
// output is: a write that fails (2> /dev/full, a closed pipe's EPIPE) is an
// error and exit status 1, not counts lost in silence (the message may not
// get out either, but the status does).
void WriteStats(const std::ostringstream& text) { WriteAll(STDERR_FILENO, "standard error", text.str()); }

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

// Options given where they do nothing are refused, not ignored: stream
// options in text mode, JSONL options in the other stream formats.
void CheckModes(const Config& config, const std::vector<const OptionSpec*>& given) {
  const Format format = config.stream.format;
  for (const OptionSpec* spec : given) {
    const std::string flag = OptionFlag(*spec);
    const bool stream_only = spec->scope == OptionScope::kStream || spec->name == "annotate" ||
                             spec->name == "rejects" || spec->name == "annotate-rejects";
    if (format == Format::kText && stream_only) {
      throw UsageError(flag, "works on document streams only (--format jsonl, wet or nul)");
    }
    const bool jsonl_only = spec->name == "text-field" || spec->name == "id-field" || spec->name == "url-field" ||
                            spec->name == "annotate" || spec->name == "annotate-rejects" ||
                            spec->name == "duplicate-text-key";
    if (format != Format::kText && format != Format::kJsonl && jsonl_only) {
      throw UsageError(flag, "needs --format jsonl");
    }
  }
}

// A stage's own options, and the options a stage cannot take.
void CheckStage(const Config& config, const StageArgs& stage) {
  const std::string& name = stage.name;
  if (config.stream.format == Format::kText) {
    throw UsageError("winnow " + name,
                     "works on document streams (--format jsonl, wet or nul); text files need no "
                     "stages: nothing in one depends on another, so run winnow on each, on any machine");
  }
  if (name == "sign" && stage.part.empty()) throw UsageError("winnow sign", "needs --part I/N");
  if (name != "apply" && (!config.rejects_file.empty() || config.stream.annotate || config.explain ||
                           !config.stats_json.empty())) {
    throw UsageError("winnow " + name, "--rejects, --annotate, --explain and --stats-json belong to winnow apply");
  }
  if ((name == "sign" || name == "decide") && stage.output.empty()) {
    throw UsageError("winnow " + name, name == "sign" ? "needs -o FACTS_FILE" : "needs -o DECISIONS_DIR");
  }
  if (name != "decide" && !config.index_file.empty()) {
    throw UsageError("--index", "belongs to winnow decide (the stage that holds the state)");
  }
  if (name == "apply" && stage.decisions.empty()) throw UsageError("winnow apply", "needs --decisions FILE");
}

// Boost.Program_options takes the tokens that no option parser claims
// (file names) one at a time, each erased from the front of the rest: time
// quadratic in their number (0.8 s for 30,000 names). This style parser,
// tried first, takes a run of such tokens (empty, or not starting with
// '-') at once, as the same positional options. Boost also asks its style
// parsers about one token alone, to see whether an option's value looks
// like an option: that question is left to Boost's own parsers.
std::vector<po::option> PositionalRun(std::vector<std::string>& args) {
  std::vector<po::option> run;
  if (args.size() < 2) return run;
  std::size_t k = 0;
  while (k < args.size() && (args[k].empty() || args[k][0] != '-')) ++k;
  run.reserve(k);
  for (std::size_t i = 0; i < k; ++i) {
    po::option opt;
    opt.value.push_back(args[i]);
    opt.original_tokens.push_back(args[i]);
    run.push_back(std::move(opt));
  }
  args.erase(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(k));
  return run;
}

// Fills `*config` from the command line through winnow's option table.
// Returns false if --help/--version were answered.
bool ParseOptions(int argc, char** argv, Config* config, StageArgs* stage) {
  po::options_description all;
  if (stage->name == "sign") {
    all.add_options()("part", po::value<std::string>(&stage->part), "");
  }
  if (stage->name == "sign" || stage->name == "decide") {
    all.add_options()("output,o", po::value<std::string>(&stage->output), "");
  }
  if (stage->name == "apply") {
    all.add_options()("decisions", po::value<std::string>(&stage->decisions), "");
  }
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
                  .extra_style_parser(PositionalRun)
                  .run(),
              vm);
    po::notify(vm);
  } catch (const po::unknown_option& e) {
    throw UsageError(e.get_option_name(), "unknown option (winnow --help lists them)");
  } catch (const po::invalid_command_line_syntax& e) {
    using Syntax = po::invalid_command_line_syntax;
    if (e.kind() == Syntax::missing_parameter) throw UsageError(e.get_option_name(), "needs a value");
    if (e.kind() == Syntax::extra_parameter) throw UsageError(e.get_option_name(), "takes no value");
    if (e.kind() == Syntax::empty_adjacent_parameter) {
      throw UsageError(e.get_option_name(), "needs a value after '='");
    }
    throw UsageError(e.get_option_name(), e.what());
  } catch (const po::multiple_occurrences& e) {
    throw UsageError(e.get_option_name(), "given more than once");
  } catch (const po::error& e) {
    throw UsageError("", e.what());
  }
  // In table order.
  std::vector<const OptionSpec*> given;
  for (const OptionSpec& spec : AllOptions()) {
    // Boost keys an option by its long name, or "-z" when it has none.
    const std::string key = spec.name.size() == 1 ? "-" + std::string(spec.name) : std::string(spec.name);
    if (vm.count(key) == 0) continue;
    given.push_back(&spec);
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
  // -z is --format nul: with another --format, one of the two would be
  // ignored.
  if (vm.count("-z") != 0 && vm.count("format") != 0) {
    Format named = Format::kNul;
    const std::string& value = vm["format"].as<std::string>();
    if (ParseFormat(value, &named) && named != Format::kNul) {
      throw UsageError("-z", "means --format nul; it conflicts with --format " + value);
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
  CheckModes(*config, given);
  FinishOptions(config);
  if (!stage->name.empty()) CheckStage(*config, *stage);
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

void AppendCounts(const char* name, const std::map<std::string, std::uint64_t, std::less<>>& counts,
                  std::ostream& os) {
  os << ",\"" << name << "\":{";
  bool first = true;
  for (const auto& [reason, count] : counts) {
    os << (first ? "" : ",") << '"' << reason << "\":" << count;
    first = false;
  }
  os << '}';
}

// How a run ended, for --stats-json: "complete" is false when it stopped
// early (a malformed record, a failed write, a signal); "input_errors"
// counts the inputs that could not be read to their end.
struct RunEnd {
  bool complete = true;
  std::uint64_t input_errors = 0;
};

void AppendRunEnd(const RunEnd& end, std::ostream& os) {
  os << ",\"input_errors\":" << end.input_errors << ",\"complete\":" << (end.complete ? "true" : "false");
}

// What the rule automata could not do within --regex-max-mem, for
// --stats-json: the patterns matched one by one because they did not fit
// one automaton together, and per pattern the lines its automaton ran out
// of memory on (matched by RE2's other engines instead).
void AppendRuleErrors(const RuleSet& rules, std::ostream& os) {
  const std::vector<std::uint64_t> errors = rules.automaton_errors();
  os << ",\"rule_automata\":{\"max_mem\":" << rules.max_mem() << ",\"matched_one_by_one\":\""
     << rules.split_automata() << "\",\"combined_out_of_memory\":" << rules.combined_automaton_errors()
     << ",\"out_of_memory\":[";
  bool first = true;
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (errors[i] == 0) continue;
    const Pattern& p = rules.patterns()[i];
    std::string where;
    AppendJsonString(p.source, &where);
    std::string name;
    AppendJsonString(rules.names()[p.rule], &name);
    os << (first ? "" : ",") << "{\"rule\":" << name << ",\"where\":" << where << ",\"lines\":" << errors[i] << '}';
    first = false;
  }
  os << "]}";
}

// Says once, at the end of a run, which patterns' automata ran out of
// memory (`winnow: rules FILE:LINE: NAME: ...`).
void ReportRuleErrors(const RuleSet& rules) {
  const std::vector<std::uint64_t> errors = rules.automaton_errors();
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (errors[i] == 0) continue;
    const Pattern& p = rules.patterns()[i];
    std::cerr << "winnow: rules " << p.source << ": " << rules.names()[p.rule]
              << ": the pattern's automaton ran out of memory (--regex-max-mem " << rules.max_mem()
              << ") on " << errors[i] << " line" << (errors[i] == 1 ? "" : "s")
              << "; they were matched without it, more slowly\n";
  }
  if (const std::uint64_t combined = rules.combined_automaton_errors(); combined > 0) {
    std::cerr << "winnow: rules: the combined automaton ran out of memory (--regex-max-mem "
              << rules.max_mem() << ") on " << combined << " line" << (combined == 1 ? "" : "s")
              << "; they were matched pattern by pattern, more slowly\n";
  }
}

// --stats-json: "stage_seconds", where the time went (stage_times.hpp),
// summed over threads.
void AppendStageTicks(const StageTimes& stages, std::ostringstream& os) {
  os << ",\"stage_seconds\":{";
  char number[32];
  for (std::size_t i = 0; i < kStageCount; ++i) {
    std::snprintf(number, sizeof number, "%.4f", StageSeconds(stages.ticks[i]));
    os << (i ? "," : "") << '"' << StageName(static_cast<Stage>(i)) << "\":" << number;
  }
  os << '}';
}

std::string StreamStatsJson(const StreamStats& s, const DocumentIndex& index, const RuleSet& rules,
                            const RunEnd& end) {
  std::ostringstream os;
  os << "{\"records\":" << s.records << ",\"documents_in\":" << s.documents_in
     << ",\"documents_out\":" << s.documents_out << ",\"passed_through\":" << s.passed_through
     << ",\"too_large\":" << s.too_large
     << ",\"malformed\":" << s.malformed << ",\"bytes_in\":" << s.bytes_in
     << ",\"bytes_out\":" << s.bytes_out;
  AppendCounts("dropped_documents", s.dropped_documents, os);
  os << ",\"lines_in\":" << s.lines.lines_in << ",\"lines_out\":" << s.lines.lines_out;
  AppendCounts("dropped_lines", s.lines.dropped_lines, os);
  os << ",\"index\":{\"documents\":" << index.documents() << ",\"indexed\":" << index.indexed()
     << ",\"not_indexed\":" << index.not_indexed() << ",\"bytes\":" << index.memory_bytes() << '}';
  AppendRuleErrors(rules, os);
  StageTimes stages = s.stages;
  stages.Add(s.lines.stages);
  AppendStageTicks(stages, os);
  AppendRunEnd(end, os);
  os << "}\n";
  return os.str();
}

// Text mode's --stats-json: the line counts of every document.
std::string TextStatsJson(const StreamStats& st, const RuleSet& rules, const RunEnd& end) {
  const FilterStats& s = st.lines;
  std::ostringstream os;
  os << "{\"documents\":" << s.documents << ",\"too_large\":" << st.too_large << ",\"bytes_in\":" << st.bytes_in
     << ",\"bytes_out\":" << st.bytes_out << ",\"lines_in\":" << s.lines_in << ",\"lines_out\":" << s.lines_out
     << ",\"paragraphs_in\":" << s.paragraphs_in << ",\"paragraphs_out\":" << s.paragraphs_out
     << ",\"unanalysed_paragraphs\":" << s.unanalysed_paragraphs;
  AppendCounts("dropped_lines", s.dropped_lines, os);
  AppendRuleErrors(rules, os);
  StageTimes stages = st.stages;
  stages.Add(s.stages);
  AppendStageTicks(stages, os);
  AppendRunEnd(end, os);
  os << "}\n";
  return os.str();
}

// --- output files -------------------------------------------------------------

// What a path names: its device and inode when it is a regular file, else
// the real path of its directory plus its name. Two paths with equal keys
// are one file. Devices and FIFOs (/dev/null, /dev/stderr) equal nothing:
// two outputs may well share them.
struct FileKey {
  bool exists = false;
  bool special = false;
  dev_t dev = 0;
  ino_t ino = 0;
  std::string path;
  bool operator==(const FileKey& o) const {
    if (special || o.special) return false;
    return exists == o.exists && (exists ? dev == o.dev && ino == o.ino : path == o.path);
  }
};

FileKey KeyOfPath(const std::string& path) {
  FileKey key;
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    key.special = !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
    key.exists = true;
    key.dev = st.st_dev;
    key.ino = st.st_ino;
    return key;
  }
  const std::size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  char* real = ::realpath(dir.c_str(), nullptr);
  key.path = (real != nullptr ? std::string(real) : dir) + "/" + base;
  std::free(real);
  return key;
}

// A regular file open on `fd` (standard input or output redirected to a file).
bool KeyOfFd(int fd, FileKey* key) {
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return false;
  key->exists = true;
  key->dev = st.st_dev;
  key->ino = st.st_ino;
  return true;
}

// Refuses, as a usage error and before anything is read or written, a run
// whose output files would destroy each other or an input: two of --index
// (with the FILE.names and FILE.lock beside it), --rejects, --explain-to,
// --stats-json, sign's -o FACTS and standard output on one file (a file
// written through FILE.tmp counts with that name too), an output file that
// is an input FILE, a rules or line model file, apply's --decisions file or
// standard input, and standard output that is one of the inputs (`winnow f
// >> f` would read its own output).
void CheckOutputPaths(const Config& config, const StageArgs& stage) {
  struct Output {
    std::string label;  // "--rejects", or "standard output"
    std::string path;   // empty for standard output
    FileKey key, temp;
  };
  std::vector<Output> outputs;
  const std::pair<const char*, const std::string*> named[] = {{"--index", &config.index_file},
                                                              {"--rejects", &config.rejects_file},
                                                              {"--explain-to", &config.explain_file},
                                                              {"--stats-json", &config.stats_json}};
  for (const auto& [option, path] : named) {
    if (path->empty()) continue;
    outputs.push_back({option, *path, KeyOfPath(*path), KeyOfPath(*path + ".tmp")});
  }
  if (!config.index_file.empty()) {
    // Written in place beside the index: the names appended, the lock held.
    const std::pair<const char*, std::string> sides[] = {{"--index's names file", NamesFileFor(config.index_file)},
                                                         {"--index's lock file", config.index_file + ".lock"}};
    for (const auto& [label, side] : sides) {
      const FileKey key = KeyOfPath(side);
      outputs.push_back({label, side, key, key});
    }
  }
  if (stage.name == "sign") {
    outputs.push_back({"-o", stage.output, KeyOfPath(stage.output), KeyOfPath(stage.output + ".tmp")});
  }
  FileKey out_key;
  // sign writes nothing on standard output.
  const bool stdout_is_file = stage.name != "sign" && KeyOfFd(STDOUT_FILENO, &out_key);
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const Output& a = outputs[i];
    for (std::size_t j = i + 1; j < outputs.size(); ++j) {
      const Output& b = outputs[j];
      if (a.key == b.key || a.temp == b.key || a.key == b.temp) {
        throw UsageError(b.path, a.label + " and " + b.label + " name the same file");
      }
    }
    if (stdout_is_file && (a.key == out_key || a.temp == out_key)) {
      throw UsageError(a.path, a.label + " is also standard output");
    }
  }
  // Inputs: FILE operands, standard input, rules files.
  std::vector<std::pair<std::string, FileKey>> inputs;
  for (const std::string& file : config.files) {
    FileKey key;
    if (file == "-") {
      if (KeyOfFd(STDIN_FILENO, &key)) inputs.emplace_back("standard input", key);
    } else {
      key = KeyOfPath(file);
      if (key.exists) inputs.emplace_back(file, key);
    }
  }
  std::vector<std::string> read = config.rules_files;
  if (!config.line_model_file.empty()) read.push_back(config.line_model_file);
  if (!stage.decisions.empty()) read.push_back(stage.decisions);
  for (const std::string& file : read) {
    const FileKey key = KeyOfPath(file);
    if (key.exists) inputs.emplace_back(file, key);
  }
  for (const auto& [name, key] : inputs) {
    for (const Output& o : outputs) {
      // The index is read and written: it is no input to protect.
      if (o.key == key || o.temp == key) {
        throw UsageError(o.path, o.label + " would overwrite an input file");
      }
    }
    if (stdout_is_file && out_key == key) {
      throw UsageError(name, "input file is also standard output");
    }
  }
}

// The files a run writes: standard output, and the others under FILE.tmp,
// opened (or, for --index, tried) before the first record is read, so that
// a bad path costs nothing. They are completed at the end, also when the
// run stops early, and renamed into place.
struct Outputs {
  std::unique_ptr<OutputStream> out;
  std::unique_ptr<AtomicFile> rejects, explain, stats_json;
  std::string done;  // "--rejects FILE, --stats-json FILE", for the closing message
};

Outputs OpenOutputs(const Config& config) {
  Outputs o;
  // Standard output closed at start holds /dev/null read-only (see Main).
  const int flags = ::fcntl(STDOUT_FILENO, F_GETFL);
  if (flags < 0 || (flags & O_ACCMODE) == O_RDONLY) {
    throw Error("standard output", "not open for writing (closed?)");
  }
  o.out = std::make_unique<OutputStream>(STDOUT_FILENO, "standard output", config.compression);
  auto add = [&](const char* option, const std::string& path) {
    o.done += (o.done.empty() ? "" : ", ") + std::string(option) + " " + path;
  };
  if (!config.index_file.empty()) {
    CheckStatePath(config.index_file);  // before FILE.lock is made beside it
    AtomicFile probe(config.index_file);  // removed again: saved at the end
    add("--index", config.index_file);
  }
  if (!config.rejects_file.empty()) {
    o.rejects = std::make_unique<AtomicFile>(config.rejects_file);
    add("--rejects", config.rejects_file);
  }
  if (!config.explain_file.empty()) {
    o.explain = std::make_unique<AtomicFile>(config.explain_file);
    add("--explain-to", config.explain_file);
  }
  if (!config.stats_json.empty()) {
    o.stats_json = std::make_unique<AtomicFile>(config.stats_json);
    add("--stats-json", config.stats_json);
  }
  return o;
}

// After a run that stopped early: which files hold its work up to there.
void SayWhatWasKept(const Outputs& o) {
  if (!o.done.empty()) std::cerr << "winnow: written for the records before it: " << o.done << '\n';
}

int Interrupted() {
  std::cerr << "winnow: interrupted by " << (g_signal == SIGINT ? "SIGINT" : "SIGTERM")
            << "; the output holds whole records only\n";
  return 128 + g_signal;
}

// --- progress -----------------------------------------------------------------

// The --progress line: bytes, documents and MB/s; with the input's size
// known (regular files only), the share done and the time left. At most
// four updates a second.
class Progress {
 public:
  Progress(const Config& config) : shown_(config.force_progress || (config.progress && ::isatty(STDERR_FILENO))) {
    if (!shown_) return;
    for (const std::string& file : config.files) {
      struct stat st;
      const int r = file == "-" ? ::fstat(STDIN_FILENO, &st) : ::stat(file.c_str(), &st);
      if (r != 0 || !S_ISREG(st.st_mode)) {
        total_ = 0;
        break;
      }
      total_ += static_cast<std::uint64_t>(st.st_size);
    }
  }
  bool shown() const { return shown_; }

  // `raw` bytes of the inputs read (compressed bytes for compressed ones).
  void Update(std::uint64_t raw, std::uint64_t documents, bool last = false) {
    if (!shown_) return;
    const auto now = std::chrono::steady_clock::now();
    if (!last && now - shown_at_ < std::chrono::milliseconds(250)) return;
    shown_at_ = now;
    const double seconds = std::chrono::duration<double>(now - started_).count();
    const double rate = seconds > 0 ? raw / 1e6 / seconds : 0.0;
    char line[200];
    int n = std::snprintf(line, sizeof line, "\rwinnow: %.1f MB", raw / 1e6);
    if (total_ > 0) {
      const double share = std::min(1.0, static_cast<double>(raw) / static_cast<double>(total_));
      n += std::snprintf(line + n, sizeof line - n, " of %.1f MB (%.0f%%)", total_ / 1e6, 100 * share);
    }
    n += std::snprintf(line + n, sizeof line - n, ", %llu document%s, %.1f MB/s",
                       static_cast<unsigned long long>(documents), documents == 1 ? "" : "s", rate);
    if (total_ > 0 && rate > 0 && raw < total_) {
      const auto left = static_cast<long long>((total_ - raw) / 1e6 / rate + 0.5);
      n += std::snprintf(line + n, sizeof line - n, ", %lld:%02lld:%02lld left", left / 3600, left / 60 % 60,
                         left % 60);
    }
    std::snprintf(line + n, sizeof line - n, "   ");
    std::cerr << line << std::flush;
    drawn_ = true;
  }
  // Ends the line, so that messages after it start on their own.
  void End() {
    if (drawn_) std::cerr << '\n';
    drawn_ = false;
  }

 private:
  bool shown_;
  bool drawn_ = false;
  std::uint64_t total_ = 0;  // 0: unknown
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now(), shown_at_{};
};

// --- a run ------------------------------------------------------------------------

// An ordinary run over the inputs, in any format, or (`decisions` given)
// `winnow apply` on one shard: options in, the pipeline (stream.hpp) runs,
// messages and statistics out.
int RunStream(const Config& config, const RuleSet& rules, Outputs& outputs,
              DecisionSource* decisions = nullptr) {
  const bool text = config.stream.format == Format::kText;
  StreamProcessor processor(&rules, config.filter, config.stream);
  // Held from the load to the save: a second run on FILE fails (or waits).
  std::unique_ptr<StateLock> lock;
  if (!config.index_file.empty()) lock = std::make_unique<StateLock>(config.index_file, config.index_wait);
  if (!config.index_file.empty() && ::access(config.index_file.c_str(), F_OK) == 0) {
    processor.LoadState(config.index_file);
  }
  Progress progress(config);
  int status = kExitOk;
  RunEnd end;
  StreamSinks sinks;
  sinks.output = [&](std::string_view data) { outputs.out->Write(data); };
  // Common Crawl's layout: one gzip member per WARC record.
  sinks.output_each_record = config.compression == Compression::kGzip && config.stream.format == Format::kWet;
  sinks.record_boundary = [] { StopIfInterrupted(); };
  if (outputs.rejects) sinks.rejects = [&](std::string_view data) { outputs.rejects->Write(data); };
  if (config.explain) {
    sinks.explain = [&](std::string_view data) {
      if (outputs.explain) {
        outputs.explain->Write(data);
      } else {
        WriteAll(STDERR_FILENO, "standard error", data);
      }
    };
  }
  sinks.warning = [&](const std::string& message) {
    progress.End();
    std::cerr << "winnow: " << message << '\n';
  };
  // An input that cannot be read to its end: its whole records are out;
  // the next input is read.
  sinks.input_error = [&](const InputError& e) {
    StopIfInterrupted();
    progress.End();
    std::cerr << "winnow: " << e.what() << '\n';
    status = kExitRuntimeError;
    ++end.input_errors;
  };
  if (progress.shown()) {
    sinks.progress = [&](const StreamStats& s) { progress.Update(s.raw_bytes_in, s.records); };
  }

  std::string stop;  // why the run stopped early, if it did
  bool say_kept = false;
  try {
    if (decisions != nullptr) {
      processor.Apply(config.files, *decisions, sinks);
    } else {
      processor.Run(config.files, sinks);
    }
  } catch (const StageError&) {
    throw;  // the shard is not the one the decisions are for
  } catch (const Error& e) {
    stop = g_signal != 0 ? "interrupted" : e.what();
    // A malformed record (no `where`): the files hold the work before it.
    say_kept = e.where().empty();
  }
  const StreamStats& stats = processor.stats();
  progress.Update(stats.raw_bytes_in, stats.records, /*last=*/true);
  progress.End();
  if (decisions != nullptr && stop.empty() && end.input_errors == 0) decisions->ExpectEnd();
  end.complete = stop.empty();
  // Every output file is completed, after a stop too: each holds the work
  // on the records written before it.
  if (outputs.rejects) outputs.rejects->Commit();
  if (outputs.explain) outputs.explain->Commit();
  if (!config.index_file.empty()) processor.SaveState(config.index_file);
  if (outputs.stats_json) {
    outputs.stats_json->Write(text ? TextStatsJson(stats, rules, end)
                                   : StreamStatsJson(stats, processor.index(), rules, end));
    outputs.stats_json->Commit();
  }
  ReportRuleErrors(rules);
  if (config.stats) {
    std::ostringstream counts;
    if (text) {
      PrintStats(stats.lines, counts);
      counts << "winnow: stats: documents passed through unanalysed (too large) " << stats.too_large << '\n';
    } else {
      PrintStreamStats(stats, counts);
    }
    WriteStats(counts);
  }
  // Records passed through, none cleaned: most likely a misnamed
  // --text-field, or a WARC file of responses given as WET. Said once, so
  // that a run that changed nothing does not pass for a clean one.
  if (stop.empty() && end.input_errors == 0 && decisions == nullptr && stats.documents_in == 0 &&
      stats.too_large == 0 && stats.passed_through > 0) {
    const std::string all = stats.passed_through == 1
                                ? "its one record passed through unchanged"
                                : "all " + std::to_string(stats.passed_through) + " records passed through unchanged";
    if (config.stream.format == Format::kJsonl) {
      std::cerr << "winnow: --text-field: no record has a string field '" << config.stream.fields.text
                << "'; " << all << '\n';
    } else if (config.stream.format == Format::kWet) {
      std::cerr << "winnow: --format wet: no record is a WET 'conversion' record; " << all << '\n';
    }
  }
  if (g_signal != 0) {  // also when it came during the last write or the index save
    const int code = Interrupted();
    SayWhatWasKept(outputs);
    return code;
  }
  if (!stop.empty()) {
    std::cerr << "winnow: " << stop << '\n';
    if (say_kept) SayWhatWasKept(outputs);
    return kExitRuntimeError;
  }
  return status;
}

// --- stages of a cluster run (stages.hpp) ------------------------------------------

// "I/N" (1 <= I <= N) as a 0-based part and a count.
void ParsePart(const std::string& text, std::uint32_t* part, std::uint32_t* parts) {
  unsigned long i = 0, n = 0;
  char slash = 0, extra = 0;
  if (std::sscanf(text.c_str(), "%lu%c%lu%c", &i, &slash, &n, &extra) != 3 || slash != '/' || i < 1 ||
      i > n || n > 100'000'000) {
    throw UsageError("--part", "expected I/N with 1 <= I <= N, not '" + text + "'");
  }
  *part = static_cast<std::uint32_t>(i - 1);
  *parts = static_cast<std::uint32_t>(n);
}

// `winnow sign --part I/N -o FACTS SHARD...`: the shard's facts, written
// to FACTS only when every input was read whole.
int RunSign(const Config& config, const RuleSet& rules, const StageArgs& stage) {
  StageHeader header;
  header.kind = "facts";
  header.parameters = ResultParameters(config);
  ParsePart(stage.part, &header.part, &header.parts);
  StreamProcessor processor(&rules, config.filter, config.stream);
  StageWriter facts(stage.output, header, config.stream.doc);
  Progress progress(config);
  StreamSinks sinks;
  sinks.warning = [&](const std::string& message) {
    progress.End();
    std::cerr << "winnow: " << message << '\n';
  };
  if (progress.shown()) {
    sinks.progress = [&](const StreamStats& s) { progress.Update(s.raw_bytes_in, s.records); };
  }
  // An input that cannot be read whole fails the stage (no sinks.input_error).
  processor.Sign(config.files, facts, sinks);
  StopIfInterrupted();
  facts.Commit();
  progress.End();
  if (config.stats) {
    const StreamStats& s = processor.stats();
    std::ostringstream counts;
    counts << "winnow: stats: part " << header.part + 1 << " of " << header.parts << ": records " << s.records
           << ", documents " << s.documents_in << ", bytes in " << s.bytes_in << ", facts bytes " << facts.bytes()
           << '\n';
    WriteStats(counts);
  }
  return kExitOk;
}

// `winnow decide [--index STATE] -o DIR FACTS...`: DecideParts
// (decide_stage.hpp) over the facts files into DIR; with --index, the run
// continues STATE (an earlier run's documents are the earliest) and saves
// it at the end.
int RunDecide(const Config& config, const StageArgs& stage) {
  DecideStageArgs args;
  for (const std::string& file : config.files) {
    if (file == "-") throw UsageError("winnow decide", "reads facts files, not standard input");
  }
  args.facts = config.files;
  args.dir = stage.output;
  args.parameters = ResultParameters(config);
  args.state = config.index_file;
  args.state_wait = config.index_wait;
  args.warning = [](const std::string& message) { std::cerr << "winnow: " << message << '\n'; };
  args.after_part = [] { StopIfInterrupted(); };
  const DecideStageStats s = DecideParts(args, config.stream);
  if (config.stats) {
    std::ostringstream counts;
    counts << "winnow: stats: parts " << s.parts << ", records " << s.records << ", documents " << s.documents
           << ", dropped " << s.dropped << ", facts bytes " << s.facts_bytes << ", decisions bytes "
           << s.decision_bytes << ", index bytes " << s.index_bytes << '\n';
    WriteStats(counts);
  }
  return kExitOk;
}

int Run(int argc, char** argv) {
  Config config;
  StageArgs stage;
  if (argc > 1 && (std::strcmp(argv[1], "sign") == 0 || std::strcmp(argv[1], "decide") == 0 ||
                   std::strcmp(argv[1], "apply") == 0)) {
    stage.name = argv[1];
    // The stage's name takes argv[0]'s place: its options follow.
    --argc;
    ++argv;
  }
  if (!ParseOptions(argc, argv, &config, &stage)) return kExitOk;
  if (stage.name == "decide") return RunDecide(config, stage);
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
    out += std::string(kRuleComments) + (config.filter.lines.comments ? "" : " (disabled)") + "\n";
    WriteAll(STDOUT_FILENO, "standard output", out);
    return kExitOk;
  }
  if (const std::string split = rules.split_automata(); !split.empty()) {
    std::cerr << "winnow: rules: " << split << " do not fit one automaton of " << rules.max_mem()
              << " bytes (--regex-max-mem): each is matched on its own, more slowly\n";
  }
  CheckOutputPaths(config, stage);
  if (stage.name == "sign") return RunSign(config, rules, stage);
  if (stage.name == "apply") {
    // Read whole and checked before any output is opened.
    DecisionSource decisions(stage.decisions, ResultParameters(config), config.stream.doc);
    Outputs outputs = OpenOutputs(config);
    return RunStream(config, rules, outputs, &decisions);
  }
  Outputs outputs = OpenOutputs(config);
  return RunStream(config, rules, outputs);
}

// A descriptor among 0, 1 and 2 that is closed at start would be taken by
// the next file winnow opens (an output file would then receive the kept
// records). Each gets /dev/null, opened so that using it fails: standard
// input write-only, standard output and error read-only. A run with
// standard output closed then fails before reading input.
void OccupyClosedStandardDescriptors() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) >= 0 || errno != EBADF) continue;
    const int got = ::open("/dev/null", fd == STDIN_FILENO ? O_WRONLY : O_RDONLY);
    if (got >= 0 && got != fd) {
      ::dup2(got, fd);
      ::close(got);
    }
  }
}

}  // namespace

int Main(int argc, char** argv) {
  OccupyClosedStandardDescriptors();
  // `winnow ... | head` must end quietly: die of SIGPIPE like cat does.
  std::signal(SIGPIPE, SIG_DFL);
  // A file size limit (ulimit -f) is a failed write (EFBIG), reported and
  // cut back to whole records, not a silent death by SIGXFSZ.
  std::signal(SIGXFSZ, SIG_IGN);
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
  } catch (const StageError& e) {
    std::cerr << "winnow: " << e.what() << '\n';
    return kExitStageRefused;
  } catch (const UsageError& e) {
    std::cerr << "winnow: " << e.what() << '\n';
    if (e.where().empty()) std::cerr << "Try 'winnow --help' for more information.\n";
    return kExitUsageError;
  } catch (const Error& e) {
    if (g_signal != 0) return Interrupted();
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
