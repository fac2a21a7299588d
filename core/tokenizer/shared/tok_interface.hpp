// The tokenizer interface every tokenizer family implements, in the core (tokenizer.json
// pipelines, WordPiece, sentencepiece, ...) and in plugins (ESM, BioGPT, LUKE), with the
// encoding it produces and the helpers the families share (truncation, padding, joining).
// Errors are plinth::Error. Across the C ABI a Tokenizer travels as a plinth_tokenizer_vtable
// (table_tokenizer.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace plinth::tok {

// A named int32 tensor a model's own tokenizer adds to an encoding (LUKE's "entity_ids" [E],
// "entity_position_ids" [E, M], ...), named as the model's forward input it feeds.
struct NamedTensor {
  std::string name;
  std::vector<int64_t> shape; // shape[0] is what batches pad
  std::vector<int32_t> data;  // row-major
  int32_t pad = 0;            // the value padding rows are filled with
};

struct Encoding {
  std::vector<int32_t> ids;
  std::vector<int32_t> type_ids;
  std::vector<std::string> tokens;
  // Character (Unicode code point) offsets into the input text, [start, end) per token;
  // special tokens added by the post-processor get {0, 0}.
  std::vector<std::pair<int64_t, int64_t>> offsets;
  std::vector<int32_t> special_tokens_mask;
  std::vector<int32_t> attention_mask;
  std::vector<NamedTensor> tensors; // extra inputs (model-specific tokenizers only)

  const NamedTensor *find(std::string_view name) const;
};

struct EncodeOptions {
  bool add_special_tokens = true;
  std::optional<std::string> pair;
  size_t max_length = 0; // 0: no truncation
  // Extra arguments of a model-specific tokenizer as a JSON object, the keyword arguments
  // transformers' tokenizer call takes (LUKE: entity_spans, entities, task, ...); "" = none.
  std::string kwargs_json;
};

// Roles of special tokens as tokenizer_config.json / special_tokens_map.json name them, in the
// order of plinth_special_role.
enum class Special { Bos, Eos, Unk, Pad, Cls, Sep, Mask };

class Tokenizer {
public:
  virtual ~Tokenizer() = default;
  // Invalid UTF-8 in text is an Error (INVALID_ARGUMENT), never a crash. kwargs_json is only
  // passed to tokenizers whose takes_kwargs() is true.
  virtual Encoding encode(std::string_view text, const EncodeOptions &opts) const = 0;
  virtual std::string decode(std::span<const int32_t> ids, bool skip_special_tokens) const = 0;
  virtual int64_t vocab_size() const = 0;
  virtual std::optional<int32_t> token_to_id(std::string_view token) const = 0;
  virtual std::optional<std::string> id_to_token(int32_t id) const = 0;
  virtual std::optional<int32_t> special_id(Special role) const = 0;
  virtual bool is_special(int32_t id) const = 0;
  // "right" or "left" (tokenizer_config.json padding_side, default right).
  virtual std::string padding_side() const { return "right"; }
  // Whether encode() understands EncodeOptions::kwargs_json.
  virtual bool takes_kwargs() const { return false; }

  // Batch encoding, padded to the longest (and truncated to max_length if > 0) on the
  // padding side; pad id from the tokenizer. Throws if padding is needed without a pad token.
  std::vector<Encoding> encode_batch(const std::vector<std::string> &texts,
                                     const EncodeOptions &opts) const;
  // Pads encodings made one by one (e.g. text pairs) as encode_batch does; named tensors are
  // padded along their first dimension with their pad value.
  void pad_batch(std::vector<Encoding> &encs) const;
};

// Throws UNSUPPORTED unless `t` takes kwargs_json: the one refusal of every C edge (the C API
// and the tokenizer table) for tokenizers without arguments of their own.
void require_takes_kwargs(const Tokenizer &t);

// Shortens the sequences so that they hold at most `budget` tokens together, removing from
// the longer one first (transformers' "longest_first").
void truncate_longest_first(Encoding &a, Encoding *b, size_t budget);
// Truncation to `max_length` tokens in all (0: none) when `added` special tokens will be put
// around the sequences: they keep max_length - added. A max_length below `added` cannot be
// met and is refused (transformers returns the special tokens alone, longer than asked).
void truncate_to_max_length(Encoding &a, Encoding *b, size_t max_length, size_t added);
void truncate_encoding(Encoding &e, size_t len);
// Appends b's tokens to a.
void append_encoding(Encoding &a, const Encoding &b);
// Replaces every occurrence of `from` (left to right, non-overlapping) by `to`.
void replace_all(std::string &s, std::string_view from, std::string_view to);
// transformers' clean_up_tokenization (" ." -> ".", " n't" -> "n't", ...).
void clean_up_tokenization(std::string &s);

} // namespace plinth::tok
