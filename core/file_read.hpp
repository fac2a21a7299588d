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

// Text files beyond this are refused (the largest real ones, tokenizer.json of 250k-token
// vocabularies, are ~20 MB).
constexpr size_t kMaxTextFileBytes = size_t{1} << 30;
// Plugin manifests and plinth.toml: a few hundred bytes in practice.
constexpr size_t kMaxManifestBytes = size_t{16} << 20;

// Opens `path` for reading without blocking on special files; throws plinth::Error
// (NOT_FOUND, IO: "not a regular file") otherwise. Returns the descriptor; *size gets its size.
int open_regular_file(const std::filesystem::path &path, size_t *size);

// The whole file. Throws NOT_FOUND / IO / RESOURCE-style errors naming the path and limit.
std::string read_text_file(const std::filesystem::path &path, size_t max_bytes = kMaxTextFileBytes);

// Its lines, without the trailing "\n" or "\r\n".
std::vector<std::string> read_text_lines(const std::filesystem::path &path);

} // namespace plinth
