// Errors inside an architecture plugin are C++ exceptions carrying a plinth_status. They are
// caught at the C edge of every vtable function (guard()) and turned into a status plus the
// host's thread-local error message; nothing throws across the ABI.
#pragma once

#include <exception>
#include <new>
#include <stdexcept>
#include <string>

#include "plinth_plugin.h"

namespace plinth::plugin {

class PluginError : public std::runtime_error {
public:
  // reported: the message was already recorded through host->set_error (a failing backend op
  // does that itself), so the edge must not overwrite it with a vaguer one.
  PluginError(plinth_status status, const std::string &message, bool reported = false)
      : std::runtime_error(message), status_(status), reported_(reported) {}
  plinth_status status() const noexcept { return status_; }
  bool reported() const noexcept { return reported_; }

private:
  plinth_status status_;
  bool reported_;
};

[[noreturn]] inline void fail(plinth_status status, const std::string &message) {
  throw PluginError(status, message);
}

// The host table handed to plinth_plugin_entry; set once by the plugin's entry function.
void set_host(const plinth_host_api *host) noexcept;
const plinth_host_api *host() noexcept;

void log(plinth_log_level level, const std::string &message) noexcept;

// Records the exception currently being handled through host->set_error and returns its
// status. Only call from inside a catch block.
plinth_status report_current_exception() noexcept;

// Runs fn and converts any exception into a status: the body of every vtable function.
template <class F> plinth_status guard(F &&fn) noexcept {
  try {
    fn();
    return PLINTH_OK;
  } catch (...) {
    return report_current_exception();
  }
}

} // namespace plinth::plugin
