// Micro-benchmarks of winnow's pipeline stages: one per stage, each over a
// sweep of input sizes from 1 KiB to 16 MiB, reporting bytes per second
// (and items per second where the stage has natural items: lines,
// paragraphs, documents, records).
//
// The bytes counted are those of the stage's input as the pipeline holds
// them: the document text for the text stages (line endings included, so
// the stages compare on one scale), the JSONL or WET bytes for the record
// formats. A run's time covers the stage alone: reading the corpus, making
// the input and the earlier stages' results happen before the timed loop.
//
// Input is made here, deterministically, from the sample pages in
// corpus/*.txt (WINNOW_CORPUS_DIR): a stream of pages, each a copy of a
// sample page with seeded variation, one blank line between pages. The
// variation follows how web text repeats. Short lines (menus, buttons,
// footers, bylines) belong to a site's template and are copied as they are,
// so the rules meet the boilerplate they were written for. Longer lines
// have some of their words replaced by other words of the same sample page
// (so each page keeps its language and script), at a rate chosen per page: most pages are new text on a known template, a
// few are near-duplicates (mirrors, syndicated copies) and a few exact
// copies, so deduplication sees both unique and duplicate paragraphs. A
// size's input is the prefix of that one stream that ends at a line end.
//
//   winnow_bench --benchmark_filter='Normalize|MinHash' --benchmark_min_time=0.5
#include <benchmark/benchmark.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "winnow/dedup.hpp"
#include "winnow/doc_dedup.hpp"
#include "winnow/document.hpp"
#include "winnow/filter.hpp"
#include "winnow/hashing.hpp"
#include "winnow/jsonl.hpp"
#include "winnow/line_filter.hpp"
#include "winnow/lsh.hpp"
#include "winnow/minhash.hpp"
#include "winnow/normalize.hpp"
#include "winnow/reader.hpp"
#include "winnow/rules.hpp"
#include "winnow/shingle.hpp"
#include "winnow/warc.hpp"

#ifndef WINNOW_CORPUS_DIR
#error "WINNOW_CORPUS_DIR must name the corpus directory (see tests/bench/CMakeLists.txt)"
#endif

namespace winnow::bench {
namespace {

constexpr std::int64_t kMinBytes = std::int64_t{1} << 10;
constexpr std::int64_t kMaxBytes = std::int64_t{1} << 24;

// The seed of the generated stream: changing it changes every input.
constexpr std::uint64_t kStreamSeed = 0x62656e6368ULL;  // "bench"

// A line with fewer words than this and shorter than kTemplateLineBytes is
// a template line (menu item, button, byline) and is never varied.
constexpr std::size_t kTemplateLineWords = 5;
constexpr std::size_t kTemplateLineBytes = 40;
// A space-separated token longer than this is a run of text without spaces
// (Chinese): it is varied code point by code point instead of as one word.
constexpr std::size_t kMaxWordBytes = 30;

// Per page: the share of varied words, and how often each kind of page
// occurs (percent; the rest are new text on a sample page's template).
constexpr double kNewPageRate = 0.25;
constexpr double kNearDuplicateRate = 0.03;
constexpr int kExactCopyPercent = 5;
constexpr int kNearDuplicatePercent = 15;

// splitmix64: a fixed generator, so the input is the same on every library
// and platform (the distributions of <random> are not).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t Next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  std::size_t Below(std::size_t n) { return static_cast<std::size_t>(Next() % n); }
  bool Chance(double p) { return static_cast<double>(Next() >> 11) * 0x1.0p-53 < p; }

 private:
  std::uint64_t state_;
};

// ---------------------------------------------------------------------------
// The sample pages and the stream made from them.

struct SampleLine {
  std::string text;  // without its terminator
  std::string eol;   // "\n" or "\r\n" (a last unterminated line gets "\n")
};

struct SamplePage {
  std::vector<SampleLine> lines;
  std::vector<std::string> vocabulary;  // words of its body lines, with repeats
};

struct SampleCorpus {
  std::vector<SamplePage> pages;
  std::string error;  // non-empty: no usable corpus
};

std::vector<std::string_view> SplitOnSpaces(std::string_view text) {
  std::vector<std::string_view> tokens;
  std::size_t start = 0;
  for (;;) {
    std::size_t space = text.find(' ', start);
    tokens.push_back(text.substr(start, space - start));
    if (space == std::string_view::npos) return tokens;
    start = space + 1;
  }
}

std::size_t CountTokens(const std::vector<std::string_view>& tokens) {
  return static_cast<std::size_t>(std::count_if(
      tokens.begin(), tokens.end(), [](std::string_view t) { return !t.empty(); }));
}

bool IsTemplateLine(std::string_view text, const std::vector<std::string_view>& tokens) {
  return CountTokens(tokens) < kTemplateLineWords && text.size() < kTemplateLineBytes;
}

SampleCorpus LoadCorpus(const std::filesystem::path& dir) {
  SampleCorpus corpus;
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".txt") files.push_back(entry.path());
  }
  if (ec) {
    corpus.error = dir.string() + ": " + ec.message();
    return corpus;
  }
  std::sort(files.begin(), files.end());  // directory order is not stable
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.empty()) continue;
    SamplePage page;
    std::size_t start = 0;
    while (start < bytes.size()) {
      std::size_t nl = bytes.find('\n', start);
      std::size_t end = nl == std::string::npos ? bytes.size() : nl;
      SampleLine line;
      if (end > start && nl != std::string::npos && bytes[end - 1] == '\r') {
        line.text = bytes.substr(start, end - 1 - start);
        line.eol = "\r\n";
      } else {
        line.text = bytes.substr(start, end - start);
        line.eol = "\n";
      }
      start = end + 1;
      std::vector<std::string_view> tokens = SplitOnSpaces(line.text);
      if (!IsTemplateLine(line.text, tokens)) {
        // Not the last token: it carries the line's closing punctuation.
        for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
          if (!tokens[i].empty() && tokens[i].size() <= kMaxWordBytes) {
            page.vocabulary.emplace_back(tokens[i]);
          }
        }
      }
      page.lines.push_back(std::move(line));
    }
    corpus.pages.push_back(std::move(page));
  }
  if (corpus.pages.empty()) {
    corpus.error = "no usable corpus/*.txt in " + dir.string();
  }
  return corpus;
}

const SampleCorpus& Corpus() {
  static const SampleCorpus corpus = LoadCorpus(WINNOW_CORPUS_DIR);
  return corpus;
}

// Replaces about `rate` of the code points of `token` with other code points
// of the same token, keeping the last (the closing punctuation).
void VaryCodePoints(std::string_view token, double rate, Rng* rng, std::string* out) {
  std::vector<std::string_view> units;
  for (std::size_t i = 0; i < token.size();) {
    std::size_t j = i + 1;
    while (j < token.size() && (static_cast<unsigned char>(token[j]) & 0xC0) == 0x80) ++j;
    units.push_back(token.substr(i, j - i));
    i = j;
  }
  for (std::size_t i = 0; i < units.size(); ++i) {
    if (i + 1 < units.size() && rng->Chance(rate)) {
      out->append(units[rng->Below(units.size())]);
    } else {
      out->append(units[i]);
    }
  }
}

void AppendVariedLine(const SampleLine& line, double rate,
                      const std::vector<std::string>& vocabulary, Rng* rng, std::string* out) {
  std::vector<std::string_view> tokens = SplitOnSpaces(line.text);
  if (rate == 0.0 || IsTemplateLine(line.text, tokens)) {
    out->append(line.text);
  } else {
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      if (i > 0) out->push_back(' ');
      const bool last = i + 1 == tokens.size();
      if (tokens[i].size() > kMaxWordBytes) {
        VaryCodePoints(tokens[i], rate, rng, out);
      } else if (!last && !tokens[i].empty() && !vocabulary.empty() && rng->Chance(rate)) {
        out->append(vocabulary[rng->Below(vocabulary.size())]);
      } else {
        out->append(tokens[i]);
      }
    }
  }
  out->append(line.eol);
}

struct Stream {
  std::string bytes;
  // Page k is bytes[page_begin[k], page_end[k]); a blank line follows it.
  std::vector<std::size_t> page_begin, page_end;
};

const Stream& TheStream() {
  static const Stream stream = [] {
    Stream s;
    const SampleCorpus& corpus = Corpus();
    if (!corpus.error.empty()) return s;
    s.bytes.reserve(static_cast<std::size_t>(kMaxBytes) + (1 << 16));
    Rng rng(kStreamSeed);
    while (s.bytes.size() <= static_cast<std::size_t>(kMaxBytes)) {
      const auto& page = corpus.pages[rng.Below(corpus.pages.size())];
      const int kind = static_cast<int>(rng.Below(100));
      const double rate = kind < kExactCopyPercent ? 0.0
                          : kind < kExactCopyPercent + kNearDuplicatePercent
                              ? kNearDuplicateRate
                              : kNewPageRate;
      s.page_begin.push_back(s.bytes.size());
      for (const SampleLine& line : page.lines) {
        AppendVariedLine(line, rate, page.vocabulary, &rng, &s.bytes);
      }
      s.page_end.push_back(s.bytes.size());
      s.bytes.push_back('\n');
    }
    return s;
  }();
  return stream;
}

// The first `n` bytes of the stream or fewer, ending at a line end.
std::string_view Text(std::int64_t n) {
  std::string_view all = TheStream().bytes;
  std::string_view text = all.substr(0, std::min<std::size_t>(n, all.size()));
  std::size_t nl = text.rfind('\n');
  return nl == std::string_view::npos ? text : text.substr(0, nl + 1);
}

// The pages of Text(n); the last may be cut short.
std::vector<std::string_view> Pages(std::int64_t n) {
  const Stream& s = TheStream();
  std::string_view text = Text(n);
  std::vector<std::string_view> pages;
  for (std::size_t k = 0; k < s.page_begin.size() && s.page_begin[k] < text.size(); ++k) {
    std::size_t end = std::min(s.page_end[k], text.size());
    if (end > s.page_begin[k]) pages.push_back(text.substr(s.page_begin[k], end - s.page_begin[k]));
  }
  return pages;
}

std::int64_t TotalBytes(const std::vector<std::string_view>& views) {
  std::int64_t total = 0;
  for (std::string_view v : views) total += static_cast<std::int64_t>(v.size());
  return total;
}


// ---------------------------------------------------------------------------
// Inputs made from the stream, one type per kind of input; T::Fill(n, out)
// makes T for size n. The library calls a benchmark function several times
// for each size (to pick an iteration count), so an input is kept while the
// kind and size stay the same. One slot serves all kinds, so memory holds one
// input at a time: a benchmark takes exactly one Cached<T>. Inputs may hold
// views into the stream, which lives until exit.

struct CacheSlot {
  const std::type_info* kind = nullptr;
  std::int64_t size = -1;
  std::shared_ptr<void> value;
};

CacheSlot& TheCacheSlot() {
  static CacheSlot slot;
  return slot;
}

template <typename T>
const T& Cached(std::int64_t n) {
  CacheSlot& slot = TheCacheSlot();
  if (slot.kind == nullptr || *slot.kind != typeid(T) || slot.size != n) {
    slot.kind = nullptr;
    slot.value.reset();  // free the previous input before making the next
    auto value = std::make_shared<T>();
    T::Fill(n, value.get());
    slot.value = std::move(value);
    slot.kind = &typeid(T);
    slot.size = n;
  }
  return *static_cast<const T*>(slot.value.get());
}

// What a benchmark reports per iteration.
struct Input {
  std::int64_t bytes = 0;
  std::int64_t items = 0;  // 0: none that make sense
};

void Report(benchmark::State& state, const Input& in) {
  state.SetBytesProcessed(state.iterations() * in.bytes);
  if (in.items > 0) state.SetItemsProcessed(state.iterations() * in.items);
}

// A share of the items, as a counter: a check that the input exercises the
// stage as real text does (rules match some lines, dedup drops some
// paragraphs), not a speed.
void ReportShare(benchmark::State& state, const char* name, std::int64_t count,
                 const Input& in) {
  if (state.iterations() == 0 || in.items == 0) return;
  state.counters[name] = static_cast<double>(count) /
                         static_cast<double>(state.iterations() * in.items);
}

bool HaveCorpus(benchmark::State& state) {
  if (Corpus().error.empty()) return true;
  state.SkipWithError(Corpus().error.c_str());
  return false;
}

const RuleSet& DefaultRules() {
  static const std::unique_ptr<RuleSet> rules = [] {
    auto r = std::make_unique<RuleSet>();
    r->Parse(DefaultRulesText(), "default.rules");
    r->Freeze();
    return r;
  }();
  return *rules;
}

// The non-blank lines of Text(n): what the line stages look at.
struct Lines : Input {
  std::vector<std::string_view> lines;
  static void Fill(std::int64_t n, Lines* out) {
    std::string_view text = Text(n);
    Document doc;
    SplitDocument(text, &doc);
    for (const Line& line : doc.lines) {
      if (!line.blank) out->lines.push_back(line.text);
    }
    out->bytes = static_cast<std::int64_t>(text.size());
    out->items = static_cast<std::int64_t>(out->lines.size());
  }
};

struct NormalizedLines : Lines {
  std::vector<Normalized> norms;
  static void Fill(std::int64_t n, NormalizedLines* out) {
    Lines::Fill(n, out);
    out->norms.resize(out->lines.size());
    for (std::size_t i = 0; i < out->lines.size(); ++i) Normalize(out->lines[i], &out->norms[i]);
  }
};

// Documents, split: the pages of Text(n) one by one (how the JSONL and WET
// modes see them), or Text(n) as one document (text mode, one input file).
struct Documents : Input {
  std::vector<Document> docs;
  void Add(std::string_view text) {
    docs.emplace_back();
    SplitDocument(text, &docs.back());
    bytes += static_cast<std::int64_t>(text.size());
    items += static_cast<std::int64_t>(docs.back().lines.size());  // items: lines
  }
};
struct PageDocuments : Documents {
  static void Fill(std::int64_t n, PageDocuments* out) {
    for (std::string_view page : Pages(n)) out->Add(page);
  }
};
struct WholeDocument : Documents {
  static void Fill(std::int64_t n, WholeDocument* out) { out->Add(Text(n)); }
};

// The paragraphs of Text(n) with words, normalised as Filter::Decide
// hands them to the deduper: each line and a '\n', joined. (Line rules
// would first remove some lines; here every line stays.)
void NormalizeParagraphs(std::int64_t n, Input* info, std::vector<Normalized>* out) {
  std::string_view text = Text(n);
  Document doc;
  SplitDocument(text, &doc);
  std::string joined;
  Normalized norm;
  for (const Paragraph& p : doc.paragraphs) {
    joined.clear();
    for (std::uint32_t i = p.first; i < p.end; ++i) {
      joined.append(doc.lines[i].text);
      joined.push_back('\n');
    }
    Normalize(joined, &norm);
    if (!norm.words.empty()) out->push_back(norm);
  }
  info->bytes = static_cast<std::int64_t>(text.size());
  info->items = static_cast<std::int64_t>(out->size());
}

struct ParagraphNorms : Input {
  std::vector<Normalized> norms;
  static void Fill(std::int64_t n, ParagraphNorms* out) {
    NormalizeParagraphs(n, out, &out->norms);
  }
};

// The shingle sets of the paragraphs, as ParagraphDeduper makes them.
void ShingleParagraphs(std::int64_t n, Input* info,
                       std::vector<std::vector<std::uint64_t>>* out) {
  std::vector<Normalized> norms;
  NormalizeParagraphs(n, info, &norms);
  const DedupConfig config;
  std::vector<std::uint64_t> words;
  for (const Normalized& norm : norms) {
    words.clear();
    HashWords(norm, config.seed, &words);
    out->emplace_back();
    Shingles(words, config.shingle_words, config.seed, &out->back());
  }
}

struct ParagraphShingles : Input {
  std::vector<std::vector<std::uint64_t>> shingles;
  std::int64_t total_shingles = 0;
  static void Fill(std::int64_t n, ParagraphShingles* out) {
    ShingleParagraphs(n, out, &out->shingles);
    for (const auto& s : out->shingles) out->total_shingles += static_cast<std::int64_t>(s.size());
  }
};

struct ParagraphSignatures : Input {
  std::vector<std::vector<std::uint64_t>> signatures;
  static void Fill(std::int64_t n, ParagraphSignatures* out) {
    std::vector<std::vector<std::uint64_t>> shingles;
    ShingleParagraphs(n, out, &shingles);
    const DedupConfig config;
    const MinHasher hasher(config.permutations, config.seed);
    out->signatures.resize(shingles.size());
    for (std::size_t i = 0; i < shingles.size(); ++i) {
      hasher.Sign(shingles[i], &out->signatures[i], nullptr);
    }
  }
};

// The page texts, for AppendJsonString; items: pages.
struct PageTexts : Input {
  std::vector<std::string_view> texts;
  static void Fill(std::int64_t n, PageTexts* out) {
    out->texts = Pages(n);
    out->bytes = TotalBytes(out->texts);
    out->items = static_cast<std::int64_t>(out->texts.size());
  }
};

// The pages as JSON Lines, shaped like a crawl export: an id, the address,
// the text, and fields winnow passes through. Items: lines.
struct JsonlInput : Input {
  std::string bytes_of_lines;
  std::vector<std::string_view> lines;  // without their '\n'
  std::vector<JsonLine> parsed;
  std::string error;  // non-empty: a line did not parse
  static void Fill(std::int64_t n, JsonlInput* out) {
    std::string& s = out->bytes_of_lines;
    std::vector<std::size_t> ends;
    const std::vector<std::string_view> pages = Pages(n);
    for (std::size_t k = 0; k < pages.size(); ++k) {
      const std::string number = std::to_string(k + 1);
      s += "{\"id\": \"page-" + number + "\", \"url\": \"https://news.example/" + number +
           "\", \"text\": ";
      AppendJsonString(pages[k], &s);
      s += ", \"lang\": \"en\", \"score\": 0.87, \"meta\": {\"crawl\": \"2025-05\"}}";
      ends.push_back(s.size());
      s.push_back('\n');
    }
    std::size_t begin = 0;
    for (std::size_t end : ends) {
      out->lines.push_back(std::string_view(s).substr(begin, end - begin));
      begin = end + 1;
    }
    const JsonlFields fields;
    out->parsed.resize(out->lines.size());
    for (std::size_t i = 0; i < out->lines.size() && out->error.empty(); ++i) {
      if (!ParseJsonLine(out->lines[i], fields, &out->parsed[i], &out->error) ||
          !out->parsed[i].has_text) {
        out->error = "generated JSONL line " + std::to_string(i + 1) + ": " + out->error;
      }
    }
    out->bytes = static_cast<std::int64_t>(s.size());
    out->items = static_cast<std::int64_t>(out->lines.size());
  }
};

// The pages as a WET file: one `conversion` record each, with the headers
// Common Crawl writes. Items: records.
struct WetInput : Input {
  std::string wet;
  std::vector<WarcRecord> records;  // views into `wet`
  // Each block without its first line: a cleaned block, which makes
  // AppendWarcRecord rewrite Content-Length and the digest.
  std::vector<std::string_view> trimmed;
  std::string error;
  static void Fill(std::int64_t n, WetInput* out) {
    std::string& s = out->wet;
    const std::vector<std::string_view> pages = Pages(n);
    char id[96];
    for (std::size_t k = 0; k < pages.size(); ++k) {
      std::snprintf(id, sizeof id, "<urn:uuid:6c1e9d2a-0000-4000-8000-%012zx>", k + 1);
      s += "WARC/1.0\r\nWARC-Type: conversion\r\nWARC-Target-URI: https://news.example/";
      s += std::to_string(k + 1);
      s += "\r\nWARC-Date: 2025-05-14T09:14:00Z\r\nWARC-Record-ID: ";
      s += id;
      std::snprintf(id, sizeof id, "<urn:uuid:6c1e9d2a-1111-4000-8000-%012zx>", k + 1);
      s += "\r\nWARC-Refers-To: ";
      s += id;
      s += "\r\nWARC-Block-Digest: " + WarcSha1Digest(pages[k]);
      s += "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(pages[k].size());
      s += "\r\n\r\n";
      s += pages[k];
      s += "\r\n\r\n";
    }
    std::string_view data = s;
    while (!data.empty()) {
      out->records.emplace_back();
      long used = ParseWarcRecord(data, true, &out->records.back(), &out->error);
      if (used <= 0) {
        out->error = "generated WET record " + std::to_string(out->records.size()) + ": " +
                     (used < 0 ? out->error : "incomplete");
        return;
      }
      data.remove_prefix(static_cast<std::size_t>(used));
      std::string_view block = out->records.back().block;
      std::size_t nl = block.find('\n');
      out->trimmed.push_back(nl == std::string_view::npos ? block.substr(block.size())
                                                          : block.substr(nl + 1));
    }
    out->bytes = static_cast<std::int64_t>(s.size());
    out->items = static_cast<std::int64_t>(out->records.size());
  }
};

// The pages, normalised whole, for document signatures. Items: pages.
struct PageNorms : Input {
  std::vector<Normalized> norms;
  static void Fill(std::int64_t n, PageNorms* out) {
    const std::vector<std::string_view> pages = Pages(n);
    out->norms.resize(pages.size());
    for (std::size_t k = 0; k < pages.size(); ++k) Normalize(pages[k], &out->norms[k]);
    out->bytes = TotalBytes(pages);
    out->items = static_cast<std::int64_t>(pages.size());
  }
};

// ---------------------------------------------------------------------------
// The benchmarks, in pipeline order.

// Reading a whole input from a memfd into a new string, as the command line
// reads a FILE operand: the copy out of the kernel and the buffer's growth.
void BM_ReadAll(benchmark::State& state) {
  if (!HaveCorpus(state)) return;
  const std::string_view text = Text(state.range(0));
  const int fd = ::memfd_create("winnow_bench", MFD_CLOEXEC);
  if (fd < 0) {
    state.SkipWithError("memfd_create failed");
    return;
  }
  for (std::size_t done = 0; done < text.size();) {
    ssize_t wrote = ::write(fd, text.data() + done, text.size() - done);
    if (wrote <= 0) {
      ::close(fd);
      state.SkipWithError("write to the memfd failed");
      return;
    }
    done += static_cast<std::size_t>(wrote);
  }
  for (auto _ : state) {
    if (::lseek(fd, 0, SEEK_SET) != 0) {
      state.SkipWithError("lseek failed");
      break;
    }
    std::string data;
    ReadAll(fd, "memfd", &data);
    benchmark::DoNotOptimize(data.data());
    benchmark::ClobberMemory();
  }
  ::close(fd);
  Report(state, Input{static_cast<std::int64_t>(text.size()), 0});
}

void BM_SplitDocument(benchmark::State& state) {
  if (!HaveCorpus(state)) return;
  const std::string_view text = Text(state.range(0));
  Document doc;
  for (auto _ : state) {
    SplitDocument(text, &doc);
    benchmark::DoNotOptimize(doc.lines.data());
    benchmark::DoNotOptimize(doc.paragraphs.data());
  }
  SplitDocument(text, &doc);
  Report(state, Input{static_cast<std::int64_t>(text.size()),
                      static_cast<std::int64_t>(doc.lines.size())});
}

void BM_Normalize(benchmark::State& state) {
  if (!HaveCorpus(state)) return;
  const Lines& in = Cached<Lines>(state.range(0));
  Normalized norm;
  for (auto _ : state) {
    for (std::string_view line : in.lines) {
      Normalize(line, &norm);
      benchmark::DoNotOptimize(norm.text.data());
      benchmark::DoNotOptimize(norm.words.data());
    }
  }
  Report(state, in);
}

void BM_RuleSetMatch(benchmark::State& state) {
  if (!HaveCorpus(state)) return;
  const RuleSet& rules = DefaultRules();
  const NormalizedLines& in = Cached<NormalizedLines>(state.range(0));
  std::int64_t matched = 0;
  for (auto _ : state) {
    for (std::size_t i = 0; i < in.lines.size(); ++i) {
      const int m = rules.Match(in.lines[i], in.norms[i]);
      benchmark::DoNotOptimize(m);
      matched += m >= 0;
    }
  }
  Report(state, in);
  ReportShare(state, "matched", matched, in);
}

const Documents& DocumentsFor(benchmark::State& state, bool whole_input) {
  if (whole_input) return Cached<WholeDocument>(state.range(0));
  return Cached<PageDocuments>(state.range(0));
}

void BM_LineFilterJudge(benchmark::State& state, bool whole_input) {
  if (!HaveCorpus(state)) return;
  const Documents& in = DocumentsFor(state, whole_input);
  LineFilter filter(&DefaultRules(), LineFilterConfig{});
  std::vector<int> verdicts;
  std::int64_t dropped = 0;
  for (auto _ : state) {
    for (const Document& doc : in.docs) {
      filter.Judge(doc, &verdicts);
      benchmark::DoNotOptimize(verdicts.data());
      dropped += std::count_if(verdicts.begin(), verdicts.end(), [](int v) { return v >= 0; });
    }
  }
  Report(state, in);
  ReportShare(state, "dropped", dropped, in);
}

void BM_HashWordsShingles(benchmark::State& state) {
  if (!HaveCorpus(state)) return;
  const ParagraphNorms& in = Cached<ParagraphNorms>(state.range(0));
  const DedupConfig config;
  std::vector<std::uint64_t> words, shingles;
  for (auto _ : state) {
    for (const Normalized& norm : in.norms) {
      words.clear();
      HashWords(norm, config.seed, &words);
      Shingles(words, config.shingle_words, config.seed, &shingles);
      benchmark::DoNotOptimize(shingles.data());
    }
  }
  Report(state, in);
}

void BM_MinHashSign(benchmark::State& state) {
  if (!HaveCorpus(state)) return;
  const ParagraphShingles& in = Cached<ParagraphShingles>(state.range(0));
  const MinHasher hasher(kDefaultPermutations, kDefaultSeed);
  std::vector<std::uint64_t> signature, sample;
  for (auto _ : state) {
    for (const auto& shingles : in.shingles) {
      hasher.Sign(shingles, &signature, &sample);
      benchmark::DoNotOptimize(signature.data());
      benchmark::DoNotOptimize(sample.data());
    }
  }
  Report(state, in);
  state.counters["shingles"] = benchmark::Counter(
      static_cast<double>(state.iterations() * in.total_shingles), benchmark::Counter::kIsRate);
}

// One document's worth of paragraphs: each queried, then inserted, into an
// index cleared per iteration (the deduper clears it per document). Unlike
// the deduper, which indexes only the paragraphs it keeps, this inserts
// every one, duplicates too: at the large sizes the buckets of template
// paragraphs fill up, which is what max_per_bucket is there to bound.
void BM_LshQueryInsert(benchmark::State& state) {
  if (!HaveCorpus(state)) return;
  const ParagraphSignatures& in = Cached<ParagraphSignatures>(state.range(0));
  LshIndex index(OptimalLshParams(DedupConfig{}.jaccard, kDefaultPermutations));
  std::vector<std::uint32_t> candidates;
  std::int64_t with_candidates = 0;
  for (auto _ : state) {
    index.Clear();
    for (std::size_t i = 0; i < in.signatures.size(); ++i) {
      candidates.clear();
      index.Query(in.signatures[i], &candidates);
      index.Insert(in.signatures[i], static_cast<std::uint32_t>(i));
      benchmark::DoNotOptimize(candidates.data());
      with_candidates += !candidates.empty();
    }
  }
  Report(state, in);
  ReportShare(state, "with_candidates", with_candidates, in);
}

void BM_ParagraphDeduperAdd(benchmark::State& state) {
  if (!HaveCorpus(state)) return;
  const ParagraphNorms& in = Cached<ParagraphNorms>(state.range(0));
  ParagraphDeduper deduper{DedupConfig{}};
  std::int64_t dropped = 0;
  for (auto _ : state) {
    deduper.Reset();
    for (std::size_t i = 0; i < in.norms.size(); ++i) {
      const DedupVerdict verdict = deduper.Add(in.norms[i], static_cast<std::uint32_t>(i + 1));
      benchmark::DoNotOptimize(verdict);
      dropped += verdict.reason != DedupVerdict::Reason::kKeep;
    }
  }
  Report(state, in);
  ReportShare(state, "dropped", dropped, in);
}

// Both phases, line rules then paragraph deduplication; items are lines.
void BM_FilterRun(benchmark::State& state, bool whole_input) {
  if (!HaveCorpus(state)) return;
  const Documents& in = DocumentsFor(state, whole_input);
  Filter filter(&DefaultRules(), FilterConfig{});
  FilterResult result;
  std::int64_t kept = 0;
  for (auto _ : state) {
    for (const Document& doc : in.docs) {
      filter.Run(doc, &result);
      benchmark::DoNotOptimize(result.drops.data());
      kept += std::count(result.keep.begin(), result.keep.end(), true);
    }
  }
  Report(state, in);
  ReportShare(state, "kept", kept, in);
}

void BM_ParseJsonLine(benchmark::State& state) {
  if (!HaveCorpus(state)) return;
  const JsonlInput& in = Cached<JsonlInput>(state.range(0));
  if (!in.error.empty()) {
    state.SkipWithError(in.error.c_str());
    return;
  }
  const JsonlFields fields;
  JsonLine parsed;
  std::string error;
  for (auto _ : state) {
    for (std::string_view line : in.lines) {
      const bool ok = ParseJsonLine(line, fields, &parsed, &error);
      benchmark::DoNotOptimize(ok);
      benchmark::DoNotOptimize(parsed.text.data());
    }
  }
  Report(state, in);
}

void BM_AppendJsonString(benchmark::State& state) {
  if (!HaveCorpus(state)) return;
  const PageTexts& in = Cached<PageTexts>(state.range(0));
  std::string out;
  for (auto _ : state) {
    out.clear();
    for (std::string_view text : in.texts) AppendJsonString(text, &out);
    benchmark::DoNotOptimize(out.data());
  }
  Report(state, in);
}

// Writing each line back with its text field replaced (here by the same
// text, decoded: the writer's work does not depend on how much was cut).
void BM_AppendWithText(benchmark::State& state) {
  if (!HaveCorpus(state)) return;
  const JsonlInput& in = Cached<JsonlInput>(state.range(0));
  if (!in.error.empty()) {
    state.SkipWithError(in.error.c_str());
    return;
  }
  std::string out;
  for (auto _ : state) {
    out.clear();
    for (std::size_t i = 0; i < in.lines.size(); ++i) {
      const JsonLine& p = in.parsed[i];
      AppendWithText(in.lines[i], p.text_begin, p.text_end, p.text, &out);
      out.push_back('\n');
    }
    benchmark::DoNotOptimize(out.data());
  }
  Report(state, in);
}

void BM_ParseWarcRecord(benchmark::State& state) {
  if (!HaveCorpus(state)) return;
  const WetInput& in = Cached<WetInput>(state.range(0));
  if (!in.error.empty()) {
    state.SkipWithError(in.error.c_str());
    return;
  }
  WarcRecord record;
  std::string error;
  for (auto _ : state) {
    std::string_view data = in.wet;
    while (!data.empty()) {
      const long used = ParseWarcRecord(data, true, &record, &error);
      benchmark::DoNotOptimize(record.block.data());
      if (used <= 0) break;  // not reached: Fill parsed every record
      data.remove_prefix(static_cast<std::size_t>(used));
    }
  }
  Report(state, in);
}

// Writing records back: `changed` gives each a trimmed block, which costs a
// new Content-Length and a SHA-1 digest of the block; otherwise the record
// is copied byte for byte.
void BM_AppendWarcRecord(benchmark::State& state, bool changed) {
  if (!HaveCorpus(state)) return;
  const WetInput& in = Cached<WetInput>(state.range(0));
  if (!in.error.empty()) {
    state.SkipWithError(in.error.c_str());
    return;
  }
  std::string out;
  for (auto _ : state) {
    out.clear();
    for (std::size_t i = 0; i < in.records.size(); ++i) {
      AppendWarcRecord(in.records[i], changed ? in.trimmed[i] : in.records[i].block, &out);
    }
    benchmark::DoNotOptimize(out.data());
  }
  Report(state, in);
}

// Signing each page and judging it against the pages before it, in an
// index new for each iteration. The index is made with the timer paused:
// its constructor picks the LSH bands by numerical integration
// (OptimalLshParams, milliseconds), a once-per-run cost that would swamp
// the small sizes.
void BM_DocSignAndIndex(benchmark::State& state) {
  if (!HaveCorpus(state)) return;
  const PageNorms& in = Cached<PageNorms>(state.range(0));
  const DocDedupConfig config;
  DocSigner signer(config);
  DocSignature signature;
  std::unique_ptr<DocumentIndex> index;
  std::int64_t duplicates = 0;
  for (auto _ : state) {
    state.PauseTiming();
    index.reset();  // the old one is freed untimed too
    index = std::make_unique<DocumentIndex>(config);
    state.ResumeTiming();
    for (std::size_t k = 0; k < in.norms.size(); ++k) {
      signer.Sign(in.norms[k], &signature);
      const DocVerdict verdict = index->Add(signature, k + 1);
      benchmark::DoNotOptimize(verdict);
      duplicates += verdict.duplicate;
    }
  }
  Report(state, in);
  ReportShare(state, "duplicates", duplicates, in);
}

// Every benchmark runs over the same sweep of input sizes; a multiplier of 4
// puts 1 MiB on the sweep.
void Sizes(benchmark::internal::Benchmark* b) {
  b->RangeMultiplier(4)->Range(kMinBytes, kMaxBytes)->Unit(benchmark::kMicrosecond);
}

BENCHMARK(BM_ReadAll)->Apply(Sizes);
BENCHMARK(BM_SplitDocument)->Apply(Sizes);
BENCHMARK(BM_Normalize)->Apply(Sizes);
BENCHMARK(BM_RuleSetMatch)->Apply(Sizes);
BENCHMARK_CAPTURE(BM_LineFilterJudge, pages, false)->Apply(Sizes);
BENCHMARK_CAPTURE(BM_LineFilterJudge, whole_input, true)->Apply(Sizes);
BENCHMARK(BM_HashWordsShingles)->Apply(Sizes);
BENCHMARK(BM_MinHashSign)->Apply(Sizes);
BENCHMARK(BM_LshQueryInsert)->Apply(Sizes);
BENCHMARK(BM_ParagraphDeduperAdd)->Apply(Sizes);
BENCHMARK_CAPTURE(BM_FilterRun, pages, false)->Apply(Sizes);
BENCHMARK_CAPTURE(BM_FilterRun, whole_input, true)->Apply(Sizes);
BENCHMARK(BM_ParseJsonLine)->Apply(Sizes);
BENCHMARK(BM_AppendJsonString)->Apply(Sizes);
BENCHMARK(BM_AppendWithText)->Apply(Sizes);
BENCHMARK(BM_ParseWarcRecord)->Apply(Sizes);
BENCHMARK_CAPTURE(BM_AppendWarcRecord, unchanged, false)->Apply(Sizes);
BENCHMARK_CAPTURE(BM_AppendWarcRecord, changed, true)->Apply(Sizes);
BENCHMARK(BM_DocSignAndIndex)->Apply(Sizes);

}  // namespace
}  // namespace winnow::bench
