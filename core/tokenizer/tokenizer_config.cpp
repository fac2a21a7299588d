#include "tokenizer/tokenizer_config.hpp"

#include <fstream>
#include <sstream>

#include "error.hpp"
#include "json_config.hpp"

namespace plinth::tok {

namespace fs = std::filesystem;
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

TokenizerConfig read_tokenizer_config(const fs::path &dir) {
  TokenizerConfig cfg;
  const fs::path tc = dir / "tokenizer_config.json";
  if (fs::exists(tc)) {
    cfg.raw = read_json_file(tc);
    if (!cfg.raw.is_object()) {
      throw Error(PLINTH_ERR_FORMAT, tc.string() + ": expected a JSON object");
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
        t.id = std::stoi(id);
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
  const fs::path sm = dir / "special_tokens_map.json";
  if (fs::exists(sm)) {
    const json j = read_json_file(sm);
    if (j.is_object()) {
      read_roles(j, cfg);
    }
  }
  return cfg;
}

} // namespace plinth::tok
