// Handle lifetimes the C API guarantees (abi/plinth.h): a model's tokenizer handle and its
// sessions stay usable after plinth_model_free, a model outlives its runtime handle, and a
// token callback may free the model it is called for. Each of these crashed (use after free)
// before handles shared ownership; ASan runs them in tools/sanitize.sh. Also the one
// struct_size rule and the version the header and library report.
#include <cstddef>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "api_test_util.hpp"
#include "plinth.h"

using api_test::Demo;
using api_test::generate;

namespace {

std::vector<int32_t> encode(const plinth_tokenizer *tok, const char *text) {
  plinth_encoding *enc = nullptr;
  EXPECT_EQ(plinth_tokenize(tok, text, -1, nullptr, &enc), PLINTH_OK) << plinth_last_error();
  if (!enc) return {};
  std::vector<int32_t> ids(plinth_encoding_ids(enc),
                           plinth_encoding_ids(enc) + plinth_encoding_length(enc));
  plinth_encoding_free(enc);
  return ids;
}

TEST(Lifetime, ModelTokenizerOutlivesTheModel) {
  Demo d;
  plinth_tokenizer *a = nullptr, *b = nullptr;
  ASSERT_EQ(plinth_model_tokenizer(d.m, &a), PLINTH_OK) << plinth_last_error();
  ASSERT_EQ(plinth_model_tokenizer(d.m, &b), PLINTH_OK) << plinth_last_error();
  const auto want = encode(a, "Licensed under the Apache License");
  plinth_model_free(d.m);
  d.m = nullptr;
  EXPECT_EQ(encode(a, "Licensed under the Apache License"), want);
  plinth_tokenizer_free(a); // each handle is its own reference
  EXPECT_EQ(encode(b, "Licensed under the Apache License"), want);
  plinth_tokenizer_free(b);
}

TEST(Lifetime, SessionKeepsItsModelAlive) {
  Demo d;
  plinth_session *s = nullptr;
  plinth_session_options so;
  plinth_session_options_init(&so, sizeof so);
  so.max_tokens = 16;
  ASSERT_EQ(plinth_session_create(d.m, &so, &s), PLINTH_OK) << plinth_last_error();
  plinth_model_info info;
  info.struct_size = sizeof info;
  ASSERT_EQ(plinth_model_get_info(d.m, &info), PLINTH_OK);
  plinth_model_free(d.m);
  plinth_runtime_free(d.rt);
  d.m = nullptr;
  d.rt = nullptr;
  const int32_t ids[] = {1, 2, 3};
  std::vector<float> logits(static_cast<size_t>(info.vocab_size));
  ASSERT_EQ(plinth_session_step(s, ids, 3, nullptr, logits.data()), PLINTH_OK)
      << plinth_last_error();
  EXPECT_EQ(plinth_session_past(s), 3);
  plinth_session_free(s);
}

TEST(Lifetime, ModelOutlivesItsRuntimeHandle) {
  Demo d;
  const std::string want = generate(d.m, "You may obtain a copy", 8);
  plinth_runtime_free(d.rt);
  d.rt = nullptr;
  EXPECT_EQ(generate(d.m, "You may obtain a copy", 8), want);
}

struct FreeOnFirstToken {
  plinth_model *model;
  int calls = 0;
};

int32_t free_model_on_first_token(void *ud, int32_t, int32_t, const char *) {
  auto *f = static_cast<FreeOnFirstToken *>(ud);
  if (f->calls++ == 0) {
    plinth_model_free(f->model);
    f->model = nullptr;
  }
  return 0;
}

TEST(Lifetime, TokenCallbackMayFreeTheModel) {
  Demo ref;
  const std::string want = generate(ref.m, "Unless required by applicable law", 8);
  Demo d;
  FreeOnFirstToken f{d.m};
  d.m = nullptr; // the callback frees it
  plinth_status st = PLINTH_ERR_INTERNAL;
  const std::string got =
      generate(f.model, "Unless required by applicable law", 8, free_model_on_first_token, &f, &st);
  ASSERT_EQ(st, PLINTH_OK) << got;
  EXPECT_EQ(got, want); // the generation finished on the model it started with
  EXPECT_EQ(f.calls, 8);
}

} // namespace

namespace {

// struct_size 0 is one behaviour everywhere: the call is refused, nothing is written.
TEST(StructSize, ZeroIsRefusedByEveryCall) {
  Demo d;
  plinth_generate_options g{};
  std::vector<char> buf(64);
  size_t needed = 0;
  EXPECT_EQ(plinth_generate_text(d.m, "Licensed", &g, buf.data(), buf.size(), &needed),
            PLINTH_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(plinth_last_error()).find("plinth_generate_options.struct_size is 0"),
            std::string::npos)
      << plinth_last_error();

  plinth_model_info info{};
  EXPECT_EQ(plinth_model_get_info(d.m, &info), PLINTH_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(info.model_type, nullptr); // untouched
  plinth_plugin_info pi{};
  EXPECT_EQ(plinth_runtime_plugin_at(d.rt, 0, &pi), PLINTH_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(pi.name, nullptr);

  plinth_runtime_options ro{};
  plinth_runtime *rt = nullptr;
  EXPECT_EQ(plinth_runtime_create(&ro, &rt), PLINTH_ERR_INVALID_ARGUMENT);
  plinth_model_options mo{};
  plinth_model *m = nullptr;
  EXPECT_EQ(plinth_model_load(d.rt, PLINTH_DEMO_MODEL_DIR, &mo, &m), PLINTH_ERR_INVALID_ARGUMENT);
  plinth_tokenizer *tok = nullptr;
  ASSERT_EQ(plinth_model_tokenizer(d.m, &tok), PLINTH_OK);
  plinth_encode_options eo{};
  plinth_encoding *enc = nullptr;
  EXPECT_EQ(plinth_tokenize(tok, "a", -1, &eo, &enc), PLINTH_ERR_INVALID_ARGUMENT);
  plinth_tokenizer_free(tok);

  // An older, smaller info struct gets only what fits, and says so.
  plinth_model_info small{};
  small.struct_size = offsetof(plinth_model_info, head);
  ASSERT_EQ(plinth_model_get_info(d.m, &small), PLINTH_OK);
  EXPECT_EQ(small.struct_size, offsetof(plinth_model_info, head));
  EXPECT_STREQ(small.model_type, "mistral");
  EXPECT_EQ(small.head, nullptr);
}

TEST(Version, HeaderAndLibraryAgree) {
  EXPECT_EQ(plinth_version_number(), static_cast<uint32_t>(PLINTH_VERSION_NUMBER));
  EXPECT_STREQ(plinth_version_string(), PLINTH_VERSION_STRING);
  EXPECT_EQ(plinth_abi_version(), static_cast<uint32_t>(PLINTH_VERSION_MAJOR));
}

} // namespace
