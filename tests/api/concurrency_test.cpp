// The C API from several threads at once (run under ThreadSanitizer by tools/sanitize.sh
// --thread, and in every build): many generations on one model, many models at once, and a
// generation stopped from another thread.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "api_test_util.hpp"
#include "plinth.h"

using api_test::Demo;
using api_test::generate;

namespace {

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
