// The exception type of the core and of the tokenizer code it shares with plugins: a status and
// a message. It never crosses the C ABI: each C edge (the core's c_api_*.cpp, the tokenizer
// tables of table_tokenizer.cpp) turns it into a status plus the thread's error message.
#pragma once

#include <stdexcept>
#include <string>

#include "plinth_types.h"

namespace plinth {

class Error : public std::runtime_error {
public:
  Error(plinth_status status, const std::string &message)
      : std::runtime_error(message), status_(status) {}
  plinth_status status() const noexcept { return status_; }

private:
  plinth_status status_;
};

} // namespace plinth
