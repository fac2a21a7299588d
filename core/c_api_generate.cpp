// C API: decoding sessions and the generation loop (ids in, or text in with streaming).
#include <cstring>

#include "c_api_internal.hpp"
#include "generation.hpp"

using namespace plinth;

extern "C" {

PLINTH_EXPORT void plinth_session_options_init(plinth_session_options *o, size_t size) {
  plinth_session_options d{};
  d.struct_size = sizeof d;
  d.batch = 1;
  plinth::init_versioned(o, size, d);
}

PLINTH_EXPORT plinth_status plinth_session_create(plinth_model *m,
                                                  const plinth_session_options *opts,
                                                  plinth_session **out) {
  return guarded([&] {
    require(m && out, "model or out is NULL");
    const int32_t batch = field_or(opts, &plinth_session_options::batch, 1);
    int32_t max_tokens = field_or(opts, &plinth_session_options::max_tokens, 0);
    require(max_tokens >= 0, "session max_tokens must be >= 0 (0: the model's length)");
    if (max_tokens == 0) { // the model's positions, bounded so the default KV cache stays small
      const int64_t positions = m->model->info().max_positions;
      max_tokens = static_cast<int32_t>(positions > 0 ? std::min<int64_t>(positions, 4096) : 4096);
    }
    auto s = std::make_unique<plinth_session>();
    s->model = m->model;
    s->session = std::make_unique<Session>(*s->model, batch, max_tokens);
    *out = s.release();
  });
}

PLINTH_EXPORT void plinth_session_free(plinth_session *s) { delete s; }

PLINTH_EXPORT plinth_status plinth_session_step(plinth_session *s, const int32_t *ids,
                                                int32_t n_tokens, const int32_t *mask,
                                                float *logits_out) {
  return guarded([&] {
    require(s != nullptr, "session is NULL");
    s->session->step(ids, n_tokens, mask, logits_out);
  });
}

PLINTH_EXPORT int32_t plinth_session_past(const plinth_session *s) {
  return s ? s->session->past() : 0;
}

PLINTH_EXPORT void plinth_generate_options_init(plinth_generate_options *o, size_t size) {
  plinth_generate_options d{};
  d.struct_size = sizeof d;
  d.max_new_tokens = 64;
  d.temperature = 0.0f;
  d.top_k = 0;
  d.top_p = 1.0f;
  d.seed = 0;
  d.stop_at_eos = 1;
  d.add_special = 1;
  plinth::init_versioned(o, size, d);
}

static GenerateParams params_from(const plinth_generate_options *o) {
  plinth_generate_options d;
  plinth_generate_options_init(&d, sizeof d);
  GenerateParams p;
  p.max_new_tokens = field_or(o, &plinth_generate_options::max_new_tokens, d.max_new_tokens);
  p.sampling.temperature = field_or(o, &plinth_generate_options::temperature, d.temperature);
  p.sampling.top_k = field_or(o, &plinth_generate_options::top_k, d.top_k);
  p.sampling.top_p = field_or(o, &plinth_generate_options::top_p, d.top_p);
  p.sampling.seed = field_or(o, &plinth_generate_options::seed, d.seed);
  p.stop_at_eos = field_or(o, &plinth_generate_options::stop_at_eos, d.stop_at_eos) != 0;
  if (p.sampling.top_k < 0) throw Error(PLINTH_ERR_INVALID_ARGUMENT, "top_k must be >= 0");
  if (!(p.sampling.top_p > 0.0f) || p.sampling.top_p > 1.0f)
    throw Error(PLINTH_ERR_INVALID_ARGUMENT, "top_p must be in (0, 1]");
  // Written so that NaN fails too (it compares false with everything).
  if (!(p.sampling.temperature >= 0.0f && p.sampling.temperature <= 1e30f))
    throw Error(PLINTH_ERR_INVALID_ARGUMENT, "temperature must be a finite number >= 0");
  return p;
}

PLINTH_EXPORT plinth_status plinth_generate_ids(plinth_model *m, const int32_t *prompt_ids,
                                                int32_t batch, int32_t n_prompt,
                                                const int32_t *attention_mask,
                                                const plinth_generate_options *opts,
                                                int32_t *out_ids, int32_t *out_len,
                                                float *step_logits) {
  return guarded([&] {
    require(m && prompt_ids && out_ids && out_len, "invalid generate arguments");
    const std::shared_ptr<Model> model = m->model; // on_token may free the handle
    GenerateParams p = params_from(opts);
    auto cb = field_or(opts, &plinth_generate_options::on_token, (plinth_token_fn) nullptr);
    void *ud = field_or(opts, &plinth_generate_options::user_data, (void *)nullptr);
    if (cb) p.on_token = [&](int32_t row, int32_t tok) { return cb(ud, row, tok, "") == 0; };
    auto r = generate(*model, prompt_ids, batch, n_prompt, attention_mask, p, step_logits);
    const int32_t stride = n_prompt + p.max_new_tokens;
    for (int32_t b = 0; b < batch; ++b)
      std::memcpy(out_ids + static_cast<size_t>(b) * stride,
                  &r.ids[static_cast<size_t>(b) * r.width], sizeof(int32_t) * r.width);
    *out_len = r.width;
  });
}

namespace {
// Decoding a growing id list and emitting only the new suffix keeps multi-token characters
// (byte fallback) and leading-space rules right; an incomplete UTF-8 tail is held back.
bool ends_incomplete(const std::string &s) {
  return s.size() >= 3 && s.compare(s.size() - 3, 3, "\xEF\xBF\xBD") == 0;
}
} // namespace

PLINTH_EXPORT plinth_status plinth_generate_text(plinth_model *m, const char *prompt,
                                                 const plinth_generate_options *opts, char *buf,
                                                 size_t cap, size_t *needed) {
  return guarded([&] {
    require(m && prompt, "model or prompt is NULL");
    const std::shared_ptr<Model> model = m->model; // on_token may free the handle
    const tok::Tokenizer *t = model->tokenizer();
    if (!t) throw Error(PLINTH_ERR_NOT_FOUND, "model has no tokenizer: " + model->tokenizer_error());
    check_limit(static_cast<int64_t>(std::strlen(prompt)), model->limits().text_bytes, "text_bytes",
                "prompt of");
    tok::EncodeOptions eo;
    eo.add_special_tokens = field_or(opts, &plinth_generate_options::add_special, 1) != 0;
    auto enc = t->encode(prompt, eo);
    if (enc.ids.empty())
      throw Error(PLINTH_ERR_INVALID_ARGUMENT, "the prompt encodes to no tokens");
    GenerateParams p = params_from(opts);
    auto cb = field_or(opts, &plinth_generate_options::on_token, (plinth_token_fn) nullptr);
    void *ud = field_or(opts, &plinth_generate_options::user_data, (void *)nullptr);
    std::vector<int32_t> all = enc.ids;
    const std::string prefix = t->decode(all, true);
    std::string emitted; // continuation text streamed so far
    p.on_token = [&](int32_t row, int32_t tok) {
      all.push_back(tok);
      std::string full = t->decode(all, true);
      std::string cont = full.size() >= prefix.size() ? full.substr(prefix.size()) : full;
      std::string piece;
      if (!ends_incomplete(cont) && cont.size() > emitted.size() &&
          cont.compare(0, emitted.size(), emitted) == 0) {
        piece = cont.substr(emitted.size());
        emitted = cont;
      }
      return cb ? cb(ud, row, tok, piece.c_str()) == 0 : true;
    };
    auto r = generate(*model, enc.ids.data(), 1, static_cast<int32_t>(enc.ids.size()), nullptr,
                      p, nullptr);
    std::vector<int32_t> ids(r.ids.begin(), r.ids.begin() + r.width);
    std::string full = t->decode(ids, true);
    std::string cont = full.size() >= prefix.size() && full.compare(0, prefix.size(), prefix) == 0
                           ? full.substr(prefix.size())
                           : full;
    copy_out(cont, buf, cap, needed);
  });
}

} // extern "C"
