// `plinth bench`: placeholder until benchmarking lands (a later issue).
#include <iostream>

#include "cli_common.hpp"
#include "verbs.hpp"

namespace plinth_cli {

int verb_bench(const Args &args) {
  GlobalOptions globals;
  po::options_description desc("bench options");
  add_global_options(desc, globals);
  po::variables_map vm;
  if (!parse_verb_args(args, desc, {}, vm, "plinth bench [options]")) return kExitOk;
  std::cerr << "plinth bench: not implemented yet\n";
  return kExitFailure;
}

} // namespace plinth_cli
