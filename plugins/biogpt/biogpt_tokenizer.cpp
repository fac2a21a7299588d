// transformers' BioGptTokenizer (vocab.json + merges.txt): added/special tokens are cut out
// first, the rest goes through the Moses tokenizer (English, aggressive dash splits, XML
// escaping), then each Moses word through classic BPE whose last symbol carries "</w>".
// Sequences are "</s> A" and "</s> A </s> B". Decoding joins the tokens, turns "</w>" into
// word breaks and Moses-detokenizes, over all tokens at once (special ones included unless
// skipped), as transformers 5 does.
// Provided to the core through the plugin's tokenizer table (biogpt_tokenizer.hpp).
#include "biogpt_tokenizer.hpp"

#include <mutex>
#include <sstream>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "added_vocabulary.hpp"
#include "json_integer.hpp"
#include "moses.hpp"
#include "tok_error.hpp"
#include "tok_interface.hpp"
#include "tokenizer_dir.hpp"
#include "utf8.hpp"
#include "vocab.hpp"

namespace plinth::biogpt {

namespace {

using namespace plinth::tok;
using json = nlohmann::json;

class BioGptTokenizer final : public Tokenizer {
public:
  explicit BioGptTokenizer(const TokenizerDir &dir) : cfg_(dir.config()) {
    const TokenizerConfig &cfg = dir.config();
    const std::string vocab_file = dir.path("vocab.json");
    const json vocab = dir.json("vocab.json");
    if (!vocab.is_object()) {
      throw Error(PLINTH_ERR_FORMAT, vocab_file + ": expected a JSON object");
    }
    for (const auto &[token, id] : vocab.items()) {
      vocab_.add(token, static_cast<int32_t>(
                            json_integer(id, vocab_file + ": id of " + json(token).dump(), 0)));
    }
    read_merges(dir.lines("merges.txt"), dir.path("merges.txt"));
    if (!cfg.roles.count(Special::Unk)) {
      cfg_.roles[Special::Unk] = "<unk>";
    }
    if (!cfg.roles.count(Special::Sep)) {
      cfg_.roles[Special::Sep] = "</s>";
    }
    for (const auto &t : cfg.added_tokens_decoder) {
      add_token(t);
    }
    std::vector<std::string> specials = cfg.extra_special;
    for (const auto &[role, content] : cfg_.roles) {
      specials.push_back(content);
    }
    for (const auto &content : specials) {
      if (added_.find(content)) {
        continue;
      }
      if (const auto id = vocab_.find(content)) {
        AddedToken t;
        t.id = *id;
        t.content = content;
        t.special = true;
        add_token(std::move(t));
      }
    }
  }

  Encoding encode(std::string_view text, const EncodeOptions &opts) const override {
    utf8::validate(text, "tokenizer input text");
    Encoding a = encode_single(text, 0);
    std::optional<Encoding> b;
    if (opts.pair && !opts.pair->empty()) {
      utf8::validate(*opts.pair, "tokenizer input text_pair");
      b = encode_single(*opts.pair, 1);
    }
    const size_t added = opts.add_special_tokens ? (b ? 2 : 1) : 0;
    truncate_to_max_length(a, b ? &*b : nullptr, opts.max_length, added);
    Encoding out;
    if (opts.add_special_tokens) {
      push_sep(out, 0);
    }
    append_encoding(out, a);
    if (b) {
      if (opts.add_special_tokens) {
        push_sep(out, 1);
      }
      append_encoding(out, *b);
    }
    return out;
  }

  std::string decode(std::span<const int32_t> ids, bool skip_special_tokens) const override {
    // convert_tokens_to_string: "</w>" ends a word, then Moses detokenization.
    std::string joined;
    for (int32_t id : ids) {
      if (skip_special_tokens && is_special(id)) {
        continue;
      }
      const std::string t = id_to_token(id).value_or(cfg_.roles.at(Special::Unk));
      for (size_t i = 0; i < t.size(); ++i) {
        if (t.compare(i, 4, "</w>") == 0) {
          joined += ' ';
          i += 3;
        } else if (t[i] != ' ') {
          joined += t[i];
        }
      }
    }
    std::vector<std::string> words;
    std::istringstream in(joined);
    for (std::string w; in >> w;) {
      words.push_back(std::move(w));
    }
    std::string text = moses::detokenize(words);
    if (cfg_.clean_up_tokenization_spaces) {
      clean_up_tokenization(text);
    }
    return text;
  }

  int64_t vocab_size() const override {
    int64_t n = static_cast<int64_t>(vocab_.size());
    for (const auto &t : added_.tokens()) {
      n += vocab_.token(t.id) ? 0 : 1;
    }
    return n;
  }

  std::optional<int32_t> token_to_id(std::string_view token) const override {
    if (const AddedToken *t = added_.find(token)) {
      return t->id;
    }
    return vocab_.find(token);
  }

  std::optional<std::string> id_to_token(int32_t id) const override {
    if (const AddedToken *t = added_.find(id)) {
      return t->content;
    }
    if (const std::string *s = vocab_.token(id)) {
      return *s;
    }
    return std::nullopt;
  }

  std::optional<int32_t> special_id(Special role) const override {
    const auto it = cfg_.roles.find(role);
    return it == cfg_.roles.end() ? std::nullopt : token_to_id(it->second);
  }

  bool is_special(int32_t id) const override {
    const AddedToken *t = added_.find(id);
    return t != nullptr && t->special;
  }

  std::string padding_side() const override { return cfg_.padding_side; }

private:
  void read_merges(const std::vector<std::string> &lines, const std::string &file) {
    int rank = 0;
    for (const std::string &line : lines) {
      const int this_rank = rank++;
      std::istringstream ls(line);
      std::string l, r;
      if (!(ls >> l >> r)) {
        continue; // blank or "#version" lines merge nothing
      }
      utf8::validate(line, file);
      ranks_[l + '\n' + r] = this_rank; // a repeated pair keeps its last rank, like the dict
    }
  }

  void add_token(AddedToken t) {
    std::string content = t.content;
    added_.add(std::move(t), std::move(content));
  }

  // Classic BPE over the characters of `word`, "</w>" glued to the last one.
  std::vector<std::string> bpe(const std::string &word) const {
    {
      std::lock_guard<std::mutex> lock(cache_mutex_);
      if (const auto it = cache_.find(word); it != cache_.end()) {
        return it->second;
      }
    }
    std::vector<std::string> parts;
    for (size_t i = 0; i < word.size();) {
      const size_t n = utf8::seq_len(static_cast<unsigned char>(word[i]));
      parts.push_back(word.substr(i, n));
      i += n;
    }
    parts.back() += "</w>";
    while (parts.size() > 1) {
      int best = -1;
      size_t best_i = 0;
      for (size_t i = 0; i + 1 < parts.size(); ++i) {
        const auto it = ranks_.find(parts[i] + '\n' + parts[i + 1]);
        if (it != ranks_.end() && (best < 0 || it->second < best)) {
          best = it->second;
          best_i = i;
        }
      }
      if (best < 0) {
        break;
      }
      const std::string first = parts[best_i], second = parts[best_i + 1];
      std::vector<std::string> merged;
      merged.reserve(parts.size());
      for (size_t i = 0; i < parts.size();) {
        if (i + 1 < parts.size() && parts[i] == first && parts[i + 1] == second) {
          merged.push_back(first + second);
          i += 2;
        } else {
          merged.push_back(parts[i++]);
        }
      }
      parts = std::move(merged);
    }
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (cache_.size() > 100000) {
      cache_.clear();
    }
    cache_.emplace(word, parts);
    return parts;
  }

  void push(Encoding &e, int32_t id, int32_t type_id, bool special) const {
    e.ids.push_back(id);
    e.tokens.push_back(id_to_token(id).value_or(cfg_.roles.at(Special::Unk)));
    // Like transformers' slow tokenizer, no character offsets.
    e.offsets.push_back({0, 0});
    e.type_ids.push_back(type_id);
    e.special_tokens_mask.push_back(special ? 1 : 0);
    e.attention_mask.push_back(1);
  }

  void push_sep(Encoding &e, int32_t type_id) const {
    const auto id = special_id(Special::Sep);
    if (!id) {
      throw Error(PLINTH_ERR_FORMAT, "BioGPT tokenizer: the vocabulary lacks the sep token");
    }
    push(e, *id, type_id, true);
  }

  int32_t unk_id() const {
    const auto id = special_id(Special::Unk);
    if (!id) {
      throw Error(PLINTH_ERR_FORMAT, "BioGPT tokenizer: the vocabulary lacks the unk token");
    }
    return *id;
  }

  Encoding encode_single(std::string_view text, int32_t type_id) const {
    Encoding e;
    for (const auto &piece : added_.split(text, false)) {
      if (piece.token) {
        push(e, piece.token->id, type_id, false);
        continue;
      }
      if (piece.end == piece.start) {
        continue;
      }
      for (const auto &word : moses::tokenize(text.substr(piece.start, piece.end - piece.start))) {
        for (const auto &sub : bpe(word)) {
          push(e, vocab_.find(sub).value_or(unk_id()), type_id, false);
        }
      }
    }
    return e;
  }

  TokenizerConfig cfg_;
  Vocab vocab_;
  std::unordered_map<std::string, int> ranks_;
  AddedVocabulary added_;
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<std::string>> cache_;
};

// transformers' BioGptTokenizer reads vocab.json + merges.txt; a directory with a
// tokenizer.json is served by the core's tokenizer.json pipeline instead, and one naming
// another tokenizer class is not BioGPT's.
std::unique_ptr<Tokenizer> make_biogpt_tokenizer(const TokenizerDir &d) {
  if (d.has("tokenizer.json") || !d.has("vocab.json") || !d.has("merges.txt")) return nullptr;
  if (!d.tokenizer_class().empty() && !d.tokenizer_class().starts_with("BioGpt")) return nullptr;
  return std::make_unique<BioGptTokenizer>(d);
}

} // namespace

const plinth_tokenizer_vtable kTokenizerTable =
    tok::tokenizer_table(&tok::create_tokenizer<make_biogpt_tokenizer>);

} // namespace plinth::biogpt
