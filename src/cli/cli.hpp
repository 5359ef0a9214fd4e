// The command line: options, help, exit codes, the one catch site.
#ifndef WINNOW_CLI_CLI_HPP_
#define WINNOW_CLI_CLI_HPP_

namespace winnow::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntimeError = 1;
inline constexpr int kExitUsageError = 2;
// A stage file refused (winnow sign|decide|apply: other parameters,
// damaged, a part missing, another shard): running again will not help.
inline constexpr int kExitStageRefused = 3;

// Runs winnow with main's arguments and returns the exit status.
int Main(int argc, char** argv);

}  // namespace winnow::cli

#endif  // WINNOW_CLI_CLI_HPP_
