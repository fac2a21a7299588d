#include "biogpt_layers.hpp"

#include "error.hpp"

namespace plinth::biogpt {

using plugin::fail;

LayerNorm LayerNorm::load(const plugin::Weights &w, const std::string &name) {
  // Legacy exports name LayerNorm parameters gamma/beta; transformers renames them on load.
  return {w.first_of({name + ".weight", name + ".gamma"}),
          w.first_of({name + ".bias", name + ".beta"})};
}

BioGptAttention BioGptAttention::load(const plugin::Weights &w, const std::string &prefix,
                                      int64_t n_heads, int64_t head_dim) {
  BioGptAttention a;
  a.q = Linear::load(w, prefix + "q_proj");
  a.k = Linear::load(w, prefix + "k_proj");
  a.v = Linear::load(w, prefix + "v_proj");
  a.out = Linear::load(w, prefix + "out_proj");
  a.n_heads = n_heads;
  a.head_dim = head_dim;
  const int64_t E = n_heads * head_dim;
  if (a.q.out_features() != E || a.k.out_features() != E || a.v.out_features() != E)
    fail(PLINTH_ERR_FORMAT,
         "biogpt: attention weights under '" + prefix + "' do not match hidden_size");
  return a;
}

Tensor BioGptAttention::operator()(const plugin::Ops &ops, const Tensor &x, const Tensor &key_mask,
                                   const plugin::KvCache *cache, int64_t past) const {
  const int64_t B = x.dim(0);
  const int64_t T = x.dim(1);
  Tensor qh = ops.view(q(ops, x), {B, T, n_heads, head_dim});
  Tensor kh = ops.view(k(ops, x), {B, T, n_heads, head_dim});
  Tensor vh = ops.view(v(ops, x), {B, T, n_heads, head_dim});

  plugin::AttentionOptions opts;
  opts.scale = scale;
  opts.causal = true;
  opts.key_mask = key_mask;
  Tensor o;
  if (cache != nullptr) {
    ops.set_slice_(cache->k, 1, past, kh);
    ops.set_slice_(cache->v, 1, past, vh);
    opts.kv_len = past + T;
    opts.q_offset = past;
    o = ops.attention(qh, cache->k, cache->v, opts);
  } else {
    o = ops.attention(qh, kh, vh, opts);
  }
  return out(ops, ops.view(o, {B, T, n_heads * head_dim}));
}

BioGptMlp BioGptMlp::load(const plugin::Weights &w, const std::string &prefix, int32_t act) {
  BioGptMlp m;
  m.fc1 = Linear::load(w, prefix + "fc1");
  m.fc2 = Linear::load(w, prefix + "fc2");
  m.act = act;
  return m;
}

Tensor BioGptMlp::operator()(const plugin::Ops &ops, const Tensor &x) const {
  Tensor h = fc1(ops, x);
  ops.unary_(act, h);
  return fc2(ops, h);
}

} // namespace plinth::biogpt
