// What a tokenizer provider's create() reads, over the plinth_tokenizer_env the core hands it:
// the directory's files (through host->tokenizer_file, so the core's checks and limits apply),
// tokenizer_config.json / special_tokens_map.json parsed, and the core's own tokenizer of the
// directory (host->tokenizer_base) for providers that wrap it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "plinth_plugin.h"
#include "table_tokenizer.hpp"
#include "tok_error.hpp"
#include "tok_interface.hpp"
#include "tok_settings.hpp"

namespace plinth::tok {

class TokenizerDir {
public:
  explicit TokenizerDir(const plinth_tokenizer_env &env);

  const std::string &dir() const { return dir_; }
  const std::string &tokenizer_class() const { return class_; }
  // The file's bytes (valid during create), or nullopt when the directory has none.
  std::optional<std::string_view> file(const std::string &name) const;
  bool has(const std::string &name) const { return file(name).has_value(); }
  // A JSON file; NOT_FOUND when absent, FORMAT (naming it) when it does not parse.
  nlohmann::json json(const std::string &name) const;
  // A text file's lines (split_lines); NOT_FOUND when absent.
  std::vector<std::string> lines(const std::string &name) const;
  // dir/name, for messages.
  std::string path(const std::string &name) const { return dir_ + "/" + name; }
  const TokenizerConfig &config() const { return config_; }
  // The core's own tokenizer of the directory.
  std::unique_ptr<Tokenizer> base() const;

private:
  std::string_view require(const std::string &name) const;

  const plinth_tokenizer_env &env_;
  std::string dir_, class_;
  TokenizerConfig config_;
};

// A provider's create() for the vtable (tokenizer_table(&create_tokenizer<make>)): `make`
// builds the tokenizer from a TokenizerDir, or returns nullptr to decline the directory.
template <std::unique_ptr<Tokenizer> (*Make)(const TokenizerDir &)>
plinth_status create_tokenizer(const plinth_tokenizer_env *env, plinth_arch_tokenizer **out) {
  if (env != nullptr && env->host != nullptr) set_table_host(env->host);
  return table_guard([&] {
    if (env == nullptr || out == nullptr || env->host == nullptr ||
        env->struct_size < sizeof(plinth_tokenizer_env))
      throw Error(PLINTH_ERR_INVALID_ARGUMENT, "tokenizer create: bad arguments");
    *out = nullptr;
    const TokenizerDir dir(*env);
    *out = to_handle(Make(dir).release());
  });
}

} // namespace plinth::tok
