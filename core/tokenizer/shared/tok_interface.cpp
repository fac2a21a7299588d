#include "tok_interface.hpp"

#include <algorithm>
#include <initializer_list>

#include "tok_error.hpp"

namespace plinth::tok {

void replace_all(std::string &s, std::string_view from, std::string_view to) {

  if (from.empty()) {
    return;
  }
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) {
    s.replace(p, from.size(), to);
  }
}

void require_takes_kwargs(const Tokenizer &t) {
  if (!t.takes_kwargs())
    throw Error(PLINTH_ERR_UNSUPPORTED,
                "this tokenizer takes no extra arguments (kwargs_json); only a model's own "
                "tokenizer (LUKE's entity spans, ...) does");
}

const NamedTensor *Encoding::find(std::string_view name) const {
  for (const auto &t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

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

void Tokenizer::pad_batch(std::vector<Encoding> &out) const {
  size_t longest = 0;
  for (const auto &e : out) {
    longest = std::max(longest, e.ids.size());
  }
  const bool left = padding_side() == "left";
  auto fill = [&](auto &v, size_t n, auto value) {
    v.insert(left ? v.begin() : v.end(), n, value);
  };
  // Named tensors of the same name are padded to the most rows (transformers pads LUKE's
  // entities with id 0, position -1 and mask 0: each tensor carries its value).
  std::vector<std::pair<std::string, int64_t>> most_rows;
  for (const auto &e : out)
    for (const auto &t : e.tensors) {
      const int64_t rows = t.shape.empty() ? 0 : t.shape[0];
      auto it = std::find_if(most_rows.begin(), most_rows.end(),
                             [&](const auto &m) { return m.first == t.name; });
      if (it == most_rows.end())
        most_rows.emplace_back(t.name, rows);
      else
        it->second = std::max(it->second, rows);
    }
  for (auto &e : out)
    for (auto &t : e.tensors) {
      if (t.shape.empty()) continue;
      const auto it = std::find_if(most_rows.begin(), most_rows.end(),
                                   [&](const auto &m) { return m.first == t.name; });
      const int64_t extra = it->second - t.shape[0];
      if (extra <= 0) continue;
      int64_t row = 1;
      for (size_t d = 1; d < t.shape.size(); ++d)
        row *= t.shape[d];
      fill(t.data, static_cast<size_t>(extra * row), t.pad);
      t.shape[0] = it->second;
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

void append_encoding(Encoding &a, const Encoding &b) {
  auto cat = [](auto &x, const auto &y) { x.insert(x.end(), y.begin(), y.end()); };
  cat(a.ids, b.ids);
  cat(a.type_ids, b.type_ids);
  cat(a.tokens, b.tokens);
  cat(a.offsets, b.offsets);
  cat(a.special_tokens_mask, b.special_tokens_mask);
  cat(a.attention_mask, b.attention_mask);
}

// transformers' clean_up_tokenization, also the WordPiece decoder's "cleanup".
void clean_up_tokenization(std::string &s) {
  for (const auto &[a, b] :
       std::initializer_list<std::pair<const char *, const char *>>{{" .", "."},
                                                                    {" ?", "?"},
                                                                    {" !", "!"},
                                                                    {" ,", ","},
                                                                    {" ' ", "'"},
                                                                    {" n't", "n't"},
                                                                    {" 'm", "'m"},
                                                                    {" do not", " don't"},
                                                                    {" 's", "'s"},
                                                                    {" 've", "'ve"},
                                                                    {" 're", "'re"}}) {
    replace_all(s, a, b);
  }
}

} // namespace plinth::tok
