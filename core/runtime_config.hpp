// plinth.toml — the runtime's own settings:
//   plugin_paths = ["/opt/plinth/plugins"]   # searched before the default directories
//   default_backend = "cpu"
//   threads = 0                              # 0: all cores
//   log_level = "warn"                       # error | warn | info | debug
//   mmap_weights = true                      # false: backends copy weights stored in their
//                                            # device format instead of reading the mapping
//   huge_page_cache = true                   # re-read a mapped checkpoint of 64 MiB or more
//                                            # held in small page-cache pages into 2 MiB ones
//   [limits]                                 # what one call may ask for (see Limits)
//   threads = 1024
//   batch = 4096
//   context = 1048576
//   new_tokens = 1048576
//   text_bytes = 268435456
//   file_bytes = 1073741824
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace plinth {

// Upper bounds on what one request may ask for, so that a careless or hostile caller gets an
// error naming the limit instead of exhausting threads, memory or time. Each is configurable
// in plinth.toml's [limits] table; the defaults are far above any real model's needs.
struct Limits {
  int64_t threads = 1024;       // worker threads of a runtime or model (n_threads, threads)
  int64_t batch = 4096;         // rows of one forward pass, session or generation
  int64_t context = 1 << 20;    // tokens of one session (prompt + new) or forward sequence
  int64_t new_tokens = 1 << 20; // max_new_tokens of one generation
  int64_t text_bytes = int64_t{256} << 20; // one text given to a tokenizer or generation
  int64_t file_bytes = int64_t{1} << 30;   // one config / tokenizer / vocabulary file read whole
};

// Throws INVALID_ARGUMENT "<what> <asked> is above the limit of <limit> (limits.<name> in
// plinth.toml)" when asked > limit.
void check_limit(int64_t asked, int64_t limit, const char *name, const std::string &what);

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
  Limits limits;
};

RuntimeConfig read_runtime_config(const std::filesystem::path &path); // throws plinth::Error
// The same from the file's text (`path` names it in errors and anchors relative plugin_paths).
RuntimeConfig parse_runtime_config(const std::string &text, const std::filesystem::path &path);

} // namespace plinth
