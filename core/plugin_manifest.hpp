// A plugin's TOML manifest, read before its library is opened, so discovery never runs
// foreign code and a plugin built for another ABI is refused without being loaded.
//
//   name = "mistral"            kind = "architecture" | "backend"
//   abi_version = 1             library = "libplinth_mistral.so"
//   model_types = ["mistral"]   (architecture)   device_kinds = ["cpu"]   (backend)
//   description = "..."         (optional; shown by `plinth plugins`)
//   tokenizer_classes = ["EsmTokenizer"]   (optional, architecture: the tokenizers it provides)
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace plinth {

struct PluginManifest {
  std::filesystem::path path;
  std::string name;
  std::string kind;
  uint32_t abi_version = 0;
  std::filesystem::path library; // absolute
  std::vector<std::string> serves;
  std::string description; // optional: what the plugin is for ("" when absent)
  std::vector<std::string> tokenizer_classes; // tokenizer_config.json classes it provides
};

PluginManifest read_plugin_manifest(const std::filesystem::path &path); // throws plinth::Error
// The same from the manifest's text (`path` names it in errors and anchors `library`).
PluginManifest parse_plugin_manifest(const std::string &text, const std::filesystem::path &path);

} // namespace plinth
