#include "error.hpp"

#include <atomic>

namespace plinth::plugin {

namespace {
// Atomic: every runtime in the process opens the plugin and hands it the (same) host table,
// possibly from several threads at once.
std::atomic<const plinth_host_api *> g_host{nullptr};
} // namespace

void set_host(const plinth_host_api *h) noexcept { g_host.store(h, std::memory_order_release); }
const plinth_host_api *host() noexcept { return g_host.load(std::memory_order_acquire); }

void log(plinth_log_level level, const std::string &message) noexcept {
  const plinth_host_api *h = host();
  if (h != nullptr && h->log != nullptr) h->log(level, message.c_str());
}

static plinth_status record(plinth_status status, const char *message) noexcept {
  const plinth_host_api *h = host();
  if (h != nullptr && h->set_error != nullptr) return h->set_error(status, message);
  return status;
}

plinth_status report_current_exception() noexcept {
  try {
    throw;
  } catch (const PluginError &e) {
    if (e.reported()) return e.status();
    return record(e.status(), e.what());
  } catch (const std::bad_alloc &) {
    return record(PLINTH_ERR_OUT_OF_MEMORY, "out of host memory");
  } catch (const std::exception &e) {
    return record(PLINTH_ERR_INTERNAL, e.what());
  } catch (...) {
    return record(PLINTH_ERR_INTERNAL, "unknown exception in architecture plugin");
  }
}

} // namespace plinth::plugin
