// plinth.toml — the runtime's own settings:
//   plugin_paths = ["/opt/plinth/plugins"]   # searched before the default directories
//   default_backend = "cpu"
//   threads = 0                              # 0: all cores
//   log_level = "warn"                       # error | warn | info | debug
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace plinth {

struct RuntimeConfig {
  std::vector<std::filesystem::path> plugin_paths;
  std::string default_backend = "cpu";
  int32_t threads = 0;
  std::optional<int32_t> log_level;
};

RuntimeConfig read_runtime_config(const std::filesystem::path &path); // throws plinth::Error

} // namespace plinth
