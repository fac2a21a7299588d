// The core's tokenizer interface. Every tokenizer family (tokenizer.json pipelines, vocab.txt
// WordPiece, ESM's fixed vocabulary, sentencepiece models, ...) implements Tokenizer; the
// loader picks one from the files of a model directory. Errors are plinth::Error.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace plinth::tok {

// The entity side of a LUKE / mLUKE encoding, as transformers' LukeTokenizer returns it.
struct EntityEncoding {
  std::vector<int32_t> ids;
  int32_t mention_length = 0;
  std::vector<int32_t> position_ids; // [ids.size()][mention_length], -1 padded
  std::vector<int32_t> attention_mask;
  std::vector<int32_t> token_type_ids;
  // entity_span_classification only: first and last word-token index of each span.
  bool has_span_positions = false;
  std::vector<int32_t> start_positions, end_positions;
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
  std::optional<EntityEncoding> entities; // set by encode_entities only
};

struct EncodeOptions {
  bool add_special_tokens = true;
  std::optional<std::string> pair;
  size_t max_length = 0; // 0: no truncation
};

// Entity spans of one text for encode_entities (transformers' entity_spans / entities / task).
struct EntityOptions {
  std::vector<std::pair<int64_t, int64_t>> spans;   // character offsets [start, end)
  std::optional<std::vector<std::string>> entities; // names; none: the [MASK] entity
  std::optional<std::string> task;                  // none: tokenizer_config.json "task"
  int32_t max_mention_length = 0;                   // 0: tokenizer_config.json
};

// Roles of special tokens as tokenizer_config.json / special_tokens_map.json name them.
enum class Special { Bos, Eos, Unk, Pad, Cls, Sep, Mask };

class Tokenizer {
public:
  virtual ~Tokenizer() = default;
  // Invalid UTF-8 in text is an Error (INVALID_ARGUMENT), never a crash.
  virtual Encoding encode(std::string_view text, const EncodeOptions &opts) const = 0;
  virtual std::string decode(std::span<const int32_t> ids, bool skip_special_tokens) const = 0;
  virtual int64_t vocab_size() const = 0;
  virtual std::optional<int32_t> token_to_id(std::string_view token) const = 0;
  virtual std::optional<std::string> id_to_token(int32_t id) const = 0;
  virtual std::optional<int32_t> special_id(Special role) const = 0;
  virtual bool is_special(int32_t id) const = 0;
  // "right" or "left" (tokenizer_config.json padding_side, default right).
  virtual std::string padding_side() const { return "right"; }

  // Batch encoding, padded to the longest (and truncated to max_length if > 0) on the
  // padding side; pad id from the tokenizer. Throws if padding is needed without a pad token.
  std::vector<Encoding> encode_batch(const std::vector<std::string> &texts,
                                     const EncodeOptions &opts) const;

  // Entity-aware encoding (LUKE / mLUKE); others throw Error(UNSUPPORTED).
  virtual Encoding encode_entities(std::string_view text, const EncodeOptions &opts,
                                   const EntityOptions &entities) const;
  // The same for a batch, words and entities each padded to the longest.
  std::vector<Encoding> encode_entities_batch(const std::vector<std::string> &texts,
                                              const EncodeOptions &opts,
                                              const std::vector<EntityOptions> &entities) const;

  // Pads encodings made one by one (e.g. text pairs) as encode_batch does.
  void pad_batch(std::vector<Encoding> &encs) const;
};

// Picks the tokenizer family from the files in `dir` (tokenizer.json first, then the
// files older checkpoints ship). Throws plinth::Error(NOT_FOUND) if there is none.
std::unique_ptr<Tokenizer> load_tokenizer(const std::filesystem::path &dir);

} // namespace plinth::tok
