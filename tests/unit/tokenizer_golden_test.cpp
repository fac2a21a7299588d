// Runs the golden tokenizer cases made by transformers (tests/data/golden/tokenizers/<name>/
// cases.json) and checks that the model fixtures' input_ids are reproduced from their texts.
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

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
using plinth::tok::Encoding;

const fs::path kGolden = fs::path(PLINTH_TEST_DATA_DIR) / "golden";

json read_json(const fs::path &p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

template <typename T> std::string show(const T &v) { return json(v).dump(); }

// Empty string if equal, else where the sequences first differ.
template <typename T>
std::string first_difference(const std::vector<T> &got, const std::vector<T> &want) {
  const size_t n = std::min(got.size(), want.size());
  size_t i = 0;
  while (i < n && got[i] == want[i]) {
    ++i;
  }
  if (i == n && got.size() == want.size()) {
    return "";
  }
  std::ostringstream os;
  os << "first difference at index " << i << " (got size " << got.size() << ", want size "
     << want.size() << "): got " << (i < got.size() ? json(got[i]).dump() : "<end>") << ", want "
     << (i < want.size() ? json(want[i]).dump() : "<end>") << "\n  got:  " << show(got)
     << "\n  want: " << show(want);
  return os.str();
}

#define EXPECT_SAME_SEQ(got, want, what)                                                           \
  do {                                                                                             \
    const std::string d_ = first_difference(got, want);                                            \
    EXPECT_TRUE(d_.empty()) << (what) << ": " << d_;                                               \
  } while (0)

std::vector<std::vector<int64_t>> offsets_of(const Encoding &e) {
  std::vector<std::vector<int64_t>> out;
  for (const auto &[a, b] : e.offsets) {
    out.push_back({a, b});
  }
  return out;
}

// Encode options carrying transformers' keyword arguments (a model tokenizer's kwargs_json).
EncodeOptions with_kwargs(const json &kwargs) {
  EncodeOptions o;
  o.kwargs_json = kwargs.dump();
  return o;
}

void check_golden(const fs::path &dir) {
  const json golden = read_json(dir / "cases.json");
  const auto tok = plugin_tokenizers::load(dir);
  EXPECT_EQ(tok->vocab_size(), golden.at("vocab_size").get<int64_t>());

  for (const auto &c : golden.at("cases")) {
    const std::string text = c.at("text").get<std::string>();
    SCOPED_TRACE("text: " + json(text).dump());
    EncodeOptions with;
    const Encoding e = tok->encode(text, with);
    EXPECT_SAME_SEQ(e.ids, c.at("ids").get<std::vector<int32_t>>(), "ids");
    EXPECT_SAME_SEQ(e.tokens, c.at("tokens").get<std::vector<std::string>>(), "tokens");
    if (c.contains("offsets")) {
      EXPECT_SAME_SEQ(offsets_of(e), c["offsets"].get<std::vector<std::vector<int64_t>>>(),
                      "offsets");
    }
    if (c.contains("token_type_ids")) {
      EXPECT_SAME_SEQ(e.type_ids, c["token_type_ids"].get<std::vector<int32_t>>(),
                      "token_type_ids");
    }
    EncodeOptions without;
    without.add_special_tokens = false;
    const Encoding n = tok->encode(text, without);
    EXPECT_SAME_SEQ(n.ids, c.at("ids_no_special").get<std::vector<int32_t>>(), "ids_no_special");

    const auto want_ids = c.at("ids").get<std::vector<int32_t>>();
    EXPECT_EQ(json(tok->decode(want_ids, false)).dump(), c.at("decoded").dump()) << "decoded";
    EXPECT_EQ(json(tok->decode(want_ids, true)).dump(), c.at("decoded_skip_special").dump())
        << "decoded_skip_special";
  }

  for (const auto &p : golden.value("pairs", json::array())) {
    SCOPED_TRACE("pair: " + p.at("text").dump() + " / " + p.at("text_pair").dump());
    EncodeOptions opts;
    opts.pair = p.at("text_pair").get<std::string>();
    const Encoding e = tok->encode(p.at("text").get<std::string>(), opts);
    EXPECT_SAME_SEQ(e.ids, p.at("ids").get<std::vector<int32_t>>(), "pair ids");
    if (p.contains("token_type_ids")) {
      EXPECT_SAME_SEQ(e.type_ids, p["token_type_ids"].get<std::vector<int32_t>>(),
                      "pair token_type_ids");
    }
  }

  if (golden.contains("batch")) {
    const auto &b = golden["batch"];
    ASSERT_EQ(b.at("padding").get<std::string>(), "longest");
    EncodeOptions opts;
    if (b.value("truncation", false)) {
      opts.max_length = b.at("max_length").get<size_t>();
    }
    const auto encs = tok->encode_batch(b.at("texts").get<std::vector<std::string>>(), opts);
    EXPECT_EQ(tok->padding_side(), b.at("padding_side").get<std::string>());
    const auto want_ids = b.at("input_ids").get<std::vector<std::vector<int32_t>>>();
    const auto want_mask = b.at("attention_mask").get<std::vector<std::vector<int32_t>>>();
    ASSERT_EQ(encs.size(), want_ids.size());
    for (size_t i = 0; i < encs.size(); ++i) {
      EXPECT_SAME_SEQ(encs[i].ids, want_ids[i], "batch input_ids[" + std::to_string(i) + "]");
      EXPECT_SAME_SEQ(encs[i].attention_mask, want_mask[i],
                      "batch attention_mask[" + std::to_string(i) + "]");
      if (b.contains("token_type_ids")) {
        EXPECT_SAME_SEQ(encs[i].type_ids, b["token_type_ids"][i].get<std::vector<int32_t>>(),
                        "batch token_type_ids[" + std::to_string(i) + "]");
      }
    }
  }
  if (golden.contains("batch_error")) {
    // transformers refuses to pad without a pad token; so do we.
    std::vector<std::string> texts;
    for (const auto &c : golden.at("cases")) {
      texts.push_back(c.at("text").get<std::string>());
    }
    EXPECT_THROW(tok->encode_batch(texts, EncodeOptions{}), plinth::Error);
  }
}

class TokenizerGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(TokenizerGolden, Cases) { check_golden(kGolden / "tokenizers" / GetParam()); }

INSTANTIATE_TEST_SUITE_P(Golden, TokenizerGolden,
                         ::testing::Values("llama_spm", "esm", "helium_spm", "gpt2", "roberta",
                                           "bert_cased", "bert_uncased", "mluke", "biogpt"));

// A copy of a golden tokenizer directory without its tokenizer.json, removed at the end.
struct WithoutTokenizerJson {
  fs::path dir;
  explicit WithoutTokenizerJson(const std::string &name) {
    dir = fs::temp_directory_path() /
          ("plinth_tok_legacy_" + name + "_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    for (const auto &f : fs::directory_iterator(kGolden / "tokenizers" / name)) {
      if (f.path().filename() != "tokenizer.json") {
        fs::copy_file(f.path(), dir / f.path().filename());
      }
    }
  }
  ~WithoutTokenizerJson() { fs::remove_all(dir); }
};

// The same cases from the files of the slow tokenizers only (no tokenizer.json), as older
// checkpoints ship them: vocab.txt (WordPiece), vocab.json + merges.txt (byte-level BPE),
// tokenizer.model (sentencepiece, read with libsentencepiece).
class LegacyFiles : public ::testing::TestWithParam<std::string> {};

TEST_P(LegacyFiles, CasesWithoutTokenizerJson) {
  const WithoutTokenizerJson copy(GetParam());
  check_golden(copy.dir);
}

INSTANTIATE_TEST_SUITE_P(Golden, LegacyFiles,
                         ::testing::Values("gpt2", "roberta", "bert_cased", "bert_uncased",
                                           "llama_spm", "helium_spm"));

// mLUKE from sentencepiece.bpe.model: transformers' MLukeTokenizer aligns the ids with
// fairseq's dictionary (<s> <pad> </s> <unk>, then the pieces shifted by one, <mask> after
// them), unlike the tokenizer.json of the golden directory, which keeps sentencepiece's ids.
// So tokens are compared, and ids through that mapping.
TEST(MLukeSentencepiece, FairseqIdsAndEntities) {
  const WithoutTokenizerJson copy("mluke");
  const auto tok = plugin_tokenizers::load(copy.dir);
  const json golden = read_json(kGolden / "tokenizers" / "mluke" / "cases.json");
  EXPECT_EQ(tok->token_to_id("<s>"), 0);
  EXPECT_EQ(tok->token_to_id("<pad>"), 1);
  EXPECT_EQ(tok->token_to_id("</s>"), 2);
  EXPECT_EQ(tok->token_to_id("<unk>"), 3);
  EXPECT_EQ(tok->token_to_id("<mask>"), 1001);
  EXPECT_EQ(tok->vocab_size(), golden.at("vocab_size").get<int64_t>());
  for (size_t i : {0, 1, 2}) { // texts that sentencepiece's own normalizer leaves alone
    const auto &c = golden.at("cases").at(i);
    SCOPED_TRACE(c.at("text").dump());
    const Encoding e = tok->encode(c.at("text").get<std::string>(), {});
    EXPECT_SAME_SEQ(e.tokens, c.at("tokens").get<std::vector<std::string>>(), "tokens");
    std::vector<int32_t> want;
    for (int32_t id : c.at("ids_no_special").get<std::vector<int32_t>>()) {
      want.push_back(id + 1);
    }
    want.insert(want.begin(), 0);
    want.push_back(2);
    EXPECT_SAME_SEQ(e.ids, want, "fairseq ids");
    EXPECT_EQ(tok->decode(e.ids, true), c.at("decoded_skip_special").get<std::string>());
  }
  const json entity_cases = read_json(kGolden / "tokenizers" / "mluke" / "entity_cases.json");
  const auto &c = entity_cases.at(0);
  EncodeOptions eo;
  eo.kwargs_json =
      json{{"entity_spans", c.at("entity_spans")}, {"entities", c.at("entities")}}.dump();
  const Encoding e = tok->encode(c.at("text").get<std::string>(), eo);
  ASSERT_NE(e.find("entity_ids"), nullptr);
  EXPECT_SAME_SEQ(e.find("entity_ids")->data, c.at("entity_ids").get<std::vector<int32_t>>(),
                  "entity_ids");
}

// mLUKE entity cases of the golden directory (the CLI's `plinth check` runs them too).
TEST(MLukeEntities, GoldenEntityCases) {
  const fs::path dir = kGolden / "tokenizers" / "mluke";
  const auto tok = plugin_tokenizers::load(dir);
  for (const auto &c : read_json(dir / "entity_cases.json")) {
    SCOPED_TRACE(c.dump());
    json kwargs = {{"entity_spans", c.at("entity_spans")}};
    if (c.at("entities").is_array()) {
      kwargs["entities"] = c["entities"];
    }
    const Encoding e = tok->encode(c.at("text").get<std::string>(), with_kwargs(kwargs));
    EXPECT_SAME_SEQ(e.ids, c.at("input_ids").get<std::vector<int32_t>>(), "input_ids");
    ASSERT_NE(e.find("entity_ids"), nullptr);
    EXPECT_SAME_SEQ(e.find("entity_ids")->data, c.at("entity_ids").get<std::vector<int32_t>>(),
                    "entity_ids");
    std::vector<int32_t> pos;
    for (const auto &row : c.at("entity_position_ids")) {
      for (const auto &v : row) {
        pos.push_back(v.get<int32_t>());
      }
    }
    ASSERT_NE(e.find("entity_position_ids"), nullptr);
    EXPECT_SAME_SEQ(e.find("entity_position_ids")->data, pos, "entity_position_ids");
  }
  EXPECT_THROW(tok->encode("Paris", with_kwargs({{"entity_spans", {{0, 9}}}})), plinth::Error);
  EXPECT_THROW(tok->encode("Paris", with_kwargs({{"entity_spans", {{0, 5}, {0, 5}}},
                                                 {"task", "entity_classification"}})),
               plinth::Error);
}

// --- model fixtures: input_ids of inputs.safetensors from case.json "texts" ---

// Reads an int64 tensor of a safetensors file (8-byte LE header size, JSON header, data).
std::vector<int64_t> read_i64_tensor(const fs::path &file, const std::string &name,
                                     std::vector<int64_t> &shape) {
  std::ifstream in(file, std::ios::binary);
  uint64_t n = 0;
  in.read(reinterpret_cast<char *>(&n), 8);
  std::string header(n, '\0');
  in.read(header.data(), static_cast<std::streamsize>(n));
  const json h = json::parse(header);
  const auto &t = h.at(name);
  EXPECT_EQ(t.at("dtype").get<std::string>(), "I64");
  shape = t.at("shape").get<std::vector<int64_t>>();
  const auto off = t.at("data_offsets").get<std::vector<uint64_t>>();
  std::vector<int64_t> data((off[1] - off[0]) / 8);
  in.seekg(static_cast<std::streamoff>(8 + n + off[0]));
  in.read(reinterpret_cast<char *>(data.data()), static_cast<std::streamsize>(off[1] - off[0]));
  return data;
}

// What the tokenizer gives for one fixture directory, flattened per input name in the
// row-major order of inputs.safetensors.
using Tensors = std::map<std::string, std::vector<int64_t>>;

void add_rows(Tensors &t, const std::vector<Encoding> &encs) {
  for (const auto &e : encs) {
    t["input_ids"].insert(t["input_ids"].end(), e.ids.begin(), e.ids.end());
    t["attention_mask"].insert(t["attention_mask"].end(), e.attention_mask.begin(),
                               e.attention_mask.end());
    t["token_type_ids"].insert(t["token_type_ids"].end(), e.type_ids.begin(), e.type_ids.end());
    for (const auto &n : e.tensors) { // the model tokenizer's own inputs (LUKE's entities)
      t[n.name].insert(t[n.name].end(), n.data.begin(), n.data.end());
    }
  }
}

// The LUKE fixtures: texts with entity spans and names, under the case's task.
std::vector<Encoding> encode_luke(const plinth::tok::Tokenizer &tok, const json &c,
                                  const fs::path &dir) {
  const auto texts = c.at("texts").get<std::vector<std::string>>();
  const auto spans =
      c.at("entity_spans").get<std::vector<std::vector<std::pair<int64_t, int64_t>>>>();
  const auto names = c.at("entities").get<std::vector<std::vector<std::string>>>();
  EncodeOptions opts;
  // The fixtures were made with truncation at their recorded width (the task-less heads cut
  // the second text from 31 to 28 tokens); encoding with that max_length reproduces them
  // and changes nothing where no text is that long.
  opts.max_length = c.at("inputs").at("input_ids").at("shape").at(1).get<size_t>();
  const std::string task = c.value("task", json()).is_string() ? c["task"].get<std::string>() : "";
  std::vector<Encoding> encs;
  std::vector<int64_t> shape;
  const auto want_ids = read_i64_tensor(dir / "inputs.safetensors", "input_ids", shape);
  for (size_t i = 0; i < texts.size(); ++i) {
    auto kwargs = [&](json spans_of_text, json names_of_text) {
      EncodeOptions o = opts;
      json k = {{"entity_spans", std::move(spans_of_text)}, {"entities", std::move(names_of_text)}};
      if (!task.empty()) k["task"] = task;
      o.kwargs_json = k.dump();
      return o;
    };
    if (task != "entity_classification") {
      encs.push_back(tok.encode(texts[i], kwargs(spans.at(i), names.at(i))));
      continue;
    }
    // entity_classification takes one span, but case.json records the two of each text:
    // the fixture row was made from one of them, so the span that reproduces the row's
    // (unpadded) input_ids is the one used.
    const std::vector<int64_t> row(want_ids.begin() + static_cast<ptrdiff_t>(i * shape[1]),
                                   want_ids.begin() + static_cast<ptrdiff_t>((i + 1) * shape[1]));
    std::optional<Encoding> chosen;
    for (size_t k = 0; k < spans.at(i).size() && !chosen; ++k) {
      Encoding e =
          tok.encode(texts[i], kwargs(json::array({spans[i][k]}), json::array({names[i][k]})));
      if (std::equal(e.ids.begin(), e.ids.end(), row.begin())) {
        chosen = std::move(e);
      }
    }
    EXPECT_TRUE(chosen.has_value()) << "no recorded span reproduces row " << i;
    encs.push_back(chosen ? std::move(*chosen) : Encoding{});
  }
  tok.pad_batch(encs);
  return encs;
}

// Encodes what case.json records, as the fixture generator passed it to the tokenizer.
Tensors encode_case(const plinth::tok::Tokenizer &tok, const json &c, const fs::path &dir) {
  Tensors t;
  const json &texts = c.at("texts");
  std::vector<Encoding> encs;
  if (c.contains("entity_spans")) {
    encs = encode_luke(tok, c, dir);
  } else if (texts.is_array()) {
    encs = tok.encode_batch(texts.get<std::vector<std::string>>(), {});
  } else if (texts.contains("prompts")) {
    // Multiple choice: every (prompt, choice) pair, padded together; [batch, choices, len].
    const auto prompts = texts.at("prompts").get<std::vector<std::string>>();
    const auto choices = texts.at("choices").get<std::vector<std::vector<std::string>>>();
    for (size_t i = 0; i < prompts.size(); ++i) {
      for (const auto &choice : choices.at(i)) {
        EncodeOptions opts;
        opts.pair = choice;
        encs.push_back(tok.encode(prompts[i], opts));
      }
    }
    tok.pad_batch(encs);
  } else { // text pairs (qa, nsp, pretraining)
    const auto a = texts.at("a").get<std::vector<std::string>>();
    const auto b = texts.at("b").get<std::vector<std::string>>();
    for (size_t i = 0; i < a.size(); ++i) {
      EncodeOptions opts;
      opts.pair = b.at(i);
      encs.push_back(tok.encode(a[i], opts));
    }
    tok.pad_batch(encs);
  }
  add_rows(t, encs);
  return t;
}

// Every fixture whose case.json records the texts behind its inputs. MEGA's fixtures come from
// transformers 4.37's code and record no texts (see their case.json "reference"), so there is
// nothing to derive their inputs from; they are not listed rather than reported as skipped.
std::vector<std::string> model_case_dirs() {
  std::vector<std::string> out;
  for (const auto &family : fs::directory_iterator(kGolden / "models")) {
    for (const auto &c : fs::directory_iterator(family.path())) {
      if (fs::exists(c.path() / "case.json") && read_json(c.path() / "case.json").contains("texts")) {
        out.push_back(family.path().filename().string() + "/" + c.path().filename().string());
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

class ModelInputs : public ::testing::TestWithParam<std::string> {};

TEST_P(ModelInputs, InputsFromTexts) {
  const fs::path dir = kGolden / "models" / GetParam();
  const json c = read_json(dir / "case.json");
  const auto tok = plugin_tokenizers::load(dir);
  const Tensors got = encode_case(*tok, c, dir);
  for (const auto &[key, info] : c.at("inputs").items()) {
    if (key.find('.') != std::string::npos) {
      continue; // generate.* inputs are checked by the generation tests
    }
    std::vector<int64_t> shape;
    const auto want = read_i64_tensor(dir / "inputs.safetensors", key, shape);
    const auto it = got.find(key);
    ASSERT_NE(it, got.end()) << key << " is not produced";
    EXPECT_SAME_SEQ(it->second, want, key);
  }
}

INSTANTIATE_TEST_SUITE_P(Golden, ModelInputs, ::testing::ValuesIn(model_case_dirs()),
                         [](const auto &info) {
                           std::string s = info.param;
                           for (char &ch : s) {
                             ch = std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
                           }
                           return s;
                         });

} // namespace
