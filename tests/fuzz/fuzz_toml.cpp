// Plugin manifests and plinth.toml (core/plugin_manifest.cpp, core/runtime_config.cpp).
#include <string>

#include "fuzz_common.hpp"
#include "plugin_manifest.hpp"
#include "runtime_config.hpp"

PLINTH_FUZZ_TARGET({
  const std::string text(reinterpret_cast<const char *>(data), size);
  try {
    plinth::parse_plugin_manifest(text, "/fuzz/plugin.toml");
  } catch (const plinth::Error &) {
  }
  plinth::parse_runtime_config(text, "/fuzz/plinth.toml");
})
