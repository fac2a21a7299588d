// plinth.toml [limits] through the C API: each request beyond a configured limit is refused
// with an error naming it, and requests within the limits still work.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "plinth.h"

namespace {

namespace fs = std::filesystem;

struct LimitedRuntime {
  fs::path config;
  plinth_runtime *rt = nullptr;
  plinth_model *m = nullptr;
  explicit LimitedRuntime(const std::string &limits) {
    config = fs::temp_directory_path() /
             ("plinth_limits_" + std::to_string(::getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".toml");
    std::ofstream(config) << "[limits]\n" << limits;
    plinth_runtime_options ro;
    plinth_runtime_options_init(&ro, sizeof ro);
    ro.config_file = config.c_str();
    EXPECT_EQ(plinth_runtime_create(&ro, &rt), PLINTH_OK) << plinth_last_error();
  }
  plinth_status load() {
    plinth_model_options mo;
    plinth_model_options_init(&mo, sizeof mo);
    mo.n_threads = 1;
    return plinth_model_load(rt, PLINTH_DEMO_MODEL_DIR, &mo, &m);
  }
  ~LimitedRuntime() {
    plinth_model_free(m);
    plinth_runtime_free(rt);
    fs::remove(config);
  }
};

void expect_refused(plinth_status st, const std::string &needle) {
  EXPECT_EQ(st, PLINTH_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(plinth_last_error()).find(needle), std::string::npos)
      << plinth_last_error();
}

TEST(Limits, RequestsBeyondTheLimitsAreRefused) {
  LimitedRuntime l("threads = 4\nbatch = 2\ncontext = 32\nnew_tokens = 4\ntext_bytes = 40\n");
  ASSERT_EQ(l.load(), PLINTH_OK) << plinth_last_error();

  plinth_session *s = nullptr;
  plinth_session_options so;
  plinth_session_options_init(&so, sizeof so);
  so.batch = 3;
  so.max_tokens = 16;
  expect_refused(plinth_session_create(l.m, &so, &s), "limits.batch");
  so.batch = 1;
  so.max_tokens = 33;
  expect_refused(plinth_session_create(l.m, &so, &s), "limits.context");
  so.batch = 2;
  so.max_tokens = 32;
  ASSERT_EQ(plinth_session_create(l.m, &so, &s), PLINTH_OK) << plinth_last_error();
  plinth_session_free(s);

  plinth_generate_options g;
  plinth_generate_options_init(&g, sizeof g);
  std::vector<char> buf(1024);
  size_t needed = 0;
  g.max_new_tokens = 5;
  expect_refused(plinth_generate_text(l.m, "Licensed", &g, buf.data(), buf.size(), &needed),
                 "max_new_tokens 5 is above the limit of 4 (limits.new_tokens");
  g.max_new_tokens = 4;
  expect_refused(
      plinth_generate_text(l.m, std::string(41, 'a').c_str(), &g, buf.data(), buf.size(), &needed),
      "limits.text_bytes");
  EXPECT_EQ(plinth_generate_text(l.m, "Licensed", &g, buf.data(), buf.size(), &needed), PLINTH_OK)
      << plinth_last_error();

  plinth_tokenizer *tok = nullptr;
  ASSERT_EQ(plinth_model_tokenizer(l.m, &tok), PLINTH_OK);
  plinth_encoding *enc = nullptr;
  expect_refused(plinth_tokenize(tok, std::string(41, 'a').c_str(), -1, nullptr, &enc),
                 "a text of 41 is above the limit of 40");
  plinth_encode_options eo;
  plinth_encode_options_init(&eo, sizeof eo);
  const std::string long_pair(41, 'b');
  eo.pair = long_pair.c_str();
  expect_refused(plinth_tokenize(tok, "a", -1, &eo, &enc), "a text pair of 41");
  ASSERT_EQ(plinth_tokenize(tok, "Licensed under", -1, nullptr, &enc), PLINTH_OK);
  plinth_encoding_free(enc);
  plinth_tokenizer_free(tok);

  int32_t ids[3 * 2] = {1, 2, 3, 4, 5, 6};
  const plinth_host_tensor in = {"input_ids", PLINTH_DTYPE_I32, 2, {3, 2, 0, 0}, ids};
  plinth_outputs *out = nullptr;
  expect_refused(plinth_model_forward(l.m, &in, 1, nullptr, &out), "limits.batch");

  plinth_model *m2 = nullptr;
  plinth_model_options mo;
  plinth_model_options_init(&mo, sizeof mo);
  mo.n_threads = 5;
  expect_refused(plinth_model_load(l.rt, PLINTH_DEMO_MODEL_DIR, &mo, &m2), "limits.threads");
}

// With the limits at their highest, the overflow checks behind them still hold.
TEST(Limits, RaisedLimitsStillCannotOverflow) {
  LimitedRuntime l("new_tokens = 2147483647\n");
  ASSERT_EQ(l.load(), PLINTH_OK) << plinth_last_error();
  const int32_t prompt[3] = {1, 2, 3};
  int32_t out[8] = {};
  int32_t len = 0;
  plinth_generate_options g;
  plinth_generate_options_init(&g, sizeof g);
  g.max_new_tokens = INT32_MAX; // 3 + this wrapped around before
  EXPECT_EQ(plinth_generate_ids(l.m, prompt, 1, 3, nullptr, &g, out, &len, nullptr),
            PLINTH_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(plinth_last_error()).find("int32"), std::string::npos)
      << plinth_last_error();
}

TEST(Limits, FileSizeLimitAppliesToTokenizerAndConfigFiles) {
  LimitedRuntime l("file_bytes = 300\n"); // config.json and tokenizer.json are larger
  EXPECT_EQ(l.load(), PLINTH_ERR_FORMAT);
  EXPECT_NE(std::string(plinth_last_error()).find("limits.file_bytes"), std::string::npos)
      << plinth_last_error();
  plinth_tokenizer *tok = nullptr;
  EXPECT_EQ(plinth_tokenizer_load(l.rt, PLINTH_DEMO_MODEL_DIR, &tok), PLINTH_ERR_FORMAT);
  EXPECT_NE(std::string(plinth_last_error()).find("limits.file_bytes"), std::string::npos)
      << plinth_last_error();
}

} // namespace
