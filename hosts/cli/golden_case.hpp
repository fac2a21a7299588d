// What one golden fixture case produced, and the options of `plinth check`.
#pragma once

#include <string>
#include <vector>

namespace plinth_cli {

struct CheckOptions {
  std::string backend; // empty = runtime default
  std::string dtype;   // empty = library default (f32)
  bool verbose = false;
};

struct CaseOutcome {
  std::string label; // path, or path#case
  bool pass = true;
  std::vector<std::string> failures; // what differed (joined into the FAIL line)
  std::vector<std::string> details;  // printed with -v

  void fail(std::string what) {
    pass = false;
    failures.push_back(std::move(what));
  }
};

} // namespace plinth_cli
