// The verbs of the `plinth` command. Each takes the words after the verb, handles its own
// --help, and returns the exit code; bad usage throws UsageError, library failures
// LibraryError (see cli_common.hpp).
#pragma once

#include <string>
#include <vector>

namespace plinth_cli {

using Args = std::vector<std::string>;

int verb_generate(const Args &args);
int verb_check(const Args &args);
int verb_plugins(const Args &args);
int verb_info(const Args &args);
int verb_tokenize(const Args &args);
int verb_bench(const Args &args);
int verb_accuracy(const Args &args);

} // namespace plinth_cli
