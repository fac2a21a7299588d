// transformers' LukeTokenizer / MLukeTokenizer entity handling, around the word tokenizer of
// the checkpoint (tokenizer.json, vocab.json + merges.txt or sentencepiece.bpe.model).
//
// The text is cut at every span boundary (a boundary right after a space moves before the
// space, so that the space stays with the following word), each piece is tokenized on its
// own, and each span becomes the token range between its boundaries. The tasks of
// LukeTokenizer then add marker tokens around spans (entity_classification,
// entity_pair_classification) or report span start/end positions
// (entity_span_classification). Sequences are "<s> A </s>" / "<s> A </s></s> B </s>", word
// token types all 0, entity positions shifted past <s>.
//
// The entity arguments come as transformers' keyword arguments (EncodeOptions::kwargs_json) and
// the entity side of the encoding goes out as named tensors, so neither the C API nor the core
// knows about entities. Provided through the plugin's tokenizer table (luke_tokenizer.hpp).
#include "luke_tokenizer.hpp"

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "json_integer.hpp"
#include "tok_error.hpp"
#include "tok_interface.hpp"
#include "tokenizer_dir.hpp"
#include "utf8.hpp"

namespace plinth::luke {

namespace {

using namespace plinth::tok;

// Far above any real LUKE configuration (30 and 32), far below what would exhaust memory.
constexpr int32_t kMaxMentionLength = 4096;
constexpr int32_t kMaxEntityLength = 1 << 16;

using json = nlohmann::json;

// Entity spans of one text (transformers' entity_spans / entities / task / max_mention_length).
struct EntityOptions {
  std::vector<std::pair<int64_t, int64_t>> spans;   // character offsets [start, end)
  std::optional<std::vector<std::string>> entities; // names; none: the [MASK] entity
  std::optional<std::string> task;                  // none: tokenizer_config.json "task"
  int32_t max_mention_length = 0;                   // 0: tokenizer_config.json
};

// The entity side of an encoding, as LukeTokenizer returns it.
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

// kwargs_json -> EntityOptions; nullopt when it names no entity spans (a plain word encoding).
std::optional<EntityOptions> parse_entity_kwargs(const std::string &kwargs) {
  json j;
  try {
    j = json::parse(kwargs);
  } catch (const json::exception &e) {
    throw Error(PLINTH_ERR_INVALID_ARGUMENT, std::string("kwargs_json: ") + e.what());
  }
  if (!j.is_object()) throw Error(PLINTH_ERR_INVALID_ARGUMENT, "kwargs_json must be an object");
  for (const auto &[key, v] : j.items())
    if (key != "entity_spans" && key != "entities" && key != "task" && key != "max_mention_length")
      throw Error(PLINTH_ERR_INVALID_ARGUMENT,
                  "LUKE tokenizer: unknown argument \"" + key +
                      "\" (entity_spans, entities, task, max_mention_length)");
  const auto spans = j.find("entity_spans");
  if (spans == j.end() || spans->is_null()) {
    if (j.contains("entities") && !j["entities"].is_null())
      throw Error(PLINTH_ERR_INVALID_ARGUMENT, "LUKE tokenizer: entities need entity_spans");
    return std::nullopt;
  }
  EntityOptions eo;
  if (!spans->is_array())
    throw Error(PLINTH_ERR_INVALID_ARGUMENT, "entity_spans must be a list of [start, end]");
  for (const auto &sp : *spans) {
    if (!sp.is_array() || sp.size() != 2)
      throw Error(PLINTH_ERR_INVALID_ARGUMENT, "entity_spans must be a list of [start, end]");
    eo.spans.emplace_back(json_integer(sp[0], "entity span start", 0, INT32_MAX),
                          json_integer(sp[1], "entity span end", 0, INT32_MAX));
  }
  if (const auto it = j.find("entities"); it != j.end() && !it->is_null()) {
    if (!it->is_array())
      throw Error(PLINTH_ERR_INVALID_ARGUMENT, "entities must be a list of names");
    eo.entities.emplace();
    for (const auto &n : *it) {
      if (!n.is_string())
        throw Error(PLINTH_ERR_INVALID_ARGUMENT, "an entity name is not a string");
      eo.entities->push_back(n.get<std::string>());
    }
  }
  if (const auto it = j.find("task"); it != j.end() && !it->is_null()) {
    if (!it->is_string()) throw Error(PLINTH_ERR_INVALID_ARGUMENT, "task must be a string");
    eo.task = it->get<std::string>();
  }
  eo.max_mention_length =
      static_cast<int32_t>(json_integer_or(j, "max_mention_length", 0, "max_mention_length", 0));
  return eo;
}

// The named tensors of an entity encoding, as the model's forward inputs.
void add_tensors(Encoding &out, const EntityEncoding &en) {
  const auto n = static_cast<int64_t>(en.ids.size());
  auto add = [&](const char *name, std::vector<int64_t> shape, const std::vector<int32_t> &data,
                 int32_t pad) {
    out.tensors.push_back({name, std::move(shape), data, pad});
  };
  // transformers pads entities with id 0, position -1 and mask 0 (LukeTokenizer._pad).
  add("entity_ids", {n}, en.ids, 0);
  add("entity_position_ids", {n, en.mention_length}, en.position_ids, -1);
  add("entity_attention_mask", {n}, en.attention_mask, 0);
  add("entity_token_type_ids", {n}, en.token_type_ids, 0);
  if (en.has_span_positions) {
    add("entity_start_positions", {n}, en.start_positions, 0);
    add("entity_end_positions", {n}, en.end_positions, 0);
  }
}

std::string config_string(const json &raw, const char *key, const std::string &dflt) {
  const auto it = raw.find(key);
  if (it == raw.end()) {
    return dflt;
  }
  if (it->is_string()) {
    return it->get<std::string>();
  }
  if (it->is_object() && it->contains("content") && (*it)["content"].is_string()) {
    return (*it)["content"].get<std::string>();
  }
  return dflt;
}

int32_t config_int(const json &raw, const char *key, int32_t dflt) {
  const auto it = raw.find(key);
  return it != raw.end() && it->is_number_integer()
             ? static_cast<int32_t>(json_integer(*it, std::string("tokenizer_config.json ") + key))
             : dflt;
}

class LukeTokenizer final : public Tokenizer {
public:
  LukeTokenizer(std::unique_ptr<Tokenizer> words, const TokenizerConfig &cfg, json entity_vocab)
      : words_(std::move(words)), cfg_(cfg) {
    for (const auto &[name, id] : entity_vocab.items()) {
      entity_vocab_[name] = static_cast<int32_t>(
          json_integer(id, "entity vocabulary: id of " + json(name).dump(), 0));
    }
    const json &raw = cfg.raw;
    if (const auto it = raw.find("task"); it != raw.end() && it->is_string()) {
      task_ = it->get<std::string>();
    }
    max_entity_length_ = config_int(raw, "max_entity_length", 32);
    max_mention_length_ = config_int(raw, "max_mention_length", 30);
    // Each entity carries max_mention_length position ids: 2^30 of them took gigabytes.
    if (max_mention_length_ > kMaxMentionLength || max_entity_length_ > kMaxEntityLength)
      throw Error(PLINTH_ERR_FORMAT,
                  "tokenizer_config.json: max_mention_length " +
                      std::to_string(max_mention_length_) + " / max_entity_length " +
                      std::to_string(max_entity_length_) + " above the limits " +
                      std::to_string(kMaxMentionLength) + " / " + std::to_string(kMaxEntityLength));
    unk_entity_ = entity_id(config_string(raw, "entity_unk_token", "[UNK]"));
    mask_entity_ = entity_id(config_string(raw, "entity_mask_token", "[MASK]"));
    mask2_entity_ = entity_id(config_string(raw, "entity_mask2_token", "[MASK2]"));
    // LukeTokenizer marks spans with additional_special_tokens_ids[0] and [1]. Older configs
    // list <ent>, <ent2> there; transformers 5 configs list <s>, </s> first and so mark
    // spans with those, which the released fixtures reflect.
    marker_tokens_[0] = cfg.extra_special.size() >= 2
                            ? cfg.extra_special[0]
                            : config_string(raw, "entity_token_1", "<ent>");
    marker_tokens_[1] = cfg.extra_special.size() >= 2
                            ? cfg.extra_special[1]
                            : config_string(raw, "entity_token_2", "<ent2>");
  }

  Encoding encode(std::string_view text, const EncodeOptions &opts) const override {
    const auto eo = opts.kwargs_json.empty() ? std::nullopt : parse_entity_kwargs(opts.kwargs_json);
    if (!eo) {
      EncodeOptions words = opts;
      words.kwargs_json.clear();
      return words_->encode(text, words);
    }
    return encode_entities(text, opts, *eo);
  }
  bool takes_kwargs() const override { return true; }
  std::string decode(std::span<const int32_t> ids, bool skip_special_tokens) const override {
    return words_->decode(ids, skip_special_tokens);
  }
  int64_t vocab_size() const override { return words_->vocab_size(); }
  std::optional<int32_t> token_to_id(std::string_view token) const override {
    return words_->token_to_id(token);
  }
  std::optional<std::string> id_to_token(int32_t id) const override {
    return words_->id_to_token(id);
  }
  std::optional<int32_t> special_id(Special role) const override {
    return words_->special_id(role);
  }
  bool is_special(int32_t id) const override { return words_->is_special(id); }
  std::string padding_side() const override { return words_->padding_side(); }

private:
  Encoding encode_entities(std::string_view text, const EncodeOptions &opts,
                           const EntityOptions &eo) const {
    utf8::validate(text, "tokenizer input text");
    const std::string task = eo.task.value_or(task_);
    const size_t n = eo.spans.size();
    if (eo.entities && eo.entities->size() != n) {
      throw Error(PLINTH_ERR_INVALID_ARGUMENT, "entities and entity spans differ in number");
    }
    std::vector<std::pair<size_t, size_t>> spans; // word-token ranges
    Encoding body = encode_pieces(text, eo.spans, spans);
    std::vector<int32_t> entity_ids;
    size_t max_entities = static_cast<size_t>(std::max(max_entity_length_, 0));
    if (task.empty()) {
      for (size_t i = 0; i < n; ++i) {
        entity_ids.push_back(eo.entities ? entity_id_or_unk((*eo.entities)[i]) : mask_entity_);
      }
    } else if (task == "entity_classification") {
      require_spans(n == 1, task, "exactly one entity span");
      entity_ids = {mask_entity_};
      auto [start, end] = spans[0];
      insert_token(body, end, marker(0));
      insert_token(body, start, marker(0));
      spans[0] = {start, end + 2};
      max_entities = 1;
    } else if (task == "entity_pair_classification") {
      require_spans(n == 2, task, "exactly two entity spans");
      entity_ids = {mask_entity_, mask2_entity_};
      const auto head = spans[0], tail = spans[1];
      // Markers go in from the right so that earlier positions stay valid.
      std::vector<std::pair<std::pair<size_t, size_t>, int32_t>> order = {{head, marker(0)},
                                                                          {tail, marker(1)}};
      if (head.first < tail.first) {
        spans[0] = {head.first, head.second + 2};
        spans[1] = {tail.first + 2, tail.second + 4};
        std::reverse(order.begin(), order.end());
      } else {
        spans[0] = {head.first + 2, head.second + 4};
        spans[1] = {tail.first, tail.second + 2};
      }
      for (const auto &[span, id] : order) {
        insert_token(body, span.second, id);
        insert_token(body, span.first, id);
      }
      max_entities = 2;
    } else if (task == "entity_span_classification") {
      require_spans(n > 0, task, "at least one entity span");
      entity_ids.assign(n, mask_entity_);
    } else {
      throw Error(PLINTH_ERR_INVALID_ARGUMENT,
                  "unknown LUKE task \"" + task +
                      "\" (entity_classification, entity_pair_classification, "
                      "entity_span_classification)");
    }

    std::optional<Encoding> pair;
    if (opts.pair) {
      utf8::validate(*opts.pair, "tokenizer input text_pair");
      EncodeOptions plain;
      plain.add_special_tokens = false;
      pair = words_->encode(*opts.pair, plain);
      for (auto &t : pair->type_ids) {
        t = 0;
      }
    }
    const bool truncate = opts.max_length > 0;
    if (truncate) {
      const size_t added = opts.add_special_tokens ? (pair ? 4 : 2) : 0;
      truncate_to_max_length(body, pair ? &*pair : nullptr, opts.max_length, added);
    }

    Encoding out;
    if (opts.add_special_tokens) {
      push_special(out, Special::Cls);
    }
    const size_t offset = out.ids.size();
    append_encoding(out, body);
    if (opts.add_special_tokens) {
      push_special(out, Special::Sep);
    }
    if (pair) {
      if (opts.add_special_tokens) {
        push_special(out, Special::Sep);
      }
      append_encoding(out, *pair);
      if (opts.add_special_tokens) {
        push_special(out, Special::Sep);
      }
    }

    // Entities whose span was cut off by truncation are dropped; then at most max_entities.
    EntityEncoding en;
    en.mention_length = eo.max_mention_length > 0 ? eo.max_mention_length : max_mention_length_;
    if (en.mention_length > kMaxMentionLength)
      throw Error(PLINTH_ERR_INVALID_ARGUMENT,
                  "max_mention_length " + std::to_string(en.mention_length) +
                      " is above the limit of " + std::to_string(kMaxMentionLength));
    en.has_span_positions = task == "entity_span_classification";
    const auto mention = static_cast<size_t>(std::max(en.mention_length, 0));
    for (size_t i = 0; i < entity_ids.size(); ++i) {
      if (spans[i].second > body.ids.size()) {
        continue;
      }
      if (truncate && en.ids.size() >= max_entities) {
        break;
      }
      const auto start = static_cast<int32_t>(spans[i].first + offset);
      const auto end = static_cast<int32_t>(spans[i].second + offset);
      en.ids.push_back(entity_ids[i]);
      for (size_t k = 0; k < mention; ++k) {
        const auto pos = start + static_cast<int32_t>(k);
        en.position_ids.push_back(pos < end ? pos : -1);
      }
      en.attention_mask.push_back(1);
      en.token_type_ids.push_back(0);
      if (en.has_span_positions) {
        en.start_positions.push_back(start);
        en.end_positions.push_back(end - 1);
      }
    }
    add_tensors(out, en);
    return out;
  }

  static void require_spans(bool ok, const std::string &task, const char *what) {
    if (!ok) {
      throw Error(PLINTH_ERR_INVALID_ARGUMENT, "task " + task + " needs " + what);
    }
  }

  int32_t entity_id(const std::string &name) const {
    const auto it = entity_vocab_.find(name);
    if (it == entity_vocab_.end()) {
      throw Error(PLINTH_ERR_FORMAT, "entity vocabulary lacks " + name);
    }
    return it->second;
  }
  int32_t entity_id_or_unk(const std::string &name) const {
    const auto it = entity_vocab_.find(name);
    return it == entity_vocab_.end() ? unk_entity_ : it->second;
  }

  int32_t marker(int which) const {
    const auto id = words_->token_to_id(marker_tokens_[which]);
    if (!id) {
      throw Error(PLINTH_ERR_FORMAT,
                  "the vocabulary lacks the entity marker token " + marker_tokens_[which]);
    }
    return *id;
  }

  void insert_token(Encoding &e, size_t pos, int32_t id) const {
    const auto at = static_cast<ptrdiff_t>(pos);
    e.ids.insert(e.ids.begin() + at, id);
    e.tokens.insert(e.tokens.begin() + at, words_->id_to_token(id).value_or(""));
    e.offsets.insert(e.offsets.begin() + at, {0, 0});
    e.type_ids.insert(e.type_ids.begin() + at, 0);
    e.special_tokens_mask.insert(e.special_tokens_mask.begin() + at, 0);
    e.attention_mask.insert(e.attention_mask.begin() + at, 1);
  }

  void push_special(Encoding &e, Special role) const {
    const auto id = words_->special_id(role);
    if (!id) {
      throw Error(PLINTH_ERR_FORMAT, "LUKE tokenizer: a cls or sep token is missing");
    }
    e.ids.push_back(*id);
    e.tokens.push_back(words_->id_to_token(*id).value_or(""));
    e.offsets.push_back({0, 0});
    e.type_ids.push_back(0);
    e.special_tokens_mask.push_back(1);
    e.attention_mask.push_back(1);
  }

  // Tokenizes `text` piece by piece between span boundaries; `token_spans` receives each
  // span's [start, end) in word tokens.
  Encoding encode_pieces(std::string_view text,
                         const std::vector<std::pair<int64_t, int64_t>> &spans,
                         std::vector<std::pair<size_t, size_t>> &token_spans) const {
    std::vector<size_t> byte_at; // byte offset of each character, and of the end
    for (size_t i = 0; i < text.size(); i += utf8::seq_len(static_cast<unsigned char>(text[i]))) {
      byte_at.push_back(i);
    }
    const auto chars = static_cast<int64_t>(byte_at.size());
    byte_at.push_back(text.size());
    std::vector<int64_t> cuts;
    for (const auto &[s, e] : spans) {
      if (s < 0 || e < s || e > chars) {
        throw Error(PLINTH_ERR_INVALID_ARGUMENT,
                    "entity span [" + std::to_string(s) + ", " + std::to_string(e) +
                        ") is outside the text of " + std::to_string(chars) + " characters");
      }
      cuts.push_back(s);
      cuts.push_back(e);
    }
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());

    EncodeOptions plain;
    plain.add_special_tokens = false;
    Encoding out;
    int64_t cur = 0;
    auto add_piece = [&](int64_t from, int64_t to) {
      const auto b0 = byte_at[static_cast<size_t>(from)], b1 = byte_at[static_cast<size_t>(to)];
      Encoding piece = words_->encode(text.substr(b0, b1 - b0), plain);
      for (auto &[a, b] : piece.offsets) {
        if (a != 0 || b != 0) {
          a += from;
          b += from;
        }
      }
      append_encoding(out, piece);
    };
    std::map<int64_t, size_t> token_at;
    for (int64_t cut : cuts) {
      int64_t split = cut;
      if (split > 0 && text[byte_at[static_cast<size_t>(split - 1)]] == ' ') {
        --split; // the space belongs to the following word
      }
      if (cur != split) {
        add_piece(cur, split);
        cur = split;
      }
      token_at[cut] = out.ids.size();
    }
    add_piece(cur, chars);
    for (const auto &[s, e] : spans) {
      token_spans.emplace_back(token_at.at(s), token_at.at(e));
    }
    return out;
  }

  std::unique_ptr<Tokenizer> words_;
  TokenizerConfig cfg_;
  std::map<std::string, int32_t, std::less<>> entity_vocab_;
  std::string task_;
  int32_t max_entity_length_ = 32, max_mention_length_ = 30;
  int32_t unk_entity_ = 1, mask_entity_ = 2, mask2_entity_ = 3;
  std::string marker_tokens_[2];
};

// LukeTokenizer / MLukeTokenizer: the checkpoint's word tokenizer (the core's own) with the
// entity vocabulary (entity_vocab.json or tokenizer_config.json's); without one, the plain
// word tokenizer is the core's to serve.
std::unique_ptr<Tokenizer> make_luke_tokenizer(const TokenizerDir &d) {
  const TokenizerConfig &cfg = d.config();
  const std::string &cls = d.tokenizer_class();
  if (!cls.empty() && !cls.starts_with("MLuke") && !cls.starts_with("Luke")) return nullptr;
  json vocab;
  if (d.has("entity_vocab.json")) {
    vocab = d.json("entity_vocab.json");
  } else if (const auto it = cfg.raw.find("entity_vocab"); it != cfg.raw.end()) {
    vocab = *it;
  } else {
    return nullptr;
  }
  if (!vocab.is_object()) {
    throw Error(PLINTH_ERR_FORMAT, d.dir() + ": the entity vocabulary is not a JSON object");
  }
  try {
    return std::make_unique<LukeTokenizer>(d.base(), cfg, std::move(vocab));
  } catch (const Error &e) {
    throw Error(e.status(), d.dir() + ": " + e.what());
  }
}

} // namespace

const plinth_tokenizer_vtable kTokenizerTable =
    tok::tokenizer_table(&tok::create_tokenizer<make_luke_tokenizer>);

} // namespace plinth::luke
