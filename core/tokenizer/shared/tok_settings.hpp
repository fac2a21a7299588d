// What transformers reads besides the tokenizer proper: tokenizer_config.json and
// special_tokens_map.json (special token roles, padding side, decode clean-up), parsed from
// their JSON. The core reads the files from a directory (tokenizer_config.hpp); a tokenizer
// plugin gets them through the host table (tokenizer_dir.hpp).
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "added_vocabulary.hpp"
#include "tok_interface.hpp"

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

// From the two files' JSON (either may be null: absent). `what` names the first in errors.
TokenizerConfig parse_tokenizer_config(const nlohmann::json &tokenizer_config,
                                       const nlohmann::json &special_tokens_map,
                                       const std::string &what);

} // namespace plinth::tok
