#include "winnow/decide_stage.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <memory>

#include "winnow/decide.hpp"
#include "winnow/error.hpp"
#include "winnow/options.hpp"
#include "winnow/stages.hpp"
#include "winnow/state_file.hpp"
#include "winnow/stream.hpp"
#include "winnow/writer.hpp"

namespace winnow {

namespace {

// `path` with its folder resolved (realpath), for comparing two names of a
// file that may not exist yet; the folder as given when it does not exist.
std::string CanonicalPath(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  char* real = ::realpath(dir.c_str(), nullptr);
  std::string out = (real != nullptr ? std::string(real) : dir) + "/" + base;
  std::free(real);
  return out;
}

// The operands with each folder replaced by its files ending in ".facts"
// (in name order; a stage's temporary files end in ".tmp").
std::vector<std::string> FactsFiles(const std::vector<std::string>& operands) {
  std::vector<std::string> out;
  for (const std::string& operand : operands) {
    struct stat st;
    if (::stat(operand.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      out.push_back(operand);  // StageReader says what is wrong with it
      continue;
    }
    DIR* dir = ::opendir(operand.c_str());
    if (dir == nullptr) throw Error(operand, std::strerror(errno));
    std::vector<std::string> names;
    while (const dirent* entry = ::readdir(dir)) {
      const std::string_view name = entry->d_name;
      if (name.size() > 6 && name.substr(name.size() - 6) == ".facts") names.emplace_back(name);
    }
    ::closedir(dir);
    if (names.empty()) throw StageError(operand, "is a folder without a .facts file");
    std::sort(names.begin(), names.end());
    const std::string prefix = operand.back() == '/' ? operand : operand + "/";
    for (const std::string& name : names) out.push_back(prefix + name);
  }
  return out;
}

}  // namespace

DecideStageStats DecideParts(const DecideStageArgs& args, const StreamConfig& config) {
  // Every part once, all made with this run's parameters.
  std::vector<std::string> by_part;
  std::uint32_t parts = 0;
  for (const std::string& file : FactsFiles(args.facts)) {
    StageReader in(file, "facts", config.doc);
    in.CheckParameters(args.parameters);
    const StageHeader& h = in.header();
    if (parts == 0) {
      parts = h.parts;
      by_part.assign(parts, "");
    } else if (h.parts != parts) {
      throw StageError(file, "is part " + std::to_string(h.part + 1) + " of " + std::to_string(h.parts) +
                                 ", " + by_part.front() + " of a run of " + std::to_string(parts) + " parts");
    }
    if (!by_part[h.part].empty()) {
      throw StageError(file, "part " + std::to_string(h.part + 1) + " is also " + by_part[h.part]);
    }
    by_part[h.part] = file;
  }
  for (std::uint32_t p = 0; p < parts; ++p) {
    if (by_part[p].empty()) {
      throw StageError("winnow decide", "part " + std::to_string(p + 1) + " of " + std::to_string(parts) +
                                            " is missing: every part's facts file is needed");
    }
  }
  if (!args.state.empty()) {
    // The state is saved after the decisions are written: on a decisions
    // file's path it would replace it.
    const std::string state = CanonicalPath(args.state);
    const std::string dir = CanonicalPath(args.dir + "/.");  // "FOLDER/."
    for (std::uint32_t p = 0; p < parts; ++p) {
      const std::string path = DecisionsPath(args.dir, p, parts);
      if (dir.substr(0, dir.size() - 1) + path.substr(path.rfind('/') + 1) == state) {
        throw OptionError("--index", args.state + " is also the decisions file of part " + std::to_string(p + 1) +
                                         " in " + args.dir);
      }
    }
  }
  if (!args.state.empty()) {
    // A bad state path fails before the decisions folder is touched.
    CheckStatePath(args.state);
    AtomicFile probe(args.state);  // removed again: saved at the end
  }
  if (::mkdir(args.dir.c_str(), 0777) != 0 && errno != EEXIST) throw Error(args.dir, std::strerror(errno));
  for (std::uint32_t p = 0; p < parts; ++p) {
    const std::string old = DecisionsPath(args.dir, p, parts);
    if (::unlink(old.c_str()) != 0 && errno != ENOENT) throw Error(old, std::strerror(errno));
  }
  Decider decider(config);
  // Decisions name the document a duplicate repeats, for --annotate and
  // --explain in winnow apply.
  decider.set_keep_names(config.doc_dedup);
  std::unique_ptr<StateLock> lock;
  if (!args.state.empty()) {
    lock = std::make_unique<StateLock>(args.state, args.state_wait);
    if (::access(args.state.c_str(), F_OK) == 0) decider.LoadState(args.state);
  }
  const auto warning = [&](const std::string& message) {
    if (args.warning) args.warning(message);
  };
  if (const std::string lost = decider.TakeNamesWarning(); !lost.empty()) warning(lost);
  DecideStageStats stats;
  stats.parts = parts;
  FactsRecord facts;
  DocDecision decision;
  for (std::uint32_t p = 0; p < parts; ++p) {
    StageReader in(by_part[p], "facts", config.doc);
    in.CheckParameters(args.parameters);
    StageHeader header{"decisions", args.parameters, p, parts, decider.next_ordinal()};
    StageWriter out(DecisionsPath(args.dir, p, parts), header, config.doc);
    while (in.NextFacts(&facts)) {
      ++stats.records;
      if (facts.kind != StageRecord::kDocument) {
        out.AddDecision(facts.kind, facts.raw_hash, decider.TakeOrdinal(), nullptr);
        continue;
      }
      ++stats.documents;
      DocFacts f;
      f.site = facts.site;
      f.counted = &facts.counted;
      f.kept_uncounted = facts.kept_uncounted;
      f.signature = &facts.signature;
      f.id = facts.id;
      f.url = facts.url;
      decider.Decide(f, &decision, warning);
      if (!decision.reason().empty()) ++stats.dropped;
      out.AddDecision(facts.kind, facts.raw_hash, decision.ordinal, &decision, &facts.verdicts);
    }
    out.Commit();
    stats.decision_bytes += out.bytes();
    struct stat st;
    if (::stat(by_part[p].c_str(), &st) == 0) stats.facts_bytes += static_cast<std::uint64_t>(st.st_size);
    if (args.after_part) args.after_part();
  }
  if (!args.state.empty()) decider.SaveState(args.state);
  stats.index_bytes = decider.index().memory_bytes();
  return stats;
}

}  // namespace winnow
