// Family selection and the parts of Tokenizer shared by all families (batching, truncation).
#include <algorithm>

#include "error.hpp"
#include "tokenizer/families.hpp"

namespace plinth::tok {

namespace fs = std::filesystem;

void truncate_encoding(Encoding &e, size_t len) {
  if (e.ids.size() <= len) {
    return;
  }
  e.ids.resize(len);
  e.type_ids.resize(len);
  e.tokens.resize(len);
  e.offsets.resize(len);
  e.special_tokens_mask.resize(len);
  e.attention_mask.resize(len);
}

void truncate_longest_first(Encoding &a, Encoding *b, size_t budget) {
  const size_t na = a.ids.size(), nb = b ? b->ids.size() : 0;
  if (na + nb <= budget) {
    return;
  }
  if (!b) {
    truncate_encoding(a, budget);
    return;
  }
  // Removing one token at a time from the longer sequence (the second one on ties) ends
  // with the shorter one intact or both at about half the budget.
  const size_t longer = std::max(na, nb), shorter = std::min(na, nb);
  const size_t excess = na + nb - budget;
  size_t keep_a, keep_b;
  if (longer >= excess + shorter) {
    keep_a = na >= nb ? na - excess : na;
    keep_b = na >= nb ? nb : nb - excess;
  } else {
    keep_a = (budget + 1) / 2;
    keep_b = budget / 2;
  }
  truncate_encoding(a, keep_a);
  truncate_encoding(*b, keep_b);
}

void truncate_to_max_length(Encoding &a, Encoding *b, size_t max_length, size_t added) {
  if (max_length == 0) return;
  if (max_length < added)
    throw Error(PLINTH_ERR_INVALID_ARGUMENT,
                "max_length " + std::to_string(max_length) + " is below the " +
                    std::to_string(added) + " special tokens this tokenizer adds" +
                    (b ? " to a pair" : "") + "; use at least " + std::to_string(added) +
                    " or encode without special tokens");
  truncate_longest_first(a, b, max_length - added);
}

std::vector<Encoding> Tokenizer::encode_batch(const std::vector<std::string> &texts,
                                              const EncodeOptions &opts) const {
  std::vector<Encoding> out;
  out.reserve(texts.size());
  for (const auto &t : texts) {
    out.push_back(encode(t, opts));
  }
  pad_batch(out);
  return out;
}

Encoding Tokenizer::encode_entities(std::string_view, const EncodeOptions &,
                                    const EntityOptions &) const {
  throw Error(PLINTH_ERR_UNSUPPORTED,
              "entity-aware encoding needs a LUKE / mLUKE tokenizer (entity vocabulary)");
}

std::vector<Encoding>
Tokenizer::encode_entities_batch(const std::vector<std::string> &texts, const EncodeOptions &opts,
                                 const std::vector<EntityOptions> &entities) const {
  if (entities.size() != texts.size()) {
    throw Error(PLINTH_ERR_INVALID_ARGUMENT, "one entity option set per text is needed");
  }
  std::vector<Encoding> out;
  out.reserve(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    out.push_back(encode_entities(texts[i], opts, entities[i]));
  }
  pad_batch(out);
  return out;
}

void Tokenizer::pad_batch(std::vector<Encoding> &out) const {
  size_t longest = 0, most_entities = 0;
  for (const auto &e : out) {
    longest = std::max(longest, e.ids.size());
    most_entities = std::max(most_entities, e.entities ? e.entities->ids.size() : 0);
  }
  const bool left = padding_side() == "left";
  auto fill = [&](auto &v, size_t n, auto value) {
    v.insert(left ? v.begin() : v.end(), n, value);
  };
  // transformers pads entities with id 0, position -1 and mask 0 (LukeTokenizer._pad).
  for (auto &e : out) {
    if (!e.entities || e.entities->ids.size() == most_entities) {
      continue;
    }
    EntityEncoding &en = *e.entities;
    const size_t n = most_entities - en.ids.size();
    fill(en.ids, n, 0);
    fill(en.position_ids, n * static_cast<size_t>(en.mention_length), -1);
    fill(en.attention_mask, n, 0);
    fill(en.token_type_ids, n, 0);
    if (en.has_span_positions) {
      fill(en.start_positions, n, 0);
      fill(en.end_positions, n, 0);
    }
  }
  const bool need_pad = std::any_of(out.begin(), out.end(),
                                    [&](const Encoding &e) { return e.ids.size() < longest; });
  if (!need_pad) {
    return;
  }
  const auto pad = special_id(Special::Pad);
  if (!pad) {
    throw Error(PLINTH_ERR_INVALID_ARGUMENT,
                "batch needs padding but the tokenizer has no pad token");
  }
  const std::string pad_tok = id_to_token(*pad).value_or("");
  for (auto &e : out) {
    const size_t n = longest - e.ids.size();
    if (n == 0) {
      continue;
    }
    fill(e.ids, n, *pad);
    fill(e.type_ids, n, 0);
    fill(e.tokens, n, pad_tok);
    fill(e.offsets, n, std::pair<int64_t, int64_t>{0, 0});
    fill(e.special_tokens_mask, n, 1);
    fill(e.attention_mask, n, 0);
  }
}

namespace {

std::unique_ptr<Tokenizer> load_words(const fs::path &dir, const TokenizerConfig &cfg) {
  if (fs::exists(dir / "tokenizer.json")) {
    return load_tokenizer_json(dir / "tokenizer.json", cfg);
  }
  if (cfg.tokenizer_class == "EsmTokenizer") {
    return load_esm_tokenizer(dir, cfg);
  }
  if (auto spm = load_sentencepiece_tokenizer(dir, cfg)) {
    return spm;
  }
  return load_legacy_tokenizer(dir, cfg);
}

} // namespace

std::unique_ptr<Tokenizer> load_tokenizer(const fs::path &dir) {
  if (!fs::is_directory(dir)) {
    throw Error(PLINTH_ERR_NOT_FOUND, "tokenizer directory not found: " + dir.string());
  }
  const TokenizerConfig cfg = read_tokenizer_config(dir);
  auto words = load_words(dir, cfg);
  if (cfg.tokenizer_class.starts_with("MLuke") || cfg.tokenizer_class.starts_with("Luke")) {
    return wrap_luke_tokenizer(std::move(words), dir, cfg);
  }
  return words;
}

} // namespace plinth::tok
