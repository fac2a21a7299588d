#include "error.hpp"

namespace plinth::plugin {

namespace {
const plinth_host_api *g_host = nullptr;
}

void set_host(const plinth_host_api *h) noexcept { g_host = h; }
const plinth_host_api *host() noexcept { return g_host; }

void log(plinth_log_level level, const std::string &message) noexcept {
  if (g_host != nullptr && g_host->log != nullptr) g_host->log(level, message.c_str());
}

static plinth_status record(plinth_status status, const char *message) noexcept {
  if (g_host != nullptr && g_host->set_error != nullptr) return g_host->set_error(status, message);
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
