#include "biogpt_layers.hpp"

#include "error.hpp"

namespace plinth::biogpt {

using plugin::fail;

plugin::CausalAttention load_attention(const plugin::Weights &w, const std::string &prefix,
                                       int64_t n_heads, int64_t head_dim) {
  plugin::CausalAttention a;
  a.q = Linear::load(w, prefix + "q_proj");
  a.k = Linear::load(w, prefix + "k_proj");
  a.v = Linear::load(w, prefix + "v_proj");
  a.o = Linear::load(w, prefix + "out_proj");
  a.n_heads = n_heads;
  a.n_kv_heads = n_heads;
  a.head_dim = head_dim;
  const int64_t E = n_heads * head_dim;
  if (a.q.out_features() != E || a.k.out_features() != E || a.v.out_features() != E)
    fail(PLINTH_ERR_FORMAT,
         "biogpt: attention weights under '" + prefix + "' do not match hidden_size");
  return a;
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
