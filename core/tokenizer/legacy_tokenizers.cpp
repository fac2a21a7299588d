// Checkpoints that ship the files of transformers' slow tokenizers instead of tokenizer.json.
// Like transformers' convert_slow_tokenizer.py, we describe the equivalent tokenizer.json
// pipeline and build that.
#include <fstream>

#include <nlohmann/json.hpp>

#include "error.hpp"
#include "file_read.hpp"
#include "tokenizer/families.hpp"

namespace plinth::tok {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

std::string role_or(const TokenizerConfig &cfg, Special r, const std::string &dflt) {
  const auto it = cfg.roles.find(r);
  return it == cfg.roles.end() ? dflt : it->second;
}

json special_piece(const std::string &t, int type) {
  return {{"SpecialToken", {{"id", t}, {"type_id", type}}}};
}
json sequence_piece(const std::string &s, int type) {
  return {{"Sequence", {{"id", s}, {"type_id", type}}}};
}

// Special tokens of the config that exist in `vocab`, as tokenizer.json added_tokens.
json added_specials(const TokenizerConfig &cfg, const json &vocab) {
  json out = json::array();
  std::vector<std::string> names = cfg.extra_special;
  for (const auto &[r, c] : cfg.roles) {
    names.push_back(c);
  }
  for (const auto &t : cfg.added_tokens_decoder) {
    out.push_back({{"id", t.id},
                   {"content", t.content},
                   {"special", t.special},
                   {"lstrip", t.lstrip},
                   {"rstrip", t.rstrip},
                   {"single_word", t.single_word},
                   {"normalized", t.normalized}});
  }
  for (const auto &n : names) {
    if (vocab.contains(n)) {
      out.push_back({{"id", vocab[n]},
                     {"content", n},
                     {"special", true},
                     {"lstrip", false},
                     {"rstrip", false},
                     {"single_word", false},
                     {"normalized", false}});
    }
  }
  return out;
}

json wordpiece_json(const fs::path &dir, const TokenizerConfig &cfg) {
  json vocab = json::object();
  int id = 0;
  for (const auto &l : read_text_lines(dir / "vocab.txt")) {
    // transformers' load_vocab: rstrip("\n") only; later duplicates override.
    vocab[l] = id++;
  }
  const std::string cls = role_or(cfg, Special::Cls, "[CLS]");
  const std::string sep = role_or(cfg, Special::Sep, "[SEP]");
  const bool lower = cfg.raw.value("do_lower_case", true);
  json strip = cfg.raw.value("strip_accents", json());
  json j;
  j["normalizer"] = {{"type", "BertNormalizer"},
                     {"clean_text", true},
                     {"handle_chinese_chars", cfg.raw.value("tokenize_chinese_chars", true)},
                     {"strip_accents", strip},
                     {"lowercase", lower}};
  j["pre_tokenizer"] = {{"type", "BertPreTokenizer"}};
  j["model"] = {{"type", "WordPiece"},
                {"unk_token", role_or(cfg, Special::Unk, "[UNK]")},
                {"continuing_subword_prefix", "##"},
                {"max_input_chars_per_word", 100},
                {"vocab", vocab}};
  if (vocab.contains(cls) && vocab.contains(sep)) {
    j["post_processor"] = {
        {"type", "TemplateProcessing"},
        {"single", {special_piece(cls, 0), sequence_piece("A", 0), special_piece(sep, 0)}},
        {"pair",
         {special_piece(cls, 0), sequence_piece("A", 0), special_piece(sep, 0),
          sequence_piece("B", 1), special_piece(sep, 1)}},
        {"special_tokens",
         {{cls, {{"id", cls}, {"ids", {vocab[cls]}}, {"tokens", {cls}}}},
          {sep, {{"id", sep}, {"ids", {vocab[sep]}}, {"tokens", {sep}}}}}}};
  }
  j["decoder"] = {{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}};
  j["added_tokens"] = added_specials(cfg, vocab);
  return j;
}

json byte_level_bpe_json(const fs::path &dir, const TokenizerConfig &cfg) {
  const json vocab = read_json_file(dir / "vocab.json");
  json merges = json::array();
  for (const auto &l : read_text_lines(dir / "merges.txt")) {
    if (l.empty() || l.rfind("#version", 0) == 0) {
      continue;
    }
    merges.push_back(l);
  }
  const bool prefix = cfg.raw.value("add_prefix_space", false);
  json j;
  j["pre_tokenizer"] = {{"type", "ByteLevel"},
                        {"add_prefix_space", prefix},
                        {"trim_offsets", true},
                        {"use_regex", true}};
  j["model"] = {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}, {"fuse_unk", false}};
  j["decoder"] = {{"type", "ByteLevel"}};
  if (cfg.tokenizer_class.rfind("Roberta", 0) == 0) {
    const std::string cls = role_or(cfg, Special::Cls, "<s>");
    const std::string sep = role_or(cfg, Special::Sep, "</s>");
    j["post_processor"] = {{"type", "RobertaProcessing"},
                           {"cls", {cls, vocab.value(cls, 0)}},
                           {"sep", {sep, vocab.value(sep, 2)}},
                           {"trim_offsets", cfg.raw.value("trim_offsets", true)},
                           {"add_prefix_space", prefix}};
  } else {
    j["post_processor"] = {{"type", "ByteLevel"}, {"trim_offsets", false}};
  }
  j["added_tokens"] = added_specials(cfg, vocab);
  return j;
}

} // namespace

std::unique_ptr<Tokenizer> load_legacy_tokenizer(const fs::path &dir, const TokenizerConfig &cfg) {
  if (fs::exists(dir / "vocab.json") && fs::exists(dir / "merges.txt")) {
    return make_json_tokenizer(byte_level_bpe_json(dir, cfg), cfg, (dir / "vocab.json").string());
  }
  if (fs::exists(dir / "vocab.txt")) {
    return make_json_tokenizer(wordpiece_json(dir, cfg), cfg, (dir / "vocab.txt").string());
  }
  throw Error(PLINTH_ERR_NOT_FOUND, dir.string() + ": no tokenizer files found (tokenizer.json, "
                                                   "vocab.txt, vocab.json + merges.txt)");
}

} // namespace plinth::tok
