// plinth.toml — the runtime's own settings:
//   plugin_paths = ["/opt/plinth/plugins"]   # searched before the default directories
//   default_backend = "cpu"
//   threads = 0                              # 0: all cores
//   log_level = "warn"                       # error | warn | info | debug
//   mmap_weights = true                      # false: backends copy weights stored in their
//                                            # device format instead of reading the mapping
//   huge_page_cache = true                   # re-read a mapped checkpoint of 64 MiB or more
//                                            # held in small page-cache pages into 2 MiB ones
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
  // With weights read in place from the mapping (mmap_weights, CPU backend): true (default)
  // has a checkpoint file of 64 MiB or more that the page cache holds in 4 KiB pages (after
  // `cp`, or a program writing it) dropped from the cache and read back in 2 MiB folios, so
  // it is mapped with 2 MiB pages (MappedFile::prefer_huge_pages). That costs one disk read of
  // the file at the first load (~3 s for 1.7 GB on a VM) and nothing at later loads while the
  // file stays cached. false leaves the page cache as it is.
  bool huge_page_cache = true;
};

// The most worker threads a runtime, model or plinth.toml may ask for: beyond it thread creation
// fails (or exhausts the address space) long before it could help.
constexpr int32_t kMaxThreads = 1024;

RuntimeConfig read_runtime_config(const std::filesystem::path &path); // throws plinth::Error
// The same from the file's text (`path` names it in errors and anchors relative plugin_paths).
RuntimeConfig parse_runtime_config(const std::string &text, const std::filesystem::path &path);

} // namespace plinth
