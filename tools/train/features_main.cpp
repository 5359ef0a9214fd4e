// winnow-features: the line features of labelled pages, for training the
// line model (tools/train/train.py). Not installed.
//
//     winnow-features ROWS.tsv FEATURES.f32 [WORDS] < pages.jsonl
//     winnow-features --names
//
// Reads JSONL objects with "id" and "text" (the layout of the labelled
// sets), runs the built-in rules and the feature extractor exactly as
// winnow does, and writes one row per non-blank line: to ROWS.tsv
//     ID <TAB> LINE (0-based, over the '\n'-split text) <TAB> PATTERN
// (PATTERN: "FILE:LINE" of the first built-in pattern it matches, or "-")
// and to FEATURES.f32 its kFeatureCount features as little-endian float32
// (the machine's order; training runs where the tool runs). The
// vocabulary columns (lex_*) are 0: their word priors are learned by the
// trainer, which computes them from WORDS.n (per row: its word count,
// uint32) and WORDS.h (the rows' words, HashWord(word, kWordSeed), uint64).
// --names prints the feature names, one per line, and exits.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "winnow/document.hpp"
#include "winnow/jsonl.hpp"
#include "winnow/line_features.hpp"
#include "winnow/line_filter.hpp"
#include "winnow/rules.hpp"

int main(int argc, char** argv) {
  using namespace winnow;
  if (argc > 1 && std::string(argv[1]) == "--names") {
    for (const std::string& name : FeatureNames()) std::cout << name << '\n';
    return 0;
  }
  if (argc != 3 && argc != 4) {
    std::cerr << "usage: winnow-features ROWS.tsv FEATURES.f32 [WORDS] < pages.jsonl\n";
    return 2;
  }
  std::ofstream rows(argv[1]), values(argv[2], std::ios::binary);
  std::ofstream word_counts, word_hashes;
  if (argc == 4) {
    word_counts.open(std::string(argv[3]) + ".n", std::ios::binary);
    word_hashes.open(std::string(argv[3]) + ".h", std::ios::binary);
  }
  LineWords words;
  std::vector<std::uint32_t> counts;
  RuleSet rules;
  rules.Parse(DefaultRulesText(), "default.rules", PatternAction::kFeature);
  rules.Freeze();
  LineFilterConfig config;
  config.model = false;  // features only
  LineFilter filter(&rules, config, nullptr);
  JsonlFields fields;
  JsonLine page;
  std::string line, error, out;
  std::vector<float> block;
  Document doc;
  std::vector<int> verdicts;
  long n = 0;
  while (std::getline(std::cin, line)) {
    ++n;
    if (!ParseJsonLine(line, fields, &page, &error) || !page.has_text) {
      std::cerr << "winnow-features: line " << n << ": " << error << '\n';
      return 1;
    }
    std::string id = page.id;
    if (id.size() >= 2 && id.front() == '"') id = id.substr(1, id.size() - 2);
    SplitDocument(page.text, &doc);
    filter.Judge(doc, &verdicts, &words);
    counts.clear();
    const LineFeatures& features = filter.features();
    out.clear();
    block.clear();
    for (std::size_t i = 0; i < doc.lines.size(); ++i) {
      if (doc.lines[i].blank) continue;
      out += id;
      out += '\t';
      out += std::to_string(doc.lines[i].number - 1);
      out += '\t';
      const int p = filter.feature_patterns()[i];
      out += p >= 0 ? rules.patterns()[p].source : std::string("-");
      out += '\n';
      block.insert(block.end(), features.row(i).begin(), features.row(i).end());
      counts.push_back(static_cast<std::uint32_t>(words.words(i)));
    }
    if (argc == 4) {
      word_counts.write(reinterpret_cast<const char*>(counts.data()),
                        static_cast<std::streamsize>(counts.size() * sizeof(std::uint32_t)));
      for (std::size_t i = 0; i < doc.lines.size(); ++i) {
        if (doc.lines[i].blank) continue;
        word_hashes.write(reinterpret_cast<const char*>(words.words_of(i)),
                          static_cast<std::streamsize>(words.words(i) * sizeof(std::uint64_t)));
      }
    }
    rows << out;
    values.write(reinterpret_cast<const char*>(block.data()),
                 static_cast<std::streamsize>(block.size() * sizeof(float)));
  }
  rows.close();
  values.close();
  word_counts.close();
  word_hashes.close();
  if (!rows || !values || (argc == 4 && (!word_counts || !word_hashes))) {
    std::cerr << "winnow-features: write failed\n";
    return 1;
  }
  return 0;
}
