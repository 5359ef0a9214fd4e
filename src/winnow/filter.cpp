#include "winnow/filter.hpp"

#include <utf8proc.h>

#include <algorithm>
#include <sstream>

#include "winnow/line_features.hpp"
#include "winnow/normalize.hpp"

namespace winnow {
namespace {

// The start of a line for --explain: at most kMax bytes, ending on a
// grapheme cluster boundary (UAX #29, by utf8proc) so that no accent, tone
// mark, emoji sequence or flag is split from its base; a cluster longer
// than kMax bytes is cut between code points. Control characters (C0 and
// DEL) and bytes that are not UTF-8 are shown as '?', so that the excerpt
// is valid UTF-8 on one line.
std::string Excerpt(std::string_view text) {
  constexpr std::size_t kMax = 60;
  std::size_t end = text.size();
  if (end > kMax) {
    std::size_t pos = 0, boundary = 0, last = 0;
    utf8proc_int32_t state = 0, prev = -1;
    while (pos <= kMax) {  // text is longer than kMax: pos stays inside it
      std::size_t next = pos;
      const auto c = static_cast<utf8proc_int32_t>(DecodeUtf8(text, &next));
      if (prev >= 0 && utf8proc_grapheme_break_stateful(prev, c, &state)) boundary = pos;
      last = pos;
      prev = c;
      pos = next;
    }
    // The code point at `last` runs past kMax.
    end = boundary > 0 ? boundary : last;
  }
  std::string out;
  out.reserve(end + 3);
  for (std::size_t pos = 0; pos < end;) {
    const std::size_t at = pos;
    const char32_t c = DecodeUtf8(text.substr(0, end), &pos);
    const bool invalid = c == 0xFFFD && pos - at == 1;
    if (invalid || c < 0x20 || c == 0x7F) {
      out.push_back('?');
    } else {
      out.append(text.substr(at, pos - at));
    }
  }
  if (end < text.size()) out += "...";
  return out;
}

// Structure and refrains, which are repeated on purpose and are never
// near-duplicates (see Structural below): a lone line of at most this many
// words (a heading, a list label, a code line such as "} else {")...
constexpr int kStructuralLineWords = 4;
// ... or a block of two or more lines of at most this many words each, at
// most half of them sentences (a refrain, also a punctuated one; a list
// under a repeated heading). A run of such lines in a document without
// blank lines needs fewer than half (see MarkRefrainRuns).
constexpr int kRefrainLineWords = 12;
constexpr int kSentenceWords = 5;

bool IsSentence(const Document& doc, const LineWords& words, std::uint32_t i) {
  return words.count[i] >= kSentenceWords && EndsWithClosingPunctuation(doc.lines[i].text);
}

// Bytes by class, by our own table (never <cctype>).
struct CodeBytes {
  bool lower[256] = {};  // a-z
  bool ident[256] = {};  // A-Z a-z 0-9 _
  bool name[256] = {};   // a program's name: a-z 0-9 _ . + -
  constexpr CodeBytes() {
    for (int c = 0; c < 256; ++c) {
      lower[c] = c >= 'a' && c <= 'z';
      ident[c] = lower[c] || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
      name[c] = lower[c] || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '+' || c == '-';
    }
  }
};
constexpr CodeBytes kCodeBytes;

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Programs that begin a command line in tutorials and READMEs.
bool IsCommandName(std::string_view w) {
  static constexpr std::string_view kNames[] = {
      "apk", "apt", "apt-get", "bash", "brew", "bundle", "cargo", "cat", "cd", "chmod", "chown",
      "cmake", "composer", "conda", "cp", "curl", "dnf", "docker", "docker-compose", "dotnet",
      "echo", "export", "gcc", "gem", "git", "go", "gradle", "helm", "java", "javac", "kubectl",
      "ln", "ls", "make", "mkdir", "mv", "mvn", "ninja", "node", "npm", "npx", "pacman", "php",
      "pip", "pip3", "pipx", "pnpm", "poetry", "python", "python3", "rm", "ruby", "rustup", "scp",
      "sed", "sh", "source", "ssh", "sudo", "systemctl", "tar", "terraform", "unzip", "uv",
      "wget", "yarn", "yum", "zypper"};
  for (std::string_view n : kNames) {
    if (w == n) return true;
  }
  return false;
}

// What a program's first argument often is.
bool IsSubcommand(std::string_view w) {
  static constexpr std::string_view kNames[] = {
      "add", "build", "checkout", "clone", "commit", "config", "create", "exec", "fetch", "get",
      "init", "install", "list", "new", "pull", "push", "remove", "run", "start", "status", "stop",
      "test", "uninstall", "update", "upgrade"};
  for (std::string_view n : kNames) {
    if (w == n) return true;
  }
  return false;
}

// A command or a line of code a reader needs is short: longer lines (a
// page's script or markup leaking into the text) are judged as any other.
constexpr int kCodeLineWords = 30;
constexpr std::size_t kCodeLineBytes = 300;

// Whether a line reads as a command or a line of code, which a tutorial
// repeats because the reader needs it in each place ("sudo apt-get install
// -y build-essential" before two sections, "Twilio.init(SID, TOKEN);" in
// each language's example). A prompt ("$ ", ">>> ") before it is skipped.
// A line of at most kCodeLineWords words and kCodeLineBytes bytes that is
//  - a command: a known program followed by a subcommand or by arguments
//    other than plain words ("git clone URL"), a path to one
//    ("./configure --prefix=/usr"), or a lowercase name followed by an
//    option (-y, --upgrade), a shell operator or variable (&&, ||, $HOME,
//    $(...)) or NAME=value; or
//  - code: a line opening with "import", "from X import", "#include", "def",
//    "fn" and the like; or code syntax (a call "name(", "::", "->", an
//    assignment "x = ", a statement ending in ';', '{' or '}') in a line
//    of which at most three words in four are plain words (letters, maybe
//    a comma or full stop after them), so that prose mentioning f(x) or
//    Window->Preferences is no code.
// Never a sentence (five words or more ending in '.', '!' or '?'). Menus,
// share bars and notices match none of these ("Home | News", "Share this
// article", "Prices from $9.99").
bool LooksLikeCode(std::string_view line) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
  };
  std::string_view t = trim(line);
  for (std::string_view prompt : {"$ ", "% ", "> ", ">>> ", "PS> "}) {
    if (StartsWith(t, prompt)) {
      t = trim(t.substr(prompt.size()));
      break;
    }
  }
  if (t.empty() || t.size() > kCodeLineBytes) return false;
  const char last = t.back();
  const bool dots = t.size() >= 2 && t[t.size() - 2] == '.';  // "cmake .."
  if (last == '!' || last == '?' || (last == '.' && !dots)) {
    // A sentence (most prose lines) is no code: known from its first
    // kSentenceWords words, before the words are read one by one below.
    int seen = 0;
    for (std::size_t i = 0; i < t.size() && seen < kSentenceWords;) {
      while (i < t.size() && (t[i] == ' ' || t[i] == '\t')) ++i;
      if (i == t.size()) break;
      ++seen;
      while (i < t.size() && t[i] != ' ' && t[i] != '\t') ++i;
    }
    if (seen >= kSentenceWords) return false;
  }
  auto u = [](char c) { return static_cast<unsigned char>(c); };
  // Words, and plain words.
  int words = 0, plain = 0;
  for (std::size_t i = 0; i < t.size();) {
    while (i < t.size() && (t[i] == ' ' || t[i] == '\t')) ++i;
    if (i == t.size()) break;
    std::size_t end = i;
    while (end < t.size() && t[end] != ' ' && t[end] != '\t') ++end;
    std::string_view w = t.substr(i, end - i);
    if (w.size() > 1 && (w.back() == ',' || w.back() == '.' || w.back() == ':' || w.back() == '!' ||
                         w.back() == '?')) {
      w.remove_suffix(1);
    }
    bool letters = true;
    for (char c : w) letters = letters && (u(c) >= 0x80 || (kCodeBytes.ident[u(c)] && c != '_' && !(c >= '0' && c <= '9')));
    ++words;
    plain += letters;
    i = end;
  }
  if (words > kCodeLineWords) return false;
  for (std::string_view opener : {"import ", "#include", "#define", "#!/", "def ", "fn ", "func "}) {
    if (StartsWith(t, opener)) return true;
  }
  if (StartsWith(t, "from ") && t.find(" import ") != std::string_view::npos) return true;
  // A command: the first word a program's name.
  const std::size_t space = t.find(' ');
  if (space != std::string_view::npos) {
    const std::string_view first = t.substr(0, space);
    const std::string_view rest = t.substr(space + 1);
    const bool path = StartsWith(first, "./") || StartsWith(first, "~/") ||
                      StartsWith(first, "/usr/") || StartsWith(first, "/bin/");
    // A known program, followed by a subcommand ("pip install") or by
    // anything but plain words ("git clone https://...", not "make sure
    // the server runs").
    if (path || (IsCommandName(first) && (IsSubcommand(rest.substr(0, rest.find(' '))) || plain < words))) {
      return true;
    }
    bool program = kCodeBytes.lower[u(first[0])];
    for (char c : first) program = program && kCodeBytes.name[u(c)];
    for (std::size_t i = 0; program && i < rest.size(); ++i) {
      const char c = rest[i];
      const char next = i + 1 < rest.size() ? rest[i + 1] : '\0';
      const char after = i + 2 < rest.size() ? rest[i + 2] : '\0';
      const bool word_start = i == 0 || rest[i - 1] == ' ';
      if (word_start && c == '-' && (kCodeBytes.lower[u(next)] || (next == '-' && kCodeBytes.lower[u(after)]))) {
        return true;  // an option: -y, --upgrade
      }
      if ((c == '&' && next == '&') || (c == '|' && next == '|')) return true;
      if (c == '$' && ((kCodeBytes.ident[u(next)] && !(next >= '0' && next <= '9')) || next == '{' ||
                       next == '(')) {
        return true;  // $HOME, ${X}, $(pwd)
      }
      if (c == '=' && i > 0 && kCodeBytes.ident[u(rest[i - 1])]) return true;  // NAME=value
    }
  }
  // Code syntax, in a line that is not mostly plain words.
  if (4 * plain > 3 * words) return false;
  if (last == '{' || last == '}') return true;
  if (last == ';') {
    // Not an HTML reference at the end (&gt;).
    std::size_t amp = t.rfind('&');
    bool entity = amp != std::string_view::npos && t.size() - amp <= 10;
    for (std::size_t i = amp + 1; entity && i + 1 < t.size(); ++i) entity = kCodeBytes.ident[u(t[i])] || t[i] == '#';
    if (!entity) return true;
  }
  for (std::size_t i = 1; i < t.size(); ++i) {
    const char c = t[i];
    if (c == '(' && kCodeBytes.ident[u(t[i - 1])] && t.find(')', i) != std::string_view::npos) {
      return true;  // a call: print("hi"), np.array([1, 2])
    }
    if ((c == ':' && t[i - 1] == ':') || (c == '>' && t[i - 1] == '-')) return true;  // a::b, a->b
    if (c == '=' && t[i - 1] == ' ' && i + 1 < t.size() && (t[i + 1] == ' ' || t[i + 1] == '=')) {
      return true;  // x = 1, a == b
    }
  }
  return false;
}

// Whether the kept lines of `para` are structure or a refrain rather than
// a passage (see above). A lone line is also one when `in_refrain_run`: in a
// document without blank lines, where every line is its own paragraph, the
// run of kept short lines around it is such a block (the lines of a program,
// a configuration file or a verse).
bool Structural(const Document& doc, const Paragraph& para, const std::vector<int>& verdicts,
                const LineWords& words, bool in_refrain_run) {
  int lines = 0, sentences = 0, longest = 0, code = 0;
  for (std::uint32_t i = para.first; i < para.end; ++i) {
    if (verdicts[i] >= 0) continue;
    ++lines;
    longest = std::max(longest, words.count[i]);
    sentences += IsSentence(doc, words, i);
    // Only a paragraph of code throughout counts: no line is read as code
    // after one that is not.
    code += code == lines - 1 && LooksLikeCode(doc.lines[i].text);
  }
  // Commands and code, which a reader needs wherever they are repeated.
  if (code == lines) return true;
  if (lines == 1) return longest <= kStructuralLineWords || in_refrain_run;
  return longest <= kRefrainLineWords && 2 * sentences <= lines;
}

// For a document without blank lines: marks each line that lies in a run of
// two or more consecutive kept, analysed lines of at most kRefrainLineWords
// words, fewer than half of them sentences (the block test of Structural).
// One pass over the lines.
void MarkRefrainRuns(const Document& doc, const std::vector<int>& verdicts, const LineWords& words,
                     std::vector<char>* marks) {
  const std::uint32_t n = static_cast<std::uint32_t>(doc.lines.size());
  marks->assign(n, 0);
  std::uint32_t i = 0;
  while (i < n) {
    const auto short_line = [&](std::uint32_t k) {
      return verdicts[k] < 0 && words.analysed[k] && words.count[k] <= kRefrainLineWords;
    };
    if (!short_line(i)) {
      ++i;
      continue;
    }
    std::uint32_t end = i, sentences = 0;
    while (end < n && short_line(end)) sentences += IsSentence(doc, words, end++);
    const std::uint32_t lines = end - i;
    if (lines >= 2 && 2 * sentences < lines) std::fill(marks->begin() + i, marks->begin() + end, 1);
    i = end;
  }
}

}  // namespace

void FilterStats::Add(const FilterStats& other) {
  documents += other.documents;
  lines_in += other.lines_in;
  lines_out += other.lines_out;
  paragraphs_in += other.paragraphs_in;
  paragraphs_out += other.paragraphs_out;
  unanalysed_paragraphs += other.unanalysed_paragraphs;
  for (const auto& [reason, count] : other.dropped_lines) dropped_lines[reason] += count;
  stages.Add(other.stages);
}

void AppendExplanation(std::string_view where, const Document& doc,
                       const FilterResult& result, std::string* out) {
  for (const Drop& d : result.drops) {
    std::ostringstream line;
    line << where << ':' << d.line << ": ";
    if (d.of_line == 0) {
      line << "rule " << d.reason;
      if (d.note != Drop::kNoNote) line << " (" << result.note(d) << ')';
    } else {
      const bool jaccard = d.reason == kReasonNearDuplicate;
      line.precision(2);
      line << std::fixed << d.reason << (jaccard ? " of line " : " line ") << d.of_line
           << (jaccard ? " (jaccard " : " (containment ") << d.similarity << ')';
    }
    if (d.lines > 1) line << " [" << d.lines << " lines]";
    line << ": " << Excerpt(doc.lines[d.line - 1].text) << '\n';
    out->append(line.str());
  }
}

Filter::Filter(const RuleSet* rules, const FilterConfig& config, const LineModel* model)
    : config_(config),
      line_filter_(rules, config.lines, model),
      deduper_(config.dedup_config) {
  if (config_.time_stages) line_filter_.set_stage_times(&stats_.stages);
}

void Filter::Count(std::string_view reason, std::uint64_t lines) {
  auto it = stats_.dropped_lines.find(reason);  // no string built per line
  if (it == stats_.dropped_lines.end()) it = stats_.dropped_lines.emplace(reason, 0).first;
  it->second += lines;
}

std::string_view Filter::RuleName(int id) const {
  if (id == repeated_line_rule()) return kRuleRepeatedLine;
  return line_filter_.RuleName(id);
}

void Filter::JudgeLines(const Document& doc, std::vector<int>* verdicts,
                        LineWords* words, std::vector<std::string>* notes) {
  if (config_.line_rules) {
    line_filter_.Judge(doc, verdicts, words, notes);
  } else {
    verdicts->assign(doc.lines.size(), -1);
    StageTimer timer(config_.time_stages ? &stats_.stages : nullptr, Stage::kNormalize);
    if (words) AnalyseLines(doc, config_.lines.max_line_bytes, words);
  }
}

void Filter::Run(const Document& doc, FilterResult* result) {
  JudgeLines(doc, &verdicts_, &words_, &notes_);
  Decide(doc, verdicts_, result, &words_, &notes_);
}

void Filter::Decide(const Document& doc, const std::vector<int>& verdicts,
                    FilterResult* result, const LineWords* words,
                    const std::vector<std::string>* notes) {
  StageTimer timer(config_.time_stages ? &stats_.stages : nullptr, Stage::kParagraphDedup);
  const std::size_t n = doc.lines.size();
  result->keep.assign(n, false);
  result->drops.clear();
  result->notes.clear();
  ++stats_.documents;
  // Paragraph dedup judges structure by the lines' words: a caller that did
  // not keep them from JudgeLines gets them here, so that Decide decides
  // the same either way.
  if (words == nullptr && config_.dedup) {
    AnalyseLines(doc, config_.lines.max_line_bytes, &words_);
    words = &words_;
  }
  // The kept lines' words bound the shingles the deduper will index, and
  // the paragraphs with kept lines what it will remember.
  std::size_t kept_words = 0, kept_paragraphs = 0;
  if (config_.dedup && words != nullptr) {
    for (const Paragraph& para : doc.paragraphs) {
      bool kept = false;
      for (std::uint32_t i = para.first; i < para.end; ++i) {
        if (verdicts[i] >= 0) continue;
        kept = true;
        kept_words += words->tokens_in(i);
      }
      kept_paragraphs += kept;
    }
  }
  deduper_.Reset(kept_paragraphs, kept_words);
  in_refrain_run_.clear();
  if (config_.dedup && words != nullptr && !doc.has_blank_lines) {
    MarkRefrainRuns(doc, verdicts, *words, &in_refrain_run_);
  }

  for (const Paragraph& para : doc.paragraphs) {
    ++stats_.paragraphs_in;
    // Line rules first; consecutive lines dropped by one rule are one Drop.
    std::size_t joined_bytes = 0;
    bool hashed = words != nullptr;  // every kept line's words are in `words`
    std::uint32_t kept = 0;
    std::uint32_t first_kept = 0;
    for (std::uint32_t i = para.first; i < para.end; ++i) {
      ++stats_.lines_in;
      const int v = verdicts[i];
      if (v < 0) {
        if (kept == 0) first_kept = i;
        ++kept;
        result->keep[i] = true;
        joined_bytes += doc.lines[i].text.size() + 1;
        hashed = hashed && words->analysed[i];
        continue;
      }
      std::string_view name = RuleName(v);
      if (static_cast<std::size_t>(v) >= rule_drops_.size()) rule_drops_.resize(v + 1, 0);
      ++rule_drops_[v];
      const bool noted = notes != nullptr && i < notes->size() && !(*notes)[i].empty();
      if (!noted && !result->drops.empty() && result->drops.back().reason == name &&
          result->drops.back().of_line == 0 && result->drops.back().note == Drop::kNoNote &&
          result->drops.back().line + result->drops.back().lines ==
              doc.lines[i].number) {
        ++result->drops.back().lines;
      } else {
        result->drops.push_back({doc.lines[i].number, 1, name});
        if (noted) {
          result->drops.back().note = static_cast<std::uint32_t>(result->notes.size());
          result->notes.push_back((*notes)[i]);
        }
      }
    }
    if (kept == 0) continue;

    if (config_.dedup && joined_bytes > config_.max_paragraph_bytes) {
      ++stats_.unanalysed_paragraphs;  // kept as it is: see FilterConfig
    } else if (config_.dedup) {
      // The paragraph's words: its kept lines' words, hashed by the line
      // filter; or (a line it did not analyse) the kept lines normalised.
      const std::uint32_t id = doc.lines[first_kept].number;
      const bool structural =
          hashed && Structural(doc, para, verdicts, *words,
                               !in_refrain_run_.empty() && in_refrain_run_[first_kept] != 0);
      DedupVerdict verdict;
      if (hashed) {
        paragraph_words_.clear();
        for (std::uint32_t i = para.first; i < para.end; ++i) {
          if (verdicts[i] >= 0) continue;
          paragraph_words_.insert(paragraph_words_.end(), words->tokens_of(i),
                                  words->tokens_of(i) + words->tokens_in(i));
        }
        verdict = deduper_.AddWords(paragraph_words_, id, structural);
      } else {
        joined_.clear();
        for (std::uint32_t i = para.first; i < para.end; ++i) {
          if (verdicts[i] >= 0) continue;
          joined_.append(doc.lines[i].text);
          joined_.push_back('\n');
        }
        Normalize(joined_, &norm_);
        verdict = deduper_.Add(norm_, id);
      }
      if (verdict.reason != DedupVerdict::Reason::kKeep) {
        std::string_view reason =
            verdict.reason == DedupVerdict::Reason::kNearDuplicate
                ? kReasonNearDuplicate
                : verdict.reason == DedupVerdict::Reason::kRestates
                      ? kReasonRestates
                      : kReasonRestated;
        for (std::uint32_t i = para.first; i < para.end; ++i) {
          result->keep[i] = false;
        }
        Count(reason, kept);
        Drop drop{doc.lines[first_kept].number, kept, reason, verdict.of, Drop::kNoNote,
                  verdict.similarity};
        // Keep drops in input order: rule drops of this paragraph's later
        // lines were recorded already.
        auto pos = result->drops.end();
        while (pos != result->drops.begin() && (pos - 1)->line > drop.line) --pos;
        result->drops.insert(pos, drop);
        continue;
      }
    }
    ++stats_.paragraphs_out;
    stats_.lines_out += kept;
  }
  // The rule drops into the stats, one look-up per rule rather than per line.
  for (std::size_t v = 0; v < rule_drops_.size(); ++v) {
    if (rule_drops_[v] == 0) continue;
    Count(RuleName(static_cast<int>(v)), rule_drops_[v]);
    rule_drops_[v] = 0;
  }
}

}  // namespace winnow
