// Shared by the C API tests: the demo model loaded through the C API, and one text
// generation with an optional token callback.
#pragma once

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "plinth.h"

namespace api_test {

inline std::string generate(plinth_model *m, const char *prompt, int32_t n,
                            plinth_token_fn cb = nullptr, void *ud = nullptr,
                            plinth_status *status = nullptr) {
  plinth_generate_options g;
  plinth_generate_options_init(&g, sizeof g);
  g.max_new_tokens = n;
  g.on_token = cb;
  g.user_data = ud;
  std::vector<char> buf(4096);
  size_t needed = 0;
  const plinth_status st = plinth_generate_text(m, prompt, &g, buf.data(), buf.size(), &needed);
  if (status) *status = st;
  return st == PLINTH_OK ? std::string(buf.data()) : std::string(plinth_last_error());
}

struct Demo {
  plinth_runtime *rt = nullptr;
  plinth_model *m = nullptr;
  explicit Demo(int32_t threads = 1) { // 1: the test's own threads are the concurrency
    EXPECT_EQ(plinth_runtime_create(nullptr, &rt), PLINTH_OK);
    plinth_model_options mo;
    plinth_model_options_init(&mo, sizeof mo);
    mo.n_threads = threads;
    EXPECT_EQ(plinth_model_load(rt, PLINTH_DEMO_MODEL_DIR, &mo, &m), PLINTH_OK)
        << plinth_last_error();
  }
  ~Demo() {
    plinth_model_free(m);
    plinth_runtime_free(rt);
  }
};

} // namespace api_test
