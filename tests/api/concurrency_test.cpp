// The C API from several threads at once (run under ThreadSanitizer by tools/sanitize.sh
// --thread, and in every build): many generations on one model, many models at once, and a
// generation stopped from another thread.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "plinth.h"

namespace {

std::string generate(plinth_model *m, const char *prompt, int32_t n, plinth_token_fn cb = nullptr,
                     void *ud = nullptr, plinth_status *status = nullptr) {
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

const char *const kPrompts[] = {"Licensed under the Apache License", "You may obtain a copy",
                                "Unless required by applicable law", "WITHOUT WARRANTIES OR"};

TEST(Concurrency, ManyGenerationsOnOneModel) {
  Demo d(2); // the backend's own worker threads too
  std::vector<std::string> want;
  for (const char *p : kPrompts)
    want.push_back(generate(d.m, p, 8));
  std::vector<std::string> got(8);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < got.size(); ++t)
    threads.emplace_back([&, t] { got[t] = generate(d.m, kPrompts[t % 4], 8); });
  for (auto &t : threads)
    t.join();
  for (size_t t = 0; t < got.size(); ++t)
    EXPECT_EQ(got[t], want[t % 4]) << "thread " << t;
}

TEST(Concurrency, ManyModelsAtOnce) {
  std::vector<std::string> got(3);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < got.size(); ++t)
    threads.emplace_back([&, t] {
      Demo d;
      got[t] = generate(d.m, kPrompts[0], 6);
    });
  for (auto &t : threads)
    t.join();
  EXPECT_EQ(got[0], got[1]);
  EXPECT_EQ(got[0], got[2]);
  EXPECT_FALSE(got[0].empty());
}

TEST(Concurrency, GenerationStoppedFromAnotherThread) {
  Demo d;
  struct Flags {
    std::atomic<int> tokens{0};
    std::atomic<bool> stop{false};
  } flags;
  const auto cb = [](void *ud, int32_t, int32_t, const char *) -> int32_t {
    auto *f = static_cast<Flags *>(ud);
    ++f->tokens;
    return f->stop.load() ? 1 : 0;
  };
  plinth_status st = PLINTH_OK;
  std::thread gen([&] { generate(d.m, kPrompts[0], 200, cb, &flags, &st); });
  while (flags.tokens.load() < 2)
    std::this_thread::yield();
  flags.stop = true;
  gen.join();
  EXPECT_EQ(st, PLINTH_OK);
  EXPECT_LT(flags.tokens.load(), 200); // stopped early, at the token after the request
}

} // namespace
