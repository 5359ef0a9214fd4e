#include "winnow/stages.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "winnow/decide.hpp"
#include "winnow/decide_stage.hpp"
#include "winnow/detail/xxhash.hpp"
#include "winnow/doc_dedup.hpp"
#include "winnow/line_model.hpp"
#include "winnow/normalize.hpp"
#include "winnow/options.hpp"
#include "winnow/stream.hpp"

namespace winnow {
namespace {

std::string TempPath(const std::string& name) {
  return ::testing::TempDir() + "stages_test_" + std::to_string(::getpid()) + "_" + name;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteAll(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

// Documents with planted near-duplicates: random texts of 20 to 400 words
// (short ones are decided on exact Jaccard), a third of them copies of an
// earlier one with a few words changed.
std::vector<DocSignature> Signatures(const DocDedupConfig& config, int n) {
  std::mt19937_64 rng(5);
  std::vector<std::vector<std::string>> texts;
  std::vector<DocSignature> out;
  DocSigner signer(config);
  for (int i = 0; i < n; ++i) {
    std::vector<std::string> words;
    if (!texts.empty() && rng() % 3 == 0) {
      words = texts[rng() % texts.size()];
      for (int k = 0; k < 2; ++k) words[rng() % words.size()] = "w" + std::to_string(rng() % 100000);
    } else {
      const std::size_t count = 20 + rng() % 380;
      for (std::size_t k = 0; k < count; ++k) words.push_back("w" + std::to_string(rng() % 100000));
      texts.push_back(words);
    }
    std::string text;
    for (const std::string& w : words) text += w + " ";
    Normalized norm;
    Normalize(text, &norm);
    DocSignature sig;
    signer.Sign(norm, &sig);
    out.push_back(sig);
  }
  out.push_back(DocSignature{});  // a document without words
  return out;
}

// The decisions made from facts read back from a file are those made from
// the whole signatures: what the file keeps of a signature is what
// DocumentIndex::Add reads.
TEST(StagesTest, FactsFileGivesTheDecisionsOfTheWholeSignatures) {
  StreamConfig config;
  const std::vector<DocSignature> sigs = Signatures(config.doc, 600);
  const std::string path = TempPath("facts");
  {
    StageWriter out(path, StageHeader{"facts", "p=1\n", 0, 1, 0}, config.doc);
    for (std::size_t i = 0; i < sigs.size(); ++i) {
      std::vector<RepeatedLines::Line> lines = {{i % 7, true, false}, {42, false, i % 2 == 0}};
      DocFacts f;
      f.site = i % 3;
      f.counted = &lines;
      f.kept_uncounted = i % 5 == 0;
      f.signature = &sigs[i];
      const std::string id = "\"id-" + std::to_string(i) + "\"";
      f.id = id;
      const std::vector<int> verdicts = {-1, static_cast<int>(i % 4), -1};
      f.verdicts = &verdicts;
      out.AddFacts(StageRecord::kDocument, i, &f);
      if (i % 50 == 0) out.AddFacts(StageRecord::kOther, 1000 + i, nullptr);
    }
    out.Commit();
  }
  Decider whole(config), replayed(config);
  StageReader in(path, "facts", config.doc);
  EXPECT_EQ(in.header().parameters, "p=1\n");
  FactsRecord rec;
  int duplicates = 0, documents = 0;
  for (std::size_t i = 0; i < sigs.size(); ++i) {
    ASSERT_TRUE(in.NextFacts(&rec));
    ASSERT_EQ(rec.kind, StageRecord::kDocument);
    ASSERT_EQ(rec.raw_hash, i);
    EXPECT_EQ(rec.id, "\"id-" + std::to_string(i) + "\"");
    EXPECT_EQ(rec.kept_uncounted, i % 5 == 0);
    std::vector<RepeatedLines::Line> lines = {{i % 7, true, false}, {42, false, i % 2 == 0}};
    DocFacts a{i % 3, &lines, i % 5 == 0, &sigs[i], nullptr, "", ""};
    DocFacts b{rec.site, &rec.counted, rec.kept_uncounted, &rec.signature, nullptr, "", ""};
    EXPECT_EQ(rec.verdicts, (std::vector<int>{-1, static_cast<int>(i % 4), -1}));
    DocDecision da, db;
    whole.Decide(a, &da, {});
    replayed.Decide(b, &db, {});
    ++documents;
    EXPECT_EQ(da.duplicate.duplicate, db.duplicate.duplicate) << i;
    EXPECT_EQ(da.duplicate.of, db.duplicate.of) << i;
    EXPECT_EQ(da.duplicate.similarity, db.duplicate.similarity) << i;
    EXPECT_EQ(da.duplicate.exact_similarity, db.duplicate.exact_similarity) << i;
    EXPECT_EQ(da.repeated, db.repeated) << i;
    duplicates += da.duplicate.duplicate;
    if (i % 50 == 0) {
      ASSERT_TRUE(in.NextFacts(&rec));
      EXPECT_EQ(rec.kind, StageRecord::kOther);
      EXPECT_EQ(rec.raw_hash, 1000 + i);
    }
  }
  EXPECT_FALSE(in.NextFacts(&rec));
  // The planted copies are found (the comparison above means something).
  EXPECT_GT(duplicates, documents / 5);
  std::remove(path.c_str());
}

std::string DecisionsFile(const std::string& path, const std::string& parameters) {
  StreamConfig config;
  StageWriter out(path, StageHeader{"decisions", parameters, 1, 3, 7}, config.doc);
  DocDecision d;
  d.ordinal = 8;
  d.repeated = {true, false, false, true, true, false, true, false, true};
  d.duplicate.duplicate = true;
  d.duplicate.of = 3;
  d.duplicate.similarity = 0.8125;
  d.duplicate_id = "\"a\"";
  d.duplicate_url = "https://example.org/";
  const std::vector<int> verdicts = {-1, 0, 65534, -1};
  out.AddDecision(StageRecord::kOther, 11, 7, nullptr);
  out.AddDecision(StageRecord::kDocument, 12, 8, &d, &verdicts);
  out.Commit();
  return ReadAll(path);
}

TEST(StagesTest, DecisionsRoundTrip) {
  const std::string path = TempPath("decisions");
  DecisionsFile(path, "x=1\n");
  StreamConfig config;
  DecisionSource source(path, "x=1\n", config.doc);
  EXPECT_EQ(source.header().part, 1u);
  EXPECT_EQ(source.header().parts, 3u);
  EXPECT_EQ(source.header().first_ordinal, 7u);
  std::uint64_t ordinal = 0;
  DocDecision d;
  EXPECT_EQ(source.VerdictsAt(0), nullptr);  // not a document
  ASSERT_NE(source.VerdictsAt(1), nullptr);
  EXPECT_EQ(*source.VerdictsAt(1), (std::vector<int>{-1, 0, 65534, -1}));
  EXPECT_EQ(source.VerdictsAt(2), nullptr);
  source.Next(StageRecord::kOther, 11, "r1", &ordinal, &d);
  EXPECT_EQ(ordinal, 7u);
  EXPECT_EQ(source.position(), 1u);
  EXPECT_THROW(source.ExpectEnd(), StageError);
  source.Next(StageRecord::kDocument, 12, "r2", &ordinal, &d);
  EXPECT_EQ(ordinal, 8u);
  EXPECT_EQ(d.repeated, (std::vector<bool>{true, false, false, true, true, false, true, false, true}));
  EXPECT_TRUE(d.duplicate.duplicate);
  EXPECT_EQ(d.duplicate.of, 3u);
  EXPECT_EQ(d.duplicate.similarity, 0.8125);
  EXPECT_EQ(d.duplicate_id, "\"a\"");
  EXPECT_EQ(d.duplicate_url, "https://example.org/");
  EXPECT_NO_THROW(source.ExpectEnd());
  EXPECT_THROW(source.Next(StageRecord::kOther, 13, "r3", &ordinal, &d), StageError);
  std::remove(path.c_str());
}

TEST(StagesTest, ARecordOfAnotherShardIsRefused) {
  const std::string path = TempPath("other_shard");
  DecisionsFile(path, "x=1\n");
  StreamConfig config;
  DecisionSource source(path, "x=1\n", config.doc);
  std::uint64_t ordinal = 0;
  DocDecision d;
  EXPECT_THROW(source.Next(StageRecord::kOther, 99, "r1", &ordinal, &d), StageError);
  std::remove(path.c_str());
}

// Every byte of the file matters: each single-byte change anywhere, and
// each truncation, is refused (never read as other decisions).
TEST(StagesTest, EveryDamageIsRefused) {
  const std::string path = TempPath("damaged");
  const std::string good = DecisionsFile(path, "x=1\n");
  StreamConfig config;
  for (std::size_t at = 0; at < good.size(); ++at) {
    std::string bad = good;
    bad[at] = static_cast<char>(bad[at] ^ 0x10);
    WriteAll(path, bad);
    EXPECT_THROW(DecisionSource(path, "x=1\n", config.doc), StageError) << "byte " << at;
  }
  for (std::size_t size = 0; size < good.size(); ++size) {
    WriteAll(path, good.substr(0, size));
    EXPECT_THROW(DecisionSource(path, "x=1\n", config.doc), StageError) << "size " << size;
  }
  WriteAll(path, good + "x");
  EXPECT_THROW(DecisionSource(path, "x=1\n", config.doc), StageError);
  WriteAll(path, good);
  EXPECT_NO_THROW(DecisionSource(path, "x=1\n", config.doc));
  std::remove(path.c_str());
}

TEST(StagesTest, OtherParametersAreRefusedNamingTheOption) {
  const std::string path = TempPath("params");
  DecisionsFile(path, "winnow=1\nshingle=5\n");
  StreamConfig config;
  try {
    DecisionSource source(path, "winnow=1\nshingle=4\n", config.doc);
    FAIL() << "accepted";
  } catch (const StageError& e) {
    EXPECT_NE(std::string(e.what()).find("shingle=5, this run has shingle=4"), std::string::npos) << e.what();
  }
  std::remove(path.c_str());
}

TEST(StagesTest, AFailedStageLeavesNoFile) {
  const std::string path = TempPath("uncommitted");
  std::remove(path.c_str());
  {
    StreamConfig config;
    StageWriter out(path, StageHeader{"facts", "", 0, 1, 0}, config.doc);
    out.AddFacts(StageRecord::kOther, 1, nullptr);
  }  // not committed
  EXPECT_NE(::access(path.c_str(), F_OK), 0);
  EXPECT_NE(::access((path + ".tmp").c_str(), F_OK), 0);
}

// DecideParts (winnow decide): three parts' facts, given in another order,
// decide as one Decider over every document in part order; a missing part
// is refused before anything is written.
TEST(StagesTest, DecidePartsGivesOneDecidersDecisions) {
  StreamConfig config;
  const std::vector<DocSignature> sigs = Signatures(config.doc, 600);
  const auto lines_of = [](std::size_t i) {
    return std::vector<RepeatedLines::Line>{{i % 7, true, false}, {42, false, i % 2 == 0}};
  };
  std::vector<std::string> facts;
  for (std::uint32_t p = 0; p < 3; ++p) {
    facts.push_back(TempPath("part" + std::to_string(p)));
    StageWriter out(facts.back(), StageHeader{"facts", "p=1\n", p, 3, 0}, config.doc);
    for (std::size_t i = p * 200; i < (p + 1) * 200; ++i) {
      std::vector<RepeatedLines::Line> lines = lines_of(i);
      DocFacts f{0, &lines, false, &sigs[i], nullptr, "", ""};
      out.AddFacts(StageRecord::kDocument, i, &f);
    }
    out.Commit();
  }
  const std::string dir = TempPath("decisions");
  DecideStageArgs args;
  args.facts = {facts[2], facts[0], facts[1]};
  args.dir = dir;
  args.parameters = "p=1\n";
  const DecideStageStats stats = DecideParts(args, config);
  EXPECT_EQ(stats.parts, 3u);
  EXPECT_EQ(stats.documents, 600u);
  Decider whole(config);
  int duplicates = 0;
  for (std::uint32_t p = 0; p < 3; ++p) {
    StageReader in(DecisionsPath(dir, p, 3), "decisions", config.doc);
    StageRecord kind;
    std::uint64_t raw_hash, ordinal;
    DocDecision got, want;
    std::vector<int> verdicts;
    for (std::size_t i = p * 200; i < (p + 1) * 200; ++i) {
      ASSERT_TRUE(in.NextDecision(&kind, &raw_hash, &ordinal, &got, &verdicts));
      std::vector<RepeatedLines::Line> lines = lines_of(i);
      DocFacts f{0, &lines, false, &sigs[i], nullptr, "", ""};
      whole.Decide(f, &want, {});
      EXPECT_EQ(raw_hash, i);
      EXPECT_EQ(ordinal, want.ordinal) << i;
      EXPECT_EQ(got.duplicate.duplicate, want.duplicate.duplicate) << i;
      EXPECT_EQ(got.duplicate.of, want.duplicate.of) << i;
      EXPECT_EQ(got.empty, want.empty) << i;
      EXPECT_EQ(got.repeated, want.repeated) << i;
      duplicates += got.duplicate.duplicate;
    }
    EXPECT_FALSE(in.NextDecision(&kind, &raw_hash, &ordinal, &got, &verdicts));
  }
  EXPECT_GT(duplicates, 100);
  // Part 2 missing: refused, the decisions written above left as they were.
  const std::string before = ReadAll(DecisionsPath(dir, 0, 3));
  args.facts = {facts[0], facts[2]};
  EXPECT_THROW(DecideParts(args, config), StageError);
  EXPECT_EQ(ReadAll(DecisionsPath(dir, 0, 3)), before);
  for (std::uint32_t p = 0; p < 3; ++p) {
    std::remove(DecisionsPath(dir, p, 3).c_str());
    std::remove(facts[p].c_str());
  }
  ::rmdir(dir.c_str());
}

// Every option that changes a result is in the stage parameters: setting
// it changes them (a new flag that ResultParameters does not know throws).
TEST(StagesTest, ResultParametersSeeEveryOptionThatChangesAResult) {
  Options defaults;
  SetOption(&defaults, "format", "jsonl");
  FinishOptions(&defaults);
  const std::string base = ResultParameters(defaults);
  const std::pair<const char*, const char*> changes[] = {
      {"no-rules", ""},          {"no-dedup", ""},          {"no-doc-dedup", ""},
      {"no-repeated-lines", ""}, {"keep-empty", ""},        {"no-default-rules", ""},
      {"disable", "line-model"}, {"doc-threshold", "0.7"},  {"doc-shingle", "4"},
      {"shingle", "4"},          {"jaccard", "0.6"},        {"repeat-documents", "5"},
      {"max-index-docs", "10"},  {"format", "nul"},         {"text-field", "body"},
      {"on-error", "skip"},      {"max-document-bytes", "1000"}, {"threshold", "0.5"}};
  for (const auto& [name, value] : changes) {
    Options o;
    SetOption(&o, "format", "jsonl");
    SetOption(&o, name, value);
    FinishOptions(&o);
    EXPECT_NE(ResultParameters(o), base) << name;
  }
  // ... and nothing else: threads and reporting do not.
  Options o;
  SetOption(&o, "format", "jsonl");
  SetOption(&o, "threads", "3");
  SetOption(&o, "stats", "");
  SetOption(&o, "annotate", "");
  FinishOptions(&o);
  EXPECT_EQ(ResultParameters(o), base);
}

// The built-in rules, stopwords and line model are in the parameters by
// the hash of their text: a stage file from a build with another model
// (the version unchanged) is refused.
TEST(StagesTest, ResultParametersNameTheBuiltInData) {
  Options o;
  SetOption(&o, "format", "jsonl");
  FinishOptions(&o);
  const std::string parameters = ResultParameters(o);
  const std::string hashes = BuiltInDataHashes();
  EXPECT_NE(parameters.find("\nbuilt-in=" + hashes + "\n"), std::string::npos) << parameters;
  char model[17];
  const std::string_view text = DefaultLineModelText();
  std::snprintf(model, sizeof model, "%016llx",
                static_cast<unsigned long long>(XXH3_64bits(text.data(), text.size())));
  EXPECT_NE(hashes.find(model), std::string::npos) << hashes;
  EXPECT_EQ(std::count(hashes.begin(), hashes.end(), ','), 2) << hashes;
}

}  // namespace
}  // namespace winnow
