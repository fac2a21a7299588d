// Reading the small files a model directory, a plugin or a configuration holds (config.json,
// tokenizer files, TOML manifests, plinth.toml, vocabularies): only regular files are opened
// (a FIFO or a device would block open() or read() forever), and a file larger than the
// limit is refused before anything is allocated for it.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace plinth {

// Text files beyond this are refused unless a runtime's limits.file_bytes says otherwise (the
// largest real ones, tokenizer.json of 250k-token vocabularies, are ~20 MB).
constexpr size_t kMaxTextFileBytes = size_t{1} << 30;
// Plugin manifests and plinth.toml (read before any limits are known): a few hundred bytes in
// practice.
constexpr size_t kMaxManifestBytes = size_t{16} << 20;

// Sets the limit read_text_file applies by default, on this thread, for the scope's life: the
// C API calls that load (a model, a tokenizer) set their runtime's limits.file_bytes, so that
// the loaders deep in the checkpoint and tokenizer code need not carry it.
class FileLimitScope {
public:
  explicit FileLimitScope(int64_t bytes);
  ~FileLimitScope();
  FileLimitScope(const FileLimitScope &) = delete;
  FileLimitScope &operator=(const FileLimitScope &) = delete;

private:
  size_t saved_;
};

// Opens `path` for reading without blocking on special files; throws plinth::Error
// (NOT_FOUND, IO: "not a regular file") otherwise. Returns the descriptor; *size gets its size.
int open_regular_file(const std::filesystem::path &path, size_t *size);

// The whole file. Throws NOT_FOUND / IO / FORMAT errors naming the path and limit.
// max_bytes 0: this thread's current limit (kMaxTextFileBytes, or a FileLimitScope's).
std::string read_text_file(const std::filesystem::path &path, size_t max_bytes = 0);

// Its lines, without the trailing "\n" or "\r\n".
std::vector<std::string> read_text_lines(const std::filesystem::path &path);

} // namespace plinth
