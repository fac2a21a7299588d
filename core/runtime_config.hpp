// plinth.toml — the runtime's own settings:
//   plugin_paths = ["/opt/plinth/plugins"]   # searched before the default directories
//   default_backend = "cpu"
//   threads = 0                              # 0: all cores
//   log_level = "warn"                       # error | warn | info | debug
//   mmap_weights = true                      # false: backends copy weights stored in their
//                                            # device format instead of reading the mapping
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
  // Weights already in the device format: true (default) lends them from the mapped
  // checkpoint (zero-copy: no load time, pages read on first use, memory shared with the page
  // cache; huge pages where the page cache holds the file in 2 MiB folios, see
  // mapped_file.cpp). false gives each backend its own copy — on the CPU in memory advised
  // for 2 MiB pages, ~10% faster to decode from when the page cache holds the file in 4 KiB
  // pages, at the price of the copy at load (0.3 s to 5 s for 1.7 GB on a VM) — and releases
  // the mapped pages.
  bool mmap_weights = true;
};

RuntimeConfig read_runtime_config(const std::filesystem::path &path); // throws plinth::Error

} // namespace plinth
