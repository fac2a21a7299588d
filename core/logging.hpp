// Process-wide log sink for the core and the plugins (through plinth_host_api.log).
#pragma once

#include <optional>
#include <string>

#include "plinth.h"

namespace plinth {

void log_configure(int32_t level, plinth_log_fn fn, void *user_data);
int32_t log_level();
void log_message(int32_t level, const std::string &message);
std::optional<int32_t> log_level_from_name(const std::string &name);

} // namespace plinth
