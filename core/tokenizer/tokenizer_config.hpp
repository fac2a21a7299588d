// What transformers reads besides the tokenizer proper: tokenizer_config.json and
// special_tokens_map.json (special token roles, padding side, decode clean-up).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "json_config.hpp" // read_json_file, which the tokenizer loaders use
#include "tokenizer/added_vocabulary.hpp"
#include "tokenizer/tokenizer.hpp"

namespace plinth::tok {

struct TokenizerConfig {
  nlohmann::json raw = nlohmann::json::object(); // tokenizer_config.json as read
  std::map<Special, std::string> roles;          // role -> token content
  std::vector<std::string> extra_special;        // additional/extra special tokens
  std::vector<AddedToken> added_tokens_decoder;  // tokenizer_config.json "added_tokens_decoder"
  std::string padding_side = "right";
  bool clean_up_tokenization_spaces = false;
  std::string tokenizer_class;
};

// Parses a JSON file; a missing file is NOT_FOUND, bad JSON is FORMAT naming the file.

// Reads the two files if present (both optional).
TokenizerConfig read_tokenizer_config(const std::filesystem::path &dir);

} // namespace plinth::tok
