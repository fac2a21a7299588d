#include "luke_model.hpp"

#include <cmath>

#include "error.hpp"
#include "first_token_heads.hpp"

namespace plinth::luke {

using plugin::fail;
using plugin::Weights;

namespace {

void expect_shape(const Tensor &t, const plugin::Shape &shape, const std::string &name) {
  if (t.shape() != shape)
    fail(PLINTH_ERR_FORMAT, "luke: weight '" + name + "' has shape " +
                                plugin::shape_string(t.shape()) + ", config.json implies " +
                                plugin::shape_string(shape));
}

} // namespace

LukeModel::LukeModel(const plinth_model_env &env)
    : ops_(env.ops, env.backend), head_(kHeads.parse(env.head)) {
  plugin::Config cfg(env.host, env.model_host);
  cfg_ = LukeConfig::read(cfg);
  Weights w(env.host, env.model_host);
  const int64_t hid = cfg_.hidden_size;

  // LukeModel checkpoints keep the trunk at the top level, the task models under "luke.".
  const std::string p = w.prefix("embeddings.word_embeddings.weight", {"luke.", ""});
  word_embeddings_ = w.get(p + "embeddings.word_embeddings.weight");
  position_embeddings_ = w.get(p + "embeddings.position_embeddings.weight");
  token_type_embeddings_ = w.get(p + "embeddings.token_type_embeddings.weight");
  emb_norm_ = LayerNorm::load(w, p + "embeddings.LayerNorm");
  expect_shape(word_embeddings_, {cfg_.vocab_size, hid}, p + "embeddings.word_embeddings.weight");
  expect_shape(position_embeddings_, {cfg_.max_positions, hid},
               p + "embeddings.position_embeddings.weight");
  expect_shape(token_type_embeddings_, {cfg_.type_vocab_size, hid},
               p + "embeddings.token_type_embeddings.weight");

  const std::string ep = p + "entity_embeddings.";
  entity_embeddings_ = w.get(ep + "entity_embeddings.weight");
  expect_shape(entity_embeddings_, {cfg_.entity_vocab_size, cfg_.entity_emb_size},
               ep + "entity_embeddings.weight");
  if (cfg_.entity_emb_size != hid) {
    entity_dense_ = Linear::load(w, ep + "entity_embedding_dense");
    expect_shape(entity_dense_.weight, {hid, cfg_.entity_emb_size},
                 ep + "entity_embedding_dense.weight");
  }
  entity_position_embeddings_ = w.get(ep + "position_embeddings.weight");
  entity_token_type_embeddings_ = w.get(ep + "token_type_embeddings.weight");
  expect_shape(entity_position_embeddings_, {cfg_.max_positions, hid},
               ep + "position_embeddings.weight");
  expect_shape(entity_token_type_embeddings_, {cfg_.type_vocab_size, hid},
               ep + "token_type_embeddings.weight");
  entity_norm_ = LayerNorm::load(w, ep + "LayerNorm");

  for (int64_t i = 0; i < cfg_.num_layers; ++i) {
    const std::string lp = p + "encoder.layer." + std::to_string(i) + ".";
    LukeLayer l;
    l.query = Linear::load(w, lp + "attention.self.query");
    l.key = Linear::load(w, lp + "attention.self.key");
    l.value = Linear::load(w, lp + "attention.self.value");
    if (cfg_.entity_aware_attention) {
      l.w2e_query = Linear::load(w, lp + "attention.self.w2e_query");
      l.e2w_query = Linear::load(w, lp + "attention.self.e2w_query");
      l.e2e_query = Linear::load(w, lp + "attention.self.e2e_query");
    }
    for (const Linear *q : {&l.query, &l.key, &l.value})
      expect_shape(q->weight, {hid, hid}, lp + "attention.self.*.weight");
    l.attn_out = Linear::load(w, lp + "attention.output.dense");
    l.attn_norm = LayerNorm::load(w, lp + "attention.output.LayerNorm");
    l.intermediate = Linear::load(w, lp + "intermediate.dense");
    l.output = Linear::load(w, lp + "output.dense");
    l.ffn_norm = LayerNorm::load(w, lp + "output.LayerNorm");
    layers_.push_back(std::move(l));
  }
  if (w.has(p + "pooler.dense.weight")) pooler_ = Linear::load(w, p + "pooler.dense");

  switch (head_) {
  case Head::base: break;
  case Head::masked_lm: {
    lm_dense_ = Linear::load(w, "lm_head.dense");
    lm_norm_ = LayerNorm::load(w, "lm_head.layer_norm");
    // transformers 5 stores lm_head.decoder on its own; a checkpoint without it ties the
    // decoder to the word embeddings.
    lm_decoder_ =
        w.has("lm_head.decoder.weight") ? w.get("lm_head.decoder.weight") : word_embeddings_;
    lm_bias_ = w.first_of({"lm_head.decoder.bias", "lm_head.bias"});
    ent_dense_ = Linear::load(w, "entity_predictions.transform.dense");
    ent_norm_ = LayerNorm::load(w, "entity_predictions.transform.LayerNorm");
    // The entity decoder is tied to the entity embedding table (LukeForMaskedLM.tie_weights).
    ent_decoder_ = w.has("entity_predictions.decoder.weight")
                       ? w.get("entity_predictions.decoder.weight")
                       : entity_embeddings_;
    ent_bias_ = w.get("entity_predictions.bias");
    break;
  }
  case Head::qa: classifier_ = Linear::load(w, "qa_outputs"); break;
  case Head::seq_cls:
  case Head::multiple_choice:
    if (!pooler_.weight)
      fail(PLINTH_ERR_NOT_FOUND, "luke: this head needs the pooler, which the checkpoint lacks");
    classifier_ = Linear::load(w, "classifier");
    break;
  default: classifier_ = Linear::load(w, "classifier"); break;
  }
}

Tensor LukeModel::layer_norm(const Tensor &x, const LayerNorm &ln) const {
  return ops_.layer_norm(x, ln.weight, ln.bias, static_cast<float>(cfg_.layer_norm_eps));
}

Tensor LukeModel::embed_words(const LukeBatch &b) const {
  const plugin::Shape s = {b.rows, b.T};
  Tensor e = ops_.get_rows(word_embeddings_, ops_.from_host(s, b.ids));
  ops_.add_(e, ops_.get_rows(position_embeddings_, ops_.from_host(s, b.positions)));
  ops_.add_(e, ops_.get_rows(token_type_embeddings_, ops_.from_host(s, b.token_types)));
  return layer_norm(e, emb_norm_);
}

Tensor LukeModel::embed_entities(const LukeBatch &b) const {
  const int64_t hid = cfg_.hidden_size;
  const plugin::Shape s = {b.rows, b.E};
  Tensor e = ops_.get_rows(entity_embeddings_, ops_.from_host(s, b.entity_ids));
  if (entity_dense_.weight) e = entity_dense_(ops_, e);

  // The position embedding of an entity is the mean over its mention's token positions
  // (entity_position_ids, -1 = padding): a masked sum as one [1, M] x [M, hidden] product
  // per entity, then a division by the number of real positions.
  const int64_t n = b.rows * b.E;
  Tensor table = ops_.get_rows(entity_position_embeddings_,
                               ops_.from_host({n, b.M}, b.entity_positions)); // [n, M, hid]
  Tensor keep = ops_.from_host({n, 1, b.M}, b.entity_position_keep);
  Tensor pos = ops_.view(ops_.matmul(keep, table), {b.rows, b.E, hid});
  ops_.binary_(PLINTH_BINARY_DIV, pos, ops_.from_host({b.rows, b.E, 1}, b.entity_position_count));
  ops_.add_(e, pos);
  ops_.add_(e, ops_.get_rows(entity_token_type_embeddings_, ops_.from_host(s, b.entity_types)));
  return layer_norm(e, entity_norm_);
}

Tensor LukeModel::self_attention(const plugin::ForwardIO &io, int64_t index, const LukeLayer &l,
                                 const Tensor &h, const Tensor &key_mask, int64_t T) const {
  const int64_t R = h.dim(0);
  const int64_t N = h.dim(1); // words then entities
  const int64_t E = N - T;
  const int64_t H = cfg_.num_heads;
  const int64_t D = cfg_.head_dim;
  Tensor k = ops_.view(l.key(ops_, h), {R, N, H, D});
  Tensor v = ops_.view(l.value(ops_, h), {R, N, H, D});

  plugin::AttentionOptions opts;
  opts.scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(D)));
  opts.key_mask = key_mask;
  const std::string an = "attentions." + std::to_string(index);
  const bool emit_probs = io.want(an);
  if (emit_probs) opts.probs = ops_.empty({R, H, N, N});

  Tensor ctx;
  if (cfg_.entity_aware_attention && E > 0) {
    // Entity-aware attention picks the query matrix by (query kind, key kind): w2w, w2e, e2w,
    // e2e. With queries [q_to_word | q_to_entity] and keys [k | 0] for words, [0 | k] for
    // entities (2 * head_dim wide), one dot product yields exactly the score of the right
    // pair, so the fused attention op (masking, softmax, weighted sum) does the rest.
    Tensor xw = ops_.slice(h, 1, 0, T);
    Tensor xe = ops_.slice(h, 1, T, E);
    auto pair = [&](const Linear &to_word, const Linear &to_entity, const Tensor &x, int64_t len) {
      Tensor q = ops_.empty({R, len, H, 2 * D});
      ops_.set_slice_(q, 3, 0, ops_.view(to_word(ops_, x), {R, len, H, D}));
      ops_.set_slice_(q, 3, D, ops_.view(to_entity(ops_, x), {R, len, H, D}));
      return q;
    };
    Tensor q = ops_.empty({R, N, H, 2 * D});
    ops_.set_slice_(q, 1, 0, pair(l.query, l.w2e_query, xw, T));
    ops_.set_slice_(q, 1, T, pair(l.e2w_query, l.e2e_query, xe, E));
    Tensor kw = ops_.zeros({R, T, H, 2 * D});
    ops_.set_slice_(kw, 3, 0, ops_.slice(k, 1, 0, T));
    Tensor ke = ops_.zeros({R, E, H, 2 * D});
    ops_.set_slice_(ke, 3, D, ops_.slice(k, 1, T, E));
    Tensor k2 = ops_.empty({R, N, H, 2 * D});
    ops_.set_slice_(k2, 1, 0, kw);
    ops_.set_slice_(k2, 1, T, ke);
    ctx = ops_.attention(q, k2, v, opts);
  } else {
    Tensor q = ops_.view(l.query(ops_, h), {R, N, H, D});
    ctx = ops_.attention(q, k, v, opts);
  }
  if (emit_probs) io.emit(an, opts.probs);
  return ops_.view(ctx, {R, N, H * D});
}

Encoded LukeModel::encode(const plugin::ForwardIO &io, const LukeBatch &b) const {
  const int64_t T = b.T;
  const int64_t E = b.E;
  const int64_t N = T + E;
  const int64_t R = b.rows;

  // Words and entities run through the encoder as one sequence [words | entities]; the mask
  // is the concatenation of both masks.
  Tensor words = embed_words(b);
  Tensor h = words;
  std::vector<int32_t> mask(static_cast<size_t>(R * N));
  for (int64_t r = 0; r < R; ++r) {
    for (int64_t t = 0; t < T; ++t)
      mask[static_cast<size_t>(r * N + t)] = b.mask[static_cast<size_t>(r * T + t)];
    for (int64_t e = 0; e < E; ++e)
      mask[static_cast<size_t>(r * N + T + e)] = b.entity_mask[static_cast<size_t>(r * E + e)];
  }
  if (E > 0) {
    h = ops_.empty({R, N, cfg_.hidden_size});
    ops_.set_slice_(h, 1, 0, words);
    ops_.set_slice_(h, 1, T, embed_entities(b));
  }
  Tensor key_mask = ops_.from_host({R, N}, mask);

  // hidden_states.<i> are the word states only; the entity states have their own tuple
  // (entity_hidden_states.<i>), offered when asked for.
  auto emit_states = [&](int64_t i) {
    const std::string hs = "hidden_states." + std::to_string(i);
    if (io.want(hs)) io.emit(hs, E > 0 ? ops_.slice(h, 1, 0, T) : h);
    const std::string es = "entity_hidden_states." + std::to_string(i);
    if (E > 0 && io.want(es)) io.emit(es, ops_.slice(h, 1, T, E));
  };

  for (int64_t i = 0; i < cfg_.num_layers; ++i) {
    emit_states(i);
    const LukeLayer &l = layers_[static_cast<size_t>(i)];
    Tensor a = l.attn_out(ops_, self_attention(io, i, l, h, key_mask, T));
    ops_.add_(a, h);
    a = layer_norm(a, l.attn_norm);
    Tensor inter = l.intermediate(ops_, a);
    ops_.unary_(cfg_.hidden_act, inter);
    Tensor o = l.output(ops_, inter);
    ops_.add_(o, a);
    h = layer_norm(o, l.ffn_norm);
  }
  emit_states(cfg_.num_layers);

  Encoded enc;
  if (E > 0) {
    enc.words = ops_.slice(h, 1, 0, T);
    enc.entities = ops_.slice(h, 1, T, E);
  } else {
    enc.words = h;
  }
  return enc;
}

Tensor LukeModel::pool(const Tensor &words) const {
  // LukePooler: tanh(dense(first token)).
  return plugin::tanh_pool(ops_, pooler_, words);
}

void LukeModel::forward(const plugin::ForwardIO &io) const {
  LukeBatch b = read_batch(io, cfg_, head_ == Head::entity_span_cls);
  if (head_ != Head::multiple_choice && b.lead.size() != 1)
    fail(PLINTH_ERR_INVALID_ARGUMENT, "luke: input_ids must be [batch, seq]");
  if (head_ == Head::multiple_choice && b.lead.size() != 2)
    fail(PLINTH_ERR_INVALID_ARGUMENT,
         "luke: multiple choice input_ids must be [batch, choices, seq]");
  Encoded enc = encode(io, b);
  run_head(io, b, enc);
}

} // namespace plinth::luke
