// Runs the golden tokenizer cases made by transformers (tests/data/golden/tokenizers/<name>/
// cases.json) and checks that the model fixtures' input_ids are reproduced from their texts.
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "error.hpp"
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

void check_golden(const fs::path &dir) {
  const json golden = read_json(dir / "cases.json");
  const auto tok = plinth::tok::load_tokenizer(dir);
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
                                           "bert_cased", "bert_uncased", "mluke"));

// The same cases from the files of the slow tokenizers only (no tokenizer.json), as older
// checkpoints ship them: vocab.txt (WordPiece), vocab.json + merges.txt (byte-level BPE).
class LegacyFiles : public ::testing::TestWithParam<std::string> {};

TEST_P(LegacyFiles, CasesWithoutTokenizerJson) {
  const fs::path src = kGolden / "tokenizers" / GetParam();
  const fs::path dir = fs::temp_directory_path() /
                       ("plinth_tok_legacy_" + GetParam() + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const auto &f : fs::directory_iterator(src)) {
    if (f.path().filename() != "tokenizer.json") {
      fs::copy_file(f.path(), dir / f.path().filename());
    }
  }
  check_golden(dir);
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Golden, LegacyFiles,
                         ::testing::Values("gpt2", "roberta", "bert_cased", "bert_uncased"));

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

class ModelInputs : public ::testing::TestWithParam<std::string> {};

TEST_P(ModelInputs, InputIdsFromTexts) {
  const fs::path dir = kGolden / "models" / GetParam();
  const json c = read_json(dir / "case.json");
  const auto tok = plinth::tok::load_tokenizer(dir);
  const auto encs = tok->encode_batch(c.at("texts").get<std::vector<std::string>>(), {});
  for (const char *key : {"input_ids", "attention_mask"}) {
    std::vector<int64_t> shape;
    const auto want = read_i64_tensor(dir / "inputs.safetensors", key, shape);
    ASSERT_EQ(shape.size(), 2u);
    ASSERT_EQ(static_cast<size_t>(shape[0]), encs.size());
    for (size_t i = 0; i < encs.size(); ++i) {
      const auto &src = std::string(key) == "input_ids" ? encs[i].ids : encs[i].attention_mask;
      std::vector<int64_t> got(src.begin(), src.end());
      std::vector<int64_t> row(want.begin() + static_cast<ptrdiff_t>(i * shape[1]),
                               want.begin() + static_cast<ptrdiff_t>((i + 1) * shape[1]));
      EXPECT_SAME_SEQ(got, row, std::string(key) + "[" + std::to_string(i) + "]");
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Golden, ModelInputs, ::testing::Values("mistral/base", "esm2/base"),
                         [](const auto &info) {
                           std::string s = info.param;
                           for (char &ch : s) {
                             ch = std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
                           }
                           return s;
                         });

} // namespace
