#include "tokenizer_dir.hpp"

#include "text_lines.hpp"

namespace plinth::tok {

TokenizerDir::TokenizerDir(const plinth_tokenizer_env &env)
    : env_(env), dir_(env.dir != nullptr ? env.dir : ""),
      class_(env.tokenizer_class != nullptr ? env.tokenizer_class : "") {
  config_ = parse_tokenizer_config(
      has("tokenizer_config.json") ? json("tokenizer_config.json") : nlohmann::json(),
      has("special_tokens_map.json") ? json("special_tokens_map.json") : nlohmann::json(),
      path("tokenizer_config.json"));
}

std::optional<std::string_view> TokenizerDir::file(const std::string &name) const {
  const char *data = nullptr;
  size_t len = 0;
  const plinth_status st =
      env_.host->tokenizer_file(env_.tokenizer_host, name.c_str(), &data, &len);
  if (st == PLINTH_ERR_NOT_FOUND) return std::nullopt;
  if (st != PLINTH_OK) throw Error(st, env_.host->last_error());
  return std::string_view(data, len);
}

std::string_view TokenizerDir::require(const std::string &name) const {
  const auto f = file(name);
  if (!f) throw Error(PLINTH_ERR_NOT_FOUND, path(name) + ": file not found");
  return *f;
}

nlohmann::json TokenizerDir::json(const std::string &name) const {
  const std::string_view bytes = require(name);
  try {
    return nlohmann::json::parse(bytes);
  } catch (const nlohmann::json::exception &e) {
    throw Error(PLINTH_ERR_FORMAT, path(name) + ": " + e.what());
  }
}

std::vector<std::string> TokenizerDir::lines(const std::string &name) const {
  return split_lines(require(name));
}

std::unique_ptr<Tokenizer> TokenizerDir::base() const {
  const plinth_tokenizer_vtable *table = nullptr;
  plinth_arch_tokenizer *handle = nullptr;
  const plinth_status st = env_.host->tokenizer_base(env_.tokenizer_host, &table, &handle);
  if (st != PLINTH_OK) throw Error(st, env_.host->last_error());
  return std::make_unique<TableTokenizer>(table, handle);
}

} // namespace plinth::tok
