// The embedded demo model through the C API alone: every prompt of
// expected_generations.json must produce exactly the recorded greedy token ids.
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "plinth.h"

namespace {
struct Handles {
  plinth_runtime *rt = nullptr;
  plinth_model *model = nullptr;
  ~Handles() {
    plinth_model_free(model);
    plinth_runtime_free(rt);
  }
};
} // namespace

TEST(DemoModel, GreedyGenerationsMatchTransformers) {
  const std::string dir = PLINTH_DEMO_MODEL_DIR;
  std::ifstream in(dir + "/expected_generations.json");
  ASSERT_TRUE(in) << "missing " << dir << "/expected_generations.json";
  auto expected = nlohmann::json::parse(in);
  Handles h;
  plinth_runtime_options ro;
  plinth_runtime_options_init(&ro, sizeof ro);
  ASSERT_EQ(plinth_runtime_create(&ro, &h.rt), PLINTH_OK) << plinth_last_error();
  plinth_model_options mo;
  plinth_model_options_init(&mo, sizeof mo);
  ASSERT_EQ(plinth_model_load(h.rt, dir.c_str(), &mo, &h.model), PLINTH_OK) << plinth_last_error();
  plinth_tokenizer *tok = nullptr;
  ASSERT_EQ(plinth_model_tokenizer(h.model, &tok), PLINTH_OK) << plinth_last_error();

  for (auto &[prompt, gen] : expected["generations"].items()) {
    const auto want = gen["ids"].get<std::vector<int32_t>>();
    plinth_encoding *enc = nullptr;
    ASSERT_EQ(plinth_tokenize(tok, prompt.c_str(), -1, nullptr, &enc), PLINTH_OK) << plinth_last_error();
    std::vector<int32_t> ids(plinth_encoding_ids(enc), plinth_encoding_ids(enc) + plinth_encoding_length(enc));
    plinth_encoding_free(enc);
    ASSERT_LT(ids.size(), want.size());
    ASSERT_TRUE(std::equal(ids.begin(), ids.end(), want.begin())) << "prompt tokens differ for: " << prompt;

    plinth_generate_options go;
    plinth_generate_options_init(&go, sizeof go);
    go.max_new_tokens = static_cast<int32_t>(want.size() - ids.size());
    go.stop_at_eos = 1;
    std::vector<int32_t> out(ids.size() + go.max_new_tokens);
    int32_t len = 0;
    ASSERT_EQ(plinth_generate_ids(h.model, ids.data(), 1, static_cast<int32_t>(ids.size()), nullptr,
                                  &go, out.data(), &len, nullptr),
              PLINTH_OK)
        << plinth_last_error();
    out.resize(static_cast<size_t>(len));
    EXPECT_EQ(out, want) << "greedy ids differ for prompt: " << prompt;

    std::vector<char> text(8192);
    size_t needed = 0;
    ASSERT_EQ(plinth_detokenize(tok, out.data(), len, 1, text.data(), text.size(), &needed), PLINTH_OK);
    EXPECT_EQ(std::string(text.data()), gen["text"].get<std::string>());
  }
}

TEST(CApi, LastErrorIsPerThreadAndOutputsUntouched) {
  plinth_runtime *rt = nullptr;
  ASSERT_EQ(plinth_runtime_create(nullptr, &rt), PLINTH_OK);
  plinth_model *m = reinterpret_cast<plinth_model *>(0x1);
  EXPECT_EQ(plinth_model_load(rt, "/definitely/not/here", nullptr, &m), PLINTH_ERR_NOT_FOUND);
  EXPECT_EQ(m, reinterpret_cast<plinth_model *>(0x1));
  EXPECT_NE(std::string(plinth_last_error()).find("/definitely/not/here"), std::string::npos);
  plinth_runtime_free(rt);
}

TEST(CApi, UnknownDtypeIsRejected) {
  plinth_runtime *rt = nullptr;
  ASSERT_EQ(plinth_runtime_create(nullptr, &rt), PLINTH_OK);
  plinth_model_options mo;
  plinth_model_options_init(&mo, sizeof mo);
  mo.dtype = "f7";
  plinth_model *m = nullptr;
  EXPECT_EQ(plinth_model_load(rt, PLINTH_DEMO_MODEL_DIR, &mo, &m), PLINTH_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(plinth_last_error()).find("f7"), std::string::npos);
  plinth_runtime_free(rt);
}
