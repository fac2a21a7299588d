// The embedded demo model through the C API alone: every prompt of
// expected_generations.json must produce exactly the recorded greedy token ids.
#include <cmath>
#include <cstdint>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "plinth.h"
#include "plinth_plugin.h" // plinth_machine_reference_ext

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
    ASSERT_EQ(plinth_tokenize(tok, prompt.c_str(), -1, nullptr, &enc), PLINTH_OK)
        << plinth_last_error();
    std::vector<int32_t> ids(plinth_encoding_ids(enc),
                             plinth_encoding_ids(enc) + plinth_encoding_length(enc));
    plinth_encoding_free(enc);
    ASSERT_LT(ids.size(), want.size());
    ASSERT_TRUE(std::equal(ids.begin(), ids.end(), want.begin()))
        << "prompt tokens differ for: " << prompt;

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

    plinth_decode_options skip;
    plinth_decode_options_init(&skip, sizeof skip);
    skip.skip_special_tokens = 1;
    std::vector<char> text(8192);
    size_t needed = 0;
    ASSERT_EQ(plinth_detokenize(tok, out.data(), len, &skip, text.data(), text.size(), &needed),
              PLINTH_OK);
    EXPECT_EQ(std::string(text.data()), gen["text"].get<std::string>());
  }
  plinth_tokenizer_free(tok);
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

// Misuse the C API can catch is refused with a message, never computed with.
TEST(CApi, NonsenseArgumentsAreRefused) {
  plinth_runtime *rt = nullptr;
  ASSERT_EQ(plinth_runtime_create(nullptr, &rt), PLINTH_OK);
  plinth_model *m = nullptr;
  ASSERT_EQ(plinth_model_load(rt, PLINTH_DEMO_MODEL_DIR, nullptr, &m), PLINTH_OK)
      << plinth_last_error();
  const int32_t prompt[3] = {1, 2, 3};
  int32_t out[8] = {};
  int32_t len = 0;
  plinth_generate_options g;
  plinth_generate_options_init(&g, sizeof g);
  g.max_new_tokens = 2;
  g.temperature = std::nanf(""); // NaN passed the >= 0 check before and sampled garbage
  EXPECT_EQ(plinth_generate_ids(m, prompt, 1, 3, nullptr, &g, out, &len, nullptr),
            PLINTH_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(plinth_last_error()).find("temperature"), std::string::npos);
  g.temperature = 0.0f;
  g.max_new_tokens = INT32_MAX; // the prompt length + this wrapped around (limits_test.cpp
                                // checks the wrap itself, with the limit raised)
  EXPECT_EQ(plinth_generate_ids(m, prompt, 1, 3, nullptr, &g, out, &len, nullptr),
            PLINTH_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(plinth_last_error()).find("limits.new_tokens"), std::string::npos)
      << plinth_last_error();

  // Forward inputs: an int64 id beyond int32 would become another token; a shape whose
  // product wraps would make the model read past the buffer.
  int64_t ids64[2] = {5, int64_t{1} << 33};
  plinth_host_tensor in{};
  in.name = "input_ids";
  in.dtype = PLINTH_DTYPE_I64;
  in.ndim = 2;
  in.shape[0] = 1;
  in.shape[1] = 2;
  in.data = ids64;
  plinth_outputs *o = nullptr;
  EXPECT_EQ(plinth_model_forward(m, &in, 1, nullptr, &o), PLINTH_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(plinth_last_error()).find("does not fit in int32"), std::string::npos)
      << plinth_last_error();
  // Ids outside the vocabulary (negative, or past it) are refused, not read out of bounds.
  for (int64_t bad : {int64_t{-1}, int64_t{1} << 30}) {
    ids64[1] = bad;
    EXPECT_EQ(plinth_model_forward(m, &in, 1, nullptr, &o), PLINTH_ERR_INVALID_ARGUMENT) << bad;
    EXPECT_NE(std::string(plinth_last_error()).find("outside [0, "), std::string::npos)
        << plinth_last_error();
    const int32_t bad_prompt[2] = {5, static_cast<int32_t>(bad)};
    EXPECT_EQ(plinth_generate_ids(m, bad_prompt, 1, 2, nullptr, &g, out, &len, nullptr),
              PLINTH_ERR_INVALID_ARGUMENT)
        << bad;
  }
  ids64[1] = 6;
  in.ndim = 4; // batch and sequence within the limits, the rest 2^64 elements: the product was 0
  in.shape[2] = int64_t{1} << 32;
  in.shape[3] = int64_t{1} << 32;
  EXPECT_EQ(plinth_model_forward(m, &in, 1, nullptr, &o), PLINTH_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(plinth_last_error()).find("2^31 - 1 elements"), std::string::npos)
      << plinth_last_error();
  plinth_model_free(m);
  plinth_runtime_free(rt);
}

// tie_word_embeddings: false with no output matrix in the checkpoint was silently served by
// the embeddings (plausible, wrong logits).
// A copy of a golden model directory whose config.json `edit` changes; removed afterwards.
struct EditedModel {
  std::filesystem::path dir;
  EditedModel(const std::string &golden, const std::function<void(nlohmann::json &)> &edit) {
    namespace fs = std::filesystem;
    const fs::path src = fs::path(PLINTH_TEST_DATA_DIR) / "golden/models" / golden;
    dir = fs::temp_directory_path() /
          ("plinth_edited_" + std::to_string(::getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
    for (const auto &f : fs::directory_iterator(src))
      fs::copy(f.path(), dir / f.path().filename());
    nlohmann::json cfg = nlohmann::json::parse(std::ifstream(dir / "config.json"));
    edit(cfg);
    std::ofstream(dir / "config.json") << cfg.dump();
  }
  ~EditedModel() { std::filesystem::remove_all(dir); }
};

TEST(CApi, UntiedOutputMatrixMustExist) {
  EditedModel model("gpt2/causal_lm", [](nlohmann::json &cfg) {
    EXPECT_TRUE(cfg.value("tie_word_embeddings", true)); // stored once, under the embeddings
    cfg["tie_word_embeddings"] = false;
  });
  plinth_runtime *rt = nullptr;
  ASSERT_EQ(plinth_runtime_create(nullptr, &rt), PLINTH_OK);
  plinth_model *m = nullptr;
  EXPECT_EQ(plinth_model_load(rt, model.dir.c_str(), nullptr, &m), PLINTH_ERR_NOT_FOUND);
  EXPECT_NE(std::string(plinth_last_error()).find("has no 'lm_head.weight'"), std::string::npos)
      << plinth_last_error();
  plinth_runtime_free(rt);
}

// config.json's vocab_size below the output layer's rows: the logits of every row after the
// first were read from the wrong place, without a word. Refused (at load or at the first
// step), naming vocab_size.
TEST(CApi, VocabSizeMustMatchTheOutputLayer) {
  EditedModel model("mistral/causal_lm", [](nlohmann::json &cfg) {
    cfg["vocab_size"] = cfg["vocab_size"].get<int64_t>() - 5;
  });
  plinth_runtime *rt = nullptr;
  ASSERT_EQ(plinth_runtime_create(nullptr, &rt), PLINTH_OK);
  plinth_model *m = nullptr;
  plinth_status st = plinth_model_load(rt, model.dir.c_str(), nullptr, &m);
  if (st == PLINTH_OK) {
    const int32_t prompt[2][3] = {{1, 2, 3}, {4, 5, 6}};
    int32_t out[2 * 7] = {};
    int32_t len = 0;
    plinth_generate_options g;
    plinth_generate_options_init(&g, sizeof g);
    g.max_new_tokens = 4;
    st = plinth_generate_ids(m, &prompt[0][0], 2, 3, nullptr, &g, out, &len, nullptr);
    plinth_model_free(m);
  }
  EXPECT_NE(st, PLINTH_OK);
  EXPECT_NE(std::string(plinth_last_error()).find("vocab_size"), std::string::npos)
      << plinth_last_error();
  plinth_runtime_free(rt);
}

// Backend extensions by name: the CPU backend's machine reference (what `plinth bench` reports
// against) is reachable through the C API alone; an unknown name is NOT_FOUND.
TEST(CApi, BackendExtensionByName) {
  plinth_runtime *rt = nullptr;
  ASSERT_EQ(plinth_runtime_create(nullptr, &rt), PLINTH_OK) << plinth_last_error();
  const void *table = nullptr;
  ASSERT_EQ(plinth_runtime_backend_extension(rt, "cpu", PLINTH_EXTENSION_MACHINE_REFERENCE, &table),
            PLINTH_OK)
      << plinth_last_error();
  const auto *ext = static_cast<const plinth_machine_reference_ext *>(table);
  ASSERT_GE(ext->struct_size, sizeof(plinth_machine_reference_ext));
  double own = -1, vendor = -1;
  ASSERT_EQ(ext->gemm_f32_gflops(1, 64, 1, &own, &vendor), PLINTH_OK);
  EXPECT_GE(own, 0.0); // 0 on a CPU without AVX2
  EXPECT_GT(vendor, 0.0);
  EXPECT_EQ(ext->gemm_f32_gflops(1, -5, 1, &own, &vendor), PLINTH_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(plinth_runtime_backend_extension(rt, "cpu", "no.such.extension", &table),
            PLINTH_ERR_NOT_FOUND);
  EXPECT_NE(std::string(plinth_last_error()).find("no.such.extension"), std::string::npos);
  plinth_runtime_free(rt);
}
