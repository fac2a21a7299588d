// Integers from JSON values, range-checked. nlohmann's get<int32_t>() silently truncates large
// integers and is undefined for floats out of the type's range, so hostile files could alias
// ids or crash: every id and count read from a model's or tokenizer's JSON goes through here.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace plinth {

// v as an integer, refused (FORMAT, naming `what`) unless it is an integer in [lo, hi].
int64_t json_integer(const nlohmann::json &v, const std::string &what, int64_t lo = INT32_MIN,
                     int64_t hi = INT32_MAX);
// obj[key] the same way, or `dflt` when obj has no such key (or it is null).
int64_t json_integer_or(const nlohmann::json &obj, const char *key, int64_t dflt,
                        const std::string &what, int64_t lo = INT32_MIN, int64_t hi = INT32_MAX);

} // namespace plinth
