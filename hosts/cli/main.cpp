// `plinth`: the command-line host. main() only finds the verb and maps errors to exit codes;
// each verb lives in its own verb_*.cpp.
#include <cstring>
#include <iostream>
#include <string>

#include "cli_common.hpp"
#include "plinth.h"
#include "verbs.hpp"

using namespace plinth_cli;

namespace {

struct Verb {
  const char *name;
  int (*run)(const Args &);
  const char *summary;
};

const Verb kVerbs[] = {
    {"generate", verb_generate, "generate text from a prompt (default: the demo model)"},
    {"check", verb_check, "run golden fixtures (model cases, tokenizer cases)"},
    {"plugins", verb_plugins, "list the discovered plugins"},
    {"info", verb_info, "describe a model directory"},
    {"tokenize", verb_tokenize, "show how a model's tokenizer encodes a text"},
    {"bench", verb_bench, "benchmark a model against the machine's own limits"},
    {"accuracy", verb_accuracy, "compare a q8/q4/f16/bf16 load's logits with f32"},
};

const Verb *find_verb(const std::string &name) {
  for (const Verb &verb : kVerbs)
    if (name == verb.name) return &verb;
  return nullptr;
}

void print_usage(std::ostream &out) {
  out << "usage: plinth <command> [options]\n\ncommands:\n";
  for (const Verb &verb : kVerbs)
    out << "  " << verb.name << std::string(10 - std::strlen(verb.name), ' ') << verb.summary
        << "\n";
  out << "  help      help on a command: plinth help <command>\n\n"
         "options of every command: --plugin-path DIRS, --config FILE,\n"
         "  --log-level error|warn|info|debug, --threads N\n"
         "plinth <command> --help shows a command's options.\n";
}

// Global options may also come before the verb ("plinth --threads 4 generate ..."); they are
// moved behind it, where every verb parses them.
bool is_global_option_with_value(const std::string &word) {
  for (const char *name : {"--plugin-path", "--config", "--log-level", "--threads"}) {
    if (word == name) return true;
  }
  return false;
}
bool is_global_option_inline(const std::string &word) {
  for (const char *name : {"--plugin-path=", "--config=", "--log-level=", "--threads="}) {
    if (word.rfind(name, 0) == 0) return true;
  }
  return false;
}

int run(int argc, char **argv) {
  Args leading;
  int i = 1;
  while (i < argc) {
    const std::string word = argv[i];
    if (is_global_option_inline(word)) {
      leading.push_back(word);
      ++i;
    } else if (is_global_option_with_value(word)) {
      if (i + 1 >= argc) throw UsageError("option '" + word + "' needs a value");
      leading.push_back(word);
      leading.push_back(argv[i + 1]);
      i += 2;
    } else {
      break;
    }
  }
  if (i >= argc) {
    print_usage(std::cerr);
    return kExitUsage;
  }
  std::string verb_name = argv[i++];
  Args rest(argv + i, argv + argc);
  if (verb_name == "--help" || verb_name == "-h" || (verb_name == "help" && rest.empty())) {
    print_usage(std::cout);
    return kExitOk;
  }
  if (verb_name == "--version") {
    std::cout << "plinth " << plinth_version_string() << " (ABI " << plinth_abi_version() << ")\n";
    return kExitOk;
  }
  if (verb_name == "help") {
    verb_name = rest.front();
    rest = {"--help"};
  }
  const Verb *verb = find_verb(verb_name);
  if (verb == nullptr) throw UsageError("unknown command '" + verb_name + "' (see plinth --help)");
  Args args = rest;
  args.insert(args.end(), leading.begin(), leading.end());
  return verb->run(args);
}

} // namespace

int main(int argc, char **argv) {
  try {
    return run(argc, argv);
  } catch (const UsageError &e) {
    std::cerr << "plinth: " << e.what() << "\n";
    return kExitUsage;
  } catch (const LibraryError &e) {
    std::cerr << "plinth: error: " << e.what() << "\n";
    return kExitFailure;
  } catch (const std::exception &e) {
    std::cerr << "plinth: error: " << e.what() << "\n";
    return kExitFailure;
  }
}
