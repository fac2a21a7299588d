// transformers' EsmTokenizer: every line of vocab.txt is a token that is never split; the
// text is cut at the (leftmost-longest) occurrences of vocabulary tokens, the remaining
// stretches are split on whitespace (Python str.split) and each such word is one token,
// <unk> unless it is itself in the vocabulary. <cls> ... <eos> around the sequence.
// Provided to the core through the plugin's tokenizer table (esm_tokenizer.hpp).
#include "esm_tokenizer.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "added_vocabulary.hpp"
#include "tok_error.hpp"
#include "tok_interface.hpp"
#include "tok_settings.hpp"
#include "tokenizer_dir.hpp"
#include "utf8.hpp"

namespace plinth::esm {

namespace {

using namespace plinth::tok;

class EsmTokenizer final : public Tokenizer {
public:
  EsmTokenizer(const std::vector<std::string> &lines, const std::string &vocab_file,
               const TokenizerConfig &cfg)
      : cfg_(cfg) {
    for (std::string line : lines) {
      // Python's str.strip() on each line.
      const auto b = line.find_first_not_of(" \t\r\n\v\f");
      const auto e = line.find_last_not_of(" \t\r\n\v\f");
      line = b == std::string::npos ? std::string() : line.substr(b, e - b + 1);
      utf8::validate(line, vocab_file);
      const auto id = static_cast<int32_t>(tokens_.size());
      tokens_.push_back(line);
      ids_[line] = id; // a repeated token keeps its last id, as the Python dict does
      if (!line.empty()) {
        trie_.insert(line, static_cast<size_t>(id));
      }
    }
    if (tokens_.empty()) {
      throw Error(PLINTH_ERR_FORMAT, vocab_file + ": empty vocabulary");
    }
    // EsmTokenizer hard-codes these roles.
    roles_[Special::Unk] = "<unk>";
    roles_[Special::Cls] = "<cls>";
    roles_[Special::Pad] = "<pad>";
    roles_[Special::Mask] = "<mask>";
    roles_[Special::Eos] = "<eos>";
    for (const auto &[role, content] : cfg.roles) {
      roles_[role] = content;
    }
    for (const auto &[role, content] : roles_) {
      if (const auto id = token_to_id(content)) {
        special_ids_.push_back(*id);
      }
    }
    unk_id_ = token_to_id(roles_[Special::Unk]).value_or(0);
  }

  Encoding encode(std::string_view text, const EncodeOptions &opts) const override {
    utf8::validate(text, "tokenizer input text");
    std::vector<int32_t> a = tokenize(text), b;
    const bool has_pair = opts.pair && !opts.pair->empty();
    if (has_pair) {
      utf8::validate(*opts.pair, "tokenizer input text_pair");
      b = tokenize(*opts.pair);
    }
    Encoding ea = content_encoding(a, 0), eb = content_encoding(b, 1);
    const size_t added = opts.add_special_tokens ? (has_pair ? 3 : 2) : 0;
    truncate_to_max_length(ea, has_pair ? &eb : nullptr, opts.max_length, added);
    Encoding out;
    auto special = [&](Special role, int32_t type) {
      const auto it = roles_.find(role);
      const auto id = it == roles_.end() ? std::nullopt : token_to_id(it->second);
      if (!id) {
        throw Error(PLINTH_ERR_FORMAT, "ESM tokenizer: vocabulary lacks a special token");
      }
      out.ids.push_back(*id);
      out.tokens.push_back(tokens_[static_cast<size_t>(*id)]);
      out.type_ids.push_back(type);
      out.offsets.push_back({0, 0});
      out.special_tokens_mask.push_back(1);
      out.attention_mask.push_back(1);
    };
    if (opts.add_special_tokens) {
      special(Special::Cls, 0);
    }
    append_encoding(out, ea);
    if (opts.add_special_tokens) {
      special(Special::Eos, 0);
    }
    if (has_pair) {
      append_encoding(out, eb);
      if (opts.add_special_tokens) {
        special(Special::Eos, 1);
      }
    }
    return out;
  }

  std::string decode(std::span<const int32_t> ids, bool skip_special_tokens) const override {
    std::string out;
    bool first = true;
    for (int32_t id : ids) {
      if (skip_special_tokens && is_special(id)) {
        continue;
      }
      const auto t = id_to_token(id);
      if (!first) {
        out += ' ';
      }
      out += t.value_or(roles_.at(Special::Unk));
      first = false;
    }
    return out;
  }

  int64_t vocab_size() const override { return static_cast<int64_t>(tokens_.size()); }
  std::optional<int32_t> token_to_id(std::string_view token) const override {
    const auto it = ids_.find(std::string(token));
    return it == ids_.end() ? std::nullopt : std::optional<int32_t>(it->second);
  }
  std::optional<std::string> id_to_token(int32_t id) const override {
    if (id < 0 || static_cast<size_t>(id) >= tokens_.size()) {
      return std::nullopt;
    }
    return tokens_[static_cast<size_t>(id)];
  }
  std::optional<int32_t> special_id(Special role) const override {
    const auto it = roles_.find(role);
    return it == roles_.end() ? std::nullopt : token_to_id(it->second);
  }
  bool is_special(int32_t id) const override {
    return std::find(special_ids_.begin(), special_ids_.end(), id) != special_ids_.end();
  }
  std::string padding_side() const override { return cfg_.padding_side; }

private:
  Encoding content_encoding(const std::vector<int32_t> &ids, int32_t type) const {
    Encoding e;
    e.ids = ids;
    for (int32_t id : ids) {
      e.tokens.push_back(tokens_[static_cast<size_t>(id)]);
    }
    e.type_ids.assign(ids.size(), type);
    // The slow tokenizer has no offsets; report none rather than invented ones.
    e.offsets.assign(ids.size(), {0, 0});
    e.special_tokens_mask.assign(ids.size(), 0);
    e.attention_mask.assign(ids.size(), 1);
    return e;
  }

  void add_words(std::string_view s, std::vector<int32_t> &out) const {
    size_t i = 0;
    while (i < s.size()) {
      size_t j = i;
      if (utf8::is_python_space(utf8::next(s, j))) {
        i = j;
        continue;
      }
      size_t e = i;
      while (e < s.size()) {
        size_t k = e;
        if (utf8::is_python_space(utf8::next(s, k))) {
          break;
        }
        e = k;
      }
      out.push_back(token_to_id(s.substr(i, e - i)).value_or(unk_id_));
      i = e;
    }
  }

  std::vector<int32_t> tokenize(std::string_view text) const {
    std::vector<int32_t> out;
    size_t done = 0, pos = 0;
    while (pos < text.size()) {
      const auto m = trie_.longest_at(text, pos);
      if (!m) {
        ++pos;
        continue;
      }
      add_words(text.substr(done, pos - done), out);
      out.push_back(token_to_id(tokens_[m->first]).value_or(unk_id_));
      pos += m->second;
      done = pos;
    }
    add_words(text.substr(done), out);
    return out;
  }

  TokenizerConfig cfg_;
  std::vector<std::string> tokens_;
  std::unordered_map<std::string, int32_t> ids_;
  PatternTrie trie_;
  std::map<Special, std::string> roles_;
  std::vector<int32_t> special_ids_;
  int32_t unk_id_ = 0;
};

// transformers' EsmTokenizer reads vocab.txt; a directory with a tokenizer.json is served by
// the core's tokenizer.json pipeline instead (as the fast tokenizer would be), and one naming
// another tokenizer class is not ESM's.
std::unique_ptr<Tokenizer> make_esm_tokenizer(const TokenizerDir &d) {
  if (d.has("tokenizer.json") || !d.has("vocab.txt")) return nullptr;
  if (!d.tokenizer_class().empty() && d.tokenizer_class() != "EsmTokenizer") return nullptr;
  return std::make_unique<EsmTokenizer>(d.lines("vocab.txt"), d.path("vocab.txt"), d.config());
}

} // namespace

const plinth_tokenizer_vtable kTokenizerTable =
    tok::tokenizer_table(&tok::create_tokenizer<make_esm_tokenizer>);

} // namespace plinth::esm
