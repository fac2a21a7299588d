#include "json_integer.hpp"

#include "tok_error.hpp"

namespace plinth {

int64_t json_integer(const nlohmann::json &v, const std::string &what, int64_t lo, int64_t hi) {
  // Unsigned first: nlohmann stores non-negative literals as uint64, which may exceed int64.
  const bool fits = v.is_number_unsigned()
                        ? hi >= 0 && v.get<uint64_t>() <= static_cast<uint64_t>(hi) &&
                              static_cast<int64_t>(v.get<uint64_t>()) >= lo
                    : v.is_number_integer() ? v.get<int64_t>() >= lo && v.get<int64_t>() <= hi
                                            : false;
  if (!fits)
    throw Error(PLINTH_ERR_FORMAT, what + " must be an integer in [" + std::to_string(lo) + ", " +
                                       std::to_string(hi) + "], not " + v.dump());
  return v.get<int64_t>();
}

int64_t json_integer_or(const nlohmann::json &obj, const char *key, int64_t dflt,
                        const std::string &what, int64_t lo, int64_t hi) {
  if (!obj.is_object()) return dflt;
  const auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? dflt : json_integer(*it, what, lo, hi);
}

} // namespace plinth
