// Shared by the c_api_*.cpp files: the handle structs behind the C API's opaque types and
// the guard that turns every C++ exception into a status + last-error message.
#pragma once

#include <algorithm>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "error.hpp"
#include "model.hpp"
#include "plinth.h"
#include "runtime.hpp"
#include "session.hpp"

struct plinth_runtime {
  std::shared_ptr<plinth::Runtime> rt;
};

// The model is shared: its sessions hold it too, and a generation holds it for the length of
// the call, so plinth_model_free (even from inside an on_token callback) only drops the
// caller's reference and the model goes when the last holder does.
struct plinth_model {
  std::shared_ptr<plinth::Model> model;
  std::string stored_dtype, dtype;
};

// A tokenizer handle owns a reference to its tokenizer: one from plinth_model_tokenizer stays
// valid after its model is freed (it keeps the tokenizer alive, not the weights).
struct plinth_tokenizer {
  std::shared_ptr<const plinth::tok::Tokenizer> tok;
  int64_t max_text_bytes; // its runtime's limits.text_bytes
};

struct plinth_encoding {
  plinth::tok::Encoding enc;
  std::vector<int64_t> flat_offsets;
};

struct plinth_outputs {
  std::vector<plinth::HostOutput> outputs;
};

struct plinth_session {
  std::shared_ptr<plinth::Model> model; // declared first: destroyed after the session
  std::unique_ptr<plinth::Session> session;
};

namespace plinth {

// Runs f; maps exceptions to a status and records the message for plinth_last_error().
template <class F> plinth_status guarded(F &&f) noexcept {
  try {
    f();
    return PLINTH_OK;
  } catch (const Error &e) {
    set_last_error(e.what());
    return e.status();
  } catch (const std::bad_alloc &) {
    set_last_error("out of memory");
    return PLINTH_ERR_OUT_OF_MEMORY;
  } catch (const std::exception &e) {
    set_last_error(std::string("internal error: ") + e.what());
    return PLINTH_ERR_INTERNAL;
  } catch (...) {
    set_last_error("internal error: unknown exception");
    return PLINTH_ERR_INTERNAL;
  }
}

inline void require(bool ok, const char *message) {
  if (!ok) throw Error(PLINTH_ERR_INVALID_ARGUMENT, message);
}
inline void require(bool ok, const std::string &message) {
  if (!ok) throw Error(PLINTH_ERR_INVALID_ARGUMENT, message);
}

// The name of each versioned struct of plinth.h, for errors about its struct_size.
template <class S> inline constexpr const char *struct_name = "struct";
#define PLINTH_STRUCT_NAME_(S) template <> inline constexpr const char *struct_name<S> = #S;
PLINTH_STRUCT_NAME_(plinth_runtime_options)
PLINTH_STRUCT_NAME_(plinth_model_options)
PLINTH_STRUCT_NAME_(plinth_forward_options)
PLINTH_STRUCT_NAME_(plinth_generate_options)
PLINTH_STRUCT_NAME_(plinth_encode_options)
PLINTH_STRUCT_NAME_(plinth_session_options)
PLINTH_STRUCT_NAME_(plinth_decode_options)
PLINTH_STRUCT_NAME_(plinth_model_info)
PLINTH_STRUCT_NAME_(plinth_plugin_info)
#undef PLINTH_STRUCT_NAME_

// The one rule for struct_size 0 (or anything shorter than struct_size itself), in options
// and info structs alike: the caller forgot to initialise the struct, and the call is refused
// with INVALID_ARGUMENT. A NULL options pointer is how to ask for every default.
template <class S> void require_struct_size(const S *s) {
  if (s && s->struct_size < sizeof(uint32_t))
    throw Error(PLINTH_ERR_INVALID_ARGUMENT,
                std::string(struct_name<S>) + ".struct_size is " + std::to_string(s->struct_size) +
                    ": initialise the struct (its *_init function, or struct_size = sizeof)");
}

// Reads a field of a versioned options struct only if the caller's struct is large enough
// to contain it (older headers pass smaller structs).
template <class S, class T> T field_or(const S *s, T S::*member, T fallback) {
  if (!s) return fallback;
  require_struct_size(s);
  const size_t end =
      reinterpret_cast<size_t>(&(static_cast<const S *>(nullptr)->*member)) + sizeof(T);
  return s->struct_size >= end ? s->*member : fallback;
}

// Fills a caller's options struct of `size` bytes (its own sizeof, possibly an older, smaller
// layout) with the defaults in `d`, never writing past `size`.
template <class S> void init_versioned(S *o, size_t size, const S &d) {
  if (!o || size < sizeof(uint32_t)) return;
  const size_t n = std::min(size, sizeof(S));
  std::memset(static_cast<void *>(o), 0, size);
  std::memcpy(static_cast<void *>(o), &d, n);
  o->struct_size = static_cast<uint32_t>(n);
}

// Copies an info struct the library filled into the caller's, which may be an older, smaller
// layout: at most out->struct_size bytes are written, and struct_size says how many were.
template <class S> void copy_info_out(const S &info, S *out) {
  require_struct_size(out);
  const size_t n = std::min<size_t>(out->struct_size, sizeof info);
  std::memcpy(static_cast<void *>(out), &info, n);
  out->struct_size = static_cast<uint32_t>(n);
}

// Writes a string into a caller buffer with the API's BUFFER_TOO_SMALL convention.
void copy_out(const std::string &s, char *buf, size_t cap, size_t *needed);

} // namespace plinth
