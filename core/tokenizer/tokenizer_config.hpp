// tokenizer_config.json and special_tokens_map.json of a directory (tok_settings.hpp parses
// them).
#pragma once

#include <filesystem>

#include "tok_settings.hpp"

namespace plinth::tok {

// Reads the two files if present (both optional).
TokenizerConfig read_tokenizer_config(const std::filesystem::path &dir);

} // namespace plinth::tok
