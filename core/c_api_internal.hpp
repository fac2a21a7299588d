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

// Reads a field of a versioned options struct only if the caller's struct is large enough
// to contain it (older headers pass smaller structs).
template <class S, class T> T field_or(const S *s, T S::*member, T fallback) {
  if (!s) return fallback;
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

// Writes a string into a caller buffer with the API's BUFFER_TOO_SMALL convention.
void copy_out(const std::string &s, char *buf, size_t cap, size_t *needed);

} // namespace plinth
