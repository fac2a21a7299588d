// One context of a backend plugin, owned by the core (one per loaded model).
#pragma once

#include <string>

#include "plinth_plugin.h"
#include "plugin_registry.hpp"

namespace plinth {

struct BackendInstance {
  BackendInstance(PluginEntry &plugin, int32_t n_threads); // throws plinth::Error
  ~BackendInstance();
  BackendInstance(const BackendInstance &) = delete;
  BackendInstance &operator=(const BackendInstance &) = delete;

  // Throws plinth::Error with the backend's message when an op failed.
  void check(plinth_status st, const char *what) const;

  PluginEntry &plugin;
  const plinth_backend_ops *ops = nullptr;
  plinth_backend_ctx *ctx = nullptr;
  std::string description;
  int32_t n_threads = 0; // as asked for (0: the backend's default); host-side work uses it too
};

} // namespace plinth
