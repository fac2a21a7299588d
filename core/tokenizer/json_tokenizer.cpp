// The tokenizer.json pipeline: added tokens -> normalizer -> pre-tokenizer -> model ->
// truncation -> post-processor; decoding through the decoder. Offsets are characters of
// the input text.
#include <nlohmann/json.hpp>

#include "added_vocabulary.hpp"
#include "error.hpp"
#include "json_config.hpp"
#include "tokenizer/families.hpp"
#include "tokenizer/pipeline.hpp"
#include "utf8.hpp"

namespace plinth::tok {

void clean_up_tokenization(std::string &s); // decoders.cpp

namespace {

using json = nlohmann::json;

class JsonTokenizer final : public Tokenizer {
public:
  JsonTokenizer(const json &j, const TokenizerConfig &cfg) : cfg_(cfg) {
    normalizer_ = make_normalizer(j.value("normalizer", json()));
    pre_tokenizer_ = make_pre_tokenizer(j.value("pre_tokenizer", json()));
    model_ = make_model(j.at("model"));
    decoder_ = make_decoder(j.value("decoder", json()));
    for (const auto &a : j.value("added_tokens", json::array())) {
      AddedToken t;
      t.id = static_cast<int32_t>(json_integer(a.at("id"), "added token id", 0));
      t.content = a.at("content").get<std::string>();
      t.special = a.value("special", false);
      t.lstrip = a.value("lstrip", false);
      t.rstrip = a.value("rstrip", false);
      t.single_word = a.value("single_word", false);
      t.normalized = a.value("normalized", !t.special);
      add_token(std::move(t));
    }
    // transformers registers the configured special tokens with the backend as special
    // added tokens (they exist in the vocabulary already, so ids do not change).
    std::vector<std::string> specials = cfg.extra_special;
    for (const auto &[role, content] : cfg.roles) {
      specials.push_back(content);
    }
    for (const auto &content : specials) {
      if (added_.find(content)) {
        continue;
      }
      if (const auto id = model_->token_to_id(content)) {
        AddedToken t;
        t.id = *id;
        t.content = content;
        t.special = true;
        add_token(std::move(t));
      }
    }
    post_ = make_post_processor(j.value("post_processor", json()),
                                [this](std::string_view t) { return token_to_id(t); });
    if (const auto &p = j.value("padding", json()); p.is_object()) {
      pad_token_ = p.value("pad_token", std::string());
      pad_id_ = static_cast<int32_t>(json_integer_or(p, "pad_id", 0, "padding pad_id", 0));
    }
  }

  Encoding encode(std::string_view text, const EncodeOptions &opts) const override {
    utf8::validate(text, "tokenizer input text");
    Encoding a = encode_single(text, 0);
    std::optional<Encoding> b;
    // transformers treats an empty text_pair like no pair at all.
    if (opts.pair && !opts.pair->empty()) {
      utf8::validate(*opts.pair, "tokenizer input text_pair");
      b = encode_single(*opts.pair, 1);
    }
    if (opts.max_length > 0) {
      const size_t added =
          opts.add_special_tokens && post_ ? post_->added_tokens(b.has_value()) : 0;
      truncate_to_max_length(a, b ? &*b : nullptr, opts.max_length, added);
    }
    std::vector<Encoding> encs;
    encs.push_back(std::move(a));
    if (b) {
      encs.push_back(std::move(*b));
    }
    if (post_) {
      post_->process_encodings(encs, opts.add_special_tokens);
    }
    Encoding out;
    for (const auto &e : encs) {
      append_encoding(out, e);
    }
    return out;
  }

  std::string decode(std::span<const int32_t> ids, bool skip_special_tokens) const override {
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (int32_t id : ids) {
      if (const AddedToken *t = added_.find(id)) {
        if (!(skip_special_tokens && t->special)) {
          tokens.push_back(t->content);
        }
      } else if (auto s = model_->id_to_token(id)) {
        tokens.push_back(std::move(*s));
      }
    }
    std::string text;
    if (decoder_) {
      for (const auto &s : decoder_->decode_chain(std::move(tokens))) {
        text += s;
      }
    } else {
      for (size_t i = 0; i < tokens.size(); ++i) {
        if (i > 0) {
          text += ' ';
        }
        text += tokens[i];
      }
    }
    if (cfg_.clean_up_tokenization_spaces) {
      clean_up_tokenization(text);
    }
    return text;
  }

  int64_t vocab_size() const override {
    int64_t n = model_->vocab_size();
    for (const auto &t : added_.tokens()) {
      n += model_->id_to_token(t.id) ? 0 : 1;
    }
    return n;
  }

  std::optional<int32_t> token_to_id(std::string_view token) const override {
    if (const AddedToken *t = added_.find(token)) {
      return t->id;
    }
    return model_->token_to_id(token);
  }

  std::optional<std::string> id_to_token(int32_t id) const override {
    if (const AddedToken *t = added_.find(id)) {
      return t->content;
    }
    return model_->id_to_token(id);
  }

  std::optional<int32_t> special_id(Special role) const override {
    const auto it = cfg_.roles.find(role);
    if (it != cfg_.roles.end()) {
      return token_to_id(it->second);
    }
    if (role == Special::Pad && !pad_token_.empty()) {
      return token_to_id(pad_token_).value_or(pad_id_);
    }
    return std::nullopt;
  }

  bool is_special(int32_t id) const override {
    const AddedToken *t = added_.find(id);
    return t != nullptr && t->special;
  }

  std::string padding_side() const override { return cfg_.padding_side; }

private:
  void add_token(AddedToken t) {
    std::string norm = t.content;
    if (t.normalized && normalizer_) {
      NormalizedString ns(t.content, 0);
      normalizer_->normalize(ns);
      norm = ns.text();
    }
    added_.add(std::move(t), std::move(norm));
  }

  void push(Encoding &e, int32_t id, std::string token, Span sp, int32_t type_id) const {
    e.ids.push_back(id);
    e.tokens.push_back(std::move(token));
    e.offsets.push_back({sp.start, sp.end});
    e.type_ids.push_back(type_id);
    e.special_tokens_mask.push_back(0);
    e.attention_mask.push_back(1);
  }

  Encoding encode_single(std::string_view text, int32_t type_id) const {
    Encoding e;
    int64_t chars_before = 0; // characters of `text` before the current raw piece
    size_t counted = 0;
    for (const auto &raw : added_.split(text, false)) {
      chars_before +=
          static_cast<int64_t>(utf8::char_count(text.substr(counted, raw.start - counted)));
      counted = raw.start;
      const int64_t piece_chars =
          static_cast<int64_t>(utf8::char_count(text.substr(raw.start, raw.end - raw.start)));
      if (raw.token) {
        push(e, raw.token->id, raw.token->content, {chars_before, chars_before + piece_chars},
             type_id);
        continue;
      }
      if (raw.end == raw.start) {
        continue;
      }
      NormalizedString ns(text.substr(raw.start, raw.end - raw.start), chars_before);
      if (normalizer_) {
        normalizer_->normalize(ns);
      }
      for (const auto &np : added_.split(ns.text(), true)) {
        if (np.end == np.start) {
          continue;
        }
        if (np.token) {
          push(e, np.token->id, np.token->content, ns.span(np.start, np.end), type_id);
          continue;
        }
        std::vector<NormalizedString> words{ns.slice(np.start, np.end)};
        if (pre_tokenizer_) {
          pre_tokenizer_->pre_tokenize(words);
        }
        for (const auto &w : words) {
          for (auto &t : model_->tokenize(w.text())) {
            push(e, t.id, std::move(t.value), w.span(t.start, t.end), type_id);
          }
        }
      }
    }
    return e;
  }

  TokenizerConfig cfg_;
  std::unique_ptr<Normalizer> normalizer_;
  std::unique_ptr<PreTokenizer> pre_tokenizer_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<PostProcessor> post_;
  std::unique_ptr<Decoder> decoder_;
  AddedVocabulary added_;
  std::string pad_token_;
  int32_t pad_id_ = 0;
};

// The components are built recursively (a Sequence holds components); real files nest two or
// three levels. A file nesting thousands would overflow the stack, so depth is measured first,
// without recursion.
constexpr int kMaxComponentDepth = 64;

void check_component_depth(const json &j, const char *key) {
  const auto it = j.find(key);
  if (it == j.end()) return;
  std::vector<std::pair<const json *, int>> todo{{&*it, 1}};
  while (!todo.empty()) {
    const auto [node, depth] = todo.back();
    todo.pop_back();
    if (depth > kMaxComponentDepth)
      throw Error(PLINTH_ERR_FORMAT, std::string("\"") + key + "\" nests deeper than " +
                                         std::to_string(kMaxComponentDepth) + " levels");
    if (node->is_structured())
      for (const auto &child : *node)
        todo.emplace_back(&child, depth + 1);
  }
}

} // namespace

std::unique_ptr<Tokenizer> make_json_tokenizer(const json &j, const TokenizerConfig &cfg,
                                               const std::string &what) {
  try {
    if (!j.is_object()) {
      throw Error(PLINTH_ERR_FORMAT, "expected a JSON object");
    }
    for (const char *key : {"normalizer", "pre_tokenizer", "post_processor", "decoder"})
      check_component_depth(j, key);
    return std::make_unique<JsonTokenizer>(j, cfg);
  } catch (const Error &e) {
    throw Error(e.status(), what + ": " + e.what());
  } catch (const json::exception &e) {
    throw Error(PLINTH_ERR_FORMAT, what + ": " + e.what());
  }
}

std::unique_ptr<Tokenizer> load_tokenizer_json(const std::filesystem::path &file,
                                               const TokenizerConfig &cfg) {
  return make_json_tokenizer(read_json_file(file), cfg, file.string());
}

} // namespace plinth::tok
