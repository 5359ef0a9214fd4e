#include "cli/usage.hpp"

#include <string_view>

#include "winnow/options.hpp"

namespace winnow::cli {
namespace {

constexpr std::string_view kUsage =
    "Usage: winnow [OPTIONS] [FILE...]\n"
    "       winnow sign --part I/N -o FACTS [OPTIONS] SHARD...\n"
    "       winnow decide -o DIR [--index STATE] [OPTIONS] FACTS...\n"
    "       winnow apply --decisions FILE [OPTIONS] SHARD...";
constexpr std::string_view kAbout =
    "Removes boilerplate and caption lines, then near-duplicate paragraphs,\n"
    "from text. Each FILE is one document; with no FILE, or when FILE is -,\n"
    "reads standard input. Writes the kept lines, byte for byte, to standard\n"
    "output.\n"
    "\n"
    "The stages of a cluster run give the output of one run over the shards\n"
    "in order: sign writes each shard's facts, decide makes the decisions\n"
    "that depend on earlier documents over every part in order (one\n"
    "decisions file per part in DIR; a FACTS folder gives its .facts files),\n"
    "apply writes each shard's output. Every\n"
    "stage takes the same OPTIONS; apply also takes --rejects, --annotate,\n"
    "--explain and --stats-json.\n"
    "\n"
    "Exit status: 0 ok, 1 runtime error (unreadable file, failed write),\n"
    "2 usage error (bad option, malformed rules file), 3 stage file refused\n"
    "(other options, damaged, a part missing, another shard).\n";

constexpr std::size_t kWidth = 80;
constexpr std::size_t kColumn = 30;  // where help text starts

// "-j, --threads N", "--min-words N", "-z".
std::string Synopsis(const OptionSpec& spec) {
  std::string s;
  if (spec.short_name != 0) s += std::string("-") + spec.short_name;
  if (spec.name.size() > 1) {
    if (!s.empty()) s += ", ";
    s += "--" + std::string(spec.name);
  }
  if (!spec.value_name.empty()) s += " " + std::string(spec.value_name);
  return s;
}

// The default as shown, or "" when there is none worth showing.
std::string DefaultText(const OptionSpec& spec) {
  if (spec.kind == OptionKind::kFlag || spec.kind == OptionKind::kList) return "";
  return spec.get(Options{});
}

// Appends `text` wrapped to kWidth, each line indented by `indent`; the
// first line continues at column `at`.
void Wrap(std::string_view text, std::size_t at, std::size_t indent, std::string* out) {
  std::size_t column = at;
  bool first = true;
  while (!text.empty()) {
    std::size_t space = text.find(' ');
    std::string_view word = text.substr(0, space);
    text = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
    if (!first && column + 1 + word.size() > kWidth) {
      *out += '\n';
      out->append(indent, ' ');
      column = indent;
    } else if (!first) {
      *out += ' ';
      ++column;
    }
    *out += word;
    column += word.size();
    first = false;
  }
  *out += '\n';
}

// Roff text: backslashes and dashes escaped, `code` in bold, a line never
// starting with a control character.
std::string Roff(std::string_view text) {
  std::string out;
  bool bold = false;
  for (char c : text) {
    switch (c) {
      case '\\': out += "\\e"; break;
      case '-': out += "\\-"; break;
      case '`':
        out += bold ? "\\fR" : "\\fB";
        bold = !bold;
        break;
      case '\'': out += "\\(aq"; break;
      case '"': out += "\\(dq"; break;
      default: out += c;
    }
    if (c == '\n') out += "\\&";
  }
  if (bold) out += "\\fR";
  return "\\&" + out;
}

}  // namespace

std::string HelpText() {
  std::string out;
  out += kUsage;
  out += "\n\n";
  out += kAbout;
  for (std::string_view group : OptionGroups()) {
    out += '\n';
    out += group;
    out += ":\n";
    for (const OptionSpec& spec : AllOptions()) {
      if (spec.group != group) continue;
      std::string left = "  " + Synopsis(spec);
      std::string help(spec.help);
      const std::string def = DefaultText(spec);
      if (!def.empty()) help += " (default: " + def + ")";
      out += left;
      std::size_t at = left.size();
      if (at + 2 > kColumn) {
        out += '\n';
        at = 0;
      }
      out.append(kColumn - at, ' ');
      Wrap(help, kColumn, kColumn, &out);
    }
  }
  return out;
}

std::string ManPage(const std::string& version, const std::string& date) {
  std::string out;
  out += ".\\\" winnow.1: generated from winnow's option table by winnow-doc; do not edit.\n";
  out += ".TH WINNOW 1 " + date + " \"winnow " + version + "\" \"User Commands\"\n";
  out += ".SH NAME\nwinnow \\- remove boilerplate lines and near\\-duplicate text from corpora\n";
  out += ".SH SYNOPSIS\n.B winnow\n.RI [ OPTIONS ]\n.RI [ FILE ...]\n";
  out += ".br\n.B winnow sign\n.BI \\-\\-part \" I/N\"\n.BI \\-o \" FACTS\"\n.RI [ OPTIONS ]\n.IR SHARD ...\n";
  out += ".br\n.B winnow decide\n.BI \\-o \" DIR\"\n.RB [ \\-\\-index\n.IR STATE ]\n.RI [ OPTIONS ]\n.IR FACTS ...\n";
  out += ".br\n.B winnow apply\n.BI \\-\\-decisions \" FILE\"\n.RI [ OPTIONS ]\n.IR SHARD ...\n";
  out += ".SH DESCRIPTION\n";
  out += ".B winnow\n";
  out += Roff(
      "removes boilerplate and caption lines (share buttons, cookie banners, menus, "
      "photo captions), then near-duplicate paragraphs (MinHash over word shingles, "
      "verified on the exact shingle sets), from text, and writes what is left to "
      "standard output byte for byte.");
  out += "\n.PP\n";
  out += Roff(
      "In text mode (the default) each FILE is one document; with no FILE, or when FILE "
      "is -, winnow reads standard input. With --format jsonl, wet or nul it reads a "
      "stream of documents (JSON Lines, WARC/WET records, NUL-separated chunks) and "
      "writes the same format back; streams also drop lines that recur across many "
      "documents and near-duplicate documents, and can keep that state across runs in an "
      "--index file.");
  out += "\n.PP\n";
  out += Roff(
      "Every decision can be explained: --explain names the rule, or the earlier "
      "paragraph and the similarity, behind each drop. The output is byte-identical for "
      "every thread count.");
  out += "\n.PP\n";
  out += Roff(
      "A run split over many machines: winnow sign cleans and signs each shard (in "
      "parallel) and writes its facts: each document's line keys, site and MinHash "
      "signature; winnow decide reads every part's facts (the files, or the folder "
      "holding them) in part order and makes the "
      "decisions that depend on earlier documents (repeated lines, empty and "
      "near-duplicate documents) exactly as one run does, writing one decisions file per "
      "part; winnow apply reads a shard again with its decisions and writes its output, "
      "rejects and annotations. Concatenated in part order, the outputs are those of one "
      "run over the concatenated shards, for any number of shards. Every stage file "
      "carries the options that shape the result and a checksum, and is written under a "
      "temporary name and renamed when whole; a stage refuses a file made with other "
      "options, damaged or truncated, a missing part, or a shard that is not the one "
      "signed.");
  out += "\n.SH OPTIONS\n";
  for (std::string_view group : OptionGroups()) {
    out += ".SS " + Roff(group) + "\n";
    for (const OptionSpec& spec : AllOptions()) {
      if (spec.group != group) continue;
      out += ".TP\n";
      std::string flags;
      if (spec.short_name != 0) flags += "\\fB\\-" + std::string(1, spec.short_name) + "\\fR";
      if (spec.name.size() > 1) {
        if (!flags.empty()) flags += ", ";
        flags += "\\fB" + Roff(OptionFlag(spec)).substr(2) + "\\fR";
      }
      if (!spec.value_name.empty()) flags += " \\fI" + std::string(spec.value_name) + "\\fR";
      out += flags + "\n";
      std::string help(spec.help);
      const std::string def = DefaultText(spec);
      if (!def.empty()) help += " (default: " + def + ")";
      out += Roff(help) + ".\n";
    }
  }
  out += ".SH RULES FILES\n";
  out += Roff("A rules file (--rules FILE; winnow --print-rules shows the built-in one) has "
              "one rule per line, `NAME KIND[:MAXWORDS][+list] PATTERN`, and # comments. "
              "Lines with the same NAME form one rule, switched off together by --disable "
              "NAME. KIND is one of:") +
         "\n";
  const std::string_view kinds[][2] = {
      {"literal", "the whole line, normalised (case, spacing, punctuation), equals the pattern"},
      {"prefix", "the normalised line starts with the pattern's words"},
      {"contains", "the normalised line contains the pattern's words, as whole words"},
      {"regex", "an RE2 regular expression searched in the raw line; RE2 runs in linear time"},
  };
  for (const auto& [kind, what] : kinds) out += ".TP\n.B " + std::string(kind) + "\n" + Roff(what) + ".\n";
  out += ".PP\n" +
         Roff(":MAXWORDS limits a rule to lines of at most that many words; +list marks a "
              "heading whose short lines below it go with it (\"Related articles\"). The "
              "first matching rule in file order names the drop: built-in rules first, then "
              "--rules files in the order given. A malformed line is a usage error, "
              "`winnow: FILE:LINE: why`.") +
         "\n";
  out += ".SH EXIT STATUS\n";
  out += ".TP\n0\nsuccess.\n";
  out += ".TP\n1\n" +
         Roff("runtime error: an unreadable input file (the other files are still "
              "processed), a failed write, a malformed record with --on-error stop.") +
         "\n";
  out += ".TP\n2\n" +
         Roff("usage error: an unknown option, a value out of range, a malformed rules "
              "file, an unknown rule name.") +
         "\n";
  out += ".TP\n3\n" +
         Roff("stage file refused (winnow sign, decide, apply): made with other options, "
              "damaged or truncated, a part missing or given twice, decisions of another "
              "shard. Running the stage again will not help.") +
         "\n";
  out += ".PP\n" +
         Roff("Messages go to standard error as `winnow: WHERE: WHAT`.") + "\n";
  out += ".SH ENVIRONMENT\n";
  out += ".TP\n.B WINNOW_CPU\n" +
         Roff("Caps the vector instructions winnow chooses at run time: `avx2` (none of "
              "AVX-512), `baseline` (x86-64's SSE2 only; any other value means this); unset "
              "or `native`: all the CPU has. The output is the same whatever the setting; "
              "only the speed changes. For tests, and to measure what another CPU gets.") +
         "\n";
  out += ".SH EXAMPLES\n";
  const std::string_view examples[][2] = {
      {"winnow --explain story.txt > clean.txt",
       "Clean one document; each dropped line is reported on standard error with its reason."},
      {"winnow --format jsonl --index crawl.idx < today.jsonl > clean.jsonl",
       "Clean a JSONL stream, removing documents that near-duplicate ones seen today or in "
       "earlier runs on the same index."},
      {"zcat CC-MAIN-*.warc.wet.gz | winnow --format wet > clean.wet",
       "Clean Common Crawl WET records."},
      {"winnow --print-rules > my.rules",
       "Start a rules file of your own from the built-in one."},
  };
  bool first = true;
  for (const auto& [command, what] : examples) {
    out += (first ? "" : ".PP\n") + Roff(what) + "\n.PP\n.RS\n.EX\n" + Roff(command) + "\n.EE\n.RE\n";
    first = false;
  }
  out += ".SH SEE ALSO\n";
  out += Roff(
      "The README of winnow's source, which explains every rule and stage, the index "
      "file and the Python module (import winnow), whose options are these, with "
      "underscores for dashes.");
  out += "\n";
  return out;
}

}  // namespace winnow::cli
