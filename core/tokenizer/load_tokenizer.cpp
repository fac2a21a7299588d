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

std::vector<Encoding> Tokenizer::encode_batch(const std::vector<std::string> &texts,
                                              const EncodeOptions &opts) const {
  std::vector<Encoding> out;
  out.reserve(texts.size());
  size_t longest = 0;
  for (const auto &t : texts) {
    out.push_back(encode(t, opts));
    longest = std::max(longest, out.back().ids.size());
  }
  const bool need_pad = std::any_of(out.begin(), out.end(),
                                    [&](const Encoding &e) { return e.ids.size() < longest; });
  if (!need_pad) {
    return out;
  }
  const auto pad = special_id(Special::Pad);
  if (!pad) {
    throw Error(PLINTH_ERR_INVALID_ARGUMENT,
                "batch needs padding but the tokenizer has no pad token");
  }
  const std::string pad_tok = id_to_token(*pad).value_or("");
  const bool left = padding_side() == "left";
  for (auto &e : out) {
    const size_t n = longest - e.ids.size();
    if (n == 0) {
      continue;
    }
    auto fill = [&](auto &v, auto value) { v.insert(left ? v.begin() : v.end(), n, value); };
    fill(e.ids, *pad);
    fill(e.type_ids, 0);
    fill(e.tokens, pad_tok);
    fill(e.offsets, std::pair<int64_t, int64_t>{0, 0});
    fill(e.special_tokens_mask, 1);
    fill(e.attention_mask, 0);
  }
  return out;
}

std::unique_ptr<Tokenizer> load_tokenizer(const fs::path &dir) {
  if (!fs::is_directory(dir)) {
    throw Error(PLINTH_ERR_NOT_FOUND, "tokenizer directory not found: " + dir.string());
  }
  const TokenizerConfig cfg = read_tokenizer_config(dir);
  if (fs::exists(dir / "tokenizer.json")) {
    return load_tokenizer_json(dir / "tokenizer.json", cfg);
  }
  if (cfg.tokenizer_class == "EsmTokenizer") {
    return load_esm_tokenizer(dir, cfg);
  }
  return load_legacy_tokenizer(dir, cfg);
}

} // namespace plinth::tok
