// `winnow decide` as a library call: every part's facts file of a cluster
// run (stages.hpp) through one Decider (decide.hpp), in part order, into
// one decisions file per part. The command line only parses its options
// and reports what this returns.
#ifndef WINNOW_DECIDE_STAGE_HPP_
#define WINNOW_DECIDE_STAGE_HPP_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace winnow {

struct StreamConfig;

struct DecideStageStats {
  std::uint32_t parts = 0;
  std::uint64_t records = 0, documents = 0, dropped = 0;
  std::uint64_t facts_bytes = 0, decision_bytes = 0;
  std::uint64_t index_bytes = 0;  // the document index's memory at the end
};

struct DecideStageArgs {
  // Every part's facts file, in any order; a folder stands for every
  // file in it whose name ends in ".facts" (a crawl of 100,000 shards has
  // more facts files than one command line holds).
  std::vector<std::string> facts;
  std::string dir;                 // the decisions go to DecisionsPath(dir, ...)
  std::string parameters;          // ResultParameters() of this run
  // The saved state (--index) to continue and save at the end; empty:
  // none. Locked (StateLock) while the stage runs; `state_wait` waits for
  // another run's lock instead of failing.
  std::string state;
  bool state_wait = false;
  // Told about a document's names that cannot be found or kept.
  std::function<void(const std::string&)> warning;
  // Called after each part's decisions are written (e.g. to stop on a
  // signal by throwing).
  std::function<void()> after_part;
};

// Checks every facts file's header first (a stage file of this run's
// parameters; each part of one count once, none missing) and throws
// StageError before anything is written when one fails. Then removes the
// decisions an earlier decide left in `dir` for these parts (were this
// run to stop at part k, parts k to N would otherwise keep decisions made
// after other parts than this run's), and decides part after part, each
// decisions file written (atomically) once its part is decided: a part's
// decisions depend only on the parts before it. Throws winnow::Error (or
// StageError for a damaged facts file) naming the file.
DecideStageStats DecideParts(const DecideStageArgs& args, const StreamConfig& config);

}  // namespace winnow

#endif  // WINNOW_DECIDE_STAGE_HPP_
