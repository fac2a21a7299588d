// The runtime: configuration plus the plugin registry. Shared (by shared_ptr) with every
// model it loads, so plugin libraries stay mapped while any model from them is alive.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "plugin_registry.hpp"
#include "runtime_config.hpp"

namespace plinth {

struct Runtime {
  RuntimeConfig config;
  PluginRegistry registry;
  int32_t n_threads = 0;
  std::mutex mutex; // guards registry opening
};

} // namespace plinth
