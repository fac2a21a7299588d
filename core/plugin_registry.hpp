// Discovers plugins (manifests in the plugin directories), opens a library only when it is
// needed or when asked to validate all, and keeps every opened library loaded for the
// registry's lifetime (never unloading while objects from it may be alive).
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "plinth.h"
#include "plinth_plugin.h"
#include "plugin_manifest.hpp"

namespace boost::dll {
class shared_library;
}

namespace plinth {

struct PluginEntry {
  PluginManifest manifest;
  plinth_plugin_state state = PLINTH_PLUGIN_STATE_AVAILABLE;
  std::string message; // why rejected
  std::string serves_joined;
  std::shared_ptr<boost::dll::shared_library> library;
  const plinth_plugin_descriptor *descriptor = nullptr;

  const plinth_arch_vtable *arch() const {
    return static_cast<const plinth_arch_vtable *>(descriptor->vtable);
  }
  // The tokenizer table of a loaded architecture plugin; nullptr when it provides none (or
  // was built before tables had the member).
  const plinth_tokenizer_vtable *tokenizer_table() const {
    const plinth_arch_vtable *v = arch();
    return v->struct_size >= offsetof(plinth_arch_vtable, tokenizer) + sizeof(void *) ? v->tokenizer
                                                                                      : nullptr;
  }
  const plinth_backend_vtable *backend() const {
    return static_cast<const plinth_backend_vtable *>(descriptor->vtable);
  }
};

class PluginRegistry {
public:
  // Reads the manifests in `dirs` (in order; the first plugin of a name wins). Unreadable
  // manifests become rejected entries with the reason.
  void discover(const std::vector<std::filesystem::path> &dirs);
  // Opens and validates the library; returns false (state REJECTED, message set) on failure.
  bool open(PluginEntry &e);
  void open_all();

  std::vector<PluginEntry> &entries() { return entries_; }
  const std::vector<PluginEntry> &entries() const { return entries_; }
  // The loaded architecture plugin serving model_type; throws NOT_FOUND with a clear message.
  PluginEntry &architecture_for(const std::string &model_type);
  // The loaded backend plugin by plugin name or device kind ("cpu", "cuda").
  PluginEntry &backend(const std::string &name);
  const std::vector<std::filesystem::path> &searched() const { return searched_; }

private:
  std::vector<PluginEntry> entries_;
  std::vector<std::filesystem::path> searched_;
};

// The directories searched by default, in order: $PLINTH_PLUGIN_PATH, then the plugin
// directory beside libplinth.so (<libdir>/plinth/plugins), then the ones beside the
// executable (<exe>/../lib/plinth/plugins, <exe>/plugins).
std::vector<std::filesystem::path> default_plugin_dirs();

} // namespace plinth
