// C API: tokenizers on their own (load from a model directory, encode, decode), with the named
// tensors a model's own tokenizer adds (LUKE's entities).
#include <cstring>

#include "c_api_internal.hpp"
#include "file_read.hpp"
#include "tokenizer_plugins.hpp"

using namespace plinth;

namespace {
// A caller's text (len < 0: NUL-terminated), within the tokenizer's limits.text_bytes.
std::string_view text_view(const plinth_tokenizer *t, const char *text, int64_t len,
                           const char *what) {
  const std::string_view v =
      len < 0 ? std::string_view(text) : std::string_view(text, static_cast<size_t>(len));
  check_limit(static_cast<int64_t>(v.size()), t->max_text_bytes, "text_bytes",
              std::string(what) + " of");
  return v;
}

// The C options of an encode call, read field by field within the caller's struct_size.
tok::EncodeOptions encode_options_from(const plinth_tokenizer *t,
                                       const plinth_encode_options *opts) {
  tok::EncodeOptions eo;
  eo.add_special_tokens = field_or(opts, &plinth_encode_options::add_special_tokens, 1) != 0;
  if (const char *pair = field_or(opts, &plinth_encode_options::pair, (const char *)nullptr)) {
    const int64_t pl = field_or(opts, &plinth_encode_options::pair_len, (int64_t)-1);
    eo.pair = std::string(text_view(t, pair, pl, "a text pair"));
  }
  const int32_t ml = field_or(opts, &plinth_encode_options::max_length, 0);
  require(ml >= 0, "max_length must be >= 0");
  eo.max_length = static_cast<size_t>(ml);
  if (const char *kw = field_or(opts, &plinth_encode_options::kwargs_json, (const char *)nullptr)) {
    tok::require_takes_kwargs(*t->tok);
    eo.kwargs_json = std::string(text_view(t, kw, -1, "kwargs_json"));
    require(!eo.kwargs_json.empty(), "kwargs_json is empty (use NULL for none)");
  }
  return eo;
}

// An encoding handle, with the offsets flattened once for plinth_encoding_offsets.
std::unique_ptr<plinth_encoding> wrap(tok::Encoding enc) {
  auto e = std::make_unique<plinth_encoding>();
  e->enc = std::move(enc);
  for (auto &[start, end] : e->enc.offsets) {
    e->flat_offsets.push_back(start);
    e->flat_offsets.push_back(end);
  }
  return e;
}
} // namespace

extern "C" {

PLINTH_EXPORT plinth_status plinth_tokenizer_load(plinth_runtime *rt, const char *dir,
                                                  plinth_tokenizer **out) {
  return guarded([&] {
    // rt may be NULL: the default limits apply then.
    require(dir && out, "dir or out is NULL");
    const Limits limits = rt ? rt->rt->config.limits : Limits{};
    const FileLimitScope files(limits.file_bytes);
    // Without a runtime, plugin tokenizers come from the default plugin directories.
    const std::shared_ptr<Runtime> runtime = rt ? rt->rt : default_runtime();
    *out = new plinth_tokenizer{tok::load_tokenizer(dir, tokenizer_lookup(runtime)),
                                limits.text_bytes};
  });
}

PLINTH_EXPORT void plinth_tokenizer_free(plinth_tokenizer *t) { delete t; }

PLINTH_EXPORT void plinth_encode_options_init(plinth_encode_options *o, size_t size) {
  plinth_encode_options d{};
  d.struct_size = sizeof d;
  d.add_special_tokens = 1;
  d.pair_len = -1;
  plinth::init_versioned(o, size, d);
}

PLINTH_EXPORT plinth_status plinth_tokenize(const plinth_tokenizer *t, const char *text,
                                            int64_t text_len, const plinth_encode_options *opts,
                                            plinth_encoding **out) {
  return guarded([&] {
    require(t && text && out, "tokenizer, text or out is NULL");
    const tok::EncodeOptions eo = encode_options_from(t, opts);
    *out = wrap(t->tok->encode(text_view(t, text, text_len, "a text"), eo)).release();
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

namespace {
void view_of(const tok::NamedTensor &t, plinth_host_tensor *out) {
  *out = plinth_host_tensor{};
  out->name = t.name.c_str();
  out->dtype = PLINTH_DTYPE_I32;
  out->ndim = static_cast<int32_t>(t.shape.size());
  for (size_t d = 0; d < t.shape.size() && d < PLINTH_MAX_DIMS; ++d)
    out->shape[d] = t.shape[d];
  out->data = const_cast<int32_t *>(t.data.data());
}
} // namespace

PLINTH_EXPORT int32_t plinth_encoding_tensor_count(const plinth_encoding *e) {
  return e ? static_cast<int32_t>(e->enc.tensors.size()) : 0;
}

PLINTH_EXPORT plinth_status plinth_encoding_tensor_at(const plinth_encoding *e, int32_t index,
                                                      plinth_host_tensor *out) {
  return guarded([&] {
    require(e && out, "encoding or out is NULL");
    require(index >= 0 && static_cast<size_t>(index) < e->enc.tensors.size(),
            "tensor index " + std::to_string(index) + " out of range");
    view_of(e->enc.tensors[static_cast<size_t>(index)], out);
  });
}

PLINTH_EXPORT plinth_status plinth_encoding_find(const plinth_encoding *e, const char *name,
                                                 plinth_host_tensor *out) {
  if (!e || !name || !out) return guarded([] { require(false, "encoding, name or out is NULL"); });
  const tok::NamedTensor *t = e->enc.find(name);
  if (!t) return PLINTH_ERR_NOT_FOUND; // an answer, not an error: no message is recorded
  view_of(*t, out);
  return PLINTH_OK;
}

PLINTH_EXPORT void plinth_decode_options_init(plinth_decode_options *o, size_t size) {
  plinth_decode_options d{};
  d.struct_size = sizeof d;
  plinth::init_versioned(o, size, d);
}

PLINTH_EXPORT plinth_status plinth_detokenize(const plinth_tokenizer *t, const int32_t *ids,
                                              int64_t n, const plinth_decode_options *opts,
                                              char *buf, size_t cap, size_t *needed) {
  return guarded([&] {
    require(t && (ids || n == 0) && n >= 0, "invalid detokenize arguments");
    const bool skip = field_or(opts, &plinth_decode_options::skip_special_tokens, 0) != 0;
    std::string s = t->tok->decode(std::span<const int32_t>(ids, static_cast<size_t>(n)), skip);
    copy_out(s, buf, cap, needed);
  });
}

PLINTH_EXPORT int64_t plinth_tokenizer_vocab_size(const plinth_tokenizer *t) {
  return t ? t->tok->vocab_size() : 0;
}

PLINTH_EXPORT int32_t plinth_tokenizer_special_id(const plinth_tokenizer *t, const char *role) {
  if (!t || !role) return -1;
  static const std::pair<const char *, tok::Special> kRoles[] = {
      {"bos", tok::Special::Bos},  {"eos", tok::Special::Eos}, {"unk", tok::Special::Unk},
      {"pad", tok::Special::Pad},  {"cls", tok::Special::Cls}, {"sep", tok::Special::Sep},
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
