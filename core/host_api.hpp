// The table of core functions handed to every plugin at its entry point, and the per-model
// state (plinth_model_host) those functions work on while a model is being built and run.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "checkpoint.hpp"
#include "plinth.h"
#include "plinth_plugin.h"

namespace plinth {
struct BackendInstance;
const plinth_host_api *host_api_table();
} // namespace plinth

// Defined in the global namespace: it completes the C ABI's opaque plinth_model_host.
struct plinth_model_host {
  const plinth::Checkpoint *checkpoint = nullptr;
  plinth::BackendInstance *backend = nullptr;
  int32_t load_dtype = PLINTH_DTYPE_F32; // device dtype of weight matrices
  bool mmap_weights = true; // lend device-format weights from the mapping (RuntimeConfig)
  // Lent files cached in small pages are re-read into 2 MiB folios (RuntimeConfig).
  bool huge_page_cache = true;
  std::map<std::pair<std::string, int32_t>, plinth_tensor *> loaded; // owned by the core
  // Loading progress over the checkpoint's bytes (each weight counted once).
  plinth_progress_fn on_progress = nullptr;
  void *progress_user_data = nullptr;
  uint64_t progress_done = 0, progress_total = 0;
  bool cancelled = false;
  void free_weights();
};
