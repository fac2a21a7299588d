#include "plugin_manifest.hpp"

#include <cstdint>

#include <toml++/toml.h>

#include "error.hpp"
#include "file_read.hpp"

namespace plinth {

PluginManifest read_plugin_manifest(const std::filesystem::path &path) {
  return parse_plugin_manifest(read_text_file(path, kMaxManifestBytes), path);
}

PluginManifest parse_plugin_manifest(const std::string &text, const std::filesystem::path &path) {
  toml::table t;
  try {
    t = toml::parse(text, path.string());
  } catch (const toml::parse_error &e) {
    throw Error(PLINTH_ERR_FORMAT,
                path.string() + ": invalid TOML: " + std::string(e.description()));
  }
  PluginManifest m;
  m.path = path;
  auto need_str = [&](const char *key) {
    auto v = t[key].value<std::string>();
    if (!v || v->empty())
      throw Error(PLINTH_ERR_FORMAT, path.string() + ": missing \"" + key + "\"");
    return *v;
  };
  m.name = need_str("name");
  m.kind = need_str("kind");
  if (m.kind != "architecture" && m.kind != "backend")
    throw Error(PLINTH_ERR_FORMAT, path.string() +
                                       ": kind must be \"architecture\" or \"backend\", not \"" +
                                       m.kind + "\"");
  // as_integer, not value<int64_t>: toml++ converts a float such as 6.6e37 to int64 with a
  // cast whose result is undefined (found by tools/fuzz.sh).
  const auto *abi_node = t["abi_version"].as_integer();
  if (!abi_node || abi_node->get() < 0)
    throw Error(PLINTH_ERR_FORMAT,
                path.string() + ": \"abi_version\" must be given as a non-negative integer");
  const int64_t abi = abi_node->get();
  // A larger number would be truncated into a small one and pass for another version.
  if (abi > UINT32_MAX)
    throw Error(PLINTH_ERR_FORMAT, path.string() + ": abi_version " + std::to_string(abi) +
                                       " is not a 32-bit version number");
  m.abi_version = static_cast<uint32_t>(abi);
  std::filesystem::path lib = need_str("library");
  m.library = lib.is_absolute() ? lib : path.parent_path() / lib;
  const char *list_key = m.kind == "architecture" ? "model_types" : "device_kinds";
  if (auto *arr = t[list_key].as_array()) {
    for (auto &e : *arr)
      if (auto s = e.value<std::string>()) m.serves.push_back(*s);
  }
  if (auto d = t["description"].value<std::string>()) m.description = *d;
  if (auto *arr = t["tokenizer_classes"].as_array()) {
    for (auto &e : *arr)
      if (auto s = e.value<std::string>()) m.tokenizer_classes.push_back(*s);
  }
  if (m.serves.empty())
    throw Error(PLINTH_ERR_FORMAT,
                path.string() + ": \"" + list_key + "\" must list at least one value");
  return m;
}

} // namespace plinth
