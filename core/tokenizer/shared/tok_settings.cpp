#include "tok_settings.hpp"

#include <charconv>
#include <optional>

#include "json_integer.hpp"
#include "tok_error.hpp"

namespace plinth::tok {

using json = nlohmann::json;

namespace {

// A special token entry is a string or an AddedToken-like object {"content": ...}.
std::optional<std::string> token_content(const json &v) {
  if (v.is_string()) {
    return v.get<std::string>();
  }
  if (v.is_object() && v.contains("content") && v["content"].is_string()) {
    return v["content"].get<std::string>();
  }
  return std::nullopt;
}

void read_roles(const json &j, TokenizerConfig &cfg) {
  static const std::pair<const char *, Special> kRoles[] = {
      {"bos_token", Special::Bos},  {"eos_token", Special::Eos}, {"unk_token", Special::Unk},
      {"pad_token", Special::Pad},  {"cls_token", Special::Cls}, {"sep_token", Special::Sep},
      {"mask_token", Special::Mask}};
  for (const auto &[key, role] : kRoles) {
    const auto it = j.find(key);
    if (it == j.end()) {
      continue;
    }
    if (const auto c = token_content(*it)) {
      cfg.roles[role] = *c;
    } else if (it->is_null()) {
      cfg.roles.erase(role);
    }
  }
  for (const char *key : {"additional_special_tokens", "extra_special_tokens"}) {
    const auto it = j.find(key);
    if (it != j.end() && it->is_array()) {
      for (const auto &v : *it) {
        if (const auto c = token_content(v)) {
          cfg.extra_special.push_back(*c);
        }
      }
    }
  }
}

} // namespace

TokenizerConfig parse_tokenizer_config(const json &tc, const json &sm, const std::string &what) {
  TokenizerConfig cfg;
  if (!tc.is_null()) {
    cfg.raw = tc;
    if (!cfg.raw.is_object()) {
      throw Error(PLINTH_ERR_FORMAT, what + ": expected a JSON object");
    }
    read_roles(cfg.raw, cfg);
    if (const auto it = cfg.raw.find("padding_side"); it != cfg.raw.end() && it->is_string()) {
      cfg.padding_side = it->get<std::string>();
    }
    if (const auto it = cfg.raw.find("clean_up_tokenization_spaces");
        it != cfg.raw.end() && it->is_boolean()) {
      cfg.clean_up_tokenization_spaces = it->get<bool>();
    }
    if (const auto it = cfg.raw.find("tokenizer_class"); it != cfg.raw.end() && it->is_string()) {
      cfg.tokenizer_class = it->get<std::string>();
    }
    if (const auto it = cfg.raw.find("added_tokens_decoder");
        it != cfg.raw.end() && it->is_object()) {
      for (const auto &[id, v] : it->items()) {
        AddedToken t;
        int32_t parsed = 0;
        const auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), parsed);
        if (ec != std::errc() || end != id.data() + id.size())
          throw Error(PLINTH_ERR_FORMAT,
                      what + ": added_tokens_decoder key \"" + id + "\" is not a token id");
        t.id = parsed;
        t.content = v.value("content", std::string());
        t.special = v.value("special", false);
        t.lstrip = v.value("lstrip", false);
        t.rstrip = v.value("rstrip", false);
        t.single_word = v.value("single_word", false);
        t.normalized = v.value("normalized", !t.special);
        cfg.added_tokens_decoder.push_back(std::move(t));
      }
    }
  }
  if (sm.is_object()) {
    read_roles(sm, cfg);
  }
  return cfg;
}

} // namespace plinth::tok
