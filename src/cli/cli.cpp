#include "cli/cli.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "winnow/document.hpp"
#include "winnow/error.hpp"
#include "winnow/filter.hpp"
#include "winnow/reader.hpp"
#include "winnow/rules.hpp"
#include "winnow/writer.hpp"

namespace po = boost::program_options;

namespace winnow::cli {
namespace {

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

// The start of a line for --explain: at most 60 bytes, cut on a UTF-8
// boundary, control bytes shown as '?', so each decision stays one line.
std::string Excerpt(std::string_view text) {
  constexpr std::size_t kMax = 60;
  std::size_t end = text.size();
  if (end > kMax) {
    end = kMax;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  }
  std::string out(text.substr(0, end));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = '?';
  }
  if (end < text.size()) out += "...";
  return out;
}

void Explain(const std::string& name, const Document& doc,
             const FilterResult& result, std::string* out) {
  for (const Drop& d : result.drops) {
    std::ostringstream line;
    line << name << ':' << d.line << ": ";
    if (d.of_line == 0) {
      line << "rule " << d.reason;
    } else {
      line.precision(2);
      line << std::fixed << d.reason
           << (d.reason == kReasonNearDuplicate ? " of line " : " line ")
           << d.of_line
           << (d.reason == kReasonNearDuplicate ? " (jaccard " : " (containment ")
           << d.similarity << ')';
    }
    if (d.lines > 1) line << " [" << d.lines << " lines]";
    line << ": " << Excerpt(doc.lines[d.line - 1].text) << '\n';
    out->append(line.str());
  }
}

void PrintStats(const FilterStats& s, std::ostream& os) {
  os << "winnow: stats: documents " << s.documents << ", lines in " << s.lines_in
     << ", lines out " << s.lines_out << ", paragraphs in " << s.paragraphs_in
     << ", paragraphs out " << s.paragraphs_out << '\n';
  for (const auto& [reason, count] : s.dropped_lines) {
    os << "winnow: stats: dropped " << count << " line" << (count == 1 ? "" : "s")
       << " by " << reason << '\n';
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
      ("max-growth", po::value<double>(&dedup.max_growth)->default_value(dedup.max_growth, "3")->value_name("X"),
       "containment applies only if the longer paragraph is at most this many times longer");
  po::options_description hidden;
  hidden.add_options()("file", po::value<std::vector<std::string>>(&config->files));
  po::options_description all;
  all.add(general).add(rules).add(dd).add(hidden);
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
    os << kUsage << "\n\n" << kAbout << '\n' << general << '\n' << rules << '\n' << dd;
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

  Filter filter(&rules, config.filter);
  int explain_fd = STDERR_FILENO;
  std::string explain_name = "standard error";
  if (config.explain && !config.explain_file.empty()) {
    struct stat target;
    if (::stat(config.explain_file.c_str(), &target) == 0) {
      for (const std::string& file : config.files) {
        struct stat in;
        if (file != "-" && ::stat(file.c_str(), &in) == 0 &&
            in.st_dev == target.st_dev && in.st_ino == target.st_ino) {
          throw UsageError(config.explain_file, "--explain-to would overwrite an input file");
        }
      }
    }
    explain_fd = ::open(config.explain_file.c_str(),
                        O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (explain_fd < 0) throw Error(config.explain_file, std::strerror(errno));
    explain_name = config.explain_file;
  }

  int status = kExitOk;
  bool unterminated = false;  // the output so far ends without a newline
  std::string input, output, explanation;
  Document doc;
  FilterResult result;
  for (const std::string& file : config.files) {
    input.clear();
    const bool is_stdin = file == "-";
    try {
      if (is_stdin) {
        ReadAll(STDIN_FILENO, "standard input", &input);
      } else {
        input = ReadFile(file);
      }
    } catch (const Error& e) {
      std::cerr << "winnow: " << e.what() << '\n';
      status = kExitRuntimeError;
      continue;
    }
    SplitDocument(input, &doc);
    filter.Run(doc, &result);
    output.clear();
    // Documents are written one after another; one whose last kept line
    // has no newline gets one before the next document's text, so that two
    // documents never share a line.
    if (unterminated) output.push_back('\n');
    AppendKept(doc, result.keep, &output);
    if (output.size() > (unterminated ? 1u : 0u)) {
      unterminated = output.back() != '\n';
      WriteAll(STDOUT_FILENO, "standard output", output);
    }
    if (config.explain) {
      explanation.clear();
      Explain(is_stdin ? "-" : file, doc, result, &explanation);
      WriteAll(explain_fd, explain_name, explanation);
    }
  }
  if (explain_fd != STDERR_FILENO && ::close(explain_fd) != 0) {
    throw Error(explain_name, std::strerror(errno));
  }
  if (config.stats) PrintStats(filter.stats(), std::cerr);
  return status;
}

}  // namespace

int Main(int argc, char** argv) {
  // `winnow ... | head` must end quietly: die of SIGPIPE like cat does.
  std::signal(SIGPIPE, SIG_DFL);
  try {
    return Run(argc, argv);
  } catch (const UsageError& e) {
    std::cerr << "winnow: " << e.what() << '\n';
    if (e.where().empty()) std::cerr << "Try 'winnow --help' for more information.\n";
    return kExitUsageError;
  } catch (const Error& e) {
    std::cerr << "winnow: " << e.what() << '\n';
    return kExitRuntimeError;
  } catch (const std::exception& e) {
    std::cerr << "winnow: " << e.what() << '\n';
    return kExitRuntimeError;
  }
}

}  // namespace winnow::cli
