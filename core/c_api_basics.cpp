// Version, errors, dtypes: the parts of the C API that need no handle.
#include <cstddef>
#include <cstring>

#include "c_api_internal.hpp"
#include "dtype.hpp"
#include "quantize.hpp"

namespace plinth {
void copy_out(const std::string &s, char *buf, size_t cap, size_t *needed) {
  if (needed) *needed = s.size();
  if (!buf || cap <= s.size())
    throw Error(PLINTH_ERR_BUFFER_TOO_SMALL,
                "buffer of " + std::to_string(cap) + " bytes is too small for " +
                    std::to_string(s.size() + 1));
  std::memcpy(buf, s.c_str(), s.size() + 1);
}
} // namespace plinth

extern "C" {

PLINTH_EXPORT uint32_t plinth_abi_version(void) { return PLINTH_ABI_VERSION; }
PLINTH_EXPORT uint32_t plinth_version_number(void) { return PLINTH_VERSION_NUMBER; }
PLINTH_EXPORT const char *plinth_version_string(void) { return PLINTH_VERSION_STRING; }
static_assert(PLINTH_VERSION_MAJOR == PLINTH_ABI_VERSION, "the major version is the ABI version");
PLINTH_EXPORT const char *plinth_last_error(void) { return plinth::last_error(); }
PLINTH_EXPORT const char *plinth_dtype_name(int32_t dtype) { return plinth::dtype_name(dtype); }
PLINTH_EXPORT size_t plinth_dtype_size(int32_t dtype) { return plinth::dtype_size(dtype); }
PLINTH_EXPORT size_t plinth_dtype_row_bytes(int32_t dtype, int64_t n) {
  return plinth::row_bytes(dtype, n);
}

PLINTH_EXPORT const char *plinth_status_string(plinth_status s) {
  switch (s) {
  case PLINTH_OK: return "ok";
  case PLINTH_ERR_INVALID_ARGUMENT: return "invalid argument";
  case PLINTH_ERR_NOT_FOUND: return "not found";
  case PLINTH_ERR_IO: return "i/o error";
  case PLINTH_ERR_FORMAT: return "invalid format";
  case PLINTH_ERR_UNSUPPORTED: return "unsupported";
  case PLINTH_ERR_ABI_MISMATCH: return "ABI mismatch";
  case PLINTH_ERR_OUT_OF_MEMORY: return "out of memory";
  case PLINTH_ERR_BACKEND: return "backend error";
  case PLINTH_ERR_BUFFER_TOO_SMALL: return "buffer too small";
  case PLINTH_ERR_CANCELLED: return "cancelled";
  case PLINTH_ERR_INTERNAL: return "internal error";
  }
  return "unknown status";
}

} // extern "C"
