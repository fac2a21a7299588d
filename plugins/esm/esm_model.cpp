#include "esm_model.hpp"

#include <cmath>

#include "error.hpp"
#include "first_token_heads.hpp"
#include "rope.hpp"

namespace plinth::esm {

using plugin::fail;
using plugin::Weights;

EsmModel::EsmModel(const plinth_model_env &env)
    : ops_(env.ops, env.backend), head_(kHeads.parse(env.head)) {
  plugin::Config cfg(env.host, env.model_host);
  cfg_ = EsmConfig::read(cfg);
  Weights w(env.host, env.model_host);

  // EsmModel checkpoints keep the trunk at the top level, the task models under "esm.".
  const std::string p = w.prefix("embeddings.word_embeddings.weight", {"esm.", ""});
  word_embeddings_ = w.get(p + "embeddings.word_embeddings.weight");
  if (!cfg_.rotary) position_embeddings_ = w.get(p + "embeddings.position_embeddings.weight");
  if (cfg_.emb_layer_norm_before)
    emb_norm_before_ = LayerNorm::load(w, p + "embeddings.layer_norm");
  emb_norm_after_ = LayerNorm::load(w, p + "encoder.emb_layer_norm_after");

  for (int64_t i = 0; i < cfg_.num_layers; ++i) {
    const std::string lp = p + "encoder.layer." + std::to_string(i) + ".";
    EsmLayer l;
    l.attn_norm = LayerNorm::load(w, lp + "attention.LayerNorm");
    l.query = Linear::load(w, lp + "attention.self.query");
    l.key = Linear::load(w, lp + "attention.self.key");
    l.value = Linear::load(w, lp + "attention.self.value");
    l.attn_out = Linear::load(w, lp + "attention.output.dense");
    l.ffn_norm = LayerNorm::load(w, lp + "LayerNorm");
    l.intermediate = Linear::load(w, lp + "intermediate.dense");
    l.output = Linear::load(w, lp + "output.dense");
    if (cfg_.rotary) {
      // The rotary buffer is stored per layer, or once under a '*' layer name; RotaryEmbedding
      // computes the same values (base 10000, not rope_theta) when there is none.
      const std::string suffix = "attention.self.rotary_embeddings.inv_freq";
      l.inv_freq = w.opt(lp + suffix, PLINTH_DTYPE_F32);
      if (!l.inv_freq) l.inv_freq = w.opt(p + "encoder.layer.*." + suffix, PLINTH_DTYPE_F32);
      if (l.inv_freq && l.inv_freq.numel() != cfg_.head_dim / 2)
        fail(PLINTH_ERR_FORMAT, "esm: stored rotary inv_freq has the wrong size");
    }
    layers_.push_back(std::move(l));
  }
  if (cfg_.rotary)
    rope_inv_freq_ =
        ops_.from_host({cfg_.head_dim / 2},
                       plugin::default_inv_freq(10000.0, static_cast<int32_t>(cfg_.head_dim)));

  switch (head_) {
  case Head::base:
    if (w.has(p + "pooler.dense.weight")) pooler_ = Linear::load(w, p + "pooler.dense");
    break;
  case Head::masked_lm: {
    lm_dense_ = Linear::load(w, "lm_head.dense");
    lm_norm_ = LayerNorm::load(w, "lm_head.layer_norm");
    // The decoder is tied to the word embeddings (stored once) unless the config unties it.
    const bool tie = cfg.bool_or("tie_word_embeddings", true);
    lm_decoder_ = !tie && w.has("lm_head.decoder.weight") ? w.get("lm_head.decoder.weight")
                                                          : word_embeddings_;
    lm_bias_ = w.first_of({"lm_head.bias", "lm_head.decoder.bias"});
    break;
  }
  case Head::seq_cls:
    cls_dense_ = Linear::load(w, "classifier.dense");
    cls_out_ = Linear::load(w, "classifier.out_proj");
    break;
  case Head::tok_cls: cls_out_ = Linear::load(w, "classifier"); break;
  case Head::contacts: break;
  }
  if (w.has(p + "contact_head.regression.weight"))
    contact_regression_ = Linear::load(w, p + "contact_head.regression");
  else if (head_ == Head::contacts)
    fail(PLINTH_ERR_NOT_FOUND, "esm: the checkpoint has no contact_head.regression weights");
}

Tensor EsmModel::layer_norm(const Tensor &x, const LayerNorm &ln) const {
  return ops_.layer_norm(x, ln.weight, ln.bias, static_cast<float>(cfg_.layer_norm_eps));
}

Tensor EsmModel::embed(const plugin::IntInput &ids, const std::vector<int32_t> &mask,
                       bool mask_given) const {
  const int64_t B = ids.shape[0];
  const int64_t T = ids.shape[1];
  Tensor e = ops_.get_rows(word_embeddings_, ops_.from_host({B, T}, ids.data));

  if (cfg_.token_dropout) {
    // EsmEmbeddings: zero the <mask> tokens, then rescale by (1 - 0.15 * 0.8) / (1 - the
    // row's observed mask ratio), with the row length taken from the attention mask.
    std::vector<float> keep(static_cast<size_t>(B * T));
    std::vector<float> denom(static_cast<size_t>(B));
    for (int64_t b = 0; b < B; ++b) {
      int64_t masked = 0;
      int64_t length = 0;
      for (int64_t t = 0; t < T; ++t) {
        const bool is_mask = cfg_.mask_token_id && ids.at(b, t) == *cfg_.mask_token_id;
        masked += is_mask ? 1 : 0;
        length += mask_given ? mask[static_cast<size_t>(b * T + t)] : 1;
        keep[static_cast<size_t>(b * T + t)] = is_mask ? 0.0f : 1.0f;
      }
      const float ratio = static_cast<float>(masked) / static_cast<float>(length);
      denom[static_cast<size_t>(b)] = 1.0f - ratio;
    }
    ops_.mul_(e, ops_.from_host({B, T, 1}, keep));
    ops_.affine_(e, static_cast<float>(1.0 - 0.15 * 0.8), 0.0f);
    ops_.binary_(PLINTH_BINARY_DIV, e, ops_.from_host({B, 1, 1}, denom));
  }

  if (!cfg_.rotary) {
    // create_position_ids_from_input_ids: padding keeps padding_idx, real tokens count from
    // padding_idx + 1.
    std::vector<int32_t> pos(static_cast<size_t>(B * T));
    const auto pad = static_cast<int32_t>(cfg_.pad_token_id);
    for (int64_t b = 0; b < B; ++b) {
      int32_t running = 0;
      for (int64_t t = 0; t < T; ++t) {
        const bool real = ids.at(b, t) != pad;
        running += real ? 1 : 0;
        pos[static_cast<size_t>(b * T + t)] = (real ? running : 0) + pad;
      }
    }
    ops_.add_(e, ops_.get_rows(position_embeddings_, ops_.from_host({B, T}, pos)));
  }
  if (cfg_.emb_layer_norm_before) e = layer_norm(e, emb_norm_before_);
  if (mask_given) {
    std::vector<float> m(mask.begin(), mask.end());
    ops_.mul_(e, ops_.from_host({B, T, 1}, m));
  }
  return e;
}

EncoderResult EsmModel::encode(const plugin::ForwardIO &io, const plugin::IntInput &ids,
                               const std::vector<int32_t> &mask, bool mask_given,
                               bool want_attentions) const {
  const int64_t B = ids.shape[0];
  const int64_t T = ids.shape[1];
  const int64_t H = cfg_.num_heads;
  const int64_t D = cfg_.head_dim;
  const int64_t L = cfg_.num_layers;
  EncoderResult r;
  Tensor h = embed(ids, mask, mask_given);
  Tensor mask_t = ops_.from_host({B, T}, mask);

  // Rotary positions are 0..T-1 in every row, padding or not (RotaryEmbedding uses arange).
  Tensor positions;
  if (cfg_.rotary) {
    std::vector<int32_t> pos(static_cast<size_t>(B * T));
    for (int64_t b = 0; b < B; ++b)
      for (int64_t t = 0; t < T; ++t)
        pos[static_cast<size_t>(b * T + t)] = static_cast<int32_t>(t);
    positions = ops_.from_host({B, T}, pos);
  }
  if (want_attentions) r.attn_all = ops_.empty({B, L * H, T, T});
  // ESM scales the query before the rotation (not the scores), as the original code does.
  const float q_scale = static_cast<float>(std::pow(static_cast<double>(D), -0.5));

  for (int64_t i = 0; i < L; ++i) {
    const std::string hs = "hidden_states." + std::to_string(i);
    if (io.want(hs)) io.emit(hs, h);
    const EsmLayer &l = layers_[static_cast<size_t>(i)];
    Tensor x = layer_norm(h, l.attn_norm);
    Tensor q = ops_.view(l.query(ops_, x), {B, T, H, D});
    Tensor k = ops_.view(l.key(ops_, x), {B, T, H, D});
    Tensor v = ops_.view(l.value(ops_, x), {B, T, H, D});
    ops_.affine_(q, q_scale, 0.0f);
    if (cfg_.rotary) {
      plugin::RopeOptions rope;
      rope.rot_dims = static_cast<int32_t>(D);
      rope.inv_freq = l.inv_freq ? l.inv_freq : rope_inv_freq_;
      ops_.rope_(q, positions, rope);
      ops_.rope_(k, positions, rope);
    }
    plugin::AttentionOptions opts;
    opts.scale = 1.0f;
    opts.key_mask = mask_t;
    const std::string an = "attentions." + std::to_string(i);
    const bool emit_probs = io.want(an);
    if (want_attentions || emit_probs) opts.probs = ops_.empty({B, H, T, T});
    Tensor ctx = ops_.view(ops_.attention(q, k, v, opts), {B, T, H * D});
    if (emit_probs) io.emit(an, opts.probs);
    if (want_attentions) ops_.set_slice_(r.attn_all, 1, i * H, opts.probs);
    ops_.add_(h, l.attn_out(ops_, ctx));

    x = layer_norm(h, l.ffn_norm);
    Tensor inter = l.intermediate(ops_, x);
    ops_.unary_(PLINTH_UNARY_GELU, inter); // ESM's erf gelu, whatever hidden_act says
    ops_.add_(h, l.output(ops_, inter));
  }
  r.hidden = layer_norm(h, emb_norm_after_);
  const std::string last = "hidden_states." + std::to_string(L);
  if (io.want(last)) io.emit(last, r.hidden);
  return r;
}

void EsmModel::forward(const plugin::ForwardIO &io) const {
  plugin::IntInput ids = io.require_ints("input_ids");
  if (ids.shape.size() != 2)
    fail(PLINTH_ERR_INVALID_ARGUMENT, "esm: input_ids must be [batch, seq]");
  const int64_t B = ids.shape[0];
  const int64_t T = ids.shape[1];
  std::vector<int32_t> mask(static_cast<size_t>(B * T), 1);
  bool mask_given = false;
  if (auto m = io.ints("attention_mask")) {
    if (m->shape != ids.shape)
      fail(PLINTH_ERR_INVALID_ARGUMENT, "esm: attention_mask must match input_ids");
    mask = m->data;
    mask_given = true;
  }

  const bool want_contacts =
      head_ == Head::contacts || (contact_regression_.weight && io.want("contacts"));
  if (want_contacts && T < 3)
    fail(PLINTH_ERR_INVALID_ARGUMENT, "esm: contact prediction needs at least 3 tokens");
  EncoderResult r = encode(io, ids, mask, mask_given, want_contacts);
  const Tensor &h = r.hidden;

  switch (head_) {
  case Head::base:
    io.emit("last_hidden_state", h);
    if (pooler_.weight) io.emit("pooler_output", plugin::tanh_pool(ops_, pooler_, h));
    break;
  case Head::masked_lm: {
    Tensor x = lm_dense_(ops_, h);
    ops_.unary_(PLINTH_UNARY_GELU, x);
    x = layer_norm(x, lm_norm_);
    io.emit("logits", ops_.linear(x, lm_decoder_, lm_bias_));
    break;
  }
  case Head::seq_cls:
    // EsmClassificationHead on the <cls> token.
    io.emit("logits", plugin::first_token_classify(ops_, cls_dense_, cls_out_, h));
    break;
  case Head::tok_cls: io.emit("logits", cls_out_(ops_, h)); break;
  case Head::contacts: break;
  }
  if (want_contacts) io.emit("contacts", contacts(ids, mask, r.attn_all));
}

} // namespace plinth::esm
