// Shared by the libFuzzer targets: what counts as a clean refusal. A loader may throw
// plinth::Error (its documented failure) on any input; anything else escaping — another
// exception type, a crash, a sanitizer report, a hang — is a finding.
#pragma once

#include <cstddef>
#include <cstdint>

#include "error.hpp"

#define PLINTH_FUZZ_TARGET(body)                                                                   \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {                        \
    try {                                                                                          \
      body;                                                                                        \
    } catch (const plinth::Error &) {                                                              \
    }                                                                                              \
    return 0;                                                                                      \
  }
