// What winnow says about itself: --help, and the man page, both rendered
// from the option table (winnow/options.hpp), so they list the same
// options with the same defaults.
#ifndef WINNOW_CLI_USAGE_HPP_
#define WINNOW_CLI_USAGE_HPP_

#include <string>

namespace winnow::cli {

// The --help text: usage, description, exit statuses, options by group.
std::string HelpText();

// winnow.1 in man(7) roff: NAME, SYNOPSIS, DESCRIPTION, OPTIONS (every
// option of the table, by group, with its default), EXIT STATUS, EXAMPLES,
// SEE ALSO. `version` and `date` (YYYY-MM-DD) go into the title line.
std::string ManPage(const std::string& version, const std::string& date);

}  // namespace winnow::cli

#endif  // WINNOW_CLI_USAGE_HPP_
