#include "winnow/options.hpp"
#include "winnow/line_model.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <string>

namespace winnow {
namespace {

struct BadValue {
  const char* option;
  const char* value;
  const char* message;  // the whole "--option: what" text
};

// Every range boundary just outside, and values that are not numbers.
const BadValue kBadValues[] = {
    {"repeat-max-words", "3.5", "--repeat-max-words: '3.5' is not an integer"},
    {"repeat-max-words", "", "--repeat-max-words: '' is not an integer"},
    {"repeat-max-words", "99999999999999999999", "--repeat-max-words: must be an integer between 1 and 1000000, not 99999999999999999999"},
    {"threshold", "", "--threshold: '' is not a number"},
    {"shingle", "0", "--shingle: must be an integer between 1 and 16, not 0"},
    {"shingle", "17", "--shingle: must be an integer between 1 and 16, not 17"},
    {"permutations", "0", "--permutations: must be an integer between 1 and 1024, not 0"},
    {"jaccard", "0", "--jaccard: must be in (0, 1], not 0"},
    {"jaccard", "1.01", "--jaccard: must be in (0, 1], not 1.01"},
    {"jaccard", "nan", "--jaccard: 'nan' is not a number"},
    {"jaccard", "0.7x", "--jaccard: '0.7x' is not a number"},
    {"containment", "2", "--containment: must be in (0, 1], not 2"},
    {"max-growth", "0.5", "--max-growth: must be at least 1, not 0.5"},
    {"threshold", "-0.1", "--threshold: must be in [0, 1], not -0.1"},
    {"threshold", "1.5", "--threshold: must be in [0, 1], not 1.5"},
    {"max-document-bytes", "-1", "--max-document-bytes: must be an integer of at least 1, not -1"},
    {"max-document-bytes", "0", "--max-document-bytes: must be an integer of at least 1, not 0"},
    {"seed", "-1", "--seed: must be a non-negative integer, not -1"},
    {"threads", "257", "--threads: must be an integer between 0 and 256, not 257"},
    {"doc-threshold", "0", "--doc-threshold: must be in (0, 1], not 0"},
    {"doc-shingle", "0", "--doc-shingle: must be an integer between 1 and 16, not 0"},
    {"repeat-documents", "0", "--repeat-documents: must be an integer between 1 and 65535, not 0"},
    {"repeat-documents", "70000", "--repeat-documents: must be an integer between 1 and 65535, not 70000"},
    {"repeat-max-words", "-1", "--repeat-max-words: must be an integer between 1 and 1000000, not -1"},
    {"max-index-docs", "0", "--max-index-docs: must be an integer between 1 and 4294967294, not 0"},
    {"text-field", "", "--text-field: must not be empty"},
    {"keep-title", "maybe", "--keep-title: expected true or false, not 'maybe'"},
    {"format", "csv", "--format: unknown format 'csv' (expected text, jsonl, wet or nul)"},
    {"on-error", "ignore", "--on-error: expected stop or skip, not 'ignore'"},
};

TEST(Options, BadValuesAreRefusedNamingTheOption) {
  for (const BadValue& row : kBadValues) {
    Options options;
    try {
      SetOption(&options, row.option, row.value);
      ADD_FAILURE() << row.option << " " << row.value << " was accepted";
    } catch (const OptionError& e) {
      EXPECT_EQ(std::string(e.what()), row.message);
      EXPECT_EQ(e.where(), "--" + std::string(row.option));
    }
  }
}

TEST(Options, GoodValuesReachTheConfiguration) {
  Options o;
  SetOption(&o, "threshold", "0.25");
  SetOption(&o, "shingle", "16");
  SetOption(&o, "jaccard", "1");
  SetOption(&o, "containment", "+0.5");
  SetOption(&o, "seed", "18446744073709551615");
  SetOption(&o, "keep-title", "no");
  SetOption(&o, "j", "3");
  SetOption(&o, "z", "");
  SetOption(&o, "no-dedup", "");
  SetOption(&o, "no-doc-dedup", "");
  SetOption(&o, "rules", "a.rules");
  SetOption(&o, "rules", "b.rules");
  SetOption(&o, "on-error", "skip");
  EXPECT_EQ(o.filter.lines.threshold, 0.25);
  EXPECT_EQ(o.filter.dedup_config.shingle_words, 16);
  EXPECT_EQ(o.filter.dedup_config.jaccard, 1.0);
  EXPECT_EQ(o.filter.dedup_config.containment, 0.5);
  EXPECT_EQ(o.filter.dedup_config.seed, 18446744073709551615ULL);
  EXPECT_FALSE(o.filter.lines.keep_title);
  EXPECT_EQ(o.stream.threads, 3);
  EXPECT_EQ(o.stream.format, Format::kNul);
  EXPECT_FALSE(o.filter.dedup);
  EXPECT_FALSE(o.stream.doc_dedup);
  EXPECT_EQ(o.rules_files, (std::vector<std::string>{"a.rules", "b.rules"}));
  EXPECT_TRUE(o.stream.skip_errors);
}

TEST(Options, UnknownOptionIsAnOptionError) {
  Options o;
  EXPECT_THROW(SetOption(&o, "min_words", "3"), OptionError);
  EXPECT_THROW(SetOption(&o, "q", ""), OptionError);
}

TEST(Options, DefaultsAreTheLibrarysDefaults) {
  const Options o;
  EXPECT_EQ(FindOption("threshold")->get(o), "");  // the model's own
  EXPECT_EQ(FindOption("keep-title")->get(o), "true");
  EXPECT_EQ(FindOption("shingle")->get(o), std::to_string(DedupConfig{}.shingle_words));
  EXPECT_EQ(FindOption("jaccard")->get(o), "0.7");
  EXPECT_EQ(FindOption("doc-threshold")->get(o), "0.8");
  EXPECT_EQ(FindOption("format")->get(o), "text");
  EXPECT_EQ(FindOption("threads")->get(o), "0");
  EXPECT_EQ(FindOption("on-error")->get(o), "stop");
}

TEST(Options, TableIsWellFormed) {
  std::set<std::string_view> names;
  std::set<char> shorts;
  for (const OptionSpec& spec : AllOptions()) {
    EXPECT_TRUE(names.insert(spec.name).second) << spec.name;
    if (spec.short_name != 0) EXPECT_TRUE(shorts.insert(spec.short_name).second) << spec.name;
    EXPECT_EQ(spec.kind == OptionKind::kFlag, spec.value_name.empty()) << spec.name;
    EXPECT_FALSE(spec.help.empty()) << spec.name;
    EXPECT_NE(spec.help.back(), '.') << spec.name;
    bool grouped = false;
    for (std::string_view g : OptionGroups()) grouped = grouped || g == spec.group;
    EXPECT_TRUE(grouped) << spec.name;
    EXPECT_EQ(FindOption(spec.name), &spec);
  }
}

TEST(Options, FinishRefusesStreamOutputsInTextMode) {
  Options o;
  SetOption(&o, "index", "x.idx");
  EXPECT_THROW(FinishOptions(&o), OptionError);
  Options jsonl;
  SetOption(&jsonl, "index", "x.idx");
  SetOption(&jsonl, "format", "jsonl");
  FinishOptions(&jsonl);
  EXPECT_EQ(jsonl.files, std::vector<std::string>{"-"});
  EXPECT_GE(jsonl.stream.threads, 1);
}

TEST(Options, FinishRefusesIndexWaitWithoutAnIndex) {
  Options o;
  SetOption(&o, "format", "jsonl");
  SetOption(&o, "index-wait", "");
  try {
    FinishOptions(&o);
    ADD_FAILURE() << "--index-wait without --index was accepted";
  } catch (const OptionError& e) {
    EXPECT_EQ(std::string(e.what()), "--index-wait: needs --index FILE");
  }
  Options with_index = o;
  SetOption(&with_index, "index", "x.idx");
  FinishOptions(&with_index);
  EXPECT_TRUE(with_index.index_wait);
}

TEST(Options, LoadRulesDisablesByNameAndRefusesUnknownNames) {
  Options o;
  SetOption(&o, "disable", "line-model,share");
  RuleSet rules;
  LoadRules(&o, &rules);
  EXPECT_FALSE(o.filter.lines.model);
  EXPECT_FALSE(rules.enabled(0));  // share

  Options bad;
  SetOption(&bad, "disable", "share,no-such-rule");
  RuleSet rules2;
  try {
    LoadRules(&bad, &rules2);
    ADD_FAILURE() << "unknown rule accepted";
  } catch (const OptionError& e) {
    EXPECT_EQ(std::string(e.what()), "--disable: no rule named 'no-such-rule' (see --list-rules)");
  }

  Options missing;
  SetOption(&missing, "rules", "/nonexistent/x.rules");
  RuleSet rules3;
  EXPECT_THROW(LoadRules(&missing, &rules3), OptionError);
}

// --line-model reads a model file (the built-in one's text here) and says
// where a bad one is wrong, as a usage error.
TEST(Options, LoadRulesReadsALineModelFile) {
  const std::string dir = ::testing::TempDir();
  const std::string good = dir + "/winnow-options-model.txt", bad = dir + "/winnow-options-bad.txt";
  {
    std::ofstream(good) << DefaultLineModelText();
    std::ofstream(bad) << "winnow-line-model 2\nfeatures 3\n";
  }
  Options o;
  SetOption(&o, "line-model", good);
  SetOption(&o, "smoothing", "0.5");
  RuleSet rules;
  LoadRules(&o, &rules);
  ASSERT_NE(o.filter.lines.model_file, nullptr);
  EXPECT_EQ(o.filter.lines.model_file->trees(), LineModel::Default().trees());
  EXPECT_EQ(o.filter.lines.smoothing, 0.5);
  Options b;
  SetOption(&b, "line-model", bad);
  RuleSet rules2;
  try {
    LoadRules(&b, &rules2);
    ADD_FAILURE() << "bad model accepted";
  } catch (const OptionError& e) {
    EXPECT_NE(std::string(e.what()).find(bad + ":2: model has 3 features"), std::string::npos)
        << e.what();
  }
  Options s;
  EXPECT_THROW(SetOption(&s, "smoothing", "-1"), OptionError);
  std::remove(good.c_str());
  std::remove(bad.c_str());
}

}  // namespace
}  // namespace winnow
