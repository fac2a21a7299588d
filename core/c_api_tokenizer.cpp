// C API: tokenizers on their own (load from a model directory, encode, decode).
#include <cstring>

#include "c_api_internal.hpp"

using namespace plinth;

extern "C" {

PLINTH_EXPORT plinth_status plinth_tokenizer_load(plinth_runtime *rt, const char *dir,
                                                  plinth_tokenizer **out) {
  return guarded([&] {
    (void)rt; // tokenizers live in the core; the runtime is taken for future plugin tokenizers
    require(dir && out, "dir or out is NULL");
    auto t = std::make_unique<plinth_tokenizer>();
    t->owned = tok::load_tokenizer(dir);
    t->tok = t->owned.get();
    *out = t.release();
  });
}

PLINTH_EXPORT void plinth_tokenizer_free(plinth_tokenizer *t) {
  if (t && !t->borrowed) delete t;
}

PLINTH_EXPORT void plinth_encode_options_init(plinth_encode_options *o) {
  if (!o) return;
  *o = plinth_encode_options{};
  o->struct_size = sizeof *o;
  o->add_special_tokens = 1;
  o->pair_len = -1;
}

PLINTH_EXPORT plinth_status plinth_tokenize(const plinth_tokenizer *t, const char *text,
                                            int64_t text_len, const plinth_encode_options *opts,
                                            plinth_encoding **out) {
  return guarded([&] {
    require(t && text && out, "tokenizer, text or out is NULL");
    tok::EncodeOptions eo;
    eo.add_special_tokens = field_or(opts, &plinth_encode_options::add_special_tokens, 1) != 0;
    if (const char *pair = field_or(opts, &plinth_encode_options::pair, (const char *)nullptr)) {
      const int64_t pl = field_or(opts, &plinth_encode_options::pair_len, (int64_t)-1);
      eo.pair = pl < 0 ? std::string(pair) : std::string(pair, static_cast<size_t>(pl));
    }
    const int32_t ml = field_or(opts, &plinth_encode_options::max_length, 0);
    require(ml >= 0, "max_length must be >= 0");
    eo.max_length = static_cast<size_t>(ml);
    std::string_view sv = text_len < 0 ? std::string_view(text) : std::string_view(text, static_cast<size_t>(text_len));
    auto e = std::make_unique<plinth_encoding>();
    e->enc = t->tok->encode(sv, eo);
    for (auto &[s, en] : e->enc.offsets) {
      e->flat_offsets.push_back(s);
      e->flat_offsets.push_back(en);
    }
    *out = e.release();
  });
}

PLINTH_EXPORT int64_t plinth_encoding_length(const plinth_encoding *e) {
  return e ? static_cast<int64_t>(e->enc.ids.size()) : 0;
}
PLINTH_EXPORT const int32_t *plinth_encoding_ids(const plinth_encoding *e) {
  return e ? e->enc.ids.data() : nullptr;
}
PLINTH_EXPORT const int32_t *plinth_encoding_type_ids(const plinth_encoding *e) {
  return e && e->enc.type_ids.size() == e->enc.ids.size() ? e->enc.type_ids.data() : nullptr;
}
PLINTH_EXPORT const int64_t *plinth_encoding_offsets(const plinth_encoding *e) {
  return e && e->flat_offsets.size() == 2 * e->enc.ids.size() ? e->flat_offsets.data() : nullptr;
}
PLINTH_EXPORT const char *plinth_encoding_token(const plinth_encoding *e, int64_t i) {
  if (!e || i < 0 || static_cast<size_t>(i) >= e->enc.tokens.size()) return nullptr;
  return e->enc.tokens[static_cast<size_t>(i)].c_str();
}
PLINTH_EXPORT void plinth_encoding_free(plinth_encoding *e) { delete e; }

PLINTH_EXPORT plinth_status plinth_detokenize(const plinth_tokenizer *t, const int32_t *ids,
                                              int64_t n, int32_t skip_special, char *buf,
                                              size_t cap, size_t *needed) {
  return guarded([&] {
    require(t && (ids || n == 0) && n >= 0, "invalid detokenize arguments");
    std::string s = t->tok->decode(std::span<const int32_t>(ids, static_cast<size_t>(n)), skip_special != 0);
    copy_out(s, buf, cap, needed);
  });
}

PLINTH_EXPORT int64_t plinth_tokenizer_vocab_size(const plinth_tokenizer *t) {
  return t ? t->tok->vocab_size() : 0;
}

PLINTH_EXPORT int32_t plinth_tokenizer_special_id(const plinth_tokenizer *t, const char *role) {
  if (!t || !role) return -1;
  static const std::pair<const char *, tok::Special> kRoles[] = {
      {"bos", tok::Special::Bos}, {"eos", tok::Special::Eos}, {"unk", tok::Special::Unk},
      {"pad", tok::Special::Pad}, {"cls", tok::Special::Cls}, {"sep", tok::Special::Sep},
      {"mask", tok::Special::Mask}};
  for (const auto &[name, r] : kRoles)
    if (std::strcmp(name, role) == 0) return t->tok->special_id(r).value_or(-1);
  return -1;
}

PLINTH_EXPORT int32_t plinth_tokenizer_token_to_id(const plinth_tokenizer *t, const char *token) {
  if (!t || !token) return -1;
  try {
    return t->tok->token_to_id(token).value_or(-1);
  } catch (...) {
    return -1;
  }
}

} // extern "C"
