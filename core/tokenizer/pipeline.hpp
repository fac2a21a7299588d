// The stages of an HF `tokenizer.json` pipeline: normalizer -> pre-tokenizer -> model ->
// post-processor, and the decoder. Each is built from its JSON object by a factory in the
// matching .cpp file; an unknown "type" is a plinth::Error(FORMAT).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "tokenizer/normalized_string.hpp"
#include "tokenizer/tokenizer.hpp"

namespace plinth::tok {

class Normalizer {
public:
  virtual ~Normalizer() = default;
  virtual void normalize(NormalizedString &s) const = 0;
};

class PreTokenizer {
public:
  virtual ~PreTokenizer() = default;
  // Splits each piece further; pieces are words the model tokenizes independently.
  virtual void pre_tokenize(std::vector<NormalizedString> &pieces) const = 0;
};

// One token produced by a model, with byte offsets inside the word it came from.
struct ModelToken {
  int32_t id;
  std::string value;
  size_t start;
  size_t end;
};

class Model {
public:
  virtual ~Model() = default;
  virtual std::vector<ModelToken> tokenize(std::string_view word) const = 0;
  virtual std::optional<int32_t> token_to_id(std::string_view token) const = 0;
  virtual std::optional<std::string> id_to_token(int32_t id) const = 0;
  virtual int64_t vocab_size() const = 0;
};

// Maps a token string to its id (added tokens included); used when building processors.
using TokenLookup = std::function<std::optional<int32_t>(std::string_view)>;

class PostProcessor {
public:
  virtual ~PostProcessor() = default;
  virtual size_t added_tokens(bool is_pair) const = 0;
  // Rewrites the per-sequence encodings (one or two, in order), adding special tokens as
  // encodings of their own if asked; the caller concatenates the result.
  virtual void process_encodings(std::vector<Encoding> &encodings,
                                 bool add_special_tokens) const = 0;
};

class Decoder {
public:
  virtual ~Decoder() = default;
  virtual std::vector<std::string> decode_chain(std::vector<std::string> tokens) const = 0;
};

std::unique_ptr<Normalizer> make_normalizer(const nlohmann::json &j);
std::unique_ptr<PreTokenizer> make_pre_tokenizer(const nlohmann::json &j);
std::unique_ptr<Model> make_model(const nlohmann::json &j);
std::unique_ptr<PostProcessor> make_post_processor(const nlohmann::json &j,
                                                   const TokenLookup &lookup);
std::unique_ptr<Decoder> make_decoder(const nlohmann::json &j);

// Individual models, also used by loaders of older file formats.
std::unique_ptr<Model> make_bpe_model(const nlohmann::json &j);
std::unique_ptr<Model> make_wordpiece_model(const nlohmann::json &j);
std::unique_ptr<Model> make_unigram_model(const nlohmann::json &j);

// The GPT-2 byte <-> printable character table of the ByteLevel components.
const std::vector<char32_t> &byte_to_char_table();
std::optional<uint8_t> char_to_byte(char32_t c);

} // namespace plinth::tok
