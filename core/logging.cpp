#include "logging.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace plinth {

namespace {
std::atomic<int32_t> g_level{PLINTH_LOG_WARN};
std::mutex g_mutex;
plinth_log_fn g_fn = nullptr;
void *g_user = nullptr;
const char *level_name(int32_t level) {
  switch (level) {
  case PLINTH_LOG_ERROR: return "error";
  case PLINTH_LOG_WARN: return "warning";
  case PLINTH_LOG_INFO: return "info";
  default: return "debug";
  }
}
} // namespace

void log_configure(int32_t level, plinth_log_fn fn, void *user_data) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_level = level;
  g_fn = fn;
  g_user = user_data;
}

int32_t log_level() { return g_level; }

void log_message(int32_t level, const std::string &message) {
  if (level > g_level) return;
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_fn)
    g_fn(g_user, level, message.c_str());
  else
    std::fprintf(stderr, "plinth: %s: %s\n", level_name(level), message.c_str());
}

std::optional<int32_t> log_level_from_name(const std::string &n) {
  if (n == "error") return PLINTH_LOG_ERROR;
  if (n == "warn" || n == "warning") return PLINTH_LOG_WARN;
  if (n == "info") return PLINTH_LOG_INFO;
  if (n == "debug") return PLINTH_LOG_DEBUG;
  return std::nullopt;
}

} // namespace plinth
