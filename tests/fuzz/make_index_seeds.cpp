// make_index_seeds DIR: writes valid index files for fuzz_index's seed
// corpus into DIR (made with fuzz::IndexFuzzConfig(), as fuzz_index loads
// them): an empty index, and indexes after a few documents, some of them
// duplicates and some sharing a repeated line.
#include <cstdio>
#include <string>
#include <string_view>

#include "fuzz_util.hpp"
#include "winnow/error.hpp"
#include "winnow/records.hpp"
#include "winnow/rules.hpp"
#include "winnow/stream.hpp"

namespace {

std::string Document(int n, bool copy) {
  const std::string k = std::to_string(copy ? 1 : n);
  return "{\"id\": " + std::to_string(n) + ", \"text\": \"Story " + k +
         "\\n\\nThe district council approved budget number " + k +
         " on Tuesday after a long debate.\\n\\nMain menu of the county paper\\n\\n"
         "Residents will be able to comment on proposal " +
         k + " until the end of next month at the town hall.\"}\n";
}

void Write(const std::string& path, int documents) {
  winnow::RuleSet rules;
  rules.Parse(winnow::DefaultRulesText(), "default.rules");
  rules.Freeze();
  winnow::StreamProcessor processor(&rules, winnow::FilterConfig(),
                                    winnow::fuzz::IndexFuzzConfig());
  std::string stream;
  for (int i = 1; i <= documents; ++i) stream += Document(i, i % 3 == 0);
  const winnow::fuzz::MemFile file(stream);
  winnow::RecordReader reader(file.fd(), "seed", winnow::Format::kJsonl, winnow::JsonlFields());
  processor.Run(reader, "seed", winnow::StreamSinks());
  processor.SaveState(path);
  // What was written loads again with the configuration fuzz_index uses.
  winnow::StreamProcessor check(&rules, winnow::FilterConfig(), winnow::fuzz::IndexFuzzConfig());
  check.LoadState(path);
  if (check.index().next_ordinal() != processor.index().next_ordinal()) {
    throw winnow::Error(path, "does not load back");
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_index_seeds DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  try {
    Write(dir + "/empty.idx", 0);
    Write(dir + "/one.idx", 1);
    Write(dir + "/four.idx", 4);
  } catch (const winnow::Error& e) {
    std::fprintf(stderr, "make_index_seeds: %s: %s\n", e.where().c_str(), e.message().c_str());
    return 1;
  }
  return 0;
}
