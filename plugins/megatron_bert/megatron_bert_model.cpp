#include "megatron_bert_model.hpp"

#include <cmath>

#include "error.hpp"
#include "first_token_heads.hpp"

namespace plinth::megatron_bert {

using plugin::fail;
using plugin::Weights;

namespace {

void check_rows(const Tensor &table, int64_t rows, int64_t width, const std::string &name,
                const char *option) {
  if (table.ndim() != 2 || table.dim(0) != rows || table.dim(1) != width)
    fail(PLINTH_ERR_FORMAT, "megatron-bert: " + name + " is " +
                                plugin::shape_string(table.shape()) + ", expected [" +
                                std::to_string(rows) + ", " + std::to_string(width) +
                                "] from config.json " + option + " and hidden_size");
}

} // namespace

MegatronBertModel::MegatronBertModel(const plinth_model_env &env)
    : ops_(env.ops, env.backend), head_(kHeads.parse(env.head)) {
  plugin::Config cfg(env.host, env.model_host);
  cfg_ = MegatronBertConfig::read(cfg);
  Weights w(env.host, env.model_host);

  // MegatronBertModel checkpoints keep the trunk at the top level; the task models under
  // "bert." (base_model_prefix).
  const std::string p = w.prefix("embeddings.word_embeddings.weight", {"bert.", ""});
  const int64_t hidden = cfg_.hidden_size;
  word_embeddings_ = w.get(p + "embeddings.word_embeddings.weight");
  position_embeddings_ = w.get(p + "embeddings.position_embeddings.weight");
  token_type_embeddings_ = w.get(p + "embeddings.token_type_embeddings.weight");
  check_rows(word_embeddings_, cfg_.vocab_size, hidden, "word_embeddings", "vocab_size");
  check_rows(position_embeddings_, cfg_.max_positions, hidden, "position_embeddings",
             "max_position_embeddings");
  check_rows(token_type_embeddings_, cfg_.type_vocab_size, hidden, "token_type_embeddings",
             "type_vocab_size");
  // Computed once, as get_rows would for every token of type 0 (decode steps pass no types).
  type0_embedding_ =
      ops_.view(ops_.get_rows(token_type_embeddings_, ops_.zeros({1}, PLINTH_DTYPE_I32)), {hidden});

  for (int64_t i = 0; i < cfg_.num_layers; ++i) {
    const std::string lp = p + "encoder.layer." + std::to_string(i) + ".";
    MegatronBertLayer l;
    l.attn_norm = LayerNorm::load(w, lp + "attention.ln");
    l.query = Linear::load(w, lp + "attention.self.query");
    l.key = Linear::load(w, lp + "attention.self.key");
    l.value = Linear::load(w, lp + "attention.self.value");
    l.attn_out = Linear::load(w, lp + "attention.output.dense");
    l.ffn_norm = LayerNorm::load(w, lp + "ln");
    l.intermediate = Linear::load(w, lp + "intermediate.dense");
    l.output = Linear::load(w, lp + "output.dense");
    // Pruned heads (config pruned_heads) shrink the projections; the head size stays
    // hidden_size / num_attention_heads, so the layer's head count follows from the weights.
    const int64_t width = l.query.out_features();
    if (width <= 0 || width % cfg_.head_dim != 0 || l.key.out_features() != width ||
        l.value.out_features() != width || l.attn_out.weight.dim(1) != width)
      fail(PLINTH_ERR_FORMAT, "megatron-bert: attention weights of layer " + std::to_string(i) +
                                  " do not fit heads of size " + std::to_string(cfg_.head_dim));
    l.n_heads = width / cfg_.head_dim;
    layers_.push_back(std::move(l));
  }
  final_norm_ = LayerNorm::load(w, p + "encoder.ln");
  if (w.has(p + "pooler.dense.weight")) pooler_ = Linear::load(w, p + "pooler.dense");
  load_heads(w, p);
}

Tensor MegatronBertModel::layer_norm(const Tensor &x, const LayerNorm &ln) const {
  return ops_.layer_norm(x, ln.weight, ln.bias, static_cast<float>(cfg_.layer_norm_eps));
}

Tensor MegatronBertModel::embed(const Tensor &ids, const Tensor &token_types,
                                const Tensor &positions) const {
  Tensor e = ops_.get_rows(word_embeddings_, ids);
  if (token_types)
    ops_.add_(e, ops_.get_rows(token_type_embeddings_, token_types));
  else
    ops_.add_(e, type0_embedding_);
  ops_.add_(e, ops_.get_rows(position_embeddings_, positions));
  return e;
}

Tensor MegatronBertModel::layers_forward(Tensor h, const Tensor &key_mask,
                                         const std::vector<plugin::KvCache> *caches, int64_t past,
                                         const plugin::ForwardIO *io) const {
  const int64_t B = h.dim(0);
  const int64_t T = h.dim(1);
  const int64_t D = cfg_.head_dim;
  // Eager attention divides the scores by sqrt(head size).
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(D)));
  for (size_t i = 0; i < layers_.size(); ++i) {
    const std::string idx = std::to_string(i);
    if (io != nullptr && io->want("hidden_states." + idx)) io->emit("hidden_states." + idx, h);
    const MegatronBertLayer &l = layers_[i];
    const int64_t H = l.n_heads;

    // Pre-LN attention: h + dense(attn(ln(h))).
    Tensor x = layer_norm(h, l.attn_norm);
    Tensor q = ops_.view(l.query(ops_, x), {B, T, H, D});
    Tensor k = ops_.view(l.key(ops_, x), {B, T, H, D});
    Tensor v = ops_.view(l.value(ops_, x), {B, T, H, D});
    plugin::AttentionOptions opts;
    opts.scale = scale;
    // Bidirectional even for is_decoder configs: transformers 5.9 to 5.17 (the versions the
    // reference outputs come from) builds MegatronBert's self-attention mask with
    // create_bidirectional_mask unconditionally (transformers issue #48745, fixed after 5.17),
    // so MegatronBertForCausalLM attends to later tokens too. Decoding with a KV cache then
    // matches generate(): the prompt attends to itself in full, each new token to everything
    // before it and itself.
    opts.causal = false;
    opts.key_mask = key_mask;
    const std::string an = "attentions." + idx;
    const bool emit_probs = io != nullptr && caches == nullptr && io->want(an);
    if (emit_probs) opts.probs = ops_.empty({B, H, T, T});
    Tensor ctx;
    if (caches != nullptr) {
      ctx = plugin::attend_cached(ops_, q, k, v, (*caches)[i], past, opts);
    } else {
      ctx = ops_.attention(q, k, v, opts);
    }
    if (emit_probs) io->emit(an, opts.probs);
    ops_.add_(h, l.attn_out(ops_, ops_.view(ctx, {B, T, H * D})));

    // Pre-LN feed-forward: h + output(act(intermediate(ln(h)))).
    x = layer_norm(h, l.ffn_norm);
    Tensor inter = l.intermediate(ops_, x);
    ops_.unary_(cfg_.hidden_act, inter);
    ops_.add_(h, l.output(ops_, inter));
  }
  return h;
}

Tensor MegatronBertModel::lm_logits(const Tensor &sequence) const {
  Tensor x = lm_transform_(ops_, sequence);
  ops_.unary_(cfg_.hidden_act, x);
  x = layer_norm(x, lm_norm_);
  return ops_.linear(x, lm_decoder_, lm_bias_);
}

Tensor MegatronBertModel::pool(const Tensor &sequence) const {
  // MegatronBertPooler: tanh(dense(first token)).
  return plugin::tanh_pool(ops_, pooler_, sequence);
}

plugin::KvGeometry MegatronBertModel::kv_geometry() const {
  std::vector<int64_t> heads;
  for (const MegatronBertLayer &l : layers_)
    heads.push_back(l.n_heads);
  return {"megatron-bert", std::move(heads), cfg_.head_dim, cfg_.vocab_size, 0};
}

void MegatronBertModel::check_step(const plugin::DecodeStep &s) const {
  // The model forward accepts generate()'s position_ids; they must fit the absolute position
  // table.
  for (int32_t p : s.positions)
    if (p >= cfg_.max_positions)
      fail(PLINTH_ERR_INVALID_ARGUMENT,
           "megatron-bert: position " + std::to_string(p) +
               " exceeds max_position_embeddings = " + std::to_string(cfg_.max_positions));
  for (int32_t id : s.ids)
    if (id < 0 || id >= cfg_.vocab_size)
      fail(PLINTH_ERR_INVALID_ARGUMENT,
           "megatron-bert: token id " + std::to_string(id) + " is outside the vocabulary");
}

} // namespace plinth::megatron_bert
