// Tokenizers with model-specific behaviour come from the architecture plugins, through the C
// API alone: found by tokenizer_class with or without a runtime, kept loaded while a handle
// lives, and LUKE's entity encoding asked for with kwargs_json and read back as named tensors.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "plinth.h"

namespace {

const std::string kTok = std::string(PLINTH_TEST_DATA_DIR) + "/golden/tokenizers/";

struct Encoded {
  plinth_status status = PLINTH_OK;
  plinth_encoding *enc = nullptr;
  ~Encoded() { plinth_encoding_free(enc); }
};

void encode(const plinth_tokenizer *tok, const char *text, const char *kwargs, Encoded &out) {
  plinth_encode_options o;
  plinth_encode_options_init(&o, sizeof o);
  o.kwargs_json = kwargs;
  out.status = plinth_tokenize(tok, text, -1, &o, &out.enc);
}

std::vector<int32_t> ids(const plinth_encoding *e) {
  return {plinth_encoding_ids(e), plinth_encoding_ids(e) + plinth_encoding_length(e)};
}

TEST(TokenizerPlugins, FoundByClassWithoutARuntime) {
  // tokenizers/esm has vocab.txt and tokenizer_class EsmTokenizer: the esm plugin's. Without
  // it, vocab.txt would read as a BERT WordPiece vocabulary.
  plinth_tokenizer *tok = nullptr;
  ASSERT_EQ(plinth_tokenizer_load(nullptr, (kTok + "esm").c_str(), &tok), PLINTH_OK)
      << plinth_last_error();
  Encoded e;
  encode(tok, "MKTAYIAK", nullptr, e);
  ASSERT_EQ(e.status, PLINTH_OK) << plinth_last_error();
  // <cls> M K T A Y I A K <eos>: one token per residue.
  EXPECT_EQ(plinth_encoding_length(e.enc), 10);
  EXPECT_STREQ(plinth_encoding_token(e.enc, 0), "<cls>");
  plinth_tokenizer_free(tok);
}

TEST(TokenizerPlugins, HandleKeepsThePluginLoaded) {
  plinth_runtime *rt = nullptr;
  ASSERT_EQ(plinth_runtime_create(nullptr, &rt), PLINTH_OK);
  plinth_tokenizer *tok = nullptr;
  ASSERT_EQ(plinth_tokenizer_load(rt, (kTok + "biogpt").c_str(), &tok), PLINTH_OK)
      << plinth_last_error();
  Encoded before;
  encode(tok, "Aspirin inhibits COX-1.", nullptr, before);
  ASSERT_EQ(before.status, PLINTH_OK) << plinth_last_error();
  plinth_runtime_free(rt); // the registry (and its hold on the library) goes; the handle stays
  Encoded after;
  encode(tok, "Aspirin inhibits COX-1.", nullptr, after);
  ASSERT_EQ(after.status, PLINTH_OK) << plinth_last_error();
  EXPECT_EQ(ids(after.enc), ids(before.enc));
  char buf[256];
  size_t needed = 0;
  const auto v = ids(after.enc);
  ASSERT_EQ(plinth_detokenize(tok, v.data(), static_cast<int64_t>(v.size()), nullptr, buf,
                              sizeof buf, &needed),
            PLINTH_OK)
      << plinth_last_error();
  EXPECT_NE(std::string(buf).find("Aspirin"), std::string::npos) << buf;
  plinth_tokenizer_free(tok);
}

TEST(TokenizerPlugins, LukeEntitiesAsNamedTensors) {
  plinth_tokenizer *tok = nullptr;
  ASSERT_EQ(plinth_tokenizer_load(nullptr, (kTok + "mluke").c_str(), &tok), PLINTH_OK)
      << plinth_last_error();
  Encoded e;
  encode(tok, "Paris is the capital of France.",
         R"({"entity_spans": [[0, 5], [24, 30]], "entities": ["Paris", "France"],
             "task": "entity_span_classification"})",
         e);
  ASSERT_EQ(e.status, PLINTH_OK) << plinth_last_error();
  plinth_host_tensor t{};
  ASSERT_EQ(plinth_encoding_find(e.enc, "entity_ids", &t), PLINTH_OK);
  EXPECT_EQ(t.dtype, PLINTH_DTYPE_I32);
  ASSERT_EQ(t.ndim, 1);
  EXPECT_EQ(t.shape[0], 2);
  ASSERT_EQ(plinth_encoding_find(e.enc, "entity_position_ids", &t), PLINTH_OK);
  ASSERT_EQ(t.ndim, 2);
  EXPECT_EQ(t.shape[0], 2);
  // The first span starts after <s>: word token 1.
  EXPECT_EQ(static_cast<const int32_t *>(t.data)[0], 1);
  ASSERT_EQ(plinth_encoding_find(e.enc, "entity_start_positions", &t), PLINTH_OK);
  EXPECT_EQ(plinth_encoding_find(e.enc, "no_such_tensor", &t), PLINTH_ERR_NOT_FOUND);
  // Every tensor is reachable by index too, and an index past them is an error.
  const int32_t n = plinth_encoding_tensor_count(e.enc);
  EXPECT_EQ(n, 6);
  for (int32_t i = 0; i < n; ++i) {
    ASSERT_EQ(plinth_encoding_tensor_at(e.enc, i, &t), PLINTH_OK);
    plinth_host_tensor same{};
    EXPECT_EQ(plinth_encoding_find(e.enc, t.name, &same), PLINTH_OK) << t.name;
  }
  EXPECT_EQ(plinth_encoding_tensor_at(e.enc, n, &t), PLINTH_ERR_INVALID_ARGUMENT);

  // Without kwargs: the word tokenizer alone, no tensors.
  Encoded plain;
  encode(tok, "Paris is the capital of France.", nullptr, plain);
  ASSERT_EQ(plain.status, PLINTH_OK) << plinth_last_error();
  EXPECT_EQ(plinth_encoding_tensor_count(plain.enc), 0);

  Encoded bad;
  encode(tok, "Paris", R"({"entity_spans": [[0, 50]]})", bad);
  EXPECT_EQ(bad.status, PLINTH_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(plinth_last_error()).find("outside the text"), std::string::npos)
      << plinth_last_error();
  plinth_tokenizer_free(tok);
}

TEST(TokenizerPlugins, OtherTokenizersRefuseKwargs) {
  plinth_tokenizer *tok = nullptr;
  ASSERT_EQ(plinth_tokenizer_load(nullptr, (kTok + "gpt2").c_str(), &tok), PLINTH_OK);
  Encoded e;
  encode(tok, "Paris", R"({"entity_spans": [[0, 5]]})", e);
  EXPECT_EQ(e.status, PLINTH_ERR_UNSUPPORTED);
  EXPECT_NE(std::string(plinth_last_error()).find("kwargs_json"), std::string::npos)
      << plinth_last_error();
  plinth_tokenizer_free(tok);
}

} // namespace
