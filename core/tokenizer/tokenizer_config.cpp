#include "tokenizer/tokenizer_config.hpp"

#include "json_config.hpp"

namespace plinth::tok {

namespace fs = std::filesystem;

TokenizerConfig read_tokenizer_config(const fs::path &dir) {
  const fs::path tc = dir / "tokenizer_config.json", sm = dir / "special_tokens_map.json";
  return parse_tokenizer_config(fs::exists(tc) ? read_json_file(tc) : nlohmann::json(),
                                fs::exists(sm) ? read_json_file(sm) : nlohmann::json(),
                                tc.string());
}

} // namespace plinth::tok
