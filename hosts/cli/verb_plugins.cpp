// `plinth plugins`: opens every discovered plugin and shows what it is and whether it loaded.
#include <algorithm>
#include <array>
#include <cstddef>
#include <iostream>

#include "cli_common.hpp"
#include "verbs.hpp"

namespace plinth_cli {

namespace {

const char *state_name(int32_t state) {
  switch (state) {
  case PLINTH_PLUGIN_STATE_AVAILABLE: return "available";
  case PLINTH_PLUGIN_STATE_LOADED: return "loaded";
  case PLINTH_PLUGIN_STATE_REJECTED: return "rejected";
  default: return "unknown";
  }
}

std::string or_empty(const char *s) { return s != nullptr ? s : ""; }

} // namespace

int verb_plugins(const Args &args) {
  GlobalOptions globals;
  po::options_description desc("plugins options");
  add_global_options(desc, globals);
  po::variables_map vm;
  if (!parse_verb_args(args, desc, {}, vm, "plinth plugins [options]")) return kExitOk;

  RuntimePtr rt = make_runtime(globals);
  check_status(plinth_runtime_scan_plugins(rt.get()));
  using Row = std::array<std::string, 6>;
  std::vector<Row> rows = {{"NAME", "KIND", "STATE", "SERVES", "PATH", "MESSAGE"}};
  const int32_t n = plinth_runtime_plugin_count(rt.get());
  for (int32_t i = 0; i < n; ++i) {
    plinth_plugin_info info{};
    info.struct_size = sizeof info;
    check_status(plinth_runtime_plugin_at(rt.get(), i, &info));
    rows.push_back({or_empty(info.name), or_empty(info.kind), state_name(info.state),
                    or_empty(info.serves), or_empty(info.path), or_empty(info.message)});
  }
  std::array<size_t, 6> width{};
  for (const Row &row : rows)
    for (size_t c = 0; c < row.size(); ++c)
      width[c] = std::max(width[c], row[c].size());
  for (const Row &row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(width[c] - row[c].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    std::cout << line << "\n";
  }
  if (n == 0) std::cout << "(no plugins found; add directories with --plugin-path)\n";
  // What a plugin is for, when its manifest says (e.g. a test-only backend).
  for (int32_t i = 0; i < n; ++i) {
    plinth_plugin_info info{};
    info.struct_size = sizeof info;
    check_status(plinth_runtime_plugin_at(rt.get(), i, &info));
    if (info.struct_size >= offsetof(plinth_plugin_info, description) + sizeof info.description &&
        info.description && *info.description)
      std::cout << "\n" << info.name << ": " << info.description << "\n";
  }
  return kExitOk;
}

} // namespace plinth_cli
