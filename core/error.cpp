#include "error.hpp"

namespace plinth {

namespace {
// Per thread, so concurrent callers never see each other's messages (SQLite's
// per-connection errmsg races; we avoid that).
thread_local std::string t_last_error;
} // namespace

void set_last_error(const std::string &message) { t_last_error = message; }
const char *last_error() noexcept { return t_last_error.c_str(); }

} // namespace plinth
