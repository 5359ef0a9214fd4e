// winnow's options, in one table: name, value, help text, default, range.
//
// The command line, the Python module, `--help`, the man page and the
// README's option tables all come from this table, so they cannot disagree
// about a name, a default or what counts as a valid value. A front end
// fills an Options with SetOption() (every value as the text a user typed,
// checked and converted here), then calls FinishOptions() once, which
// checks the options against each other and fills in derived values.
//
// Errors are OptionError (a winnow::Error whose where() is the option as a
// user writes it, "--shingle", and whose message says what is allowed):
// usage errors, exit status 2 on the command line, ValueError in Python.
#ifndef WINNOW_OPTIONS_HPP_
#define WINNOW_OPTIONS_HPP_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "winnow/error.hpp"
#include "winnow/filter.hpp"
#include "winnow/reader.hpp"
#include "winnow/rules.hpp"
#include "winnow/stream.hpp"

namespace winnow {

// A bad option value, an unknown option, or options that do not go
// together (also a rules file that cannot be read or parsed, and an unknown
// rule name in --disable: everything a user fixes on the command line).
class OptionError : public Error {
 public:
  using Error::Error;
};

// Everything a run of winnow is asked to do. The defaults are winnow's.
struct Options {
  std::vector<std::string> files;  // operands; FinishOptions: none means "-"
  // General.
  bool help = false;
  bool version = false;
  bool explain = false;       // also set by --explain-to
  std::string explain_file;   // --explain-to
  bool stats = false;
  // Line rules.
  std::vector<std::string> rules_files;  // --rules, in order
  bool no_default_rules = false;
  std::vector<std::string> disabled;     // --disable, each NAME or NAME,NAME
  std::string line_model_file;           // --line-model
  bool print_rules = false;
  bool list_rules = false;
  std::int64_t regex_max_mem = kDefaultRegexMaxMem;  // --regex-max-mem
  // The core filter (line rules and paragraph deduplication); --no-rules
  // and --no-dedup clear filter.line_rules and filter.dedup.
  FilterConfig filter;
  std::size_t max_document_bytes = kDefaultMaxDocumentBytes;
  // Document streams. stream.format is Format::kText unless --format or -z
  // say otherwise; stream.threads 0 means every core until FinishOptions.
  StreamConfig stream = DefaultStreamConfig();
  std::string index_file;
  bool index_wait = false;  // --index-wait: wait for another run's lock on index_file
  std::string rejects_file;
  std::string stats_json;
  bool progress = false;
  bool force_progress = false;
  Compression compression = Compression::kNone;  // --compress: of standard output

  // The StreamConfig winnow starts from: text format, all cores.
  static StreamConfig DefaultStreamConfig();
};

enum class OptionKind {
  kFlag,     // no value: given means on
  kBool,     // true/false, yes/no, on/off, 1/0
  kInteger,  // a decimal integer, within the option's range
  kReal,     // a decimal number, within the option's range
  kText,     // any text (some options refuse the empty text)
  kList,     // repeatable text; each use adds one value
};

// Where an option means something. The Python module refuses command-line
// options (help, output files, progress); text mode refuses stream options.
enum class OptionScope {
  kAll,          // every front end, every format
  kStream,       // document streams only (JSONL, WET, NUL; winnow.Stream)
  kCommandLine,  // the command line only
};

struct OptionSpec {
  std::string_view name;        // long name, without dashes: "min-words"
  char short_name;              // 'j' for -j, or 0
  std::string_view group;       // the --help section it is listed in
  OptionKind kind;
  OptionScope scope;
  std::string_view value_name;  // "N", "X", "FILE"; empty for flags
  std::string_view help;        // one line, lower case, no full stop
  // Converts and checks `value` (ignored for flags) and stores it in
  // `*options`. Throws OptionError naming the option.
  void (*set)(Options* options, std::string_view value);
  // The option's value in `options` as text ("" for flags, lists and unset
  // files): with default-constructed Options, the default shown in help.
  std::string (*get)(const Options& options);
};

// The help sections, in --help order.
std::span<const std::string_view> OptionGroups();

// Every option, in --help order (grouped as OptionGroups()).
std::span<const OptionSpec> AllOptions();

// The option called `name` (long name without dashes, or a one-letter
// short name); nullptr if there is none.
const OptionSpec* FindOption(std::string_view name);

// "--name" (or "-z" for an option that only has a short name).
std::string OptionFlag(const OptionSpec& spec);

// Sets option `name` (as FindOption) from `value`. Throws OptionError for
// an unknown option or a bad value.
void SetOption(Options* options, std::string_view name, std::string_view value);

// Checks what can only be checked once every option is set (options that
// do not go together) and fills in derived values: operands ("-" when
// none), --explain from --explain-to, stream settings from the filter's,
// threads 0 as the number of cores. Throws OptionError. Call it once.
void FinishOptions(Options* options);

// Builds the rule set `options` asks for: the built-in rules unless
// --no-default-rules, each --rules file in order, every --disable name
// (the built-in line rules' names switch off options->filter.lines'
// rules), then frozen. Throws OptionError for an unreadable or malformed
// rules file or an unknown rule name.
void LoadRules(Options* options, RuleSet* rules);

// The options of `options` that change a decision or an output byte, as
// text: one "name=value" line per option in table order (flags as 1 or 0,
// rules and line-model files by the XXH3-64 of their contents, since the
// same rules may sit at another path on another machine), first the
// version of winnow and the XXH3-64 of its built-in rules, stopwords and
// line model (BuiltInDataHashes: a retrained model keeps the version). Options that change only speed, reporting or where
// output goes (threads, --regex-max-mem, --stats, --explain, --index,
// --rejects, --annotate, --progress, --compress...) are left out. Stage
// files carry it (stages.hpp), so that a stage refuses the files of
// another configuration. Call after FinishOptions(); throws OptionError
// when a rules or model file cannot be read.
std::string ResultParameters(const Options& options);
std::string BuiltInDataHashes();

}  // namespace winnow

#endif  // WINNOW_OPTIONS_HPP_
