// Errors inside the core are C++ exceptions of one type, carrying the C status code.
// They are caught at the C edge (core/c_api_*.cpp) and turned into a status plus the
// thread-local last-error message; nothing throws across the ABI.
#pragma once

#include <string>

#include "plinth_types.h"
#include "tok_error.hpp" // class Error

namespace plinth {

// Thread-local last error (what plinth_last_error() returns).
void set_last_error(const std::string &message);
const char *last_error() noexcept;

} // namespace plinth
