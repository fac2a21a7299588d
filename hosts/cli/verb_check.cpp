// `plinth check`: runs golden fixtures (tests/data/golden/README.md describes the format) and
// prints one PASS/FAIL line per case, then "N passed, N failed".
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <system_error>

#include "cli_common.hpp"
#include "golden_model_case.hpp"
#include "golden_tokenizer_case.hpp"
#include "verbs.hpp"

namespace plinth_cli {

namespace fs = std::filesystem;

namespace {

struct Tally {
  int passed = 0;
  int failed = 0;
};

void report(const CaseOutcome &outcome, const CheckOptions &opts, Tally &tally) {
  if (outcome.pass) {
    ++tally.passed;
    std::cout << "PASS " << outcome.label << "\n";
  } else {
    ++tally.failed;
    std::cout << "FAIL " << outcome.label << ":";
    for (size_t i = 0; i < outcome.failures.size(); ++i)
      std::cout << (i == 0 ? " " : "; ") << outcome.failures[i];
    std::cout << "\n";
  }
  if (opts.verbose)
    for (const std::string &line : outcome.details)
      std::cout << "    " << line << "\n";
  std::cout.flush();
}

void fail_path(const std::string &label, const std::string &what, const CheckOptions &opts,
               Tally &tally) {
  CaseOutcome outcome;
  outcome.label = label;
  outcome.fail(what);
  report(outcome, opts, tally);
}

// A directory with case.json is a model case, one with cases.json a tokenizer fixture; any
// other directory is searched (sorted, so the output is stable) for such directories.
// Returns how many cases ran below `dir`.
int check_directory(plinth_runtime *rt, const fs::path &dir, const CheckOptions &opts,
                    Tally &tally) {
  std::error_code ec;
  if (fs::is_regular_file(dir / "case.json", ec)) {
    report(run_model_case(rt, dir, opts), opts, tally);
    return 1;
  }
  if (fs::is_regular_file(dir / "cases.json", ec)) {
    const auto outcomes = run_tokenizer_cases(rt, dir, opts);
    for (const CaseOutcome &outcome : outcomes)
      report(outcome, opts, tally);
    return static_cast<int>(outcomes.size());
  }
  std::vector<fs::path> children;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_directory(ec)) children.push_back(it->path());
  if (ec) {
    fail_path(dir.string(), "cannot read the directory: " + ec.message(), opts, tally);
    return 1;
  }
  std::sort(children.begin(), children.end());
  int n = 0;
  for (const fs::path &child : children)
    n += check_directory(rt, child, opts, tally);
  return n;
}

} // namespace

int verb_check(const Args &args) {
  GlobalOptions globals;
  CheckOptions opts;
  std::vector<std::string> paths;
  po::options_description desc("check options");
  po::options_description hidden;
  hidden.add_options()("path", po::value(&paths));
  desc.add_options()("backend", po::value(&opts.backend)->value_name("NAME"),
                     "backend (default: runtime's)")(
      "dtype", po::value(&opts.dtype)->value_name("f32|bf16|f16"),
      "weight dtype on the device (default f32)")("verbose,v", po::bool_switch(&opts.verbose),
                                                  "print what was compared");
  add_global_options(desc, globals);
  po::positional_options_description positional;
  positional.add("path", -1);
  po::variables_map vm;
  if (!parse_verb_args(args, desc, positional, vm, "plinth check PATH... [options]", &hidden))
    return kExitOk;
  if (paths.empty()) throw UsageError("plinth check needs at least one PATH");

  RuntimePtr rt = make_runtime(globals);
  Tally tally;
  for (const std::string &path : paths) {
    std::error_code ec;
    if (!fs::is_directory(path, ec)) {
      fail_path(path, "not a directory", opts, tally);
      continue;
    }
    if (check_directory(rt.get(), path, opts, tally) == 0)
      fail_path(path, "no case.json or cases.json found below it", opts, tally);
  }
  std::cout << tally.passed << " passed, " << tally.failed << " failed\n";
  return tally.failed == 0 ? kExitOk : kExitFailure;
}

} // namespace plinth_cli
