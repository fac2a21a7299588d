// Malformed tokenizer files and inputs must raise plinth::Error naming the problem, never
// crash; plus a few behaviours of the pipeline pieces the golden cases do not pin down.
#include <filesystem>
#include <fstream>
#include <functional>
#include <span>
#include <sstream>
#include <string>

#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "error.hpp"
#include "plugin_tokenizers.hpp"
#include "tokenizer/tokenizer.hpp"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using plinth::tok::EncodeOptions;

const fs::path kTokDir = fs::path(PLINTH_TEST_DATA_DIR) / "golden" / "tokenizers";

std::string slurp(const fs::path &p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A scratch model directory holding the given files.
class ScratchDir {
public:
  explicit ScratchDir(const std::string &tag)
      : path_(fs::temp_directory_path() /
              ("plinth_tok_" + tag + "_" + std::to_string(::getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ScratchDir() { fs::remove_all(path_); }
  void write(const std::string &name, const std::string &content) const {
    std::ofstream(path_ / name, std::ios::binary) << content;
  }
  const fs::path &path() const { return path_; }

private:
  fs::path path_;
};

// Expects load_tokenizer(dir) to throw plinth::Error whose message contains `needle`.
void expect_load_error(const fs::path &dir, plinth_status status, const std::string &needle) {
  try {
    plugin_tokenizers::load(dir);
    ADD_FAILURE() << "no error for " << dir;
  } catch (const plinth::Error &e) {
    EXPECT_EQ(e.status(), status) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(TokenizerErrors, MissingDirectoryAndFiles) {
  expect_load_error("/nonexistent/plinth/model", PLINTH_ERR_NOT_FOUND, "not found");
  ScratchDir d("empty");
  expect_load_error(d.path(), PLINTH_ERR_NOT_FOUND, "no tokenizer files");
}

TEST(TokenizerErrors, TruncatedTokenizerJson) {
  const std::string full = slurp(kTokDir / "llama_spm" / "tokenizer.json");
  ScratchDir d("truncated");
  d.write("tokenizer.json", full.substr(0, full.size() / 2));
  expect_load_error(d.path(), PLINTH_ERR_FORMAT, "tokenizer.json");
}

TEST(TokenizerErrors, BrokenBioGptAndSentencepieceFiles) {
  const fs::path bio = kTokDir / "biogpt";
  ScratchDir d("biogpt");
  d.write("tokenizer_config.json", slurp(bio / "tokenizer_config.json"));
  d.write("merges.txt", slurp(bio / "merges.txt"));
  const std::string vocab = slurp(bio / "vocab.json");
  d.write("vocab.json", vocab.substr(0, vocab.size() / 2));
  expect_load_error(d.path(), PLINTH_ERR_FORMAT, "vocab.json");
  d.write("vocab.json", R"({"a": "not an id"})");
  expect_load_error(d.path(), PLINTH_ERR_FORMAT, "must be an integer");

  ScratchDir s("spm");
  s.write("tokenizer.model", "this is no sentencepiece model");
  expect_load_error(s.path(), PLINTH_ERR_FORMAT, "tokenizer.model");
}

// Only a model's own tokenizer takes keyword arguments (the C edges refuse them for the
// others: tests/api/tokenizer_plugins_test.cpp); LUKE refuses the ones it does not know.
TEST(TokenizerErrors, EntitiesNeedALukeTokenizer) {
  EXPECT_FALSE(plugin_tokenizers::load(kTokDir / "gpt2")->takes_kwargs());
  const auto luke = plugin_tokenizers::load(kTokDir / "mluke");
  EXPECT_TRUE(luke->takes_kwargs());
  for (const char *bad : {R"({"entity_span": [[0, 5]]})", R"({"entity_spans": [[0]]})",
                          R"({"entity_spans": [[0, 1.5]]})", R"({"entities": ["Paris"]})",
                          R"([1, 2])", R"({"entity_spans": [[0, 5]], "task": 3})", "{not json"}) {
    EncodeOptions o;
    o.kwargs_json = bad;
    EXPECT_THROW(luke->encode("Paris", o), plinth::Error) << bad;
  }
}

// Every entity carries max_mention_length position ids: 2^30 built gigabytes per entity.
TEST(TokenizerErrors, HugeMentionLengthsAreRefused) {
  const fs::path mluke = kTokDir / "mluke";
  const auto tok = plugin_tokenizers::load(mluke);
  EncodeOptions eo;
  eo.kwargs_json = R"({"entity_spans": [[0, 5]], "max_mention_length": 1073741824})";
  try {
    tok->encode("Paris is nice", eo);
    ADD_FAILURE() << "accepted";
  } catch (const plinth::Error &e) {
    EXPECT_NE(std::string(e.what()).find("above the limit of 4096"), std::string::npos) << e.what();
  }
  ScratchDir d("mluke_huge");
  for (const char *f : {"entity_vocab.json", "sentencepiece.bpe.model", "tokenizer.json"})
    d.write(f, slurp(mluke / f));
  json cfg = json::parse(slurp(mluke / "tokenizer_config.json"));
  cfg["max_mention_length"] = 1 << 30;
  d.write("tokenizer_config.json", cfg.dump());
  expect_load_error(d.path(), PLINTH_ERR_FORMAT, "above the limits");
}

// One id of 50,000,000 in a vocabulary built a dense table of 1.5 GB: large ids now go to a
// sparse map, and the token still round-trips.
TEST(TokenizerErrors, HugeTokenIdsStaySparse) {
  json j = json::parse(slurp(kTokDir / "bert_cased" / "tokenizer.json"));
  j["model"]["vocab"]["zzqq"] = 50000000;
  ScratchDir d("huge_id");
  d.write("tokenizer.json", j.dump());
  d.write("tokenizer_config.json", slurp(kTokDir / "bert_cased" / "tokenizer_config.json"));
  const auto tok = plugin_tokenizers::load(d.path());
  const int32_t id = 50000000;
  EXPECT_EQ(tok->decode(std::span<const int32_t>(&id, 1), false), "zzqq");
}

// Ids and counts must be integers of their range: nlohmann's get<int32_t>() would truncate
// 2^32 + 5 into 5 (another token) and a float of 4e65 is undefined behaviour (a fuzzing
// finding: UBSan in make_bpe_model).
TEST(TokenizerErrors, IdsMustBeIntegersInRange) {
  const json base = json::parse(slurp(kTokDir / "gpt2" / "tokenizer.json"));
  const std::vector<std::pair<std::string, std::function<void(json &)>>> edits = {
      {"vocabulary token", [](json &j) { j["model"]["vocab"]["zzqq"] = 3.86667e+65; }},
      {"vocabulary token", [](json &j) { j["model"]["vocab"]["zzqq"] = 4294967301LL; }},
      {"vocabulary token", [](json &j) { j["model"]["vocab"]["zzqq"] = -3; }},
      {"vocabulary token", [](json &j) { j["model"]["vocab"]["zzqq"] = 18446744073709551615ULL; }},
      {"added token id", [](json &j) { j["added_tokens"][0]["id"] = 1e300; }},
      {"special token",
       [](json &j) {
         j["post_processor"] = {
             {"type", "TemplateProcessing"},
             {"single",
              {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
               {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
             {"pair", {{{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
             {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {1e49}}, {"tokens", {"<s>"}}}}}}};
       }},
      {"Strip start",
       [](json &j) {
         j["decoder"] = {{"type", "Strip"}, {"content", " "}, {"start", 1e40}, {"stop", 0}};
       }},
  };
  for (const auto &[needle, edit] : edits) {
    json j = base;
    edit(j);
    SCOPED_TRACE(j.dump().substr(0, 0) + needle);
    ScratchDir d("bad_id");
    d.write("tokenizer.json", j.dump());
    expect_load_error(d.path(), PLINTH_ERR_FORMAT, needle);
  }
}

// Twenty chained Replace normalizers, each doubling every "a": 64 KB would become 64 GB.
TEST(TokenizerErrors, NormalizersCannotGrowTextWithoutBound) {
  json j = json::parse(slurp(kTokDir / "gpt2" / "tokenizer.json"));
  json seq = json::array();
  for (int i = 0; i < 20; ++i)
    seq.push_back({{"type", "Replace"}, {"pattern", {{"String", "a"}}}, {"content", "aa"}});
  j["normalizer"] = {{"type", "Sequence"}, {"normalizers", seq}};
  ScratchDir d("replace_growth");
  d.write("tokenizer.json", j.dump());
  const auto tok = plugin_tokenizers::load(d.path());
  try {
    tok->encode(std::string(65536, 'a'), EncodeOptions{});
    ADD_FAILURE() << "accepted";
  } catch (const plinth::Error &e) {
    EXPECT_NE(std::string(e.what()).find("64 times the input"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(tok->encode("bcd", EncodeOptions{}).ids.empty()); // other texts still work
}

TEST(TokenizerErrors, TruncatedConfigJson) {
  ScratchDir d("badcfg");
  d.write("tokenizer.json", slurp(kTokDir / "llama_spm" / "tokenizer.json"));
  d.write("tokenizer_config.json", "{\"bos_token\": ");
  expect_load_error(d.path(), PLINTH_ERR_FORMAT, "tokenizer_config.json");
}

TEST(TokenizerErrors, UnknownModelType) {
  json j = json::parse(slurp(kTokDir / "llama_spm" / "tokenizer.json"));
  j["model"]["type"] = "Telepathy";
  ScratchDir d("unknown_model");
  d.write("tokenizer.json", j.dump());
  expect_load_error(d.path(), PLINTH_ERR_UNSUPPORTED, "Telepathy");
}

// 30,000 nested Sequence components overflowed the stack while the pipeline was built.
TEST(TokenizerErrors, DeeplyNestedSequencesAreRefused) {
  json j = json::parse(slurp(kTokDir / "llama_spm" / "tokenizer.json"));
  for (const char *key : {"normalizer", "pre_tokenizer", "decoder", "post_processor"}) {
    const char *list = std::string(key) == "normalizer"      ? "normalizers"
                       : std::string(key) == "pre_tokenizer" ? "pretokenizers"
                       : std::string(key) == "decoder"       ? "decoders"
                                                             : "processors";
    std::string text;
    for (int i = 0; i < 30000; ++i)
      text += std::string("{\"type\":\"Sequence\",\"") + list + "\":[";
    text += "null";
    for (int i = 0; i < 30000; ++i)
      text += "]}";
    // Spliced in as text: serialising a 30,000-deep json value would recurse too.
    json nested = j;
    nested[key] = "@NESTED@";
    std::string file = nested.dump();
    file.replace(file.find("\"@NESTED@\""), 10, text);
    ScratchDir d(std::string("nested_") + key);
    d.write("tokenizer.json", file);
    expect_load_error(d.path(), PLINTH_ERR_FORMAT, "nests deeper than 64 levels");
  }
}

TEST(TokenizerErrors, UnknownPipelineComponent) {
  json j = json::parse(slurp(kTokDir / "llama_spm" / "tokenizer.json"));
  j["pre_tokenizer"] = {{"type", "Mystery"}};
  ScratchDir d("unknown_pre");
  d.write("tokenizer.json", j.dump());
  expect_load_error(d.path(), PLINTH_ERR_UNSUPPORTED, "Mystery");
}

TEST(TokenizerErrors, MergeWithUnknownToken) {
  json j = json::parse(slurp(kTokDir / "llama_spm" / "tokenizer.json"));
  j["model"]["merges"].push_back(json::array({"no-such-token", "e"}));
  ScratchDir d("bad_merge");
  d.write("tokenizer.json", j.dump());
  expect_load_error(d.path(), PLINTH_ERR_FORMAT, "no-such-token");
}

TEST(TokenizerErrors, WrongJsonShape) {
  ScratchDir d("shape");
  d.write("tokenizer.json", R"({"model": {"type": "BPE", "vocab": 3, "merges": []}})");
  expect_load_error(d.path(), PLINTH_ERR_FORMAT, "tokenizer.json");
}

TEST(TokenizerErrors, InvalidUtf8Input) {
  for (const char *name : {"llama_spm", "esm", "bert_cased", "gpt2"}) {
    const auto tok = plugin_tokenizers::load(kTokDir / name);
    for (const std::string &bad : {std::string("abc\xC3"), std::string("\xFF"),
                                   std::string("a\xED\xA0\x80z"), std::string("\xC0\xAF")}) {
      try {
        tok->encode(bad, EncodeOptions{});
        ADD_FAILURE() << name << ": no error for invalid UTF-8";
      } catch (const plinth::Error &e) {
        EXPECT_EQ(e.status(), PLINTH_ERR_INVALID_ARGUMENT);
        EXPECT_NE(std::string(e.what()).find("UTF-8"), std::string::npos) << e.what();
      }
    }
  }
}

TEST(TokenizerBehaviour, ByteFallbackDecodesInvalidBytesAsReplacementChars) {
  const auto tok = plugin_tokenizers::load(kTokDir / "llama_spm");
  const auto c3 = tok->token_to_id("<0xC3>"), a9 = tok->token_to_id("<0xA9>");
  ASSERT_TRUE(c3 && a9);
  EXPECT_EQ(tok->decode(std::vector<int32_t>{*c3, *a9}, false), "\xC3\xA9");
  // A lone lead byte is one U+FFFD per byte token, as HF's ByteFallback decoder does.
  EXPECT_EQ(tok->decode(std::vector<int32_t>{*c3, *c3}, false), "\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(TokenizerBehaviour, SpecialRolesAndPadding) {
  const auto llama = plugin_tokenizers::load(kTokDir / "llama_spm");
  EXPECT_EQ(llama->special_id(plinth::tok::Special::Bos), 1);
  EXPECT_EQ(llama->special_id(plinth::tok::Special::Eos), 2);
  EXPECT_FALSE(llama->special_id(plinth::tok::Special::Pad).has_value());
  const auto esm = plugin_tokenizers::load(kTokDir / "esm");
  EXPECT_EQ(esm->special_id(plinth::tok::Special::Pad), 1);
  EXPECT_TRUE(esm->is_special(32));
  EXPECT_FALSE(esm->is_special(5));
}

TEST(TokenizerBehaviour, TruncationKeepsSpecialTokens) {
  const auto tok = plugin_tokenizers::load(kTokDir / "bert_uncased");
  EncodeOptions o;
  o.max_length = 6;
  o.pair = "second sentence here";
  const auto e = tok->encode("a rather long first sentence", o);
  ASSERT_EQ(e.ids.size(), 6u);
  EXPECT_EQ(e.tokens.front(), "[CLS]");
  EXPECT_EQ(e.tokens.back(), "[SEP]");
}

// max_length below the special tokens cannot be met: every family refuses it rather than
// returning more tokens than asked (the special tokens alone), and max_length equal to them
// leaves the special tokens alone.
TEST(TokenizerErrors, MaxLengthBelowSpecialTokensIsRefused) {
  for (const char *family : {"bert_uncased", "llama_spm", "biogpt", "esm", "mluke"}) {
    SCOPED_TRACE(family);
    const auto tok = plugin_tokenizers::load(kTokDir / family);
    EncodeOptions plain;
    const size_t added = tok->encode("", plain).ids.size();
    ASSERT_GE(added, 1u);
    EncodeOptions o;
    o.max_length = added - 1;
    if (o.max_length > 0) {
      try {
        tok->encode("a few words here", o);
        ADD_FAILURE() << "max_length " << o.max_length << " accepted";
      } catch (const plinth::Error &e) {
        EXPECT_NE(std::string(e.what()).find("special tokens"), std::string::npos) << e.what();
      }
    }
    o.max_length = added;
    EXPECT_EQ(tok->encode("a few words here", o).ids.size(), added);
    o.add_special_tokens = false;
    o.max_length = 1;
    EXPECT_EQ(tok->encode("a few words here", o).ids.size(), 1u);
  }
}

TEST(TokenizerBehaviour, LargeInputEncodes) {
  const auto tok = plugin_tokenizers::load(kTokDir / "llama_spm");
  std::string text;
  while (text.size() < (1u << 20)) {
    text += "The patient was treated with aspirin (81 mg) and recovered quickly. Ünïcödé 東京. ";
  }
  const auto e = tok->encode(text, EncodeOptions{});
  EXPECT_GT(e.ids.size(), text.size() / 8);
  EXPECT_EQ(e.ids.size(), e.offsets.size());
}

} // namespace
