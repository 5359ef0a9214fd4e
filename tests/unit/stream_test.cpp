#include "winnow/stream.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "winnow/error.hpp"
#include "winnow/filter.hpp"
#include "winnow/jsonl.hpp"
#include "winnow/records.hpp"
#include "winnow/rules.hpp"
#include "winnow/stage_times.hpp"
#include "winnow/writer.hpp"
#include "test_io.hpp"

namespace winnow {
namespace {

using testing::PipeFeed;

// The built-in rules, frozen once for every test.
const RuleSet& DefaultRules() {
  static const RuleSet* rules = [] {
    auto* r = new RuleSet;
    r->Parse(DefaultRulesText(), "default.rules", PatternAction::kFeature);
    r->Freeze();
    return r;
  }();
  return *rules;
}

struct Captured {
  std::string output, rejects, explain;
  std::vector<std::string> warnings;
};

// Runs `input` through `processor` from a pipe; the sinks append to `*out`.
void Feed(StreamProcessor& processor, const StreamConfig& config, const std::string& input,
          Captured* out, std::size_t chunk = 1 << 16) {
  PipeFeed feed(input);
  RecordReader reader(feed.fd(), "input", config.format, config.fields, chunk);
  StreamSinks sinks;
  sinks.output = [out](std::string_view s) { out->output.append(s); };
  sinks.rejects = [out](std::string_view s) { out->rejects.append(s); };
  sinks.explain = [out](std::string_view s) { out->explain.append(s); };
  sinks.warning = [out](const std::string& m) { out->warnings.push_back(m); };
  processor.Run(reader, "input", sinks);
}

Captured Process(const StreamConfig& config, const std::string& input, std::size_t chunk = 1 << 16) {
  StreamProcessor processor(&DefaultRules(), FilterConfig{}, config);
  Captured out;
  Feed(processor, config, input, &out, chunk);
  return out;
}

// --- a generated stream --------------------------------------------------

const char* const kBoilerplate[] = {
    "Main menu of the county paper",
    "Follow the Gazette on every network",
    "Subscribe to the weekly newsletter today",
    "Back to the top of the page",
    "More stories from the valley desk",
    "Opening hours and contact details",
};

std::string Sentence(std::mt19937_64& rng) {
  static const char* const kWords[] = {
      "council", "river",   "budget", "school",  "library", "bridge", "market", "harbour",
      "weather", "railway", "museum", "farmers", "police",  "garden", "health", "housing",
      "orchard", "theatre", "ferry",  "tunnel",  "festival", "clinic", "parish", "quarry"};
  std::string s = "The";
  const int words = 8 + static_cast<int>(rng() % 10);
  for (int i = 0; i < words; ++i) {
    s += ' ';
    s += kWords[rng() % (sizeof kWords / sizeof kWords[0])];
    if (rng() % 5 == 0) s += std::to_string(rng() % 1000);
  }
  return s + ".";
}

// One article: a title, body paragraphs, and boilerplate lines between them.
std::string Article(std::mt19937_64& rng) {
  std::string doc = "Story number " + std::to_string(rng() % 100000) + "\n\n";
  const int paragraphs = 2 + static_cast<int>(rng() % 4);
  for (int p = 0; p < paragraphs; ++p) {
    const int sentences = 1 + static_cast<int>(rng() % 3);
    for (int s = 0; s < sentences; ++s) doc += Sentence(rng) + (s + 1 < sentences ? " " : "\n");
    if (rng() % 2 == 0) doc += std::string(kBoilerplate[rng() % 6]) + "\n";
    doc += "\n";
  }
  return doc;
}

// 300 NUL-terminated documents: new articles, exact copies, copies with
// other boilerplate or one more paragraph, and pages of boilerplate only.
std::vector<std::string> GeneratedDocuments(std::uint64_t seed = 2024, std::size_t count = 300) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> docs;
  while (docs.size() < count) {
    const std::uint64_t kind = rng() % 10;
    if (kind < 2 && !docs.empty()) {
      docs.push_back(docs[rng() % docs.size()]);  // exact copy
    } else if (kind < 4 && !docs.empty()) {
      std::string copy = docs[rng() % docs.size()];
      copy = std::string(kBoilerplate[rng() % 6]) + "\n" + copy + Sentence(rng) + "\n";
      docs.push_back(copy);  // near copy
    } else if (kind == 4) {
      docs.push_back(std::string(kBoilerplate[rng() % 6]) + "\n" + kBoilerplate[rng() % 6] + "\n");
    } else {
      docs.push_back(Article(rng));
    }
  }
  return docs;
}

std::string NulStream(const std::vector<std::string>& docs, std::size_t begin, std::size_t end) {
  std::string s;
  for (std::size_t i = begin; i < end; ++i) s += docs[i] + '\0';
  return s;
}

std::uint64_t Count(const std::map<std::string, std::uint64_t, std::less<>>& counts,
                    std::string_view key) {
  const auto it = counts.find(key);
  return it == counts.end() ? 0 : it->second;
}

StreamConfig NulConfig() {
  StreamConfig config;
  config.format = Format::kNul;
  config.lines.min_documents = 3;
  config.explain = true;
  return config;
}

// The output does not depend on the thread count, the batch size or how
// the input arrives.
TEST(StreamTest, OutputIsTheSameForEveryThreadCount) {
  const std::vector<std::string> docs = GeneratedDocuments();
  const std::string input = NulStream(docs, 0, docs.size());
  const StreamConfig base = NulConfig();
  StreamProcessor reference_processor(&DefaultRules(), FilterConfig{}, base);
  Captured reference;
  Feed(reference_processor, base, input, &reference);
  const StreamStats& stats = reference_processor.stats();

  // The stream exercises what it is meant to.
  EXPECT_EQ(stats.records, 300u);
  EXPECT_GT(Count(stats.dropped_documents, "near-duplicate-document"), 30u);
  EXPECT_GT(Count(stats.dropped_documents, "empty"), 5u);
  EXPECT_GT(Count(stats.lines.dropped_lines, kRuleRepeatedLine), 20u);
  EXPECT_GT(stats.documents_out, 100u);
  EXPECT_NE(reference.explain.find(": rule repeated-line: "), std::string::npos);
  EXPECT_NE(reference.explain.find(": document near-duplicate-document of record "), std::string::npos);

  struct Row {
    int threads;
    std::size_t batch;
    std::size_t chunk;
  };
  const Row rows[] = {
      {1, 512, 1 << 16}, {2, 512, 1 << 16}, {3, 512, 1 << 16}, {8, 512, 1 << 16},
      {1, 7, 1 << 16},   {2, 7, 1 << 16},   {3, 7, 1 << 16},   {8, 7, 1 << 16},
      {8, 1, 1 << 16},   {3, 2, 3},         {8, 300, 1 << 16}, {8, 299, 1 << 16},
      {2, 512, 1},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE("threads " + std::to_string(row.threads) + ", batch " + std::to_string(row.batch) +
                 ", chunk " + std::to_string(row.chunk));
    StreamConfig config = base;
    config.threads = row.threads;
    config.batch = row.batch;
    StreamProcessor processor(&DefaultRules(), FilterConfig{}, config);
    Captured got;
    Feed(processor, config, input, &got, row.chunk);
    EXPECT_TRUE(got.output == reference.output) << "output differs";
    EXPECT_TRUE(got.rejects == reference.rejects) << "rejects differ";
    EXPECT_TRUE(got.explain == reference.explain) << "explanations differ";
    EXPECT_EQ(got.warnings, reference.warnings);
    EXPECT_EQ(processor.stats().documents_out, stats.documents_out);
    EXPECT_EQ(processor.stats().dropped_documents, stats.dropped_documents);
    EXPECT_EQ(processor.stats().lines.dropped_lines, stats.lines.dropped_lines);
    EXPECT_EQ(processor.stats().lines.lines_out, stats.lines.lines_out);
  }
}

// Stage times: counting them changes no output; every stage the stream
// runs is counted (on one thread and on three), and none that it does not.
TEST(StreamTest, StageTimesCountEveryStageAndChangeNothing) {
  const std::vector<std::string> docs = GeneratedDocuments();
  const std::string input = NulStream(docs, 0, docs.size());
  const Captured reference = Process(NulConfig(), input);
  for (int threads : {1, 3}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    StreamConfig config = NulConfig();
    config.threads = threads;
    config.time_stages = true;
    FilterConfig filter;
    filter.time_stages = true;
    StreamProcessor processor(&DefaultRules(), filter, config);
    Captured got;
    Feed(processor, config, input, &got);
    EXPECT_TRUE(got.output == reference.output) << "output differs";
    EXPECT_TRUE(got.explain == reference.explain) << "explanations differ";
    StageTimes all = processor.stats().stages;
    all.Add(processor.stats().lines.stages);
    for (Stage s : {Stage::kRead, Stage::kParse, Stage::kNormalize, Stage::kRules,
                    Stage::kLineFeatures, Stage::kLineModel, Stage::kRepeatedLines,
                    Stage::kParagraphDedup, Stage::kDocumentSignature, Stage::kDocumentDedup,
                    Stage::kRender, Stage::kWrite}) {
      EXPECT_GT(all[s], 0u) << StageName(s);
    }
    EXPECT_GT(StageSeconds(all.total()), 0.0);
  }
  // Off by default: nothing is counted.
  StreamProcessor quiet(&DefaultRules(), FilterConfig{}, NulConfig());
  Captured got;
  Feed(quiet, NulConfig(), input, &got);
  EXPECT_EQ(quiet.stats().stages.total() + quiet.stats().lines.stages.total(), 0u);
}

// A document is signed on its own text after its line rules: lines that the
// stream later finds repeated (opening hours shared by a site's pages) do
// not change it, so every identical copy is dropped, however much the
// repeated-line stage removed from the first copy or the later one.
TEST(StreamTest, EveryIdenticalCopyIsDroppedWhateverRepeatedLinesRemove) {
  std::mt19937_64 rng(31);
  const std::string hours =
      "Monday to Friday 9 to 5\nSaturday 10 to 4\nSunday closed\nCall 555 0100\n";
  std::vector<std::string> docs;
  std::vector<std::pair<std::size_t, std::size_t>> copies;  // (copy, original), 0-based
  for (std::size_t i = 0; i < 40; ++i) {
    if (i % 7 == 6) {
      const std::size_t original = rng() % (i - 1);
      copies.emplace_back(docs.size(), original);
      docs.push_back(docs[original]);
      continue;
    }
    docs.push_back(Sentence(rng) + "\n" + hours + Sentence(rng) + "\n");
  }
  for (int threads : {1, 3}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    StreamConfig config = NulConfig();  // lines repeated after 3 documents
    config.threads = threads;
    config.batch = 5;
    StreamProcessor processor(&DefaultRules(), FilterConfig{}, config);
    Captured got;
    Feed(processor, config, NulStream(docs, 0, docs.size()), &got);
    EXPECT_GT(Count(processor.stats().lines.dropped_lines, kRuleRepeatedLine), 50u);
    EXPECT_EQ(Count(processor.stats().dropped_documents, "near-duplicate-document"), copies.size());
    for (auto [copy, original] : copies) {
      const std::string line = "input:" + std::to_string(copy + 1) +
                               ": document near-duplicate-document of record " +
                               std::to_string(original + 1) + " (jaccard 1.00)\n";
      EXPECT_NE(got.explain.find(line), std::string::npos) << line;
    }
  }
}

// A menu that the line rules drop on most pages is boilerplate where they
// keep it: the stream counts every line, the ones the rules dropped too,
// whatever else happens to the document (its signature included).
TEST(StreamTest, LinesTheRulesDroppedCountAsRepeated) {
  std::mt19937_64 rng(7);
  // The user rule drops the two-line menu on the first pages only: later
  // pages print it with marks the rule does not match but normalisation
  // ignores, so that the rules keep it there unless it is counted.
  const std::string rules_text = "early drop regex ^(Opening hours page|Contact the desk)$\n";
  RuleSet rules;
  rules.Parse(DefaultRulesText(), "default.rules", PatternAction::kFeature);
  rules.Parse(rules_text, "user.rules");
  rules.Freeze();
  std::vector<std::string> docs;
  for (int i = 0; i < 6; ++i) {
    docs.push_back("Opening hours page\nContact the desk\n\n" + Sentence(rng) + " " +
                   Sentence(rng) + "\n");
  }
  docs.push_back("Opening hours page!\nContact the desk!\n\n" + Sentence(rng) + " " +
                 Sentence(rng) + "\n");
  for (bool doc_dedup : {true, false}) {
    SCOPED_TRACE(doc_dedup ? "with document dedup" : "without document dedup");
    StreamConfig config = NulConfig();
    config.doc_dedup = doc_dedup;
    config.lines.min_documents = 5;
    StreamProcessor processor(&rules, FilterConfig{}, config);
    Captured got;
    Feed(processor, config, NulStream(docs, 0, docs.size()), &got);
    EXPECT_NE(got.explain.find("input:7:1: rule repeated-line"), std::string::npos) << got.explain;
  }
}

// A kept line too long for the line filter to analyse (over
// max_line_bytes) is normalised for the document's signature in pieces cut
// after a space: its words are exactly those of the same words on short
// lines, so each is an identical copy of the other. The words are long
// (tens of kilobytes of "U.K.", apostrophes, composed and decomposed
// accents, fullwidth letters), so that the cuts fall right before a word
// and a word cut in two would change many of the document's few shingles.
TEST(StreamTest, ALongLineIsSignedInPiecesWithTheWordsOfShortLines) {
  std::mt19937_64 rng(5);
  const char* const kTricky[] = {"U.K.", "don\xe2\x80\x99t", "caf\xc3\xa9", "cafe\xcc\x81",
                                 "\xef\xbc\xa1" "b", "Stra\xc3\x9f" "e", "x"};
  std::vector<std::string> words;
  std::size_t bytes = 0;
  while (bytes < (std::size_t{3} << 20) + 12345) {  // three pieces and some
    std::string w;
    const std::size_t size = 20000 + rng() % 40000;
    while (w.size() < size) w += kTricky[rng() % 7];
    bytes += w.size() + 1;
    words.push_back(w);
  }
  std::string short_lines, long_line;
  for (const std::string& w : words) {
    short_lines += w + "\n";
    long_line += w + (rng() % 3 == 0 ? "\t" : " ");
  }
  long_line.back() = '\n';
  for (bool long_first : {false, true}) {
    SCOPED_TRACE(long_first ? "long line first" : "short lines first");
    StreamConfig config = NulConfig();
    config.explain = false;
    FilterConfig filter;
    filter.line_rules = false;  // every line kept: the same words in both
    filter.dedup = false;
    StreamProcessor processor(&DefaultRules(), filter, config);
    PipeFeed feed(long_first ? long_line + '\0' + short_lines + '\0'
                             : short_lines + '\0' + long_line + '\0');
    RecordReader reader(feed.fd(), "input", config.format, config.fields);
    std::vector<DocVerdict> verdicts;
    StreamSinks sinks;
    sinks.decision = [&](const StreamDecision& d) { verdicts.push_back(d.duplicate); };
    processor.Run(reader, "input", sinks);
    ASSERT_EQ(verdicts.size(), 2u);
    EXPECT_FALSE(verdicts[0].duplicate);
    EXPECT_TRUE(verdicts[1].duplicate);
    EXPECT_EQ(verdicts[1].similarity, 1.0);
    EXPECT_EQ(verdicts[1].of, 1u);
  }
}

// Every record ends up in the output or in the rejects, in input order:
// the rejects are the raw dropped records, the output has one record per
// kept document.
TEST(StreamTest, EveryRecordIsWrittenOrRejected) {
  const std::vector<std::string> docs = GeneratedDocuments(77, 120);
  const std::string input = NulStream(docs, 0, docs.size());
  StreamConfig config = NulConfig();
  config.threads = 3;
  config.batch = 7;
  StreamProcessor processor(&DefaultRules(), FilterConfig{}, config);
  Captured got;
  Feed(processor, config, input, &got);
  const StreamStats& s = processor.stats();
  std::uint64_t dropped = 0;
  for (const auto& [reason, n] : s.dropped_documents) dropped += n;
  EXPECT_EQ(s.records, docs.size());
  EXPECT_EQ(s.documents_in, docs.size());
  EXPECT_EQ(s.documents_out + dropped, docs.size());
  EXPECT_EQ(static_cast<std::uint64_t>(std::count(got.output.begin(), got.output.end(), '\0')),
            s.documents_out);
  EXPECT_EQ(s.bytes_in, input.size());
  EXPECT_EQ(s.bytes_out, got.output.size());
  // The rejects are whole input records, in input order.
  std::size_t from = 0;
  std::size_t rejected = 0;
  for (std::size_t pos = 0; pos < got.rejects.size();) {
    const std::size_t end = got.rejects.find('\0', pos);
    ASSERT_NE(end, std::string::npos);
    const std::string record = got.rejects.substr(pos, end - pos);
    bool found = false;
    for (; from < docs.size(); ++from) {
      if (docs[from] == record) {
        found = true;
        ++from;
        break;
      }
    }
    EXPECT_TRUE(found) << "rejected record " << rejected + 1 << " is not an input record in order";
    ++rejected;
    pos = end + 1;
  }
  EXPECT_EQ(rejected, dropped);
}

// Stats are totals over every Run() of a processor.
TEST(StreamTest, StatsAddUpOverRuns) {
  const std::vector<std::string> docs = GeneratedDocuments(5, 40);
  const std::string a = NulStream(docs, 0, 25), b = NulStream(docs, 25, 40);
  const StreamConfig config = NulConfig();
  StreamProcessor processor(&DefaultRules(), FilterConfig{}, config);
  Captured got;
  Feed(processor, config, a, &got);
  Feed(processor, config, b, &got);
  const StreamStats& s = processor.stats();
  EXPECT_EQ(s.records, 40u);
  EXPECT_EQ(s.documents_in, 40u);
  EXPECT_EQ(s.bytes_out, got.output.size());
  EXPECT_EQ(s.bytes_in, a.size() + b.size());
}

// Renumbers "input:N:" at the start of each explanation line by `delta`.
std::string ShiftExplain(const std::string& explain, long delta) {
  std::string out;
  std::size_t pos = 0;
  while (pos < explain.size()) {
    std::size_t end = explain.find('\n', pos);
    if (end == std::string::npos) end = explain.size() - 1;
    std::string line = explain.substr(pos, end + 1 - pos);
    const std::string prefix = "input:";
    if (line.rfind(prefix, 0) == 0) {
      const std::size_t colon = line.find(':', prefix.size());
      const long n = std::stol(line.substr(prefix.size(), colon - prefix.size()));
      line = prefix + std::to_string(n + delta) + line.substr(colon);
    }
    out += line;
    pos = end + 1;
  }
  return out;
}

class TempDir {
 public:
  TempDir() {
    char name[] = "/tmp/winnow_stream_test_XXXXXX";
    if (!mkdtemp(name)) std::abort();
    path_ = name;
  }
  ~TempDir() {
    for (const std::string& f : files_) {
      unlink(f.c_str());
      unlink((f + ".names").c_str());  // the names beside a saved state
    }
    rmdir(path_.c_str());
  }
  std::string File(const std::string& name) {
    files_.push_back(path_ + "/" + name);
    files_.push_back(path_ + "/" + name + ".tmp");
    return path_ + "/" + name;
  }

 private:
  std::string path_;
  std::vector<std::string> files_;
};

// A thread gives back the buffers of a document of more than 4096 lines
// once it is through with it (its filter is made again): that changes no
// decision and loses no count. With the stream-wide stages off, each
// document's output and line counts are its own, so the stream's are
// those of its documents run one by one; documents just under, at and over
// the threshold come between small ones, at several thread counts.
TEST(StreamTest, LargeDocumentsGiveBackTheirBuffersAndChangeNothing) {
  std::mt19937_64 rng(77);
  auto large = [&rng](std::size_t lines) {
    std::string doc;
    for (std::size_t i = 0; i < lines; ++i) {
      const std::uint64_t k = rng() % 8;
      doc += k == 0 ? std::string() : k == 1 ? std::string(kBoilerplate[rng() % 6]) : Sentence(rng);
      doc += '\n';
    }
    return doc;
  };
  std::vector<std::string> docs;
  for (std::size_t lines : {4095u, 4096u, 4097u, 9000u, 5000u}) {
    docs.push_back(Article(rng));
    docs.push_back(large(lines));
    docs.push_back(Article(rng));
  }
  StreamConfig base = NulConfig();
  base.repeated_lines = false;
  base.doc_dedup = false;
  base.drop_empty = false;
  std::string want_output, want_explain;
  FilterStats want_lines;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    StreamProcessor alone(&DefaultRules(), FilterConfig{}, base);
    Captured got;
    Feed(alone, base, docs[i] + '\0', &got);
    want_output += got.output;
    want_explain += ShiftExplain(got.explain, static_cast<long>(i));
    want_lines.Add(alone.stats().lines);
  }
  const std::string input = NulStream(docs, 0, docs.size());
  for (int threads : {1, 2, 3}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    StreamConfig config = base;
    config.threads = threads;
    StreamProcessor processor(&DefaultRules(), FilterConfig{}, config);
    Captured got;
    Feed(processor, config, input, &got);
    EXPECT_TRUE(got.output == want_output) << "output differs";
    EXPECT_TRUE(got.explain == want_explain) << "explanations differ";
    const FilterStats& lines = processor.stats().lines;
    EXPECT_EQ(lines.documents, docs.size());
    EXPECT_EQ(lines.documents, want_lines.documents);
    EXPECT_EQ(lines.lines_in, want_lines.lines_in);
    EXPECT_EQ(lines.lines_out, want_lines.lines_out);
    EXPECT_EQ(lines.paragraphs_in, want_lines.paragraphs_in);
    EXPECT_EQ(lines.paragraphs_out, want_lines.paragraphs_out);
    EXPECT_EQ(lines.dropped_lines, want_lines.dropped_lines);
  }
}

// Part A, SaveState, LoadState in a new processor, part B: the same as one
// processor over A and B.
TEST(StreamTest, SaveAndLoadStateContinueTheStream) {
  const std::vector<std::string> docs = GeneratedDocuments();
  const std::string part_a = NulStream(docs, 0, 150), part_b = NulStream(docs, 150, 300);
  TempDir dir;
  for (int threads : {1, 3}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    StreamConfig config = NulConfig();
    config.threads = threads;
    config.batch = 16;

    const Captured whole = Process(config, part_a + part_b);
    Captured split_a, split_b;
    const std::string state = dir.File("state" + std::to_string(threads));
    {
      StreamProcessor first(&DefaultRules(), FilterConfig{}, config);
      Feed(first, config, part_a, &split_a);
      first.SaveState(state);
    }
    StreamProcessor second(&DefaultRules(), FilterConfig{}, config);
    second.LoadState(state);
    EXPECT_EQ(second.index().next_ordinal(), 151u);
    Feed(second, config, part_b, &split_b);
    EXPECT_TRUE(split_a.output + split_b.output == whole.output) << "output differs";
    EXPECT_TRUE(split_a.rejects + split_b.rejects == whole.rejects) << "rejects differ";
    // Duplicates in part B are named by their ordinal in the whole stream.
    EXPECT_EQ(split_a.explain + ShiftExplain(split_b.explain, 150), whole.explain);

    // Without the state, part B comes out otherwise: the test can tell.
    const Captured alone = Process(config, part_b);
    EXPECT_NE(alone.output, split_b.output);
  }
}

// A JSONL stream of the generated documents where record N is named by
// id "pN" and url https://site.example/N, by one of them, or by neither.
std::string NamedJsonl(const std::vector<std::string>& docs, std::size_t begin, std::size_t end) {
  std::string s;
  for (std::size_t i = begin; i < end; ++i) {
    const std::string n = std::to_string(i + 1);
    s += "{";
    if (i % 4 != 2 && i % 4 != 3) s += "\"id\":\"p" + n + "\",";
    if (i % 4 != 1 && i % 4 != 3) s += "\"url\":\"https://site.example/" + n + "\",";
    s += "\"text\":";
    AppendJsonString(docs[i], &s);
    s += "}\n";
  }
  return s;
}

// What --explain must say after "of record N" for the kept record N.
std::string NamesOf(std::uint64_t n) {
  const std::uint64_t i = n - 1;
  std::string named;
  if (i % 4 != 2 && i % 4 != 3) named += "id \"p" + std::to_string(n) + "\", ";
  if (i % 4 != 1 && i % 4 != 3) named += "url https://site.example/" + std::to_string(n) + ", ";
  return " (" + named + "jaccard ";
}

// Checks every document line of `explain`: the kept record is named by
// its own id and url. Returns how many duplicates were named.
int CheckNamed(const std::string& explain) {
  int named = 0;
  std::size_t pos = 0;
  const std::string of = ": document near-duplicate-document of record ";
  while ((pos = explain.find(of, pos)) != std::string::npos) {
    pos += of.size();
    const std::uint64_t n = std::stoull(explain.substr(pos));
    const std::size_t after = explain.find(' ', pos);
    EXPECT_EQ(explain.substr(after, NamesOf(n).size()), NamesOf(n)) << explain.substr(pos, 80);
    ++named;
  }
  return named;
}

TEST(StreamTest, DuplicatesNameTheKeptRecordByItsIdAndUrlAcrossRuns) {
  const std::vector<std::string> docs = GeneratedDocuments(77, 200);
  TempDir dir;
  StreamConfig config = NulConfig();
  config.format = Format::kJsonl;
  config.threads = 2;
  config.batch = 16;
  const Captured whole = Process(config, NamedJsonl(docs, 0, 200));
  EXPECT_GT(CheckNamed(whole.explain), 20);

  // The same across two runs: names of part A's records come from the
  // names file beside the saved state.
  const std::string state = dir.File("state");
  Captured a, b;
  {
    StreamProcessor first(&DefaultRules(), FilterConfig{}, config);
    Feed(first, config, NamedJsonl(docs, 0, 100), &a);
    first.SaveState(state);
  }
  StreamProcessor second(&DefaultRules(), FilterConfig{}, config);
  second.LoadState(state);
  // Part B is read as its own input: its record numbers start at 1 again.
  std::string part_b;
  for (std::size_t i = 100; i < 200; ++i) part_b += NamedJsonl(docs, i, i + 1);
  Feed(second, config, part_b, &b);
  EXPECT_EQ(a.explain + ShiftExplain(b.explain, 100), whole.explain);
  EXPECT_GT(CheckNamed(b.explain), 5);
  int earlier = 0;  // part B's duplicates of part A's records
  for (std::size_t pos = 0; (pos = b.explain.find("of record ", pos)) != std::string::npos;) {
    pos += 10;
    earlier += std::stoull(b.explain.substr(pos)) <= 100;
  }
  EXPECT_GT(earlier, 3);

  // An index copied without its names still loads: the same decisions,
  // earlier records named by ordinal only, and a warning that says why.
  {
    const std::string copy = dir.File("copy");
    StreamProcessor saver(&DefaultRules(), FilterConfig{}, config);
    Captured ignored;
    Feed(saver, config, NamedJsonl(docs, 0, 100), &ignored);
    saver.SaveState(copy);
    ASSERT_EQ(unlink((copy + ".names").c_str()), 0);
    StreamProcessor third(&DefaultRules(), FilterConfig{}, config);
    third.LoadState(copy);
    Captured c;
    Feed(third, config, part_b, &c);
    EXPECT_EQ(c.output, b.output);
    ASSERT_EQ(c.warnings.size(), 1u);
    EXPECT_NE(c.warnings[0].find("documents of earlier runs are named by their ordinal only"),
              std::string::npos) << c.warnings[0];
    EXPECT_EQ(c.explain.find("of record 1 (id"), std::string::npos);
    int unnamed = 0;
    const std::string of = ": document near-duplicate-document of record ";
    for (std::size_t pos = 0; (pos = c.explain.find(of, pos)) != std::string::npos;) {
      pos += of.size();
      const std::uint64_t n = std::stoull(c.explain.substr(pos));
      const std::string after = c.explain.substr(c.explain.find(' ', pos), NamesOf(n).size());
      if (n <= 100) {
        EXPECT_EQ(after.substr(0, 10), " (jaccard ");
        ++unnamed;
      } else {
        EXPECT_EQ(after, NamesOf(n));
      }
    }
    EXPECT_EQ(unnamed, earlier);
  }

  // --annotate: duplicate_of is the id (else the url, else the ordinal).
  config.annotate = true;
  config.explain = false;
  const Captured annotated = Process(config, NamedJsonl(docs, 0, 200));
  int checked = 0;
  for (std::size_t pos = 0; (pos = annotated.output.find("\"duplicate_of\":", pos)) != std::string::npos;) {
    pos += 15;
    const std::size_t rec = annotated.output.find("\"duplicate_of_record\":", pos);
    const std::uint64_t n = std::stoull(annotated.output.substr(rec + 22));
    const std::uint64_t i = n - 1;
    const std::string value = annotated.output.substr(pos, rec - 1 - pos);
    const std::string want = i % 4 != 2 && i % 4 != 3 ? "\"p" + std::to_string(n) + "\""
                             : i % 4 != 3            ? "\"https://site.example/" + std::to_string(n) + "\""
                                                     : std::to_string(n);
    EXPECT_EQ(value, want);
    ++checked;
  }
  EXPECT_EQ(checked, CheckNamed(whole.explain));
}

TEST(StreamTest, LoadStateRejectsBadFiles) {
  const std::vector<std::string> docs = GeneratedDocuments(9, 30);
  TempDir dir;
  const std::string good = dir.File("good");
  const StreamConfig config = NulConfig();
  {
    StreamProcessor p(&DefaultRules(), FilterConfig{}, config);
    Captured out;
    Feed(p, config, NulStream(docs, 0, docs.size()), &out);
    p.SaveState(good);
  }
  std::string bytes;
  {
    const int fd = open(good.c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    char buf[65536];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) bytes.append(buf, static_cast<std::size_t>(n));
    close(fd);
  }
  auto write_file = [&](const std::string& name, const std::string& data) {
    const std::string path = dir.File(name);
    const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    EXPECT_EQ(write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
    close(fd);
    return path;
  };
  struct Row {
    std::string name;
    std::string path;
    void (*change)(StreamConfig*);
    std::string message;  // a part of the error message
  };
  const Row rows[] = {
      {"missing file", dir.File("missing"), nullptr, ""},
      {"empty file", write_file("empty", ""), nullptr, ""},
      {"truncated header", write_file("short", bytes.substr(0, 10)), nullptr, ""},
      {"truncated counts", write_file("cut", bytes.substr(0, bytes.size() - 1)), nullptr, "truncated"},
      {"trailing bytes", write_file("long", bytes + "x"), nullptr, "trailing"},
      {"foreign file", write_file("foreign", std::string(bytes.size(), 'z')), nullptr, ""},
      {"other repeat documents", good, [](StreamConfig* c) { c->lines.min_documents = 4; }, "--repeat-documents"},
      {"other doc shingle", good, [](StreamConfig* c) { c->doc.shingle_words = 6; }, "--doc-shingle"},
      {"other threshold", good, [](StreamConfig* c) { c->doc.threshold = 0.9; }, "--doc-threshold"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    StreamConfig other = config;
    if (row.change) row.change(&other);
    StreamProcessor p(&DefaultRules(), FilterConfig{}, other);
    try {
      p.LoadState(row.path);
      ADD_FAILURE() << "no exception";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(row.message), std::string::npos) << e.what();
    }
  }
  StreamProcessor p(&DefaultRules(), FilterConfig{}, config);
  EXPECT_NO_THROW(p.LoadState(good));
  EXPECT_EQ(p.index().next_ordinal(), docs.size() + 1);
}

// --- malformed records ------------------------------------------------------

// A JSONL line holding `text` as its document.
std::string JsonLine(int id, const std::string& text) {
  std::string line = "{\"id\":" + std::to_string(id) + ",\"text\":\"";
  for (char c : text) {
    if (c == '\n') {
      line += "\\n";
    } else {
      line += c;
    }
  }
  return line + "\"}\n";
}

std::vector<std::string> JsonLines(int count) {
  std::mt19937_64 rng(31337);
  std::vector<std::string> lines;
  for (int i = 1; i <= count; ++i) lines.push_back(JsonLine(i, Article(rng)));
  return lines;
}

std::string Concat(const std::vector<std::string>& lines, std::size_t begin, std::size_t end) {
  std::string s;
  for (std::size_t i = begin; i < end; ++i) s += lines[i];
  return s;
}

const std::string kBadLine = "{\"id\":6,\"text\":\"unterminated}\n";

TEST(StreamTest, MalformedRecordStopsAfterTheRecordsBeforeIt) {
  std::vector<std::string> lines = JsonLines(9);
  lines.insert(lines.begin() + 5, kBadLine);  // record 6
  const std::string input = Concat(lines, 0, lines.size());
  const std::size_t bad_offset = Concat(lines, 0, 5).size();
  for (std::size_t batch : {1, 2, 4, 5, 6, 7, 512}) {
    for (int threads : {1, 3}) {
      SCOPED_TRACE("batch " + std::to_string(batch) + ", threads " + std::to_string(threads));
      StreamConfig config;
      config.format = Format::kJsonl;
      config.batch = batch;
      config.threads = threads;
      config.explain = true;
      const Captured before = Process(config, Concat(lines, 0, 5));
      ASSERT_FALSE(before.output.empty());
      StreamProcessor processor(&DefaultRules(), FilterConfig{}, config);
      Captured got;
      try {
        Feed(processor, config, input, &got);
        ADD_FAILURE() << "no exception";
      } catch (const Error& e) {
        const std::string want = "record 6 (byte " + std::to_string(bad_offset) + ")";
        EXPECT_NE(std::string(e.what()).find(want), std::string::npos) << e.what();
      }
      EXPECT_TRUE(got.output == before.output) << "output:\n" << got.output;
      EXPECT_EQ(got.rejects, before.rejects);
      EXPECT_EQ(got.explain, before.explain);
      EXPECT_TRUE(got.warnings.empty());
    }
  }
}

TEST(StreamTest, MalformedRecordIsSkippedWithAWarning) {
  std::vector<std::string> lines = JsonLines(9);
  const std::string without = Concat(lines, 0, lines.size());
  lines.insert(lines.begin() + 5, kBadLine);  // record 6
  const std::string input = Concat(lines, 0, lines.size());
  const std::size_t bad_offset = Concat(lines, 0, 5).size();
  for (std::size_t batch : {1, 5, 6, 512}) {
    SCOPED_TRACE("batch " + std::to_string(batch));
    StreamConfig config;
    config.format = Format::kJsonl;
    config.batch = batch;
    config.skip_errors = true;
    const Captured clean = Process(config, without);
    StreamProcessor processor(&DefaultRules(), FilterConfig{}, config);
    Captured got;
    ASSERT_NO_THROW(Feed(processor, config, input, &got));
    ASSERT_EQ(got.warnings.size(), 1u);
    const std::string want = "record 6 (byte " + std::to_string(bad_offset) + ")";
    EXPECT_NE(got.warnings[0].find(want), std::string::npos) << got.warnings[0];
    EXPECT_EQ(got.output, clean.output);
    EXPECT_EQ(clean.rejects, "");
    EXPECT_EQ(got.rejects, kBadLine);
    EXPECT_EQ(processor.stats().malformed, 1u);
    EXPECT_EQ(processor.stats().records, 10u);
  }
}

// A record over max_document_bytes is written through unchanged, in its
// place, piece by piece, and is neither analysed nor indexed: the output is
// that of the stream without it, with its bytes inserted where it stood. A
// stop is offered only between records, never between two of its pieces.
TEST(StreamTest, OversizedRecordsPassThroughInTheirPlace) {
  const std::vector<std::string> docs = GeneratedDocuments(31, 200);
  // Its text repeats a document of the stream: analysed, it would be a copy.
  std::string big;
  for (int i = 0; i < 40; ++i) big += docs[10] + "\n";
  ASSERT_EQ(big.find('\0'), std::string::npos);
  const std::size_t limit = big.size() - 1;
  big.push_back('\0');
  const std::string part1 = NulStream(docs, 0, 60), part2 = NulStream(docs, 60, 150),
                    part3 = NulStream(docs, 150, docs.size());
  StreamConfig base = NulConfig();
  base.max_document_bytes = limit;
  // The stream without the big records, in three runs of one processor.
  StreamProcessor reference_processor(&DefaultRules(), FilterConfig{}, base);
  Captured r1, r2, r3;
  Feed(reference_processor, base, part1, &r1);
  Feed(reference_processor, base, part2, &r2);
  Feed(reference_processor, base, part3, &r3);
  const std::string expected = r1.output + big + r2.output + big + r3.output;
  const std::string input = part1 + big + part2 + big + part3;
  const std::string warning = "input: record 61 (byte " + std::to_string(part1.size()) +
                              "): larger than " + std::to_string(limit) +
                              " bytes (--max-document-bytes): passed through unanalysed";

  struct Row {
    int threads;
    std::size_t batch, chunk;
  };
  const Row rows[] = {{1, 512, 1 << 16}, {3, 512, 1 << 16}, {2, 7, 1000}, {3, 2, 64}};
  for (const Row& row : rows) {
    SCOPED_TRACE("threads " + std::to_string(row.threads) + ", batch " +
                 std::to_string(row.batch) + ", chunk " + std::to_string(row.chunk));
    StreamConfig config = base;
    config.threads = row.threads;
    config.batch = row.batch;
    StreamProcessor processor(&DefaultRules(), FilterConfig{}, config);
    PipeFeed feed(input);
    RecordReader reader(feed.fd(), "input", config.format, config.fields, row.chunk, false,
                        limit);
    Captured got;
    bool mid_record_output = false;  // some output ended inside a record
    bool boundary_ok = true;
    StreamSinks sinks;
    sinks.output = [&](std::string_view s) {
      got.output.append(s);
      if (got.output.back() != '\0') mid_record_output = true;
    };
    sinks.warning = [&](const std::string& m) { got.warnings.push_back(m); };
    sinks.record_boundary = [&] {
      if (!got.output.empty() && got.output.back() != '\0') boundary_ok = false;
    };
    processor.Run(reader, "input", sinks);
    EXPECT_TRUE(got.output == expected) << "output differs";
    ASSERT_EQ(got.warnings.size(), 2u);
    EXPECT_EQ(got.warnings[0], warning);
    EXPECT_TRUE(boundary_ok) << "a stop was offered inside a record";
    if (row.chunk < big.size()) EXPECT_TRUE(mid_record_output) << "the big record was not streamed";
    const StreamStats& stats = processor.stats();
    EXPECT_EQ(stats.records, docs.size() + 2);
    EXPECT_EQ(stats.too_large, 2u);
    EXPECT_EQ(stats.bytes_in, input.size());
    EXPECT_EQ(stats.bytes_out, expected.size());
    EXPECT_EQ(stats.dropped_documents, reference_processor.stats().dropped_documents);
  }
}

// --- text mode: every input one document -------------------------------------

namespace text_mode {

// Files in a folder of their own, removed with it.
class TempDir {
 public:
  TempDir() {
    char name[] = "/tmp/winnow_text_XXXXXX";
    if (mkdtemp(name) == nullptr) std::abort();
    path_ = name;
  }
  ~TempDir() {
    for (const std::string& f : files_) unlink(f.c_str());
    rmdir(path_.c_str());
  }
  std::string Add(const std::string& name, const std::string& data) {
    const std::string path = path_ + "/" + name;
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size())) std::abort();
    close(fd);
    files_.push_back(path);
    return path;
  }
  std::string Missing(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
  std::vector<std::string> files_;
};

// What the core filter keeps of one document (filter.hpp), the reference
// the pipeline's text mode is held to.
std::string Kept(const std::string& text) {
  Filter filter(&DefaultRules(), FilterConfig{});
  Document doc;
  SplitDocument(text, &doc);
  FilterResult result;
  filter.Run(doc, &result);
  std::string out;
  AppendKept(doc, result.keep, &out);
  return out;
}

TEST(StreamTextMode, EveryFileOneDocumentInOrderAtAnyThreadCountAndBatch) {
  const std::string body =
      "Flood barriers failed in three towns overnight, according to an engineering panel.\n\n"
      "The panel's review, based on sixty pages of inspection logs, blames delayed maintenance.\n";
  const std::string unterminated = "A document that ends without a newline, as an editor may leave it.";
  const std::string big(500, 'x');  // over the limit below: passed through, no newline added inside
  TempDir dir;
  std::vector<std::string> inputs;
  // Many small documents, so that batches of every shape span files, with
  // an unreadable input, an unterminated document before the oversized one,
  // and boilerplate the rules drop.
  std::string expected;
  std::size_t readable_bytes = 0, expected_before_missing = 0;
  bool unterminated_so_far = false;
  std::string big_path;
  auto add = [&](const std::string& name, const std::string& text, bool oversized) {
    inputs.push_back(dir.Add(name, text));
    readable_bytes += text.size();
    const std::string kept = oversized ? text : Kept(text);
    if (kept.empty()) return;
    if (unterminated_so_far) expected += '\n';
    expected += kept;
    unterminated_so_far = kept.back() != '\n';
  };
  for (int i = 0; i < 9; ++i) {
    add("page" + std::to_string(i) + ".txt",
        "Page " + std::to_string(i) + " of the county paper tells of a flood.\n\n" + body + "\nShare.\n", false);
    if (i == 3) {
      inputs.push_back(dir.Missing("missing.txt"));
      expected_before_missing = expected.size();
    }
    if (i == 5) {
      add("nonl.txt", unterminated, false);
      add("big.txt", big + " no newline at the end", true);
      big_path = inputs.back();
      add("empty.txt", "", false);
    }
  }
  ASSERT_EQ(expected.find("Share."), std::string::npos) << "the reference kept the boilerplate";
  ASSERT_NE(expected.find(unterminated + "\n" + big), std::string::npos);

  for (int threads : {1, 2, 3}) {
    for (std::size_t batch : {std::size_t{1}, std::size_t{4}, std::size_t{512}}) {
      StreamConfig config;
      config.format = Format::kText;
      config.threads = threads;
      config.batch = batch;
      config.max_document_bytes = 400;
      StreamProcessor processor(&DefaultRules(), FilterConfig{}, config);
      Captured got;
      std::vector<std::string> errors;
      std::size_t output_at_error = 0;
      StreamSinks sinks;
      sinks.output = [&](std::string_view s) { got.output.append(s); };
      sinks.warning = [&](const std::string& m) { got.warnings.push_back(m); };
      sinks.input_error = [&](const InputError& e) {
        errors.push_back(e.what());
        output_at_error = got.output.size();
      };
      processor.Run(inputs, sinks);
      SCOPED_TRACE("threads " + std::to_string(threads) + ", batch " + std::to_string(batch));
      EXPECT_TRUE(got.output == expected) << "output differs";
      ASSERT_EQ(errors.size(), 1u);
      EXPECT_NE(errors[0].find("missing.txt: No such file"), std::string::npos) << errors[0];
      EXPECT_EQ(output_at_error, expected_before_missing) << "the error was not told in its place";
      ASSERT_EQ(got.warnings.size(), 1u);
      EXPECT_EQ(got.warnings[0], big_path +
                                     ": larger than 400 bytes (--max-document-bytes): passed through unanalysed");
      const StreamStats& stats = processor.stats();
      EXPECT_EQ(stats.records, inputs.size() - 1);
      EXPECT_EQ(stats.too_large, 1u);
      EXPECT_EQ(stats.lines.documents, inputs.size() - 2);  // every readable one but the oversized
      EXPECT_EQ(stats.bytes_in, readable_bytes);
      EXPECT_EQ(stats.bytes_out, expected.size());
    }
  }
}

}  // namespace text_mode

}  // namespace
}  // namespace winnow
